// The merchant's shops: the first by default, the chosen one kept across reloads, another
// merchant's id never chosen.
import { createPinia, setActivePinia } from "pinia";
import { beforeEach, describe, expect, it } from "vitest";

import { createMerchantClient } from "@/api/merchants";
import { useMerchant } from "@/merchants/store";

const shops = [
  { id: 17, uid: "osm:node/1", city: "helsinki", name: "A", lon: 0, lat: 0, categories: [], since: "" },
  { id: 21, uid: "merchant:4", city: "helsinki", name: "B", lon: 0, lat: 0, categories: [], since: "" },
];
const answering = (status: number, body: unknown) =>
  createMerchantClient({
    fetch: (async () =>
      new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } })) as typeof fetch,
  });

describe("useMerchant", () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    window.localStorage.clear();
  });

  it("picks the first shop, then keeps the one chosen", async () => {
    const store = useMerchant();
    await store.load(answering(200, shops));
    expect(store.current?.id).toBe(17);
    store.choose(21);
    store.choose(999); // not theirs: ignored
    expect(store.currentId).toBe(21);
    setActivePinia(createPinia());
    const again = useMerchant();
    await again.load(answering(200, shops));
    expect(again.current?.name).toBe("B");
  });

  it("says why when the shops cannot be read", async () => {
    const store = useMerchant();
    await store.load(answering(403, { status: 403, title: "Forbidden", detail: "merchants only", errors: [] }));
    expect(store.shops).toEqual([]);
    expect(store.current).toBeNull();
    expect(store.error).toBe("merchants only");
    expect(store.loaded).toBe(true);
  });
});
