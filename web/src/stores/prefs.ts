// The resident's display preferences: language, larger text, the elderly walking profile.
import { defineStore } from "pinia";

export type Lang = "zh-CN" | "en";
const KEY = "lifecircle.prefs";

interface Prefs {
  lang: Lang;
  largeText: boolean;
  elderly: boolean;
}

function saved(): Partial<Prefs> {
  try {
    return JSON.parse(window.localStorage.getItem(KEY) ?? "{}") as Partial<Prefs>;
  } catch {
    return {};
  }
}

export const usePrefs = defineStore("prefs", {
  state: (): Prefs => ({ lang: "zh-CN", largeText: false, elderly: false, ...saved() }),
  getters: {
    profile: (state) => (state.elderly ? "elderly" : "adult") as "adult" | "elderly",
  },
  actions: {
    save() {
      window.localStorage.setItem(
        KEY,
        JSON.stringify({ lang: this.lang, largeText: this.largeText, elderly: this.elderly }),
      );
    },
  },
});
