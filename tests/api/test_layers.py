"""Map layers over HTTP (street network and community outlines in a box), SQLite and PostgreSQL.

The city is the Futian residents' city (real network, h3:8 units; tests/services/residents_city.py).
Segments are checked against the network file itself: every one sent touches the box,
every one that touches it is sent, and GCJ-02 answers are the WGS-84 ones shifted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient

from lifecircle.api.app import create_app
from lifecircle.config import Settings
from lifecircle.io.coords import wgs84_to_gcj02
from lifecircle.io.network.lcnet import load_network
from lifecircle.services.residents import layers
from lifecircle.store.migrate import open_database
from tests.services.residents_city import make_residents_city
from tests.store import conftest as store_conftest

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.services.residents_city import ResidentsCity

postgres = store_conftest.postgres


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def city(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, ResidentsCity, Path]]:
    folder = tmp_path_factory.mktemp(request.param)
    server = None
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'api.db'}"
    else:
        server = request.getfixturevalue("postgres")
        url = server.fresh_database()
    engine = open_database(url)
    made = make_residents_city(engine, folder)
    app = create_app(Settings(database_url=url, data_dir=folder, environment="development"))
    try:
        with TestClient(app) as client:
            yield client, made, folder
    finally:
        engine.dispose()
        if server is not None:
            server.drop_database(url)


def _box(centre: tuple[float, float], half: float) -> str:
    lon, lat = centre
    return f"{lon - half},{lat - half},{lon + half},{lat + half}"


def test_network_in_a_box_is_exactly_the_touching_segments(city) -> None:
    client, made, folder = city
    half = 0.004
    answer = client.get(
        f"/api/v1/cities/{made.name}/network.geojson", params={"bbox": _box(made.centre, half)}
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/geo+json")
    body = answer.json()
    assert body["type"] == "FeatureCollection"
    (feature,) = body["features"]
    assert feature["geometry"]["type"] == "MultiLineString"
    lines = feature["geometry"]["coordinates"]
    assert feature["properties"]["segments"] == len(lines) > 50
    assert feature["properties"]["truncated"] is False

    net = load_network(next((folder / "cities").glob("*/network.lcnet")))
    w, s, e, n = (float(v) for v in _box(made.centre, half).split(","))
    lu, au, lv, av = net.lon[net.seg_u], net.lat[net.seg_u], net.lon[net.seg_v], net.lat[net.seg_v]
    touching = (
        (np.minimum(lu, lv) <= e)
        & (np.maximum(lu, lv) >= w)
        & (np.minimum(au, av) <= n)
        & (np.maximum(au, av) >= s)
    )
    assert len(lines) == int(touching.sum())
    sent = {tuple(map(tuple, line)) for line in lines}
    k = int(np.flatnonzero(touching)[0])
    first = ((round(lu[k], 6), round(au[k], 6)), (round(lv[k], 6), round(av[k], 6)))
    assert first in sent


def test_network_in_gcj02_is_shifted(city) -> None:
    client, made, _ = city
    box = _box(made.centre, 0.002)
    plain = client.get(f"/api/v1/cities/{made.name}/network.geojson", params={"bbox": box})
    # the same box asked in GCJ-02 (its corners shifted), answered in GCJ-02
    (w, s, e, n) = (float(v) for v in box.split(","))
    gx, gy = wgs84_to_gcj02(np.array([w, e]), np.array([s, n]))
    gbox = f"{gx[0]},{gy[0]},{gx[1]},{gy[1]}"
    shifted = client.get(
        f"/api/v1/cities/{made.name}/network.geojson", params={"bbox": gbox, "crs": "gcj02"}
    )
    assert shifted.status_code == 200, shifted.text
    wgs = plain.json()["features"][0]["geometry"]["coordinates"]
    gcj_lines = shifted.json()["features"][0]["geometry"]["coordinates"]
    gcj = {tuple(map(tuple, line)) for line in gcj_lines}
    (a, b), (c, d) = wgs[0]
    x, y = wgs84_to_gcj02(np.array([a, c]), np.array([b, d]))
    expected = ((round(x[0], 6), round(y[0], 6)), (round(x[1], 6), round(y[1], 6)))
    assert any(
        abs(p[0][0] - expected[0][0]) < 2e-6 and abs(p[1][1] - expected[1][1]) < 2e-6 for p in gcj
    )
    assert abs(wgs[0][0][0] - expected[0][0]) > 1e-3  # Futian: GCJ-02 is ~500 m off


def test_extent_is_the_network_box_and_a_street_node(city) -> None:
    client, made, folder = city
    body = client.get(f"/api/v1/cities/{made.name}/extent").json()
    net = load_network(next((folder / "cities").glob("*/network.lcnet")))
    assert body["bbox"] == pytest.approx(list(net.bbox), abs=1e-6)
    lon, lat = body["centre"]
    assert np.hypot(net.lon - lon, net.lat - lat).min() < 1e-6  # a node of the network
    w, s, e, n = body["bbox"]
    assert w < lon < e
    assert s < lat < n
    gcj = client.get(f"/api/v1/cities/{made.name}/extent", params={"crs": "gcj02"}).json()
    x, y = wgs84_to_gcj02(np.array([lon]), np.array([lat]))
    assert gcj["centre"] == pytest.approx([x[0], y[0]], abs=1e-6)
    assert client.get("/api/v1/cities/nowhere/extent").status_code == 404


def test_network_is_capped(city, monkeypatch: pytest.MonkeyPatch) -> None:
    client, made, _ = city
    monkeypatch.setattr(layers, "MAX_SEGMENTS", 10)
    body = client.get(
        f"/api/v1/cities/{made.name}/network.geojson", params={"bbox": _box(made.centre, 0.01)}
    ).json()
    props = body["features"][0]["properties"]
    assert props == props | {"segments": 10, "truncated": True}


def test_community_outlines_meet_the_box(city) -> None:
    client, made, _ = city
    box = _box(made.centre, 0.003)
    answer = client.get(f"/api/v1/cities/{made.name}/communities.geojson", params={"bbox": box})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["type"] == "FeatureCollection"
    assert body["truncated"] is False
    assert 1 <= len(body["features"]) < 30
    w, s, e, n = (float(v) for v in box.split(","))
    for feature in body["features"]:
        shape = shapely.geometry.shape(feature["geometry"])
        assert shape.is_valid
        assert shape.intersects(shapely.box(w, s, e, n))
        assert feature["properties"]["level"] == "community"
        assert feature["properties"]["code"]
    far = client.get(
        f"/api/v1/cities/{made.name}/communities.geojson", params={"bbox": "0,0,0.01,0.01"}
    )
    assert far.json()["features"] == []


@pytest.mark.parametrize(
    ("bbox", "words"),
    [
        ("1,2,3,4,5", "west,south,east,north"),
        ("a,b,c,d", "west,south,east,north"),
        ("114.1,22.6,114.0,22.7", "west <= east"),
        ("113,22,115,24", "more than"),
        ("nan,1,2,3", "west,south,east,north"),
    ],
)
def test_bad_boxes_are_422_naming_bbox(city, bbox: str, words: str) -> None:
    client, made, _ = city
    for layer in ("network", "communities"):
        answer = client.get(f"/api/v1/cities/{made.name}/{layer}.geojson", params={"bbox": bbox})
        assert answer.status_code == 422, answer.text
        (problem,) = answer.json()["errors"]
        assert problem["field"] == "query.bbox"
        assert words in problem["problem"]


def test_unknown_city_is_404(city) -> None:
    client, _, _ = city
    for layer in ("network", "communities"):
        answer = client.get(f"/api/v1/cities/nowhere/{layer}.geojson", params={"bbox": "0,0,1,1"})
        assert answer.status_code == 404, answer.text
