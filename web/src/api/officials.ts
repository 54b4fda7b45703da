// The officials' console's routes of /api/v1, typed (the same conventions as client.ts:
// the bearer token read at each request, the API's problem turned into an ApiError).
import { type ClientOptions, query, requester } from "./client";
import type {
  ApplicationPage,
  AreaAssessment,
  CommunityCard,
  ComplaintList,
  Complaint,
  FeedbackSummary,
  Job,
  JobList,
  RunDocument,
  ShopApplication,
  SurveyListItem,
  SurveyResults,
} from "./officials-types";
import type { GeoFeatureCollection } from "./types";

export function createOfficialsClient(options: ClientOptions = {}) {
  const request = requester(options);
  const json = <T>(method: string, path: string, body?: unknown): Promise<T> =>
    request.json<T>(method, path, { json: body });

  const c = (city: string) => `/cities/${encodeURIComponent(city)}`;

  return {
    assessment: (city: string, area?: string | null) =>
      json<AreaAssessment>("GET", `${c(city)}/assessment${query({ area })}`),
    run: (city: string, runId: number) => json<RunDocument>("GET", `${c(city)}/runs/${runId}`),
    extent: (city: string) =>
      json<{ city: string; bbox: [number, number, number, number]; centre: [number, number] }>(
        "GET",
        `${c(city)}/extent`,
      ),
    communityOutlines: (city: string, bbox: [number, number, number, number]) =>
      json<GeoFeatureCollection>("GET", `${c(city)}/communities.geojson${query({ bbox: bbox.join(",") })}`),
    community: (city: string, code: string) =>
      json<CommunityCard>("GET", `${c(city)}/communities/${encodeURIComponent(code)}`),
    feedbackSummary: (city: string, area?: string | null) =>
      json<FeedbackSummary>("GET", `${c(city)}/feedback/summary${query({ area })}`),
    complaints: (city: string, p: { area?: string | null; status?: string | null } = {}) =>
      json<ComplaintList>("GET", `${c(city)}/complaints${query(p)}`),
    assignComplaint: (id: number) => json<Complaint>("POST", `/complaints/${id}/assign`, {}),
    resolveComplaint: (id: number, reply: string) => json<Complaint>("POST", `/complaints/${id}/resolve`, { reply }),
    rejectComplaint: (id: number, reply: string) => json<Complaint>("POST", `/complaints/${id}/reject`, { reply }),
    applications: (city: string, p: { status?: string | null; area?: string | null } = {}) =>
      json<ApplicationPage>("GET", `${c(city)}/shop-applications${query(p)}`),
    approveApplication: (id: number) => json<ShopApplication>("POST", `/shop-applications/${id}/approve`),
    rejectApplication: (id: number, reason: string) =>
      json<ShopApplication>("POST", `/shop-applications/${id}/reject`, { reason }),
    surveys: (city: string) => json<SurveyListItem[]>("GET", `${c(city)}/surveys`),
    surveyResults: (surveyId: number, area?: string | null) =>
      json<SurveyResults>("GET", `/surveys/${surveyId}/results${query({ area })}`),
    startJob: (city: string, kind: Job["kind"], parameters: Record<string, unknown> = {}) =>
      json<Job>("POST", `${c(city)}/jobs`, { kind, parameters }),
    jobs: (city: string, limit = 10) => json<JobList>("GET", `${c(city)}/jobs${query({ limit })}`),
    job: (id: string) => json<Job>("GET", `/jobs/${encodeURIComponent(id)}`),
  };
}

export type OfficialsClient = ReturnType<typeof createOfficialsClient>;

/** The console's client with the signed-in user's token. */
export const officialsApi = createOfficialsClient({
  token: () => (typeof window === "undefined" ? null : window.localStorage.getItem("lifecircle.token")),
});
