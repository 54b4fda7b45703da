// Officials' console: joint plans (一点多用) — the plan job's switch, a stored plan's sites
// (map and table) and the comparison.
const en = {
  switch: "Joint sites (一点多用)",
  switchHint: "Plan the categories with gaps together: one new unit may host an allowed combination (the packaged table), closing every gap",
  unitsPerSite: "Units per site at most",
  noLimit: "no limit",
  heading: "Plan #{id}",
  headingJoint: "Joint plan #{id} (一点多用)",
  mapLabel: "Map of the plan's new sites: {count} points",
  summary: "{units} joint units vs {sites} sites by per-category plans ({saved} fewer)",
  method: "Method: {solver}; bound: {bound}; gap: {gap}",
  optimal: "proven optimal",
  rank: "#",
  site: "Site",
  hosts: "Categories hosted",
  closes: "Communities whose gaps it closes",
  category: "Category",
  newly: "Newly covered residents",
  none: "No new site is needed",
  more: " … ({count} in all)",
  loading: "Reading the plan…",
  unit: "Unit {unit}",
  closingHere: "Closes here",
  jointPlan: "The latest plan is a joint plan (一点多用): one row per unit, tagged with the categories it hosts.",
};

export default en;
