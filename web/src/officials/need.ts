// The assess job's by-hour options in the officials' console: the two days compared and
// the hours of need per basic category (as `lifecircle assess --by-hour --weekday D
// --weekend D --need FILE`, the file's [needs] table sent as data), checked here as the
// API checks them, and a job's stored parameters read back (pure functions, unit-tested).
import { dayName, WEEKDAYS_EN } from "@/officials/hours";

export type Weekday = (typeof WEEKDAYS_EN)[number];

/** Most categories the API takes in `hours_of_need`. */
export const MAX_NEEDS = 50;

/** One row of the hours-of-need editor: a basic category and its daily window. */
export interface NeedRow {
  category: string;
  window: string;
}

/** What is wrong with a row (a message key under `officials.hours.jobs.needError`). */
export type NeedProblem = "category" | "duplicate" | "format" | "range" | "order";

const WINDOW = /^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/;

/** A window as the API stores it (`6:30-9:00` -> `06:30-09:00`), or its problem. */
export function needWindow(text: string): { window: string } | { problem: "format" | "range" | "order" } {
  const m = WINDOW.exec(text);
  if (!m) return { problem: "format" };
  const [sh, sm, eh, em] = m.slice(1).map(Number);
  if (sm > 59 || em > 59 || sh > 23 || eh > 24 || (eh === 24 && em !== 0)) return { problem: "range" };
  if (sh * 60 + sm >= eh * 60 + em) return { problem: "order" };
  const hm = (h: number, mm: number) => `${String(h).padStart(2, "0")}:${String(mm).padStart(2, "0")}`;
  return { window: `${hm(sh, sm)}-${hm(eh, em)}` };
}

/** Each row's problem (null: fine): no category, a category twice, a bad window. */
export function needProblems(rows: NeedRow[]): (NeedProblem | null)[] {
  return rows.map((row, i) => {
    if (!row.category) return "category";
    if (rows.findIndex((r) => r.category === row.category) < i) return "duplicate";
    const read = needWindow(row.window);
    return "problem" in read ? read.problem : null;
  });
}

/**
 * The `hours_of_need` to send: null without rows (the packaged hours of need apply);
 * throws when a row is wrong (the form shows why beside it and sends nothing).
 */
export function hoursOfNeed(rows: NeedRow[]): Record<string, string> | null {
  if (!rows.length) return null;
  if (rows.length > MAX_NEEDS || needProblems(rows).some((p) => p !== null)) throw new Error("hours of need");
  return Object.fromEntries(rows.map((r) => [r.category, (needWindow(r.window) as { window: string }).window]));
}

/** The by-hour part of an assess job's parameters: only what differs from the defaults. */
export function byHourOptions(weekday: Weekday, weekend: Weekday, need: Record<string, string> | null): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (weekday !== "Mon") out.weekday = weekday;
  if (weekend !== "Sat") out.weekend = weekend;
  if (need) out.hours_of_need = need;
  return out;
}

/** The day pickers' options: the API's value, labelled in the language shown. */
export function dayOptions(lang: "zh-CN" | "en"): { value: Weekday; label: string }[] {
  return WEEKDAYS_EN.map((value, i) => ({ value, label: dayName(i, lang) }));
}

/**
 * An assess job's stored by-hour parameters for the jobs table: the two days' names and
 * the hours of need given ("早餐店 06:00-09:30、便利店 00:00-24:00"; null: the packaged
 * ones); null for a job not by hour.
 */
export function byHourSummary(
  parameters: Record<string, unknown> | undefined,
  lang: "zh-CN" | "en",
  names: Record<string, string>,
): { weekday: string; weekend: string; need: string | null } | null {
  if (!parameters || parameters.by_hour !== true) return null;
  const day = (v: unknown, fallback: Weekday) => {
    const i = WEEKDAYS_EN.indexOf((typeof v === "string" ? v : fallback) as Weekday);
    return dayName(i < 0 ? 0 : i, lang);
  };
  const need = parameters.hours_of_need;
  return {
    weekday: day(parameters.weekday, "Mon"),
    weekend: day(parameters.weekend, "Sat"),
    need:
      need && typeof need === "object"
        ? Object.entries(need as Record<string, string>)
            .map(([c, w]) => `${names[c] ?? c} ${w}`)
            .join(lang === "en" ? ", " : "、")
        : null,
  };
}
