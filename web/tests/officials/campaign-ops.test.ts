// Campaign operations in the officials' console: the status moves offered (and which ask
// for a confirmation), the shops' search results, and the client's requests for pausing,
// listing, enrolling and removing shops.
import { describe, expect, it } from "vitest";

import { ApiError } from "@/api/client";
import { createVoiceClient } from "@/api/officials-voice";
import type { CampaignShop } from "@/api/officials-voice-types";
import { addable, movesOf, shopLabel, takesShops } from "@/officials/campaign-ops";

import { json, recorder } from "../fetch";

const shop = (place_id: number, enrolled = false, name: string | null = `店${place_id}`): CampaignShop => ({
  place_id,
  name,
  community_code: "440304001019",
  categories: [],
  enrolled,
});

describe("a campaign's status moves", () => {
  it("offers draft → open, open ⇄ paused, and ending until closed", () => {
    expect(movesOf("draft").map((m) => m.move)).toEqual(["open", "close"]);
    expect(movesOf("open").map((m) => [m.move, m.status])).toEqual([
      ["pause", "paused"],
      ["close", "closed"],
    ]);
    expect(movesOf("paused").map((m) => [m.move, m.status])).toEqual([
      ["resume", "open"],
      ["close", "closed"],
    ]);
    expect(movesOf("closed")).toEqual([]);
  });

  it("asks to confirm pausing, resuming and ending, not opening", () => {
    const confirms = Object.fromEntries(
      [...movesOf("draft"), ...movesOf("open"), ...movesOf("paused")].map((m) => [m.move, m.confirm]),
    );
    expect(confirms).toEqual({
      open: null,
      pause: "ovoice.campaigns.pauseConfirm",
      resume: "ovoice.campaigns.resumeConfirm",
      close: "ovoice.campaigns.closeConfirm",
    });
  });

  it("takes shops until closed", () => {
    expect(["draft", "open", "paused", "closed"].map((s) => takesShops(s as never))).toEqual([true, true, true, false]);
  });
});

describe("the shops' search", () => {
  it("leaves out the shops already enrolled", () => {
    const found = [shop(1, true), shop(2), shop(3)];
    expect(addable(found, [shop(3, true)]).map((s) => s.place_id)).toEqual([2]);
  });

  it("labels a shop by name, else by place id", () => {
    expect(shopLabel(shop(7))).toBe("店7");
    expect(shopLabel(shop(8, false, null))).toBe("#8");
    expect(shopLabel(shop(9, false, "  "))).toBe("#9");
  });
});

describe("the campaign client", () => {
  it("pauses, lists, enrols and removes shops with the routes of the API", async () => {
    const { sent, fetch } = recorder([
      json({}),
      json([]),
      json([shop(5, true)]),
      json({}),
      new Response(null, { status: 204 }),
    ]);
    const client = createVoiceClient({ fetch, token: () => "tok" });
    await client.setCampaignStatus(9, "paused");
    await client.campaignShops(9, { q: "便利 店" });
    const enrolled = await client.campaignShops(9, { enrolled: true });
    await client.enrolShop(9, 5);
    await client.removeShop(9, 5);
    expect(enrolled[0].enrolled).toBe(true);
    expect(sent.map((s) => `${s.init.method} ${s.url}`)).toEqual([
      "PATCH /api/v1/campaigns/9",
      "GET /api/v1/campaigns/9/shops?q=%E4%BE%BF%E5%88%A9+%E5%BA%97",
      "GET /api/v1/campaigns/9/shops?enrolled=true",
      "PUT /api/v1/campaigns/9/shops/5",
      "DELETE /api/v1/campaigns/9/shops/5",
    ]);
    expect(JSON.parse(String(sent[0].init.body))).toEqual({ status: "paused" });
  });

  it("turns the API's refusal of a shop into an error naming the field", async () => {
    const problem = {
      title: "Unprocessable",
      status: 422,
      detail: "the shop cannot join: the shop's community (440304001020) is outside the campaign's area",
      errors: [
        { field: "place_id", problem: "the shop cannot join: the shop's community (440304001020) is outside the campaign's area" },
      ],
    };
    const { fetch } = recorder([json(problem, 422)]);
    const client = createVoiceClient({ fetch, token: () => "tok" });
    const refused = await client.enrolShop(9, 6).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).status).toBe(422);
    expect((refused as ApiError).message).toMatch(/^place_id: .*440304001020/);
  });
});
