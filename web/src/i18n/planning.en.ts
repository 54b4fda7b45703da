// The officials' planning pages in English: the same keys as planning.zh-CN.ts.
import type zh from "./planning.zh-CN";

const en: typeof zh = {
  nav: "What-if",
  trend: {
    heading: "Trend across assessments",
    label: "Line chart of the basic-complete share of communities and F15 across assessment runs",
    complete: "Basic-complete communities",
    f15: "F15 (every basic category within 15 min)",
    none: "No assessment yet",
  },
  whatIf: {
    heading: "What-if: add, move or remove a shop",
    mode: "Change",
    modeAdd: "Add a proposed shop",
    modeExisting: "Move or remove an existing one",
    category: "Category",
    chooseCategory: "Choose a category first",
    lon: "Longitude (WGS-84)",
    lat: "Latitude (WGS-84)",
    badLon: "Longitude must be a number from -180 to 180",
    badLat: "Latitude must be a number from -90 to 90",
    add: "Add and compute",
    hintAdd: "Click the map to add a proposed shop, drag the red marker to move it; or type its position above.",
    hintExisting: "Click the map to list the places nearby; drag a blue marker to move it, or pick one to remove.",
    mapLabel: "Map of communities coloured by basic coverage: click to add or pick a shop",
    proposed: "Proposed shop",
    place: "Places nearby",
    remove: "Remove the chosen place",
    result: "Effect",
    loading: "Computing…",
    cityComplete: "Communities with full basic coverage in the city",
    affected: "{points} resident points and {communities} communities re-scored in {seconds} s",
    coverage: "Coverage that changed (before → after)",
    basic: "Basic coverage",
    complete: "Basic complete",
    unchanged: "No community's coverage changed",
    noRun: "No assessment to start from: {reason}",
  },
  exports: {
    heading: "Export a report",
    formats: "Formats",
    start: "Make the report",
    files: "Report files",
    download: "Download {name}",
    bytes: "{size} KB",
  },
};

export default en;
