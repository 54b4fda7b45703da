// The dashboard's figures from the assessment document: pure functions (unit-tested).
import type { RunCategory, RunCommunity, RunDocument, Target } from "@/api/officials-types";

/**
 * A community's basic coverage: the smallest share of its residents reaching a basic
 * category (as the pilots' `coverage_basic_min`); `null` when no one lives there.
 */
export function basicCoverage(community: RunCommunity, categories: RunCategory[]): number | null {
  let lowest: number | null = null;
  for (const category of categories) {
    if (category.group !== "basic") continue;
    const value = community.coverage[category.code];
    if (value === null || value === undefined) continue;
    lowest = lowest === null ? value : Math.min(lowest, value);
  }
  return lowest;
}

/** The map's classes of basic coverage: edges and colours (colour-blind safe, light to dark). */
export const COVERAGE_CLASSES = [
  { min: 0.9, colour: "#1a9850", key: "c90" },
  { min: 0.7, colour: "#91cf60", key: "c70" },
  { min: 0.5, colour: "#fee08b", key: "c50" },
  { min: 0, colour: "#d73027", key: "c0" },
] as const;
export const NO_RESIDENTS = "#bdbdbd";

export function coverageColour(value: number | null): string {
  if (value === null) return NO_RESIDENTS;
  return (COVERAGE_CLASSES.find((c) => value >= c.min) ?? COVERAGE_CLASSES[COVERAGE_CLASSES.length - 1]).colour;
}

/** Basic coverage of each community of the document that is among `codes` (the area's units). */
export function coverageByCommunity(doc: RunDocument, codes: Set<string> | null): Map<string, number | null> {
  const out = new Map<string, number | null>();
  for (const community of doc.communities) {
    if (codes && !codes.has(community.code)) continue;
    out.set(community.code, basicCoverage(community, doc.categories));
  }
  return out;
}

export interface TargetProgress {
  code: string;
  label: string;
  /** Progress toward the target, 0..100, or null when nothing is recorded yet. */
  percent: number | null;
  text: string;
  met: boolean | null;
  note: string | null;
  due: string | null;
}

function figure(value: number | null, unit: string): string {
  if (value === null) return "—";
  if (unit === "share") return `${(value * 100).toFixed(1)}%`;
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** The plan's targets as progress bars: actual over target, capped at 100. */
export function targetProgress(targets: Target[], lang: "zh-CN" | "en"): TargetProgress[] {
  return targets.map((t) => {
    const percent =
      t.actual === null || t.target === null || t.target <= 0 ? null : Math.max(0, Math.min(100, Math.round((t.actual / t.target) * 1000) / 10));
    return {
      code: t.code,
      label: lang === "en" ? t.label_en : t.label_zh,
      percent,
      text: t.actual === null ? "—" : `${figure(t.actual, t.unit)} / ${figure(t.target, t.unit)}`,
      met: t.met,
      note: (lang === "en" ? null : t.note_zh) || t.note,
      due: t.due,
    };
  });
}

/** The bar chart of the city's coverage by category (basic first, as the document lists them). */
export function coverageChartOption(doc: RunDocument, lang: "zh-CN" | "en", group: "basic" | "all" = "basic") {
  const categories = doc.categories.filter((c) => group === "all" || c.group === "basic");
  const names = categories.map((c) => (lang === "en" ? c.name_en : c.name_zh));
  const values = categories.map((c) => {
    const v = doc.city.coverage[c.code];
    return v === null || v === undefined ? null : Math.round(v * 1000) / 10;
  });
  return {
    aria: { enabled: true },
    animation: false,
    grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis" as const, valueFormatter: (v: unknown) => (v === null ? "—" : `${String(v)}%`) },
    xAxis: { type: "value" as const, min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category" as const, data: names, inverse: true },
    series: [
      {
        type: "bar" as const,
        data: values.map((v) => ({ value: v, itemStyle: { color: coverageColour(v === null ? null : v / 100) } })),
        label: { show: true, position: "right" as const, formatter: "{c}%" },
      },
    ],
  };
}
