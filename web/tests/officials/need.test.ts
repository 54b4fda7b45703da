// The assess job's by-hour options: the hours-of-need rows checked as the API checks
// them, the parameters sent (only what differs from the defaults), the stored ones read
// back; the editor's inline errors; the Jobs page sending the days and hours of need
// (and nothing while a row is wrong) against a recording fetch.
import { flushPromises, mount } from "@vue/test-utils";
import { createPinia, setActivePinia } from "pinia";
import { afterEach, describe, expect, it, vi } from "vitest";

import type { RunDocument } from "@/api/officials-types";
import { i18n, setLang } from "@/i18n";
import JobsView from "@/officials/JobsView.vue";
import { byHourOptions, byHourSummary, dayOptions, hoursOfNeed, needProblems, needWindow } from "@/officials/need";
import NeedEditor from "@/officials/NeedEditor.vue";
import { useOfficials } from "@/stores/officials";

import { json } from "../fetch";

describe("hours of need", () => {
  it("reads a window as the API does", () => {
    expect(needWindow("6:30-9:00")).toEqual({ window: "06:30-09:00" });
    expect(needWindow(" 00:00 - 24:00 ")).toEqual({ window: "00:00-24:00" });
    expect(needWindow("early")).toEqual({ problem: "format" });
    expect(needWindow("")).toEqual({ problem: "format" });
    expect(needWindow("06:30-24:30")).toEqual({ problem: "range" });
    expect(needWindow("24:00-24:00")).toEqual({ problem: "range" });
    expect(needWindow("06:60-09:00")).toEqual({ problem: "range" });
    expect(needWindow("09:00-06:30")).toEqual({ problem: "order" });
    expect(needWindow("22:00-02:00")).toEqual({ problem: "order" }); // one daily window, not overnight
  });

  it("names each row's problem and sends only good rows", () => {
    const rows = [
      { category: "breakfast", window: "6:00-9:30" },
      { category: "", window: "07:00-08:00" },
      { category: "breakfast", window: "07:00-08:00" },
      { category: "pharmacy", window: "9-17" },
    ];
    expect(needProblems(rows)).toEqual([null, "category", "duplicate", "format"]);
    expect(() => hoursOfNeed(rows)).toThrow();
    expect(hoursOfNeed([])).toBeNull();
    expect(hoursOfNeed([rows[0], { category: "convenience_store", window: "0:00-24:00" }])).toEqual({
      breakfast: "06:00-09:30",
      convenience_store: "00:00-24:00",
    });
    const many = Array.from({ length: 51 }, (_, i) => ({ category: `c${i}`, window: "06:00-07:00" }));
    expect(() => hoursOfNeed(many)).toThrow();
  });

  it("sends the days and hours of need only when they differ from the defaults", () => {
    expect(byHourOptions("Mon", "Sat", null)).toEqual({});
    expect(byHourOptions("Wed", "Sun", { breakfast: "06:00-09:30" })).toEqual({
      weekday: "Wed",
      weekend: "Sun",
      hours_of_need: { breakfast: "06:00-09:30" },
    });
    expect(dayOptions("zh-CN")[2]).toEqual({ value: "Wed", label: "周三" });
    expect(dayOptions("en")[6]).toEqual({ value: "Sun", label: "Sun" });
  });

  it("reads a job's stored parameters back", () => {
    const names = { breakfast: "早餐店" };
    expect(byHourSummary({ by_hour: false }, "zh-CN", names)).toBeNull();
    expect(byHourSummary(undefined, "zh-CN", names)).toBeNull();
    expect(byHourSummary({ by_hour: true }, "zh-CN", names)).toEqual({ weekday: "周一", weekend: "周六", need: null });
    expect(
      byHourSummary({ by_hour: true, weekday: "Wed", weekend: "Sun", hours_of_need: { breakfast: "06:00-09:30", laundry: "09:00-19:00" } }, "zh-CN", names),
    ).toEqual({ weekday: "周三", weekend: "周日", need: "早餐店 06:00-09:30、laundry 09:00-19:00" });
  });
});

const categories = [
  { code: "breakfast", name: "早餐店" },
  { code: "pharmacy", name: "药店" },
];

describe("NeedEditor", () => {
  it("adds rows for free categories, shows each row's error beside it, removes rows", async () => {
    setLang("zh-CN");
    const editor = mount(NeedEditor, {
      props: { categories, modelValue: [], "onUpdate:modelValue": (v: unknown) => editor.setProps({ modelValue: v as never }) },
      global: { plugins: [i18n] },
    });
    expect(editor.text()).toContain("系统默认需要时段");
    await editor.get("[data-testid=need-add]").trigger("click");
    await editor.get("[data-testid=need-add]").trigger("click");
    expect(editor.props("modelValue")).toEqual([
      { category: "breakfast", window: "" },
      { category: "pharmacy", window: "" },
    ]);
    expect(editor.get("[data-testid=need-add]").attributes("disabled")).toBeDefined(); // every category listed
    await editor.get("input[data-testid=need-window-0]").setValue("09:00-06:30");
    expect(editor.get("[data-testid=need-error-0]").text()).toBe("开始须早于结束");
    expect(editor.get("input[data-testid=need-window-0]").attributes("aria-invalid")).toBe("true");
    await editor.get("input[data-testid=need-window-0]").setValue("6:30-9:00");
    expect(editor.find("[data-testid=need-error-0]").exists()).toBe(false);
    expect(editor.get("[data-testid=need-error-1]").text()).toContain("06:30-09:00");
    await editor.get("[data-testid=need-remove-1]").trigger("click");
    expect(editor.props("modelValue")).toEqual([{ category: "breakfast", window: "6:30-9:00" }]);
    expect(editor.text()).toContain("未列出的业态不计算");
    editor.unmount();
  });
});

afterEach(() => vi.unstubAllGlobals());

const run = {
  run: { id: 3, created_at: "2026-03-02T09:00:00+08:00" },
  categories: [
    { code: "breakfast", name_zh: "早餐店", name_en: "Breakfast", group: "basic" },
    { code: "pharmacy", name_zh: "药店", name_en: "Pharmacy", group: "basic" },
    { code: "library", name_zh: "图书馆", name_en: "Library", group: "quality" },
  ],
} as unknown as RunDocument;

describe("JobsView by hour", () => {
  it("sends the days and hours of need, nothing while a row is wrong, and shows them in the jobs", async () => {
    const posted: unknown[] = [];
    const stored = { by_hour: true, weekday: "Wed", weekend: "Sun", hours_of_need: { breakfast: "06:00-09:30" } };
    const job = (parameters: unknown) => ({
      id: "j1", city: "h", kind: "assess", status: "succeeded", progress: 1, message: null, error: null,
      parameters, created_at: "2026-03-02T09:00:00+08:00", finished_at: null,
    }); // prettier-ignore
    vi.stubGlobal("fetch", (url: string, init?: RequestInit) => {
      if (init?.method === "POST") {
        posted.push(JSON.parse(String(init.body)));
        return Promise.resolve(json(job(stored), 202));
      }
      if (url.includes("/jobs?")) return Promise.resolve(json({ data: [job(stored)], count: 1 }));
      return Promise.resolve(json({ status: 404, title: "Not Found", detail: "none", errors: [] }, 404));
    });
    setActivePinia(createPinia());
    const officials = useOfficials();
    officials.city = "h";
    officials.run = run;
    setLang("zh-CN");
    const view = mount(JobsView, { global: { plugins: [i18n] }, attachTo: document.body });
    await flushPromises();
    expect(view.get("[data-testid=job-parameters]").text()).toBe("按小时：周三 / 周日；需要时段 早餐店 06:00-09:30");
    expect(view.find("[data-testid=assess-weekday]").exists()).toBe(false); // only by hour
    await view.get("[data-testid=assess-by-hour] input").setValue(true);
    const selects = view.findAllComponents({ name: "ElSelect" });
    const weekday = selects.find((s) => s.attributes("data-testid") === "assess-weekday");
    const weekend = selects.find((s) => s.attributes("data-testid") === "assess-weekend");
    weekday!.vm.$emit("update:modelValue", "Wed");
    weekend!.vm.$emit("update:modelValue", "Sun");
    await view.get("[data-testid=need-add]").trigger("click");
    await view.get("input[data-testid=need-window-0]").setValue("6:00-25:00");
    await view.get("[data-testid=start-assess]").trigger("click");
    await flushPromises();
    expect(posted).toEqual([]); // a wrong row: nothing sent, the form says why
    expect(view.text()).toContain("需要时段有误");
    await view.get("input[data-testid=need-window-0]").setValue("6:00-9:30");
    await view.get("[data-testid=start-assess]").trigger("click");
    await flushPromises();
    expect(posted).toEqual([{ kind: "assess", parameters: { by_hour: true, weekday: "Wed", weekend: "Sun", hours_of_need: { breakfast: "06:00-09:30" } } }]);
    view.unmount();
  });
});
