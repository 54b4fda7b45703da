"""Nearby search shows the merchants' data at once: owner, services, offers, coupons (both DBs).

The shop is a place of the real Futian network city (``tests/services/residents_city.py``);
every change goes through the merchant's routes, and the answer comes from the live index
of the same app, which catches up by the places version: no search reads the merchants'
tables.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from lifecircle.api.app import API_PREFIX
from lifecircle.core.expiry import day_start, expires_at
from lifecircle.services.ownership import grant_place_by_uid, release_place
from lifecircle.services.stock.batches import today_local
from lifecircle.store.db import session_scope
from lifecircle.store.models import City
from tests.services.residents_city import make_residents_city

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from sqlalchemy.engine import Engine

    from tests.api.world import World

UID = "csv:shop-meiyijia"


def _version(engine: Engine, name: str) -> int:
    with session_scope(engine) as session:
        city = session.query(City).filter(City.name == name).one()
        return int(city.places_version)


class Nearby:
    """The nearby answer for one place, around the city's centre."""

    def __init__(self, client: TestClient, city: str, centre: tuple[float, float]) -> None:
        self.client, self.city, self.centre = client, city, centre

    def place(self, uid: str = UID, *, at: datetime | None = None) -> dict[str, Any]:
        params: dict[str, Any] = {"lon": self.centre[0], "lat": self.centre[1], "minutes": 15}
        params |= {"limit": 200, "q": "美宜佳"}
        if at is not None:
            params["at"] = at.isoformat()
        response = self.client.get(f"{API_PREFIX}/cities/{self.city}/nearby", params=params)
        assert response.status_code == 200, response.text
        found = [p for p in response.json()["places"] if p["id"] == uid]
        assert len(found) == 1, response.json()
        return found[0]


def test_nearby_follows_the_merchant(world: World, engine: Engine, client: TestClient) -> None:
    city = make_residents_city(engine, world.settings.data_dir, assess=False)
    look = Nearby(client, city.name, city.centre)
    plain = look.place()  # the index is loaded before the shop exists
    assert (plain["verified"], plain["services"], plain["coupons"], plain["near_expiry"]) == (
        False,
        [],
        0,
        0,
    )
    merchant = world.add_principal("nearby-owner", "merchant", None, None)
    shop = grant_place_by_uid(
        engine=engine, username=merchant.account.username, city=city.name, uid=UID
    )
    assert look.place()["verified"] is True

    # the shop's profile: services show at once
    base, headers = f"{API_PREFIX}/shops/{shop.id}", merchant.headers
    patched = client.patch(
        base, headers=headers, json={"services": ["parcel_collection", "rental"]}
    )
    assert patched.status_code == 200, patched.text
    assert sorted(look.place()["services"]) == ["parcel_collection", "rental"]

    # a near-expiry batch: counted once its offer is published, not before
    today = today_local()
    made = client.post(
        f"{base}/batches",
        headers=headers,
        json={
            "product": "SYNTHETIC 鲜牛奶",
            "quantity": 6,
            "food_class": "fresh_milk",
            "expiry_date": (today + timedelta(days=1)).isoformat(),
        },
    )
    assert made.status_code == 201, made.text
    batch = made.json()["id"]
    assert look.place()["near_expiry"] == 0
    version = _version(engine, city.name)
    offer = client.post(
        f"{base}/batches/{batch}/offer", headers=headers, json={"regular_price_fen": 900}
    )
    assert offer.status_code == 200, offer.text
    assert _version(engine, city.name) > version
    assert look.place()["near_expiry"] == 1
    # the offer ends by itself when the batch expires: no write, the moment decides
    end = expires_at(today + timedelta(days=1))
    assert look.place(at=end - timedelta(seconds=1))["near_expiry"] == 1
    assert look.place(at=end)["near_expiry"] == 0
    assert look.place(at=day_start(today) - timedelta(days=3))["near_expiry"] == 0

    # coupons: active ones with some left, within their window at the moment asked
    now = datetime.now(UTC)
    coupon: dict[str, Any] = {
        "title": "满30减5",
        "kind": "threshold",
        "amount_off_fen": 500,
        "min_spend_fen": 3000,
        "quantity": 1,
        "valid_from": (now - timedelta(hours=1)).isoformat(),
        "valid_until": (now + timedelta(days=2)).isoformat(),
    }
    first = client.post(f"{base}/coupons", headers=headers, json=coupon)
    assert first.status_code == 201, first.text
    later = coupon | {
        "quantity": 5,
        "valid_from": (now + timedelta(days=3)).isoformat(),
        "valid_until": (now + timedelta(days=4)).isoformat(),
    }
    assert client.post(f"{base}/coupons", headers=headers, json=later).status_code == 201
    assert look.place()["coupons"] == 1
    assert look.place(at=now + timedelta(days=3, hours=1))["coupons"] == 1
    assert look.place(at=now + timedelta(days=5))["coupons"] == 0
    # the last one claimed: no longer counted
    resident = world.principals["resident"].headers
    claimed = client.post(f"{API_PREFIX}/coupons/{first.json()['id']}/claims", headers=resident)
    assert claimed.status_code == 201, claimed.text
    assert look.place()["coupons"] == 0
    # a paused coupon is not counted, a resumed one is again
    second = client.get(f"{base}/coupons", headers=headers).json()
    later_id = next(c["id"] for c in second if c["quantity"] == 5)
    pause = client.patch(f"{base}/coupons/{later_id}", headers=headers, json={"status": "paused"})
    assert pause.status_code == 200, pause.text
    assert look.place(at=now + timedelta(days=3, hours=1))["coupons"] == 0
    resume = client.patch(f"{base}/coupons/{later_id}", headers=headers, json={"status": "active"})
    assert resume.status_code == 200, resume.text
    assert look.place(at=now + timedelta(days=3, hours=1))["coupons"] == 1

    # the batch sold: its offer goes at once
    sold = client.patch(f"{base}/batches/{batch}", headers=headers, json={"state": "sold"})
    assert sold.status_code == 200, sold.text
    assert look.place()["near_expiry"] == 0

    # the owner gives the shop up: no longer verified
    release_place(engine=engine, user_id=merchant.account.id, place_id=shop.id)
    assert look.place()["verified"] is False


def test_a_fresh_index_loads_the_merchants_data(
    world: World, engine: Engine, client: TestClient
) -> None:
    """A worker that loads the city after the changes sees them in its first load."""
    city = make_residents_city(engine, world.settings.data_dir, assess=False)
    merchant = world.add_principal("nearby-first", "merchant", None, None)
    shop = grant_place_by_uid(
        engine=engine, username=merchant.account.username, city=city.name, uid=UID
    )
    base, headers = f"{API_PREFIX}/shops/{shop.id}", merchant.headers
    assert client.patch(base, headers=headers, json={"services": ["open_24h"]}).status_code == 200
    made = client.post(
        f"{base}/batches",
        headers=headers,
        json={
            "product": "SYNTHETIC 面包",
            "quantity": 2,
            "food_class": "bread_pastry",
            "expiry_date": today_local().isoformat(),
        },
    ).json()
    offer = client.post(
        f"{base}/batches/{made['id']}/offer", headers=headers, json={"price_fen": 300}
    )
    assert offer.status_code == 200, offer.text
    found = Nearby(client, city.name, city.centre).place()
    assert (found["verified"], found["services"], found["near_expiry"]) == (True, ["open_24h"], 1)
