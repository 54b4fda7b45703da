// The residents' voice routes of /api/v1, typed (the conventions of client.ts: the bearer
// token read at each request, the API's problem turned into an ApiError).
import { tokenStorage } from "./index";
import { ApiError, type ClientOptions, query, requester, uidPath } from "./client";
import type {
  AnswerValue,
  ComplaintKind,
  Home,
  HomeBody,
  Integrity,
  MissingReport,
  MissingReportBody,
  MyComplaint,
  MyComplaintList,
  PriceHistory,
  Survey,
  SurveyReceipt,
} from "./residents-voice-types";

export function createVoiceClient(options: ClientOptions = {}) {
  const request = requester(options);
  const json = <T>(method: string, path: string, body?: unknown): Promise<T> =>
    request.json<T>(method, path, { json: body });
  const c = (city: string) => `/cities/${encodeURIComponent(city)}`;
  const place = (city: string, uid: string) => `${c(city)}/places/${uidPath(uid)}`;

  return {
    /** The open surveys that concern the resident (city-wide and their home's community). */
    surveys: (city: string) => json<Survey[]>("GET", `${c(city)}/surveys`),
    survey: (id: number) => json<Survey>("GET", `/surveys/${id}`),
    /** Answer once: a second answer is a 409 ApiError. */
    answer: (id: number, answers: Record<string, AnswerValue>, community?: string | null) =>
      json<SurveyReceipt>("POST", `/surveys/${id}/answers`, {
        answers,
        ...(community ? { community } : {}),
      }),
    reportMissing: (city: string, body: MissingReportBody) =>
      json<MissingReport>("POST", `${c(city)}/feedback`, body),
    complain: (city: string, uid: string, kind: ComplaintKind, description: string) =>
      json<MyComplaint>("POST", `${place(city, uid)}/complaints`, { kind, description }),
    myComplaints: (p: { limit?: number; offset?: number } = {}) =>
      json<MyComplaintList>("GET", `/users/me/complaints${query(p)}`),
    /** One's home, or null when none is set (asked first, so no 404 is logged). */
    home: async (): Promise<Home | null> => {
      const me = await json<{ has_home: boolean }>("GET", "/users/me");
      if (!me.has_home) return null;
      try {
        return await json<Home>("GET", "/users/me/home");
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null; // forgotten meanwhile
        throw e;
      }
    },
    setHome: (body: HomeBody) => json<Home>("PUT", "/users/me/home", body),
    forgetHome: () => json<void>("DELETE", "/users/me/home"),
    priceHistory: (city: string, uid: string, itemId: number) =>
      json<PriceHistory>("GET", `${place(city, uid)}/prices/${itemId}/history`),
    integrity: (city: string, uid: string) => json<Integrity>("GET", `${place(city, uid)}/integrity`),
  };
}

export type VoiceClient = ReturnType<typeof createVoiceClient>;

/** The client with the signed-in resident's token. */
export const voice = createVoiceClient({ token: tokenStorage.get });
