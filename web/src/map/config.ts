// The basemap: none by default (the streets and communities are drawn from the API, so the
// map reads offline). A deployment sets its tiles at run time (LIFECIRCLE_TILE_URL, _CRS and
// _ATTRIBUTION, served by GET /api/v1/web-config and read once when the app starts) or at
// build time (VITE_TILE_URL, VITE_TILE_CRS, VITE_TILE_ATTRIBUTION), the fallback. With
// gcj02 tiles (Amap, Tencent) our data is asked for in GCJ-02 so it lies on their streets.
import type { Crs, WebConfig } from "@/api/types";

export interface MapConfig {
  tileUrl: string | null;
  crs: Crs;
  attribution: string;
}

/** The tiles the app was built with (VITE_TILE_*), or none. */
export function mapConfig(env: Record<string, string | undefined> = import.meta.env): MapConfig {
  const url = env.VITE_TILE_URL?.trim() || null;
  const crs = env.VITE_TILE_CRS?.trim().toLowerCase() === "gcj02" && url ? "gcj02" : "wgs84";
  return { tileUrl: url, crs, attribution: env.VITE_TILE_ATTRIBUTION ?? "" };
}

/** The server's tiles when it sets some, else the build's. */
export function mergeMapConfig(served: WebConfig | null, built: MapConfig): MapConfig {
  const tiles = served?.tiles;
  if (!tiles?.url) return built;
  return { tileUrl: tiles.url, crs: tiles.crs === "gcj02" ? "gcj02" : "wgs84", attribution: tiles.attribution };
}

let loading: Promise<MapConfig> | null = null;

/**
 * The map's settings, asked of the server once (later calls share the first answer).
 * An unreachable or failing server leaves the build's settings: the map still works.
 */
export function loadMapConfig(
  fetchConfig: () => Promise<WebConfig>,
  env: Record<string, string | undefined> = import.meta.env,
): Promise<MapConfig> {
  if (!loading) {
    const built = mapConfig(env);
    loading = fetchConfig().then(
      (served) => mergeMapConfig(served, built),
      () => built,
    );
  }
  return loading;
}

/** Forget the loaded settings (tests). */
export function resetMapConfig(): void {
  loading = null;
}
