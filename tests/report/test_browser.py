"""The report in a real browser: offline, no script error, map shapes and charts drawn."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import sync_playwright

from lifecircle.report import render_report
from tests.report.conftest import assessment_document, community_geometries, plan_document

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Browser, Route

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"  # gitignored: screenshots to look at
CHROMIUM = Path("/usr/bin/chromium")  # Debian's, installed by `make browser`
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHARTS = ("chart-coverage", "chart-walk", "chart-pilots")

# per ECharts container: its instance, series, canvas size and how much of it is painted
CHART_STATE = """
(id) => {
  const el = document.getElementById(id);
  const chart = window.echarts && echarts.getInstanceByDom(el);
  const canvas = el.querySelector("canvas");
  if (!chart || !canvas) { return null; }
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0, sampled = 0;
  for (let i = 3; i < pixels.length; i += 4 * 5) { sampled++; if (pixels[i] > 0) { painted++; } }
  return {series: chart.getOption().series.length, width: canvas.width, height: canvas.height,
          painted: painted / sampled, png: canvas.toDataURL().length};
}
"""


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


@pytest.mark.parametrize(("lang", "shot"), [("zh", "report.png"), ("en", "report-en.png")])
def test_report_in_chromium(browser, assets, tmp_path, lang, shot):
    geometries = community_geometries()
    plan = plan_document()
    html = render_report(
        assessment_document(), geometries=geometries, plan=plan, lang=lang, assets=assets
    )
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requested: list[str] = []
    errors: list[str] = []

    def offline(route: Route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            requested.append(route.request.url)
            route.abort()

    page.route("**/*", offline)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"{e.name}: {e.message}"))
    page.goto(path.as_uri())
    try:
        page.wait_for_selector("html[data-ready='1']", state="attached", timeout=15_000)
    except PlaywrightTimeoutError:
        pytest.fail(f"the page script did not finish; errors: {errors}")
    assert errors == []

    # map: one SVG path per community with a boundary, one per planned site
    shapes = sum(g is not None for g in geometries.values())
    page.wait_for_function(
        f"document.querySelectorAll('#map path.leaflet-interactive.lc-community').length"
        f" === {shapes}",
        timeout=10_000,
    )
    assert page.locator("#map path.lc-site").count() == len(plan["sites"])
    assert page.locator("#map .leaflet-tile").count() == 0  # no tiles: offline
    box = page.locator("#map").bounding_box()
    assert box is not None
    assert box["height"] > 300
    page.locator("#map path.lc-community").nth(1).hover()  # 岗厦: no site on top of it
    tooltip = page.wait_for_selector(".leaflet-tooltip", state="visible", timeout=5_000)
    assert tooltip is not None
    assert "440304001002" in tooltip.inner_text()

    # charts: an instance with series, a canvas of non-zero size with something drawn
    for chart in CHARTS:
        state: dict[str, Any] | None = page.evaluate(CHART_STATE, chart)
        assert state is not None, chart
        assert state["series"] > 0, chart
        assert state["width"] > 0, chart
        assert state["height"] > 0, chart
        assert state["painted"] > 0.02, (chart, state)
        assert state["png"] > 5_000, (chart, state)

    # content
    cards = page.locator("article.card")
    assert cards.count() == len(geometries)
    assert cards.first.is_visible()
    assert page.locator("table.targets").is_visible()
    assert page.locator("#c0 svg.outline path").count() == 1
    # nothing wider than the window (no overflowing table or chart)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # the screenshot from the top, without the tooltip
    page.mouse.move(0, 0)
    page.evaluate("window.scrollTo(0, 0)")
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=OUTPUT / shot, full_page=True)
    page.close()

    assert requested == []
    assert errors == []
