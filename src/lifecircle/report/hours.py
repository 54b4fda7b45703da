"""The report's coverage by time of day: hourly heat maps and "served when needed".

Present when the run was assessed with ``--by-hour`` (``document["by_hour"]``,
docs/assessment.md "Coverage by time of day"). The city gets a section of its own
(``templates/hours.html.j2``): a heat map of the basic categories' coverage at each hour
of the weekday and of the weekend day, and the "served when needed" figures per category
beside each category's hours of need. Each community card gets the same heat map
(drawn by the page script when the card scrolls into view, so that a report of 700
communities does not draw 700 charts at once) and its own "served when needed" figures
(``templates/hours_card.html.j2``).

The heat maps' options are built here; the cards' charts share one option (``base``) and
differ only in their data, which the page script puts in.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

# ColorBrewer YlGnBu, light (nobody reached) to dark (everyone)
_SCALE = ("#ffffd9", "#c7e9b4", "#41b6c4", "#225ea8", "#081d58")
_ROW_PX = 16
"""Height of one category's row in a heat map, in pixels."""


def _percent(v: Any) -> float | str:
    """A share 0..1 as a percentage with one decimal; ``"-"`` (ECharts' empty) when not known."""
    if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
        return round(float(v) * 100, 1)
    return "-"


def heat_data(
    curves: Mapping[str, Mapping[str, Sequence[Any]]], categories: Sequence[str]
) -> list[list[list[Any]]]:
    """The two heat maps' data of one area: per day ``[hour, row, percent]`` triples.

    ``curves`` is ``{"weekday": {category: [24 shares]}, "weekend": {...}}``; rows follow
    ``categories`` (a category the curves lack is empty).
    """
    days = []
    for half in ("weekday", "weekend"):
        by_cat = curves.get(half) or {}
        days.append(
            [
                [hour, row, _percent(v)]
                for row, cat in enumerate(categories)
                for hour, v in enumerate(by_cat.get(cat) or [None] * 24)
            ]
        )
    return days


def chart_height(categories: int) -> int:
    """Pixel height of the two stacked heat maps of ``categories`` rows each."""
    return 2 * categories * _ROW_PX + 150


def heat_option(
    names: Sequence[str], days: Sequence[str], t: Mapping[str, str], fonts: str
) -> dict[str, Any]:
    """Two stacked heat maps (weekday on top, weekend below), hours × categories, no data.

    The y axes list ``names`` (first on top); ``days`` titles the two panels; one visual
    map colours both from 0% to 100%.
    """
    rows = len(names)
    panel = rows * _ROW_PX
    top = (44, 44 + panel + 40)
    hours = [f"{h:02d}" for h in range(24)]
    option: dict[str, Any] = {
        "animation": False,
        "textStyle": {"fontFamily": fonts},
        "tooltip": {"position": "top"},
        "percent": True,  # read (and removed) by the page script: tooltips in %
        "title": [
            {"text": day, "top": top[k] - 22, "left": 8, "textStyle": {"fontSize": 12}}
            for k, day in enumerate(days)
        ],
        "grid": [
            {"left": 8, "right": 16, "top": top[k], "height": panel, "containLabel": True}
            for k in range(2)
        ],
        "xAxis": [
            {
                "type": "category",
                "data": hours,
                "gridIndex": k,
                "splitArea": {"show": True},
                "axisLabel": {"fontSize": 10},
                "name": t["hours_axis"] if k == 1 else "",
                "nameLocation": "middle",
                "nameGap": 22,
            }
            for k in range(2)
        ],
        "yAxis": [
            {
                "type": "category",
                "data": list(names),
                "gridIndex": k,
                "inverse": True,
                "axisLabel": {"fontSize": 11, "width": 130, "overflow": "truncate"},
            }
            for k in range(2)
        ],
        "visualMap": {
            "min": 0,
            "max": 100,
            "calculable": False,
            "orient": "horizontal",
            "right": 16,
            "top": 0,
            "itemHeight": 120,
            "text": ["100%", "0%"],
            "inRange": {"color": list(_SCALE)},
        },
        "series": [
            {
                "name": day,
                "type": "heatmap",
                "xAxisIndex": k,
                "yAxisIndex": k,
                "data": [],
                "itemStyle": {"borderColor": "#fff", "borderWidth": 1},
            }
            for k, day in enumerate(days)
        ],
    }
    return option


def _served_rows(
    served: Mapping[str, Any] | None,
    needs: Mapping[str, str],
    categories: Sequence[str],
    name: Callable[[str], str],
) -> list[dict[str, Any]]:
    """One row per category with hours of need: name, window and share served."""
    shares = (served or {}).get("categories") or {}
    return [
        {"code": c, "name": name(c), "window": needs[c], "share": shares.get(c)}
        for c in categories
        if c in needs
    ]


def section_context(
    doc: Mapping[str, Any],
    *,
    cards: Sequence[Mapping[str, Any]],
    name: Callable[[str], str],
    t: Mapping[str, str],
    fonts: str,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """What the template needs (``hours``) and the page script's data (``None``: no section).

    Parameters
    ----------
    doc
        The assessment document.
    cards
        The community cards (``anchor``, ``code``), in page order.
    name
        Category code → its name in the report's language.
    t
        The report's strings.
    fonts
        The charts' font list.

    Returns
    -------
    tuple
        ``{"hours": ...}`` for the template (``None`` without ``by_hour``) and, for the
        page script, ``city`` (the city's chart option with data), ``base`` (the cards'
        option) and ``cards`` (anchor → the two days' data).

    """
    section = doc.get("by_hour")
    if not section:
        return {"hours": None}, None
    params = (doc.get("run") or {}).get("parameters") or {}
    time = params.get("time") or {}
    needs: dict[str, str] = dict(time.get("hours_of_need") or {})
    categories = [str(c) for c in section.get("categories") or []]
    names = [name(c) for c in categories]
    day_names = [
        t["hours_weekday"].format(d=t.get(f"day_{time.get('weekday')}", time.get("weekday"))),
        t["hours_weekend"].format(d=t.get(f"day_{time.get('weekend')}", time.get("weekend"))),
    ]
    base = heat_option(names, day_names, t, fonts)
    city_option = heat_option(names, day_names, t, fonts)
    for series, data in zip(
        city_option["series"], heat_data(section.get("city") or {}, categories), strict=True
    ):
        series["data"] = data
    per_code = section.get("communities") or {}
    communities = {str(c.get("code")): c for c in doc.get("communities") or []}
    card_data = {
        str(card["anchor"]): heat_data(per_code[card["code"]], categories)
        for card in cards
        if card["code"] in per_code
    }
    city = doc.get("city") or {}
    served_city = city.get("served_when_needed")
    hours = {
        "height": chart_height(len(categories)),
        "unknown_hours": section.get("unknown_hours") or time.get("unknown_hours"),
        "hours_unknown": city.get("hours_unknown") or {},
        "served_all": (served_city or {}).get("all"),
        "served_rows": _served_rows(served_city, needs, categories, name),
        "cards": {
            anchor: {
                "all": (communities[code].get("served_when_needed") or {}).get("all"),
                "rows": _served_rows(
                    communities[code].get("served_when_needed"), needs, categories, name
                ),
            }
            for anchor, code in ((str(c["anchor"]), str(c["code"])) for c in cards)
            if anchor in card_data and code in communities
        },
    }
    script = {"city": city_option, "base": base, "cards": card_data}
    return {"hours": hours}, script
