// A stored plan shaped for the console: a per-category plan's sites, or a joint plan's
// (一点多用) units with the categories each hosts and the communities it closes, and the
// summary "N joint units vs M sites by per-category plans" (method, bound, gap).
import type { PlannedSite } from "@/api/officials-types";
import type { JointSummary, PlanDocument } from "@/api/plans-types";

export interface Named {
  code: string;
  label: string;
}

/** One row of the plan's table and one marker of its map. */
export interface PlanRow {
  rank: number;
  id: string;
  lon: number;
  lat: number;
  /** The categories it hosts (a per-category site: its one category). */
  hosts: Named[];
  /** The communities whose gaps it closes (any category it hosts), the most served first. */
  closes: Named[];
  /** Per category it hosts, the communities it closes (a per-category site: its own). */
  closesBy: { category: Named; communities: Named[] }[];
}

export type NameOf = (code: string) => string;

export const isJoint = (doc: PlanDocument | null | undefined): boolean => Boolean(doc?.joint && doc.units);

/** The names of the plan's communities (`code` when the document has none). */
export function communityNames(doc: PlanDocument): NameOf {
  const names = new Map(doc.communities.map((c) => [c.code, c.name || c.code]));
  return (code) => names.get(code) ?? code;
}

function union(lists: string[][]): string[] {
  const seen = new Set<string>();
  for (const list of lists) for (const code of list) seen.add(code);
  return [...seen];
}

/** The rows of a plan: a joint plan's units, or a per-category plan's sites. */
export function planRows(doc: PlanDocument, category: NameOf, community: NameOf = communityNames(doc)): PlanRow[] {
  const named = (name: NameOf) => (code: string): Named => ({ code, label: name(code) });
  if (isJoint(doc)) {
    return (doc.units ?? []).map((u) => ({
      rank: u.rank,
      id: u.id,
      lon: u.lon,
      lat: u.lat,
      hosts: u.hosts.map(named(category)),
      closes: union(u.hosts.map((c) => u.closes[c] ?? [])).map(named(community)),
      closesBy: u.hosts.map((c) => ({ category: named(category)(c), communities: (u.closes[c] ?? []).map(named(community)) })),
    }));
  }
  return doc.sites.map((s) => ({
    rank: s.rank,
    id: s.id,
    lon: s.lon,
    lat: s.lat,
    hosts: [named(category)(s.category)],
    closes: s.communities.map(named(community)),
    closesBy: [{ category: named(category)(s.category), communities: s.communities.map(named(community)) }],
  }));
}

/** A gap as a percentage ("0.0%" when optimal, "—" when not known). */
export function gapText(summary: Pick<JointSummary, "gap" | "optimal">): string {
  if (summary.optimal) return "0.0%";
  return summary.gap === null || summary.gap === undefined ? "—" : `${(summary.gap * 100).toFixed(1)}%`;
}

/** The bound as a number of units ("—" when the method proves none). */
export function boundText(bound: number | null | undefined): string {
  if (bound === null || bound === undefined) return "—";
  return Number.isInteger(bound) ? String(bound) : bound.toFixed(2);
}

/** A community card's joint units: the entries of one unit closing this community's gaps, merged. */
export interface CommunityUnit {
  unit: number;
  id: string;
  hosts: string[];
  /** The categories whose gap here it closes, and the residents it newly reaches for them. */
  closing: string[];
  newly: number;
}

export function communityUnits(sites: PlannedSite[]): CommunityUnit[] {
  const units = new Map<number, CommunityUnit>();
  for (const s of sites) {
    if (s.unit === null || s.unit === undefined) continue;
    const found = units.get(s.unit) ?? { unit: s.unit, id: s.id, hosts: s.hosts ?? [s.category], closing: [], newly: 0 };
    found.closing.push(s.category);
    found.newly += s.newly_covered_population ?? 0;
    units.set(s.unit, found);
  }
  return [...units.values()].sort((a, b) => a.unit - b.unit);
}

/** The parameters of the Jobs page's plan job: the best `k` per category, or a joint plan. */
export function planJobParameters(
  group: "basic" | "quality",
  k: number,
  joint: boolean,
  unitsPerSite?: number | null,
): Record<string, unknown> {
  if (!joint) return { categories: [group], mode: "max", k };
  const limit = unitsPerSite === null || unitsPerSite === undefined ? {} : { units_per_site: unitsPerSite };
  return { categories: [group], joint: true, ...limit };
}
