"""Residents' near-expiry offers within a walk, on the real Futian network (both databases)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from lifecircle.api.app import API_PREFIX
from lifecircle.services.accounts import create_account
from lifecircle.services.ownership import grant_place_by_uid
from lifecircle.services.stock.batches import create_batch, publish_offer, today_local
from tests.services.residents_city import make_residents_city

if TYPE_CHECKING:
    from pathlib import Path

    from fastapi.testclient import TestClient
    from sqlalchemy.engine import Engine

    from tests.api.world import World


def test_offers_nearby_nearest_first(
    world: World, engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    city = make_residents_city(engine, world.settings.data_dir, assess=False)
    owner = create_account(
        engine=engine, username="stock-owner", password="a synthetic pw 1", role="merchant"
    )
    made = {}
    for uid in ("csv:shop-meiyijia", "csv:shop-qiandama"):
        shop = grant_place_by_uid(engine=engine, username="stock-owner", city=city.name, uid=uid)
        batch = create_batch(
            engine=engine,
            user_id=owner.id,
            place_id=shop.id,
            product=f"奶 {uid}",
            quantity=4,
            food_class="fresh_milk",
            expiry_date=today_local() + timedelta(days=1),
        )
        publish_offer(
            engine=engine,
            user_id=owner.id,
            place_id=shop.id,
            batch_id=batch.batch.id,
            regular_price_fen=800,
        )
        made[uid] = batch.batch.id
    lon, lat = city.centre_gcj
    url = f"{API_PREFIX}/cities/{city.name}/offers/nearby"
    body = client.get(url, params={"lon": lon, "lat": lat, "crs": "gcj02", "minutes": 15}).json()
    assert [o["place"] for o in body["offers"]] == ["csv:shop-meiyijia", "csv:shop-qiandama"]
    assert [o["price_fen"] for o in body["offers"]] == [400, 400]  # 1 day of 2 left: 50 % off
    minutes = [o["minutes"] for o in body["offers"]]
    assert minutes == sorted(minutes)
    assert 0 < minutes[-1] <= 15
    first = body["offers"][0]
    assert (first["lon"], first["lat"]) == pytest.approx(city.gcj_of["csv:shop-meiyijia"], abs=1e-6)
    tiny = client.get(url, params={"lon": lon, "lat": lat, "crs": "gcj02", "minutes": 0.5}).json()
    assert len(tiny["offers"]) < 2
    far = client.get(url, params={"lon": 0.0, "lat": 0.0})
    assert far.status_code == 422
