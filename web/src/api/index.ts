// The application's client: the signed-in user's token from the session store.
import { createClient } from "./client";

const TOKEN_KEY = "lifecircle.token";

export const tokenStorage = {
  get: (): string | null => window.localStorage.getItem(TOKEN_KEY),
  set: (token: string | null) =>
    token ? window.localStorage.setItem(TOKEN_KEY, token) : window.localStorage.removeItem(TOKEN_KEY),
};

export const api = createClient({ token: tokenStorage.get });
