// The map's tile settings: the server's (GET /web-config, asked once at start) over the
// build's (VITE_TILE_*), and the build's when the server sets none or cannot be reached.
import { afterEach, describe, expect, it } from "vitest";

import { createClient } from "@/api/client";
import type { WebConfig } from "@/api/types";
import { loadMapConfig, mapConfig, mergeMapConfig, resetMapConfig } from "@/map/config";

const BUILT = { VITE_TILE_URL: "https://built.example/{z}/{x}/{y}.png", VITE_TILE_ATTRIBUTION: "© built" };
const SERVED: WebConfig = {
  tiles: { url: "http://127.0.0.1:9/{z}/{x}/{y}.png", crs: "gcj02", attribution: "© served" },
};

afterEach(() => resetMapConfig());

describe("mergeMapConfig", () => {
  it("prefers the server's tiles", () => {
    expect(mergeMapConfig(SERVED, mapConfig(BUILT))).toEqual({
      tileUrl: "http://127.0.0.1:9/{z}/{x}/{y}.png",
      crs: "gcj02",
      attribution: "© served",
    });
  });
  it("keeps the build's when the server sets none", () => {
    expect(mergeMapConfig({ tiles: null }, mapConfig(BUILT))).toEqual({
      tileUrl: "https://built.example/{z}/{x}/{y}.png",
      crs: "wgs84",
      attribution: "© built",
    });
    expect(mergeMapConfig(null, mapConfig({}))).toEqual({ tileUrl: null, crs: "wgs84", attribution: "" });
  });
});

describe("loadMapConfig", () => {
  it("asks the server once, through the client's /web-config", async () => {
    const urls: string[] = [];
    const fetch = (async (url: RequestInfo | URL) => {
      urls.push(String(url));
      return new Response(JSON.stringify(SERVED), { status: 200, headers: { "Content-Type": "application/json" } });
    }) as typeof globalThis.fetch;
    const client = createClient({ fetch });
    const [first, second] = await Promise.all([loadMapConfig(client.webConfig, {}), loadMapConfig(client.webConfig, {})]);
    expect(first.tileUrl).toBe("http://127.0.0.1:9/{z}/{x}/{y}.png");
    expect(first.crs).toBe("gcj02");
    expect(second).toBe(first);
    expect(await loadMapConfig(client.webConfig, {})).toBe(first);
    expect(urls).toEqual(["/api/v1/web-config"]);
  });
  it("falls back to the build's settings when the server fails", async () => {
    const failing = async (): Promise<WebConfig> => {
      throw new Error("503 Service Unavailable");
    };
    expect(await loadMapConfig(failing, BUILT)).toEqual(mapConfig(BUILT));
  });
  it("falls back to no tiles at all when neither sets any", async () => {
    expect(await loadMapConfig(async () => ({ tiles: null }), {})).toEqual({ tileUrl: null, crs: "wgs84", attribution: "" });
  });
});
