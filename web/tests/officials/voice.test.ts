// The officials' voice pages: the client's requests (URLs, methods, bodies, the token, the
// workbook as a blob), the forms' bodies (yuan to exact fen, China Standard Time, each
// problem named), a survey cell's display (too few never a figure) and its chart.
import { describe, expect, it } from "vitest";

import { ApiError } from "@/api/client";
import { createVoiceClient } from "@/api/officials-voice";
import type { SatisfactionCell } from "@/api/officials-voice-types";
import {
  type CampaignForm,
  campaignBody,
  cellView,
  errorBar,
  FormProblem,
  minute,
  indicatorBody,
  type IndicatorForm,
  satisfactionChartOption,
  shanghaiIso,
  shanghaiLocal,
  surveyBody,
  type SurveyForm,
} from "@/officials/voice";

import { json, recorder } from "../fetch";

const bodyOf = (init: RequestInit) => JSON.parse(String(init.body));

describe("the voice client", () => {
  it("sends each route with the token and its JSON body", async () => {
    const { sent, fetch } = recorder([json({}, 201), json({}), json({}), json({}), json({}, 201), json({}), json({ total: 0, items: [] })]);
    const client = createVoiceClient({ fetch, token: () => "tok" });
    await client.createSurvey("深圳", { template: "satisfaction", scope: "city", opens_at: "a", closes_at: "b" });
    await client.closeSurvey(4);
    await client.surveyResults(4, "440304");
    await client.putIndicator("深圳", "440304001", "2026-11", { investment_fen: 1250 });
    await client.createCampaign("深圳", {
      name: "券",
      budget_fen: 1_000_000,
      kind: "fixed",
      amount_off_fen: 500,
      per_resident: 1,
      valid_from: "a",
      valid_until: "b",
    });
    await client.setCampaignStatus(9, "open");
    await client.consultations("深圳", { area: null, limit: 50 });
    expect(sent.map((s) => `${s.init.method} ${s.url}`)).toEqual([
      "POST /api/v1/cities/%E6%B7%B1%E5%9C%B3/surveys",
      "PATCH /api/v1/surveys/4",
      "GET /api/v1/surveys/4/results?area=440304",
      "PUT /api/v1/cities/%E6%B7%B1%E5%9C%B3/indicators/440304001/2026-11",
      "POST /api/v1/cities/%E6%B7%B1%E5%9C%B3/campaigns",
      "PATCH /api/v1/campaigns/9",
      "GET /api/v1/cities/%E6%B7%B1%E5%9C%B3/consultations?limit=50",
    ]);
    expect((sent[0].init.headers as Record<string, string>).Authorization).toBe("Bearer tok");
    expect(bodyOf(sent[1].init)).toEqual({ close: true });
    expect(bodyOf(sent[3].init)).toEqual({ investment_fen: 1250 });
    expect(bodyOf(sent[4].init).budget_fen).toBe(1_000_000);
    expect(bodyOf(sent[5].init)).toEqual({ status: "open" });
  });

  it("opens a scheduled survey and ends a consultation early", async () => {
    const { sent, fetch } = recorder([json({ status: "open" }), json({ status: "closed" })]);
    const client = createVoiceClient({ fetch, token: () => "tok" });
    expect((await client.openSurvey(5)).status).toBe("open");
    expect((await client.closeConsultation(8)).status).toBe("closed");
    expect(sent.map((s) => `${s.init.method} ${s.url}`)).toEqual([
      "PATCH /api/v1/surveys/5",
      "POST /api/v1/consultations/8/close",
    ]);
    expect(bodyOf(sent[0].init)).toEqual({ open: true });
  });

  it("fetches the report's workbook as a blob with the token", async () => {
    const xlsx = new Response(new Uint8Array([0x50, 0x4b, 3, 4]), {
      headers: { "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
    });
    const { sent, fetch } = recorder([xlsx]);
    const blob = await createVoiceClient({ fetch, token: () => "tok" }).campaignReportXlsx("helsinki", 3);
    expect(sent[0].url).toBe("/api/v1/cities/helsinki/campaigns/3/report.xlsx");
    expect((sent[0].init.headers as Record<string, string>).Authorization).toBe("Bearer tok");
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(new Uint8Array([0x50, 0x4b, 3, 4]));
  });

  it("turns a problem into an ApiError naming the field (a usage month not computed: 404)", async () => {
    const problem = { status: 404, title: "Not Found", detail: "no usage computed for 2026-11" };
    const { fetch } = recorder([json(problem, 404)]);
    const error = await createVoiceClient({ fetch }).usage("helsinki", "2026-11").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(404);
    expect((error as ApiError).message).toBe("no usage computed for 2026-11");
  });
});

describe("China Standard Time in the forms", () => {
  it("writes a local time with +08:00 and reads now in Shanghai", () => {
    expect(shanghaiIso("2026-12-01T08:00")).toBe("2026-12-01T08:00:00+08:00");
    expect(shanghaiIso("2026-12-01T08:00:30")).toBe("2026-12-01T08:00:30+08:00");
    expect(shanghaiIso("2026-12-01")).toBeNull();
    expect(shanghaiIso("")).toBeNull();
    // 20:30 UTC is 04:30 the next day in Shanghai
    expect(shanghaiLocal(new Date("2026-03-01T20:30:00Z"))).toBe("2026-03-02T04:30");
    expect(shanghaiLocal(new Date("2026-03-01T20:30:00Z"), 30)).toBe("2026-04-01T04:30");
    expect(minute("2026-12-01T08:00:00+08:00")).toBe("2026-12-01 08:00");
  });
});

const surveyForm = (over: Partial<SurveyForm> = {}): SurveyForm => ({
  title: "",
  useTemplate: true,
  scope: "city",
  communities: [],
  questions: [],
  opensAt: "2026-12-01T08:00",
  closesAt: "2026-12-31T18:00",
  ...over,
});

describe("the survey's body", () => {
  it("takes the template, the city and the times", () => {
    expect(surveyBody(surveyForm())).toEqual({
      template: "satisfaction",
      scope: "city",
      questions: [],
      opens_at: "2026-12-01T08:00:00+08:00",
      closes_at: "2026-12-31T18:00:00+08:00",
    });
  });

  it("takes own questions with their options, for chosen communities", () => {
    const body = surveyBody(
      surveyForm({
        title: " 早餐 ",
        useTemplate: false,
        scope: "communities",
        communities: ["440304001"],
        questions: [
          { text: "满意吗", kind: "scale5", options: "", required: true },
          { text: "想要什么", kind: "multiple", options: "早餐店\n\n 药店 \n", required: false },
        ],
      }),
    );
    expect(body.title).toBe("早餐");
    expect(body.template).toBeUndefined();
    expect(body.communities).toEqual(["440304001"]);
    expect(body.questions).toEqual([
      { key: "q1", text: "满意吗", kind: "scale5", required: true },
      { key: "q2", text: "想要什么", kind: "multiple", required: false, options: ["早餐店", "药店"] },
    ]);
  });

  it("names each problem", () => {
    const problem = (form: SurveyForm) => {
      try {
        surveyBody(form);
      } catch (error) {
        if (error instanceof FormProblem) return `${error.field} ${error.key}`;
        throw error;
      }
      return null;
    };
    expect(problem(surveyForm({ useTemplate: false, title: "x" }))).toBe("questions noQuestions");
    expect(problem(surveyForm({ questions: [{ text: "选", kind: "single", options: "一个", required: true }] }))).toBe("questions.0 options");
    expect(problem(surveyForm({ scope: "communities" }))).toBe("communities required");
    expect(problem(surveyForm({ closesAt: "2026-11-30T08:00" }))).toBe("closesAt order");
    expect(problem(surveyForm({ opensAt: "tomorrow" }))).toBe("opensAt time");
  });
});

const campaignForm = (over: Partial<CampaignForm> = {}): CampaignForm => ({
  name: "福田消费券",
  budget: "10000",
  kind: "fixed",
  amountOff: "5",
  percentOff: 10,
  maxDiscount: "",
  minSpend: "",
  perResident: 2,
  validFrom: "2026-12-01T00:00",
  validUntil: "2026-12-31T23:59",
  communities: [],
  categories: [],
  ...over,
});

describe("the campaign's body: yuan typed, exact fen sent", () => {
  it("sends the budget and amounts as integer fen, digit by digit", () => {
    const body = campaignBody(campaignForm({ budget: "12345678.91", amountOff: "0.10" }));
    expect(body.budget_fen).toBe(1_234_567_891);
    expect(body.amount_off_fen).toBe(10);
    expect(body.per_resident).toBe(2);
    expect(body.valid_from).toBe("2026-12-01T00:00:00+08:00");
    expect(body.percent_off).toBeUndefined();
    // 0.29 yuan in floating point is 28.999999999999996 fen; the text gives exactly 29
    expect(campaignBody(campaignForm({ amountOff: "0.29" })).amount_off_fen).toBe(29);
  });

  it("takes a percent with its cap, a threshold with its minimum spend", () => {
    const percent = campaignBody(campaignForm({ kind: "percent", percentOff: 15, maxDiscount: "20" }));
    expect([percent.percent_off, percent.max_discount_fen, percent.amount_off_fen]).toEqual([15, 2000, undefined]);
    const threshold = campaignBody(campaignForm({ kind: "threshold", amountOff: "10", minSpend: "50", categories: ["pharmacy"] }));
    expect([threshold.amount_off_fen, threshold.min_spend_fen, threshold.categories]).toEqual([1000, 5000, ["pharmacy"]]);
  });

  it("names the field of a bad amount", () => {
    const field = (over: Partial<CampaignForm>) => {
      try {
        campaignBody(campaignForm(over));
        return null;
      } catch (error) {
        return error instanceof FormProblem ? `${error.field} ${error.key}` : String(error);
      }
    };
    expect(field({ budget: "1.234" })).toBe("budget yuan");
    expect(field({ budget: "0" })).toBe("budget positive");
    expect(field({ amountOff: "-5" })).toBe("amountOff yuan");
    expect(field({ kind: "percent", maxDiscount: "" })).toBe("maxDiscount yuan");
    expect(field({ kind: "threshold", amountOff: "10", minSpend: "10" })).toBe("minSpend threshold");
    expect(field({ name: "  " })).toBe("name required");
    expect(field({ validUntil: "2026-11-01T00:00" })).toBe("validUntil order");
  });
});

const indicatorForm = (over: Partial<IndicatorForm> = {}): IndicatorForm => ({
  code: "440304001",
  period: "2026-11",
  investment: "",
  commercialFloor: "",
  totalFloor: "",
  centreName: "",
  centreKind: "new",
  ...over,
});

describe("the indicator's body: empty is not recorded, never zero", () => {
  it("sends only what is filled in, money in fen", () => {
    expect(indicatorBody(indicatorForm({ investment: "12500000.5" }))).toEqual({ investment_fen: 1_250_000_050 });
    expect(indicatorBody(indicatorForm({ commercialFloor: "1200", totalFloor: "9000", centreName: "园岭商业中心", centreKind: "renovated" }))).toEqual({
      commercial_floor_m2: 1200,
      total_floor_m2: 9000,
      centres: [{ name: "园岭商业中心", kind: "renovated" }],
    });
    expect(indicatorBody(indicatorForm({ investment: "0" }))).toEqual({ investment_fen: 0 });
  });

  it("names the problem", () => {
    const key = (over: Partial<IndicatorForm>) => {
      try {
        indicatorBody(indicatorForm(over));
        return null;
      } catch (error) {
        return error instanceof FormProblem ? `${error.field} ${error.key}` : String(error);
      }
    };
    expect(key({})).toBe("investment nothing");
    expect(key({ period: "2026-13", investment: "1" })).toBe("period period");
    expect(key({ commercialFloor: "12.5" })).toBe("commercialFloor whole");
    expect(key({ code: "", investment: "1" })).toBe("code required");
  });
});

const cell = (over: Partial<SatisfactionCell>): SatisfactionCell => ({
  n: 20,
  too_few: false,
  satisfied: 17,
  share: 0.85,
  low: 0.6396,
  high: 0.9476,
  ...over,
});

describe("a survey cell: its share and 95 % interval, or too few", () => {
  it("shows the share and the interval with the answer count", () => {
    expect(cellView(cell({}))).toEqual({ kind: "share", share: "85.0%", low: "64.0%", high: "94.8%", n: 20 });
  });

  it("never shows a figure for a cell of too few answers", () => {
    expect(cellView(cell({ n: 3, too_few: true, satisfied: null, share: null, low: null, high: null }))).toEqual({ kind: "tooFew", n: 3 });
    // even if a figure came along with too_few, it is not shown
    expect(cellView(cell({ n: 4, too_few: true }))).toEqual({ kind: "tooFew", n: 4 });
    expect(cellView(null)).toEqual({ kind: "none" });
  });

  it("charts only the cells with a figure, with their intervals as error bars", () => {
    const option = satisfactionChartOption(
      [
        { label: "园岭", cell: cell({}) },
        { label: "华富", cell: cell({ n: 2, too_few: true, share: null, low: null, high: null, satisfied: null }) },
        { label: "莲花", cell: cell({ share: 1, low: 0.8389, high: 1 }) },
      ],
      { axis: "满意率", interval: "95%" },
    );
    expect(option.yAxis.data).toEqual(["园岭", "莲花"]);
    expect(option.series[0].data).toEqual([85, 100]);
    expect(option.series[1].data).toEqual([
      [0, 64, 94.8],
      [1, 83.9, 100],
    ]);
    // the error bar's three strokes: the interval and a whisker at each end
    const api = { value: (d: number) => [1, 83.9, 100][d], coord: ([x, y]: [number, number]) => [x * 2, y * 10] as [number, number], size: () => [0, 30] as [number, number] };
    const drawn = errorBar(null, api);
    expect(drawn.children.map((c) => c.shape)).toEqual([
      { x1: 167.8, y1: 10, x2: 200, y2: 10 },
      { x1: 167.8, y1: 4, x2: 167.8, y2: 16 },
      { x1: 200, y1: 4, x2: 200, y2: 16 },
    ]);
  });
});
