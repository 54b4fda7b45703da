// A coupon's rule in words, and the create form turned into the API's body (yuan text to
// fen exactly; the field named when one is not money).
import type { CouponCreate, CouponKind, OwnerCoupon } from "@/api/merchants-types";
import { yuan } from "@/i18n";

import { fenFromYuan } from "./money";
import { awareShanghai } from "./time";

type T = (key: string, values?: Record<string, unknown>) => string;

export function couponRule(c: Pick<OwnerCoupon, "kind" | "amount_off_fen" | "percent_off" | "max_discount_fen" | "min_spend_fen">, t: T): string {
  const min = c.min_spend_fen ? t("merchant.coupons.rule.min", { min: yuan(c.min_spend_fen) }) : "";
  if (c.kind === "percent") {
    const cap = c.max_discount_fen ? t("merchant.coupons.rule.cap", { cap: yuan(c.max_discount_fen) }) : "";
    return t("merchant.coupons.rule.percent", { pct: c.percent_off }) + cap + min;
  }
  if (c.kind === "threshold")
    return t("merchant.coupons.rule.threshold", { min: yuan(c.min_spend_fen), off: yuan(c.amount_off_fen ?? 0) });
  return t("merchant.coupons.rule.fixed", { off: yuan(c.amount_off_fen ?? 0) }) + min;
}

export interface CouponForm {
  title: string;
  description: string;
  kind: CouponKind;
  amountOff: string;
  percentOff: number;
  maxDiscount: string;
  minSpend: string;
  quantity: number;
  perPerson: number;
  validity: [Date, Date] | null;
}

/** The body to send, or the name of the first field that is wrong. */
export function couponBody(form: CouponForm): { body: CouponCreate } | { bad: keyof CouponForm } {
  const money = (text: string) => (text.trim() === "" ? null : fenFromYuan(text));
  if (!form.title.trim()) return { bad: "title" };
  if (!form.validity) return { bad: "validity" };
  const body: CouponCreate = {
    title: form.title.trim(),
    description: form.description.trim(),
    kind: form.kind,
    quantity: form.quantity,
    per_person_limit: form.perPerson,
    valid_from: awareShanghai(form.validity[0]),
    valid_until: awareShanghai(form.validity[1]),
  };
  const minSpend = money(form.minSpend);
  if (form.minSpend.trim() !== "" && minSpend === null) return { bad: "minSpend" };
  body.min_spend_fen = minSpend ?? 0;
  if (form.kind === "percent") {
    body.percent_off = form.percentOff;
    const cap = money(form.maxDiscount);
    if (form.maxDiscount.trim() !== "" && !cap) return { bad: "maxDiscount" };
    body.max_discount_fen = cap;
  } else {
    const off = money(form.amountOff);
    if (!off) return { bad: "amountOff" };
    body.amount_off_fen = off;
    if (form.kind === "threshold" && !body.min_spend_fen) return { bad: "minSpend" };
  }
  return { body };
}
