// The officials' planning: the client's trend, what-if and report-file requests, the
// pure figures (trend chart, changed communities, recoloured map, typed points), and the
// what-if page's keyboard path against a fetch that answers as the API does.
import { flushPromises, mount } from "@vue/test-utils";
import { createPinia, setActivePinia } from "pinia";
import { afterEach, describe, expect, it, vi } from "vitest";

import { ApiError } from "@/api/client";
import type { RunDocument } from "@/api/officials-types";
import { createPlanningClient } from "@/api/planning";
import type { RunTrendPoint, WhatIfResult } from "@/api/planning-types";
import { i18n, setLang } from "@/i18n";
import { changedCommunities, coverageAfter, parsePoint, trendChartOption } from "@/officials/planning";
import WhatIfView from "@/officials/WhatIfView.vue";
import { useOfficials } from "@/stores/officials";

import { json, recorder } from "../fetch";

const categories = [
  { code: "pharmacy", name_zh: "药店", name_en: "Pharmacy", group: "basic" },
  { code: "laundry", name_zh: "洗染店", name_en: "Laundry", group: "basic" },
  { code: "bookstore", name_zh: "书店", name_en: "Bookstore", group: "quality" },
];
const record = (code: string, pharmacy: number, laundry: number, complete: boolean) => ({
  code,
  name: code.toUpperCase(),
  population: 100,
  coverage: { pharmacy, laundry, bookstore: 0 },
  basic_complete: complete,
  missing: [],
  grade: "basic",
  grade_zh: "基础型",
});
const result: WhatIfResult = {
  change: { op: "add", category: "laundry", lon: 24.94, lat: 60.17 },
  run: { id: 3, created_at: "2026-01-01T08:00:00+08:00" },
  stale: false,
  affected_points: 40,
  communities: [
    { code: "a", name: "A", before: record("a", 0.9, 0.2, false), after: record("a", 0.9, 0.95, true) },
    { code: "b", name: "B", before: record("b", 0.5, 0.5, false), after: record("b", 0.5, 0.5, false) },
    { code: "c", name: "C", before: record("c", 0.8, 0.6, false), after: record("c", 0.8, 0.7, false) },
  ],
  city: {
    before: { basic_complete: 4, f15: 0.5, coverage: {} },
    after: { basic_complete: 5, f15: 0.55, coverage: {} },
  },
  elapsed_s: 0.12,
};
const point = (id: number, day: string, share: number | null, f15: number | null): RunTrendPoint => ({
  id,
  created_at: `${day}T10:00:00+08:00`,
  minutes: 15,
  limit_minutes: { basic: 15, quality: 15 },
  profile: "standard",
  speed_kmh: 4,
  communities: 10,
  basic_complete: 4,
  basic_complete_share: share,
  population: 1000,
  f15,
  coverage: {},
});

describe("createPlanningClient", () => {
  it("asks the runs' trend with the area and cursor, and posts a what-if as JSON", async () => {
    const { sent, fetch } = recorder([json({ city: "深圳", area: "440304", data: [], count: 0, next_before: null }), json(result)]);
    const client = createPlanningClient({ fetch, token: () => "T" });
    await client.runs("深圳", { area: "440304", limit: 30, before: 9 });
    await client.whatIf("深圳", { op: "add", category: "laundry", lon: 114.05, lat: 22.54, crs: "gcj02" });
    expect(sent[0].url).toBe(`/api/v1/cities/${encodeURIComponent("深圳")}/runs?area=440304&limit=30&before=9`);
    expect((sent[0].init.headers as Record<string, string>).Authorization).toBe("Bearer T");
    expect(sent[1].init.method).toBe("POST");
    expect(JSON.parse(String(sent[1].init.body))).toEqual({ op: "add", category: "laundry", lon: 114.05, lat: 22.54, crs: "gcj02" });
  });

  it("reads a job's result and downloads a file with the token, as a blob", async () => {
    const { sent, fetch } = recorder([
      json({ job_id: "abcdefgh", kind: "report", city: "x", run: null, plan: null, files: [], summary: null }),
      new Response("xlsx-bytes", { status: 200, headers: { "Content-Type": "application/octet-stream" } }),
    ]);
    const client = createPlanningClient({ fetch, token: () => "T" });
    await client.jobResult("abcdefgh");
    const blob = await client.jobFile("abcdefgh", "helsinki report.xlsx");
    expect(sent.map((s) => s.url)).toEqual(["/api/v1/jobs/abcdefgh/result", "/api/v1/jobs/abcdefgh/files/helsinki%20report.xlsx"]);
    expect((sent[1].init.headers as Record<string, string>).Authorization).toBe("Bearer T");
    expect(await blob.text()).toBe("xlsx-bytes");
  });

  it("raises the API's problem naming the field", async () => {
    const problem = { status: 404, title: "Not Found", detail: "no place with uid 'x'", errors: [{ field: "uid", problem: "no place" }] };
    const { fetch } = recorder([json(problem, 404)]);
    const error = await createPlanningClient({ fetch }).whatIf("x", { op: "remove", uid: "x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(404);
    expect((error as ApiError).message).toBe("uid: no place");
  });
});

describe("planning figures", () => {
  it("charts the runs oldest first, shares in percent, unknown ones as gaps", () => {
    const option = trendChartOption([point(9, "2026-02-01", 0.5, 0.61234), point(4, "2026-01-01", 0.25, null)], { complete: "C", f15: "F" });
    expect(option.xAxis.data).toEqual(["#4 2026-01-01", "#9 2026-02-01"]);
    expect(option.series[0].data).toEqual([25, 50]);
    expect(option.series[1].data).toEqual([null, 61.2]);
    expect(option.series.map((s) => s.type)).toEqual(["line", "line"]);
  });

  it("lists only the communities that changed, biggest change first, with their direction", () => {
    const rows = changedCommunities(result, categories);
    expect(rows.map((r) => r.code)).toEqual(["a", "c"]);
    expect(rows[0]).toMatchObject({ before: 0.2, after: 0.9, completeBefore: false, completeAfter: true, direction: 1 });
    expect(rows[0].changes).toEqual([{ code: "laundry", before: 0.2, after: 0.95 }]);
    expect(rows[1]).toMatchObject({ before: 0.6, after: 0.7, direction: 1 });
    // a removal: coverage falls
    const removed = { ...result, communities: [{ code: "d", name: "D", before: record("d", 0.9, 0.9, true), after: record("d", 0.3, 0.9, false) }] };
    expect(changedCommunities(removed, categories)[0]).toMatchObject({ direction: -1, changes: [{ code: "pharmacy", before: 0.9, after: 0.3 }] });
  });

  it("recolours the re-scored communities of the area only", () => {
    const base = new Map<string, number | null>([["a", 0.2], ["c", 0.6]]);
    const after = coverageAfter(base, result, categories);
    expect([...after]).toEqual([["a", 0.9], ["c", 0.7]]);
    expect(coverageAfter(base, null, categories)).toBe(base);
  });

  it("parses a typed point, naming the wrong one", () => {
    expect(parsePoint(" 24.94 ", "60.17")).toEqual({ point: [24.94, 60.17] });
    expect(parsePoint("", "60")).toEqual({ error: "lon" });
    expect(parsePoint("24", "95")).toEqual({ error: "lat" });
    expect(parsePoint("abc", "60")).toEqual({ error: "lon" });
  });
});

afterEach(() => vi.unstubAllGlobals());

describe("WhatIfView", () => {
  it("adds a proposed shop typed by keyboard and shows the changed communities", async () => {
    const posted: unknown[] = [];
    let answer: (r: Response) => void = () => undefined;
    vi.stubGlobal("fetch", (url: string, init: RequestInit) => {
      if (url.endsWith("/extent")) return Promise.resolve(json({ city: "h", bbox: [24.9, 60.1, 25, 60.2], centre: [24.95, 60.15] }));
      if (url.includes("communities.geojson")) return Promise.resolve(json({ type: "FeatureCollection", features: [] }));
      if (url.endsWith("/what-if")) {
        posted.push(JSON.parse(String(init.body)));
        return new Promise<Response>((resolve) => (answer = resolve));
      }
      return Promise.reject(new Error(`unexpected ${url}`));
    });
    setActivePinia(createPinia());
    const officials = useOfficials();
    officials.city = "h";
    officials.run = {
      run: { id: 3, created_at: "" },
      categories,
      city: { population: 300, communities: 3, basic_complete: 4, coverage: {}, targets: [] },
      communities: ["a", "b", "c"].map((code) => ({ code, name: code, population: 100, is_pilot: false, basic_complete: false, grade: "", coverage: { pharmacy: 0.5, laundry: 0.2, bookstore: 0 } })),
    } as RunDocument;
    setLang("zh-CN");
    const view = mount(WhatIfView, { global: { plugins: [i18n] }, attachTo: document.body });
    await flushPromises();
    await view.get("input[data-testid=whatif-lon]").setValue("abc");
    await view.get("input[data-testid=whatif-lat]").setValue("60.17");
    await view.get("form").trigger("submit");
    await flushPromises();
    expect(posted).toEqual([]);
    expect(view.get("label[for=whatif-lon]").element.parentElement!.classList).toContain("is-error");

    await view.get("input[data-testid=whatif-lon]").setValue("24.94");
    await view.get("form").trigger("submit");
    await flushPromises();
    expect(posted).toEqual([{ op: "add", category: "pharmacy", lon: 24.94, lat: 60.17 }]);
    expect(view.find("[data-testid=whatif-loading]").exists()).toBe(true);
    answer(json(result));
    await flushPromises();
    expect(view.find("[data-testid=whatif-loading]").exists()).toBe(false);
    expect(view.get("[data-testid=whatif-city]").text()).toContain("4 → 5");
    const table = view.get("[data-testid=whatif-changes]").text();
    expect(table).toContain("A");
    expect(table).toContain("洗染店: 20.0% → 95.0%");
    expect(table).toContain("20.0% → 90.0%");
    expect(table).not.toContain("B");
    expect(view.findAll("[data-testid=whatif-after]")[0].classes()).toContain("up");
    view.unmount();
  });
});
