"""A shop's redemptions for reconciliation, the price summary as XLSX, and the home community
of a coupon claim, over HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from openpyxl import load_workbook

from lifecircle.api.app import API_PREFIX
from lifecircle.store.db import session_scope
from lifecircle.store.homes import set_home
from lifecircle.store.models import City
from tests.api.world import CITY

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.api.world import World


def _coupon(**overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "title": "满50减10",
        "kind": "threshold",
        "amount_off_fen": 1000,
        "min_spend_fen": 5000,
        "quantity": 10,
        "per_person_limit": 5,
        "valid_from": (now - timedelta(hours=1)).isoformat(),
        "valid_until": (now + timedelta(days=7)).isoformat(),
    }
    return body | overrides


def _create(client: TestClient, world: World, **overrides: Any) -> dict[str, Any]:
    shop = world.place_ids["owned"]
    made = client.post(
        f"{API_PREFIX}/shops/{shop}/coupons",
        json=_coupon(**overrides),
        headers=world.principals["merchant"].headers,
    )
    assert made.status_code == 201, made.text
    return made.json()


def _claim(client: TestClient, world: World, coupon_id: int, **body: Any) -> Any:
    return client.post(
        f"{API_PREFIX}/coupons/{coupon_id}/claims",
        json=body or None,
        headers=world.principals["resident"].headers,
    )


def test_redemptions_of_a_period_with_totals(world: World, client: TestClient) -> None:
    shop = world.place_ids["owned"]
    merchant = world.principals["merchant"].headers
    coupon = _create(client, world)
    percent = _create(
        client,
        world,
        title="九折",
        kind="percent",
        percent_off=10,
        min_spend_fen=0,
        amount_off_fen=None,
    )
    before = datetime.now(UTC) - timedelta(seconds=1)
    done, codes = [], []
    for coupon_id, spent in ((coupon["id"], 6000), (percent["id"], 1999), (coupon["id"], 12345)):
        claim = _claim(client, world, coupon_id)
        assert claim.status_code == 201, claim.text
        codes.append(claim.json()["code"])
        redeemed = client.post(
            f"{API_PREFIX}/shops/{shop}/redemptions",
            json={"code": claim.json()["code"], "spent_fen": spent},
            headers=merchant,
        )
        assert redeemed.status_code == 201, redeemed.text
        done.append(redeemed.json())
    undone = client.post(
        f"{API_PREFIX}/shops/{shop}/redemptions/{done[2]['id']}/undo", headers=merchant
    )
    assert undone.status_code == 200, undone.text
    after = datetime.now(UTC) + timedelta(seconds=1)
    url = f"{API_PREFIX}/shops/{shop}/redemptions"
    period = {"since": before.isoformat(), "until": after.isoformat()}
    body = client.get(url, params=period, headers=merchant).json()
    # 6000 - 1000, and 10 % of 1999 rounded down: 199; the undone one is listed, not counted
    assert body["totals"] == {
        "count": 2,
        "spent_fen": 6000 + 1999,
        "discount_fen": 1000 + 199,
        "pay_fen": 5000 + 1800,
        "undone": 1,
    }
    assert body["total_items"] == 3
    items = body["items"]
    assert [i["id"] for i in items] == [d["id"] for d in done]
    assert [i["undone_at"] is None for i in items] == [True, True, False]
    assert [i["title"] for i in items] == ["满50减10", "九折", "满50减10"]
    assert [i["code_tail"] for i in items] == [c[-4:] for c in codes]
    assert [i["pay_fen"] for i in items] == [5000, 1800, 12345 - 1000]
    assert items[0]["redeemed_at"].endswith("+08:00")
    assert body["since"].endswith("+08:00")
    # pages: the totals cover the whole period
    page = client.get(url, params=period | {"limit": 1, "offset": 1}, headers=merchant).json()
    assert [i["id"] for i in page["items"]] == [done[1]["id"]]
    assert page["totals"]["count"] == 2
    # the default period is today in Asia/Shanghai
    today = client.get(url, headers=merchant).json()
    assert today["totals"]["count"] == 2
    assert today["since"].endswith("T00:00:00+08:00")
    # a period before them is empty
    earlier = {"since": (before - timedelta(days=1)).isoformat(), "until": before.isoformat()}
    empty = client.get(url, params=earlier, headers=merchant).json()
    assert empty["totals"] == {
        "count": 0,
        "spent_fen": 0,
        "discount_fen": 0,
        "pay_fen": 0,
        "undone": 0,
    }
    assert empty["items"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2026-01-02T00:00:00+08:00", "until": "2026-01-01T00:00:00+08:00"}, "since"),
        ({"since": "2026-01-01T00:00:00"}, "since"),
        ({"since": "2024-01-01T00:00:00+08:00", "until": "2026-01-01T00:00:00+08:00"}, "until"),
        ({"limit": 0}, "query.limit"),
    ],
)
def test_a_bad_period_names_the_field(
    world: World, client: TestClient, params: dict[str, Any], field: str
) -> None:
    shop = world.place_ids["owned"]
    response = client.get(
        f"{API_PREFIX}/shops/{shop}/redemptions",
        params=params,
        headers=world.principals["merchant"].headers,
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


def test_only_the_owner_reads_the_redemptions(world: World, client: TestClient) -> None:
    shop = world.place_ids["owned"]
    url = f"{API_PREFIX}/shops/{shop}/redemptions"
    assert client.get(url, headers=world.principals["other_merchant"].headers).status_code == 404
    assert client.get(url, headers=world.principals["resident"].headers).status_code == 403
    assert client.get(url).status_code == 401


def test_price_summary_xlsx_matches_the_json(world: World, client: TestClient) -> None:
    shop = world.place_ids["owned"]
    merchant = world.principals["merchant"].headers
    made = client.post(
        f"{API_PREFIX}/shops/{shop}/prices",
        json={"name": "=鸡蛋", "spec": "500g", "price_fen": 650},
        headers=merchant,
    )
    assert made.status_code == 201, made.text
    changed = client.patch(
        f"{API_PREFIX}/shops/{shop}/prices/{made.json()['id']}",
        json={"price_fen": 800},
        headers=merchant,
    )
    assert changed.status_code == 200, changed.text
    admin = world.principals["admin"].headers
    params = {"rise_pct": 5}
    summary = client.get(f"{API_PREFIX}/cities/{CITY}/prices/summary", params=params, headers=admin)
    assert summary.status_code == 200, summary.text
    expected = summary.json()
    response = client.get(
        f"{API_PREFIX}/cities/{CITY}/prices/summary.xlsx", params=params, headers=admin
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["概况", "社区 Communities", "涨价 Rises"]
    figures = {row[0]: row[1] for row in book["概况"].iter_rows(min_row=2, values_only=True)}
    assert figures["城市 City"] == CITY
    assert figures["商户 Shops"] == expected["shops"]
    assert figures["明码标价商户 Shops publishing"] == expected["publishing"]
    assert figures["涨价商品 Items risen"] == expected["rises_total"] == 1
    communities = list(book["社区 Communities"].iter_rows(min_row=2, values_only=True))
    assert [(c[0], c[2], c[3], c[4]) for c in communities] == [
        (c["code"], c["shops"], c["publishing"], c["share_pct"]) for c in expected["communities"]
    ]
    rises = list(book["涨价 Rises"].iter_rows(min_row=2, values_only=True))
    rise = expected["rises"][0]
    assert rises[0][3:8] == ("=鸡蛋", "500g", 650, 800, rise["rise_pct"])
    assert book["涨价 Rises"]["D2"].data_type == "s"  # a name, not a formula
    # times in Asia/Shanghai, without zone (Excel has none)
    shown = datetime.fromisoformat(rise["new_since"]).replace(tzinfo=None, microsecond=0)
    assert rises[0][9].replace(microsecond=0) == shown
    # the same rules as the JSON for every caller
    for who in ("official_in", "official_out", "merchant", "resident"):
        headers = world.principals[who].headers
        as_json = client.get(f"{API_PREFIX}/cities/{CITY}/prices/summary", headers=headers)
        as_xlsx = client.get(f"{API_PREFIX}/cities/{CITY}/prices/summary.xlsx", headers=headers)
        assert as_xlsx.status_code == as_json.status_code, who
    bad = client.get(
        f"{API_PREFIX}/cities/{CITY}/prices/summary.xlsx",
        params={"since": "2026-01-02T00:00:00+08:00", "until": "2026-01-01T00:00:00+08:00"},
        headers=admin,
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "since"


def test_a_claim_takes_the_home_community(world: World, client: TestClient) -> None:
    coupon = _create(client, world, communities=["440304001019"], per_person_limit=1)
    resident = world.principals["resident"].account.id
    assert _claim(client, world, coupon["id"]).status_code == 422  # no home, no community
    with session_scope(world.engine) as session:
        city_id = session.query(City.id).filter(City.name == CITY).scalar()
        other_id = session.query(City.id).filter(City.name != CITY).limit(1).scalar()
        set_home(
            session, user_id=resident, city_id=other_id, lon=114.0, lat=22.5, community_code=None
        )
    assert _claim(client, world, coupon["id"]).status_code == 422  # a home in another city
    with session_scope(world.engine) as session:
        set_home(
            session,
            user_id=resident,
            city_id=city_id,
            lon=114.0,
            lat=22.5,
            community_code="440305001001",
        )
    refused = _claim(client, world, coupon["id"])
    assert refused.status_code == 403, refused.text  # the home is in another community
    with session_scope(world.engine) as session:
        set_home(
            session,
            user_id=resident,
            city_id=city_id,
            lon=114.0,
            lat=22.5,
            community_code="440304001019",
        )
    claimed = _claim(client, world, coupon["id"])
    assert claimed.status_code == 201, claimed.text
    assert claimed.json()["community_code"] == "440304001019"
    # a community given wins over the home's
    open_coupon = _create(client, world)
    given = _claim(client, world, open_coupon["id"], community="440304001020")
    assert given.json()["community_code"] == "440304001020"
