// The stores: the session (token kept in localStorage), the nearby search, preferences.
import { createPinia, setActivePinia } from "pinia";
import { beforeEach, describe, expect, it } from "vitest";

import { createClient } from "@/api/client";
import { tokenStorage } from "@/api";
import type { CityCategory } from "@/api/types";
import { chipOrder, useNearby } from "@/stores/nearby";
import { usePrefs } from "@/stores/prefs";
import { useSession } from "@/stores/session";

import { json } from "./fetch";

function serving(routes: Record<string, () => Response>) {
  const asked: string[] = [];
  const fetch = async (url: RequestInfo | URL, init?: RequestInit) => {
    const key = `${init?.method ?? "GET"} ${String(url).split("?")[0]}`;
    asked.push(`${init?.method ?? "GET"} ${String(url)}`);
    const answer = routes[key];
    return answer ? answer() : json({ status: 404, title: "Not Found", detail: key, errors: [] }, 404);
  };
  return { asked, client: createClient({ fetch: fetch as typeof globalThis.fetch, token: tokenStorage.get }) };
}

beforeEach(() => {
  setActivePinia(createPinia());
  window.localStorage.clear();
});

describe("session", () => {
  it("logs in, keeps the token, restores it, and forgets a stale one", async () => {
    const user = { id: 3, username: "demo-resident", role: "resident", city: "helsinki", display_name: null };
    const { client } = serving({
      "POST /api/v1/auth/login": () => json({ access_token: "tok", token_type: "bearer", expires_in: 60, user }),
      "GET /api/v1/users/me": () => json(user),
    });
    const session = useSession();
    session.sheetOpen = true;
    await session.login(client, tokenStorage, "demo-resident", "pw");
    expect(session.signedIn).toBe(true);
    expect(session.sheetOpen).toBe(false);
    expect(window.localStorage.getItem("lifecircle.token")).toBe("tok");

    setActivePinia(createPinia());
    const again = useSession();
    await again.restore(client, tokenStorage);
    expect(again.user?.username).toBe("demo-resident");

    const stale = serving({}).client; // /users/me answers 404: the token is dropped
    setActivePinia(createPinia());
    const third = useSession();
    await third.restore(stale, tokenStorage);
    expect(third.signedIn).toBe(false);
    expect(window.localStorage.getItem("lifecircle.token")).toBeNull();
  });

  it("a failed login leaves nobody signed in", async () => {
    const { client } = serving({
      "POST /api/v1/auth/login": () =>
        json({ status: 401, title: "Unauthorized", detail: "wrong user name or password", errors: [] }, 401),
    });
    const session = useSession();
    await expect(session.login(client, tokenStorage, "x", "y")).rejects.toThrow("wrong user name or password");
    expect(session.signedIn).toBe(false);
  });
});

describe("nearby", () => {
  const cat = (code: string, group: string): CityCategory => ({ code, group, name_zh: code, name_en: code, places: 1 });

  it("puts the basic categories first, in taxonomy order", () => {
    const ordered = chipOrder([cat("cafe", "quality"), cat("grocery", "basic"), cat("school", "facility"), cat("pharmacy", "basic")]);
    expect(ordered.map((c) => c.code)).toEqual(["grocery", "pharmacy", "cafe", "school"]);
  });

  it("searches from the point with the filters, and keeps the error of a bad answer", async () => {
    const places = [{ id: "osm:node/1", name: "Apteekki", minutes: 3.2 }];
    const { asked, client } = serving({
      "GET /api/v1/cities": () => json([{ name: "helsinki", places: 10, communities: 2 }]),
      "GET /api/v1/cities/helsinki": () => json({ name: "helsinki", categories: [cat("pharmacy", "basic")] }),
      "GET /api/v1/cities/helsinki/nearby": () => json({ total: 1, minutes: 15, places }),
    });
    const nearby = useNearby();
    await nearby.loadCity(client);
    expect(nearby.city).toBe("helsinki");
    expect(nearby.chips.map((c) => c.code)).toEqual(["pharmacy"]);
    await nearby.search(client, "adult"); // no point yet: nothing asked
    expect(asked.filter((a) => a.includes("/nearby"))).toEqual([]);
    nearby.point = [24.94, 60.17];
    nearby.category = "pharmacy";
    nearby.openNow = true;
    await nearby.search(client, "elderly");
    expect(nearby.places).toEqual(places);
    expect(nearby.total).toBe(1);
    expect(nearby.minutes).toBe(15);
    expect(asked.at(-1)).toBe(
      "GET /api/v1/cities/helsinki/nearby?lon=24.94&lat=60.17&crs=wgs84&profile=elderly&category=pharmacy&open_now=true&limit=30",
    );

    const broken = serving({
      "GET /api/v1/cities/helsinki/nearby": () =>
        json({ status: 422, title: "x", detail: "off", errors: [{ field: "query.lon", problem: "too far from a street" }] }, 422),
    });
    await nearby.search(broken.client, "adult");
    expect(nearby.places).toEqual([]);
    expect(nearby.error).toBe("query.lon: too far from a street");
  });
});

describe("prefs", () => {
  it("saves and reads back the choices; elderly picks the elderly profile", () => {
    const prefs = usePrefs();
    expect(prefs.profile).toBe("adult");
    prefs.elderly = true;
    prefs.largeText = true;
    prefs.lang = "en";
    prefs.save();
    setActivePinia(createPinia());
    const again = usePrefs();
    expect([again.lang, again.largeText, again.profile]).toEqual(["en", true, "elderly"]);
  });
});
