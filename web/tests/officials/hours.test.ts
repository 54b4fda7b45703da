// Coverage by time of day in the officials' console: the client's request, the heat
// map's and the table's data shaping (hours of need framed), the screen-reader summary,
// the assess job's time options, the what-if's moment, and the card against a fetch that
// answers as the API does (the curves; the 404 of a run not assessed by hour).
import { flushPromises, mount } from "@vue/test-utils";
import { createPinia, setActivePinia } from "pinia";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createMemoryHistory, createRouter } from "vue-router";

import { ApiError } from "@/api/client";
import { createHoursClient } from "@/api/hours";
import type { HourlyCoverage } from "@/api/hours-types";
import type { RunDocument } from "@/api/officials-types";
import { i18n, setLang } from "@/i18n";
import HourlyCard from "@/officials/HourlyCard.vue";
import { assessOptions, dayName, heatCells, heatmapOption, hourRows, hourSummary, momentText, needHours, notByHour } from "@/officials/hours";
import WhatIfView from "@/officials/WhatIfView.vue";
import { useOfficials } from "@/stores/officials";

import { json } from "../fetch";

const flat = (v: number | null) => Array.from({ length: 24 }, () => v);
const morning = Array.from({ length: 24 }, (_, h) => (h >= 6 && h <= 9 ? 0.5 : h === 3 ? null : 0));
const data: HourlyCoverage = {
  city: "深圳",
  area: "440304",
  community: null,
  name: null,
  run: { id: 7, created_at: "2026-03-02T09:00:00+08:00" },
  at: null,
  weekday: 0,
  weekend: 5,
  unknown_hours: "open",
  hours: Array.from({ length: 24 }, (_, h) => h),
  population: 14000,
  communities: 2,
  categories: [
    { code: "convenience_store", name_zh: "便利店", name_en: "Convenience", hours_of_need: "00:00-24:00", served_when_needed: 0.914 },
    { code: "breakfast", name_zh: "早餐店", name_en: "Breakfast", hours_of_need: "06:30-09:00", served_when_needed: 0.393 },
  ],
  curves: {
    weekday: { convenience_store: flat(0.914), breakfast: morning },
    weekend: { convenience_store: flat(0.8), breakfast: flat(0) },
  },
  served_all: 0.286,
};

describe("hours client", () => {
  it("asks the coverage by hour of an area or a community, with the token", async () => {
    const sent: string[] = [];
    let auth = "";
    const fetch = (async (url: RequestInfo | URL, init?: RequestInit) => {
      sent.push(String(url));
      auth = (init?.headers as Record<string, string>).Authorization;
      return json(data);
    }) as typeof globalThis.fetch;
    const client = createHoursClient({ fetch, token: () => "T" });
    await client.coverageByHour("深圳", { area: "440304" });
    await client.coverageByHour("深圳", { community: "440304001019", area: null });
    expect(sent).toEqual([
      `/api/v1/cities/${encodeURIComponent("深圳")}/coverage-by-hour?area=440304`,
      `/api/v1/cities/${encodeURIComponent("深圳")}/coverage-by-hour?community=440304001019`,
    ]);
    expect(auth).toBe("Bearer T");
  });
});

describe("hours figures", () => {
  it("marks the whole hours a window of need is checked at", () => {
    expect(needHours("06:30-09:00")).toEqual([6, 7, 8]);
    expect(needHours("07:00-20:00")).toHaveLength(13);
    expect(needHours("00:00-24:00")).toEqual(Array.from({ length: 24 }, (_, h) => h));
    expect(needHours("22:00-02:00")).toEqual([22, 23, 0, 1]);
    expect(needHours(null)).toEqual([]);
    expect(needHours("early")).toEqual([]);
  });

  it("shapes the heat map: a cell per hour and category, percent, need framed, nobody as a gap", () => {
    const cells = heatCells(data, "weekday");
    expect(cells).toHaveLength(48);
    const breakfast = cells.filter((c) => c.value[1] === 1);
    expect(breakfast[7]).toEqual({ value: [7, 1, 50], need: true });
    expect(breakfast[9]).toEqual({ value: [9, 1, 50], need: false });
    expect(breakfast[3].value[2]).toBeNull();
    expect(cells[0]).toEqual({ value: [0, 0, 91.4], need: true });
    const option = heatmapOption(data, "weekend", "en", { need: "need", none: "none" });
    expect(option.yAxis.data).toEqual(["Convenience", "Breakfast"]);
    expect(option.xAxis.data[7]).toBe("07");
    expect(option.series[0].type).toBe("heatmap");
    expect(option.series[0].data[0].value).toEqual([0, 0, 80]);
    const framed = option.series[0].data.filter((d) => d.itemStyle.borderWidth === 2);
    expect(framed).toHaveLength(24 + 3);
    const gap = heatmapOption(data, "weekday", "zh-CN", { need: "n", none: "-" }).series[0].data[24 + 3];
    expect(gap.value).toEqual([3, 1, "-"]); // ECharts draws no cell for "-"
  });

  it("gives the table's rows and a summary for screen readers", () => {
    const rows = hourRows(data, "weekday", "zh-CN");
    expect(rows.map((r) => r.name)).toEqual(["便利店", "早餐店"]);
    expect(rows[1]).toMatchObject({ need: "06:30-09:00", served: 39.3, needHours: [6, 7, 8] });
    expect(rows[1].values.slice(5, 11)).toEqual([0, 50, 50, 50, 50, 0]);
    expect(hourSummary(data, "weekday", "en")).toBe(
      "Convenience: lowest 91.4% at 00:00, highest 91.4% at 00:00; Breakfast: lowest 0% at 00:00, highest 50% at 06:00",
    );
    expect(hourSummary(data, "weekday", "zh-CN")).toContain("早餐店：最低 0%（00:00），最高 50%（06:00）");
  });

  it("tells the 404 of a run not assessed by hour from other errors", () => {
    const problem = (field: string) => ({ status: 404, title: "Not Found", detail: "d", errors: [{ field, problem: "p" }] });
    expect(notByHour(new ApiError(404, problem("run"), "x"))).toBe(true);
    expect(notByHour(new ApiError(404, problem("community"), "x"))).toBe(false);
    expect(notByHour(new ApiError(403, problem("run"), "x"))).toBe(false);
    expect(notByHour(new Error("x"))).toBe(false);
  });

  it("builds an assess job's time options and the what-if's moment", () => {
    expect(assessOptions("  ", "open", false)).toEqual({});
    expect(assessOptions(" Mon 07:30 ", "closed", true)).toEqual({ at: "Mon 07:30", unknown_hours: "closed", by_hour: true });
    expect(momentText(1, "7:30")).toBe("Tue 07:30");
    expect(momentText(6, "23:00")).toBe("Sun 23:00");
    expect(momentText(null, "07:30")).toBeNull();
    expect(momentText(0, "25:00")).toBeNull();
    expect(dayName(5, "zh-CN")).toBe("周六");
  });
});

afterEach(() => vi.unstubAllGlobals());

describe("HourlyCard", () => {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: "/", component: { template: "<div />" } },
      { path: "/jobs", name: "officials-jobs", component: { template: "<div />" } },
    ],
  });

  it("shows the area's days, switches to the weekend and to the table", async () => {
    const asked: string[] = [];
    vi.stubGlobal("fetch", (url: string) => {
      asked.push(url);
      return Promise.resolve(json(data));
    });
    setLang("zh-CN");
    const card = mount(HourlyCard, { props: { city: "深圳", area: "440304" }, global: { plugins: [i18n, router] } });
    await flushPromises();
    expect(asked).toEqual([`/api/v1/cities/${encodeURIComponent("深圳")}/coverage-by-hour?area=440304`]);
    expect(card.text()).toContain("工作日（周一）");
    expect(card.text()).toContain("周末（周六）");
    expect(card.get("[data-testid=hourly-meta]").text()).toContain("按常住人口加权");
    expect(card.text()).toContain("28.6%");
    await card.get("[data-testid=hourly-table-toggle]").trigger("click");
    await flushPromises();
    const table = card.get("[data-testid=hourly-table]");
    expect(table.findAll("tbody tr")).toHaveLength(2);
    expect(table.findAll("tbody tr")[1].findAll("td.need")).toHaveLength(3);
    expect(table.text()).toContain("50%");
    await card.get("[data-testid=hourly-weekend] input").setValue(true);
    await flushPromises();
    expect(card.get("[data-testid=hourly-table]").findAll("tbody tr")[0].text()).toContain("80%");
    card.unmount();
  });

  it("says how to get the curves when the run was not assessed by hour", async () => {
    const problem = { status: 404, title: "Not Found", detail: "not by hour", errors: [{ field: "run", problem: "not by hour" }] };
    vi.stubGlobal("fetch", () => Promise.resolve(json(problem, 404)));
    setLang("en");
    const card = mount(HourlyCard, { props: { city: "h", community: "c1" }, global: { plugins: [i18n, router] } });
    await flushPromises();
    expect(card.get("[data-testid=hourly-missing]").text()).toContain("tick “by hour”");
    expect(card.find("[data-testid=hourly-chart]").exists()).toBe(false);
    card.unmount();
    setLang("zh-CN");
  });

  it("asks nothing when the run is known not to be assessed by hour", async () => {
    const asked: string[] = [];
    vi.stubGlobal("fetch", (url: string) => {
      asked.push(url);
      return Promise.resolve(json({}, 500));
    });
    const card = mount(HourlyCard, { props: { city: "h", byHour: false }, global: { plugins: [i18n, router] } });
    await flushPromises();
    expect(asked).toEqual([]); // no request, so no 404 in the browser's console
    expect(card.find("[data-testid=hourly-missing]").exists()).toBe(true);
    card.unmount();
  });
});

describe("WhatIfView's moment", () => {
  it("sends the chosen weekday and time with the change, and says when it was computed", async () => {
    const posted: Record<string, unknown>[] = [];
    vi.stubGlobal("fetch", (url: string, init: RequestInit) => {
      if (url.endsWith("/extent")) return Promise.resolve(json({ city: "h", bbox: [24.9, 60.1, 25, 60.2], centre: [24.95, 60.15] }));
      if (url.includes("communities.geojson")) return Promise.resolve(json({ type: "FeatureCollection", features: [] }));
      if (url.endsWith("/what-if")) {
        const body = JSON.parse(String(init.body)) as Record<string, unknown>;
        posted.push(body);
        return Promise.resolve(
          json({
            change: body,
            run: { id: 3, created_at: "2026-01-01T08:00:00+08:00" },
            stale: false,
            affected_points: 0,
            communities: [],
            city: { before: { basic_complete: 1, f15: 0.5, coverage: {} }, after: { basic_complete: 1, f15: 0.5, coverage: {} } },
            elapsed_s: 0.1,
            at: body.at ?? null,
            unknown_hours: body.at ? body.unknown_hours : null,
            at_run: null,
          }),
        );
      }
      return Promise.reject(new Error(`unexpected ${url}`));
    });
    setActivePinia(createPinia());
    const officials = useOfficials();
    officials.city = "h";
    officials.run = {
      run: { id: 3, created_at: "" },
      categories: [{ code: "breakfast", name_zh: "早餐店", name_en: "Breakfast", group: "basic" }],
      city: { population: 1, communities: 1, basic_complete: 1, coverage: {}, targets: [] },
      communities: [],
    } as unknown as RunDocument;
    setLang("zh-CN");
    const view = mount(WhatIfView, { global: { plugins: [i18n] }, attachTo: document.body });
    await flushPromises();
    await view.get("input[data-testid=whatif-lon]").setValue("24.94");
    await view.get("input[data-testid=whatif-lat]").setValue("60.17");
    await view.get("form").trigger("submit");
    await flushPromises();
    expect(posted[0]).toEqual({ op: "add", category: "breakfast", lon: 24.94, lat: 60.17 });
    expect(view.get("[data-testid=whatif-moment]").text()).toContain("不限时刻计算");

    // Tuesday, 07:30 (the default time), places of unknown hours closed
    await view.get("[data-testid=whatif-day]").trigger("click");
    await flushPromises();
    const tuesday = [...document.body.querySelectorAll<HTMLElement>(".el-select-dropdown__item")].find((e) => e.textContent?.trim() === "周二");
    expect(tuesday).toBeDefined();
    tuesday!.click();
    await flushPromises();
    await view.get("[data-testid=whatif-unknown] input[value=closed]").setValue(true);
    await view.get("form").trigger("submit");
    await flushPromises();
    expect(posted[1]).toEqual({ op: "add", category: "breakfast", lon: 24.94, lat: 60.17, at: "Tue 07:30", unknown_hours: "closed" });
    expect(view.get("[data-testid=whatif-moment]").text()).toContain("按 Tue 07:30 计算");
    view.unmount();
  });
});
