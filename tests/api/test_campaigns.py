"""Consumption-voucher campaigns through the API: scope, opt-in, claims by home, report."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from openpyxl import load_workbook
from sqlalchemy import select

from lifecircle.api.app import API_PREFIX
from lifecircle.store.audit import changes_of
from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope
from lifecircle.store.homes import set_home
from lifecircle.store.notifications import Notification
from lifecircle.store.owners import set_community
from tests.api.world import CITY, FUTIAN

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.api.world import World

NOW = datetime.now(UTC)
SHAPUTOU, NANYUAN_C = "440304001019", "440304001020"  # 沙埔头社区, 南园社区 (福田区)


def _campaign(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "SYNTHETIC 福田消费券",
        "budget_fen": 3500,
        "kind": "threshold",
        "amount_off_fen": 1000,
        "min_spend_fen": 5000,
        "per_resident": 2,
        "valid_from": (NOW - timedelta(hours=1)).isoformat(),
        "valid_until": (NOW + timedelta(days=7)).isoformat(),
        "communities": [SHAPUTOU],
    }
    return body | overrides


def _h(world: World, who: str) -> dict[str, str]:
    return world.principals[who].headers


def _create(client: TestClient, world: World, who: str = "official_in", **overrides: Any) -> dict:
    response = client.post(
        f"{API_PREFIX}/cities/{CITY}/campaigns", json=_campaign(**overrides), headers=_h(world, who)
    )
    assert response.status_code == 201, response.text
    return response.json()


def _ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.text
    return {c["id"] for c in response.json()}


def _home(world: World, who: str, community: str | None) -> None:
    _home_of(world, world.principals[who].account.id, community)


def _home_of(world: World, user_id: int, community: str | None) -> None:
    with session_scope(world.engine) as session:
        city_id = get_city(session, name=CITY).id
        set_home(
            session,
            user_id=user_id,
            city_id=city_id,
            lon=114.09,
            lat=22.54,
            community_code=community,
        )


def _file_shop(world: World, community: str | None) -> int:
    place = world.place_ids["owned"]
    with session_scope(world.engine) as session:
        set_community(session, place_id=place, community_code=community)
    return place


def _notices(world: World, who: str, kind: str) -> int:
    user = world.principals[who].account.id
    with session_scope(world.engine) as session:
        rows = session.scalars(
            select(Notification).where(Notification.user_id == user, Notification.kind == kind)
        ).all()
    return len(rows)


def test_a_campaign_from_draft_to_report(world: World, client: TestClient) -> None:
    created = _create(client, world)
    cid = created["id"]
    assert created["status"] == "draft"
    assert created["area_code"] == FUTIAN  # the official's own area
    assert created["vouchers"] == 3  # 3500 // 1000: each claim reserves 10 yuan
    assert created["voucher_max_fen"] == 1000
    assert created["communities"] == [SHAPUTOU]
    assert created["valid_until"].endswith("+08:00")

    # a draft: merchants and its officials see it, the public and other areas do not
    listed = f"{API_PREFIX}/cities/{CITY}/campaigns"
    assert cid not in _ids(client.get(listed))
    assert cid not in _ids(client.get(listed, headers=_h(world, "resident")))
    assert cid in _ids(client.get(listed, headers=_h(world, "merchant")))
    assert cid in _ids(client.get(listed, headers=_h(world, "official_in")))
    assert cid not in _ids(client.get(listed, headers=_h(world, "official_out")))
    assert client.get(f"{API_PREFIX}/campaigns/{cid}").status_code == 404

    # merchants opt in: only a shop of the campaign's communities; another's shop is 404
    join = f"{API_PREFIX}/campaigns/{cid}/shops"
    place = _file_shop(world, NANYUAN_C)
    refused = client.post(join, json={"place_id": place}, headers=_h(world, "merchant"))
    assert refused.status_code == 422
    assert "440304001020" in refused.text
    assert refused.json()["errors"][0]["field"] == "place_id"
    other = client.post(join, json={"place_id": place}, headers=_h(world, "other_merchant"))
    assert other.status_code == 404
    _file_shop(world, SHAPUTOU)
    joined = client.post(join, json={"place_id": place}, headers=_h(world, "merchant"))
    assert joined.status_code == 201, joined.text
    assert joined.json()["shop_ids"] == [place]
    again = client.post(join, json={"place_id": place}, headers=_h(world, "merchant"))
    assert again.status_code == 409

    # an official of another area does not even see the draft, nor opens it
    patch = f"{API_PREFIX}/campaigns/{cid}"
    assert (
        client.patch(patch, json={"status": "open"}, headers=_h(world, "official_out")).status_code
        == 404
    )
    # claims wait for the opening
    claims = f"{API_PREFIX}/campaigns/{cid}/claims"
    assert client.post(claims, headers=_h(world, "resident")).status_code == 404
    opened = client.patch(patch, json={"status": "open"}, headers=_h(world, "official_in"))
    assert opened.status_code == 200, opened.text
    assert opened.json()["status"] == "open"
    assert _notices(world, "merchant", "campaign_open") == 1
    assert (
        client.patch(patch, json={"budget_fen": 9000}, headers=_h(world, "official_in")).status_code
        == 409
    )
    assert cid in _ids(client.get(listed))
    assert (
        client.patch(
            patch, json={"status": "closed"}, headers=_h(world, "official_out")
        ).status_code
        == 403
    )

    # residents claim by their home: none set is 422, a home elsewhere 403
    no_home = client.post(claims, headers=_h(world, "resident"))
    assert no_home.status_code == 422
    assert no_home.json()["errors"][0]["field"] == "home"
    assert "home" in no_home.json()["detail"]
    _home(world, "resident", NANYUAN_C)
    assert client.post(claims, headers=_h(world, "resident")).status_code == 403
    _home(world, "resident", SHAPUTOU)
    first = client.post(claims, headers=_h(world, "resident"))
    assert first.status_code == 201, first.text
    assert first.json()["coupon"]["issuer_kind"] == "campaign"
    assert first.json()["community_code"] == SHAPUTOU
    assert client.post(claims, headers=_h(world, "resident")).status_code == 201
    over = client.post(claims, headers=_h(world, "resident"))
    assert over.status_code == 409  # the allowance of 2
    twin = world.add_principal("neighbour", "resident", None, None)
    _home_of(world, twin.account.id, SHAPUTOU)
    assert client.post(claims, headers=twin.headers).status_code == 201
    third = world.add_principal("late", "resident", None, None)
    _home_of(world, third.account.id, SHAPUTOU)
    spent = client.post(claims, headers=third.headers)
    assert spent.status_code == 409
    assert "budget" in spent.json()["detail"]
    # the campaign's coupon is claimed through the campaign only
    coupon_claim = client.post(
        f"{API_PREFIX}/coupons/{created['coupon_id']}/claims", headers=third.headers
    )
    assert coupon_claim.status_code == 409

    # the voucher is a coupon: listed as one's coupon, redeemed at a participating shop
    mine = client.get(f"{API_PREFIX}/users/me/coupons", headers=_h(world, "resident")).json()
    assert {i["coupon"]["id"] for i in mine["items"]} == {created["coupon_id"]}
    redeemed = client.post(
        f"{API_PREFIX}/shops/{place}/redemptions",
        json={"code": first.json()["code"], "spent_fen": 6000},
        headers=_h(world, "merchant"),
    )
    assert redeemed.status_code == 201, redeemed.text
    assert redeemed.json()["discount_fen"] == 1000

    # the report: per community of the shop, per category, totals against the budget
    report_path = f"{API_PREFIX}/cities/{CITY}/campaigns/{cid}/report"
    assert client.get(report_path, headers=_h(world, "official_out")).status_code == 403
    report = client.get(report_path, headers=_h(world, "official_in"))
    assert report.status_code == 200, report.text
    r = report.json()
    assert (r["budget_fen"], r["reserved_fen"], r["unreserved_fen"]) == (3500, 3000, 500)
    assert (r["discount_fen"], r["spent_fen"], r["redemptions"], r["claims"]) == (1000, 6000, 1, 3)
    assert r["discount_share_hundredths"] == 2857  # 10 of 35 yuan
    community = {c["code"]: c for c in r["communities"]}
    assert community[SHAPUTOU] == {
        "code": SHAPUTOU,
        "name": "沙埔头社区",
        "shops": 1,
        "claims": 3,
        "redemptions": 1,
        "spent_fen": 6000,
        "discount_fen": 1000,
    }
    category = {c["code"]: c for c in r["categories"]}
    assert category["convenience_store"]["discount_fen"] == 1000
    assert category["convenience_store"]["shops"] == 1

    xlsx = client.get(f"{report_path}.xlsx", headers=_h(world, "admin"))
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["总计", "社区", "类别"]
    totals = {row[0].value: row[1].value for row in book["总计"].iter_rows()}
    assert Decimal(str(totals["预算（元）"])) == Decimal("35.00")
    assert Decimal(str(totals["已核销优惠（元）"])) == Decimal("10.00")
    assert totals["核销笔数"] == 1
    rows = list(book["社区"].iter_rows(values_only=True))
    assert rows[1][:5] == (SHAPUTOU, "沙埔头社区", 1, 3, 1)

    # closing ends the vouchers and tells the merchant; closed is final
    closed = client.patch(patch, json={"status": "closed"}, headers=_h(world, "admin"))
    assert closed.status_code == 200
    assert _notices(world, "merchant", "campaign_closed") == 1
    assert (
        client.patch(patch, json={"status": "open"}, headers=_h(world, "admin")).status_code == 409
    )
    assert client.post(claims, headers=twin.headers).status_code == 409
    with session_scope(world.engine) as session:
        actions = [c.action for c in changes_of(session, entity="campaign", entity_id=cid)]
    assert actions == ["create", "join", "open", "closed"]


def test_rules_refused_with_the_field_named(world: World, client: TestClient) -> None:
    url = f"{API_PREFIX}/cities/{CITY}/campaigns"
    official = _h(world, "official_in")
    uncapped = client.post(
        url, json=_campaign(kind="percent", amount_off_fen=None, percent_off=10), headers=official
    )
    assert uncapped.status_code == 422
    assert uncapped.json()["errors"][0]["field"] == "max_discount_fen"
    small = client.post(url, json=_campaign(budget_fen=999), headers=official)
    assert small.status_code == 422
    assert small.json()["errors"][0]["field"] == "budget_fen"
    outside = client.post(url, json=_campaign(communities=["440305001001"]), headers=official)
    assert outside.status_code == 422
    assert outside.json()["errors"][0]["field"] == "communities"
    foreign = client.post(url, json=_campaign(area_code="440305"), headers=official)
    assert foreign.status_code == 403
    unknown = client.post(url, json=_campaign(categories=["no_such_thing"]), headers=official)
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "categories"
    assert client.post(url, json=_campaign(), headers=_h(world, "merchant")).status_code == 403


def test_draft_edits_and_shops_left_outside(world: World, client: TestClient) -> None:
    created = _create(
        client,
        world,
        who="admin",
        communities=[],
        categories=["convenience_store"],
        kind="percent",
        amount_off_fen=None,
        min_spend_fen=0,
        percent_off=20,
        max_discount_fen=500,
        budget_fen=100_000,
    )
    cid = created["id"]
    assert created["area_code"] is None  # an administrator's campaign is the city's
    assert created["vouchers"] == 200
    place = _file_shop(world, SHAPUTOU)
    joined = client.post(
        f"{API_PREFIX}/campaigns/{cid}/shops",
        json={"place_id": place},
        headers=_h(world, "merchant"),
    )
    assert joined.status_code == 201, joined.text
    # a district's official does not manage (nor see, as a draft) the city's campaign
    patch = f"{API_PREFIX}/campaigns/{cid}"
    assert (
        client.patch(patch, json={"budget_fen": 1}, headers=_h(world, "official_in")).status_code
        == 404
    )
    edited = client.patch(
        patch, json={"budget_fen": 50_000, "categories": ["pharmacy"]}, headers=_h(world, "admin")
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["vouchers"] == 100
    assert edited.json()["shop_ids"] == []  # no longer of the campaign's categories
    assert _notices(world, "merchant", "campaign_left") == 1
    refused = client.post(
        f"{API_PREFIX}/campaigns/{cid}/shops",
        json={"place_id": place},
        headers=_h(world, "merchant"),
    )
    assert refused.status_code == 422
    assert "pharmacy" in refused.text
    left = client.delete(
        f"{API_PREFIX}/campaigns/{cid}/shops/{place}", headers=_h(world, "merchant")
    )
    assert left.status_code == 404
