// vue-i18n: Chinese (zh-CN) first, English available; Vant's own texts follow the choice.
import { Locale, type OverlayProps } from "vant";
import enUS from "vant/es/locale/lang/en-US";
import zhCN from "vant/es/locale/lang/zh-CN";
import { createI18n } from "vue-i18n";

import en from "./en";
import hoursEn from "./hours.en";
import hoursZh from "./hours.zh-CN";
import jointEn from "./joint.en";
import jointZh from "./joint.zh-CN";
import officialsEn from "./officials.en";
import officialsVoiceEn from "./officials-voice.en";
import officialsVoiceZh from "./officials-voice.zh-CN";
import officialsZh from "./officials.zh-CN";
import merchantsEn from "./merchants.en";
import merchantsZh from "./merchants.zh-CN";
import voiceEn from "./residents-voice.en";
import voiceZh from "./residents-voice.zh-CN";
import planningEn from "./planning.en";
import planningZh from "./planning.zh-CN";
import zh from "./zh-CN";

export type Lang = "zh-CN" | "en";

export const i18n = createI18n({
  legacy: false,
  locale: "zh-CN",
  fallbackLocale: "zh-CN",
  messages: {
    "zh-CN": { ...zh, officials: { ...officialsZh, planning: planningZh, hours: hoursZh, joint: jointZh }, merchant: merchantsZh, voice: voiceZh, ovoice: officialsVoiceZh },
    en: { ...en, officials: { ...officialsEn, planning: planningEn, hours: hoursEn, joint: jointEn }, merchant: merchantsEn, voice: voiceEn, ovoice: officialsVoiceEn },
  },
});

export function setLang(lang: Lang) {
  i18n.global.locale.value = lang;
  document.documentElement.lang = lang;
  Locale.use(lang === "en" ? "en-US" : "zh-CN", lang === "en" ? enUS : zhCN);
}

/** Yuan from integer fen, exactly (no floating point): 1250 -> "12.50". */
export function yuan(fen: number): string {
  const sign = fen < 0 ? "-" : "";
  const abs = Math.abs(Math.trunc(fen));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/**
 * Props that name a popup's overlay (Vant makes it a button that closes the popup, and
 * passes extra props on to its element; its type does not list aria-label).
 */
export function overlayLabel(label: string): Partial<OverlayProps> {
  return { "aria-label": label } as unknown as Partial<OverlayProps>;
}
