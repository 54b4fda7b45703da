"""Near-expiry stock on SQLite and PostgreSQL: batches, daily list, offers, warnings, summary."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from lifecircle.api.app import API_PREFIX
from lifecircle.core.expiry import day_start
from lifecircle.errors import ValidationError
from lifecircle.services.areas import AreaScope
from lifecircle.services.ownership import grant_place
from lifecircle.services.stock import send_expiry_warnings
from lifecircle.services.stock.batches import change_batch, create_batch, today_local
from lifecircle.services.stock.summary import expiry_summary
from lifecircle.store.audit import changes_of
from lifecircle.store.db import session_scope
from lifecircle.store.notifications import list_notices
from lifecircle.store.owners import set_community

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.api.world import World

COMMUNITY = "440304001019"


def _shop(world: World) -> tuple[int, int, dict[str, str]]:
    merchant = world.principals["merchant"]
    return world.place_ids["owned"], merchant.account.id, merchant.headers


def test_batch_flow_over_http(world: World, client: TestClient) -> None:
    place, _, headers = _shop(world)
    today = today_local()
    base = f"{API_PREFIX}/shops/{place}"
    made = client.post(
        f"{base}/batches",
        headers=headers,
        json={
            "product": "SYNTHETIC 原味酸奶",
            "barcode": "6901234567892",
            "quantity": 12,
            "food_class": "yoghurt",
            "expiry_date": (today + timedelta(days=2)).isoformat(),
        },
    )
    assert made.status_code == 201, made.text
    batch = made.json()
    assert (batch["lead_days"], batch["stage"], batch["days_left"]) == (5, "near_expiry", 2)
    assert batch["suggested_discount_pct"] == 50  # 2 days of 5 left: past half the lead
    fresh = client.post(
        f"{base}/batches",
        headers=headers,
        json={
            "product": "SYNTHETIC 罐头",
            "quantity": 3,
            "production_date": today.isoformat(),
            "shelf_life_days": 400,
        },
    ).json()
    assert (fresh["lead_basis"], fresh["lead_days"], fresh["stage"]) == ("band", 45, "fresh")
    assert fresh["expiry_date"] == (today + timedelta(days=399)).isoformat()
    bad = client.post(
        f"{base}/batches",
        headers=headers,
        json={
            "product": "x",
            "quantity": 1,
            "barcode": "6901234567893",
            "food_class": "tofu",
            "expiry_date": today.isoformat(),
        },
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "barcode"

    daily = client.get(f"{base}/expiry", headers=headers).json()
    assert [b["id"] for b in daily["near_expiry"]] == [batch["id"]]
    assert daily["expired"] == []
    assert "not a national standard" in daily["basis"]
    later = client.get(
        f"{base}/expiry", headers=headers, params={"date": (today + timedelta(days=3)).isoformat()}
    ).json()
    assert [b["id"] for b in later["expired"]] == [batch["id"]]

    early = client.post(
        f"{base}/batches/{fresh['id']}/offer", headers=headers, json={"price_fen": 100}
    )
    assert early.status_code == 409
    offered = client.post(
        f"{base}/batches/{batch['id']}/offer", headers=headers, json={"regular_price_fen": 650}
    )
    assert offered.status_code == 200, offered.text
    assert (offered.json()["offer_price_fen"], offered.json()["offer_live"]) == (325, True)
    offers = client.get(f"{API_PREFIX}/cities/shenzhen-test/places/osm:node/1/offers").json()
    assert [(o["batch_id"], o["price_fen"], o["days_left"]) for o in offers] == [
        (batch["id"], 325, 2)
    ]
    sold = client.patch(f"{base}/batches/{batch['id']}", headers=headers, json={"state": "sold"})
    assert sold.json()["state"] == "sold"
    assert client.get(f"{API_PREFIX}/cities/shenzhen-test/places/osm:node/1/offers").json() == []
    again = client.patch(f"{base}/batches/{batch['id']}", headers=headers, json={"quantity": 1})
    assert again.status_code == 409
    other = world.principals["other_merchant"].headers
    assert client.get(f"{base}/batches", headers=other).status_code == 404
    assert (
        client.patch(
            f"{base}/batches/{fresh['id']}", headers=other, json={"state": "removed"}
        ).status_code
        == 404
    )
    with session_scope(world.engine) as session:
        actions = [c.action for c in changes_of(session, entity="batch", entity_id=batch["id"])]
    assert actions == ["create", "offer", "sold"]


def test_a_batch_recorded_just_after_midnight_in_shanghai(world: World) -> None:
    place, merchant, _ = _shop(world)
    # 16:30 UTC on the 9th is 00:30 on the 10th in Shanghai: an expiry on the 10th is today
    made = create_batch(
        engine=world.engine,
        user_id=merchant,
        place_id=place,
        product="豆腐",
        quantity=1,
        food_class="tofu",
        expiry_date=date(2026, 12, 10),
        now=datetime(2026, 12, 9, 16, 30, tzinfo=UTC),
    )
    assert (made.days_left, made.suggested_discount_pct) == (0, 70)
    assert made.batch.expires_at == datetime(2026, 12, 10, 16, 0, tzinfo=UTC)
    with pytest.raises(ValidationError, match="is past") as caught:
        create_batch(
            engine=world.engine,
            user_id=merchant,
            place_id=place,
            product="豆腐",
            quantity=1,
            food_class="tofu",
            expiry_date=date(2026, 12, 9),
            now=datetime(2026, 12, 9, 16, 0, tzinfo=UTC),
        )
    assert caught.value.field == "expiry_date"


def test_warnings_are_sent_once_per_stage(world: World) -> None:
    place, merchant, _ = _shop(world)
    now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    near = create_batch(
        engine=world.engine,
        user_id=merchant,
        place_id=place,
        product="鲜奶",
        quantity=2,
        food_class="fresh_milk",
        expiry_date=date(2026, 12, 3),
        now=now,
    )
    create_batch(
        engine=world.engine,
        user_id=merchant,
        place_id=place,
        product="罐头",
        quantity=2,
        food_class="canned_food",
        expiry_date=date(2027, 6, 1),
        now=now,
    )
    first = send_expiry_warnings(engine=world.engine, today=date(2026, 12, 1))
    assert (first.checked, first.sent) == (1, 1)
    assert send_expiry_warnings(engine=world.engine, today=date(2026, 12, 1)).sent == 0
    assert send_expiry_warnings(engine=world.engine, today=date(2026, 12, 2)).sent == 0
    expired = send_expiry_warnings(engine=world.engine, today=date(2026, 12, 4))
    assert expired.sent == 1
    assert send_expiry_warnings(engine=world.engine, today=date(2026, 12, 5)).sent == 0
    with session_scope(world.engine) as session:
        notices, total, _ = list_notices(session, user_id=merchant)
    assert total == 2
    assert {n.data["stage"] for n in notices} == {"near_expiry", "expired"}
    assert {n.kind for n in notices} == {"expiry_warning"}
    assert all(n.data["batch_id"] == near.batch.id for n in notices)


def _brute_force(rows: list[dict], day: date) -> tuple[dict, dict]:
    at = day_start(day)
    expired: dict = {}
    lapses: dict = {}
    for r in rows:
        if r["expiry"] < day and r["created"] < at and (r["closed"] is None or r["closed"] >= at):
            expired[r["community"]] = expired.get(r["community"], 0) + 1
        gone = day_start(r["expiry"] + timedelta(days=1))
        if day - timedelta(days=30) <= r["expiry"] <= day - timedelta(days=1) and (
            r["closed"] is None or r["closed"] >= gone
        ):
            lapses[r["place"]] = lapses.get(r["place"], 0) + 1
    return expired, lapses


def test_summary_against_a_brute_force(world: World) -> None:
    merchant = world.principals["merchant"].account.id
    places = [world.place_ids["owned"], world.place_ids["free"]]
    grant_place(engine=world.engine, user_id=merchant, place_id=places[1])
    communities = {places[0]: COMMUNITY, places[1]: "440304001020"}
    with session_scope(world.engine) as session:
        for pid, code in communities.items():
            set_community(session, place_id=pid, community_code=code)
    rng = random.Random(7)
    start = date(2026, 10, 1)
    rows = []
    for k in range(40):
        place = places[k % 2]
        created = datetime(2026, 10, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(60))
        expiry = created.date() + timedelta(days=rng.randrange(0, 20))
        made = create_batch(
            engine=world.engine,
            user_id=merchant,
            place_id=place,
            product=f"SYNTHETIC {k}",
            quantity=1,
            food_class="bread_pastry",
            expiry_date=expiry,
            now=created,
        )
        closed = None
        if rng.random() < 0.5:
            closed = day_start(expiry) + timedelta(hours=rng.randrange(-30, 30))
            closed = max(closed, created + timedelta(minutes=1))
            change_batch(
                engine=world.engine,
                user_id=merchant,
                place_id=place,
                batch_id=made.batch.id,
                state="removed",
                now=closed,
            )
        rows.append(
            {
                "place": place,
                "community": communities[place],
                "expiry": expiry,
                "created": created,
                "closed": closed,
            }
        )
    scope = AreaScope(city="shenzhen-test", city_id=_city_id(world), area=None)
    for day in (start + timedelta(days=d) for d in itertools.chain(range(0, 90, 7), [45, 46])):
        found = expiry_summary(engine=world.engine, scope=scope, day=day)
        expired, lapses = _brute_force(rows, day)
        assert {
            c.code: c.expired_in_stock for c in found.communities if c.expired_in_stock
        } == expired
        by_place = {s.place_id: s.lapses for s in found.shops}
        assert by_place == {p: n for p, n in lapses.items() if n >= 2}
        assert sum(c.lapses for c in found.communities) == sum(lapses.values())


def _city_id(world: World) -> int:
    from lifecircle.store.cities import get_city  # noqa: PLC0415

    with session_scope(world.engine) as session:
        return get_city(session, name="shenzhen-test").id
