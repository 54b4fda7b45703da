"""The residents' voice pages end to end: Debian's chromium against a real ``lifecircle serve``.

The residents' e2e fixtures (the demo city of Helsinki served with the demo accounts, the
browser) are reused. At phone (375 x 812) and desktop (1280 x 800) sizes demo-resident
logs in on the 我的 page, sets their home from the browser's location (and reads its
community), answers a survey demo-official made through the API (all four kinds of
question; opened again it says "already answered"), reports a missing breakfast shop at
their location, switches to larger text, and files a complaint about demo-merchant's shop
from its place page, which then shows in "my complaints" as received. No console error,
nothing leaves 127.0.0.1, axe-core finds no serious or critical violation on each page;
screenshots ``test-output/web/voice-*.png``.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.conftest import require
from tests.web import test_residents_e2e as residents
from tests.web.guard import watch
from tests.web.test_residents_e2e import AXE, HOME, SHOTS, Demo, _axe

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

# the residents' fixtures: the demo server (started once for this module) and the browser
demo = residents.demo
browser = residents.browser

SIZES = {"phone": (375, 812), "desktop": (1280, 800)}


def _survey_by_the_official(demo: Demo, title: str) -> int:
    """demo-official makes a city-wide satisfaction survey (the plan's template) now open."""
    auth = {"Authorization": f"Bearer {demo.token('demo-official', demo.official)}"}
    now = datetime.now(UTC)
    made = httpx.post(
        f"{demo.api}/cities/helsinki/surveys",
        headers=auth,
        json={
            "title": title,
            "template": "satisfaction",
            "scope": "city",
            "opens_at": (now - timedelta(minutes=1)).isoformat(),
            "closes_at": (now + timedelta(days=7)).isoformat(),
        },
    )
    assert made.status_code == 201, made.text
    kinds = {q["kind"] for q in made.json()["questions"]}
    assert kinds == {"scale5", "single", "multiple", "text"}, kinds
    return int(made.json()["id"])


def _price_that_changed(demo: Demo, name: str) -> None:
    """demo-merchant publishes an item at 6.50 yuan, then raises it to 7.20 (two periods)."""
    auth = {"Authorization": f"Bearer {demo.token('demo-merchant', demo.merchant)}"}
    shop = httpx.get(f"{demo.api}/users/me/places", headers=auth).json()[0]
    made = httpx.post(
        f"{demo.api}/shops/{shop['id']}/prices",
        headers=auth,
        json={"name": name, "spec": "500g", "price_yuan": "6.50"},
    )
    assert made.status_code == 201, made.text
    changed = httpx.patch(
        f"{demo.api}/shops/{shop['id']}/prices/{made.json()['id']}",
        headers=auth,
        json={"price_yuan": "7.20"},
    )
    assert changed.status_code == 200, changed.text


def _point_in_view(page: Page) -> None:
    """The chosen point is drawn inside the map's box (the map has moved to it)."""
    page.wait_for_function(
        """() => {
          const dot = document.querySelector('path.lc-here');
          const box = document.querySelector('[data-testid=map]');
          if (!dot || !box) return false;
          const d = dot.getBoundingClientRect(), b = box.getBoundingClientRect();
          const x = d.left + d.width / 2, y = d.top + d.height / 2;
          const cx = b.left + b.width / 2, cy = b.top + b.height / 2;
          return Math.abs(x - cx) < 30 && Math.abs(y - cy) < 30;
        }"""
    )


def _shot(page: Page, name: str) -> None:
    page.wait_for_function("() => document.getAnimations().every((a) => a.playState !== 'running')")
    page.screenshot(path=str(SHOTS / f"voice-{name}.png"), full_page=True)


@pytest.mark.slow
@pytest.mark.parametrize("size", list(SIZES))
def test_resident_sets_home_answers_reports_and_complains(
    demo: Demo, browser: Browser, size: str
) -> None:
    require(AXE)
    title = f"SYNTHETIC 满意度调查 {size} {secrets.token_hex(3)}"
    survey_id = _survey_by_the_official(demo, title)
    uid, _ = residents._coupon_for_the_merchants_shop(demo, f"SYNTHETIC 减5元 voice {size}")
    item = f"SYNTHETIC 鸡蛋 voice {size}"
    _price_that_changed(demo, item)
    width, height = SIZES[size]
    context = browser.new_context(
        viewport={"width": width, "height": height},
        geolocation=HOME,
        permissions=["geolocation"],
        locale="zh-CN",
    )
    page = context.new_page()
    left, errors = watch(page)
    SHOTS.mkdir(parents=True, exist_ok=True)

    # 我的 from the tab bar: log in from it
    page.goto(f"{demo.base}/app/near")
    page.get_by_test_id("tab-me").click()
    page.get_by_test_id("need-login").click()
    page.get_by_test_id("username").locator("input").fill("demo-resident")
    page.get_by_test_id("password").locator("input").fill(demo.resident)
    page.get_by_test_id("submit").click()
    page.get_by_test_id("logout").wait_for()
    page.get_by_test_id("surveys-badge").wait_for()  # the official's survey waits
    _shot(page, f"me-{size}")
    _axe(page, "me")

    # my home: the browser's location, saved; the community it lies in
    page.get_by_test_id("me-home").click()
    page.get_by_test_id("use-location").click()
    page.get_by_test_id("home-chosen").get_by_text("24.93840").wait_for()
    page.get_by_test_id("home-save").click()
    community = page.get_by_test_id("home-community")
    community.wait_for()
    assert "不在已知社区内" not in community.inner_text(), community.inner_text()
    _point_in_view(page)
    page.locator("path.lc-street").first.wait_for(state="attached")
    _shot(page, f"home-{size}")
    _axe(page, "home")

    # the survey: every kind of question, sent once; opened again it says so
    page.get_by_test_id("tab-me").click()
    page.get_by_test_id("me-surveys").click()
    page.locator("[data-testid=survey]", has_text=title).click()
    page.get_by_test_id("survey-submit").click()
    page.get_by_test_id("survey-missing").wait_for()  # the satisfaction question is required
    page.get_by_test_id("q-satisfaction-5").click()
    page.locator("[data-testid=q-satisfaction-5][aria-checked=true]").wait_for()
    assert "5 · 非常满意" in page.get_by_test_id("q-satisfaction-5").inner_text()
    questions = page.locator("fieldset.question")
    assert questions.count() == 4
    questions.nth(1).locator(".van-radio").first.click()  # single choice
    questions.nth(2).locator(".van-checkbox").first.click()  # multiple choice
    questions.nth(3).locator("textarea").fill("希望附近多一家早餐店")
    _axe(page, "survey")
    page.get_by_test_id("survey-submit").click()
    page.get_by_test_id("survey-done").wait_for()
    _shot(page, f"survey-{size}")
    page.goto(f"{demo.base}/app/surveys/{survey_id}")
    page.get_by_test_id("survey-already").wait_for()

    # a missing breakfast shop, reported at the resident's location
    page.get_by_test_id("tab-me").click()
    page.get_by_test_id("me-feedback").click()
    page.locator("button.chip[data-code='breakfast']").click()
    page.get_by_test_id("use-location").click()
    page.get_by_test_id("feedback-point").get_by_text("24.93840").wait_for()
    _point_in_view(page)
    page.get_by_test_id("feedback-note").locator("textarea").fill("SYNTHETIC 小区附近没有早餐店")
    _axe(page, "feedback")
    page.get_by_test_id("feedback-submit").click()
    done = page.get_by_test_id("feedback-done")
    done.wait_for()
    assert "早餐店" in done.inner_text()
    _shot(page, f"feedback-{size}")

    # larger text, switched on in 我的, holds on the next pages
    page.get_by_test_id("tab-me").click()
    page.get_by_test_id("large-text").click()
    page.wait_for_function("document.documentElement.classList.contains('lc-large')")

    # the place page: a price's history on tap, a coupon claimed with its QR code
    page.goto(f"{demo.base}/app/cities/helsinki/places/{uid}")
    page.locator("[data-testid=price]", has_text=item).click()
    history = page.get_by_test_id("price-history")
    history.wait_for()
    periods = history.locator("li").all_inner_texts()
    assert len(periods) == 2, periods
    assert periods[0].startswith("¥7.20"), periods  # the newest first, in force now
    assert "至今" in periods[0], periods
    assert periods[1].startswith("¥6.50"), periods
    _axe(page, "price history")
    history.get_by_role("button").click()
    history.wait_for(state="hidden")
    coupon = page.locator("[data-testid=coupons] .van-cell", has_text=f"voice {size}")
    coupon.get_by_test_id("claim").click()
    coupon.get_by_test_id("claimed-qr").click()
    page.wait_for_function(
        "(() => { const i = document.querySelector(\"[data-testid='place-qr']\"); "
        "return i && i.complete && i.naturalWidth > 0; })()"
    )
    _shot(page, f"place-qr-{size}")
    _axe(page, "coupon QR")
    page.get_by_test_id("place-qr-sheet").get_by_role("button").click()
    page.get_by_test_id("place-qr-sheet").wait_for(state="hidden")
    page.get_by_test_id("integrity").wait_for()

    # a complaint about demo-merchant's shop from its place page; then in my complaints
    text = f"SYNTHETIC 没有明码标价 {size} {secrets.token_hex(3)}"
    page.get_by_test_id("complain").click()
    page.get_by_test_id("complaint-shop").wait_for()
    page.get_by_test_id("kind-no_price_tags").click()
    page.get_by_test_id("complaint-text").locator("textarea").fill(text)
    _axe(page, "complaint form")
    page.get_by_test_id("complaint-submit").click()
    page.get_by_test_id("complaint-filed").wait_for()
    mine = page.locator("[data-testid=my-complaint]", has_text=text)
    mine.wait_for()
    assert "未明码标价" in mine.inner_text()
    assert mine.get_by_test_id("complaint-status").inner_text() == "已受理"
    size_px = mine.locator(".text").evaluate("e => getComputedStyle(e).fontSize")
    assert size_px == "18px", size_px  # the larger-text mode's size
    _shot(page, f"complaints-{size}")
    _axe(page, "my complaints")

    # back to normal text and no home, so the next run starts as this one did
    page.evaluate("localStorage.removeItem('lifecircle.prefs')")
    assert errors == []
    assert left == []
    context.close()
