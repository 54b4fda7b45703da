// The officials' coverage by time of day, typed (the conventions of client.ts: the bearer
// token read at each request, the API's problem turned into an ApiError).
import { type ClientOptions, query, requester } from "./client";
import type { HourlyCoverage } from "./hours-types";

export function createHoursClient(options: ClientOptions = {}) {
  const { json } = requester(options);
  return {
    /** The curves of the caller's part of the city, or of one community (`community`). */
    coverageByHour: (city: string, p: { area?: string | null; run?: number | null; community?: string | null } = {}) =>
      json<HourlyCoverage>("GET", `/cities/${encodeURIComponent(city)}/coverage-by-hour${query(p)}`),
  };
}

export type HoursClient = ReturnType<typeof createHoursClient>;

/** The console's client with the signed-in user's token. */
export const hoursApi = createHoursClient({
  token: () => (typeof window === "undefined" ? null : window.localStorage.getItem("lifecircle.token")),
});
