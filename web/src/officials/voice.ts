// The voice pages' logic, pure: China Standard Time for the forms' dates, the request
// bodies built from the forms (yuan typed, sent as exact fen), a survey cell's share and
// its 95 % interval (never a figure for a cell of too few answers) and its bar chart.
import type {
  CampaignCreate,
  CampaignKind,
  IndicatorUpdate,
  QuestionIn,
  QuestionKind,
  SatisfactionCell,
  SurveyCreate,
  SurveyScope,
} from "@/api/officials-voice-types";
import { fenFromYuan } from "@/merchants/money";

const SHANGHAI_MS = 8 * 3600 * 1000;
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** A `datetime-local` value in China Standard Time: `days` from `now`, to the minute. */
export function shanghaiLocal(now: Date, days = 0): string {
  const shifted = new Date(now.getTime() + SHANGHAI_MS + days * 86_400_000);
  return shifted.toISOString().slice(0, 16);
}

/** "2026-12-01T08:00" (China Standard Time) -> "2026-12-01T08:00:00+08:00"; null if not a time. */
export function shanghaiIso(local: string): string | null {
  const m = LOCAL.exec(local.trim());
  if (!m) return null;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? "00"}+08:00`;
}

/** A problem with a form: the field (its form key) and the message key of what is wrong. */
export class FormProblem extends Error {
  constructor(
    readonly field: string,
    readonly key: string,
  ) {
    super(`${field}: ${key}`);
    this.name = "FormProblem";
  }
}

function time(field: string, local: string): string {
  const iso = shanghaiIso(local);
  if (iso === null) throw new FormProblem(field, "time");
  return iso;
}

function order(fromField: string, from: string, until: string) {
  if (Date.parse(until) <= Date.parse(from)) throw new FormProblem(fromField, "order");
}

export interface QuestionForm {
  text: string;
  kind: QuestionKind;
  /** Options one per line (single and multiple choice). */
  options: string;
  required: boolean;
}

export interface SurveyForm {
  title: string;
  useTemplate: boolean;
  scope: Extract<SurveyScope, "city" | "communities">;
  communities: string[];
  questions: QuestionForm[];
  opensAt: string;
  closesAt: string;
}

export function questionBody(q: QuestionForm, index: number): QuestionIn {
  const text = q.text.trim();
  if (!text) throw new FormProblem(`questions.${index}`, "questionText");
  const body: QuestionIn = { key: `q${index + 1}`, text, kind: q.kind, required: q.required };
  if (q.kind === "single" || q.kind === "multiple") {
    const options = q.options
      .split("\n")
      .map((o) => o.trim())
      .filter(Boolean);
    if (options.length < 2 || options.length > 20) throw new FormProblem(`questions.${index}`, "options");
    body.options = options;
  }
  return body;
}

/** `POST /cities/{city}/surveys`: the template's questions first, then one's own. */
export function surveyBody(form: SurveyForm): SurveyCreate {
  const questions = form.questions.map(questionBody);
  if (!form.useTemplate && questions.length === 0) throw new FormProblem("questions", "noQuestions");
  if (!form.useTemplate && !form.title.trim()) throw new FormProblem("title", "required");
  if (form.scope === "communities" && form.communities.length === 0) throw new FormProblem("communities", "required");
  const opens = time("opensAt", form.opensAt);
  const closes = time("closesAt", form.closesAt);
  order("closesAt", opens, closes);
  return {
    ...(form.title.trim() ? { title: form.title.trim() } : {}),
    ...(form.useTemplate ? { template: "satisfaction" as const } : {}),
    scope: form.scope,
    ...(form.scope === "communities" ? { communities: [...form.communities] } : {}),
    questions,
    opens_at: opens,
    closes_at: closes,
  };
}

export interface CampaignForm {
  name: string;
  budget: string;
  kind: CampaignKind;
  amountOff: string;
  percentOff: number;
  maxDiscount: string;
  minSpend: string;
  perResident: number;
  validFrom: string;
  validUntil: string;
  communities: string[];
  categories: string[];
}

function fen(field: string, text: string, positive = true): number {
  const value = fenFromYuan(text);
  if (value === null) throw new FormProblem(field, "yuan");
  if (positive && value <= 0) throw new FormProblem(field, "positive");
  return value;
}

/** `POST /cities/{city}/campaigns`: every amount typed in yuan sent as exact integer fen. */
export function campaignBody(form: CampaignForm): CampaignCreate {
  const name = form.name.trim();
  if (!name) throw new FormProblem("name", "required");
  const body: CampaignCreate = {
    name,
    budget_fen: fen("budget", form.budget),
    kind: form.kind,
    per_resident: form.perResident,
    valid_from: time("validFrom", form.validFrom),
    valid_until: time("validUntil", form.validUntil),
  };
  order("validUntil", body.valid_from, body.valid_until);
  if (form.kind === "percent") {
    body.percent_off = form.percentOff;
    body.max_discount_fen = fen("maxDiscount", form.maxDiscount);
  } else {
    body.amount_off_fen = fen("amountOff", form.amountOff);
  }
  if (form.kind === "threshold") {
    body.min_spend_fen = fen("minSpend", form.minSpend);
    if (body.min_spend_fen <= (body.amount_off_fen ?? 0)) throw new FormProblem("minSpend", "threshold");
  }
  if (form.communities.length) body.communities = [...form.communities];
  if (form.categories.length) body.categories = [...form.categories];
  return body;
}

export interface IndicatorForm {
  code: string;
  period: string;
  investment: string;
  commercialFloor: string;
  totalFloor: string;
  centreName: string;
  centreKind: "new" | "renovated";
}

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;
const WHOLE = /^\s*\d{1,12}\s*$/;

/** `PUT /cities/{city}/indicators/{code}/{period}`: an empty field is "not recorded", never 0. */
export function indicatorBody(form: IndicatorForm): IndicatorUpdate {
  if (!form.code.trim()) throw new FormProblem("code", "required");
  if (!PERIOD.test(form.period.trim())) throw new FormProblem("period", "period");
  const body: IndicatorUpdate = {};
  if (form.investment.trim()) body.investment_fen = fen("investment", form.investment, false);
  for (const [field, key] of [
    ["commercialFloor", "commercial_floor_m2"],
    ["totalFloor", "total_floor_m2"],
  ] as const) {
    const text = form[field].trim();
    if (!text) continue;
    if (!WHOLE.test(text)) throw new FormProblem(field, "whole");
    body[key] = Number(text);
  }
  if (form.centreName.trim()) body.centres = [{ name: form.centreName.trim(), kind: form.centreKind }];
  if (Object.keys(body).length === 0) throw new FormProblem("investment", "nothing");
  return body;
}

/** A time as the API shows it (+08:00), to the minute: "2026-12-01 08:00". */
export function minute(iso: string): string {
  return iso.slice(0, 16).replace("T", " ");
}

/** A share as a percentage with one decimal ("82.4%"). */
export function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** What a cell shows: its share and interval, or only that it has too few answers. */
export type CellView = { kind: "none" } | { kind: "tooFew"; n: number } | { kind: "share"; share: string; low: string; high: string; n: number };

export function cellView(cell: SatisfactionCell | null | undefined): CellView {
  if (!cell) return { kind: "none" };
  if (cell.too_few || cell.share === null || cell.low === null || cell.high === null) return { kind: "tooFew", n: cell.n };
  return { kind: "share", share: percent(cell.share), low: percent(cell.low), high: percent(cell.high), n: cell.n };
}

export interface ChartRow {
  label: string;
  cell: SatisfactionCell | null;
}

/**
 * The bar chart of the share satisfied with its 95 % interval as error bars: only the cells
 * that have a figure (a cell of too few answers has no bar at all, not a bar of 0).
 */
export function satisfactionChartOption(rows: ChartRow[], texts: { axis: string; interval: string }) {
  const shown = rows.filter((r) => cellView(r.cell).kind === "share");
  const labels = shown.map((r) => r.label);
  const shares = shown.map((r) => Math.round(r.cell!.share! * 1000) / 10);
  const bars = shown.map((r, i) => [i, Math.round(r.cell!.low! * 1000) / 10, Math.round(r.cell!.high! * 1000) / 10]);
  return {
    animation: false,
    aria: { enabled: true },
    grid: { left: 8, right: 24, top: 16, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis" as const },
    xAxis: { type: "value" as const, min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category" as const, data: labels, inverse: true },
    series: [
      {
        type: "bar" as const,
        name: texts.axis,
        data: shares,
        itemStyle: { color: "#0a66c2" },
        barMaxWidth: 28,
      },
      {
        type: "custom" as const,
        name: texts.interval,
        data: bars,
        z: 10,
        renderItem: errorBar,
      },
    ],
  };
}

interface RenderApi {
  value: (dim: number) => number;
  coord: (point: [number, number]) => [number, number];
  size: (value: [number, number]) => [number, number];
}

/** One interval: a line from low to high across the bar, with whiskers at both ends. */
export function errorBar(_params: unknown, api: RenderApi) {
  const y = api.value(0);
  const low = api.coord([api.value(1), y]);
  const high = api.coord([api.value(2), y]);
  const half = api.size([0, 1])[1] * 0.2;
  const style = { stroke: "#1f2d3d", lineWidth: 2 };
  const line = (x1: number, y1: number, x2: number, y2: number) => ({ type: "line", shape: { x1, y1, x2, y2 }, style });
  return {
    type: "group",
    children: [
      line(low[0], low[1], high[0], high[1]),
      line(low[0], low[1] - half, low[0], low[1] + half),
      line(high[0], high[1] - half, high[0], high[1] + half),
    ],
  };
}
