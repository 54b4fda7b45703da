// Who is signed in: the token (kept in localStorage) and the account.
import { defineStore } from "pinia";

import type { Client } from "@/api/client";
import type { User } from "@/api/types";

export interface TokenStore {
  get(): string | null;
  set(token: string | null): void;
}

export const useSession = defineStore("session", {
  state: () => ({ user: null as User | null, token: null as string | null, sheetOpen: false }),
  getters: {
    signedIn: (state) => state.token !== null,
  },
  actions: {
    /** Read the saved token and the account it belongs to (a stale token is forgotten). */
    async restore(client: Client, tokens: TokenStore) {
      this.token = tokens.get();
      if (!this.token) return;
      try {
        this.user = await client.me();
      } catch {
        this.token = null;
        this.user = null;
        tokens.set(null);
      }
    },
    async login(client: Client, tokens: TokenStore, username: string, password: string) {
      const answer = await client.login(username, password);
      this.token = answer.access_token;
      this.user = answer.user;
      tokens.set(answer.access_token);
      this.sheetOpen = false;
    },
    async register(
      client: Client,
      tokens: TokenStore,
      username: string,
      password: string,
      city: string | null,
    ) {
      await client.register(username, password, city);
      await this.login(client, tokens, username, password);
    },
    async logout(client: Client, tokens: TokenStore) {
      try {
        if (this.token) await client.logout();
      } finally {
        this.token = null;
        this.user = null;
        tokens.set(null);
      }
    },
  },
});
