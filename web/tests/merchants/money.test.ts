// The till's arithmetic: yuan text to fen exactly, the code's Luhn check digit, the weekly
// hours form, and the coupon form turned into the API's body.
import { describe, expect, it } from "vitest";

import { couponBody, type CouponForm } from "@/merchants/coupon-rule";
import { codeProblem, fenFromYuan, groupCode, luhnValid, osmFromWeekly, parseSpans, weeklyFromForm } from "@/merchants/money";
import { awareShanghai, shanghaiToday, shownTime } from "@/merchants/time";

/** The one check digit that makes 11 digits a valid Luhn code (found by trying all ten). */
function withCheck(eleven: string): string {
  const valid = [..."0123456789"].map((d) => eleven + d).filter(luhnValid);
  expect(valid).toHaveLength(1);
  return valid[0];
}

describe("fenFromYuan", () => {
  it("reads yuan digit by digit, never through a float", () => {
    expect(fenFromYuan("6.5")).toBe(650);
    expect(fenFromYuan("6.50")).toBe(650);
    expect(fenFromYuan(" 12 ")).toBe(1200);
    expect(fenFromYuan("0.10")! + fenFromYuan("0.20")!).toBe(30);
    expect(fenFromYuan("0.07")).toBe(7);
    expect(fenFromYuan("1.005")).toBeNull();
    expect(fenFromYuan("-1")).toBeNull();
    expect(fenFromYuan("1e3")).toBeNull();
    expect(fenFromYuan("")).toBeNull();
    expect(fenFromYuan("1,000")).toBeNull();
  });
});

describe("codes", () => {
  it("checks the Luhn digit as the API makes it", () => {
    expect(luhnValid("79927398713")).toBe(true); // the textbook example
    expect(luhnValid("79927398710")).toBe(false);
    const code = withCheck("12345678901");
    expect(codeProblem(code)).toBeNull();
    expect(codeProblem(groupCode(code))).toBeNull();
    expect(groupCode(code)).toMatch(/^\d{4} \d{4} \d{4}$/);
    const wrong = code.slice(0, 11) + String((Number(code[11]) + 1) % 10);
    expect(codeProblem(wrong)).toBe("check");
    // a swap of two neighbouring digits (the commonest slip) is caught too, unless equal
    const swapped = code[1] + code[0] + code.slice(2);
    if (code[0] !== code[1] && Math.abs(Number(code[0]) - Number(code[1])) !== 9) expect(codeProblem(swapped)).toBe("check");
    expect(codeProblem(code.slice(0, 11))).toBe("length");
    expect(codeProblem("12345678901a")).toBe("digits");
  });
});

describe("opening hours", () => {
  it("reads spans and names the days that are wrong", () => {
    expect(parseSpans("08:00-12:00, 13:00-18:00")).toEqual(["08:00-12:00", "13:00-18:00"]);
    expect(parseSpans("08:00-12:00，13:00-24:00")).toEqual(["08:00-12:00", "13:00-24:00"]);
    expect(parseSpans("")).toEqual([]);
    expect(parseSpans("8-12")).toBeNull();
    const form = { mon: "08:00-12:00", tue: "", wed: "25:00-26:00", thu: "", fri: "", sat: "09:00-21:00", sun: "" };
    const { weekly, bad } = weeklyFromForm(form);
    expect(bad).toEqual(["wed"]);
    expect(weekly).toEqual({ mon: ["08:00-12:00"], sat: ["09:00-21:00"] });
    expect(osmFromWeekly(weekly)).toBe("Mo 08:00-12:00; Sa 09:00-21:00");
  });
});

describe("times", () => {
  it("shows the API's +08:00 times and today in Shanghai", () => {
    expect(shownTime("2025-05-01T09:30:00+08:00")).toBe("2025-05-01 09:30");
    expect(shownTime("2025-05-01T20:00:00+00:00")).toBe("2025-05-02 04:00");
    expect(shanghaiToday(new Date("2025-05-01T16:30:00Z"))).toBe("2025-05-02");
    expect(awareShanghai(new Date(2025, 4, 1, 9, 5))).toBe("2025-05-01T09:05:00+08:00");
  });
});

describe("couponBody", () => {
  const base = (): CouponForm => ({
    title: " 满50减10 ",
    description: "",
    kind: "threshold",
    amountOff: "10",
    percentOff: 10,
    maxDiscount: "",
    minSpend: "50",
    quantity: 100,
    perPerson: 1,
    validity: [new Date(2025, 4, 1, 0, 0), new Date(2025, 4, 31, 23, 59)],
  });
  it("makes 满50减10 in fen", () => {
    const made = couponBody(base());
    expect(made).toEqual({
      body: {
        title: "满50减10",
        description: "",
        kind: "threshold",
        quantity: 100,
        per_person_limit: 1,
        valid_from: "2025-05-01T00:00:00+08:00",
        valid_until: "2025-05-31T23:59:00+08:00",
        min_spend_fen: 5000,
        amount_off_fen: 1000,
      },
    });
  });
  it("makes a percent coupon with a cap, and names a bad field", () => {
    const made = couponBody({ ...base(), kind: "percent", percentOff: 15, maxDiscount: "8.88", minSpend: "" });
    expect("body" in made && made.body).toMatchObject({ percent_off: 15, max_discount_fen: 888, min_spend_fen: 0 });
    expect(couponBody({ ...base(), minSpend: "" })).toEqual({ bad: "minSpend" });
    expect(couponBody({ ...base(), kind: "fixed", amountOff: "1.234" })).toEqual({ bad: "amountOff" });
    expect(couponBody({ ...base(), title: " " })).toEqual({ bad: "title" });
    expect(couponBody({ ...base(), validity: null })).toEqual({ bad: "validity" });
  });
});
