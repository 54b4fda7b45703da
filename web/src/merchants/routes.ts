// The merchants' console's pages under /app/merchant/ (each loaded when first opened).
import type { RouteRecordRaw } from "vue-router";

export const merchantRoutes: RouteRecordRaw[] = [
  { path: "", redirect: "/app/merchant/shop" },
  { path: "shop", name: "merchant-shop", component: () => import("./MyShop.vue") },
  { path: "prices", name: "merchant-prices", component: () => import("./PricesView.vue") },
  { path: "coupons", name: "merchant-coupons", component: () => import("./CouponsView.vue") },
  { path: "redeem", name: "merchant-redeem", component: () => import("./RedeemView.vue") },
  { path: "batches", name: "merchant-batches", component: () => import("./BatchesView.vue") },
  { path: "notifications", name: "merchant-notifications", component: () => import("./NotificationsView.vue") },
];
