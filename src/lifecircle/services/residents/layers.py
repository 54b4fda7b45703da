"""Map layers drawn from our own data: the walking network and community outlines in a box.

The residents' map reads without a basemap (no tile server, offline): the streets people
walk and the communities they live in are drawn as vector layers from these answers. A
layer is limited to a bounding box and capped in size (the map asks again as it moves);
positions are in the caller's coordinate system, so a GCJ-02 basemap (Amap, Tencent)
gets GCJ-02 lines that lie on its streets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from lifecircle.errors import ValidationError
from lifecircle.services.city.cities import drawn_units, stored_units
from lifecircle.services.residents.points import checked_crs, points_out
from lifecircle.store import cities as city_store
from lifecircle.store.db import session_scope

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from lifecircle.services.residents.index import LiveIndex

MAX_SEGMENTS = 20_000
"""Most street segments one answer carries (about 1 MB of JSON); ``truncated`` says more."""

MAX_COMMUNITIES = 2_000
"""Most community outlines one answer carries."""

MAX_BBOX_DEGREES = 1.0
"""Widest and tallest box asked about, degrees (a city district, not a country)."""

DIGITS = 6
"""Decimal places of the coordinates sent (about 0.1 m)."""


@dataclass(frozen=True)
class BBox:
    """A WGS-84 box: west, south, east, north, degrees."""

    west: float
    south: float
    east: float
    north: float


def parse_bbox(text: str, *, crs: str = "wgs84", field: str = "query.bbox") -> BBox:
    """``"west,south,east,north"`` in the caller's CRS as a WGS-84 box.

    Raises
    ------
    ValidationError
        Naming ``field`` when the text is not four numbers in range, west > east,
        south > north, or the box is wider or taller than :data:`MAX_BBOX_DEGREES`.

    """
    parts = text.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise ValidationError(
            f"bbox: {text[:60]!r} is not 'west,south,east,north' in degrees", field=field
        )
    west, south, east, north = values
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise ValidationError(
            f"bbox: {text[:60]!r}: need -180 <= west <= east <= 180 and -90 <= south <= north"
            " <= 90",
            field=field,
        )
    if east - west > MAX_BBOX_DEGREES or north - south > MAX_BBOX_DEGREES:
        raise ValidationError(
            f"bbox: {text[:60]!r} spans more than {MAX_BBOX_DEGREES} degree: ask for a smaller box",
            field=field,
        )
    name = checked_crs(crs)
    if name != "wgs84":  # the other systems differ by < 1 km: widen by a margin, then clip
        margin = 0.01
        west, south = max(-180.0, west - margin), max(-90.0, south - margin)
        east, north = min(180.0, east + margin), min(90.0, north + margin)
    return BBox(west, south, east, north)


@dataclass(frozen=True)
class Extent:
    """Where a city's walking network lies: its box and its middle, in the caller's CRS."""

    city: str
    crs: str
    bbox: tuple[float, float, float, float]
    centre: tuple[float, float]


def network_extent(live: LiveIndex, *, city: str, crs: str = "wgs84") -> Extent:
    """The box of the city's walking network and the node nearest its middle.

    The middle is a street node (where a search from it is on the network), not the
    box's geometric centre, which may lie in water.

    Raises
    ------
    NotFoundError
        If there is no such city.
    DataError
        If the city has no walking network.

    """
    name = checked_crs(crs)
    index = live.city(city)
    net = index.net
    west, south, east, north = net.bbox
    k = int(np.argmin(np.hypot(net.lon - (west + east) / 2, net.lat - (south + north) / 2)))
    lons = np.array([west, east, net.lon[k]])
    xs, ys = points_out(lons, np.array([south, north, net.lat[k]]), name)
    r = [round(float(v), DIGITS) for v in (*xs, *ys)]
    return Extent(city=index.name, crs=name, bbox=(r[0], r[3], r[1], r[4]), centre=(r[2], r[5]))


@dataclass(frozen=True)
class StreetLayer:
    """Street segments in a box, as one MultiLineString of ``[[lon, lat], [lon, lat]]``."""

    city: str
    crs: str
    segments: int
    truncated: bool
    lines: list[list[list[float]]]


def street_layer(live: LiveIndex, *, city: str, bbox: BBox, crs: str = "wgs84") -> StreetLayer:
    """The walking network's segments that touch ``bbox`` (at most :data:`MAX_SEGMENTS`).

    Raises
    ------
    NotFoundError
        If there is no such city.
    DataError
        If the city has no walking network.

    """
    name = checked_crs(crs)
    index = live.city(city)
    net = index.net
    lon_u, lat_u = net.lon[net.seg_u], net.lat[net.seg_u]
    lon_v, lat_v = net.lon[net.seg_v], net.lat[net.seg_v]
    touching = (
        (np.minimum(lon_u, lon_v) <= bbox.east)
        & (np.maximum(lon_u, lon_v) >= bbox.west)
        & (np.minimum(lat_u, lat_v) <= bbox.north)
        & (np.maximum(lat_u, lat_v) >= bbox.south)
    )
    chosen = np.flatnonzero(touching)
    truncated = chosen.size > MAX_SEGMENTS
    if truncated:  # keep the segments nearest the middle of the box: the map's centre
        mid_lon, mid_lat = (bbox.west + bbox.east) / 2, (bbox.south + bbox.north) / 2
        d = np.hypot(lon_u[chosen] - mid_lon, lat_u[chosen] - mid_lat)
        chosen = np.sort(chosen[np.argsort(d, kind="stable")[:MAX_SEGMENTS]])
    x0, y0 = points_out(lon_u[chosen], lat_u[chosen], name)
    x1, y1 = points_out(lon_v[chosen], lat_v[chosen], name)
    coords = np.round(np.stack([x0, y0, x1, y1], axis=1), DIGITS).tolist()
    lines = [[[a, b], [c, d]] for a, b, c, d in coords]
    return StreetLayer(
        city=index.name, crs=name, segments=len(lines), truncated=truncated, lines=lines
    )


def _out(xy: Any, crs: str) -> Any:
    x, y = points_out(xy[:, 0], xy[:, 1], crs)
    return np.round(np.stack([x, y], axis=1), DIGITS)


@dataclass(frozen=True)
class CommunityOutline:
    """One community's outline (GeoJSON Polygon or MultiPolygon) with its names."""

    code: str
    name: str
    street: str
    district: str
    level: str
    geometry: dict[str, Any]


@dataclass(frozen=True)
class CommunityLayer:
    """Community outlines that meet a box (at most :data:`MAX_COMMUNITIES`)."""

    city: str
    crs: str
    truncated: bool
    communities: list[CommunityOutline]


def community_layer(*, engine: Engine, city: str, bbox: BBox, crs: str = "wgs84") -> CommunityLayer:
    """The outlines of the communities (the finest level with boundaries) meeting ``bbox``.

    A city without boundaries answers an empty layer (the map then shows streets only).

    Raises
    ------
    NotFoundError
        If there is no such city.

    """
    name = checked_crs(crs)
    with session_scope(engine) as session:
        found = city_store.get_city(session, name=city)
        units = drawn_units(stored_units(session, city_id=found.id))
    box = shapely.box(bbox.west, bbox.south, bbox.east, bbox.north)
    shapes = [u.geometry for u in units]
    hits = sorted(shapely.STRtree(shapes).query(box, predicate="intersects").tolist())
    truncated = len(hits) > MAX_COMMUNITIES
    outlines = []
    for k in hits[:MAX_COMMUNITIES]:
        unit = units[k]
        shape = shapes[k]
        shape = shapely.transform(shape, lambda xy: _out(xy, name))
        outlines.append(
            CommunityOutline(
                code=unit.code,
                name=unit.name,
                street=unit.street,
                district=unit.district,
                level=unit.level,
                geometry=shapely.geometry.mapping(shape),
            )
        )
    return CommunityLayer(city=found.name, crs=name, truncated=truncated, communities=outlines)
