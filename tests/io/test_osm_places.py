"""Places and homes from OSM files: a hand-written fixture and the real Helsinki extract."""

from __future__ import annotations

import math
import re
import sys
from typing import TYPE_CHECKING

import numpy as np
import pytest
import shapely
from shapely.geometry import Point, Polygon

from lifecircle.core.assess.opening_hours import is_open_24h
from lifecircle.core.walk.geodesy import WGS84_GEOD
from lifecircle.errors import DataError, NotFoundError, OptionalDependencyError
from lifecircle.io.places.osm import (
    MIN_RESIDENTIAL,
    MIN_RESIDENTIAL_SHARE,
    OSM_REPORT_KEYS,
    HomesTable,
    centres_from_osm,
    homes_from_osm,
    places_from_osm,
)
from lifecircle.io.places.taxonomy import load_taxonomy
from lifecircle.io.schema import PlaceImport, PlaceRecord, Reject
from tests.conftest import DATA, HELSINKI_PBF, require

if TYPE_CHECKING:
    from pathlib import Path

TINY = DATA / "valid" / "places_tiny.osm"
# the L-shaped supermarket w10 of the fixture, lon/lat degrees
L_SHAPE = Polygon(
    [
        (114.0520, 22.5400),
        (114.0540, 22.5400),
        (114.0540, 22.5410),
        (114.0530, 22.5410),
        (114.0530, 22.5420),
        (114.0520, 22.5420),
    ]
)
# Helsinki extract bounding box from its PBF header (PROVENANCE.md: 24.9352-24.9534 E,
# 60.1642-60.1791 N)
HELSINKI_BBOX = (24.9351762, 60.1641550, 24.9534145, 60.1791130)


@pytest.fixture(scope="module")
def tiny_places() -> PlaceImport:
    return places_from_osm(TINY, taxonomy=load_taxonomy(), skip_bad=True)


@pytest.fixture(scope="module")
def helsinki_places() -> PlaceImport:
    return places_from_osm(require(HELSINKI_PBF), taxonomy=load_taxonomy())


@pytest.fixture(scope="module")
def helsinki_homes() -> HomesTable:
    return homes_from_osm(require(HELSINKI_PBF))


# --- the hand-written fixture ----------------------------------------------------------


def test_tiny_places_nodes_and_area(tiny_places: PlaceImport) -> None:
    by_id = {p.source_id: p for p in tiny_places.records}
    assert set(by_id) == {"n1", "n2", "w10"}
    assert by_id["n1"].categories == ("convenience_store",)
    assert (by_id["n1"].lon, by_id["n1"].lat) == (114.05, 22.54)
    assert by_id["n1"].opening_hours == "24/7"
    assert by_id["n1"].brand == "7-Eleven"
    assert by_id["n2"].categories == ("specialty_dining", "elderly_canteen")
    assert by_id["n2"].name == "福田长者饭堂"  # name:zh preferred over name
    assert by_id["n2"].operator == "福田街道办"
    assert by_id["w10"].categories == ("supermarket",)
    assert by_id["w10"].name == "华润万家"
    assert tiny_places.source == "places_tiny.osm (OpenStreetMap XML)"
    assert tiny_places.format == "OpenStreetMap XML"
    assert tiny_places.path == str(TINY)
    assert tiny_places.taxonomy == "shenzhen"
    assert all(isinstance(p, PlaceRecord) and p.source == "osm" for p in by_id.values())
    assert all(p.ref == p.source_id for p in by_id.values())


def test_tiny_opening_hours_are_weekly_intervals(tiny_places: PlaceImport) -> None:
    by_id = {p.source_id: p for p in tiny_places.records}
    assert by_id["n1"].opening_hours_weekly is not None
    assert is_open_24h(by_id["n1"].opening_hours_weekly)
    assert by_id["w10"].opening_hours == "Mo-Su 08:00-22:00"
    assert by_id["w10"].opening_hours_weekly == tuple((d, 480, 1320) for d in range(7))
    assert by_id["n2"].opening_hours == ""
    assert by_id["n2"].opening_hours_weekly is None  # absent, not a problem
    assert tiny_places.warnings == ()
    assert tiny_places.report["opening_hours"] == 2
    assert tiny_places.report["opening_hours_unparsed"] == 0


def test_area_point_lies_inside_its_polygon(tiny_places: PlaceImport) -> None:
    (shop,) = [p for p in tiny_places.records if p.source_id == "w10"]
    point = Point(shop.lon, shop.lat)
    assert L_SHAPE.contains(point)
    # the centroid of an L may fall in the notch; the representative point may not
    notch = Polygon([(114.0530, 22.5410), (114.0540, 22.5410), (114.0540, 22.5420),
                     (114.0530, 22.5420)])  # fmt: skip
    assert not notch.contains(point)


def test_tiny_report(tiny_places: PlaceImport) -> None:
    rep = tiny_places.report
    assert set(OSM_REPORT_KEYS) <= set(rep)
    assert (rep["nodes_seen"], rep["nodes_kept"]) == (3, 2)  # the bench has a tested key
    assert (rep["areas_seen"], rep["areas_kept"]) == (1, 1)
    assert rep["no_geometry"] == 1  # the open parking way w14
    assert rep["broken_areas"] == 1  # the pharmacy w15 with a missing node
    assert rep["clipped_areas"] == 1  # (issue 15) ... which the extract cut: a warning
    assert (rep["records"], rep["rejected"]) == (3, 1)
    assert len(tiny_places) == 3
    # left-out objects are listed with their id, never silently dropped
    assert [(r.ref, r.column) for r in tiny_places.rejects] == [("w14", "geometry")]
    assert [(r.ref, r.column) for r in tiny_places.clipped] == [("w15", "geometry")]
    assert isinstance(tiny_places.clipped[0], Reject)
    assert "cut by the extract's edge" in tiny_places.clipped[0].problem
    assert any("left out 1" in note for note in tiny_places.notes)
    assert tiny_places.counts() == {
        "convenience_store": 1,
        "specialty_dining": 1,
        "elderly_canteen": 1,
        "supermarket": 1,
    }


def test_rows_one_per_place_and_category(tiny_places: PlaceImport) -> None:
    rows = list(tiny_places.rows())
    assert [r[0] for r in rows] == [
        "n1",
        "n2",
        "n2",
        "w10",
    ]
    canteen = rows[2]
    assert canteen[1:4] == ("114.0505000", "22.5405000", "elderly_canteen")
    assert canteen[5] == "福田街道办"  # no brand: the operator
    assert canteen[7] == "amenity=restaurant&name~长者饭堂"
    assert len({(r[0], r[3]) for r in rows}) == len(rows)  # (id, category) pairs are unique


def test_tiny_homes_fall_back_to_plain_buildings() -> None:
    homes = homes_from_osm(TINY)
    assert homes.ids == ("w11", "w12")  # not the retail w10 nor the church w13
    rep = homes.report
    assert rep.fallback
    assert (rep.buildings_seen, rep.residential, rep.kept) == (4, 1, 2)
    assert homes.levels[0] == 6
    assert math.isnan(homes.levels[1])
    # w11 spans 0.0005 deg x 0.0005 deg at 22.54 N: about 51.4 m x 55.4 m
    expected, _ = WGS84_GEOD.geometry_area_perimeter(
        shapely.box(114.0500, 22.5430, 114.0505, 22.5435)
    )
    assert homes.area_m2[0] == pytest.approx(abs(expected), rel=1e-9)
    assert homes.area_m2[0] == pytest.approx(51.4 * 55.4, rel=0.01)
    assert shapely.box(114.0500, 22.5430, 114.0505, 22.5435).contains(
        Point(homes.lon[0], homes.lat[0])
    )
    assert list(homes.rows())[1] == (
        "w12",
        "114.0501500",
        "22.5441500",
        f"{homes.area_m2[1]:.1f}",
        "",
    )


def test_no_fallback_when_enough_residential_buildings() -> None:
    homes = homes_from_osm(TINY, min_residential=1)
    assert homes.ids == ("w11",)
    assert not homes.report.fallback


# --- errors ----------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no such file"):
        places_from_osm(tmp_path / "nothing.osm.pbf", taxonomy=load_taxonomy())
    with pytest.raises(NotFoundError, match="no such file"):
        homes_from_osm(tmp_path / "nothing.osm")


def test_not_an_osm_file() -> None:
    path = DATA / "invalid" / "places_not_osm.osm"
    with pytest.raises(DataError, match=f"{re.escape(str(path))}: not an OpenStreetMap file"):
        places_from_osm(path, taxonomy=load_taxonomy())


def test_missing_osmium_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "osmium", None)  # import osmium now raises ImportError
    with pytest.raises(OptionalDependencyError, match=r"lifecircle\[osm\]"):
        places_from_osm(TINY, taxonomy=load_taxonomy())
    with pytest.raises(OptionalDependencyError, match="osmium"):
        homes_from_osm(TINY)


# --- the real Helsinki extract ---------------------------------------------------------


def test_helsinki_counts_are_plausible(helsinki_places: PlaceImport) -> None:
    counts = helsinki_places.counts()
    # PROVENANCE.md: hairdresser 44 and beauty 22 shops, 214 restaurants, 89 cafes...
    assert counts["beauty_hair"] >= 40
    assert counts["specialty_dining"] >= 214 + 89
    assert counts["pharmacy"] >= 1
    assert counts["convenience_store"] >= 5
    assert counts["supermarket"] >= 3
    assert counts["laundry"] >= 1
    assert counts["photo_print"] >= 1
    assert counts["post_express"] >= 1
    assert counts["repair"] >= 1
    assert counts["bookstore"] >= 1
    # Finnish names never pass the Chinese keyword gates
    for gated in ("elderly_canteen", "housekeeping", "fresh_ecom_front_warehouse", "breakfast"):
        assert counts[gated] == 0, gated
    assert set(counts) <= set(load_taxonomy().codes)
    rep = helsinki_places.report
    assert rep["nodes_kept"] + rep["areas_kept"] == len(helsinki_places)
    assert rep["areas_kept"] >= 10  # parking lots, pitches, theatres, the market hall
    assert rep["nodes_seen"] > 1000


def test_helsinki_places_lie_in_the_extract(helsinki_places: PlaceImport) -> None:
    west, south, east, north = HELSINKI_BBOX
    for place in helsinki_places.records:
        assert re.fullmatch(r"[nwr]\d+", place.source_id), place.source_id
        assert west <= place.lon <= east, place
        assert south <= place.lat <= north, place
    ids = [p.source_id for p in helsinki_places.records]
    assert len(set(ids)) == len(ids)


def test_helsinki_area_points_lie_in_their_polygons(helsinki_places: PlaceImport) -> None:
    import osmium  # noqa: PLC0415

    points = {
        p.source_id: Point(p.lon, p.lat) for p in helsinki_places.records if p.source_id[0] != "n"
    }
    wkb = osmium.geom.WKBFactory()
    checked = 0
    for obj in osmium.FileProcessor(str(HELSINKI_PBF)).with_areas():
        if isinstance(obj, osmium.osm.Area):
            area_id = f"{'w' if obj.from_way() else 'r'}{obj.orig_id()}"
            if area_id in points:
                polygon = shapely.from_wkb(wkb.create_multipolygon(obj))
                assert polygon.contains(points[area_id]), area_id
                checked += 1
    assert checked == len(points) > 0


def test_helsinki_market_hall_has_its_chinese_name(helsinki_places: PlaceImport) -> None:
    # the old market hall (Vanha kauppahalli) carries name:zh in OSM
    markets = [p for p in helsinki_places.records if "wet_market" in p.categories]
    assert [(p.source_id[0], p.name) for p in markets] == [("w", "老农贸市场")]


def test_helsinki_homes(helsinki_homes: HomesTable) -> None:
    rep = helsinki_homes.report
    assert rep.residential >= MIN_RESIDENTIAL  # 21 building=apartments outlines
    # ...but 21 of 446 building areas: most homes are building=yes, so all are kept
    # except the obviously non-residential ones
    assert rep.residential < MIN_RESIDENTIAL_SHARE * rep.buildings_seen
    assert rep.fallback
    assert len(helsinki_homes) == rep.kept > 10 * rep.residential
    assert rep.buildings_seen > 300
    assert np.all(helsinki_homes.area_m2 >= 30)  # sheds and kiosks are left out
    assert np.all(helsinki_homes.area_m2 < 50_000)
    levels = helsinki_homes.levels[~np.isnan(helsinki_homes.levels)]
    assert levels.size > 0
    assert np.all((levels >= 1) & (levels <= 20))
    west, south, east, north = HELSINKI_BBOX
    assert np.all((helsinki_homes.lon >= west) & (helsinki_homes.lon <= east))
    assert np.all((helsinki_homes.lat >= south) & (helsinki_homes.lat <= north))


def test_helsinki_opening_hours(helsinki_places: PlaceImport) -> None:
    rep = helsinki_places.report
    with_hours = [p for p in helsinki_places.records if p.opening_hours]
    assert rep["opening_hours"] == len(with_hours) > 150
    parsed = [p for p in with_hours if p.opening_hours_weekly is not None]
    # real tags are mostly in the weekly grammar; the rest are kept as text and listed
    assert len(parsed) >= 0.95 * len(with_hours)
    unparsed = {p.source_id for p in with_hours if p.opening_hours_weekly is None}
    assert {w.ref for w in helsinki_places.warnings} == unparsed
    assert rep["opening_hours_unparsed"] == len(unparsed) > 0
    assert all(w.column == "opening_hours" for w in helsinki_places.warnings)
    # places without the tag have no weekly hours and no warning
    assert all(
        p.opening_hours_weekly is None for p in helsinki_places.records if not p.opening_hours
    )


def test_helsinki_centres() -> None:
    """Malls, department stores and the market hall, as outlines (the 集聚式 footprints)."""
    centres = centres_from_osm(require(HELSINKI_PBF))
    names = {c.name: c.kind for c in centres}
    assert names == {
        "Kauppakeskus Kluuvi": "shop=mall",
        "Forum": "shop=mall",
        "Kauppakeskus Citycenter": "shop=mall",
        "Sokos": "shop=department_store",
        "Stockmann": "shop=department_store",
        "老农贸市场": "amenity=marketplace",  # Vanha kauppahalli, by its name:zh
    }
    for c in centres:
        assert c.geometry.is_valid
        assert 1e-7 < c.geometry.area < 1e-4  # a building, not a district (degrees²)
