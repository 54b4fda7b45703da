// The redemption screen: a mistyped check digit is caught in the page (nothing sent); a
// good code with a spend in yuan is sent as exact fen and the discount and pay shown.
import { flushPromises, mount } from "@vue/test-utils";
import { createPinia, setActivePinia } from "pinia";
import { afterEach, describe, expect, it, vi } from "vitest";

import { i18n, setLang } from "@/i18n";
import { luhnValid } from "@/merchants/money";
import RedeemView from "@/merchants/RedeemView.vue";
import { useMerchant } from "@/merchants/store";

import { json } from "../fetch";

const code = [..."0123456789"].map((d) => "12345678901" + d).find(luhnValid)!;
const wrong = code.slice(0, 11) + String((Number(code[11]) + 1) % 10);
const noneToday = { place_id: 17, since: "", until: "", total_items: 0, items: [], totals: { count: 0, spent_fen: 0, discount_fen: 0, pay_fen: 0, undone: 0 } };

afterEach(() => vi.unstubAllGlobals());

describe("RedeemView", () => {
  it("checks the code, then sends the spend in fen and shows what is paid", async () => {
    const sent: { url: string; body: string }[] = [];
    const answers = [
      json(noneToday),
      json({ id: 5, claim_id: 2, coupon_id: 3, title: "满50减10", place_id: 17, spent_fen: 5830, discount_fen: 1000, pay_fen: 4830, redeemed_at: "2025-05-01T10:00:00+08:00", undo_until: "2999-01-01T00:00:00+08:00", undone_at: null }, 201),
      json({ ...noneToday, totals: { count: 1, spent_fen: 5830, discount_fen: 1000, pay_fen: 4830, undone: 0 } }),
    ];
    vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
      sent.push({ url, body: String(init.body ?? "") });
      return answers.shift()!;
    });
    setActivePinia(createPinia());
    const merchant = useMerchant();
    merchant.shops = [{ id: 17, uid: "osm:node/1", city: "helsinki", name: "A", lon: 0, lat: 0, categories: [], since: "" }];
    merchant.currentId = 17;
    setLang("zh-CN");
    const view = mount(RedeemView, { global: { plugins: [i18n] }, attachTo: document.body });
    await flushPromises();
    expect(sent.map((s) => s.url)).toEqual(["/api/v1/shops/17/redemptions?limit=200"]);

    await view.get("input[data-testid=redeem-code]").setValue(wrong);
    await view.get("input[data-testid=redeem-spent]").setValue("58.3");
    await view.get("form").trigger("submit");
    await flushPromises();
    // the code's field is in error (its message, 券码校验位不对, behind a transition)
    expect(view.get("label[for=r-code]").element.parentElement!.classList).toContain("is-error");
    expect(sent).toHaveLength(1);

    await view.get("input[data-testid=redeem-code]").setValue(`${code.slice(0, 4)} ${code.slice(4, 8)} ${code.slice(8)}`);
    await view.get("form").trigger("submit");
    await flushPromises();
    expect(sent[1].url).toBe("/api/v1/shops/17/redemptions");
    expect(JSON.parse(sent[1].body)).toEqual({ code, spent_fen: 5830 });
    expect(view.get("[data-testid=discount]").text()).toBe("−¥10.00");
    expect(view.get("[data-testid=pay]").text()).toBe("¥48.30");
    expect(view.find("[data-testid=undo]").exists()).toBe(true);
    expect(view.get("label[for=r-code]").element.parentElement!.classList).not.toContain("is-error");
    expect(view.get("[data-testid=totals]").text()).toContain("共 1 笔，消费 58.30 元，优惠 10.00 元，实收 48.30 元");
    view.unmount();
  });
});
