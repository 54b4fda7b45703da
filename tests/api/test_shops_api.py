"""Shops over HTTP on a city with a walking network, on SQLite and PostgreSQL.

An approved shop is found by nearby search at once (the app is not restarted: its live
index follows the city's places version), and when its owner moves it, nearby follows.
The city is the Futian residents' city (real network, SYNTHETIC places).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from lifecircle.api.app import create_app
from lifecircle.config import Settings
from lifecircle.services.accounts import create_account, issue_token
from lifecircle.store.migrate import open_database
from tests.services.residents_city import make_residents_city
from tests.store import conftest as store_conftest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.services.residents_city import ResidentsCity

postgres = store_conftest.postgres
API = "/api/v1"


class Shops:
    """A started app on the networked city, with a merchant's and an admin's headers."""

    def __init__(
        self, client: TestClient, city: ResidentsCity, merchant: dict, admin: dict
    ) -> None:
        self.client = client
        self.city = city
        self.merchant = merchant
        self.admin = admin

    def nearby(self, q: str) -> list[dict]:
        lon, lat = self.city.centre
        answer = self.client.get(
            f"{API}/cities/{self.city.name}/nearby",
            params={"lon": lon, "lat": lat, "q": q, "minutes": 20},
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["places"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shops_api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Shops]:
    folder = tmp_path_factory.mktemp(f"shops-{request.param}")
    server = None
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'api.db'}"
    else:
        server = request.getfixturevalue("postgres")
        url = server.fresh_database()
    engine = open_database(url)
    city = make_residents_city(engine, folder)
    settings = Settings(database_url=url, data_dir=folder, environment="development")
    headers = {}
    for role in ("merchant", "admin"):
        account = create_account(
            engine=engine, username=f"shops-{role}", password="a synthetic password", role=role
        )
        token = issue_token(engine=engine, settings=settings, user_id=account.id).token
        headers[role] = {"Authorization": f"Bearer {token}"}
    try:
        with TestClient(create_app(settings)) as client:
            yield Shops(client, city, headers["merchant"], headers["admin"])
    finally:
        engine.dispose()
        if server is not None:
            server.drop_database(url)


def test_an_approved_shop_is_found_nearby_and_followed_when_moved(shops_api: Shops) -> None:
    api, city = shops_api, shops_api.city
    lon, lat = city.centre
    name = "SYNTHETIC 邻里药房"
    assert api.nearby("邻里药房") == []  # the index is loaded, without the shop
    made = api.client.post(
        f"{API}/cities/{city.name}/shops",
        headers=api.merchant,
        json={
            "name": name,
            "categories": ["pharmacy"],
            "lon": lon + 0.0005,
            "lat": lat,
            "weekly_hours": {"mon": ["08:00-22:00"], "sun": ["09:00-18:00"]},
            "services": ["home_service"],
            "phone": "0755-88886666",
        },
    )
    assert made.status_code == 201, made.text
    application = made.json()
    assert application["status"] == "pending"
    assert application["opening_hours"] == "Mo 08:00-22:00; Su 09:00-18:00"
    assert application["services"] == [
        {"code": "home_service", "name_zh": "上门服务", "name_en": "home service"}
    ]
    assert api.nearby("邻里药房") == []  # pending: not a place yet
    approved = api.client.post(
        f"{API}/shop-applications/{application['id']}/approve", headers=api.admin
    )
    assert approved.status_code == 200, approved.text
    found = api.nearby("邻里药房")
    assert [p["id"] for p in found] == [f"merchant:{application['id']}"]
    assert found[0]["categories"][0]["name_zh"] == "药店"
    first_m = found[0]["metres"]

    page = api.client.get(f"{API}/cities/{city.name}/places/merchant:{application['id']}").json()
    assert page["verified"] is True
    assert page["phone"] == "0755-88886666"
    assert page["services"][0]["name_zh"] == "上门服务"
    mine = api.client.get(f"{API}/users/me/shop-applications", headers=api.merchant).json()
    assert [a["status"] for a in mine] == ["approved"]

    moved = api.client.patch(
        f"{API}/shops/{page['id']}",
        headers=api.merchant,
        json={"lon": lon + 0.004, "lat": lat + 0.002, "name": "SYNTHETIC 邻里大药房"},
    )
    assert moved.status_code == 200, moved.text
    after = api.nearby("邻里大药房")
    assert [p["id"] for p in after] == [f"merchant:{application['id']}"]
    assert after[0]["lon"] == pytest.approx(lon + 0.004)
    assert after[0]["metres"] > first_m + 200


def test_bad_hours_are_422_naming_the_field(shops_api: Shops) -> None:
    api, city = shops_api, shops_api.city
    lon, lat = city.centre
    answer = api.client.post(
        f"{API}/cities/{city.name}/shops",
        headers=api.merchant,
        json={
            "name": "x",
            "categories": ["pharmacy"],
            "lon": lon,
            "lat": lat,
            "opening_hours": "Jan 08:00-09:00",
        },
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "opening_hours"
    unknown = api.client.post(
        f"{API}/cities/{city.name}/shops",
        headers=api.merchant,
        json={"name": "x", "categories": ["nail_salon_xyz"], "lon": lon, "lat": lat},
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "categories"
