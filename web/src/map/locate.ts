// The browser's location as a point in the map's CRS: one step shared by Near me and the
// point picker (home, feedback). The location is WGS-84; a map on GCJ-02 tiles gets it shifted.
import type { Crs } from "@/api/types";
import { wgs84ToGcj02 } from "@/map/gcj02";

/** Where the browser says we are, in `crs`; rejects with a reason to show ("geolocation" when
 * the browser has no location at all, else the browser's message or its error code). */
export function locate(
  crs: Crs,
  geolocation: Geolocation | null = globalThis.navigator?.geolocation ?? null,
): Promise<[number, number]> {
  return new Promise((resolve, reject) => {
    if (!geolocation) {
      reject(new Error("geolocation"));
      return;
    }
    geolocation.getCurrentPosition(
      (position) => {
        const { longitude, latitude } = position.coords;
        resolve(crs === "gcj02" ? wgs84ToGcj02(longitude, latitude) : [longitude, latitude]);
      },
      (error) => reject(new Error(error.message || String(error.code))),
      { enableHighAccuracy: true, timeout: 10_000, maximumAge: 60_000 },
    );
  });
}
