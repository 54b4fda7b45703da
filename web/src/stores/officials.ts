// The officials' console: the city and area of the signed-in official, the latest
// assessment of that area and its run document (the plan's targets, coverage, pilots).
import { defineStore } from "pinia";

import type { OfficialsClient } from "@/api/officials";
import type { AreaAssessment, RunDocument } from "@/api/officials-types";
import type { User } from "@/api/types";
import { coverageByCommunity } from "@/officials/figures";

export const OFFICIAL_ROLES = ["official", "admin"] as const;

export function isOfficial(user: User | null): boolean {
  return user !== null && (OFFICIAL_ROLES as readonly string[]).includes(user.role);
}

export const useOfficials = defineStore("officials", {
  state: () => ({
    city: null as string | null,
    area: null as string | null,
    assessment: null as AreaAssessment | null,
    run: null as RunDocument | null,
    /** Why the assessment or its document could not be read (e.g. no run yet). */
    problem: null as string | null,
    loading: false,
  }),
  getters: {
    /** Basic coverage of each community of the area (the map's colours). */
    coverage(state): Map<string, number | null> {
      if (!state.run) return new Map();
      const codes = state.assessment ? new Set(state.assessment.units.map((u) => u.code)) : null;
      return coverageByCommunity(state.run, codes);
    },
    /** Whether the latest run was assessed by hour (`null`: not known yet). */
    byHour(state): boolean | null {
      return state.assessment ? state.assessment.by_hour : null;
    },
  },
  actions: {
    /** The official's city and area (an administrator works on `fallbackCity`). */
    useAccount(user: User & { area_code?: string | null }, fallbackCity: string | null) {
      this.city = user.city ?? fallbackCity;
      this.area = user.area_code ?? null;
    },
    async load(client: OfficialsClient) {
      if (!this.city) return;
      this.loading = true;
      this.problem = null;
      try {
        this.assessment = await client.assessment(this.city, this.area);
        try {
          this.run = await client.run(this.city, this.assessment.run_id);
        } catch (error) {
          // an official of a district reads the area's units only (runs cover the city)
          this.run = null;
          this.problem = error instanceof Error ? error.message : String(error);
        }
      } catch (error) {
        this.assessment = null;
        this.run = null;
        this.problem = error instanceof Error ? error.message : String(error);
      } finally {
        this.loading = false;
      }
    },
  },
});
