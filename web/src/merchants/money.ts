// Money and codes at the till, exactly: yuan text to integer fen digit by digit (never a
// float), the 12-digit redemption code and its Luhn check digit, OSM hours from a weekly form.
import { DAYS, type Day, type Weekly } from "@/api/merchants-types";

const YUAN = /^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/;

/** "12.5" -> 1250, "0.10" -> 10; null for anything that is not plain yuan with ≤ 2 decimals. */
export function fenFromYuan(text: string): number | null {
  const found = YUAN.exec(text);
  if (!found) return null;
  const cents = (found[2] ?? "").padEnd(2, "0");
  return Number(found[1]) * 100 + Number(cents);
}

/** The code with spaces and dashes taken out (as typed or read from a QR image). */
export function normaliseCode(text: string): string {
  return text.replace(/[\s-]/g, "");
}

/** Luhn: the last digit checks the others (what the API's codes carry). */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export type CodeProblem = "length" | "digits" | "check" | null;

/** Why a typed code cannot be one of ours (null: it may be). */
export function codeProblem(text: string): CodeProblem {
  const code = normaliseCode(text);
  if (!/^\d*$/.test(code)) return "digits";
  if (code.length !== 12) return "length";
  return luhnValid(code) ? null : "check";
}

/** "1234 5678 9012": the code in groups of four, as the residents' page shows it. */
export function groupCode(code: string): string {
  return normaliseCode(code).replace(/(\d{4})(?=\d)/g, "$1 ");
}

const SPAN = /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/;
const OSM_DAY: Record<Day, string> = { mon: "Mo", tue: "Tu", wed: "We", thu: "Th", fri: "Fr", sat: "Sa", sun: "Su" };

/** "08:00-12:00, 13:00-18:00" -> spans; null if one is not HH:MM-HH:MM. */
export function parseSpans(text: string): string[] | null {
  const spans = text
    .split(/[,，;；]/)
    .map((s) => s.replace(/\s+/g, ""))
    .filter(Boolean);
  return spans.every((s) => SPAN.test(s)) ? spans : null;
}

/** The weekly form as the API's `weekly_hours` (days without spans are closed, left out). */
export function weeklyFromForm(form: Record<Day, string>): { weekly: Weekly; bad: Day[] } {
  const weekly: Weekly = {};
  const bad: Day[] = [];
  for (const day of DAYS) {
    const spans = parseSpans(form[day] ?? "");
    if (spans === null) bad.push(day);
    else if (spans.length) weekly[day] = spans;
  }
  return { weekly, bad };
}

/** The same week in OSM syntax (for showing what will be saved): "Mo 08:00-12:00; Tu ...". */
export function osmFromWeekly(weekly: Weekly): string {
  return DAYS.filter((d) => weekly[d]?.length)
    .map((d) => `${OSM_DAY[d]} ${weekly[d]!.join(",")}`)
    .join("; ");
}
