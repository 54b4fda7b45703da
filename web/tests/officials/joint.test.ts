// Joint plans (一点多用) in the officials' console: the plan job's parameters, a stored
// plan's rows (a joint plan's units: the categories each hosts, the communities it
// closes), the summary's method, bound and gap, a community card's units, the plans
// client's requests, and the plan card rendered in both languages.
import { flushPromises, mount } from "@vue/test-utils";
import { createPinia, setActivePinia } from "pinia";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createMemoryHistory, createRouter } from "vue-router";

import { createPlansClient } from "@/api/plans";
import type { PlanDocument } from "@/api/plans-types";
import { i18n, setLang } from "@/i18n";
import { boundText, communityUnits, gapText, isJoint, planJobParameters, planRows } from "@/officials/joint";
import CommunityView from "@/officials/CommunityView.vue";
import PlanCard from "@/officials/PlanCard.vue";
import { useOfficials } from "@/stores/officials";

import { json } from "../fetch";

const communities = [
  { code: "c1", name: "北社区", gaps: ["pharmacy", "convenience_store"], sites: ["n-1"] },
  { code: "c2", name: "南社区", gaps: ["pharmacy"], sites: ["n-1", "n-2"] },
  { code: "c3", name: "西社区", gaps: ["laundry"], sites: ["n-2"] },
];
const categories = [
  { category: "pharmacy", name_zh: "药店", sites: 2, per_category_sites: 2, solver: "joint", optimal: true, gap: 0, unreachable_population: 0 },
  { category: "convenience_store", name_zh: "便利店", sites: 1, per_category_sites: 1, solver: "joint", optimal: true, gap: 0, unreachable_population: 0 },
  { category: "laundry", name_zh: "洗染店", sites: 1, per_category_sites: 2, solver: "joint", optimal: true, gap: 0, unreachable_population: 0 },
];
const site = (id: string, category: string, rank: number, served: string[], hosts: string[]) => ({
  id, lon: 24.94 + rank / 100, lat: 60.17, category, rank, newly_covered_population: 10 * rank, communities: served, rent: null, unit: rank, hosts,
});  // prettier-ignore
const joint: PlanDocument = {
  plan: { id: 7, city: "h", created_at: "2026-01-01T00:00:00+00:00", parameters: { joint: true } },
  sites: [
    site("n-1", "pharmacy", 1, ["c1", "c2"], ["pharmacy", "convenience_store"]),
    site("n-1", "convenience_store", 1, ["c1"], ["pharmacy", "convenience_store"]),
    site("n-2", "laundry", 2, ["c3"], ["laundry", "pharmacy"]),
    site("n-2", "pharmacy", 2, ["c2"], ["laundry", "pharmacy"]),
  ],
  units: [
    { rank: 1, id: "n-1", lon: 24.95, lat: 60.17, hosts: ["pharmacy", "convenience_store"], closes: { pharmacy: ["c1", "c2"], convenience_store: ["c1"] } },
    { rank: 2, id: "n-2", lon: 24.96, lat: 60.17, hosts: ["laundry", "pharmacy"], closes: { laundry: ["c3"], pharmacy: ["c2"] } },
  ],
  joint: { combinations: "default (packaged)", units: 2, bound: 1.5, gap: 0.25, optimal: false, solver: "highs", per_category_sites: 5, saved_units: 3 },
  optimal: false,
  gap: 0.25,
  categories,
  communities,
};
const perCategory: PlanDocument = {
  ...joint,
  units: undefined,
  joint: undefined,
  sites: [{ id: "n-9", lon: 24.9, lat: 60.1, category: "laundry", rank: 1, newly_covered_population: 40, communities: ["c3", "c2"], rent: null }],
};
const name = (code: string) => ({ pharmacy: "药店", convenience_store: "便利店", laundry: "洗染店" })[code] ?? code;

afterEach(() => {
  vi.unstubAllGlobals();
  setLang("zh-CN");
});

describe("joint plan shaping", () => {
  it("asks for a joint plan, with units per site only when given", () => {
    expect(planJobParameters("basic", 3, false)).toEqual({ categories: ["basic"], mode: "max", k: 3 });
    expect(planJobParameters("basic", 3, true)).toEqual({ categories: ["basic"], joint: true });
    expect(planJobParameters("quality", 3, true, null)).toEqual({ categories: ["quality"], joint: true });
    expect(planJobParameters("basic", 3, true, 2)).toEqual({ categories: ["basic"], joint: true, units_per_site: 2 });
  });

  it("makes a row per unit: what it hosts and every community it closes", () => {
    expect(isJoint(joint)).toBe(true);
    expect(isJoint(perCategory)).toBe(false);
    const rows = planRows(joint, name);
    expect(rows.map((r) => r.id)).toEqual(["n-1", "n-2"]);
    expect(rows[0].hosts.map((h) => h.label)).toEqual(["药店", "便利店"]);
    expect(rows[0].closes.map((c) => c.label)).toEqual(["北社区", "南社区"]);
    expect(rows[1].closes.map((c) => c.code)).toEqual(["c3", "c2"]);
    expect(rows[1].closesBy.map((b) => [b.category.label, b.communities.map((c) => c.label)])).toEqual([
      ["洗染店", ["西社区"]],
      ["药店", ["南社区"]],
    ]);
  });

  it("makes a row per site of a per-category plan", () => {
    const rows = planRows(perCategory, name);
    expect(rows).toHaveLength(1);
    expect(rows[0].hosts.map((h) => h.label)).toEqual(["洗染店"]);
    expect(rows[0].closes.map((c) => c.label)).toEqual(["西社区", "南社区"]);
  });

  it("writes the gap and bound", () => {
    expect(gapText({ gap: 0.25, optimal: false })).toBe("25.0%");
    expect(gapText({ gap: 0, optimal: true })).toBe("0.0%");
    expect(gapText({ gap: null, optimal: false })).toBe("—");
    expect(boundText(15)).toBe("15");
    expect(boundText(14.333)).toBe("14.33");
    expect(boundText(null)).toBe("—");
  });

  it("merges a community card's entries of one unit", () => {
    const units = communityUnits(
      [joint.sites[0], joint.sites[3], joint.sites[2]].map((s) => ({ ...s, newly_covered_population: s.newly_covered_population })),
    );
    expect(units.map((u) => [u.unit, u.id, u.hosts, u.closing, u.newly])).toEqual([
      [1, "n-1", ["pharmacy", "convenience_store"], ["pharmacy"], 10],
      [2, "n-2", ["laundry", "pharmacy"], ["pharmacy", "laundry"], 40],
    ]);
    expect(communityUnits([{ id: "x", category: "laundry", lon: 0, lat: 0, newly_covered_population: 3 }])).toEqual([]);
  });
});

describe("plans client", () => {
  it("reads the plan a job stored, with the token", async () => {
    const sent: { url: string; auth: string | null }[] = [];
    const answers = [json({ job_id: "j1", kind: "plan", city: "h", run: null, plan: { id: 7, url: "x" }, files: [], summary: {} }), json(joint)];
    const client = createPlansClient({
      token: () => "tok",
      fetch: (async (url: string, init: RequestInit) => {
        sent.push({ url, auth: new Headers(init.headers).get("Authorization") });
        return answers.shift()!;
      }) as typeof fetch,
    });
    const doc = await client.planOfJob("h", "j1");
    expect(doc?.joint?.units).toBe(2);
    expect(sent).toEqual([
      { url: "/api/v1/jobs/j1/result", auth: "Bearer tok" },
      { url: "/api/v1/cities/h/plans/7", auth: "Bearer tok" },
    ]);
  });
});

describe("PlanCard", () => {
  const outlines = { communityOutlines: async () => ({ type: "FeatureCollection", features: [] }) };

  it("shows a joint plan's units, tags and summary (zh-CN, en)", async () => {
    setLang("zh-CN");
    const card = mount(PlanCard, { props: { plan: joint, city: "h", client: outlines as never }, global: { plugins: [i18n] }, attachTo: document.body });
    await flushPromises();
    expect(card.get("[data-testid=plan-card]").attributes("data-joint")).toBe("true");
    const summary = card.get("[data-testid=joint-summary]").text();
    expect(summary).toContain("2 个一点多用网点 vs 分业态规划 5 个网点（少 3 个）");
    expect(summary).toContain("highs");
    expect(summary).toContain("下界：1.50");
    expect(summary).toContain("差距：25.0%");
    const table = card.get("[data-testid=joint-units]");
    expect(table.findAll("[data-testid=host-tag]").map((t) => t.text())).toEqual(["药店", "便利店", "洗染店", "药店"]);
    expect(table.findAll("[data-testid=closes]").map((c) => c.text())).toEqual(["北社区、南社区", "西社区、南社区"]);
    expect(card.get("[data-testid=plan-map]").attributes("data-markers")).toBe("2");
    expect(card.get("[data-testid=plan-map]").attributes("aria-label")).toContain("2");
    card.unmount();

    setLang("en");
    const english = mount(PlanCard, {
      props: { plan: joint, city: "h", client: outlines as never, categories: [{ code: "pharmacy", name_zh: "药店", name_en: "Pharmacy", group: "basic" }], shown: 1 },
      global: { plugins: [i18n] },
      attachTo: document.body,
    });
    await flushPromises();
    expect(english.get("h2").text()).toBe("Joint plan #7 (一点多用)");
    expect(english.get("[data-testid=joint-summary]").text()).toContain("2 joint units vs 5 sites by per-category plans (3 fewer)");
    expect(english.findAll("[data-testid=host-tag]")[0].text()).toBe("Pharmacy");
    expect(english.findAll("[data-testid=closes]")[0].text()).toBe("北社区 … (2 in all)");
    english.unmount();
  });

  it("shows a per-category plan's sites without the joint summary", async () => {
    setLang("zh-CN");
    const card = mount(PlanCard, { props: { plan: perCategory, city: "h", client: outlines as never }, global: { plugins: [i18n] }, attachTo: document.body });
    await flushPromises();
    expect(card.find("[data-testid=joint-summary]").exists()).toBe(false);
    expect(card.get("h2").text()).toBe("规划 #7");
    expect(card.get("[data-testid=plan-rows]").text()).toContain("洗染店");
    card.unmount();
  });
});

describe("CommunityView with a joint plan", () => {
  it("shows the units serving the community with their tags", async () => {
    const card = {
      city: "h", code: "c2", name: "南社区", street: "", district: "", population: 120, is_pilot: false, run_id: 3,
      assessed_at: "2026-01-01T08:00:00+08:00", basic_complete: false, missing: ["pharmacy"], weak: [], places: 4,
      circle_type: "t", circle_type_zh: "类型", circle_type_rule: "rule", grade: "g", grade_zh: "等级", grade_rule: "rule",
      categories: [
        { code: "pharmacy", name_zh: "药店", name_en: "Pharmacy", group: "basic", coverage: 0.4, minutes_mean: 9, missing: true, weak: false },
        { code: "laundry", name_zh: "洗染店", name_en: "Laundry", group: "basic", coverage: 1, minutes_mean: 5, missing: false, weak: false },
        { code: "convenience_store", name_zh: "便利店", name_en: "Convenience", group: "basic", coverage: 1, minutes_mean: 5, missing: false, weak: false },
      ],
      plan: {
        id: 7, created_at: "2026-01-01T00:00:00+00:00", gaps: ["pharmacy"], joint: true,
        sites: [
          { id: "n-1", category: "pharmacy", lon: 24.95, lat: 60.17, newly_covered_population: 30, unit: 1, hosts: ["pharmacy", "convenience_store"] },
          { id: "n-2", category: "pharmacy", lon: 24.96, lat: 60.17, newly_covered_population: 12, unit: 2, hosts: ["laundry", "pharmacy"] },
        ],
      },
    };  // prettier-ignore
    vi.stubGlobal("fetch", (url: string) => {
      if (url.endsWith("/communities/c2")) return Promise.resolve(json(card));
      if (url.includes("/feedback/summary")) return Promise.resolve(json({ city: "h", area: "c2", run_id: 3, reports: 0, cells: [] }));
      if (url.includes("/complaints")) return Promise.resolve(json({ total: 0, items: [] }));
      if (url.endsWith("/surveys")) return Promise.resolve(json([]));
      if (url.includes("/coverage-by-hour")) return Promise.resolve(json({ status: 404, detail: "not by hour", errors: [{ field: "run", problem: "not by hour" }] }, 404));
      return Promise.reject(new Error(`unexpected ${url}`));
    });
    setActivePinia(createPinia());
    useOfficials().city = "h";
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: "/c/:code", component: CommunityView },
        { path: "/", name: "officials", component: { template: "<div />" } },
        { path: "/jobs", name: "officials-jobs", component: { template: "<div />" } },
      ],
    });
    await router.push("/c/c2");
    setLang("zh-CN");
    const view = mount(CommunityView, { global: { plugins: [i18n, router] }, attachTo: document.body });
    await flushPromises();
    const table = view.get("[data-testid=plan-units-here]");
    expect(view.find("[data-testid=plan-sites]").exists()).toBe(false);
    expect(table.findAll("[data-testid=host-tag]").map((t) => t.text())).toEqual(["药店", "便利店", "洗染店", "药店"]);
    expect(table.text()).toContain("网点 1 · n-1");
    expect(table.text()).toContain("30");
    view.unmount();
  });
});
