// The officials' plan routes of /api/v1, typed: a stored plan document (per-category or
// joint), and the plan a succeeded plan job stored.
import { type ClientOptions, requester } from "./client";
import type { JobResult } from "./planning-types";
import type { PlanDocument } from "./plans-types";

export function createPlansClient(options: ClientOptions = {}) {
  const { json } = requester(options);
  const c = (city: string) => `/cities/${encodeURIComponent(city)}`;

  return {
    plan: (city: string, planId: number) => json<PlanDocument>("GET", `${c(city)}/plans/${planId}`),
    /** The plan a plan job stored (`null` when its result names none). */
    async planOfJob(city: string, jobId: string): Promise<PlanDocument | null> {
      const done = await json<JobResult>("GET", `/jobs/${encodeURIComponent(jobId)}/result`);
      return done.plan ? json<PlanDocument>("GET", `${c(city)}/plans/${done.plan.id}`) : null;
    },
  };
}

export type PlansClient = ReturnType<typeof createPlansClient>;

/** The console's plans client with the signed-in user's token. */
export const plansApi = createPlansClient({
  token: () => (typeof window === "undefined" ? null : window.localStorage.getItem("lifecircle.token")),
});
