// The officials' console: its client's requests, the dashboard's figures, the store and
// the job follower (a recording fetch answers as the API does).
import { createPinia, setActivePinia } from "pinia";
import { beforeEach, describe, expect, it } from "vitest";

import { ApiError } from "@/api/client";
import { createOfficialsClient } from "@/api/officials";
import type { Job, RunDocument } from "@/api/officials-types";
import {
  basicCoverage,
  coverageByCommunity,
  coverageChartOption,
  coverageColour,
  NO_RESIDENTS,
  targetProgress,
} from "@/officials/figures";
import { followJob } from "@/officials/poll";
import { isOfficial, useOfficials } from "@/stores/officials";

import { json, recorder } from "../fetch";

const categories = [
  { code: "pharmacy", name_zh: "药店", name_en: "Pharmacy", group: "basic" },
  { code: "laundry", name_zh: "洗染店", name_en: "Laundry", group: "basic" },
  { code: "bookstore", name_zh: "书店", name_en: "Bookstore", group: "quality" },
];
const run: RunDocument = {
  run: { id: 7, created_at: "2026-01-01T00:00:00Z" },
  categories,
  city: {
    population: 100,
    communities: 3,
    basic_complete: 1,
    coverage: { pharmacy: 0.8379, laundry: null, bookstore: 1 },
    targets: [
      { code: "basic_full_coverage", label_zh: "全覆盖社区", label_en: "Full coverage", target: 682, actual: 341, unit: "communities", due: "2025-12-31", met: false, note: null },
      { code: "satisfaction", label_zh: "满意度", label_en: "Satisfaction", target: 0.9, actual: null, unit: "share", due: null, met: null, note: "not recorded yet", note_zh: "尚未记录" },
      { code: "centres", label_zh: "商业中心", label_en: "Centres", target: null, actual: 2, unit: "centres", due: null, met: null, note: null },
      { code: "pilot_type_share", label_zh: "类型", label_en: "Types", target: 0.2, actual: 0.25, unit: "share", due: null, met: true, note: null },
    ],
    pilots: { listed: 1, matched: 0, rows: [] },
  },
  communities: [
    { code: "a", name: "A", population: 10, is_pilot: false, basic_complete: false, grade: "below_basic", coverage: { pharmacy: 0.95, laundry: 0.4, bookstore: 0.1 } },
    { code: "b", name: "B", population: 0, is_pilot: false, basic_complete: false, grade: "below_basic", coverage: { pharmacy: null, laundry: null, bookstore: null } },
    { code: "c", name: "C", population: 5, is_pilot: true, basic_complete: true, grade: "basic", coverage: { pharmacy: 0.92, laundry: 0.99, bookstore: 0 } },
  ],
};

describe("figures", () => {
  it("takes a community's basic coverage as its lowest basic category, ignoring quality ones", () => {
    expect(basicCoverage(run.communities[0], categories)).toBe(0.4);
    expect(basicCoverage(run.communities[1], categories)).toBeNull();
    expect(basicCoverage(run.communities[2], categories)).toBe(0.92);
  });
  it("colours by class and keeps only the area's communities", () => {
    expect(coverageColour(null)).toBe(NO_RESIDENTS);
    expect(coverageColour(0.95)).toBe("#1a9850");
    expect(coverageColour(0.9)).toBe("#1a9850");
    expect(coverageColour(0.89)).toBe("#91cf60");
    expect(coverageColour(0.1)).toBe("#d73027");
    expect([...coverageByCommunity(run, new Set(["a", "b"])).entries()]).toEqual([
      ["a", 0.4],
      ["b", null],
    ]);
    expect(coverageByCommunity(run, null).size).toBe(3);
  });
  it("shows targets as progress, shares as percentages, unrecorded ones without a figure", () => {
    const [communities, satisfaction, centres, types] = targetProgress(run.city.targets, "zh-CN");
    expect(centres).toMatchObject({ percent: null, text: "2 / —" });
    expect(communities).toMatchObject({ label: "全覆盖社区", percent: 50, text: "341 / 682", met: false });
    expect(satisfaction).toMatchObject({ percent: null, text: "—", note: "尚未记录" });
    expect(targetProgress(run.city.targets, "en")[1].note).toBe("not recorded yet");
    expect(types).toMatchObject({ percent: 100, text: "25.0% / 20.0%", met: true });
    expect(targetProgress(run.city.targets, "en")[0].label).toBe("Full coverage");
  });
  it("charts the basic categories in percent, in the document's order", () => {
    const option = coverageChartOption(run, "en");
    expect(option.yAxis.data).toEqual(["Pharmacy", "Laundry"]);
    expect(option.series[0].data.map((d) => d.value)).toEqual([83.8, null]);
    expect(coverageChartOption(run, "zh-CN", "all").yAxis.data).toEqual(["药店", "洗染店", "书店"]);
  });
});

describe("createOfficialsClient", () => {
  it("asks the area's assessment and the run with the token", async () => {
    const rec = recorder([json({ run_id: 7, units: [] }), json(run)]);
    const client = createOfficialsClient({ fetch: rec.fetch, token: () => "lct_x" });
    await client.assessment("helsinki", "440304");
    await client.run("helsinki", 7);
    expect(rec.sent.map((s) => s.url)).toEqual([
      "/api/v1/cities/helsinki/assessment?area=440304",
      "/api/v1/cities/helsinki/runs/7",
    ]);
    expect((rec.sent[0].init.headers as Record<string, string>).Authorization).toBe("Bearer lct_x");
  });
  it("posts decisions and jobs as JSON", async () => {
    const rec = recorder([json({ id: 3 }), json({ id: 4 }), json({ id: "j1" }, 202)]);
    const client = createOfficialsClient({ fetch: rec.fetch });
    await client.approveApplication(3);
    await client.rejectApplication(4, "地址不符");
    await client.startJob("深圳", "plan", { categories: ["basic"], k: 3 });
    expect(rec.sent.map((s) => [s.init.method, s.url, s.init.body ?? null])).toEqual([
      ["POST", "/api/v1/shop-applications/3/approve", null],
      ["POST", "/api/v1/shop-applications/4/reject", JSON.stringify({ reason: "地址不符" })],
      ["POST", "/api/v1/cities/%E6%B7%B1%E5%9C%B3/jobs", JSON.stringify({ kind: "plan", parameters: { categories: ["basic"], k: 3 } })],
    ]);
  });
  it("raises the API's problem naming the field", async () => {
    const problem = { status: 409, title: "Conflict", detail: "decided", errors: [{ field: "application_id", problem: "already decided" }] };
    const client = createOfficialsClient({ fetch: recorder([json(problem, 409)]).fetch });
    const error = await client.approveApplication(1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(409);
    expect((error as ApiError).message).toBe("application_id: already decided");
  });
});

describe("the officials' store", () => {
  beforeEach(() => setActivePinia(createPinia()));

  it("lets officials and administrators in, no one else", () => {
    const user = { id: 1, username: "u", city: "helsinki", display_name: null };
    expect(isOfficial({ ...user, role: "official" })).toBe(true);
    expect(isOfficial({ ...user, role: "admin" })).toBe(true);
    expect(isOfficial({ ...user, role: "merchant" })).toBe(false);
    expect(isOfficial(null)).toBe(false);
  });
  it("loads the area's assessment and its run; colours only the area's units", async () => {
    const rec = recorder([json({ city: "helsinki", area: null, run_id: 7, units: [{ code: "a" }, { code: "c" }] }), json(run)]);
    const store = useOfficials();
    store.useAccount({ id: 1, username: "o", role: "official", city: "helsinki", display_name: null }, null);
    await store.load(createOfficialsClient({ fetch: rec.fetch }));
    expect(store.problem).toBeNull();
    expect([...store.coverage.keys()]).toEqual(["a", "c"]);
  });
  it("knows from the assessment whether the run was assessed by hour", async () => {
    for (const byHour of [false, true]) {
      setActivePinia(createPinia());
      const assessment = { city: "helsinki", area: null, run_id: 7, units: [], by_hour: byHour };
      const store = useOfficials();
      expect(store.byHour).toBeNull(); // nothing read yet
      store.useAccount({ id: 1, username: "o", role: "official", city: "helsinki", display_name: null }, null);
      await store.load(createOfficialsClient({ fetch: recorder([json(assessment), json(run)]).fetch }));
      expect(store.byHour).toBe(byHour);
    }
  });
  it("says why when the city has no assessment yet", async () => {
    const problem = { status: 404, title: "Not Found", detail: "no run", errors: [{ field: "city", problem: "no assessment run yet" }] };
    const store = useOfficials();
    store.useAccount({ id: 9, username: "admin", role: "admin", city: null, display_name: null }, "helsinki");
    expect(store.city).toBe("helsinki");
    await store.load(createOfficialsClient({ fetch: recorder([json(problem, 404)]).fetch }));
    expect(store.assessment).toBeNull();
    expect(store.problem).toBe("city: no assessment run yet");
  });
});

describe("followJob", () => {
  const job = (status: Job["status"], progress: number): Job => ({
    id: "j1", city: "helsinki", kind: "plan", status, progress, message: null, error: null, created_at: "", finished_at: null,
  });
  it("polls until the job ends, reporting each state", async () => {
    const answers = [job("running", 0.5), job("succeeded", 1)];
    const seen: number[] = [];
    const done = await followJob({ job: async () => answers.shift()! }, job("queued", 0), (j) => seen.push(j.progress), {
      sleep: async () => undefined,
    });
    expect(done.status).toBe("succeeded");
    expect(seen).toEqual([0, 0.5, 1]);
  });
  it("stops when asked (the page was left)", async () => {
    let asked = 0;
    const done = await followJob({ job: async () => (asked++, job("running", 0.2)) }, job("queued", 0), () => undefined, {
      sleep: async () => undefined,
      stopped: () => asked >= 2,
    });
    expect(done.status).toBe("running");
    expect(asked).toBe(2);
  });
});
