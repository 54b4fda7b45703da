"""Residents' home points over HTTP, on SQLite and PostgreSQL: set, read, forget, private.

The city is the Futian residents' city (real network and community boundaries,
SYNTHETIC places; tests/services/residents_city.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lifecircle.api.app import create_app
from lifecircle.config import Settings
from lifecircle.services.accounts import create_account, delete_account, issue_token
from lifecircle.store.db import session_scope
from lifecircle.store.homes import ResidentHome
from lifecircle.store.migrate import open_database
from tests.services.residents_city import make_residents_city
from tests.store import conftest as store_conftest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.engine import Engine

    from tests.services.residents_city import ResidentsCity

postgres = store_conftest.postgres
PASSWORD = "a synthetic test password"


class Homes:
    """A client, the city, the settings and a way to make residents with tokens."""

    def __init__(
        self, client: TestClient, engine: Engine, settings: Settings, city: ResidentsCity
    ) -> None:
        self.client, self.engine, self.settings, self.city = client, engine, settings, city
        self.count = 0

    def resident(self) -> tuple[int, dict[str, str]]:
        self.count += 1
        account = create_account(
            engine=self.engine, username=f"home-{self.count}", password=PASSWORD, role="resident"
        )
        token = issue_token(engine=self.engine, settings=self.settings, user_id=account.id).token
        return account.id, {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def homes(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Homes]:
    folder = tmp_path_factory.mktemp(request.param)
    server = None
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'api.db'}"
    else:
        server = request.getfixturevalue("postgres")
        url = server.fresh_database()
    engine = open_database(url)
    city = make_residents_city(engine, folder)
    settings = Settings(database_url=url, data_dir=folder, environment="development")
    try:
        with TestClient(create_app(settings)) as client:
            yield Homes(client, engine, settings, city)
    finally:
        engine.dispose()
        if server is not None:
            server.drop_database(url)


def test_a_home_is_filed_under_the_community_that_holds_it(homes: Homes) -> None:
    _, headers = homes.resident()
    g_lon, g_lat = homes.city.centre_gcj
    near = homes.client.get(
        f"/api/v1/cities/{homes.city.name}/communities",
        params={"near": f"{g_lon},{g_lat}", "crs": "gcj02"},
    ).json()[0]
    body = {"city": homes.city.name, "lon": g_lon, "lat": g_lat, "crs": "gcj02"}
    made = homes.client.put("/api/v1/users/me/home", json=body, headers=headers)
    assert made.status_code == 200, made.text
    home = made.json()
    assert home["community_code"] == near["code"]
    assert home["community_name"] == near["name"]
    assert home["updated_at"].endswith("+08:00")
    # read back in GCJ-02: the same point to a millimetre or so
    again = homes.client.get("/api/v1/users/me/home", params={"crs": "gcj02"}, headers=headers)
    assert again.json()["lon"] == pytest.approx(g_lon, abs=1e-7)
    assert again.json()["lat"] == pytest.approx(g_lat, abs=1e-7)
    # stored as WGS-84, not as given
    wgs = homes.client.get("/api/v1/users/me/home", headers=headers).json()
    assert abs(wgs["lon"] - g_lon) > 1e-4


def test_a_home_is_private_and_can_be_forgotten(homes: Homes) -> None:
    owner, headers = homes.resident()
    _, other = homes.resident()
    g_lon, g_lat = homes.city.centre_gcj
    body = {"city": homes.city.name, "lon": g_lon, "lat": g_lat, "crs": "gcj02"}

    def has_home(who: dict[str, str]) -> bool:
        return bool(homes.client.get("/api/v1/users/me", headers=who).json()["has_home"])

    assert not has_home(headers)
    assert homes.client.put("/api/v1/users/me/home", json=body, headers=headers).status_code == 200
    assert has_home(headers)
    assert not has_home(other)
    assert homes.client.get("/api/v1/users/me/home", headers=other).status_code == 404
    assert homes.client.delete("/api/v1/users/me/home", headers=headers).status_code == 204
    assert not has_home(headers)
    assert homes.client.get("/api/v1/users/me/home", headers=headers).status_code == 404
    assert homes.client.delete("/api/v1/users/me/home", headers=headers).status_code == 404
    # deleting the account deletes its home
    assert homes.client.put("/api/v1/users/me/home", json=body, headers=headers).status_code == 200
    delete_account(engine=homes.engine, settings=homes.settings, user_id=owner)
    with session_scope(homes.engine) as session:
        assert session.scalar(select(ResidentHome).where(ResidentHome.user_id == owner)) is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"city": "nowhere", "lon": 114.05, "lat": 22.54}, "city"),
        ({"city": "x", "lon": 200, "lat": 22.54}, "body.lon"),
        ({"city": "x", "lon": 114.05, "lat": 22.54, "crs": "utm"}, "body.crs"),
        ({"city": "x", "lon": 114.05}, "body.lat"),
    ],
)
def test_a_bad_home_names_the_field(homes: Homes, body: dict, field: str) -> None:
    _, headers = homes.resident()
    answer = homes.client.put("/api/v1/users/me/home", json=body, headers=headers)
    assert answer.status_code in {404, 422}
    assert answer.json()["errors"][0]["field"] == field
