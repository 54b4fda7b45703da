"""Residents' search as services: nearby, routes, isochrones, community cards.

Two cities on SQLite: the Helsinki demo (real OSM places) checks that nearby measures
what ``reach`` and ``access`` measure; the Futian residents' city (real network,
SYNTHETIC places, tests/services/residents_city.py) checks GCJ-02, opening hours in
Asia/Shanghai, keywords and pinyin, smart facilities, routes and community cards.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np
import pytest
import shapely
from pyproj import Geod

from lifecircle.config import Settings
from lifecircle.core.walk.access import accessibility
from lifecircle.core.walk.reach import reach
from lifecircle.core.walk.snap import snap_points
from lifecircle.errors import DataError, NotFoundError, ValidationError
from lifecircle.io.coords import gcj02_to_wgs84, wgs84_to_bd09, wgs84_to_gcj02
from lifecircle.services.assess import assess
from lifecircle.services.city.cities import create_city, drawn_units, stored_units
from lifecircle.services.city.data import load_city_data
from lifecircle.services.city.imports import CityImportRequest, import_city
from lifecircle.services.residents.communities import community_card, community_near
from lifecircle.services.residents.index import LiveIndex, OffNetworkError
from lifecircle.services.residents.nearby import nearby
from lifecircle.services.residents.walks import isochrone, route
from lifecircle.store import cities as city_store
from lifecircle.store.db import session_scope
from lifecircle.store.migrate import open_database
from lifecircle.store.places import place_table
from lifecircle.store.runs import get_assessment, get_plan
from tests.conftest import HELSINKI_PBF, require
from tests.services.residents_city import NAMED, ResidentsCity, make_residents_city

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Engine

GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def helsinki(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, LiveIndex]:
    folder = tmp_path_factory.mktemp("helsinki")
    engine = open_database(f"sqlite:///{folder}/t.db")
    pbf = require(HELSINKI_PBF)
    create_city(engine=engine, name="helsinki")
    import_city(
        engine=engine,
        settings=Settings(data_dir=folder),
        name="helsinki",
        request=CityImportRequest(network=pbf, places=pbf),
    )
    return engine, LiveIndex(engine)


@pytest.fixture(scope="module")
def futian(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, LiveIndex, ResidentsCity]:
    folder = tmp_path_factory.mktemp("futian")
    engine = open_database(f"sqlite:///{folder}/t.db")
    city = make_residents_city(engine, folder)
    return engine, LiveIndex(engine), city


def stored_places(engine: Engine, name: str):
    with session_scope(engine) as session:
        city_id = city_store.get_city(session, name=name).id
        return place_table(session, city_id=city_id)


def random_points(live: LiveIndex, name: str, n: int, seed: int):
    net = live.city(name).net
    rng = np.random.default_rng(seed)
    lo_lon, lo_lat, hi_lon, hi_lat = net.bbox
    return list(zip(rng.uniform(lo_lon, hi_lon, n), rng.uniform(lo_lat, hi_lat, n), strict=True))


# --- the demo: nearby measures what reach and access measure ------------------------------


def test_nearby_equals_reach_on_the_demo(helsinki) -> None:
    engine, live = helsinki
    net = live.city("helsinki").net
    rows, _ = stored_places(engine, "helsinki")
    uid = [r[1] for r in rows]
    p_lon = np.array([r[3] for r in rows])
    p_lat = np.array([r[4] for r in rows])
    places = snap_points(net, p_lon, p_lat)
    compared = 0
    for lon, lat in random_points(live, "helsinki", 40, seed=1):
        origin = snap_points(net, [lon], [lat])
        if not origin.ok[0]:
            with pytest.raises(OffNetworkError):
                nearby(live, city="helsinki", lon=lon, lat=lat)
            continue
        got = nearby(live, city="helsinki", lon=lon, lat=lat, minutes=4.5, limit=200)
        assert got.total == len(got.places) < 200
        want = reach(
            net,
            origin_lon=lon,
            origin_lat=lat,
            origin=origin,
            places=places,
            place_lon=p_lon,
            place_lat=p_lat,
            limit_m=300.0,
        )
        assert got.limit_m == pytest.approx(300.0)
        assert {p.id: p.metres for p in got.places} == pytest.approx(
            {uid[k]: m for k, m in zip(want.place.tolist(), want.metres.tolist(), strict=True)},
            abs=1e-6,
        )
        assert [p.metres for p in got.places] == sorted(p.metres for p in got.places)
        assert got.street_m == pytest.approx(float(origin.offset_m[0]))
        compared += len(got.places)
    assert compared > 500


def test_nearest_of_each_category_equals_access_on_the_demo(helsinki) -> None:
    engine, live = helsinki
    index = live.city("helsinki")
    rows, pairs = stored_places(engine, "helsinki")
    row_of = {r[0]: i for i, r in enumerate(rows)}
    codes = ("convenience_store", "supermarket", "pharmacy", "beauty_hair", "specialty_dining")
    kept = [(row_of[p], codes.index(c)) for p, c in pairs if c in codes]
    points = random_points(live, "helsinki", 60, seed=2)
    origins = snap_points(index.net, [p[0] for p in points], [p[1] for p in points])
    places = snap_points(index.net, [r[3] for r in rows], [r[4] for r in rows])
    result = accessibility(
        index.net,
        origins=origins,
        places=places.take(np.array([k[0] for k in kept])),
        place_category=np.array([k[1] for k in kept]),
        categories=codes,
        limit_m=1000.0,
        with_counts=False,
    )
    checked = 0
    for i, (lon, lat) in enumerate(points):
        if not origins.ok[i]:
            continue
        for j, code in enumerate(codes):
            got = nearby(live, city="helsinki", lon=lon, lat=lat, categories=[code], limit=1)
            if np.isnan(result.metres[i, j]):
                assert got.total == 0
            else:
                assert got.places[0].metres == pytest.approx(result.metres[i, j], abs=1e-6)
                assert got.places[0].minutes == pytest.approx(result.metres[i, j] * 60 / 4000)
                checked += 1
    assert checked > 100


# --- coordinates, time, words -----------------------------------------------------------------


def test_gcj02_in_and_out_round_trip(futian) -> None:
    _, live, city = futian
    wgs = nearby(live, city=city.name, lon=city.centre[0], lat=city.centre[1], limit=200)
    gcj = nearby(
        live, city=city.name, lon=city.centre_gcj[0], lat=city.centre_gcj[1], crs="gcj02", limit=200
    )
    b_lon, b_lat = wgs84_to_bd09(np.array([city.centre[0]]), np.array([city.centre[1]]))
    bd = nearby(
        live, city=city.name, lon=float(b_lon[0]), lat=float(b_lat[0]), crs="bd09", limit=200
    )
    assert gcj.crs == "gcj02"
    assert len(wgs.places) > 20
    for other in (gcj, bd):
        assert [p.id for p in other.places] == [p.id for p in wgs.places]
        for a, b in zip(other.places, wgs.places, strict=True):
            assert a.metres == pytest.approx(b.metres, abs=1e-4)
    for p_wgs, p_gcj in zip(wgs.places, gcj.places, strict=True):
        # the file's GCJ-02 position, through import (exact inverse) and back out
        assert (p_gcj.lon, p_gcj.lat) == pytest.approx(city.gcj_of[p_wgs.id], abs=1e-9)
        back = gcj02_to_wgs84(np.array([p_gcj.lon]), np.array([p_gcj.lat]))
        assert (float(back[0][0]), float(back[1][0])) == pytest.approx(
            (p_wgs.lon, p_wgs.lat), abs=1e-9
        )
        assert abs(p_gcj.lon - p_wgs.lon) > 1e-3  # GCJ-02 is hundreds of metres off in Shenzhen


def by_id(result) -> dict:
    return {p.id: p for p in result.places}


def test_opening_hours_in_shanghai_time_across_midnight(futian) -> None:
    _, live, city = futian
    lon, lat = city.centre

    def at(moment: datetime):
        return by_id(
            nearby(live, city=city.name, lon=lon, lat=lat, minutes=20, at=moment, limit=200)
        )

    friday_night = at(datetime.fromisoformat("2026-12-04T23:30:00+08:00"))
    assert set(friday_night) >= {f"csv:{pid}" for pid, *_ in NAMED}
    night = friday_night["csv:shop-night"]
    assert night.open_now is True
    assert night.closes_at == datetime.fromisoformat("2026-12-05T02:00:00+08:00")
    assert str(night.closes_at.tzinfo) == "Asia/Shanghai"
    shop = friday_night["csv:shop-meiyijia"]
    assert (shop.open_now, shop.closes_at) == (False, None)
    assert shop.next_opening == datetime.fromisoformat("2026-12-05T07:00:00+08:00")
    assert friday_night["csv:shop-711"].open_now is True
    assert friday_night["csv:shop-711"].closes_at is None  # 24/7
    assert friday_night["csv:shop-charger"].open_now is None  # hours not known
    # the same moment given in UTC reads the same in Shanghai
    assert at(datetime(2026, 12, 4, 15, 30, tzinfo=UTC)) == friday_night
    saturday = at(datetime.fromisoformat("2026-12-05T03:00:00+08:00"))["csv:shop-night"]
    assert (saturday.open_now, saturday.next_opening) == (
        False,
        datetime.fromisoformat("2026-12-05T18:00:00+08:00"),
    )
    only_open = nearby(
        live,
        city=city.name,
        lon=lon,
        lat=lat,
        minutes=20,
        at=datetime.fromisoformat("2026-12-04T23:30:00+08:00"),
        open_now=True,
        limit=200,
    )
    assert only_open.total == sum(p.open_now is True for p in friday_night.values())
    assert {"csv:shop-night", "csv:shop-711", "csv:shop-locker"} <= set(by_id(only_open))
    assert not {"csv:shop-meiyijia", "csv:shop-charger"} & set(by_id(only_open))
    assert nearby(live, city=city.name, lon=lon, lat=lat).timezone == "Asia/Shanghai"
    with pytest.raises(ValidationError, match="at: give a time zone"):
        nearby(live, city=city.name, lon=lon, lat=lat, at=datetime(2026, 12, 4, 23, 30))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("q", "wanted"),
    [
        ("便利", {"csv:shop-meiyijia", "csv:shop-711"}),
        ("bld", {"csv:shop-meiyijia", "csv:shop-711"}),  # 便利店: initials of the category
        ("bian li dian", {"csv:shop-meiyijia", "csv:shop-711"}),
        ("Convenience", {"csv:shop-meiyijia", "csv:shop-711"}),
        ("７－ｅｌｅｖｅｎ", {"csv:shop-711"}),  # full-width, any case
        ("钱大妈", {"csv:shop-qiandama"}),
        ("qiandama", {"csv:shop-qiandama"}),  # name pinyin
        ("qdm", {"csv:shop-qiandama"}),
        ("meiyijia", {"csv:shop-meiyijia"}),
        ("丰巢", {"csv:shop-locker"}),
        ("fengchao", {"csv:shop-locker"}),
        ("售卖机", {"csv:shop-vending"}),
        ("chongdian", {"csv:shop-charger"}),  # 新能源汽车充电桩
    ],
)
def test_keywords_in_chinese_english_and_pinyin(futian, q: str, wanted: set[str]) -> None:
    _, live, city = futian
    found = nearby(
        live, city=city.name, lon=city.centre[0], lat=city.centre[1], minutes=20, q=q, limit=200
    )
    named = {p.id for p in found.places if p.id.startswith("csv:shop-")}
    assert named == wanted
    assert found.total == len(found.places)
    for p in found.places:  # the synthetic places found match by category
        assert p.id.startswith("csv:shop-") or any(
            q.replace(" ", "") in c.code or c.name_zh in {"便利店", "新能源汽车充电桩"}
            for c in p.categories
        ), p


def test_nothing_matches_a_word_nowhere(futian) -> None:
    _, live, city = futian
    found = nearby(live, city=city.name, lon=city.centre[0], lat=city.centre[1], q="zzqx")
    assert (found.total, found.places) == (0, ())


def test_smart_facilities_are_searchable_by_category(futian) -> None:
    _, live, city = futian
    lon, lat = city.centre
    facilities = nearby(
        live, city=city.name, lon=lon, lat=lat, minutes=20, categories=["facility"], limit=200
    )
    groups = {c.group for p in facilities.places for c in p.categories}
    assert "facility" in groups
    assert {"csv:shop-locker", "csv:shop-charger", "csv:shop-vending"} <= set(by_id(facilities))
    two = nearby(
        live,
        city=city.name,
        lon=lon,
        lat=lat,
        minutes=60,
        categories=["parking,ev_charging"],
        limit=200,
    )
    assert {c.code for p in two.places for c in p.categories} >= {"parking", "ev_charging"}
    assert all({"parking", "ev_charging"} & {c.code for c in p.categories} for p in two.places)
    vending = nearby(
        live, city=city.name, lon=lon, lat=lat, minutes=20, categories=["vending_machine"]
    )
    assert "csv:shop-vending" in by_id(vending)
    assert vending.places[0].categories[0].name_zh == "自助售卖机"
    with pytest.raises(ValidationError, match="category: unknown 'atm'"):
        nearby(live, city=city.name, lon=lon, lat=lat, categories=["atm"])


def test_facilities_are_never_counted_by_the_assessment(futian) -> None:
    engine, _, city = futian
    data = load_city_data(engine=engine, name=city.name)
    facility = [j for j, g in enumerate(data.groups) if g == "facility"]
    n = len(data.places)
    everywhere = replace(
        data.places,
        pair_place=np.concatenate([data.places.pair_place, np.repeat(np.arange(n), len(facility))]),
        pair_category=np.concatenate([data.places.pair_category, np.tile(facility, n)]),
    )
    before = assess(data)
    after = assess(replace(data, places=everywhere))
    assert (
        after["city"]["coverage"]["vending_machine"] > before["city"]["coverage"]["vending_machine"]
    )
    verdicts = ("basic_complete", "missing", "weak", "quality_present", "grade", "f15", "gini")
    for a, b in zip(before["communities"], after["communities"], strict=True):
        assert {k: a[k] for k in verdicts} == {k: b[k] for k in verdicts}
    for key in ("basic_complete", "f15", "grades"):
        assert before["city"][key] == after["city"][key]


# --- errors ------------------------------------------------------------------------------------


def test_a_point_off_the_network_says_how_far_the_street_is(futian) -> None:
    _, live, city = futian
    index = live.city(city.name)
    *_, hi_lon, hi_lat = index.net.bbox
    lon, lat = hi_lon + 0.01, hi_lat + 0.01  # about 1.4 km beyond the corner
    with pytest.raises(OffNetworkError) as info:
        nearby(live, city=city.name, lon=lon, lat=lat)
    nearest = snap_points(index.net, [lon], [lat], max_snap_m=1e6)
    assert info.value.distance_m == pytest.approx(float(nearest.offset_m[0]))
    assert 500 < info.value.distance_m < 3000
    assert f"{info.value.distance_m:,.0f} m" in str(info.value)
    with pytest.raises(OffNetworkError) as far:  # another hemisphere
        nearby(live, city=city.name, lon=-70.0, lat=-30.0)
    assert far.value.distance_m is not None
    assert far.value.distance_m > 10_000_000


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"minutes": 0.0}, "minutes: 0 is outside"),
        ({"minutes": 90.0}, "minutes: 90 is outside"),
        ({"limit": 0}, "limit: 0 is outside"),
        ({"profile": "runner"}, "profile: unknown 'runner'"),
        ({"crs": "epsg:3857"}, "crs: unknown"),
        ({"q": "x" * 51}, "q: a keyword is at most 50"),
        ({"lat": 91.0}, "lon, lat: "),
    ],
)
def test_bad_parameters_name_the_field(futian, kwargs, problem) -> None:
    _, live, city = futian
    args = {"lon": city.centre[0], "lat": city.centre[1]} | kwargs
    with pytest.raises(ValidationError, match=problem):
        nearby(live, city=city.name, **args)


def test_an_unknown_city_is_not_found(futian) -> None:
    _, live, _ = futian
    with pytest.raises(NotFoundError, match="no city named 'atlantis'"):
        nearby(live, city="atlantis", lon=114.0, lat=22.5)


# --- routes and areas -----------------------------------------------------------------------


def test_the_route_is_the_walk_nearby_measured(futian) -> None:
    _, live, city = futian
    g_lon, g_lat = city.centre_gcj
    found = nearby(live, city=city.name, lon=g_lon, lat=g_lat, crs="gcj02", limit=200)
    assert len(found.places) > 20
    for place in found.places[::7]:
        walk = route(live, city=city.name, lon=g_lon, lat=g_lat, to=place.id, crs="gcj02")
        assert walk.metres == pytest.approx(place.metres, abs=1e-9)
        assert walk.minutes == pytest.approx(place.minutes)
        assert walk.coordinates[0] == pytest.approx((g_lon, g_lat), abs=1e-9)
        assert walk.coordinates[-1] == pytest.approx((place.lon, place.lat), abs=1e-9)
        coords = np.array(walk.coordinates)
        w_lon, w_lat = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
        assert GEOD.line_length(w_lon, w_lat) == pytest.approx(walk.metres, abs=1e-4)
        assert walk.geojson()["type"] == "LineString"


def test_a_route_beyond_the_walking_limit_and_its_errors(futian) -> None:
    _, live, city = futian
    lon, lat = city.centre
    far = route(live, city=city.name, lon=lon, lat=lat, to="csv:syn7")  # anywhere in the city
    assert far.metres > 0
    slow = route(live, city=city.name, lon=lon, lat=lat, to="csv:syn7", profile="elderly")
    assert slow.metres == pytest.approx(far.metres)
    assert slow.minutes == pytest.approx(far.minutes * 4.0 / 3.2)
    with pytest.raises(NotFoundError, match="to: city 'futian-residents' has no place 'nope'"):
        route(live, city=city.name, lon=lon, lat=lat, to="nope")


def test_the_isochrone_holds_every_place_within_reach(futian) -> None:
    _, live, city = futian
    lon, lat = city.centre
    index = live.city(city.name)
    small = isochrone(live, city=city.name, lon=lon, lat=lat, minutes=5)
    large = isochrone(live, city=city.name, lon=lon, lat=lat, minutes=10)
    assert 0 < small.area_m2 < large.area_m2
    area = shapely.geometry.shape(small.geometry)
    found = nearby(live, city=city.name, lon=lon, lat=lat, minutes=5, limit=200)
    assert found.places
    slots = index.index.slots
    for place in found.places:
        s = index.places.slot_of_uid[place.id]
        assert area.contains(shapely.Point(slots.lon[s], slots.lat[s])), place.id
    g = isochrone(
        live, city=city.name, lon=city.centre_gcj[0], lat=city.centre_gcj[1], minutes=5, crs="gcj02"
    )
    assert g.area_m2 == pytest.approx(small.area_m2, rel=1e-6)
    shifted = shapely.geometry.shape(g.geometry).centroid
    expect = wgs84_to_gcj02(np.array([area.centroid.x]), np.array([area.centroid.y]))
    assert (shifted.x, shifted.y) == pytest.approx((expect[0][0], expect[1][0]), abs=1e-6)


# --- communities -----------------------------------------------------------------------------


def test_the_community_of_a_point_and_its_card(futian) -> None:
    engine, _, city = futian
    here = community_near(
        engine=engine, city=city.name, lon=city.centre_gcj[0], lat=city.centre_gcj[1], crs="gcj02"
    )
    assert here.inside
    assert here.distance_m == 0.0
    card = community_card(engine=engine, city=city.name, code=here.code)
    with session_scope(engine) as session:
        city_id = city_store.get_city(session, name=city.name).id
        doc = get_assessment(session, city_id=city_id, city=city.name)
        plan = get_plan(session, city_id=city_id, city=city.name)
    record = next(c for c in doc["communities"] if c["code"] == here.code)
    assert card.run_id == doc["run"]["id"]
    assert [c.code for c in card.categories] == [c["code"] for c in doc["categories"]]
    assert {c.code: c.coverage for c in card.categories} == record["coverage"]
    assert card.missing == tuple(record["missing"])
    assert {c.code for c in card.categories if c.missing} == set(record["missing"])
    assert (card.circle_type, card.circle_type_rule, card.grade, card.grade_rule) == (
        record["circle_type"],
        record["circle_type_rule"],
        record["grade"],
        record["grade_rule"],
    )
    assert card.grade_zh
    sheets = {c["code"]: c for c in plan["communities"]}
    with_sites = next(code for code, c in sheets.items() if c["sites"])
    planned = community_card(engine=engine, city=city.name, code=with_sites, crs="gcj02")
    assert planned.plan is not None
    assert planned.plan.gaps == ("laundry",)
    assert {s.id for s in planned.plan.sites} == set(sheets[with_sites]["sites"])
    site = next(s for s in plan["sites"] if s["id"] == planned.plan.sites[0].id)
    g_lon, g_lat = wgs84_to_gcj02(np.array([site["lon"]]), np.array([site["lat"]]))
    assert (planned.plan.sites[0].lon, planned.plan.sites[0].lat) == pytest.approx(
        (g_lon[0], g_lat[0])
    )
    with pytest.raises(NotFoundError, match="has no community 'nope'"):
        community_card(engine=engine, city=city.name, code="nope")


def test_a_point_outside_every_community_finds_the_nearest(futian) -> None:
    engine, live, city = futian
    lo_lon, lo_lat, _, hi_lat = live.city(city.name).net.bbox
    lon, lat = lo_lon - 0.03, (lo_lat + hi_lat) / 2  # about 3 km west of the network
    found = community_near(engine=engine, city=city.name, lon=lon, lat=lat)
    assert not found.inside
    assert 500 < found.distance_m < 6000
    with session_scope(engine) as session:
        units = drawn_units(
            stored_units(session, city_id=city_store.get_city(session, name=city.name).id)
        )
    point = shapely.Point(lon, lat)
    lengths = [
        GEOD.inv(lon, lat, *shapely.shortest_line(u.geometry, point).coords[0])[2] for u in units
    ]
    assert found.distance_m == pytest.approx(min(lengths), rel=2e-3)
    assert found.code == units[int(np.argmin(lengths))].code


def test_a_city_without_a_network_cannot_be_searched(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path}/t.db")
    create_city(engine=engine, name="empty")
    with pytest.raises(DataError, match="city 'empty' has no walking network"):
        nearby(LiveIndex(engine), city="empty", lon=114.0, lat=22.5)
    engine.dispose()


def test_a_city_without_an_assessment_has_no_cards(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path}/t.db")
    city = make_residents_city(engine, tmp_path, name="bare", assess=False)
    with pytest.raises(NotFoundError, match="has no community boundaries"):
        community_near(engine=engine, city=city.name, lon=city.centre[0], lat=city.centre[1])
    with pytest.raises(NotFoundError, match="has no assessment run yet"):
        community_card(engine=engine, city=city.name, code="x")
    engine.dispose()
