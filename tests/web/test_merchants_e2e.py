"""The merchants' console end to end: Debian's chromium against a real ``lifecircle serve``.

The residents' e2e fixtures (the demo city of Helsinki served with the demo accounts, the
browser) are reused. At desktop (1280 x 800) and tablet (768 x 1024) sizes demo-merchant
logs in on the console, publishes a price (yuan typed, fen stored), creates a coupon
(its claimed/redeemed chart drawn); demo-resident claims it through the API; the merchant
types the code on the redemption screen and sees the discount and what is paid, then the
day's totals; records a batch of milk expiring tomorrow, sees it on the day's list as
临期 with its suggested discount and publishes an offer in one action; reads the
redemption's notification. No console error, nothing leaves 127.0.0.1, axe-core finds no
serious or critical violation on each page; screenshots in ``test-output/web/``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.conftest import require
from tests.web import test_residents_e2e as residents
from tests.web.guard import watch
from tests.web.test_residents_e2e import AXE, SHOTS, Demo
from tests.web.test_residents_e2e import _axe as _axe_only

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

# the residents' fixtures: the demo server (started once for this module) and the browser
demo = residents.demo
browser = residents.browser

SIZES = {"desktop": (1280, 800), "tablet": (768, 1024), "phone": (375, 812)}
SHANGHAI = timedelta(hours=8)


def _claim(demo: Demo, title: str) -> str:
    """demo-resident claims demo-merchant's coupon of that title; its 12-digit code."""
    merchant = {"Authorization": f"Bearer {demo.token('demo-merchant', demo.merchant)}"}
    shop = httpx.get(f"{demo.api}/users/me/places", headers=merchant).json()[0]
    coupons = httpx.get(f"{demo.api}/shops/{shop['id']}/coupons", headers=merchant).json()
    coupon = next(c for c in coupons if c["title"] == title)
    resident = {"Authorization": f"Bearer {demo.token('demo-resident', demo.resident)}"}
    claimed = httpx.post(f"{demo.api}/coupons/{coupon['id']}/claims", headers=resident, json={})
    assert claimed.status_code == 201, claimed.text
    return str(claimed.json()["code"])


def _axe(page: Page, name: str) -> None:
    """axe-core clean, and the page no wider than the window (a phone never scrolls sideways).

    The console's colours (darkened to WCAG AA) hang on ``lc-console`` on ``<html>``: a
    contrast failure would otherwise be the first sign of it missing.
    """
    assert page.evaluate("document.documentElement.classList.contains('lc-console')"), name
    _axe_only(page, name)
    wide = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide[0] <= wide[1], f"{name}: the page is {wide[0]} px wide in a {wide[1]} px window"


def _nav(page: Page, key: str) -> None:
    """Open a page of the console: from the menu's drawer on a phone, else the side menu."""
    menu = page.get_by_test_id("menu")
    if menu.count():
        menu.click()
    page.get_by_test_id(f"nav-{key}").click()


def _fill(page: Page, test_id: str, text: str) -> None:
    field = page.get_by_test_id(test_id)
    target = field if field.evaluate("e => e.tagName") == "INPUT" else field.locator("input")
    target.fill(text)


@pytest.mark.slow
@pytest.mark.parametrize("size", list(SIZES))
def test_merchant_prices_coupons_redeems_and_records_a_batch(
    demo: Demo, browser: Browser, size: str
) -> None:
    require(AXE)
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    left, errors = watch(page)
    SHOTS.mkdir(parents=True, exist_ok=True)

    # log in on the console; the shop page opens with the merchant's shop
    page.goto(f"{demo.base}/app/merchant/shop")
    _fill(page, "m-username", "demo-merchant")
    _fill(page, "m-password", demo.merchant)
    page.get_by_test_id("m-login").click()
    page.get_by_test_id("shop-save").wait_for()
    page.get_by_test_id("place-link").wait_for()
    _axe(page, "my shop")

    # publish a price: "6.5" yuan is 6.50
    item = f"SYNTHETIC 鸡蛋 {size}"
    _nav(page, "prices")
    page.get_by_test_id("price-new").click()
    _fill(page, "price-name", item)
    _fill(page, "price-spec", "500g")
    _fill(page, "price-input", "6.5")
    page.get_by_test_id("price-save").click()
    row = page.locator("[data-testid=price-table] tr", has_text=item)
    row.wait_for()
    assert "6.50" in row.inner_text()
    page.wait_for_timeout(300)  # the dialog's closing animation
    page.screenshot(path=str(SHOTS / f"merchant-prices-{size}.png"), full_page=True)
    _axe(page, "prices")

    # create a coupon (5 yuan off), its row and the chart
    title = f"SYNTHETIC 立减5元 {size}"
    _nav(page, "coupons")
    page.get_by_test_id("coupon-new").click()
    _fill(page, "coupon-title", title)
    _fill(page, "coupon-off", "5")
    page.get_by_test_id("coupon-save").click()
    page.locator("[data-testid=coupon-table] tr", has_text=title).wait_for()
    page.locator("[data-testid=coupon-chart] svg").wait_for()
    page.wait_for_timeout(300)
    page.screenshot(path=str(SHOTS / f"merchant-coupons-{size}.png"), full_page=True)
    _axe(page, "coupons")

    # demo-resident claims it; the merchant types the code at the till
    code = _claim(demo, title)
    assert re.fullmatch(r"\d{12}", code)
    _nav(page, "redeem")
    wrong = code[:11] + str((int(code[11]) + 1) % 10)
    _fill(page, "redeem-code", wrong)
    _fill(page, "redeem-spent", "58.3")
    page.get_by_test_id("redeem-submit").click()
    page.get_by_text("券码校验位不对").wait_for()  # caught in the page, nothing sent
    _fill(page, "redeem-code", f"{code[:4]} {code[4:8]} {code[8:]}")
    page.get_by_test_id("redeem-submit").click()
    page.get_by_test_id("redeem-result").wait_for()
    assert page.get_by_test_id("discount").inner_text() == "−¥5.00"
    assert page.get_by_test_id("pay").inner_text() == "¥53.30"
    page.get_by_test_id("undo").wait_for()
    totals = page.get_by_test_id("totals")
    totals.wait_for()
    assert re.search(r"共 [1-9]\d* 笔，消费 \d+\.\d\d 元，优惠 \d+\.\d\d 元", totals.inner_text())
    page.locator("[data-testid=today-table] tr", has_text=code[-4:]).first.wait_for()
    page.screenshot(path=str(SHOTS / f"merchant-redeem-{size}.png"), full_page=True)
    _axe(page, "redemption")

    # record a batch of milk expiring tomorrow (Shanghai): 临期 on today's list; an offer
    product = f"SYNTHETIC 鲜牛奶 {size}"
    tomorrow = (datetime.now(UTC) + SHANGHAI + timedelta(days=1)).date().isoformat()
    _nav(page, "batches")
    _fill(page, "batch-product", product)
    page.locator("#b-class").fill("fresh_milk")
    _fill(page, "batch-expiry", tomorrow)
    page.get_by_test_id("batch-save").click()
    listed = page.locator("[data-testid=day-table] tr", has_text=product)
    listed.wait_for()
    assert "临期" in listed.inner_text()
    assert re.search(r"\d+%", listed.inner_text())  # the suggested discount
    listed.get_by_role("button", name="发布优惠").click()
    _fill(page, "offer-regular", "12.90")
    page.get_by_test_id("offer-save").click()
    listed.get_by_text("优惠中").wait_for()
    page.wait_for_timeout(300)
    page.screenshot(path=str(SHOTS / f"merchant-batches-{size}.png"), full_page=True)
    _axe(page, "batches")

    # the redemption's notification
    _nav(page, "notifications")
    page.locator("[data-testid=notification-table] tr", has_text=title).first.wait_for()
    _axe(page, "notifications")

    assert errors == []
    assert left == []
    context.close()
