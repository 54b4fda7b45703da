// The officials' voice pages' routes of /api/v1, typed: surveys, consultations, indicators
// and usage, consumption-voucher campaigns (the one request path of client.ts: the bearer
// token read at each request, the API's problem turned into an ApiError).
import { type ClientOptions, query, requester } from "./client";
import type {
  Campaign,
  CampaignCreate,
  CampaignReport,
  CampaignShop,
  CampaignStatus,
  Consultation,
  ConsultationCreate,
  ConsultationList,
  ConsultationPage,
  ConsultationStatus,
  FullSurveyResults,
  Indicator,
  IndicatorList,
  IndicatorUpdate,
  Survey,
  SurveyCreate,
  SurveyTemplate,
  Usage,
} from "./officials-voice-types";

export function createVoiceClient(options: ClientOptions = {}) {
  const request = requester(options);
  const json = <T>(method: string, path: string, body?: unknown): Promise<T> =>
    request.json<T>(method, path, { json: body });
  const c = (city: string) => `/cities/${encodeURIComponent(city)}`;

  return {
    // surveys
    surveyTemplates: () => json<SurveyTemplate[]>("GET", "/survey-templates"),
    surveys: (city: string) => json<Survey[]>("GET", `${c(city)}/surveys`),
    survey: (id: number) => json<Survey>("GET", `/surveys/${id}`),
    createSurvey: (city: string, body: SurveyCreate) => json<Survey>("POST", `${c(city)}/surveys`, body),
    closeSurvey: (id: number) => json<Survey>("PATCH", `/surveys/${id}`, { close: true }),
    openSurvey: (id: number) => json<Survey>("PATCH", `/surveys/${id}`, { open: true }),
    updateSurvey: (id: number, body: { title?: string; closes_at?: string }) =>
      json<Survey>("PATCH", `/surveys/${id}`, body),
    surveyResults: (id: number, area?: string | null) =>
      json<FullSurveyResults>("GET", `/surveys/${id}/results${query({ area })}`),
    // consultations
    consultations: (city: string, p: { area?: string | null; status?: ConsultationStatus | null; limit?: number } = {}) =>
      json<ConsultationList>("GET", `${c(city)}/consultations${query(p)}`),
    consultation: (id: number) => json<ConsultationPage>("GET", `/consultations/${id}`),
    closeConsultation: (id: number) => json<Consultation>("POST", `/consultations/${id}/close`),
    publishConsultation: (city: string, body: ConsultationCreate) =>
      json<Consultation>("POST", `${c(city)}/consultations`, body),
    // indicators and usage
    indicators: (city: string, p: { area?: string | null; from?: string | null; to?: string | null } = {}) =>
      json<IndicatorList>("GET", `${c(city)}/indicators${query(p)}`),
    putIndicator: (city: string, code: string, period: string, body: IndicatorUpdate) =>
      json<Indicator>(
        "PUT",
        `${c(city)}/indicators/${encodeURIComponent(code)}/${encodeURIComponent(period)}`,
        body,
      ),
    usage: (city: string, month: string, area?: string | null) =>
      json<Usage>("GET", `${c(city)}/usage${query({ month, area })}`),
    // campaigns
    campaigns: (city: string) => json<Campaign[]>("GET", `${c(city)}/campaigns`),
    createCampaign: (city: string, body: CampaignCreate) => json<Campaign>("POST", `${c(city)}/campaigns`, body),
    setCampaignStatus: (id: number, status: Exclude<CampaignStatus, "draft">) =>
      json<Campaign>("PATCH", `/campaigns/${id}`, { status }),
    campaignShops: (id: number, p: { q?: string; enrolled?: boolean } = {}) =>
      json<CampaignShop[]>("GET", `/campaigns/${id}/shops${query(p)}`),
    enrolShop: (id: number, placeId: number) => json<Campaign>("PUT", `/campaigns/${id}/shops/${placeId}`),
    removeShop: async (id: number, placeId: number) => {
      await request.send("DELETE", `/campaigns/${id}/shops/${placeId}`);
    },
    campaignReport: (city: string, id: number) =>
      json<CampaignReport>("GET", `${c(city)}/campaigns/${id}/report`),
    /** The report's workbook (fetched with the token, so a plain link would not do). */
    campaignReportXlsx: async (city: string, id: number) =>
      (await request.send("GET", `${c(city)}/campaigns/${id}/report.xlsx`)).blob(),
  };
}

export type VoiceClient = ReturnType<typeof createVoiceClient>;

/** The voice pages' client with the signed-in user's token. */
export const voiceApi = createVoiceClient({
  token: () => (typeof window === "undefined" ? null : window.localStorage.getItem("lifecircle.token")),
});
