// The console's client: URLs, methods, bodies and the bearer token; the API's problems as
// errors naming the field (a recording fetch answers as the API does).
import { describe, expect, it } from "vitest";

import { ApiError } from "@/api/client";
import { createMerchantClient } from "@/api/merchants";

import { json, recorder } from "../fetch";

describe("createMerchantClient", () => {
  it("publishes a price as yuan text and withdraws it", async () => {
    const { sent, fetch } = recorder([json({ id: 3 }, 201), new Response(null, { status: 204 })]);
    const client = createMerchantClient({ fetch, token: () => "m-tok" });
    await client.publishPrice(17, { name: "鸡蛋", spec: "500g", price_yuan: "6.50" });
    expect(sent[0].url).toBe("/api/v1/shops/17/prices");
    expect(sent[0].init.method).toBe("POST");
    expect(JSON.parse(String(sent[0].init.body))).toEqual({ name: "鸡蛋", spec: "500g", price_yuan: "6.50" });
    expect((sent[0].init.headers as Record<string, string>).Authorization).toBe("Bearer m-tok");
    expect(await client.withdrawPrice(17, 3)).toBeUndefined();
    expect(sent[1]).toMatchObject({ url: "/api/v1/shops/17/prices/3", init: { method: "DELETE" } });
  });

  it("asks for a price's history by the place's uid, slashes kept", async () => {
    const { sent, fetch } = recorder([json({ periods: [] })]);
    await createMerchantClient({ fetch }).priceHistory("shenzhen", "osm:node/123", 5);
    expect(sent[0].url).toBe("/api/v1/cities/shenzhen/places/osm%3Anode/123/prices/5/history");
  });

  it("redeems, undoes and lists today's redemptions", async () => {
    const { sent, fetch } = recorder([json({ id: 9 }, 201), json({ id: 9 }), json({ totals: {} })]);
    const client = createMerchantClient({ fetch });
    await client.redeem(17, "123456789012", 5830);
    expect(JSON.parse(String(sent[0].init.body))).toEqual({ code: "123456789012", spent_fen: 5830 });
    await client.undoRedemption(17, 9);
    expect(sent[1]).toMatchObject({ url: "/api/v1/shops/17/redemptions/9/undo", init: { method: "POST" } });
    await client.redemptions(17, { limit: 200 });
    expect(sent[2].url).toBe("/api/v1/shops/17/redemptions?limit=200");
  });

  it("records batches, reads the day's list, publishes an offer, marks sold", async () => {
    const { sent, fetch } = recorder([json({}), json({}), json({}), json({}), json({ marked: 2 })]);
    const client = createMerchantClient({ fetch });
    await client.recordBatch(17, { product: "鲜牛奶", quantity: 6, expiry_date: "2025-05-03" });
    await client.expiry(17, "2025-05-01");
    await client.publishOffer(17, 4, { regular_price_fen: 1290, discount_pct: 30 });
    await client.closeBatch(17, 4, "sold");
    await client.markRead([1, 2]);
    expect(sent.map((s) => `${s.init.method} ${s.url}`)).toEqual([
      "POST /api/v1/shops/17/batches",
      "GET /api/v1/shops/17/expiry?date=2025-05-01",
      "POST /api/v1/shops/17/batches/4/offer",
      "PATCH /api/v1/shops/17/batches/4",
      "POST /api/v1/users/me/notifications/read",
    ]);
    expect(JSON.parse(String(sent[3].init.body))).toEqual({ state: "sold" });
    expect(JSON.parse(String(sent[4].init.body))).toEqual({ ids: [1, 2] });
  });

  it("turns a problem into an ApiError naming the field", async () => {
    const problem = { status: 422, title: "Unprocessable", detail: "bad", errors: [{ field: "body.code", problem: "wrong check digit" }] };
    const { fetch } = recorder([json(problem, 422)]);
    const error = await createMerchantClient({ fetch }).redeem(17, "123456789013", 100).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(422);
    expect((error as ApiError).message).toBe("body.code: wrong check digit");
  });
});
