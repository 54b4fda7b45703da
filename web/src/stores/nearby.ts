// Near me: the point, the filters, the list by walking minutes and the route on the map.
import { defineStore } from "pinia";

import type { Client } from "@/api/client";
import type { CityCategory, Crs, NearbyPlace, Profile, RouteFeature } from "@/api/types";

/** The plan's 12 basic categories first (taxonomy order), then the others by group. */
export function chipOrder(categories: CityCategory[]): CityCategory[] {
  const basic = categories.filter((c) => c.group === "basic");
  const rest = categories.filter((c) => c.group !== "basic");
  return [...basic, ...rest];
}

export const useNearby = defineStore("nearby", {
  state: () => ({
    city: null as string | null,
    categories: [] as CityCategory[],
    point: null as [number, number] | null,
    category: null as string | null,
    q: "",
    openNow: false,
    places: [] as NearbyPlace[],
    total: 0,
    /** The walking limit of the last answer, minutes. */
    minutes: 15,
    loading: false,
    error: null as string | null,
    route: null as RouteFeature | null,
    routeTo: null as string | null,
    /** The coordinate system the map draws in: the API answers in it. */
    crs: "wgs84" as Crs,
  }),
  getters: {
    chips: (state) => chipOrder(state.categories),
  },
  actions: {
    async loadCity(client: Client, name?: string) {
      const city = name ?? (await client.cities())[0]?.name ?? null;
      this.city = city;
      this.categories = city ? (await client.city(city)).categories : [];
    },
    async search(client: Client, profile: Profile) {
      if (!this.city || !this.point) return;
      this.loading = true;
      this.error = null;
      try {
        const found = await client.nearby(this.city, {
          lon: this.point[0],
          lat: this.point[1],
          crs: this.crs,
          profile,
          category: this.category ? [this.category] : undefined,
          q: this.q.trim() || undefined,
          open_now: this.openNow || undefined,
          limit: 30,
        });
        this.places = found.places;
        this.total = found.total;
        this.minutes = found.minutes;
      } catch (error) {
        this.places = [];
        this.total = 0;
        this.error = error instanceof Error ? error.message : String(error);
      } finally {
        this.loading = false;
      }
    },
    async showRoute(client: Client, uid: string, profile: Profile) {
      if (!this.city || !this.point) return;
      this.routeTo = uid;
      this.route = await client.route(this.city, { from: this.point, to: uid, crs: this.crs, profile });
    },
    clearRoute() {
      this.route = null;
      this.routeTo = null;
    },
  },
});
