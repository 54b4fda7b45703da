"""Walking routes to a place and the area reachable from a point, as GeoJSON.

The route is the walk the nearby search measured (one search of the live index, then
its predecessor chain), so its metres are the nearby metres; the area is drawn from the
same bounded search. Coordinates are in the caller's CRS.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from lifecircle.core.walk.geodesy import geodesic_m
from lifecircle.core.walk.impedance import minutes_from_metres
from lifecircle.core.walk.live import isochrone_from, route_coordinates
from lifecircle.errors import DataError, NotFoundError, ValidationError
from lifecircle.services.residents.nearby import MAX_MINUTES
from lifecircle.services.residents.points import point_in, points_out, walking_profile

if TYPE_CHECKING:
    from lifecircle.services.residents.index import LiveIndex

MAX_ROUTE_M = 20_000.0
"""Longest walking route searched for, metres (five hours at 4 km/h)."""


@dataclass(frozen=True)
class Route:
    """The walk from a point to a place.

    ``coordinates`` run from the point, onto its street, along the streets, off to the
    place, in the caller's CRS; ``metres`` is their geodesic length, the same number the
    nearby search gives for the place.
    """

    city: str
    crs: str
    to: str
    name: str | None
    profile: str
    speed_kmh: float
    metres: float
    minutes: float
    coordinates: tuple[tuple[float, float], ...]

    def geojson(self) -> dict[str, Any]:
        """The route as a GeoJSON LineString."""
        return {"type": "LineString", "coordinates": [list(c) for c in self.coordinates]}


def route(
    live: LiveIndex,
    *,
    city: str,
    lon: float,
    lat: float,
    to: str,
    crs: str = "wgs84",
    profile: str = "adult",
) -> Route:
    """The shortest walk from a point to a place (by uid).

    The search grows from one and a half times the straight-line distance (and at
    least 500 m) until it reaches the place, up to :data:`MAX_ROUTE_M`.

    Raises
    ------
    OffNetworkError
        If the point is farther than 300 m from every street.
    NotFoundError
        If the city has no place ``to``.
    DataError
        If the place is farther than the snap limit from every street.
    ValidationError
        If the place is more than :data:`MAX_ROUTE_M` of walking away.

    """
    walker = walking_profile(profile)
    w_lon, w_lat = point_in(lon, lat, crs)
    index = live.city(city)
    with index.lock:
        cols = index.places
        slot = cols.slot_of_uid.get(to)
        if slot is None:
            raise NotFoundError(f"to: city {index.name!r} has no place {to!r}")
        if int(index.index.slots.seg[slot]) < 0:
            raise DataError(f"to: place {to!r} is farther than 300 m from every street")
        origin = index.snap_origin(w_lon, w_lat)
        p_lon, p_lat = float(cols.lon[slot]), float(cols.lat[slot])
        crow = float(geodesic_m(w_lon, w_lat, p_lon, p_lat))
        limit = max(500.0, 1.5 * crow)
        while True:
            index.searcher.search(origin, min(limit, MAX_ROUTE_M))
            metres, nodes = index.searcher.path(index.index, slot)
            if metres <= min(limit, MAX_ROUTE_M):
                break
            if limit >= MAX_ROUTE_M:
                raise ValidationError(
                    f"to: place {to!r} is more than {MAX_ROUTE_M / 1000:g} km of walking away"
                )
            limit *= 2.0
        coords = route_coordinates(
            index.index,
            origin=origin,
            origin_lon=w_lon,
            origin_lat=w_lat,
            slot=slot,
            place_lon=p_lon,
            place_lat=p_lat,
            nodes=nodes,
        )
        name = cols.name[slot]
    x, y = points_out(coords[:, 0], coords[:, 1], crs)
    return Route(
        city=index.name,
        crs=crs.strip().lower(),
        to=to,
        name=name,
        profile=profile,
        speed_kmh=walker.speed_kmh,
        metres=metres,
        minutes=minutes_from_metres(metres, speed_kmh=walker.speed_kmh),
        coordinates=tuple(zip(x.tolist(), y.tolist(), strict=True)),
    )


@dataclass(frozen=True)
class Isochrone:
    """The area reachable on foot within ``minutes`` (GeoJSON geometry, caller's CRS)."""

    city: str
    crs: str
    minutes: float
    profile: str
    speed_kmh: float
    limit_m: float
    area_m2: float
    geometry: dict[str, Any]


def isochrone(
    live: LiveIndex,
    *,
    city: str,
    lon: float,
    lat: float,
    minutes: float = 15.0,
    crs: str = "wgs84",
    profile: str = "adult",
) -> Isochrone:
    """The streets walkable within ``minutes`` from a point, buffered 25 m and merged.

    Raises
    ------
    OffNetworkError
        If the point is farther than 300 m from every street.
    ValidationError
        If ``minutes`` is outside 0-60.

    """
    walker = walking_profile(profile)
    if not 0.0 < minutes <= MAX_MINUTES:
        raise ValidationError(f"minutes: {minutes:g} is outside 0-{MAX_MINUTES:g} minutes")
    w_lon, w_lat = point_in(lon, lat, crs)
    limit_m = walker.metres(minutes)
    index = live.city(city)
    with index.lock:
        origin = index.snap_origin(w_lon, w_lat)
        nodes, dist = index.searcher.search(origin, limit_m)
        area = isochrone_from(
            index.net, origin=origin, reached=nodes.copy(), metres=dist.copy(), limit_m=limit_m
        )
        proj = index.net.projection()
    area_m2 = float(
        shapely.area(
            shapely.transform(area, lambda xy: np.stack(proj.forward(xy[:, 0], xy[:, 1]), 1))
        )
    )
    shown = shapely.transform(area, lambda xy: np.stack(points_out(xy[:, 0], xy[:, 1], crs), 1))
    return Isochrone(
        city=index.name,
        crs=crs.strip().lower(),
        minutes=minutes,
        profile=profile,
        speed_kmh=walker.speed_kmh,
        limit_m=limit_m,
        area_m2=area_m2,
        geometry=json.loads(shapely.to_geojson(shown)),
    )
