// The survey page: a required question left empty is named and nothing is sent; the scale
// chosen is sent as a whole number; a second answer (the API's 409) says "already answered".
// The page talks to a recording fetch that answers as the API does.
import { flushPromises, mount } from "@vue/test-utils";
import { createPinia, setActivePinia } from "pinia";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createMemoryHistory, createRouter } from "vue-router";

import type { Survey } from "@/api/residents-voice-types";
import { i18n, setLang } from "@/i18n";
import { useSession } from "@/stores/session";
import SurveyView from "@/views/SurveyView.vue";

import { json } from "../fetch";

const survey: Survey = {
  id: 7,
  city: "helsinki",
  title: "满意度调查",
  scope: "city",
  area_code: null,
  template: "satisfaction",
  status: "open",
  opens_at: "2026-01-01T00:00:00+08:00",
  closes_at: "2026-12-31T00:00:00+08:00",
  created_at: "2026-01-01T00:00:00+08:00",
  communities: [],
  answered: false,
  questions: [
    { key: "satisfaction", text: "总体满意度", kind: "scale5", options: [], required: true, satisfaction: true },
    { key: "wanted", text: "希望增加的服务", kind: "multiple", options: ["早餐店", "药店"], required: false, satisfaction: false },
  ],
};

let sent: { url: string; method: string; body: unknown }[] = [];

function serve(answerStatus: number) {
  sent = [];
  vi.stubGlobal("fetch", async (url: string, init: RequestInit = {}) => {
    sent.push({ url, method: init.method ?? "GET", body: init.body ? JSON.parse(String(init.body)) : undefined });
    if (url === "/api/v1/surveys/7" && init.method === "GET") return json(survey);
    if (url === "/api/v1/surveys/7/answers" && answerStatus === 201)
      return json({ id: 1, survey_id: 7, community_code: "89089", submitted_at: "2026-05-01T10:00:00+08:00" }, 201);
    if (url === "/api/v1/surveys/7/answers")
      return json({ status: 409, title: "Conflict", detail: "answered", errors: [{ field: "survey_id", problem: "you have answered this survey already" }] }, 409);
    return json({ status: 404, title: "Not Found", detail: url, errors: [] }, 404);
  });
}

async function page() {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: "/app/surveys/:id", component: SurveyView },
      { path: "/app/surveys", component: { template: "<p/>" } },
    ],
  });
  await router.push("/app/surveys/7");
  const pinia = createPinia();
  setActivePinia(pinia);
  useSession().token = "tok";
  const view = mount(SurveyView, { global: { plugins: [i18n, router, pinia] } });
  await flushPromises();
  return view;
}

// Vant's safe-area placeholders measure themselves 100, 200 and 300 ms after they mount
// (plain setTimeout, not cleared on unmount): let those run before the test environment
// (jsdom's window) is torn down, or they throw "window is not defined" into the run.
const VANT_SETTLE_MS = 400;

describe("SurveyView", () => {
  beforeEach(() => setLang("zh-CN"));
  afterEach(() => vi.unstubAllGlobals());
  afterAll(() => new Promise<void>((resolve) => setTimeout(resolve, VANT_SETTLE_MS)));

  it("names a required question left empty, then sends the scale as a number", async () => {
    serve(201);
    const view = await page();
    expect(view.text()).toContain("1. 总体满意度");
    expect(view.text()).toContain("4 · 满意");
    await view.get("form").trigger("submit");
    await flushPromises();
    expect(view.get("[data-testid=survey-missing]").text()).toBe("请回答：1");
    expect(sent.filter((s) => s.method === "POST")).toEqual([]);

    await view.get("[data-testid=q-satisfaction-4]").trigger("click");
    await view.get("form").trigger("submit");
    await flushPromises();
    expect(sent.at(-1)).toEqual({ url: "/api/v1/surveys/7/answers", method: "POST", body: { answers: { satisfaction: 4 } } });
    expect(view.get("[data-testid=survey-done]").text()).toContain("89089");
  });

  it("says the survey was answered already on the API's 409", async () => {
    serve(409);
    const view = await page();
    await view.get("[data-testid=q-satisfaction-2]").trigger("click");
    await view.get("form").trigger("submit");
    await flushPromises();
    expect(view.get("[data-testid=survey-already]").text()).toContain("您已经填写过这份问卷");
    expect(view.find("form").exists()).toBe(false);
  });
});
