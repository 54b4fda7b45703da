// The API client: the URLs, headers and bodies it sends, and the errors it raises from the
// API's problem bodies (a recording fetch answers as the API does).
import { describe, expect, it } from "vitest";

import { ApiError, createClient, query, uidPath } from "@/api/client";

import { json, recorder } from "./fetch";

describe("query and uid paths", () => {
  it("repeats lists, drops empty values", () => {
    expect(query({ lon: 24.9, lat: 60.1, category: ["pharmacy", "grocery"], q: "", open_now: undefined })).toBe(
      "?lon=24.9&lat=60.1&category=pharmacy&category=grocery",
    );
    expect(query({})).toBe("");
  });
  it("keeps a uid's slashes and escapes the rest", () => {
    expect(uidPath("osm:node/123")).toBe("osm%3Anode/123");
    expect(uidPath("csv:a b")).toBe("csv%3Aa%20b");
  });
});

describe("createClient", () => {
  it("sends the nearby search with its filters and the bearer token", async () => {
    const { sent, fetch } = recorder([json({ places: [], total: 0 })]);
    const client = createClient({ fetch, token: () => "tok-1" });
    await client.nearby("helsinki", { lon: 24.94, lat: 60.17, category: ["pharmacy"], profile: "elderly", open_now: true });
    expect(sent[0].url).toBe(
      "/api/v1/cities/helsinki/nearby?lon=24.94&lat=60.17&category=pharmacy&profile=elderly&open_now=true",
    );
    expect((sent[0].init.headers as Record<string, string>).Authorization).toBe("Bearer tok-1");
    expect(sent[0].init.method).toBe("GET");
  });

  it("logs in with the OAuth2 password form", async () => {
    const { sent, fetch } = recorder([json({ access_token: "t", token_type: "bearer", expires_in: 60, user: { id: 1 } })]);
    const client = createClient({ fetch });
    const token = await client.login("demo-resident", "pa ss");
    expect(token.access_token).toBe("t");
    expect(sent[0].url).toBe("/api/v1/auth/login");
    expect(String(sent[0].init.body)).toBe("username=demo-resident&password=pa+ss");
    expect((sent[0].init.headers as Record<string, string>).Authorization).toBeUndefined();
  });

  it("claims a coupon with a JSON body and asks for routes with from=lon,lat", async () => {
    const { sent, fetch } = recorder([json({ id: 9, code: "123" }, 201), json({ type: "Feature" })]);
    const client = createClient({ fetch, token: () => "t" });
    expect((await client.claim(5)).id).toBe(9);
    expect(sent[0].init.method).toBe("POST");
    expect(sent[0].init.body).toBe("{}");
    expect((sent[0].init.headers as Record<string, string>)["Content-Type"]).toBe("application/json");
    await client.route("helsinki", { from: [24.9, 60.1], to: "osm:node/7", profile: "adult" });
    expect(sent[1].url).toBe("/api/v1/cities/helsinki/route?from=24.9%2C60.1&to=osm%3Anode%2F7&profile=adult");
  });

  it("raises ApiError naming the field and the problem", async () => {
    const problem = {
      status: 422,
      title: "Unprocessable Content",
      detail: "bbox: bad",
      errors: [{ field: "query.bbox", problem: "bbox: '1,2' is not 'west,south,east,north' in degrees" }],
    };
    const { fetch } = recorder([json(problem, 422), new Response("oops", { status: 502, statusText: "Bad Gateway" })]);
    const client = createClient({ fetch });
    const error = await client.network("helsinki", [1, 2, 3, 4]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(422);
    expect((error as ApiError).message).toBe("query.bbox: bbox: '1,2' is not 'west,south,east,north' in degrees");
    const plain = await client.cities().catch((e: unknown) => e);
    expect((plain as ApiError).status).toBe(502);
    expect((plain as ApiError).message).toBe("502 Bad Gateway");
  });
});
