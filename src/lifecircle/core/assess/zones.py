"""Zones (communities, districts, grid cells) as polygons: point assignment, overlaps, gaps.

Polygons are shapely geometries in WGS-84 lon/lat degrees; results are indices into the
list given, never codes, so callers map indices back to their own identifiers. Areas are
geodesic (WGS-84 ellipsoid) in square metres.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shapely
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.polygon import orient
from shapely.validation import explain_validity

from lifecircle.core.walk.geodesy import WGS84_GEOD
from lifecircle.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import ArrayLike, NDArray
    from shapely.geometry.base import BaseGeometry

MIN_AREA_M2 = 1.0
"""Overlaps and gaps smaller than this are floating-point slivers, not data errors, m²."""


def geodesic_area_m2(geom: BaseGeometry) -> float:
    """Area of the polygonal parts of a lon/lat geometry on the WGS-84 ellipsoid, m².

    Parameters
    ----------
    geom
        Any shapely geometry in WGS-84 degrees; points and lines contribute nothing.

    Returns
    -------
    float
        Square metres (rings are oriented first, so holes subtract).

    """
    total = 0.0
    for part in shapely.get_parts(geom):
        if isinstance(part, Polygon) and not part.is_empty:
            area, _ = WGS84_GEOD.geometry_area_perimeter(orient(part, sign=1.0))
            total += abs(float(area))
        elif isinstance(part, MultiPolygon | shapely.GeometryCollection):
            total += geodesic_area_m2(part)
    return total


def clean_polygon(geom: BaseGeometry | None) -> tuple[Polygon | MultiPolygon | None, str, bool]:
    """A zone outline checked and, where invalid, repaired with :func:`shapely.make_valid`.

    Parameters
    ----------
    geom
        Any shapely geometry or ``None``.

    Returns
    -------
    tuple
        ``(polygon, "", repaired)`` for a usable polygon, ``repaired`` telling whether
        make_valid was needed (a bow-tie becomes two triangles); ``(None, problem,
        False)`` when there is none: no geometry, not polygonal, empty, or invalid with
        no area left after repair (lines and points that make_valid yields are dropped).

    """
    if geom is None:
        return None, "no geometry (or unreadable)", False
    if not isinstance(geom, Polygon | MultiPolygon):
        return None, f"{geom.geom_type} is not a Polygon or MultiPolygon", False
    if geom.is_empty:
        return None, "empty polygon", False
    if geom.is_valid:
        return geom, "", False
    reason = explain_validity(geom)
    try:
        fixed = shapely.make_valid(geom)
    except GEOSException:
        fixed = Polygon()
    # make_valid may return a collection holding a multipolygon: flatten two levels
    flat = shapely.get_parts(shapely.get_parts(fixed))
    parts = [p for p in flat if isinstance(p, Polygon) and p.area > 0]
    if not parts:
        return None, f"invalid polygon ({reason}), not repairable", False
    return (parts[0] if len(parts) == 1 else MultiPolygon(parts)), "", True


def assign_points(
    lon: ArrayLike, lat: ArrayLike, polygons: Sequence[BaseGeometry]
) -> NDArray[np.int64]:
    """The zone each point lies in.

    A point on a shared boundary, or inside two overlapping zones, goes to the zone of
    smallest area: the more specific one (a community rather than the district drawn
    around it). Ties are compared by planar area in degrees², which ranks polygons that
    share a point exactly as their true areas do at city scale.

    Parameters
    ----------
    lon, lat
        WGS-84 degrees, 1-d arrays of equal length; NaN points are in no zone.
    polygons
        Zone polygons in the same coordinates; ``None`` or empty entries match nothing.

    Returns
    -------
    numpy.ndarray
        Index into ``polygons`` per point, ``-1`` where the point is in no zone.

    Raises
    ------
    lifecircle.errors.ValidationError
        If ``lon`` and ``lat`` differ in shape or are not 1-d.

    """
    x = np.asarray(lon, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValidationError(f"lon and lat must be 1-d of equal length, got {x.shape}, {y.shape}")
    zone = np.full(x.shape[0], -1, dtype=np.int64)
    geoms = np.array(
        [g if g is not None and not g.is_empty else None for g in polygons], dtype=object
    )
    if x.shape[0] == 0 or geoms.shape[0] == 0:
        return zone
    finite = np.isfinite(x) & np.isfinite(y)
    points = shapely.points(np.where(finite, x, 0.0), np.where(finite, y, 0.0))
    tree = shapely.STRtree(geoms)
    # "intersects" counts boundary points, which contains_xy would leave unassigned
    pairs = tree.query(points, predicate="intersects")
    point_idx = pairs[0][finite[pairs[0]]]
    zone_idx = pairs[1][finite[pairs[0]]]
    if point_idx.shape[0] == 0:
        return zone
    area = shapely.area(geoms[zone_idx].astype(object))
    order = np.lexsort((area, point_idx))  # by point, then smallest zone first
    points_sorted = point_idx[order]
    _, first = np.unique(points_sorted, return_index=True)
    zone[points_sorted[first]] = zone_idx[order][first]
    return zone


def overlap_pairs(
    polygons: Sequence[BaseGeometry], *, min_area_m2: float = MIN_AREA_M2
) -> list[tuple[int, int, float]]:
    """Pairs of zones whose interiors overlap by more than ``min_area_m2``.

    Parameters
    ----------
    polygons
        Zone polygons in WGS-84 degrees (``None`` entries are skipped).
    min_area_m2
        Smaller overlaps (digitising slivers) are ignored, m².

    Returns
    -------
    list of (int, int, float)
        ``(i, j, area_m2)`` with ``i < j``, sorted by ``(i, j)``.

    """
    geoms = np.array([g if g is not None else shapely.Polygon() for g in polygons], dtype=object)
    if geoms.shape[0] < 2:
        return []
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    pairs: list[tuple[int, int, float]] = []
    for i, j in zip(left[keep].tolist(), right[keep].tolist(), strict=True):
        area = geodesic_area_m2(shapely.intersection(geoms[i], geoms[j]))
        if area > min_area_m2:
            pairs.append((int(i), int(j), area))
    pairs.sort()
    return pairs


def gap_area_m2(polygons: Sequence[BaseGeometry], *, min_area_m2: float = MIN_AREA_M2) -> float:
    """Area enclosed by the zones' union but covered by none of them, m².

    These are the holes of the union: land between neighbouring communities that
    belongs to none. Holes of a single zone (a lake cut out of a district) count too,
    as nothing covers them.

    Parameters
    ----------
    polygons
        Zone polygons in WGS-84 degrees (``None`` entries are skipped).
    min_area_m2
        Holes smaller than this (slivers where shared edges do not quite meet) are
        ignored, m².

    Returns
    -------
    float
        Total hole area in square metres; 0 for no polygons.

    """
    geoms = [g for g in polygons if g is not None and not g.is_empty]
    if not geoms:
        return 0.0
    union = shapely.union_all(geoms)
    total = 0.0
    for part in shapely.get_parts(union):
        if isinstance(part, Polygon):
            for ring in part.interiors:
                area = geodesic_area_m2(Polygon(ring))
                if area > min_area_m2:
                    total += area
    return total
