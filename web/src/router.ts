// Routes: the residents' pages under /app/ (the API process answers index.html there).
import { createRouter, createWebHistory, type RouteRecordRaw } from "vue-router";

import { merchantRoutes } from "@/merchants/routes";
import NearMe from "@/views/NearMe.vue";

export const routes: RouteRecordRaw[] = [
  { path: "/", redirect: "/app/near" },
  { path: "/app", redirect: "/app/near" },
  { path: "/app/near", name: "near", component: NearMe },
  {
    path: "/app/cities/:city/places/:uid+",
    name: "place",
    component: () => import("@/views/PlaceView.vue"),
  },
  { path: "/app/coupons", name: "coupons", component: () => import("@/views/MyCoupons.vue") },
  // the residents' voice: 我的, surveys, feedback, complaints, home (lazy pages)
  { path: "/app/me", name: "me", component: () => import("@/views/MeView.vue") },
  { path: "/app/me/home", name: "home", component: () => import("@/views/HomeView.vue") },
  { path: "/app/surveys", name: "surveys", component: () => import("@/views/SurveysView.vue") },
  { path: "/app/surveys/:id(\\d+)", name: "survey", component: () => import("@/views/SurveyView.vue") },
  { path: "/app/feedback", name: "feedback", component: () => import("@/views/FeedbackView.vue") },
  { path: "/app/complaints", name: "complaints", component: () => import("@/views/ComplaintsView.vue") },
  {
    path: "/app/complaints/new/:city/:uid+",
    name: "complaint-new",
    component: () => import("@/views/ComplaintForm.vue"),
  },
  {
    path: "/app/officials",
    component: () => import("@/officials/OfficialsLayout.vue"),
    meta: { console: "officials" },
    children: [
      { path: "", name: "officials", component: () => import("@/officials/DashboardView.vue") },
      { path: "communities/:code", name: "officials-community", component: () => import("@/officials/CommunityView.vue") },
      { path: "inbox", name: "officials-inbox", component: () => import("@/officials/InboxView.vue") },
      { path: "jobs", name: "officials-jobs", component: () => import("@/officials/JobsView.vue") },
      { path: "surveys", name: "officials-surveys", component: () => import("@/officials/SurveysView.vue") },
      { path: "surveys/:id", name: "officials-survey", component: () => import("@/officials/SurveyResultsView.vue") },
      { path: "consultations", name: "officials-consultations", component: () => import("@/officials/ConsultationsView.vue") },
      { path: "indicators", name: "officials-indicators", component: () => import("@/officials/IndicatorsView.vue") },
      { path: "campaigns", name: "officials-campaigns", component: () => import("@/officials/CampaignsView.vue") },
      { path: "what-if", name: "officials-what-if", component: () => import("@/officials/WhatIfView.vue") },
    ],
  },
  {
    path: "/app/merchant",
    component: () => import("@/merchants/MerchantLayout.vue"),
    meta: { console: true },
    children: merchantRoutes,
  },
  { path: "/:rest(.*)*", redirect: "/app/near" },
];

export function makeRouter() {
  return createRouter({ history: createWebHistory("/"), routes });
}
