// The city the resident's pages work in: their account's, else the one Near me uses
// (the first city the API lists).
import { api } from "@/api";
import { useNearby } from "@/stores/nearby";
import { useSession } from "@/stores/session";

export async function residentCity(): Promise<string | null> {
  const session = useSession();
  if (session.user?.city) return session.user.city;
  const nearby = useNearby();
  if (!nearby.city) await nearby.loadCity(api);
  return nearby.city;
}

/** A message from whatever was thrown. */
export function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
