"""Duplicates between sources: near, similarly named places pair one to one.

Coordinates are SYNTHETIC points in Futian, Shenzhen; at 22.54 N one metre is about
9.0e-6 degrees of latitude and 9.74e-6 degrees of longitude.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifecircle.core.assess.dedupe import (
    MIN_SIMILARITY,
    WITHIN_M,
    find_duplicates,
    name_similarity,
    normalize_name,
)
from lifecircle.core.walk.geodesy import geodesic_m
from lifecircle.errors import ValidationError

LON0, LAT0 = 114.0579, 22.5431
DEG_PER_M_LAT = 1 / 111_000
DEG_PER_M_LON = 1 / (111_000 * np.cos(np.radians(LAT0)))


def east(metres: float) -> float:
    return LON0 + metres * DEG_PER_M_LON


def pairs(found) -> list[tuple[int, int]]:
    return list(zip(found.a.tolist(), found.b.tolist(), strict=True))


@pytest.mark.parametrize(
    ("name", "normal"),
    [
        ("7-ELEVEn便利店(福田店)", "7eleven"),
        ("7-Eleven", "7eleven"),
        ("７－ＥＬＥＶＥＮ", "7eleven"),  # full-width
        ("钱大妈（福华店）", "钱大妈"),
        ("华润万家超市【福田】", "华润万家"),
        ("大参林药店", "大参林"),
        ("店", "店"),  # never stripped to nothing
        ("", ""),
    ],
)
def test_normalize_name(name: str, normal: str) -> None:
    assert normalize_name(name) == normal


def test_name_similarity() -> None:
    assert name_similarity("7-ELEVEn便利店(福田店)", "7-Eleven") == 1.0
    assert name_similarity("钱大妈", "钱大妈福田店") == 1.0  # containment
    assert name_similarity("华润万家", "华润万家超市") == 1.0
    assert name_similarity("美宜佳", "7-Eleven") == 0.0
    assert name_similarity("老百姓大药房", "大参林药房") < MIN_SIMILARITY
    assert name_similarity("Lawson", "LAWSON 罗森") == 1.0
    assert name_similarity("", "7-Eleven") == 0.0  # no name, no evidence
    assert name_similarity("Family Mart", "FamilyMart") == 1.0


def test_same_shop_from_osm_and_amap_is_paired() -> None:
    found = find_duplicates(
        [LON0], [LAT0], ["7-Eleven"],
        [east(12.0)], [LAT0], ["7-ELEVEn便利店(福田店)"],
    )  # fmt: skip
    assert pairs(found) == [(0, 0)]
    assert found.distance_m[0] == pytest.approx(12.0, rel=0.01)
    assert found.distance_m[0] == pytest.approx(geodesic_m(LON0, LAT0, east(12.0), LAT0), abs=0.05)
    assert found.similarity[0] == 1.0
    assert len(found) == 1


def test_near_but_different_shops_stay_apart() -> None:
    found = find_duplicates(
        [LON0, east(40.0)], [LAT0, LAT0], ["7-Eleven", "华润万家"],
        [east(5.0), east(45.0)], [LAT0, LAT0], ["美宜佳", "钱大妈"],
    )  # fmt: skip
    assert len(found) == 0


def test_far_branches_of_a_chain_stay_apart() -> None:
    found = find_duplicates(
        [LON0], [LAT0], ["7-Eleven"],
        [east(WITHIN_M + 5.0), east(200.0)], [LAT0, LAT0], ["7-Eleven", "7-ELEVEn便利店"],
    )  # fmt: skip
    assert len(found) == 0
    wider = find_duplicates(
        [LON0], [LAT0], ["7-Eleven"],
        [east(WITHIN_M + 5.0)], [LAT0], ["7-Eleven"],
        within_m=50.0,
    )  # fmt: skip
    assert pairs(wider) == [(0, 0)]


def test_matching_is_one_to_one_nearest_first() -> None:
    # two 7-Elevens 20 m apart in both sources: each pairs with its own counterpart,
    # although both counterparts lie within 30 m of the first
    found = find_duplicates(
        [LON0, east(20.0)], [LAT0, LAT0], ["7-Eleven", "7-Eleven"],
        [east(18.0), east(2.0)], [LAT0, LAT0], ["7-ELEVEn", "7-ELEVEn便利店"],
    )  # fmt: skip
    assert sorted(pairs(found)) == [(0, 1), (1, 0)]
    assert np.all(found.distance_m <= 2.5)
    assert np.all(np.diff(found.distance_m) >= 0)  # nearest first


def test_equal_distance_prefers_the_more_similar_name() -> None:
    found = find_duplicates(
        [LON0], [LAT0], ["华润万家"],
        [east(10.0), east(-10.0)], [LAT0, LAT0], ["华润万佳", "华润万家超市"],
    )  # fmt: skip
    assert pairs(found) == [(0, 1)]
    assert name_similarity("华润万家", "华润万佳") >= MIN_SIMILARITY  # a candidate too


def test_empty_inputs_and_bad_arguments() -> None:
    assert len(find_duplicates([], [], [], [LON0], [LAT0], ["a"])) == 0
    with pytest.raises(ValidationError, match="2 coordinates but 1 names"):
        find_duplicates([LON0, LON0], [LAT0, LAT0], ["a"], [], [], [])
    with pytest.raises(ValidationError, match="finite"):
        find_duplicates([np.nan], [LAT0], ["a"], [LON0], [LAT0], ["a"])
    with pytest.raises(ValidationError, match="within_m"):
        find_duplicates([LON0], [LAT0], ["a"], [LON0], [LAT0], ["a"], within_m=0.0)
    with pytest.raises(ValidationError, match="min_similarity"):
        find_duplicates([LON0], [LAT0], ["a"], [LON0], [LAT0], ["a"], min_similarity=1.5)


@given(
    st.lists(st.tuples(st.floats(-300, 300), st.floats(-300, 300)), min_size=1, max_size=15),
    st.lists(st.tuples(st.floats(-300, 300), st.floats(-300, 300)), min_size=1, max_size=15),
)
def test_pairs_are_one_to_one_and_within_the_radius(a_xy, b_xy) -> None:
    a_lon = [LON0 + x * DEG_PER_M_LON for x, _ in a_xy]
    a_lat = [LAT0 + y * DEG_PER_M_LAT for _, y in a_xy]
    b_lon = [LON0 + x * DEG_PER_M_LON for x, _ in b_xy]
    b_lat = [LAT0 + y * DEG_PER_M_LAT for _, y in b_xy]
    found = find_duplicates(
        a_lon, a_lat, ["7-Eleven"] * len(a_xy), b_lon, b_lat, ["7-ELEVEn"] * len(b_xy)
    )
    assert len(set(found.a.tolist())) == len(found) == len(set(found.b.tolist()))
    geodesic = geodesic_m(
        np.take(a_lon, found.a), np.take(a_lat, found.a),
        np.take(b_lon, found.b), np.take(b_lat, found.b),
    )  # fmt: skip
    # the sphere is within 0.6 % of the ellipsoid (15 cm at 30 m)
    assert np.all(geodesic <= WITHIN_M * 1.006)
    assert np.allclose(found.distance_m, geodesic, rtol=0.006, atol=0.01)
    # greedy matching leaves no unpaired pair of places within the radius
    paired_a, paired_b = set(found.a.tolist()), set(found.b.tolist())
    for i in set(range(len(a_xy))) - paired_a:
        for j in set(range(len(b_xy))) - paired_b:
            assert geodesic_m(a_lon[i], a_lat[i], b_lon[j], b_lat[j]) > WITHIN_M * 0.994
