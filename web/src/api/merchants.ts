// The merchants' console's routes of /api/v1: typed functions on the same conventions as
// the residents' client, through its one request path (`requester`).
import { type ClientOptions, query, requester, uidPath } from "./client";
import type {
  Batch,
  BatchCreate,
  CouponCreate,
  CouponStatus,
  ExpiryList,
  NotificationPage,
  OfferCreate,
  OwnedPlace,
  OwnerCoupon,
  PriceHistory,
  PriceItem,
  PriceItemCreate,
  PriceItemUpdate,
  Redemption,
  ShopPage,
  ShopRedemptions,
  ShopUpdate,
} from "./merchants-types";

export function createMerchantClient(options: ClientOptions = {}) {
  const request = requester(options);
  const json = <T>(method: string, path: string, body?: unknown): Promise<T> =>
    request.json<T>(method, path, { json: body });

  const shop = (placeId: number) => `/shops/${placeId}`;

  return {
    myPlaces: () => json<OwnedPlace[]>("GET", "/users/me/places"),
    shopPage: (city: string, uid: string) =>
      json<ShopPage>("GET", `/cities/${encodeURIComponent(city)}/places/${uidPath(uid)}`),
    updateShop: (placeId: number, change: ShopUpdate) => json<ShopPage>("PATCH", shop(placeId), change),

    prices: (placeId: number, withdrawn = false) =>
      json<PriceItem[]>("GET", `${shop(placeId)}/prices${query({ withdrawn: withdrawn || undefined })}`),
    publishPrice: (placeId: number, item: PriceItemCreate) =>
      json<PriceItem>("POST", `${shop(placeId)}/prices`, item),
    updatePrice: (placeId: number, itemId: number, change: PriceItemUpdate) =>
      json<PriceItem>("PATCH", `${shop(placeId)}/prices/${itemId}`, change),
    withdrawPrice: (placeId: number, itemId: number) =>
      json<void>("DELETE", `${shop(placeId)}/prices/${itemId}`),
    priceHistory: (city: string, uid: string, itemId: number) =>
      json<PriceHistory>(
        "GET",
        `/cities/${encodeURIComponent(city)}/places/${uidPath(uid)}/prices/${itemId}/history`,
      ),

    coupons: (placeId: number) => json<OwnerCoupon[]>("GET", `${shop(placeId)}/coupons`),
    createCoupon: (placeId: number, coupon: CouponCreate) =>
      json<OwnerCoupon>("POST", `${shop(placeId)}/coupons`, coupon),
    setCouponStatus: (placeId: number, couponId: number, status: CouponStatus) =>
      json<OwnerCoupon>("PATCH", `${shop(placeId)}/coupons/${couponId}`, { status }),

    redeem: (placeId: number, code: string, spentFen: number) =>
      json<Redemption>("POST", `${shop(placeId)}/redemptions`, { code, spent_fen: spentFen }),
    undoRedemption: (placeId: number, redemptionId: number) =>
      json<Redemption>("POST", `${shop(placeId)}/redemptions/${redemptionId}/undo`),
    redemptions: (placeId: number, p: { since?: string; until?: string; limit?: number; offset?: number } = {}) =>
      json<ShopRedemptions>("GET", `${shop(placeId)}/redemptions${query(p)}`),

    batches: (placeId: number, state?: string) =>
      json<Batch[]>("GET", `${shop(placeId)}/batches${query({ state })}`),
    recordBatch: (placeId: number, batch: BatchCreate) => json<Batch>("POST", `${shop(placeId)}/batches`, batch),
    closeBatch: (placeId: number, batchId: number, state: "sold" | "removed") =>
      json<Batch>("PATCH", `${shop(placeId)}/batches/${batchId}`, { state }),
    expiry: (placeId: number, date?: string) => json<ExpiryList>("GET", `${shop(placeId)}/expiry${query({ date })}`),
    publishOffer: (placeId: number, batchId: number, offer: OfferCreate) =>
      json<Batch>("POST", `${shop(placeId)}/batches/${batchId}/offer`, offer),

    notifications: (p: { unread?: boolean; limit?: number; offset?: number } = {}) =>
      json<NotificationPage>("GET", `/users/me/notifications${query(p)}`),
    markRead: (ids?: number[]) => json<{ marked: number }>("POST", "/users/me/notifications/read", ids ? { ids } : {}),
  };
}

export type MerchantClient = ReturnType<typeof createMerchantClient>;
