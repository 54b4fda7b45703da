// The merchant's shops and the one the console works on (kept across pages and reloads).
import { defineStore } from "pinia";

import type { MerchantClient } from "@/api/merchants";
import type { OwnedPlace } from "@/api/merchants-types";

const CURRENT_KEY = "lifecircle.merchant.shop";

export const useMerchant = defineStore("merchant", {
  state: () => ({
    shops: [] as OwnedPlace[],
    currentId: null as number | null,
    loaded: false,
    error: null as string | null,
  }),
  getters: {
    current: (state): OwnedPlace | null => state.shops.find((s) => s.id === state.currentId) ?? null,
  },
  actions: {
    /** The merchant's shops; the current one stays if still theirs, else the first. */
    async load(client: MerchantClient) {
      this.error = null;
      try {
        this.shops = await client.myPlaces();
      } catch (error) {
        this.shops = [];
        this.error = error instanceof Error ? error.message : String(error);
      }
      const saved = Number(window.localStorage.getItem(CURRENT_KEY));
      const keep = [this.currentId, saved].find((id) => id && this.shops.some((s) => s.id === id));
      this.currentId = keep ?? this.shops[0]?.id ?? null;
      this.loaded = true;
    },
    choose(id: number) {
      if (!this.shops.some((s) => s.id === id)) return;
      this.currentId = id;
      window.localStorage.setItem(CURRENT_KEY, String(id));
    },
    forget() {
      this.shops = [];
      this.currentId = null;
      this.loaded = false;
    },
  },
});
