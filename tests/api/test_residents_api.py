"""Residents' routes over HTTP, on SQLite and PostgreSQL: answers, and 4xx for bad requests.

The app is the real one (``create_app``): its error translation answers every problem
with the platform's problem body (``errors[0]``: ``field``, ``problem``, ``context``).
The city is the Futian residents' city (real network, SYNTHETIC places;
tests/services/residents_city.py), with an assessment run and a plan.
"""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING

import numpy as np
import pytest
from fastapi.testclient import TestClient

from lifecircle.api.app import create_app
from lifecircle.config import Settings
from lifecircle.io.coords import gcj02_to_wgs84
from lifecircle.services.city.places import import_places
from lifecircle.store.migrate import open_database
from tests.services.residents_city import make_residents_city
from tests.store import conftest as store_conftest

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from fastapi import FastAPI

    from tests.services.residents_city import ResidentsCity

postgres = store_conftest.postgres


class Api:
    """A client on the minimal app, and what the tests need to know about the city."""

    def __init__(self, client: TestClient, app: FastAPI, city: ResidentsCity, folder: Path) -> None:
        self.client = client
        self.app = app
        self.city = city
        self.folder = folder
        self.base = f"/api/v1/cities/{city.name}"

    def get(self, path: str, **params: object):
        return self.client.get(f"{self.base}{path}", params=params)

    def nearby(self, **params: object):
        lon, lat = self.city.centre_gcj
        return self.get("/nearby", **({"lon": lon, "lat": lat, "crs": "gcj02"} | params))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    folder = tmp_path_factory.mktemp(request.param)
    server = None
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'api.db'}"
    else:
        server = request.getfixturevalue("postgres")
        url = server.fresh_database()
    engine = open_database(url)
    city = make_residents_city(engine, folder)
    app = create_app(Settings(database_url=url, data_dir=folder, environment="development"))
    try:
        with TestClient(app) as client:  # started: the app made its own engine
            yield Api(client, app, city, folder)
    finally:
        engine.dispose()
        if server is not None:
            server.drop_database(url)


def problem(response, status: int = 422) -> dict:
    """The first problem of an error answer: ``loc`` (the field, split), ``msg``, ``ctx``."""
    assert response.status_code == status, response.text
    body = response.json()
    if not body["errors"]:
        return {"msg": body["detail"]}
    first = body["errors"][0]
    return {
        "loc": (first["field"] or "").split("."),
        "msg": first["problem"],
        "ctx": first.get("context"),
    }


def test_nearby_answers_in_the_callers_crs(api: Api) -> None:
    response = api.nearby(minutes=10, limit=5, at="2026-12-04T23:30:00+08:00")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["crs"], body["profile"], body["timezone"]) == ("gcj02", "adult", "Asia/Shanghai")
    assert body["at"] == "2026-12-04T23:30:00+08:00"
    assert body["limit_m"] == pytest.approx(10 * 4000 / 60)
    assert 5 == len(body["places"]) <= body["total"]
    first = body["places"][0]
    assert set(first) == {
        "id",
        "name",
        "brand",
        "categories",
        "lon",
        "lat",
        "metres",
        "minutes",
        "open_now",
        "next_opening",
        "closes_at",
        "opening_hours",
        "verified",
        "services",
        "coupons",
        "near_expiry",
    }
    # no merchant owns a place of this city (tests/api/test_nearby_merchants.py has them)
    assert (first["verified"], first["services"], first["coupons"], first["near_expiry"]) == (
        False,
        [],
        0,
        0,
    )
    assert first["categories"][0].keys() == {"code", "name_zh", "name_en", "group"}
    metres = [p["metres"] for p in body["places"]]
    assert metres == sorted(metres)
    for p in body["places"]:
        assert (p["lon"], p["lat"]) == pytest.approx(api.city.gcj_of[p["id"]], abs=1e-9)
    wgs = api.get(
        "/nearby", lon=api.city.centre[0], lat=api.city.centre[1], minutes=10, limit=5
    ).json()
    assert [p["id"] for p in wgs["places"]] == [p["id"] for p in body["places"]]
    back = gcj02_to_wgs84(np.array([first["lon"]]), np.array([first["lat"]]))
    assert (wgs["places"][0]["lon"], wgs["places"][0]["lat"]) == pytest.approx(
        (back[0][0], back[1][0]), abs=1e-9
    )


def test_nearby_filters(api: Api) -> None:
    night = api.nearby(q="yexiao", at="2026-12-04T23:30:00+08:00", minutes=20).json()
    assert [p["id"] for p in night["places"]] == ["csv:shop-night"]
    assert night["places"][0]["open_now"] is True
    assert night["places"][0]["closes_at"] == "2026-12-05T02:00:00+08:00"
    both = api.client.get(
        f"{api.base}/nearby",
        params=[
            ("lon", api.city.centre[0]),
            ("lat", api.city.centre[1]),
            ("minutes", 20),
            ("category", "parcel_locker"),
            ("category", "vending_machine"),
        ],
    ).json()
    codes = [{c["code"] for c in p["categories"]} for p in both["places"]]
    assert all(c & {"parcel_locker", "vending_machine"} for c in codes)
    assert {"csv:shop-locker", "csv:shop-vending"} <= {p["id"] for p in both["places"]}
    shut = api.nearby(open_now="true", at="2026-12-05T03:00:00+08:00", minutes=20).json()
    assert all(p["open_now"] is True for p in shut["places"])
    assert "csv:shop-711" in {p["id"] for p in shut["places"]}
    assert "csv:shop-night" not in {p["id"] for p in shut["places"]}
    elderly = api.nearby(profile="elderly", minutes=10).json()
    assert elderly["speed_kmh"] == 3.2
    assert elderly["total"] < api.nearby(minutes=10).json()["total"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lon": None}, "lon"),
        ({"lon": "east"}, "lon"),
        ({"lat": 95}, "lat"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": 61}, "minutes"),
        ({"minutes": "nan"}, "minutes"),
        ({"crs": "epsg3857"}, "crs"),
        ({"profile": "runner"}, "profile"),
        ({"limit": 0}, "limit"),
        ({"limit": 10_000}, "limit"),
        ({"open_now": "perhaps"}, "open_now"),
        ({"at": "2026-12-04T23:30:00"}, "at"),
        ({"at": "tomorrow"}, "at"),
        ({"at": "9999-12-31T23:59:59-14:00"}, "at"),
        ({"at": "0001-01-01T00:00:00+14:00"}, "at"),
        ({"q": "x" * 51}, "q"),
        ({"category": "atm"}, "category"),
    ],
)
def test_a_bad_nearby_request_names_the_field(api: Api, params: dict, field: str) -> None:
    lon, lat = api.city.centre
    query = {k: v for k, v in ({"lon": lon, "lat": lat} | params).items() if v is not None}
    found = problem(api.get("/nearby", **query))
    assert found["loc"][-1] == field, found
    assert found["msg"]


def test_a_point_off_the_network_is_422_with_the_distance(api: Api) -> None:
    lon, lat = api.city.centre
    found = problem(api.get("/nearby", lon=lon + 0.05, lat=lat))
    assert "street" in found["msg"]
    assert found["loc"] == ["query", "lon"]
    assert found["ctx"]["max_snap_m"] == 300.0
    assert found["ctx"]["distance_m"] > 300.0
    assert f"{found['ctx']['distance_m']:,.0f} m" in found["msg"]
    far = problem(api.get("/isochrone", lon=0.0, lat=0.0))
    assert far["ctx"]["distance_m"] > 1_000_000
    route = problem(api.get("/route", **{"from": f"{lon + 0.05},{lat}", "to": "csv:shop-711"}))
    assert route["loc"] == ["query", "from"]
    assert "street" in route["msg"]


def test_unknown_cities_places_and_communities_are_404(api: Api) -> None:
    lon, lat = api.city.centre
    assert (
        "no city named 'atlantis'"
        in problem(
            api.client.get("/api/v1/cities/atlantis/nearby", params={"lon": lon, "lat": lat}), 404
        )["msg"]
    )
    assert (
        "has no place 'csv:nope'"
        in problem(api.get("/route", **{"from": f"{lon},{lat}", "to": "csv:nope"}), 404)["msg"]
    )
    assert "has no community 'nope'" in problem(api.get("/communities/nope"), 404)["msg"]


def test_route_is_a_geojson_feature_of_the_nearby_walk(api: Api) -> None:
    g_lon, g_lat = api.city.centre_gcj
    place = api.nearby(limit=10).json()["places"][-1]
    response = api.get("/route", **{"from": f"{g_lon},{g_lat}", "to": place["id"], "crs": "gcj02"})
    assert response.status_code == 200, response.text
    feature = response.json()
    assert feature["type"] == "Feature"
    assert feature["geometry"]["type"] == "LineString"
    coords = feature["geometry"]["coordinates"]
    assert coords[0] == pytest.approx([g_lon, g_lat], abs=1e-9)
    assert coords[-1] == pytest.approx([place["lon"], place["lat"]], abs=1e-9)
    props = feature["properties"]
    assert props["metres"] == pytest.approx(place["metres"], abs=1e-9)
    assert (props["to"], props["crs"], props["profile"]) == (place["id"], "gcj02", "adult")
    for bad in ("114.0", "a,b", "114.0,22.5,1", "nan,22.5"):
        assert problem(api.get("/route", **{"from": bad, "to": place["id"]}))["loc"] == [
            "query",
            "from",
        ]
    assert problem(api.get("/route", to=place["id"]))["loc"][-1] == "from"


def test_isochrone_is_a_geojson_area(api: Api) -> None:
    lon, lat = api.city.centre
    response = api.get("/isochrone", lon=lon, lat=lat, minutes=5)
    assert response.status_code == 200, response.text
    feature = response.json()
    assert feature["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    assert feature["properties"]["area_m2"] > 10_000
    assert feature["properties"]["limit_m"] == pytest.approx(5 * 4000 / 60)
    assert problem(api.get("/isochrone", lon=lon, lat=lat, minutes=-1))["loc"][-1] == "minutes"


def test_communities_near_a_point_and_the_card(api: Api) -> None:
    g_lon, g_lat = api.city.centre_gcj
    found = api.get("/communities", near=f"{g_lon},{g_lat}", crs="gcj02")
    assert found.status_code == 200, found.text
    (community,) = found.json()
    assert community["inside"] is True
    card = api.get(f"/communities/{community['code']}", crs="gcj02")
    assert card.status_code == 200, card.text
    body = card.json()
    assert body["code"] == community["code"]
    for key in ("grade", "grade_zh", "grade_rule", "circle_type", "circle_type_rule"):
        assert body[key], key
    assert {c["code"] for c in body["categories"] if c["missing"]} == set(body["missing"])
    assert body["plan"] is None or body["plan"]["gaps"] == ["laundry"]
    assert problem(api.get("/communities", near="here"))["loc"] == ["query", "near"]
    assert problem(api.get("/communities"))["loc"][-1] == "near"


def test_a_place_imported_after_the_first_request_is_found_at_the_next(api: Api) -> None:
    lon, lat = api.city.centre
    api.nearby()  # the live index exists
    live = api.app.state.live_index
    path = api.folder / "late.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "lon", "lat", "category", "name"])
        out.writerow(["late", f"{lon + 5e-5:.7f}", f"{lat:.7f}", "repair", "修鞋配钥匙"])
    import_places(
        engine=api.app.state.engine,
        settings=Settings(data_dir=api.folder),
        name=api.city.name,
        path=path,
        file_format="csv",
        source="late",  # a source of its own: the city's other places stay
    )
    found = api.get("/nearby", lon=lon, lat=lat, q="xiuxie").json()
    assert [p["id"] for p in found["places"]] == ["late:late"]
    assert api.app.state.live_index is live


def test_the_openapi_document_states_the_bounds(api: Api) -> None:
    doc = api.client.get("/api/v1/openapi.json").json()
    paths = doc["paths"]
    for path in ("nearby", "route", "isochrone", "communities", "communities/{code}"):
        assert f"/api/v1/cities/{{city}}/{path}" in paths
    params = {p["name"]: p for p in paths["/api/v1/cities/{city}/nearby"]["get"]["parameters"]}
    assert params["minutes"]["schema"]["maximum"] == 60
    assert params["limit"]["schema"]["maximum"] == 200
    assert params["crs"]["schema"]["enum"] == ["wgs84", "gcj02", "bd09"]
    route_params = {p["name"] for p in paths["/api/v1/cities/{city}/route"]["get"]["parameters"]}
    assert {"from", "to"} <= route_params
