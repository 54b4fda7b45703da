// The residents' voice client: the URLs, methods and bodies it sends, a home not set as
// null (the API's 404), and a second survey answer's 409 as an ApiError.
import { describe, expect, it } from "vitest";

import { ApiError } from "@/api/client";
import { createVoiceClient } from "@/api/residents-voice";

import { json } from "../fetch";

interface Sent {
  url: string;
  method: string;
  body: unknown;
  auth: string | undefined;
}

function recorder(answers: Response[]) {
  const sent: Sent[] = [];
  const fetch = async (url: RequestInfo | URL, init?: RequestInit) => {
    const headers = (init?.headers ?? {}) as Record<string, string>;
    sent.push({
      url: String(url),
      method: init?.method ?? "GET",
      body: init?.body ? JSON.parse(String(init.body)) : undefined,
      auth: headers.Authorization,
    });
    const next = answers.shift();
    if (!next) throw new Error("no answer left");
    return next;
  };
  return { sent, client: createVoiceClient({ fetch: fetch as typeof globalThis.fetch, token: () => "tok" }) };
}

const problem = (status: number, detail: string, field: string | null = null) =>
  json({ status, title: "", detail, errors: [{ field, problem: detail }] }, status);

describe("createVoiceClient", () => {
  it("lists the city's surveys and answers one with the resident's token", async () => {
    const { sent, client } = recorder([json([]), json({ id: 1, survey_id: 7, community_code: "c1", submitted_at: "" }, 201)]);
    await client.surveys("shen zhen");
    const receipt = await client.answer(7, { satisfaction: 4, wanted: ["早餐店"] });
    expect(sent[0]).toMatchObject({ url: "/api/v1/cities/shen%20zhen/surveys", method: "GET", auth: "Bearer tok" });
    expect(sent[1]).toMatchObject({
      url: "/api/v1/surveys/7/answers",
      method: "POST",
      body: { answers: { satisfaction: 4, wanted: ["早餐店"] } },
    });
    expect(receipt.community_code).toBe("c1");
  });

  it("sends a chosen community with the answer, and a second answer is a 409", async () => {
    const { sent, client } = recorder([problem(409, "you have answered this survey already", "survey_id")]);
    const error = await client.answer(7, { satisfaction: 5 }, "440304001").catch((e: unknown) => e);
    expect(sent[0].body).toEqual({ answers: { satisfaction: 5 }, community: "440304001" });
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(409);
    expect((error as ApiError).message).toBe("survey_id: you have answered this survey already");
  });

  it("reports a missing service at a point", async () => {
    const { sent, client } = recorder([json({ id: 3, community_code: null }, 201)]);
    await client.reportMissing("helsinki", { category: "breakfast", lon: 24.9, lat: 60.1, crs: "wgs84", note: "无早餐" });
    expect(sent[0]).toMatchObject({
      url: "/api/v1/cities/helsinki/feedback",
      method: "POST",
      body: { category: "breakfast", lon: 24.9, lat: 60.1, crs: "wgs84", note: "无早餐" },
    });
  });

  it("files a complaint about a place whose uid keeps its slash, and reads one's own", async () => {
    const { sent, client } = recorder([json({ id: 1 }, 201), json({ total: 0, items: [] })]);
    await client.complain("helsinki", "osm:node/42", "no_price_tags", "没有价签");
    await client.myComplaints();
    expect(sent[0]).toMatchObject({
      url: "/api/v1/cities/helsinki/places/osm%3Anode/42/complaints",
      method: "POST",
      body: { kind: "no_price_tags", description: "没有价签" },
    });
    expect(sent[1]).toMatchObject({ url: "/api/v1/users/me/complaints", method: "GET" });
  });

  it("reads the home (null when none is set, without asking for it), sets and forgets it", async () => {
    const home = { city: "helsinki", lon: 24.9, lat: 60.1, crs: "wgs84", community_code: "89", community_name: null, updated_at: "" };
    const { sent, client } = recorder([
      json({ id: 1, has_home: false }),
      json(home),
      json({ id: 1, has_home: true }),
      json(home),
      new Response(null, { status: 204 }),
      problem(401, "not signed in"),
    ]);
    expect(await client.home()).toBeNull();
    expect(await client.setHome({ city: "helsinki", lon: 24.9, lat: 60.1, crs: "wgs84" })).toEqual(home);
    expect(await client.home()).toEqual(home);
    await client.forgetHome();
    await expect(client.home()).rejects.toMatchObject({ status: 401 }); // only "none" is null
    expect(sent.map((s) => `${s.method} ${s.url}`)).toEqual([
      "GET /api/v1/users/me",
      "PUT /api/v1/users/me/home",
      "GET /api/v1/users/me",
      "GET /api/v1/users/me/home",
      "DELETE /api/v1/users/me/home",
      "GET /api/v1/users/me",
    ]);
    expect(sent[1].body).toEqual({ city: "helsinki", lon: 24.9, lat: 60.1, crs: "wgs84" });
  });

  it("asks for a price's history and a place's integrity", async () => {
    const { sent, client } = recorder([json({ periods: [] }), json({ grade: "A" })]);
    await client.priceHistory("helsinki", "osm:way/5", 12);
    await client.integrity("helsinki", "osm:way/5");
    expect(sent.map((s) => s.url)).toEqual([
      "/api/v1/cities/helsinki/places/osm%3Away/5/prices/12/history",
      "/api/v1/cities/helsinki/places/osm%3Away/5/integrity",
    ]);
  });
});
