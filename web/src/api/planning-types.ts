// Types of the officials' planning routes: the trend across runs, what-if, report files.

/** `GET /cities/{city}/runs`: one run of the trend (figures of the caller's part of the city). */
export interface RunTrendPoint {
  id: number;
  created_at: string;
  minutes: number | null;
  limit_minutes: Record<string, number>;
  profile: string | null;
  speed_kmh: number | null;
  communities: number;
  basic_complete: number;
  basic_complete_share: number | null;
  population: number;
  f15: number | null;
  coverage: Record<string, number | null>;
}

export interface RunTrend {
  city: string;
  area: string | null;
  data: RunTrendPoint[];
  count: number;
  next_before: number | null;
}

export type Crs = "wgs84" | "gcj02" | "bd09";

/** The what-if's moment: `at` (`Mon 07:30`, city time) and what unknown hours count as. */
export interface WhatIfTime {
  at?: string;
  unknown_hours?: "open" | "closed";
}

/** `POST /cities/{city}/what-if`: one change (with an optional moment). */
export type WhatIfChange = (
  | { op: "add"; category: string; lon: number; lat: number; crs?: Crs }
  | { op: "move"; uid: string; lon: number; lat: number; crs?: Crs }
  | { op: "remove"; uid: string }
) &
  WhatIfTime;

/** The parts of an assessment community record the page reads. */
export interface WhatIfRecord {
  code: string;
  name: string;
  population: number;
  coverage: Record<string, number | null>;
  basic_complete: boolean;
  missing: string[];
  grade: string;
  grade_zh: string;
}

export interface WhatIfCity {
  basic_complete: number;
  f15: number | null;
  coverage: Record<string, number | null>;
}

export interface WhatIfResult {
  change: Record<string, unknown>;
  run: { id: number; created_at: string };
  stale: boolean;
  affected_points: number;
  communities: { code: string; name: string; before: WhatIfRecord; after: WhatIfRecord }[];
  city: { before: WhatIfCity; after: WhatIfCity };
  elapsed_s: number;
  /** The moment counted (`Mon 07:30`); null: whatever the time. */
  at?: string | null;
  unknown_hours?: "open" | "closed" | null;
  /** The moment the stored run was assessed at (null: whatever the time). */
  at_run?: string | null;
}

/** `GET /jobs/{id}/result`: what a job stored. */
export interface JobFile {
  name: string;
  format: "html" | "xlsx" | "geojson" | "gpkg" | "csv";
  media_type: string;
  bytes: number;
  url: string;
}

export interface JobResult {
  job_id: string;
  kind: "assess" | "plan" | "report";
  city: string;
  run: { id: number; url: string } | null;
  plan: { id: number; url: string } | null;
  files: JobFile[];
  summary: Record<string, unknown> | null;
}

export const REPORT_FORMATS = ["html", "xlsx", "gpkg", "geojson", "csv"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
