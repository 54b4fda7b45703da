// Components and helpers: the list item, the GCJ-02 shift against the shared reference
// vectors, money from fen, and the map's tile settings.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

import { mount } from "@vue/test-utils";
import { describe, expect, it } from "vitest";

import type { NearbyPlace } from "@/api/types";
import PlaceItem from "@/components/PlaceItem.vue";
import { i18n, setLang, yuan } from "@/i18n";
import { mapConfig } from "@/map/config";
import { outOfChina, wgs84ToGcj02 } from "@/map/gcj02";

const place: NearbyPlace = {
  id: "osm:node/1",
  name: "Yliopiston Apteekki",
  brand: null,
  categories: [{ code: "pharmacy", name_zh: "药店", name_en: "Pharmacy", group: "basic" }],
  lon: 24.94,
  lat: 60.17,
  metres: 412.4,
  minutes: 6.18,
  open_now: true,
  opening_hours: "Mo-Su 08:00-22:00",
  coupons: 2,
  near_expiry: 0,
};

describe("PlaceItem", () => {
  it("shows the name, category, minutes, metres and badges, with labelled buttons", async () => {
    setLang("zh-CN");
    const item = mount(PlaceItem, { props: { place, selected: false }, global: { plugins: [i18n] } });
    const text = item.text();
    expect(text).toContain("Yliopiston Apteekki");
    expect(text).toContain("药店");
    expect(text).toContain("6 分钟");
    expect(text).toContain("412 米");
    expect(text).toContain("营业中");
    expect(text).toContain("2 张券");
    expect(text).not.toContain("临期");
    const route = item.get("[data-testid=route]");
    expect(route.attributes("aria-label")).toBe("路线: Yliopiston Apteekki");
    await route.trigger("click");
    expect(item.emitted("route")).toHaveLength(1);
    await item.get("[data-testid=details]").trigger("click");
    expect(item.emitted("open")).toHaveLength(1);
  });

  it("speaks English and says when the hours are unknown", () => {
    setLang("en");
    const item = mount(PlaceItem, {
      props: { place: { ...place, name: null, open_now: null, coupons: 0, minutes: 0.2 }, selected: true },
      global: { plugins: [i18n] },
    });
    expect(item.text()).toContain("Pharmacy");
    expect(item.text()).toContain("Hours unknown");
    expect(item.text()).toContain("1 min"); // never "0 min"
    expect(item.classes()).toContain("selected");
    setLang("zh-CN");
  });
});

describe("GCJ-02", () => {
  // the project's shared data sits beside the repository (as tests/conftest.py finds it)
  const csv = resolve(process.cwd(), "../../shared/reference/gcj02_vectors.csv");
  const rows = readFileSync(csv, "utf-8")
    .split("\n")
    .filter((l) => l && !l.startsWith("#") && !l.startsWith("id,"))
    .map((l) => l.split(","))
    .filter((r) => r[2] === "wgs84_to_gcj02" && r[8] === "yes");

  it("reproduces the published vectors within their tolerance", () => {
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const r of rows) {
      const [lon, lat] = wgs84ToGcj02(Number(r[3]), Number(r[4]));
      const metres = Math.hypot((lon - Number(r[5])) * 111_320 * Math.cos((lat * Math.PI) / 180), (lat - Number(r[6])) * 110_574);
      expect(metres, r[0]).toBeLessThan(Math.max(Number(r[7]), 0.001));
    }
  });

  it("leaves points outside China alone", () => {
    expect(outOfChina(24.94, 60.17)).toBe(true);
    expect(wgs84ToGcj02(24.94, 60.17)).toEqual([24.94, 60.17]);
  });
});

describe("helpers", () => {
  it("formats fen as yuan exactly", () => {
    expect([yuan(1250), yuan(5), yuan(0), yuan(100000), yuan(-1999)]).toEqual(["12.50", "0.05", "0.00", "1000.00", "-19.99"]);
  });

  it("asks in GCJ-02 only for GCJ-02 tiles", () => {
    expect(mapConfig({})).toEqual({ tileUrl: null, crs: "wgs84", attribution: "" });
    expect(mapConfig({ VITE_TILE_CRS: "gcj02" }).crs).toBe("wgs84"); // no tiles: our own data
    expect(mapConfig({ VITE_TILE_URL: "https://t/{z}/{x}/{y}.png", VITE_TILE_CRS: "GCJ02" }).crs).toBe("gcj02");
  });
});
