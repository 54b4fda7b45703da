// Types of the API's answers the officials' voice pages read: surveys, consultations,
// indicators and usage, consumption-voucher campaigns (docs/api.md "Routes").

export type QuestionKind = "scale5" | "single" | "multiple" | "text";

export interface QuestionIn {
  key?: string | null;
  text: string;
  kind: QuestionKind;
  options?: string[];
  required?: boolean;
  satisfaction?: boolean;
}

export interface Question {
  key: string;
  text: string;
  kind: QuestionKind;
  options: string[];
  required: boolean;
  satisfaction: boolean;
}

export interface SurveyTemplate {
  name: string;
  title: string;
  questions: Question[];
}

export type SurveyScope = "city" | "communities" | "pilots";

/** `POST /cities/{city}/surveys`. */
export interface SurveyCreate {
  title?: string | null;
  template?: "satisfaction" | null;
  scope: SurveyScope;
  communities?: string[];
  pilots?: number[];
  questions?: QuestionIn[];
  opens_at: string;
  closes_at: string;
}

export interface Survey {
  id: number;
  city: string;
  title: string;
  scope: SurveyScope;
  area_code: string | null;
  template: string | null;
  status: "scheduled" | "open" | "closed";
  opens_at: string;
  closes_at: string;
  created_at: string;
  questions: Question[];
  communities: string[];
  pilots: { seq: number; community_code: string }[];
  answers?: number | null;
  answered?: boolean | null;
}

/** The share satisfied (4 or 5 of 5) of a cell; no figure under `min_cell` answers. */
export interface SatisfactionCell {
  n: number;
  too_few: boolean;
  satisfied: number | null;
  share: number | null;
  low: number | null;
  high: number | null;
}

export interface Distribution {
  key: string;
  n: number;
  too_few: boolean;
  counts: Record<string, number> | null;
  texts: string[] | null;
}

export interface FullSurveyResults {
  survey_id: number;
  city: string;
  area: string | null;
  status: string;
  min_cell: number;
  satisfaction_question: string | null;
  overall: SatisfactionCell | null;
  pilots_overall: SatisfactionCell | null;
  questions: Distribution[];
  communities: { code: string; name: string; satisfaction: SatisfactionCell | null; questions: Distribution[] }[];
  pilots: {
    seq: number;
    name: string;
    street: string;
    district: string;
    community_code: string;
    satisfaction: SatisfactionCell | null;
  }[];
}

export type ConsultationKind = "site" | "business_change" | "promotion" | "other";
export type ConsultationStatus = "upcoming" | "open" | "closed";

/** `POST /cities/{city}/consultations` (a point: lon/lat in WGS-84). */
export interface ConsultationCreate {
  title: string;
  description: string;
  kind: ConsultationKind;
  lon: number;
  lat: number;
  crs?: "wgs84";
  community?: string | null;
  opens_at?: string | null;
  closes_at: string;
}

export interface Consultation {
  id: number;
  city: string;
  title: string;
  description: string;
  kind: ConsultationKind;
  lon: number;
  lat: number;
  crs: string;
  community_code: string | null;
  community_name: string | null;
  plan_id: number | null;
  site_id: string | null;
  opens_at: string;
  closes_at: string;
  created_at: string;
  status: ConsultationStatus;
}

export interface ConsultationList {
  total: number;
  items: Consultation[];
}

export interface Tally {
  support: number | null;
  oppose: number | null;
  too_few: boolean;
}

export interface ConsultationPage {
  consultation: Consultation;
  tallies: {
    communities: (Tally & { code: string; name: string | null })[];
    suppressed: Tally;
    total: Tally;
  };
  comments: { id: number; text: string; community_code: string | null; created_at: string; mine: boolean }[];
  comments_total: number;
  my_stance: string | null;
}

/** `PUT /cities/{city}/indicators/{code}/{period}`: left out or null = not recorded. */
export interface IndicatorUpdate {
  investment_fen?: number | null;
  commercial_floor_m2?: number | null;
  total_floor_m2?: number | null;
  centres?: { name: string; kind: "new" | "renovated" }[];
}

export interface Indicator {
  id: number;
  area_code: string;
  period: string;
  investment_fen: number | null;
  investment_wan: string | null;
  commercial_floor_m2: number | null;
  total_floor_m2: number | null;
  floor_share: number | null;
  centres: { name: string; kind: string }[];
  updated_at: string;
}

export interface IndicatorList {
  city: string;
  area: string | null;
  records: Indicator[];
  totals: {
    investment_fen: number | null;
    investment_wan: string | null;
    commercial_floor_m2: number | null;
    total_floor_m2: number | null;
    floor_share: number | null;
    centres: number | null;
    employees: number | null;
    shops_reporting: number;
  };
}

export interface Usage {
  city: string;
  area: string | null;
  month: string;
  computed_at: string;
  limit_minutes: number;
  min_events: number;
  events: number | null;
  within_share: number | null;
  cells: { community_code: string | null; category: string; events: number | null; within_share: number | null }[];
}

export type CampaignKind = "fixed" | "percent" | "threshold";

/** `POST /cities/{city}/campaigns` (money in integer fen). */
export interface CampaignCreate {
  name: string;
  description?: string;
  budget_fen: number;
  kind: CampaignKind;
  amount_off_fen?: number | null;
  percent_off?: number | null;
  max_discount_fen?: number | null;
  min_spend_fen?: number;
  per_resident: number;
  valid_from: string;
  valid_until: string;
  area_code?: string | null;
  communities?: string[];
  categories?: string[];
}

/** `draft` → `open` ⇄ `paused` → `closed` (final). */
export type CampaignStatus = "draft" | "open" | "paused" | "closed";

/** `GET /campaigns/{id}/shops`: an enrolled shop, or one of the area the officials may enrol. */
export interface CampaignShop {
  place_id: number;
  name: string | null;
  community_code: string | null;
  categories: string[];
  enrolled: boolean;
}

export interface Campaign {
  id: number;
  city: string;
  name: string;
  description: string;
  status: CampaignStatus;
  area_code: string | null;
  budget_fen: number;
  coupon_id: number;
  kind: CampaignKind;
  amount_off_fen: number | null;
  percent_off: number | null;
  max_discount_fen: number | null;
  min_spend_fen: number;
  voucher_max_fen: number;
  vouchers: number;
  claimed: number;
  remaining: number;
  reserved_fen: number;
  per_resident: number;
  valid_from: string;
  valid_until: string;
  communities: string[];
  categories: string[];
  shop_ids: number[];
  created_at: string;
  opened_at: string | null;
  closed_at: string | null;
}

export interface CampaignGroup {
  code: string | null;
  name: string | null;
  shops: number;
  claims: number;
  redemptions: number;
  spent_fen: number;
  discount_fen: number;
}

export interface CampaignReport {
  campaign: Campaign;
  budget_fen: number;
  reserved_fen: number;
  unreserved_fen: number;
  discount_fen: number;
  discount_share_hundredths: number | null;
  spent_fen: number;
  redemptions: number;
  claims: number;
  shops: number;
  communities: CampaignGroup[];
  categories: CampaignGroup[];
}
