"""Use cases of the walking engine: batch accessibility and one-point reach from files."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from lifecircle.core.walk.access import AccessResult, accessibility
from lifecircle.core.walk.impedance import metres_from_minutes, minutes_from_metres
from lifecircle.core.walk.reach import ReachResult, reach
from lifecircle.core.walk.snap import snap_points
from lifecircle.errors import ValidationError
from lifecircle.io.coords import to_wgs84
from lifecircle.io.export.output import write_csv, write_json
from lifecircle.io.network.lcnet import load_network
from lifecircle.io.places.points import PointTable, check_swapped, read_points

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

ACCESS_HEADER = ("origin_id", "category", "metres", "minutes", "count")


@dataclass(frozen=True)
class Unsnapped:
    """A point left out because no street lies within the snap limit."""

    kind: str
    id: str
    line: int


@dataclass(frozen=True)
class AccessRun:
    """A batch accessibility run and what it left out."""

    result: AccessResult
    origins: PointTable
    places: PointTable
    speed_kmh: float
    minutes: tuple[float, ...]
    unsnapped: tuple[Unsnapped, ...]


def _unsnapped(kind: str, table: PointTable, ok: np.ndarray) -> list[Unsnapped]:
    return [Unsnapped(kind, table.ids[i], int(table.line[i])) for i in np.flatnonzero(~ok)]


def category_minutes(
    categories: tuple[str, ...], minutes: float, per_category: Mapping[str, float]
) -> tuple[float, ...]:
    """Time limit per category: the default, overridden by name."""
    unknown = sorted(set(per_category) - set(categories))
    if unknown:
        raise ValidationError(
            f"--minutes-for names categories not in the places file: {', '.join(unknown)}"
        )
    return tuple(float(per_category.get(c, minutes)) for c in categories)


def run_access(
    *,
    network: Path,
    origins: Path,
    places: Path,
    minutes: float,
    speed_kmh: float,
    crs: str = "wgs84",
    max_snap_m: float = 300.0,
    minutes_for: Mapping[str, float] | None = None,
    workers: int | None = None,
) -> AccessRun:
    """Nearest place and place counts per category for every origin, from files."""
    metres_from_minutes(minutes, speed_kmh=speed_kmh)  # validates both before any I/O
    net = load_network(network)
    o_tab = read_points(origins, kind="origins", crs=crs)
    p_tab = read_points(places, kind="places", crs=crs)
    check_swapped(o_tab, net.bbox)
    check_swapped(p_tab, net.bbox)
    assert p_tab.category is not None
    categories = tuple(sorted(set(p_tab.category)))
    per_cat = category_minutes(categories, minutes, minutes_for or {})
    limits = np.array([metres_from_minutes(m, speed_kmh=speed_kmh) for m in per_cat])
    code = {c: i for i, c in enumerate(categories)}
    o_snap = snap_points(net, o_tab.lon, o_tab.lat, max_snap_m=max_snap_m)
    p_snap = snap_points(net, p_tab.lon, p_tab.lat, max_snap_m=max_snap_m)
    result = accessibility(
        net,
        origins=o_snap,
        places=p_snap,
        place_category=np.array([code[c] for c in p_tab.category], dtype=np.int64),
        categories=categories,
        limit_m=limits,
        workers=workers,
    )
    return AccessRun(
        result=result,
        origins=o_tab,
        places=p_tab,
        speed_kmh=speed_kmh,
        minutes=per_cat,
        unsnapped=tuple(
            _unsnapped("origin", o_tab, o_snap.ok) + _unsnapped("place", p_tab, p_snap.ok)
        ),
    )


def access_rows(run: AccessRun) -> list[tuple[str, str, str, str, int]]:
    """Rows of the OUT.csv table: one per snapped origin and category."""
    res = run.result
    rows = []
    for i in np.flatnonzero(res.origin_ok):
        oid = run.origins.ids[i]
        for j, cat in enumerate(res.categories):
            m = res.metres[i, j]
            if np.isnan(m):
                rows.append((oid, cat, "", "", int(res.counts[i, j])))
            else:
                mins = minutes_from_metres(float(m), speed_kmh=run.speed_kmh)
                rows.append((oid, cat, f"{m:.3f}", f"{mins:.3f}", int(res.counts[i, j])))
    return rows


def write_access_csv(run: AccessRun, path: Path) -> int:
    """Write OUT.csv atomically; returns the number of rows."""
    rows = access_rows(run)
    write_csv(path, ACCESS_HEADER, rows)
    return len(rows)


def access_summary(run: AccessRun) -> list[dict[str, Any]]:
    """Per category: places, share of origins reaching one, median minutes, mean count."""
    res = run.result
    ok = res.origin_ok
    assert run.places.category is not None
    n_places = dict.fromkeys(res.categories, 0)
    for c in run.places.category:
        n_places[c] += 1
    out = []
    for j, cat in enumerate(res.categories):
        m = res.metres[ok, j]
        reached = ~np.isnan(m)
        med = float(np.median(m[reached])) if reached.any() else None
        out.append(
            {
                "category": cat,
                "places": n_places[cat],
                "minutes_limit": run.minutes[j],
                "origins": int(ok.sum()),
                "share_reached": float(reached.mean()) if m.size else 0.0,
                "median_minutes": None
                if med is None
                else round(minutes_from_metres(med, speed_kmh=run.speed_kmh), 2),
                "mean_count": float(res.counts[ok, j].mean()) if m.size else 0.0,
            }
        )
    return out


@dataclass(frozen=True)
class ReachRun:
    """One-point reach from files."""

    result: ReachResult
    places: PointTable
    speed_kmh: float
    minutes: float


def run_reach(
    *,
    network: Path,
    lon: float,
    lat: float,
    places: Path,
    minutes: float,
    speed_kmh: float,
    crs: str = "wgs84",
    max_snap_m: float = 300.0,
    isochrone: bool = False,
) -> ReachRun:
    """Every place within ``minutes`` of one point, with routes (and the isochrone)."""
    limit = metres_from_minutes(minutes, speed_kmh=speed_kmh)
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise ValidationError(f"point {lon},{lat} is not a lon,lat pair in degrees")
    net = load_network(network)
    p_tab = read_points(places, kind="places", crs=crs)
    check_swapped(p_tab, net.bbox)
    o_lon, o_lat = (float(v[0]) for v in to_wgs84(np.array([lon]), np.array([lat]), crs))
    origin = snap_points(net, [o_lon], [o_lat], max_snap_m=max_snap_m)
    if not origin.ok[0]:
        raise ValidationError(
            f"point {lon},{lat} is more than {max_snap_m:g} m from every street of {network}"
        )
    p_snap = snap_points(net, p_tab.lon, p_tab.lat, max_snap_m=max_snap_m)
    result = reach(
        net,
        origin_lon=o_lon,
        origin_lat=o_lat,
        origin=origin,
        places=p_snap,
        place_lon=p_tab.lon,
        place_lat=p_tab.lat,
        limit_m=limit,
        with_isochrone=isochrone,
    )
    return ReachRun(result=result, places=p_tab, speed_kmh=speed_kmh, minutes=minutes)


def reach_records(run: ReachRun) -> list[dict[str, Any]]:
    """Reached places, nearest first, as plain records."""
    assert run.places.category is not None
    res = run.result
    return [
        {
            "id": run.places.ids[p],
            "category": run.places.category[p],
            "lon": float(run.places.lon[p]),
            "lat": float(run.places.lat[p]),
            "metres": round(float(m), 3),
            "minutes": round(minutes_from_metres(float(m), speed_kmh=run.speed_kmh), 3),
        }
        for p, m in zip(res.place, res.metres, strict=True)
    ]


def reach_geojson(run: ReachRun, *, route_to: str | None = None) -> dict[str, Any]:
    """GeoJSON FeatureCollection: reached places, routes (all or one) and the isochrone."""
    features: list[dict[str, Any]] = []
    res = run.result
    if res.isochrone is not None:
        features.append(
            {
                "type": "Feature",
                "properties": {"kind": "isochrone", "minutes": run.minutes},
                "geometry": shapely.geometry.mapping(res.isochrone),
            }
        )
    found = False
    for rec, route in zip(reach_records(run), res.routes, strict=True):
        features.append(
            {
                "type": "Feature",
                "properties": {"kind": "place", **rec},
                "geometry": {"type": "Point", "coordinates": [rec["lon"], rec["lat"]]},
            }
        )
        if route_to is None or rec["id"] == route_to:
            found = found or rec["id"] == route_to
            features.append(
                {
                    "type": "Feature",
                    "properties": {"kind": "route", "to": rec["id"], "metres": rec["metres"]},
                    "geometry": {"type": "LineString", "coordinates": route.tolist()},
                }
            )
    if route_to is not None and not found:
        raise ValidationError(f"place {route_to!r} is not within {run.minutes:g} minutes")
    return {"type": "FeatureCollection", "features": features}


def write_geojson(obj: dict[str, Any], path: Path) -> None:
    """Write a GeoJSON object atomically."""
    write_json(path, obj)
