"""A merchant's shop merged into a duplicate place stays theirs, editable through the API.

Runs on a SQLite file and on a real PostgreSQL server (tests/api/conftest.py). The
places are SYNTHETIC.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope
from lifecircle.store.places import attach_place_source, upsert_places
from tests.api.world import CITY, World

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

API = "/api/v1"


def test_the_merchant_edits_their_merged_shop(world: World, client: TestClient) -> None:
    merchant = world.principals["merchant"].headers
    owned = world.place_ids["owned"]
    made = client.post(
        f"{API}/shops/{owned}/prices",
        json={"name": "豆浆", "spec": "杯", "price_fen": 350},
        headers=merchant,
    )
    assert made.status_code == 201, made.text
    with session_scope(world.engine) as session:
        city_id = get_city(session, name=CITY).id
        twin = upsert_places(
            session,
            city_id=city_id,
            source="amap",
            rows=[{"source_id": "B1", "lon": 114.0911, "lat": 22.5420, "name": "SYNTHETIC shop"}],
        ).place_ids["B1"]
        # the official's import finds the merchant's shop to be the Amap record: it goes
        attach_place_source(session, place_id=twin, source="osm", source_id="node/1")
    assert client.get(f"{API}/shops/{owned}/prices", headers=merchant).status_code == 404
    places = client.get(f"{API}/users/me/places", headers=merchant).json()
    assert [p["id"] for p in places] == [twin]
    items = client.get(f"{API}/shops/{twin}/prices", headers=merchant).json()
    assert [(i["id"], i["name"], i["price_fen"]) for i in items] == [
        (made.json()["id"], "豆浆", 350)
    ]
    changed = client.patch(
        f"{API}/shops/{twin}/prices/{made.json()['id']}", json={"price_fen": 380}, headers=merchant
    )
    assert changed.status_code == 200, changed.text
    renamed = client.patch(
        f"{API}/shops/{twin}", json={"name": "SYNTHETIC 便利店"}, headers=merchant
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "SYNTHETIC 便利店"
    other = world.principals["other_merchant"].headers
    assert client.patch(f"{API}/shops/{twin}", json={"name": "x"}, headers=other).status_code == 404
    notices = client.get(f"{API}/users/me/notifications", headers=merchant).json()
    merged = [n for n in notices["items"] if n["kind"] == "shop_merged"]
    assert [n["data"]["place_id"] for n in merged] == [twin]
