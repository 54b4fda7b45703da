"""Zones: point assignment with smallest-area ties, overlaps, gaps, polygon repair."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pytest
from shapely.geometry import LineString, MultiPolygon, Polygon, box

from lifecircle.core.assess.zones import (
    assign_points,
    clean_polygon,
    gap_area_m2,
    geodesic_area_m2,
    overlap_pairs,
)
from lifecircle.core.walk.geodesy import WGS84_GEOD
from lifecircle.errors import ValidationError

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

X0, Y0 = 114.05, 22.53
D = 0.01  # degrees, about 1 km


def cell(i: int, j: int, size: float = D) -> Polygon:
    return box(X0 + i * D, Y0 + j * D, X0 + i * D + size, Y0 + j * D + size)


def test_geodesic_area_matches_pyproj_and_subtracts_holes() -> None:
    square = cell(0, 0)
    expected = abs(WGS84_GEOD.geometry_area_perimeter(square)[0])
    assert geodesic_area_m2(square) == pytest.approx(expected)
    assert 1.0e6 < expected < 1.3e6  # 0.01 degrees squared near 22.5 N
    holed = square.difference(box(X0 + 0.004, Y0 + 0.004, X0 + 0.006, Y0 + 0.006))
    hole = geodesic_area_m2(box(X0 + 0.004, Y0 + 0.004, X0 + 0.006, Y0 + 0.006))
    assert geodesic_area_m2(holed) == pytest.approx(expected - hole)
    assert geodesic_area_m2(LineString([(X0, Y0), (X0 + D, Y0)])) == 0.0


def test_assign_points_prefers_smallest_zone_and_handles_outside_and_nan() -> None:
    district = box(X0, Y0, X0 + 3 * D, Y0 + 3 * D)
    community = cell(1, 1)
    lon = np.array([X0 + 1.5 * D, X0 + 0.5 * D, X0 + 5 * D, math.nan])
    lat = np.array([Y0 + 1.5 * D, Y0 + 0.5 * D, Y0 + 5 * D, Y0])
    zone = assign_points(lon, lat, [district, community])
    assert zone.tolist() == [1, 0, -1, -1]
    # order of the polygons does not matter
    assert assign_points(lon, lat, [community, district]).tolist() == [0, 1, -1, -1]


def test_point_on_shared_edge_goes_to_one_zone_the_smaller() -> None:
    big, small = cell(0, 0), cell(1, 0, size=D / 2)
    zone = assign_points([X0 + D], [Y0 + D / 4], [big, small])
    assert zone.tolist() == [1]


def test_assign_points_with_no_zones_or_points() -> None:
    assert assign_points([X0], [Y0], []).tolist() == [-1]
    assert assign_points([], [], [cell(0, 0)]).tolist() == []
    assert assign_points([X0 + 0.001], [Y0 + 0.001], [None, cell(0, 0)]).tolist() == [1]
    with pytest.raises(ValidationError, match="equal length"):
        assign_points([1.0, 2.0], [1.0], [cell(0, 0)])


def test_overlaps_ignore_shared_edges_and_report_areas() -> None:
    polygons = [cell(0, 0), cell(1, 0), box(X0 + 0.5 * D, Y0, X0 + 1.5 * D, Y0 + D)]
    pairs = overlap_pairs(polygons)
    assert [(i, j) for i, j, _ in pairs] == [(0, 2), (1, 2)]
    half = geodesic_area_m2(box(X0 + 0.5 * D, Y0, X0 + D, Y0 + D))
    assert pairs[0][2] == pytest.approx(half, rel=1e-9)
    assert overlap_pairs([cell(0, 0)]) == []
    # a sliver below the threshold is not reported
    sliver = box(X0 + D - 1e-9, Y0, X0 + 2 * D, Y0 + D)
    assert overlap_pairs([cell(0, 0), sliver]) == []


def test_gap_is_the_hole_enclosed_by_the_union() -> None:
    ring = [cell(i, j) for i in range(3) for j in range(3) if (i, j) != (1, 1)]
    assert gap_area_m2(ring) == pytest.approx(geodesic_area_m2(cell(1, 1)), rel=1e-9)
    assert gap_area_m2([*ring, cell(1, 1)]) == 0.0
    assert gap_area_m2([]) == 0.0
    # separate zones far apart leave no enclosed gap
    assert gap_area_m2([cell(0, 0), cell(5, 5)]) == 0.0


def test_clean_polygon_repairs_a_bow_tie() -> None:
    bow_tie = Polygon([(X0, Y0), (X0 + D, Y0 + D), (X0 + D, Y0), (X0, Y0 + D)])
    assert not bow_tie.is_valid
    polygon, problem, repaired = clean_polygon(bow_tie)
    assert problem == ""
    assert repaired
    assert isinstance(polygon, MultiPolygon)
    assert polygon.is_valid
    assert len(polygon.geoms) == 2


@pytest.mark.parametrize(
    ("geom", "expected"),
    [
        (None, "no geometry"),
        (LineString([(0, 0), (1, 1)]), "LineString is not a Polygon"),
        (Polygon(), "empty polygon"),
        (Polygon([(0, 0), (1, 1), (2, 2), (0, 0)]), "not repairable"),
    ],
    ids=["none", "line", "empty", "zero-area"],
)
def test_clean_polygon_reports_what_cannot_be_used(
    geom: BaseGeometry | None, expected: str
) -> None:
    polygon, problem, repaired = clean_polygon(geom)
    assert polygon is None
    assert expected in problem
    assert not repaired


def test_clean_polygon_keeps_valid_polygons_untouched() -> None:
    square = cell(0, 0)
    assert clean_polygon(square) == (square, "", False)
