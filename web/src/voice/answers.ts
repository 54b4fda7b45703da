// A survey's answers in the page: one value per question, the required ones still empty,
// and the body the API takes (empty optional answers left out, texts trimmed).
import type { AnswerValue, ComplaintKind, ComplaintStatus, SurveyQuestion } from "@/api/residents-voice-types";

export function emptyAnswers(questions: SurveyQuestion[]): Record<string, AnswerValue> {
  return Object.fromEntries(questions.map((q) => [q.key, q.kind === "multiple" ? [] : null]));
}

function isEmpty(value: AnswerValue | undefined): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === "string") return value.trim() === "";
  if (Array.isArray(value)) return value.length === 0;
  return false;
}

/** The keys of the required questions not answered yet, in the survey's order. */
export function missingRequired(questions: SurveyQuestion[], answers: Record<string, AnswerValue>): string[] {
  return questions.filter((q) => q.required && isEmpty(answers[q.key])).map((q) => q.key);
}

/** What is sent: answered questions only; a scale as a whole number, texts trimmed. */
export function answerBody(questions: SurveyQuestion[], answers: Record<string, AnswerValue>): Record<string, AnswerValue> {
  const body: Record<string, AnswerValue> = {};
  for (const q of questions) {
    const value = answers[q.key];
    if (isEmpty(value)) continue;
    if (q.kind === "scale5") body[q.key] = Math.round(Number(value));
    else if (q.kind === "multiple") body[q.key] = q.options.filter((o) => (value as string[]).includes(o));
    else body[q.key] = String(value).trim();
  }
  return body;
}

/** The labels of a 5-point scale: the plan's wording (1 very dissatisfied … 5 very satisfied). */
export const SCALE = [1, 2, 3, 4, 5] as const;

/** The kinds of complaint, in the order a resident reads them. */
export const COMPLAINT_KINDS: ComplaintKind[] = [
  "overcharging",
  "expired_goods",
  "no_price_tags",
  "false_advertising",
  "other",
];

/** Vant's tag type for a complaint's state. */
export function statusTag(status: ComplaintStatus): "primary" | "warning" | "success" | "danger" {
  if (status === "resolved") return "success";
  if (status === "rejected") return "danger";
  if (status === "assigned") return "warning";
  return "primary";
}
