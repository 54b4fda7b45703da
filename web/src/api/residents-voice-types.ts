// The shapes of the residents' voice routes (surveys, feedback, complaints, home, a price's
// history, a place's integrity), as /api/v1/openapi.json gives them.
import type { PriceItem } from "./types";

export type QuestionKind = "scale5" | "single" | "multiple" | "text";

export interface SurveyQuestion {
  key: string;
  text: string;
  kind: QuestionKind;
  options: string[];
  required: boolean;
  satisfaction: boolean;
}

export interface Survey {
  id: number;
  city: string;
  title: string;
  scope: "city" | "communities" | "pilots";
  area_code: string | null;
  template: string | null;
  status: "scheduled" | "open" | "closed";
  opens_at: string;
  closes_at: string;
  created_at: string;
  questions: SurveyQuestion[];
  communities: string[];
  /** Residents: whether they answered it. */
  answered: boolean | null;
}

/** A question's answer: 1..5, an option, options, a text (null: left out). */
export type AnswerValue = number | string | string[] | null;

export interface SurveyReceipt {
  id: number;
  survey_id: number;
  community_code: string;
  submitted_at: string;
}

export interface MissingReportBody {
  category: string;
  lon: number;
  lat: number;
  crs?: "wgs84" | "gcj02" | "bd09";
  note?: string;
}

export interface MissingReport {
  id: number;
  city: string;
  category: string;
  community_code: string | null;
  community_name: string | null;
  created_at: string;
}

export type ComplaintKind = "overcharging" | "expired_goods" | "no_price_tags" | "false_advertising" | "other";
export type ComplaintStatus = "received" | "assigned" | "resolved" | "rejected";

export interface MyComplaint {
  id: number;
  city: string;
  place_id: number;
  uid: string;
  place_name: string | null;
  community_code: string | null;
  kind: ComplaintKind;
  description: string;
  status: ComplaintStatus;
  assignee_id: number | null;
  reply: string | null;
  created_at: string;
  assigned_at: string | null;
  decided_at: string | null;
}

export interface MyComplaintList {
  total: number;
  items: MyComplaint[];
}

export interface HomeBody {
  city: string;
  lon: number;
  lat: number;
  crs?: "wgs84" | "gcj02" | "bd09";
}

export interface Home {
  city: string;
  lon: number;
  lat: number;
  crs: string;
  community_code: string | null;
  community_name: string | null;
  updated_at: string;
}

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

export interface Integrity {
  place_id: number;
  uid: string;
  name: string | null;
  complaints: number;
  upheld: number;
  publishes_prices: boolean;
  live_prices: number;
  lapses: number;
  expired_in_stock: number;
  marks: number | null;
  grade: string | null;
  rule: string;
}
