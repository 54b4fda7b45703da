"""The self-contained HTML assessment report: one offline file, in Chinese or English."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import jinja2
import numpy as np
import shapely
from markupsafe import Markup, escape
from shapely.geometry import mapping

from lifecircle import __version__
from lifecircle.errors import DataError
from lifecircle.report.assets import inline_js, load_assets
from lifecircle.report.complaints import section_context
from lifecircle.report.hours import section_context as hours_context
from lifecircle.report.i18n import HTML_LANG, strings

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from shapely.geometry.base import BaseGeometry

    from lifecircle.report.assets import Assets

DASH = "—"
"""What a report shows for ``null`` (not known)."""

FONTS = (
    'system-ui, -apple-system, "Segoe UI", Roboto, '
    '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif'
)
"""The page's and the charts' fonts: the system's, with a CJK fallback."""

# ColorBrewer YlGnBu: share of basic categories whose coverage reaches the basic share
_BINS = ((0.5, "#ffffcc"), (0.75, "#c7e9b4"), (0.9, "#7fcdbb"), (1.0, "#41b6c4"))
_COMPLETE = "#225ea8"
_NO_RESIDENTS = "#d9d9d9"
_GROUP_COLORS = {"basic": "#2c7fb8", "quality": "#41ab5d", "facility": "#969696"}
_SITE_COLOR = "#d7301f"
_TARGET_COLOR = "#d7301f"


def _num(v: Any) -> bool:
    """Whether ``v`` is a finite number (``null`` and NaN are "not known")."""
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _val(v: Any, digits: int = 1) -> float | None:
    """A number for the charts' JSON: rounded, or ``None`` when not known."""
    return round(float(v), digits) if _num(v) else None


def _fmt(v: Any, digits: int = 0) -> str:
    return f"{v:,.{digits}f}" if _num(v) else DASH


def _pct(v: Any) -> str:
    """A share 0..1 as a percentage with one decimal, ``.0`` dropped: 0.899 → 89.9%."""
    if not _num(v):
        return DASH
    return f"{v * 100:.1f}".removesuffix(".0") + "%"


def _g(v: Any) -> str:
    """A parameter value, plainly: 4.0 → 4, 0.5 → 0.5."""
    if not _num(v):
        return DASH if v is None else str(v)
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.6g}"


def _date(text: Any) -> str:
    if not isinstance(text, str):
        return DASH
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return text
    zone = "" if when.utcoffset() is None else f" UTC{when:%z}"
    return f"{when:%Y-%m-%d %H:%M}" + (" UTC" if when.utcoffset() == timedelta(0) else zone)


def _json_script(obj: Any) -> Markup:
    """JSON for a ``<script type="application/json">`` block: no ``<``, ``>`` or ``&``."""
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    # \u003c instead of "<\/": also keeps "<!--" from opening a script comment state
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704 - JSON with markup characters escaped above


def _polygonal(code: str, geom: Any) -> BaseGeometry | None:
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type not in {"Polygon", "MultiPolygon"}:
        raise DataError(f"community {code}: boundary is a {geom.geom_type}, not a polygon")
    return geom


def _geojson(geom: BaseGeometry) -> dict[str, Any]:
    """GeoJSON geometry with coordinates rounded to 6 decimals (about 0.1 m)."""
    rounded = shapely.transform(geom, lambda xy: np.round(xy, 6))
    return json.loads(json.dumps(mapping(rounded)))  # type: ignore[no-any-return]


def _outline_svg(
    geom: BaseGeometry,
    sites: Sequence[tuple[float, float, str]],
    *,
    color: str,
    label: str,
    width: int = 200,
    height: int = 160,
) -> Markup:
    """A small inline SVG of one boundary (north up, lengths true) with sites as dots."""
    minx, miny, maxx, maxy = geom.bounds
    for lon, lat, _ in sites:
        minx, maxx, miny, maxy = min(minx, lon), max(maxx, lon), min(miny, lat), max(maxy, lat)
    kx = math.cos(math.radians((miny + maxy) / 2))
    pad = 8.0
    span_x, span_y = max((maxx - minx) * kx, 1e-9), max(maxy - miny, 1e-9)
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
    ox = (width - span_x * scale) / 2
    oy = (height - span_y * scale) / 2

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return ox + (lon - minx) * kx * scale, oy + (maxy - lat) * scale

    # half a pixel of simplification keeps 700 cards small
    simple = shapely.simplify(geom, 0.5 / scale, preserve_topology=True)
    rings = []
    for poly in shapely.get_parts(simple):
        for ring in (poly.exterior, *poly.interiors):
            pts = [xy(x, y) for x, y in ring.coords]
            rings.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in pts) + "Z")
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4"><title>{escape(text)}</title></circle>'
        for x, y, text in ((*xy(lon, lat), text) for lon, lat, text in sites)
    )
    return Markup(  # noqa: S704 - numbers, constants and escaped text only
        f'<svg class="outline" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(label)}">'
        f'<path d="{"".join(rings)}" fill="{color}" fill-rule="evenodd"/>'
        f'<g class="sites" fill="{_SITE_COLOR}">{dots}</g></svg>'
    )


class _Report:
    """Everything the template needs, built once from the two documents."""

    def __init__(
        self,
        doc: Mapping[str, Any],
        geometries: Mapping[str, Any],
        plan: Mapping[str, Any] | None,
        lang: str,
    ) -> None:
        self.t = strings(lang)
        self.lang = lang
        self.doc = doc
        self.run = doc.get("run") or {}
        self.params = self.run.get("parameters") or {}
        self.city = doc.get("city") or {}
        self.cats: list[dict[str, str]] = [
            {
                "code": str(c["code"]),
                "name": str(c.get(f"name_{lang}") or c.get("name_zh") or c["code"]),
                "group": str(c.get("group", "basic")),
            }
            for c in doc.get("categories") or []
        ]
        self.names = {c["code"]: c["name"] for c in self.cats}
        self.groups = {c["code"]: c["group"] for c in self.cats}
        self.basic_share = float(self.params.get("basic_share", 0.9))
        self.quality_share = float(self.params.get("quality_share", 0.5))
        # one location may be chosen for several categories under one id
        self.plan_sites: dict[str, list[Mapping[str, Any]]] = {}
        for site in (plan or {}).get("sites") or []:
            self.plan_sites.setdefault(str(site["id"]), []).append(site)
        self.plan_entries = {e["code"]: e for e in (plan or {}).get("communities") or []}
        self.geoms = {
            c["code"]: _polygonal(c["code"], geometries.get(c["code"]))
            for c in doc.get("communities") or []
        }

    # -- small labels ----------------------------------------------------------------

    def name(self, code: str) -> str:
        return self.names.get(code, code)

    def names_of(self, codes: Sequence[str] | None) -> list[str]:
        return [self.name(c) for c in codes or []]

    def label(self, kind: str, code: Any, zh: Any = None) -> str:
        """A circle type or grade label: the document's Chinese, or the i18n one."""
        if code is None:
            return DASH
        if self.lang == "zh" and zh:
            return str(zh)
        return self.t.get(f"{kind}_{code}", str(code))

    def group(self, code: str) -> str:
        return self.t.get(f"group_{code}", code)

    def threshold(self, code: str) -> float:
        return self.basic_share if self.groups.get(code) == "basic" else self.quality_share

    def cov_class(self, code: str, v: Any) -> str:
        if not _num(v):
            return "na"
        if v >= self.threshold(code):
            return "ok"
        return "bad" if v <= 0 else "weak"

    def met(self, flag: Any) -> dict[str, str]:
        if flag is None:
            return {"mark": DASH, "cls": "na", "title": self.t["no_data"]}
        return {
            "mark": "✓" if flag else "✗",
            "cls": "ok" if flag else "bad",
            "title": self.t["yes"] if flag else self.t["no"],
        }

    def status(self, flag: Any) -> str:
        """A target's status in words: met, not met or not evaluable (``null``)."""
        return self.t[{True: "target_met", False: "target_not_met"}.get(flag, "target_na")]

    def gini_note(self, city: Mapping[str, Any]) -> str:
        """Beside the Gini coefficient: over how many residents, or why it is not known."""
        known, least = _pct(city.get("known_share")), _pct(self.params.get("min_known_share"))
        if known == DASH:  # a document from before known shares
            return ""
        key = "gini_known" if _num(city.get("gini")) else "gini_unknown"
        return self.t[key].format(v=known, least=least)

    # -- per community ---------------------------------------------------------------

    def basic_reached(self, com: Mapping[str, Any]) -> float | None:
        """Share of basic categories whose coverage reaches the basic share."""
        cov = com.get("coverage") or {}
        values = [v for c, v in cov.items() if self.groups.get(c) == "basic"]
        if not values or not all(_num(v) for v in values):
            return None
        return float(sum(v >= self.basic_share for v in values)) / len(values)

    def color(self, com: Mapping[str, Any]) -> str:
        share = self.basic_reached(com)
        if share is None:
            return _NO_RESIDENTS
        if com.get("basic_complete") is True:
            return _COMPLETE
        return next((c for upper, c in _BINS if share < upper), _BINS[-1][1])

    def legend(self) -> list[dict[str, str]]:
        bounds = [0.0, *(b for b, _ in _BINS)]
        items = [
            {"color": c, "text": f"{_pct(lo)}–{_pct(hi)}"}
            for (lo, hi), (_, c) in zip(pairwise(bounds), _BINS, strict=True)
        ]
        items.append({"color": _COMPLETE, "text": f"100% {self.t['legend_complete']}"})
        items.append({"color": _NO_RESIDENTS, "text": self.t["legend_none"]})
        return items

    def has_gap(self, com: Mapping[str, Any]) -> bool:
        residents = _num(com.get("population")) and com["population"] > 0
        return bool(com.get("missing") or com.get("weak")) or (
            bool(residents) and com.get("basic_complete") is False
        )

    def sheet(self, code: str) -> dict[str, Any] | None:
        """The 一圈一策 sheet of one community, ``None`` without a plan entry."""
        entry = self.plan_entries.get(code)
        if entry is None:
            return None
        before, after = entry.get("before") or {}, entry.get("after") or {}
        order = [c["code"] for c in self.cats] + sorted(set(before) | set(after))
        return {
            "gaps": entry.get("gaps") or [],
            "changes": [
                (c, before.get(c), after.get(c))
                for c in dict.fromkeys(order)
                if c in before or c in after
            ],
            "sites": [
                site
                for i in dict.fromkeys(entry.get("sites") or [])
                for site in self.plan_sites.get(str(i), [{"id": i}])
                if not entry.get("gaps")
                or site.get("category", "") in entry["gaps"]
                or "category" not in site
            ],
        }

    def card(self, index: int, com: Mapping[str, Any]) -> dict[str, Any]:
        """One community's card: the document's entry plus what the template cannot derive."""
        code = str(com["code"])
        cov = com.get("coverage") or {}
        ecov = (com.get("elderly") or {}).get("coverage") or {}
        rows: list[dict[str, Any]] = []
        for cat in self.cats:
            c = cat["code"]
            if c in cov:
                if not rows or rows[-1]["group"] != cat["group"]:
                    rows.append({"group": cat["group"], "header": True})
                rows.append(
                    {
                        "group": cat["group"],
                        "header": False,
                        "code": c,
                        "cls": self.cov_class(c, cov.get(c)),
                        "ecls": self.cov_class(c, ecov.get(c)),
                    }
                )
        residents = _num(com.get("population")) and com["population"] > 0
        sheet = self.sheet(code)
        geom, color = self.geoms.get(code), self.color(com)
        svg = None
        if geom is not None:
            dots = [
                (s["lon"], s["lat"], f"{self.name(s.get('category', ''))} {s['id']}")
                for s in (sheet or {}).get("sites", [])
                if _num(s.get("lon")) and _num(s.get("lat"))
            ]
            svg = _outline_svg(geom, dots, color=color, label=str(com.get("name") or code))
        status = "gap" if com.get("basic_complete") is not True else "complete"
        return {
            "anchor": f"c{index}",
            "com": com,
            "code": code,
            "name": str(com.get("name") or code),
            "status": status if residents else "empty",
            "color": color,
            "svg": svg,
            "rows": rows,
            "sheet": sheet,
        }

    def cards(self) -> list[dict[str, Any]]:
        coms = list(self.doc.get("communities") or [])
        pop = [c.get("population") if _num(c.get("population")) else 0.0 for c in coms]
        order = sorted(
            range(len(coms)),
            key=lambda i: (not self.has_gap(coms[i]), -pop[i], str(coms[i]["code"])),
        )
        return [self.card(k, coms[i]) for k, i in enumerate(order)]

    # -- data for the page script ----------------------------------------------------

    def map_data(self, cards: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """GeoJSON of the boundaries (colour and tooltip lines as properties) and the sites."""
        features = []
        for card in cards:
            geom = self.geoms.get(card["code"])
            if geom is None:
                continue
            tip = [
                f"{card['name']} ({card['code']})",
                f"{self.t['map_legend']}: {_pct(self.basic_reached(card['com']))}",
                f"{self.t['population']}: {_fmt(card['com'].get('population'))}",
                self.t[f"status_{card['status']}"],
            ]
            features.append(
                {
                    "type": "Feature",
                    "geometry": _geojson(geom),
                    "properties": {"anchor": card["anchor"], "color": card["color"], "tip": tip},
                }
            )
        sites = [
            {
                "lon": round(s["lon"], 6),
                "lat": round(s["lat"], 6),
                "tip": [
                    f"{self.t['plan_sites_legend']}: {self.name(s.get('category', ''))}",
                    f"{s['id']}",
                    f"{self.t['newly_covered']}: {_fmt(s.get('newly_covered_population'))}",
                ],
            }
            for same in self.plan_sites.values()
            for s in same
            if _num(s.get("lon")) and _num(s.get("lat"))
        ]
        return {
            "communities": {"type": "FeatureCollection", "features": features},
            "sites": sites,
            "siteColor": _SITE_COLOR,
        }

    def target_line(self) -> dict[str, Any]:
        text = self.t["target_line"].format(v=_pct(self.basic_share))
        return _target_line(text, self.basic_share)

    def chart_coverage(self) -> dict[str, Any] | None:
        cov = self.city.get("coverage") or {}
        cats = [c for c in self.cats if c["code"] in cov]
        if not cats:
            return None
        series: list[dict[str, Any]] = []
        for group, color in _GROUP_COLORS.items():
            if any(c["group"] == group for c in cats):
                data = [_val(cov[c["code"]] * 100) if c["group"] == group else None for c in cats]
                series.append(_bar(self.group(group), data, color=color, overlap=True))
        series[0]["markLine"] = self.target_line()
        ecov = (self.city.get("elderly") or {}).get("coverage") or {}
        if any(_num(ecov.get(c["code"])) for c in cats):
            data = [
                _val(ecov[c["code"]] * 100) if _num(ecov.get(c["code"])) else None for c in cats
            ]
            series.append(
                {
                    "name": self.t["elderly_coverage"],
                    "type": "scatter",
                    "symbol": "diamond",
                    "symbolSize": 10,
                    "itemStyle": {"color": "#54278f"},
                    "data": data,
                }
            )
        return _horizontal([c["name"] for c in cats], series, legend=True)

    def chart_walk(self) -> dict[str, Any] | None:
        hist = self.city.get("walk_histogram")
        if not hist:
            return None
        edges, pops = hist.get("edges_minutes") or [], hist.get("population") or []
        if len(pops) != max(len(edges) - 1, 0):
            raise DataError(
                f"city.walk_histogram has {len(edges)} edges but {len(pops)} population values "
                "(needs one fewer)"
            )
        labels = [f"{_g(a)}–{_g(b)}" for a, b in pairwise(edges)]
        data: list[Any] = [_val(v) for v in pops]
        labels.append(self.t["beyond"])
        data.append({"value": _val(hist.get("beyond")), "itemStyle": {"color": "#969696"}})
        return {
            "animation": False,
            "textStyle": {"fontFamily": FONTS},
            "grid": {"left": 8, "right": 24, "top": 36, "bottom": 32, "containLabel": True},
            "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
            "xAxis": {
                "type": "category",
                "data": labels,
                "name": self.t["minutes_axis"],
                "nameLocation": "middle",
                "nameGap": 28,
            },
            "yAxis": {"type": "value", "name": self.t["residents"]},
            "series": [_bar(self.t["residents"], data, color=_GROUP_COLORS["basic"])],
        }

    def chart_pilots(self) -> dict[str, Any] | None:
        rows = (self.city.get("pilots") or {}).get("rows") or []
        if not any(_num(r.get("coverage_basic_min")) for r in rows):
            return None
        names = [f"{_fmt(r.get('seq'))}. {r.get('name') or DASH}" for r in rows]
        data = [
            {
                "value": _val(r["coverage_basic_min"] * 100),
                "itemStyle": {"color": _COMPLETE if r.get("basic_complete") else "#fdae61"},
            }
            if _num(r.get("coverage_basic_min"))
            else None
            for r in rows
        ]
        series = [_bar(self.t["coverage_basic_min"], data, color=_COMPLETE)]
        series[0]["markLine"] = self.target_line()
        series[0]["label"] = {"show": True, "position": "right", "formatter": "{c}%"}
        return _horizontal(names, series, legend=False)


def _bar(name: str, data: list[Any], *, color: str, overlap: bool = False) -> dict[str, Any]:
    bar: dict[str, Any] = {
        "name": name,
        "type": "bar",
        "data": data,
        "itemStyle": {"color": color},
        "barMaxWidth": 28,
    }
    if overlap:  # one bar per category, whichever group series holds it
        bar["barGap"] = "-100%"
    return bar


def _target_line(text: str, share: float) -> dict[str, Any]:
    """A dashed vertical line at ``share`` (0..1) of a percentage axis, labelled on top."""
    return {
        "symbol": "none",
        "silent": True,
        "lineStyle": {"color": _TARGET_COLOR, "type": "dashed", "width": 1.5},
        # the category axis is inverted: its start is the top of the chart
        "label": {"formatter": text, "color": _TARGET_COLOR, "position": "start"},
        "data": [{"xAxis": _val(share * 100)}],
    }


def _horizontal(names: list[str], series: list[dict[str, Any]], *, legend: bool) -> dict[str, Any]:
    """Horizontal bars of percentages, first row on top, long names cut."""
    option: dict[str, Any] = {
        "animation": False,
        "textStyle": {"fontFamily": FONTS},
        "grid": {"left": 8, "right": 48, "top": 40, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "percent": True,  # read (and removed) by the page script: tooltips in %
        "xAxis": {"type": "value", "min": 0, "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "yAxis": {
            "type": "category",
            "inverse": True,
            "data": names,
            "axisLabel": {"width": 190, "overflow": "truncate"},
        },
        "series": series,
    }
    if legend:
        option["legend"] = {"top": 0}
    return option


def _chart_height(rows: int, *, per_row: int = 24, extra: int = 80) -> int:
    """Pixel height of a horizontal bar chart with ``rows`` bars."""
    return max(220, rows * per_row + extra)


_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("lifecircle.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_ENV.filters.update(num=_fmt, pct=_pct, g=_g, date=_date)
_ENV.globals.update(DASH=DASH, FONTS=Markup(FONTS), is_num=_num)  # noqa: S704 - a constant


def render_report(
    assessment: Mapping[str, Any],
    *,
    geometries: Mapping[str, Any],
    plan: Mapping[str, Any] | None = None,
    lang: str = "zh",
    assets: Assets | None = None,
    complaints: dict[str, Any] | None = None,
) -> str:
    """The assessment report as one self-contained HTML page (no network needed to view).

    Parameters
    ----------
    assessment
        An assessment document (``docs/assessment.md``).
    geometries
        Community code → boundary (shapely Polygon or MultiPolygon, WGS-84 degrees), or
        ``None`` for a community without one (it gets a card but no map shape).
    plan
        A plan document, whose sites go on the map and into each community's
        一圈一策 sheet; ``None``: no plan computed.
    lang
        ``"zh"`` (default) or ``"en"``.
    assets
        Leaflet and ECharts texts; default :func:`~lifecircle.report.assets.load_assets`.
    complaints
        Complaints per community, a section of its own (:mod:`lifecircle.report.complaints`).

    Returns
    -------
    str
        The HTML text. The same inputs give the same text.

    Raises
    ------
    ValidationError
        For an unknown language.
    DataError
        For a boundary that is not a polygon, a malformed histogram, or missing assets.

    """
    report = _Report(assessment, geometries, plan, lang)  # checks lang first
    if assets is None:
        assets = load_assets()
    cards = report.cards()
    charts = {
        "chart-coverage": report.chart_coverage(),
        "chart-walk": report.chart_walk(),
        "chart-pilots": report.chart_pilots(),
    }
    hours, hours_data = hours_context(
        assessment, cards=cards, name=report.name, t=report.t, fonts=FONTS
    )
    data: dict[str, Any] = {"map": report.map_data(cards), "charts": charts, "hours": hours_data}
    rows = {k: len((v or {}).get("yAxis", {}).get("data", [])) for k, v in charts.items()}
    return _ENV.get_template("report.html.j2").render(
        r=report,
        t=report.t,
        html_lang=HTML_LANG[lang],
        run=report.run,
        params=report.params,
        city=report.city,
        plan=plan,
        legend=report.legend(),
        has_map=bool(data["map"]["communities"]["features"]),
        charts={k: v is not None for k, v in charts.items()},
        heights={
            "chart-coverage": _chart_height(rows["chart-coverage"]),
            "chart-walk": 320,
            "chart-pilots": _chart_height(rows["chart-pilots"], per_row=28),
        },
        cards=cards,
        version=__version__,
        data_json=_json_script(data),
        leaflet_css=Markup(assets.leaflet_css),  # noqa: S704 - trusted library text
        leaflet_js=inline_js(assets.leaflet_js),
        echarts_js=inline_js(assets.echarts_js),
        **section_context(complaints, lang),
        **hours,
    )
