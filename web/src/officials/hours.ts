// Coverage by time of day: the heat map's and the table's data from the API's curves,
// and the hours of need marked (pure functions, unit-tested).
import { ApiError } from "@/api/client";
import type { HourDay, HourlyCoverage } from "@/api/hours-types";

export const WEEKDAYS_EN = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;
export const WEEKDAYS_ZH = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"] as const;

/** A day's name, 0 = Monday. */
export function dayName(day: number, lang: "zh-CN" | "en"): string {
  return (lang === "en" ? WEEKDAYS_EN : WEEKDAYS_ZH)[((day % 7) + 7) % 7];
}

/**
 * The whole hours a window of need is checked at (its start, then each whole hour after
 * it before its end, as the assessment checks them): `06:30-09:00` -> 6, 7, 8;
 * `00:00-24:00` -> 0..23; an overnight `22:00-02:00` -> 22, 23, 0, 1. Unreadable: none.
 */
export function needHours(window: string | null | undefined): number[] {
  const m = /^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/.exec(window ?? "");
  if (!m) return [];
  const start = Number(m[1]) * 60 + Number(m[2]);
  let end = Number(m[3]) * 60 + Number(m[4]);
  if (start > 24 * 60 || end > 24 * 60) return [];
  if (end <= start) end += 24 * 60;
  const hours: number[] = [];
  for (let minute = start; minute < end; minute = (Math.floor(minute / 60) + 1) * 60) {
    const hour = Math.floor(minute / 60) % 24;
    if (!hours.includes(hour)) hours.push(hour);
  }
  return hours;
}

const pct = (v: number | null | undefined) => (v === null || v === undefined ? null : Math.round(v * 1000) / 10);
const name = (c: { name_zh: string; name_en: string }, lang: "zh-CN" | "en") => (lang === "en" ? c.name_en : c.name_zh);
export const hourLabel = (h: number) => `${String(h).padStart(2, "0")}:00`;

export interface HeatCell {
  /** [hour, category row, percent or null] */
  value: [number, number, number | null];
  /** Within the category's hours of need: drawn with a dark border. */
  need: boolean;
}

/** The heat map's cells of one day: a cell per hour × category, percent 0..100. */
export function heatCells(data: HourlyCoverage, day: HourDay): HeatCell[] {
  const cells: HeatCell[] = [];
  data.categories.forEach((category, row) => {
    const need = new Set(needHours(category.hours_of_need));
    const curve = data.curves[day][category.code] ?? [];
    for (let hour = 0; hour < 24; hour += 1) {
      cells.push({ value: [hour, row, pct(curve[hour])], need: need.has(hour) });
    }
  });
  return cells;
}

export const NEED_BORDER = "#1f2329";

/** The ECharts option of the heat map (hours across, basic categories down). */
export function heatmapOption(data: HourlyCoverage, day: HourDay, lang: "zh-CN" | "en", labels: { need: string; none: string }) {
  const categories = data.categories.map((c) => name(c, lang));
  return {
    aria: { enabled: true },
    animation: false,
    grid: { left: 8, right: 8, top: 8, bottom: 56, containLabel: true },
    tooltip: {
      formatter: (p: { data?: { value: [number, number, number | null]; need: boolean } }) => {
        if (!p.data) return "";
        const [hour, row, value] = p.data.value;
        const share = value === null ? labels.none : `${value}%`;
        return `${categories[row]} ${hourLabel(hour)}: ${share}${p.data.need ? ` (${labels.need})` : ""}`;
      },
    },
    xAxis: { type: "category" as const, data: data.hours.map((h) => String(h).padStart(2, "0")), splitArea: { show: true } },
    yAxis: { type: "category" as const, data: categories, inverse: true },
    visualMap: {
      min: 0,
      max: 100,
      calculable: false,
      orient: "horizontal" as const,
      left: "center",
      bottom: 0,
      itemHeight: 120,
      text: ["100%", "0%"],
      inRange: { color: ["#d73027", "#fee08b", "#1a9850"] },
      outOfRange: { color: "#bdbdbd" },
    },
    series: [
      {
        type: "heatmap" as const,
        data: heatCells(data, day).map((cell) => ({
          value: cell.value[2] === null ? [cell.value[0], cell.value[1], "-"] : cell.value,
          need: cell.need,
          itemStyle: cell.need ? { borderColor: NEED_BORDER, borderWidth: 2 } : { borderColor: "#ffffff", borderWidth: 1 },
        })),
      },
    ],
  };
}

export interface HourRow {
  code: string;
  name: string;
  need: string | null;
  served: number | null;
  /** 24 percents (null: nobody counted). */
  values: (number | null)[];
  needHours: number[];
}

/** The table beside the chart (the accessible form): a row per category, a column per hour. */
export function hourRows(data: HourlyCoverage, day: HourDay, lang: "zh-CN" | "en"): HourRow[] {
  return data.categories.map((c) => ({
    code: c.code,
    name: name(c, lang),
    need: c.hours_of_need,
    served: pct(c.served_when_needed),
    values: Array.from({ length: 24 }, (_, h) => pct(data.curves[day][c.code]?.[h])),
    needHours: needHours(c.hours_of_need),
  }));
}

/**
 * A short description of a day's curves for screen readers: for each category the hours
 * of its lowest and highest share ("早餐店: 最低 0.0% 00:00，最高 52.1% 07:00").
 */
export function hourSummary(data: HourlyCoverage, day: HourDay, lang: "zh-CN" | "en"): string {
  return hourRows(data, day, lang)
    .map((row) => {
      const known = row.values.map((v, h) => [v, h] as const).filter((x): x is readonly [number, number] => x[0] !== null);
      if (!known.length) return `${row.name}: —`;
      const low = known.reduce((a, b) => (b[0] < a[0] ? b : a));
      const high = known.reduce((a, b) => (b[0] > a[0] ? b : a));
      return lang === "en"
        ? `${row.name}: lowest ${low[0]}% at ${hourLabel(low[1])}, highest ${high[0]}% at ${hourLabel(high[1])}`
        : `${row.name}：最低 ${low[0]}%（${hourLabel(low[1])}），最高 ${high[0]}%（${hourLabel(high[1])}）`;
    })
    .join(lang === "en" ? "; " : "；");
}

/** Whether an error is the API's "this run was not assessed by hour" (404 naming `run`). */
export function notByHour(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404 && error.problem?.errors?.[0]?.field === "run";
}

/** The what-if's moment as the API takes it: `Mon 07:30` (city time), or null for any time. */
export function momentText(day: number | null, time: string | null): string | null {
  if (day === null || !time) return null;
  const m = /^(\d{1,2}):(\d{2})$/.exec(time.trim());
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) return null;
  return `${WEEKDAYS_EN[day]} ${m[1].padStart(2, "0")}:${m[2]}`;
}

/** An assess job's time parameters: only those set (`at` trimmed; the API checks it). */
export function assessOptions(at: string, unknownHours: "open" | "closed" | "exclude", byHour: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (at.trim()) out.at = at.trim();
  if (unknownHours !== "open") out.unknown_hours = unknownHours;
  if (byHour) out.by_hour = true;
  return out;
}
