// A campaign's status moves as the console offers them: draft → open ⇄ paused → closed.
// Pausing, resuming and ending ask for a confirmation (each tells the shops).
import type { CampaignShop, CampaignStatus } from "@/api/officials-voice-types";

export type CampaignMove = "open" | "pause" | "resume" | "close";

export interface MoveSpec {
  move: CampaignMove;
  /** The status the PATCH sends. */
  status: Exclude<CampaignStatus, "draft">;
  /** The i18n key of the confirmation, or null for none. */
  confirm: string | null;
  primary: boolean;
}

const SPECS: Record<CampaignMove, MoveSpec> = {
  open: { move: "open", status: "open", confirm: null, primary: true },
  pause: { move: "pause", status: "paused", confirm: "ovoice.campaigns.pauseConfirm", primary: false },
  resume: { move: "resume", status: "open", confirm: "ovoice.campaigns.resumeConfirm", primary: true },
  close: { move: "close", status: "closed", confirm: "ovoice.campaigns.closeConfirm", primary: false },
};

/** The moves a campaign in `status` allows, in the order the buttons show them. */
export function movesOf(status: CampaignStatus): MoveSpec[] {
  const moves: Record<CampaignStatus, CampaignMove[]> = {
    draft: ["open", "close"],
    open: ["pause", "close"],
    paused: ["resume", "close"],
    closed: [],
  };
  return moves[status].map((m) => SPECS[m]);
}

/** Whether shops may be enrolled (a closed campaign takes none). */
export function takesShops(status: CampaignStatus): boolean {
  return status !== "closed";
}

/** Search results without the shops already enrolled (they are listed above them). */
export function addable(found: CampaignShop[], enrolled: CampaignShop[]): CampaignShop[] {
  const inside = new Set(enrolled.map((s) => s.place_id));
  return found.filter((s) => !s.enrolled && !inside.has(s.place_id));
}

/** A shop's label: its name, or its place id when it has none. */
export function shopLabel(shop: CampaignShop): string {
  return shop.name?.trim() || `#${shop.place_id}`;
}
