// The browser's location in the map's CRS, and the reasons shown when there is none.
import { describe, expect, it } from "vitest";

import { wgs84ToGcj02 } from "@/map/gcj02";
import { locate } from "@/map/locate";

const SHENZHEN = { longitude: 114.0579, latitude: 22.5431 };

function browserAt(coords: typeof SHENZHEN | null, failure?: { code: number; message: string }): Geolocation {
  return {
    getCurrentPosition(ok: PositionCallback, fail?: PositionErrorCallback | null) {
      if (coords) ok({ coords, timestamp: 0 } as unknown as GeolocationPosition);
      else fail?.(failure as unknown as GeolocationPositionError);
    },
    watchPosition: () => 0,
    clearWatch: () => undefined,
  };
}

describe("locate", () => {
  it("gives WGS-84 as the browser says", async () => {
    await expect(locate("wgs84", browserAt(SHENZHEN))).resolves.toEqual([114.0579, 22.5431]);
  });

  it("shifts to GCJ-02 for a map on a Chinese provider's tiles", async () => {
    const shifted = await locate("gcj02", browserAt(SHENZHEN));
    expect(shifted).toEqual(wgs84ToGcj02(114.0579, 22.5431));
    expect(shifted[0]).not.toBeCloseTo(114.0579, 4); // the shift is ~500 m in Shenzhen
  });

  it("rejects with the browser's message, or its code when it has none", async () => {
    await expect(locate("wgs84", browserAt(null, { code: 1, message: "denied" }))).rejects.toThrow("denied");
    await expect(locate("wgs84", browserAt(null, { code: 3, message: "" }))).rejects.toThrow("3");
  });

  it("says 'geolocation' when the browser has no location at all", async () => {
    await expect(locate("wgs84", null)).rejects.toThrow("geolocation");
  });
});
