// The shapes of the API's answers the merchants' console reads (from /api/v1/openapi.json).
import type { Named } from "./types";

export interface OwnedPlace {
  id: number;
  uid: string;
  city: string;
  name: string | null;
  lon: number;
  lat: number;
  categories: string[];
  since: string;
}

export type ServiceCode = "bill_payment" | "parcel_collection" | "home_service" | "rental" | "pickup" | "open_24h";
export const SERVICE_CODES: ServiceCode[] = [
  "bill_payment",
  "parcel_collection",
  "home_service",
  "rental",
  "pickup",
  "open_24h",
];

export type Day = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";
export const DAYS: Day[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
export type Weekly = Partial<Record<Day, string[]>>;

export interface ShopUpdate {
  name?: string | null;
  address?: string | null;
  phone?: string | null;
  opening_hours?: string | null;
  weekly_hours?: Weekly | null;
  services?: ServiceCode[] | null;
}

export interface ShopPage {
  id: number;
  uid: string;
  city: string;
  name: string | null;
  address: string | null;
  lon: number;
  lat: number;
  crs: string;
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
  category: string | null;
  barcode: string | null;
  price_fen: number;
  price_yuan: string;
  updated_at: string;
  withdrawn_at?: string | null;
}

export interface PriceItemCreate {
  name: string;
  spec: string;
  price_yuan: string;
  category?: string | null;
  barcode?: string | null;
}

export type PriceItemUpdate = Partial<PriceItemCreate>;

export interface PricePeriod {
  price_fen: number;
  price_yuan: string;
  since: string;
  until: string | null;
}

export interface PriceHistory {
  place_id: number;
  uid: string;
  item: PriceItem;
  periods: PricePeriod[];
}

export type CouponKind = "fixed" | "percent" | "threshold";
export type CouponStatus = "active" | "paused" | "ended";

export interface CouponCreate {
  title: string;
  description?: string;
  kind: CouponKind;
  amount_off_fen?: number | null;
  percent_off?: number | null;
  max_discount_fen?: number | null;
  min_spend_fen?: number;
  quantity: number;
  per_person_limit?: number;
  valid_from: string;
  valid_until: string;
}

export interface OwnerCoupon {
  id: number;
  title: string;
  description: string;
  kind: CouponKind;
  amount_off_fen: number | null;
  percent_off: number | null;
  max_discount_fen: number | null;
  min_spend_fen: number;
  quantity: number;
  remaining: number;
  per_person_limit: number;
  valid_from: string;
  valid_until: string;
  status: CouponStatus;
  issuer_kind: string;
  issuer_place_id: number | null;
  shop_ids: number[];
  communities: string[];
  claimed: number;
  redeemed: number;
  created_at: string;
}

export interface Redemption {
  id: number;
  claim_id: number;
  coupon_id: number;
  title: string;
  place_id: number;
  spent_fen: number;
  discount_fen: number;
  pay_fen: number;
  redeemed_at: string;
  undo_until: string;
  undone_at: string | null;
}

export interface ShopRedemption {
  id: number;
  claim_id: number;
  coupon_id: number;
  title: string;
  code_tail: string;
  spent_fen: number;
  discount_fen: number;
  pay_fen: number;
  redeemed_at: string;
  undone_at: string | null;
}

export interface RedemptionTotals {
  count: number;
  spent_fen: number;
  discount_fen: number;
  pay_fen: number;
  undone: number;
}

export interface ShopRedemptions {
  place_id: number;
  since: string;
  until: string;
  totals: RedemptionTotals;
  total_items: number;
  items: ShopRedemption[];
}

export interface BatchCreate {
  product: string;
  quantity: number;
  barcode?: string | null;
  food_class?: string | null;
  expiry_date?: string | null;
  production_date?: string | null;
  shelf_life_days?: number | null;
}

export type BatchStage = "fresh" | "near_expiry" | "expired";

export interface Batch {
  id: number;
  place_id: number;
  product: string;
  barcode: string | null;
  quantity: number;
  food_class: string | null;
  production_date: string | null;
  shelf_life_days: number | null;
  expiry_date: string;
  lead_days: number;
  lead_basis: string;
  warn_from: string;
  state: string;
  closed_at: string | null;
  stage: BatchStage;
  days_left: number;
  suggested_discount_pct: number;
  offer_price_fen: number | null;
  offer_regular_fen: number | null;
  offer_discount_pct: number | null;
  offered_at: string | null;
  offer_live: boolean;
  created_at: string;
}

export interface ExpiryList {
  place_id: number;
  date: string;
  near_expiry: Batch[];
  expired: Batch[];
  basis: string;
}

export interface OfferCreate {
  price_fen?: number | null;
  regular_price_fen?: number | null;
  discount_pct?: number | null;
}

export interface Notification {
  id: number;
  kind: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  created_at: string;
  read_at: string | null;
}

export interface NotificationPage {
  total: number;
  unread: number;
  items: Notification[];
}
