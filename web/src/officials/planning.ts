// The planning pages' figures: the trend's line chart, what-if's changed communities and
// the map's colours after a change (pure functions, unit-tested).
import type { RunCategory, RunCommunity } from "@/api/officials-types";
import type { RunTrendPoint, WhatIfResult } from "@/api/planning-types";
import { basicCoverage } from "@/officials/figures";

const pct = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 10);

/** The line chart of the runs, oldest to newest: basic-complete share and F15, in %. */
export function trendChartOption(runs: RunTrendPoint[], labels: { complete: string; f15: string }) {
  const ordered = [...runs].reverse(); // the API lists newest first
  return {
    aria: { enabled: true },
    animation: false,
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    legend: { top: 0 },
    tooltip: { trigger: "axis" as const, valueFormatter: (v: unknown) => (v === null ? "—" : `${String(v)}%`) },
    xAxis: { type: "category" as const, data: ordered.map((r) => `#${r.id} ${r.created_at.slice(0, 10)}`) },
    yAxis: { type: "value" as const, min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    series: [
      { name: labels.complete, type: "line" as const, data: ordered.map((r) => pct(r.basic_complete_share)), color: "#0a66c2" },
      { name: labels.f15, type: "line" as const, data: ordered.map((r) => pct(r.f15)), color: "#067a36" },
    ],
  };
}

export interface CategoryChange {
  code: string;
  before: number | null;
  after: number | null;
}

export interface ChangedRow {
  code: string;
  name: string;
  /** The categories whose coverage changed there, the biggest change first. */
  changes: CategoryChange[];
  /** Basic coverage (the lowest basic category's) before and after. */
  before: number | null;
  after: number | null;
  completeBefore: boolean;
  completeAfter: boolean;
  /** 1 better, -1 worse, 0 the same, over the changed categories. */
  direction: number;
}

const size = (c: CategoryChange) => Math.abs((c.after ?? 0) - (c.before ?? 0));

/** The re-scored communities where a category's coverage or completeness changed, biggest change first. */
export function changedCommunities(result: WhatIfResult, categories: RunCategory[]): ChangedRow[] {
  const rows: ChangedRow[] = [];
  for (const c of result.communities) {
    const changes = Object.keys(c.after.coverage)
      .filter((k) => (c.after.coverage[k] ?? 0) !== (c.before.coverage[k] ?? 0))
      .map((k) => ({ code: k, before: c.before.coverage[k] ?? null, after: c.after.coverage[k] ?? null }))
      .sort((a, b) => size(b) - size(a));
    if (!changes.length && c.before.basic_complete === c.after.basic_complete) continue;
    const delta = changes.reduce((sum, x) => sum + (x.after ?? 0) - (x.before ?? 0), 0);
    rows.push({
      code: c.code,
      name: c.name,
      changes,
      before: basicCoverage(c.before as unknown as RunCommunity, categories),
      after: basicCoverage(c.after as unknown as RunCommunity, categories),
      completeBefore: c.before.basic_complete,
      completeAfter: c.after.basic_complete,
      direction: delta > 0 ? 1 : delta < 0 ? -1 : 0,
    });
  }
  const biggest = (r: ChangedRow) => (r.changes[0] ? size(r.changes[0]) : 0);
  return rows.sort((a, b) => biggest(b) - biggest(a));
}

/** The map's basic coverage per community with the what-if's re-scored communities put in. */
export function coverageAfter(
  base: Map<string, number | null>,
  result: WhatIfResult | null,
  categories: RunCategory[],
): Map<string, number | null> {
  if (!result) return base;
  const out = new Map(base);
  for (const c of result.communities) {
    if (out.has(c.code)) out.set(c.code, basicCoverage(c.after as unknown as RunCommunity, categories));
  }
  return out;
}

/** A longitude/latitude pair typed by hand, or a message key saying what is wrong. */
export function parsePoint(lon: string, lat: string): { point: [number, number] } | { error: "lon" | "lat" } {
  const x = Number(lon.trim());
  const y = Number(lat.trim());
  if (lon.trim() === "" || !Number.isFinite(x) || x < -180 || x > 180) return { error: "lon" };
  if (lat.trim() === "" || !Number.isFinite(y) || y < -90 || y > 90) return { error: "lat" };
  return { point: [x, y] };
}
