// The shapes of the API's answers the pages read (from /api/v1/openapi.json).

export type Crs = "wgs84" | "gcj02" | "bd09";
export type Profile = "adult" | "elderly";

export interface FieldProblem {
  field: string | null;
  problem: string;
}

export interface Problem {
  status: number;
  title: string;
  detail: string;
  errors: FieldProblem[];
}

export interface CityCategory {
  code: string;
  group: string;
  name_zh: string;
  name_en: string;
  places: number;
}

export interface City {
  name: string;
  taxonomy: string;
  places: number;
  categories: CityCategory[];
}

export interface CityListItem {
  name: string;
  places: number;
  communities: number;
}

export interface Named {
  code: string;
  name_zh: string;
  name_en: string;
}

export interface NearbyPlace {
  id: string;
  name: string | null;
  brand: string | null;
  categories: (Named & { group: string })[];
  lon: number;
  lat: number;
  metres: number;
  minutes: number;
  open_now: boolean | null;
  opening_hours: string | null;
  coupons: number;
  near_expiry: number;
}

export interface Nearby {
  city: string;
  crs: Crs;
  lon: number;
  lat: number;
  minutes: number;
  profile: Profile;
  total: number;
  places: NearbyPlace[];
}

export interface RouteFeature {
  type: "Feature";
  geometry: { type: "LineString"; coordinates: [number, number][] };
  properties: { to: string; name: string | null; metres: number; minutes: number; crs: Crs };
}

export interface PlacePage {
  id: number;
  uid: string;
  city: string;
  name: string | null;
  address: string | null;
  lon: number;
  lat: number;
  categories: Named[];
  opening_hours: string | null;
  open_now: boolean | null;
  next_opening: string | null;
  closes_at: string | null;
  services: Named[];
  phone: string | null;
  verified: boolean;
}

export interface PriceItem {
  id: number;
  name: string;
  spec: string;
  price_fen: number;
  price_yuan: string;
}

export interface ShopPrices {
  place_id: number;
  uid: string;
  items: PriceItem[];
}

export interface Coupon {
  id: number;
  title: string;
  description: string;
  kind: string;
  amount_off_fen: number | null;
  percent_off: number | null;
  max_discount_fen: number | null;
  min_spend_fen: number;
  quantity: number;
  remaining: number;
  per_person_limit: number;
  valid_from: string;
  valid_until: string;
  status: string;
}

export interface Claim {
  id: number;
  code: string;
  state: string;
  claimed_at: string;
  redeemed_at: string | null;
  coupon: Coupon;
}

export interface ClaimPage {
  total: number;
  items: Claim[];
}

export interface Offer {
  batch_id: number;
  place: string;
  place_name: string | null;
  product: string;
  quantity: number;
  expiry_date: string;
  days_left: number;
  price_fen: number;
  regular_price_fen: number | null;
  discount_pct: number | null;
}

export interface User {
  id: number;
  username: string;
  role: string;
  city: string | null;
  display_name: string | null;
}

export interface Token {
  access_token: string;
  token_type: "bearer";
  expires_in: number;
  user: User;
}

export interface GeoFeatureCollection {
  type: "FeatureCollection";
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  features: { type: "Feature"; geometry: any; properties: Record<string, unknown> }[];
  truncated?: boolean;
}

/** The web application's run-time settings (`GET /web-config`): the deployment's tiles. */
export interface WebConfig {
  tiles: { url: string; crs: "wgs84" | "gcj02"; attribution: string } | null;
}
