// Types of the API's answers the officials' console reads (docs/api.md "Routes").

export interface UnitVerdict {
  code: string;
  name: string;
  population: number | null;
  basic_complete: boolean;
  grade: string;
  circle_type: string;
}

/** `GET /cities/{city}/assessment[?area=]`: the latest run, the caller's area. */
export interface AreaAssessment {
  city: string;
  area: string | null;
  run_id: number;
  created_at: string;
  population: number | null;
  basic_complete: number;
  /** Whether the run was assessed by hour (GET /coverage-by-hour then answers). */
  by_hour: boolean;
  units: UnitVerdict[];
}

export interface RunCategory {
  code: string;
  name_zh: string;
  name_en: string;
  group: string;
}

export interface Target {
  code: string;
  label_zh: string;
  label_en: string;
  target: number | null;
  actual: number | null;
  unit: string;
  due: string | null;
  met: boolean | null;
  note: string | null;
  /** The note in Chinese (runs stored before it was added have none). */
  note_zh?: string | null;
}

export interface PilotRow {
  seq: number;
  district: string;
  name: string;
  street: string;
  community_code: string | null;
  circle_type: string | null;
  grade: string | null;
  basic_complete: boolean | null;
  coverage_basic_min: number | null;
}

export interface RunCommunity {
  code: string;
  name: string;
  population: number | null;
  is_pilot: boolean;
  coverage: Record<string, number | null>;
  basic_complete: boolean;
  grade: string;
}

/** `GET /cities/{city}/runs/{run_id}`: the assessment document (the parts read here). */
export interface RunDocument {
  run: { id: number; created_at: string };
  categories: RunCategory[];
  city: {
    population: number;
    communities: number;
    basic_complete: number;
    coverage: Record<string, number | null>;
    targets: Target[];
    pilots?: { listed: number; matched: number; rows: PilotRow[] } | null;
  };
  communities: RunCommunity[];
}

export interface CategoryCoverage {
  code: string;
  name_zh: string;
  name_en: string;
  group: string;
  coverage: number | null;
  minutes_mean: number | null;
  missing: boolean;
  weak: boolean;
}

export interface PlannedSite {
  id: string;
  category: string;
  lon: number;
  lat: number;
  newly_covered_population: number | null;
  /** A joint plan (一点多用): the unit this category opens in, and all the unit hosts. */
  unit?: number | null;
  hosts?: string[];
}

/** `GET /cities/{city}/communities/{code}`: a community's card. */
export interface CommunityCard {
  city: string;
  code: string;
  name: string;
  street: string;
  district: string;
  population: number | null;
  is_pilot: boolean;
  run_id: number;
  assessed_at: string;
  categories: CategoryCoverage[];
  basic_complete: boolean;
  missing: string[];
  weak: string[];
  places: number | null;
  circle_type: string;
  circle_type_zh: string;
  circle_type_rule: string;
  grade: string;
  grade_zh: string;
  grade_rule: string;
  plan: { id: number | null; created_at: string | null; gaps: string[]; sites: PlannedSite[]; joint?: boolean } | null;
}

export interface FeedbackCell {
  community_code: string | null;
  community_name: string | null;
  category: string;
  reports: number;
  residents: number;
  coverage: number | null;
  gap: boolean;
}

export interface FeedbackSummary {
  city: string;
  area: string | null;
  run_id: number | null;
  reports: number;
  cells: FeedbackCell[];
}

export type ComplaintStatus = "received" | "assigned" | "resolved" | "rejected";

export interface Complaint {
  id: number;
  city: string;
  place_id: number;
  uid: string;
  place_name: string | null;
  community_code: string | null;
  kind: string;
  description: string;
  status: ComplaintStatus;
  assignee_id: number | null;
  reply: string | null;
  created_at: string;
}

export interface ComplaintList {
  total: number;
  items: Complaint[];
}

export interface ShopApplication {
  id: number;
  kind: "new" | "claim";
  status: "pending" | "approved" | "rejected";
  applicant_id: number;
  place_id: number | null;
  name: string | null;
  address: string | null;
  categories: string[];
  community_code: string | null;
  created_at: string;
  decided_at: string | null;
  reason: string | null;
}

export interface ApplicationPage {
  total: number;
  items: ShopApplication[];
}

export interface ShareCell {
  n: number;
  too_few: boolean;
  share: number | null;
  low: number | null;
  high: number | null;
}

export interface SurveyListItem {
  id: number;
  title: string;
  status: string;
  communities: string[];
  answers?: number | null;
}

export interface SurveyResults {
  survey_id: number;
  overall: ShareCell | null;
  communities: { code: string; name: string; satisfaction: ShareCell | null }[];
}

export type JobStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";

export interface Job {
  id: string;
  city: string;
  kind: "assess" | "plan" | "report";
  status: JobStatus;
  progress: number;
  message: string | null;
  error: string | null;
  /** The options it was started with (an assess job's: `by_hour`, `weekday`, `hours_of_need`...). */
  parameters?: Record<string, unknown>;
  created_at: string;
  finished_at: string | null;
}

export interface JobList {
  data: Job[];
  count: number;
}
