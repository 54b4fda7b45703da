"""The report's coverage by time of day: the city's and the cards' heat maps, served when needed.

The document is a real ``--by-hour`` assessment of the hand-made city of
``tests/services/test_hours.py`` (breakfast at B 06:00-09:00, at D 10:00-14:00 on
weekdays; residents of c1 beside B, of c2 too far from everything).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import sync_playwright

from lifecircle.report import render_report
from lifecircle.report.hours import heat_data
from lifecircle.services.hours import TimeOptions, assess_in_time
from tests.report.test_browser import CHART_STATE, CHROMIUM, CHROMIUM_ARGS
from tests.services.test_hours import _city

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Browser

    from lifecircle.report.assets import Assets


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    doc = assess_in_time(_city(), options=TimeOptions(by_hour=True))
    doc["run"] |= {"id": 3, "created_at": "2026-03-02T08:00:00+00:00"}
    return doc


def _data(html: str) -> dict[str, Any]:
    text = re.search(r'id="report-data">(.*?)</script>', html, re.DOTALL)
    assert text is not None
    return json.loads(text.group(1))  # type: ignore[no-any-return]


def test_city_heat_map_holds_the_curves(document, assets: Assets) -> None:
    html = render_report(document, geometries={"c1": None, "c2": None}, assets=assets)
    hours = _data(html)["hours"]
    cats = document["by_hour"]["categories"]
    breakfast = cats.index("breakfast")
    weekday, weekend = hours["city"]["series"]
    # [hour, row, percent]: half the residents reach breakfast at 07:00 on Monday, none at 9:00
    cells = {(h, r): v for h, r, v in weekday["data"]}
    assert cells[(7, breakfast)] == 50.0
    assert cells[(9, breakfast)] == 0.0
    assert cells[(11, breakfast)] == 50.0  # D opens on weekdays 10:00-14:00
    assert {(h, r): v for h, r, v in weekend["data"]}[(11, breakfast)] == 0.0
    assert len(weekday["data"]) == 24 * len(cats)
    # one card chart's data per community, its rows the city's
    assert set(hours["cards"]) == {"c0", "c1"}
    assert hours["base"]["series"][0]["data"] == []
    assert 'id="hours-c0"' in html
    assert 'id="chart-hours"' in html
    assert 'href="#hours"' in html


def test_served_when_needed_tables(document, assets: Assets) -> None:
    html = render_report(document, geometries={"c1": None, "c2": None}, lang="en", assets=assets)
    section = html[
        html.index('<section id="hours">') : html.index(
            "</section>", html.index('<section id="hours">')
        )
    ]
    assert "Served when needed" in section
    assert "06:30-09:00" in section  # breakfast's hours of need
    # the city: 50% served at breakfast time (c1 only), and "open" for unknown hours
    row = re.search(
        r"<tr><td>Breakfast[^<]*</td><td class=\"code\">06:30-09:00</td><td class=\"num\">([^<]+)<",
        section,
    )
    assert row is not None
    assert row.group(1) == "50%"
    assert "count as open" in section
    # a card of c2 (nobody reached): its breakfast share is 0%
    card = html[html.index('data-code="c2"') :]
    card = card[: card.index("</article>")]
    share = re.search(r"06:30-09:00</td><td class=\"num\">([^<]+)<", card)
    assert share is not None
    assert share.group(1) == "0%"


def test_no_section_without_by_hour(assets: Assets) -> None:
    doc = assess_in_time(_city())
    doc["run"] |= {"id": 4, "created_at": "2026-03-02T08:00:00+00:00"}
    html = render_report(doc, geometries={"c1": None, "c2": None}, assets=assets)
    assert 'id="hours"' not in html
    assert "hours-card" not in html.split("<script")[0]
    assert _data(html)["hours"] is None


def test_heat_data_marks_unknown_as_empty() -> None:
    curves = {"weekday": {"a": [None, 0.25] + [0.0] * 22}, "weekend": {}}
    weekday, weekend = heat_data(curves, ["a", "b"])
    assert weekday[0] == [0, 0, "-"]
    assert weekday[1] == [1, 0, 25.0]
    assert weekday[24] == [0, 1, "-"]  # a category the curves lack
    assert all(v == "-" for _, _, v in weekend)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"no chromium at {CHROMIUM} (`make browser` installs Debian's)")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_hourly_charts_in_chromium(browser, document, assets, tmp_path, lang) -> None:
    path = tmp_path / "report.html"
    path.write_text(
        render_report(document, geometries={"c1": None, "c2": None}, lang=lang, assets=assets),
        encoding="utf-8",
    )
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"{e.name}: {e.message}"))
    page.goto(path.as_uri())
    page.wait_for_selector("html[data-ready='1']", state="attached", timeout=15_000)
    state = page.evaluate(CHART_STATE, "chart-hours")
    assert state is not None
    assert state["series"] == 2
    assert state["painted"] > 0.05, state
    # a card's chart is drawn once it scrolls into view
    card = page.locator("#hours-c1")
    assert page.evaluate(CHART_STATE, "hours-c1") is None
    card.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => { const el = document.getElementById('hours-c1');"
        " return !!(window.echarts && echarts.getInstanceByDom(el)); }",
        timeout=10_000,
    )
    state = page.evaluate(CHART_STATE, "hours-c1")
    assert state is not None
    assert state["series"] == 2
    assert state["painted"] > 0.05, state
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.close()
    assert errors == []
