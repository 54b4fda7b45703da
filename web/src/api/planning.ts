// The officials' planning routes of /api/v1, typed: the runs' trend, what-if, and a
// report job's files (downloaded with the bearer token, as a Blob).
import { type ClientOptions, query, requester } from "./client";
import type { JobResult, RunTrend, WhatIfChange, WhatIfResult } from "./planning-types";

export function createPlanningClient(options: ClientOptions = {}) {
  const { send, json } = requester(options);
  const c = (city: string) => `/cities/${encodeURIComponent(city)}`;
  const job = (id: string) => `/jobs/${encodeURIComponent(id)}`;

  return {
    runs: (city: string, p: { area?: string | null; limit?: number; before?: number | null } = {}) =>
      json<RunTrend>("GET", `${c(city)}/runs${query(p)}`),
    whatIf: (city: string, change: WhatIfChange) =>
      json<WhatIfResult>("POST", `${c(city)}/what-if`, { json: change }),
    jobResult: (id: string) => json<JobResult>("GET", `${job(id)}/result`),
    /** A report file as a Blob (the route needs the token: no plain link). */
    jobFile: async (id: string, name: string) =>
      (await send("GET", `${job(id)}/files/${encodeURIComponent(name)}`)).blob(),
  };
}

export type PlanningClient = ReturnType<typeof createPlanningClient>;

/** The console's planning client with the signed-in user's token. */
export const planningApi = createPlanningClient({
  token: () => (typeof window === "undefined" ? null : window.localStorage.getItem("lifecircle.token")),
});
