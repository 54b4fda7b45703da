// Types of `GET /cities/{city}/coverage-by-hour`: coverage by time of day of a run
// assessed by hour (the city's, an area's weighted by residents, or one community's).

export type HourDay = "weekday" | "weekend";

export interface HourCategory {
  code: string;
  name_zh: string;
  name_en: string;
  /** Its hours of need, `06:30-09:00`; null: none recorded with the run. */
  hours_of_need: string | null;
  /** Share of the residents served at every check moment of those hours, 0..1. */
  served_when_needed: number | null;
}

export interface HourlyCoverage {
  city: string;
  area: string | null;
  community: string | null;
  name: string | null;
  run: { id: number; created_at: string };
  at: string | null;
  /** 0 = Monday. */
  weekday: number;
  weekend: number;
  unknown_hours: "open" | "closed" | "exclude";
  hours: number[];
  population: number;
  communities: number;
  categories: HourCategory[];
  /** Per day, category code -> 24 shares (0..1, null where nobody is counted). */
  curves: Record<HourDay, Record<string, (number | null)[]>>;
  served_all: number | null;
}
