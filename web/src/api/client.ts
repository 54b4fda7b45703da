// The one client of /api/v1: typed functions, the bearer token, and the API's problem
// body turned into an ApiError that names the field and the problem.
import type {
  City,
  CityListItem,
  Claim,
  ClaimPage,
  Coupon,
  Crs,
  GeoFeatureCollection,
  Nearby,
  Offer,
  PlacePage,
  Problem,
  Profile,
  RouteFeature,
  ShopPrices,
  Token,
  User,
  WebConfig,
} from "./types";

export const API = "/api/v1";

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | null;

  constructor(status: number, problem: Problem | null, fallback: string) {
    const first = problem?.errors?.[0];
    const text = first ? `${first.field ? first.field + ": " : ""}${first.problem}` : problem?.detail;
    super(text || fallback);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
  }
}

type Params = Record<string, string | number | boolean | string[] | undefined | null>;

export interface ClientOptions {
  /** The bearer token of the signed-in user, read at each request. */
  token?: () => string | null;
  /** fetch (a test passes its own recording one). */
  fetch?: typeof fetch;
  /** Where the API is (default `/api/v1` of the page's origin). */
  base?: string;
}

export function query(params: Params): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) value.forEach((v) => search.append(key, v));
    else search.append(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** A uid keeps its slashes (`osm:node/1`): the routes take the rest of the path. */
export function uidPath(uid: string): string {
  return uid.split("/").map(encodeURIComponent).join("/");
}

/** The one request path of every client: the token, the JSON body, errors as ApiError. */
export function requester(options: ClientOptions = {}) {
  const base = options.base ?? API;
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));

  async function send(method: string, path: string, init: { body?: BodyInit; json?: unknown } = {}) {
    const headers: Record<string, string> = { Accept: "application/json" };
    const token = options.token?.();
    if (token) headers.Authorization = `Bearer ${token}`;
    let body = init.body;
    if (init.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(init.json);
    }
    const response = await doFetch(base + path, { method, headers, body });
    if (!response.ok) {
      let problem: Problem | null = null;
      try {
        problem = (await response.json()) as Problem;
      } catch {
        problem = null;
      }
      throw new ApiError(response.status, problem, `${response.status} ${response.statusText}`);
    }
    return response;
  }

  async function json<T>(method: string, path: string, init: { body?: BodyInit; json?: unknown } = {}) {
    const response = await send(method, path, init);
    return (response.status === 204 ? undefined : await response.json()) as T;
  }

  return { send, json };
}

export function createClient(options: ClientOptions = {}) {
  const { send, json } = requester(options);

  return {
    webConfig: () => json<WebConfig>("GET", "/web-config"),
    cities: () => json<CityListItem[]>("GET", "/cities"),
    city: (city: string) => json<City>("GET", `/cities/${encodeURIComponent(city)}`),
    nearby: (
      city: string,
      p: {
        lon: number;
        lat: number;
        crs?: Crs;
        minutes?: number;
        profile?: Profile;
        category?: string[];
        q?: string;
        open_now?: boolean;
        limit?: number;
      },
    ) => json<Nearby>("GET", `/cities/${encodeURIComponent(city)}/nearby${query(p)}`),
    route: (city: string, p: { from: [number, number]; to: string; crs?: Crs; profile?: Profile }) =>
      json<RouteFeature>(
        "GET",
        `/cities/${encodeURIComponent(city)}/route${query({
          from: `${p.from[0]},${p.from[1]}`,
          to: p.to,
          crs: p.crs,
          profile: p.profile,
        })}`,
      ),
    extent: (city: string, crs?: Crs) =>
      json<{ city: string; bbox: [number, number, number, number]; centre: [number, number] }>(
        "GET",
        `/cities/${encodeURIComponent(city)}/extent${query({ crs })}`,
      ),
    network: (city: string, bbox: [number, number, number, number], crs?: Crs) =>
      json<GeoFeatureCollection>(
        "GET",
        `/cities/${encodeURIComponent(city)}/network.geojson${query({ bbox: bbox.join(","), crs })}`,
      ),
    communities: (city: string, bbox: [number, number, number, number], crs?: Crs) =>
      json<GeoFeatureCollection>(
        "GET",
        `/cities/${encodeURIComponent(city)}/communities.geojson${query({ bbox: bbox.join(","), crs })}`,
      ),
    place: (city: string, uid: string) =>
      json<PlacePage>("GET", `/cities/${encodeURIComponent(city)}/places/${uidPath(uid)}`),
    prices: (city: string, uid: string) =>
      json<ShopPrices>("GET", `/cities/${encodeURIComponent(city)}/places/${uidPath(uid)}/prices`),
    placeCoupons: (city: string, uid: string) =>
      json<Coupon[]>("GET", `/cities/${encodeURIComponent(city)}/places/${uidPath(uid)}/coupons`),
    offers: (city: string, uid: string) =>
      json<Offer[]>("GET", `/cities/${encodeURIComponent(city)}/places/${uidPath(uid)}/offers`),
    claim: (couponId: number) => json<Claim>("POST", `/coupons/${couponId}/claims`, { json: {} }),
    myCoupons: () => json<ClaimPage>("GET", "/users/me/coupons"),
    myCoupon: (claimId: number) => json<Claim>("GET", `/users/me/coupons/${claimId}`),
    qrSvg: async (claimId: number) => (await send("GET", `/users/me/coupons/${claimId}/qr.svg`)).blob(),
    me: () => json<User>("GET", "/users/me"),
    login: (username: string, password: string) =>
      json<Token>("POST", "/auth/login", { body: new URLSearchParams({ username, password }) }),
    register: (username: string, password: string, city: string | null) =>
      json<User>("POST", "/auth/register", {
        json: { username, password, role: "resident", ...(city ? { city } : {}) },
      }),
    logout: () => json<void>("POST", "/auth/logout"),
  };
}

export type Client = ReturnType<typeof createClient>;
