// The basemap: none by default (the streets and communities are drawn from the API, so the
// map reads offline); a deployment with tiles sets VITE_TILE_URL (and VITE_TILE_CRS=gcj02
// for Amap or Tencent tiles, so our data is asked for in GCJ-02 and lies on their streets).
import type { Crs } from "@/api/types";

export interface MapConfig {
  tileUrl: string | null;
  crs: Crs;
  attribution: string;
}

export function mapConfig(env: Record<string, string | undefined> = import.meta.env): MapConfig {
  const url = env.VITE_TILE_URL?.trim() || null;
  const crs = env.VITE_TILE_CRS?.trim().toLowerCase() === "gcj02" && url ? "gcj02" : "wgs84";
  return { tileUrl: url, crs, attribution: env.VITE_TILE_ATTRIBUTION ?? "" };
}
