// The stored plan document (docs/assessment.md, "Plan") as the console reads it: a
// per-category plan's sites, and a joint plan's (一点多用) units and summary.

/** A new site: one category at one candidate (a joint unit: one entry per category it hosts). */
export interface PlanSite {
  id: string;
  lon: number;
  lat: number;
  category: string;
  rank: number;
  newly_covered_population: number;
  communities: string[];
  rent: number | null;
  /** A joint plan: the unit (its rank) this entry belongs to, and all it hosts. */
  unit?: number;
  hosts?: string[];
}

/** A joint plan's unit: a site hosting an allowed combination of categories. */
export interface JointUnit {
  rank: number;
  id: string;
  lon: number;
  lat: number;
  hosts: string[];
  combination?: string | null;
  cost?: number;
  newly_covered?: Record<string, number>;
  /** Per category it hosts: the communities whose gap of that category it closes. */
  closes: Record<string, string[]>;
  rent?: number | null;
}

/** A joint plan's `joint` member: the method, bound and gap, and the per-category plans' sites. */
export interface JointSummary {
  combinations: string;
  units: number;
  objective?: number | null;
  bound: number | null;
  gap: number | null;
  optimal: boolean;
  solver: string;
  per_category_sites: number;
  per_category?: Record<string, number>;
  saved_units: number;
  note?: string | null;
}

export interface PlanCategoryRow {
  category: string;
  name_zh: string;
  sites: number;
  per_category_sites?: number;
  solver: string;
  optimal: boolean | null;
  gap: number | null;
  unreachable_population: number;
}

export interface PlanCommunity {
  code: string;
  name: string;
  gaps: string[];
  sites: string[];
}

/** `GET /cities/{city}/plans/{plan_id}`. */
export interface PlanDocument {
  plan: { id: number | null; city: string; created_at: string; parameters: Record<string, unknown> };
  sites: PlanSite[];
  units?: JointUnit[];
  joint?: JointSummary;
  optimal: boolean;
  gap: number | null;
  categories: PlanCategoryRow[];
  communities: PlanCommunity[];
}
