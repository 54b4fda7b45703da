"""The officials' voice pages end to end: Debian's chromium against a real ``lifecircle serve``.

The officials' e2e server (demo city imported with buildings and assessed, demo accounts)
and the residents' browser. At 1280 x 800, demo-official creates a satisfaction survey
from the plan's template, opened now; six residents answer it through the API (one is
demo-resident), and its results page shows the share satisfied with its 95 % interval in
the table and the bar chart. Then an indicator is entered (investment typed in yuan,
stored in exact fen), a consultation published at a point clicked on the map, and a
voucher campaign created (budget in yuan, exact fen), opened, paused (a resident's
claim refused), resumed (claimed), the demo merchant's shop found by the area's search,
added and removed, its report read and its XLSX downloaded. At 768 x 1024 each page is
opened again. No console error; no request leaves 127.0.0.1; axe-core finds no serious
or critical violation on each page. Screenshots go to ``test-output/web/``.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.conftest import require
from tests.web.guard import watch
from tests.web.test_officials_e2e import OfficialDemo, demo
from tests.web.test_residents_e2e import AXE, HOME, SHOTS, _axe, browser

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

__all__ = ["browser", "demo"]  # the officials' e2e server and the residents' browser, shared

CITY = "helsinki"
ANSWERS = (5, 5, 4, 4, 2, 5)  # 5 of 6 satisfied (4 or 5)


def _resident(demo: OfficialDemo, n: int) -> dict[str, str]:
    """A resident's auth header: demo-resident first, then new residents."""
    if n == 0:
        token = demo.token("demo-resident", demo.resident)
    else:
        name, password = f"res-{secrets.token_hex(4)}", secrets.token_urlsafe(12)
        made = httpx.post(
            f"{demo.api}/auth/register",
            json={"username": name, "password": password, "role": "resident", "city": CITY},
        )
        assert made.status_code == 201, made.text
        token = demo.token(name, password)
    return {"Authorization": f"Bearer {token}"}


def _answer(demo: OfficialDemo, survey_id: int) -> str:
    """Six residents living at the residents' e2e home answer: the community's code."""
    codes = set()
    for n, score in enumerate(ANSWERS):
        auth = _resident(demo, n)
        home = httpx.put(
            f"{demo.api}/users/me/home",
            headers=auth,
            json={"city": CITY, "lon": HOME["longitude"], "lat": HOME["latitude"]},
        )
        assert home.status_code == 200, home.text
        codes.add(home.json()["community_code"])
        answer = httpx.post(
            f"{demo.api}/surveys/{survey_id}/answers",
            headers=auth,
            json={"answers": {"satisfaction": score}},
        )
        assert answer.status_code == 201, answer.text
    assert len(codes) == 1, codes
    assert None not in codes
    return str(codes.pop())


def _login(page: Page, demo: OfficialDemo, path: str) -> None:
    page.goto(f"{demo.base}/app/officials/{path}")
    page.locator("#officials-username").fill("demo-official")
    page.locator("#officials-password").fill(demo.official)
    page.get_by_test_id("submit").click()


@pytest.mark.slow
def test_official_survey_indicator_consultation_campaign(
    demo: OfficialDemo, browser: Browser
) -> None:
    require(AXE)
    official = {"Authorization": f"Bearer {demo.token('demo-official', demo.official)}"}
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="zh-CN", accept_downloads=True
    )
    page = context.new_page()
    left, errors = watch(page)
    SHOTS.mkdir(parents=True, exist_ok=True)

    # a satisfaction survey from the plan's template, open now
    _login(page, demo, "surveys")
    page.get_by_test_id("survey-form").wait_for(timeout=15_000)
    page.get_by_text("您对本社区一刻钟便民生活圈的总体满意度").first.wait_for()
    page.get_by_test_id("survey-submit").click()
    page.get_by_test_id("notice").wait_for()
    made = httpx.get(f"{demo.api}/cities/{CITY}/surveys", headers=official).json()
    survey = max(made, key=lambda s: s["id"])
    assert survey["template"] == "satisfaction"
    assert survey["status"] == "open"
    assert survey["scope"] == "city"
    row = page.locator("[data-testid=surveys] .el-table__row", has_text=survey["title"]).first
    assert "进行中" in row.get_by_test_id("survey-status").inner_text()
    _axe(page, "surveys")

    # residents answer through the API; the results: a share with its interval, the chart
    code = _answer(demo, survey["id"])
    row.get_by_test_id("survey-results").click()
    page.get_by_test_id("survey-summary").wait_for()
    overall = page.get_by_test_id("overall").inner_text()
    assert "83.3%" in overall, overall  # 5 of 6
    assert "n = 6" in overall, overall
    results = httpx.get(f"{demo.api}/surveys/{survey['id']}/results", headers=official).json()
    low = results["overall"]["low"]
    assert f"{low * 100:.1f}%" in overall, (overall, low)
    cell = page.locator("[data-testid=community-results] .el-table__row", has_text=code)
    assert "83.3%" in cell.get_by_test_id("cell").inner_text()
    page.locator("[data-testid=satisfaction-chart] canvas").wait_for(state="attached")
    page.screenshot(path=str(SHOTS / "officials-survey-results.png"), full_page=True)
    _axe(page, "survey results")

    # an indicator: investment typed in yuan, stored in exact fen
    page.get_by_test_id("nav-indicators").click()
    page.get_by_test_id("indicator-form").wait_for()
    page.locator("#i-investment").fill("12500.29")
    page.locator("#i-commercial").fill("1200")
    page.get_by_test_id("i-submit").click()
    page.get_by_test_id("notice").wait_for()
    page.locator("[data-testid=indicators] .el-table__row").first.wait_for()
    recorded = httpx.get(f"{demo.api}/cities/{CITY}/indicators", headers=official).json()
    assert [r["investment_fen"] for r in recorded["records"]] == [1_250_029]
    assert recorded["records"][0]["commercial_floor_m2"] == 1200
    _axe(page, "indicators")

    # a consultation at a point clicked on the map
    page.get_by_test_id("nav-consultations").click()
    page.locator("path.lc-outline").first.wait_for(state="attached", timeout=15_000)
    page.get_by_test_id("point-map").click()
    assert page.locator("#c-lon").input_value()
    page.locator("#c-title").fill("新建社区菜市场")
    page.locator("#c-description").fill("在此新建一处社区菜市场，征求居民意见。")
    page.get_by_test_id("c-submit").click()
    page.get_by_test_id("notice").wait_for()
    page.get_by_test_id("consultation").filter(has_text="新建社区菜市场").wait_for()
    page.locator("path.lc-consultation").first.wait_for(state="attached")
    page.screenshot(path=str(SHOTS / "officials-consultations.png"), full_page=True)
    _axe(page, "consultations")
    # ended early: it takes no more stances, and says so
    market = page.get_by_test_id("consultation").filter(has_text="新建社区菜市场")
    market.get_by_test_id("consultation-close").click()
    page.locator(".el-message-box__btns .el-button--primary").click()
    market.get_by_text("已结束").wait_for()
    assert market.get_by_test_id("consultation-close").count() == 0

    # a campaign: budget in yuan sent as exact fen; opened; its report and workbook
    page.get_by_test_id("nav-campaigns").click()
    page.get_by_test_id("campaign-form").wait_for()
    page.locator("#k-name").fill("赫尔辛基消费券")
    page.locator("#k-budget").fill("1000.05")
    page.locator("#k-off").fill("5")
    page.get_by_test_id("k-submit").click()
    page.get_by_test_id("notice").wait_for()
    row = page.locator("[data-testid=campaigns] .el-table__row", has_text="赫尔辛基消费券")
    assert "¥1000.05" in row.get_by_test_id("campaign-budget").inner_text()
    row.get_by_test_id("campaign-open").click()
    row.get_by_test_id("campaign-status").filter(has_text="进行中").wait_for()
    _pause_and_resume(page, demo, row)
    _shops(page)
    row.get_by_test_id("campaign-report").click()
    page.get_by_test_id("report-totals").wait_for()
    assert "¥1000.05" in page.get_by_test_id("report-totals").inner_text()
    with page.expect_download() as download:
        page.get_by_test_id("campaign-xlsx").click()
    saved = SHOTS / "officials-campaign-report.xlsx"
    download.value.save_as(saved)
    assert saved.read_bytes()[:2] == b"PK"
    campaigns = httpx.get(f"{demo.api}/cities/{CITY}/campaigns", headers=official).json()
    made_campaign = next(c for c in campaigns if c["name"] == "赫尔辛基消费券")
    assert made_campaign["budget_fen"] == 100_005
    assert made_campaign["amount_off_fen"] == 500
    assert made_campaign["status"] == "open"
    assert made_campaign["vouchers"] == 200  # 1000.05 yuan // 5 yuan
    page.screenshot(path=str(SHOTS / "officials-campaigns.png"), full_page=True)
    _axe(page, "campaigns")

    assert errors == []
    assert left == []
    context.close()


def _pause_and_resume(page: Page, demo: OfficialDemo, row: Locator) -> None:
    """Paused (confirmed): a resident's claim is refused naming the pause; resumed: claimed."""
    resident = _resident(demo, 0)
    campaign_id = row.locator("td").first.inner_text().strip()
    claims = f"{demo.api}/campaigns/{campaign_id}/claims"
    row.get_by_test_id("campaign-pause").click()
    page.locator(".el-message-box__btns .el-button--primary").click()
    row.get_by_test_id("campaign-status").filter(has_text="已暂停").wait_for()
    refused = httpx.post(claims, headers=resident)
    assert refused.status_code == 409, refused.text
    assert "paused" in refused.json()["detail"]
    row.get_by_test_id("campaign-resume").click()
    page.locator(".el-message-box__btns .el-button--primary").click()
    row.get_by_test_id("campaign-status").filter(has_text="进行中").wait_for()
    claimed = httpx.post(claims, headers=resident)
    assert claimed.status_code == 201, claimed.text


def _shops(page: Page) -> None:
    """The demo merchant's shop found by the area's search, added, then removed (confirmed)."""
    row = page.locator("[data-testid=campaigns] .el-table__row", has_text="赫尔辛基消费券")
    row.get_by_test_id("campaign-shops-open").click()
    panel = page.get_by_test_id("campaign-shops")
    panel.get_by_test_id("no-shops").wait_for()
    panel.get_by_test_id("shop-search").click()
    panel.get_by_test_id("shop-add").first.click()
    panel.get_by_test_id("shops-notice").wait_for()
    panel.get_by_test_id("enrolled-shops").wait_for()
    _axe(page, "campaign shops")
    panel.get_by_test_id("shop-remove").first.click()
    page.locator(".el-message-box__btns .el-button--primary").click()
    panel.get_by_test_id("no-shops").wait_for()


@pytest.mark.slow
def test_official_voice_pages_on_a_tablet(demo: OfficialDemo, browser: Browser) -> None:
    require(AXE)
    context = browser.new_context(viewport={"width": 768, "height": 1024}, locale="en")
    page = context.new_page()
    left, errors = watch(page)
    _login(page, demo, "surveys")
    page.get_by_test_id("survey-form").wait_for(timeout=15_000)
    _axe(page, "surveys (tablet)")
    for name, ready in (
        ("consultations", "consultation-form"),
        ("indicators", "indicator-form"),
        ("campaigns", "campaign-form"),
    ):
        page.get_by_test_id(f"nav-{name}").click()
        page.get_by_test_id(ready).wait_for()
        _axe(page, f"{name} (tablet)")
    page.screenshot(path=str(SHOTS / "officials-campaigns-tablet.png"), full_page=True)
    assert errors == []
    assert left == []
    context.close()
