"""What-if: add, remove or move one place and re-score only the communities it can affect.

A place can change the nearest-place walk only of residents within the search limit of
where it is or was: its reverse catchment, found with one bounded search from each of
its positions. Those residents' communities (and the community the place lies in, for
its place counts and circle type) are re-scored from exact walks, once without the
change and once with it; every other community keeps its figures of the stored run, and
the city's totals are updated from the difference.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from lifecircle.core.assess.business_hours import parse_business_hours
from lifecircle.core.assess.circles import CircleRules, GradeRules
from lifecircle.core.walk.access import Router
from lifecircle.core.walk.impedance import ELDERLY_SPEED_KMH, WALK_SPEED_KMH, metres_from_minutes
from lifecircle.core.walk.insert import insert_points
from lifecircle.core.walk.snap import Snapped, snap_points
from lifecircle.errors import DataError, NotFoundError, ValidationError
from lifecircle.services.assess import (
    AssessParams,
    community_records,
    num,
    score,
    stored_assessment,
)
from lifecircle.services.city.data import CityData, Homes, Places, Units, load_city_data, zones_of
from lifecircle.services.compare import data_versions
from lifecircle.services.hours import moment_at, open_places

if TYPE_CHECKING:
    from collections.abc import Callable

    from numpy.typing import NDArray
    from sqlalchemy.engine import Engine

OPERATIONS = ("add", "remove", "move")

_PARAMETERS = (
    "limit_minutes", "speed_kmh", "profile", "basic_share", "weak_share", "quality_share",
    "circle_rules", "grade_rules", "targets", "max_snap_m",
)  # fmt: skip
"""The members of ``run.parameters`` a what-if needs."""


@dataclass(frozen=True)
class Change:
    """One change of the city's places.

    ``add`` needs ``category``, ``lon`` and ``lat``; ``remove`` needs ``uid``; ``move``
    needs ``uid``, ``lon`` and ``lat`` (WGS-84 degrees). ``hours`` are an added shop's
    opening hours (OSM or Amap 营业时间 text; unknown when not given): with a moment
    (``what_if(at=...)``) the shop fills a gap only while it is open.
    """

    op: str
    uid: str | None = None
    category: str | None = None
    lon: float | None = None
    lat: float | None = None
    hours: str | None = None

    def __post_init__(self) -> None:
        problems: list[tuple[str, str]] = []  # (field, problem)
        if self.op not in OPERATIONS:
            problems.append(
                ("op", f"unknown change {self.op!r} (expected {', '.join(OPERATIONS)})")
            )
        if self.op in {"remove", "move"} and not self.uid:
            problems.append(("uid", f"{self.op} needs the uid of a place"))
        if self.op == "add" and not self.category:
            problems.append(("category", "add needs a category"))
        if self.op in {"add", "move"}:
            if self.lon is None or self.lat is None:
                problems.append(
                    ("lon" if self.lon is None else "lat", f"{self.op} needs a position LON,LAT")
                )
            elif not (-180 <= self.lon <= 180 and -90 <= self.lat <= 90):
                problems.append(("lon", f"position {self.lon},{self.lat} is not WGS-84 degrees"))
        if self.hours is not None:
            if self.op != "add":
                problems.append(("hours", "hours are given for an added shop only"))
            elif parse_business_hours(self.hours).intervals is None:
                reason = parse_business_hours(self.hours).reason
                problems.append(("hours", f"hours {self.hours!r} cannot be read: {reason}"))
        if problems:
            raise ValidationError("; ".join(p for _, p in problems), field=problems[0][0])


def params_of(run: dict[str, Any]) -> AssessParams:
    """The parameters a stored run was computed with.

    Raises
    ------
    DataError
        If the run was stored without them (a document made by hand, not by ``assess``).

    """
    p = run.get("parameters") or {}
    missing = sorted(set(_PARAMETERS) - set(p))
    if missing:
        raise DataError(
            f"assessment run {run.get('id')} lacks its parameters {', '.join(missing)}: "
            "run `lifecircle assess` for a run to start from"
        )
    return AssessParams(
        limit_minutes=p["limit_minutes"],
        speed_kmh=p["speed_kmh"],
        profile=p["profile"],
        basic_share=p["basic_share"],
        weak_share=p["weak_share"],
        quality_share=p["quality_share"],
        circles=CircleRules(**p["circle_rules"]),
        grades=GradeRules(**p["grade_rules"]),
        targets=p["targets"],
        max_snap_m=p["max_snap_m"],
    )


def _hours_with(places: Places, text: str | None) -> tuple[Any, ...] | None:
    """The places' hours with an added shop's (``None`` when neither are known)."""
    new = None if text is None else parse_business_hours(text).intervals
    if places.hours is None and new is None:
        return None
    return (*(places.hours or (None,) * len(places)), new)


def apply_change(data: CityData, change: Change) -> tuple[CityData, list[tuple[float, float]]]:
    """The city with the change made, and the positions (before and after) it touches."""
    places = data.places
    if change.op == "add":
        assert change.category is not None
        assert change.lon is not None
        assert change.lat is not None
        codes = data.categories
        if change.category not in codes:
            raise ValidationError(
                f"unknown category {change.category!r}; categories: {', '.join(codes)}",
                field="category",
            )
        lon, lat = np.array([change.lon]), np.array([change.lat])
        n = len(places)
        changed = Places(
            id=np.append(places.id, -1),
            uid=(*places.uid, "what-if"),
            name=(*places.name, "what-if"),
            lon=np.append(places.lon, lon),
            lat=np.append(places.lat, lat),
            chain=np.append(places.chain, False),
            open_24h=np.append(places.open_24h, False),
            zone=np.append(places.zone, zones_of(data.units, lon, lat)),
            pair_place=np.append(places.pair_place, n),
            pair_category=np.append(places.pair_category, codes.index(change.category)),
            hours=_hours_with(places, change.hours),
        )
        return replace(data, places=changed), [(change.lon, change.lat)]
    try:
        row = places.uid.index(change.uid or "")
    except ValueError:
        raise NotFoundError(
            f"no place with uid {change.uid!r} in city {data.name!r}", field="uid"
        ) from None
    touched = [(float(places.lon[row]), float(places.lat[row]))]
    if change.op == "remove":
        keep = places.pair_place != row
        zone = places.zone.copy()
        zone[row] = -1  # the row stays (snaps are matched by row) but counts in no community
        changed = replace(
            places,
            zone=zone,
            pair_place=places.pair_place[keep],
            pair_category=places.pair_category[keep],
        )
    else:
        assert change.lon is not None
        assert change.lat is not None
        lon, lat = places.lon.copy(), places.lat.copy()
        lon[row], lat[row] = change.lon, change.lat
        zone = places.zone.copy()
        zone[row] = zones_of(data.units, lon[row : row + 1], lat[row : row + 1])[0]
        changed = replace(places, lon=lon, lat=lat, zone=zone)
        touched.append((change.lon, change.lat))
    return replace(data, places=changed), touched


def _reverse_catchment(
    data: CityData,
    h_snap: Snapped,
    touched: list[tuple[float, float]],
    limit_m: float,
    snap_m: float,
) -> NDArray[np.int64]:
    """Homes within ``limit_m`` of any touched position (exact, with both inserted)."""
    t_snap = snap_points(
        data.net,
        np.array([t[0] for t in touched]),
        np.array([t[1] for t in touched]),
        max_snap_m=snap_m,
    )
    graph = insert_points(data.net, Snapped.concat([h_snap, t_snap]))
    n_h = len(h_snap)
    router = Router(graph.net, place_node=graph.node[:n_h], place_offset_m=graph.offset_m[:n_h])
    found: list[NDArray[np.int32]] = []
    for node, offset in zip(graph.node[n_h:], graph.offset_m[n_h:], strict=True):
        if node >= 0:
            homes, _ = router.places_within(int(node), float(offset), limit_m)
            found.append(homes)
    return np.unique(np.concatenate(found)).astype(np.int64) if found else np.zeros(0, np.int64)


def subset(data: CityData, units: NDArray[np.int64]) -> tuple[CityData, NDArray[np.int64]]:
    """The part of a city made of some units, their residents and all places.

    Returns the part and the rows of ``data.homes`` it keeps, in order.
    """
    remap = np.full(len(data.units) + 1, -1, dtype=np.int64)  # last slot: zone -1
    remap[units] = np.arange(units.size)
    h_keep = np.flatnonzero(remap[data.homes.zone] >= 0)
    u = data.units
    pick = [int(k) for k in units]
    part = replace(
        data,
        units=Units(
            codes=tuple(u.codes[k] for k in pick),
            names=tuple(u.names[k] for k in pick),
            streets=tuple(u.streets[k] for k in pick),
            districts=tuple(u.districts[k] for k in pick),
            geometries=tuple(u.geometries[k] for k in pick),
            level=u.level,
        ),
        homes=Homes(
            lon=data.homes.lon[h_keep],
            lat=data.homes.lat[h_keep],
            weight=data.homes.weight[h_keep],
            zone=remap[data.homes.zone[h_keep]],
            method=data.homes.method,
        ),
        places=replace(
            data.places,
            zone=np.where(data.places.zone >= 0, remap[data.places.zone], -1),
        ),
    )
    return part, h_keep


def resnapped(before: CityData, after: CityData, p_snap: Snapped, max_snap_m: float) -> Snapped:
    """``after``'s places snapped, reusing ``p_snap`` (``before``'s) for every unmoved one."""
    n, lon, lat = len(before.places), after.places.lon, after.places.lat
    moved = np.flatnonzero((lon[:n] != before.places.lon) | (lat[:n] != before.places.lat))
    changed = np.concatenate([moved, np.arange(n, lon.size)])
    if changed.size == 0:
        return p_snap
    fresh = snap_points(after.net, lon[changed], lat[changed], max_snap_m=max_snap_m)
    row = np.arange(lon.size)
    row[changed] = n + np.arange(changed.size)
    return Snapped.concat([p_snap, fresh]).take(row)


def nearest_metres(
    data: CityData, h_snap: Snapped, p_snap: Snapped, limit_m: float
) -> NDArray[np.float64]:
    """Metres from each home to the nearest place of each category, one search per home."""
    pairs = p_snap.take(data.places.pair_place)
    graph = insert_points(data.net, Snapped.concat([h_snap, pairs]))
    n_h = len(h_snap)
    router = Router(graph.net, place_node=graph.node[n_h:], place_offset_m=graph.offset_m[n_h:])
    metres = np.full((n_h, len(data.categories)), np.nan)
    cat = data.places.pair_category
    for i in range(n_h):
        node = int(graph.node[i])
        if node < 0:
            continue
        found, dist = router.places_within(node, float(graph.offset_m[i]), limit_m)
        if found.size:
            c, first = np.unique(cat[found], return_index=True)  # nearest first
            metres[i, c] = dist[first]
    return metres


def _scored(
    part: CityData, h_snap: Snapped, p_snap: Snapped, params: AssessParams, limit_m: float
) -> list[dict[str, Any]]:
    metres = nearest_metres(part, h_snap, p_snap, limit_m)
    sc = score(part, metres, p_snap.seg, params, searched_m=limit_m)
    return community_records(part, sc)


def _city(records: list[dict[str, Any]], categories: list[str]) -> dict[str, Any]:
    pop = np.array([r["population"] for r in records], dtype=np.float64)
    total = float(pop.sum())

    def weighted(values: list[float | None]) -> float | None:
        v = np.array([np.nan if x is None else x for x in values], dtype=np.float64)
        ok = pop > 0
        return num((v[ok] * pop[ok]).sum() / total) if total > 0 else None

    return {
        "basic_complete": sum(bool(r["basic_complete"]) for r in records),
        "f15": weighted([r["f15"] for r in records]),
        "coverage": {c: weighted([r["coverage"][c] for r in records]) for c in categories},
    }


def what_if(
    *,
    engine: Engine,
    name: str,
    change: Change,
    run_id: int | None = None,
    progress: Callable[[str], None] | None = None,
    at: str | None = None,
    unknown: str = "open",
) -> dict[str, Any]:
    """Before and after one change, for the communities it can affect and for the city.

    With ``at`` (``"Mon 07:30"`` or an ISO date-time, city time) only the places open
    then count, before and after (:func:`lifecircle.services.hours.open_places`; places
    of unknown hours count as ``unknown`` says: ``open`` or ``closed``). The city's
    figures merge the re-scored communities into the stored run's, so they are of that
    moment only where the run was assessed at it too (``at_run``).

    Returns
    -------
    dict
        ``change``, ``run`` (the stored run it starts from), ``affected_points``,
        ``communities`` (code, name, ``before`` and ``after`` community objects),
        ``city`` (``before``/``after`` basic-complete count, F15 and coverage per
        category), ``stale`` (whether the data changed since the run) and ``elapsed_s``.

    """
    step = progress or (lambda _: None)
    step("loading the run and the city")
    base = stored_assessment(engine=engine, name=name, run_id=run_id)
    started = time.perf_counter()
    params = params_of(base["run"])
    data = load_city_data(engine=engine, name=name)
    step("reverse catchment")
    after_data, touched = apply_change(data, change)
    label = None
    if at is not None:
        if unknown not in {"open", "closed"}:
            raise ValidationError(
                f"what-if: unknown hours count as open or closed, not {unknown!r}",
                field="unknown_hours",
            )
        moment, label = moment_at(at, data)
        data, after_data = (open_places(d, moment, unknown) for d in (data, after_data))
    longest = max(params.rules().minutes_for(g) for g in set(data.groups))
    limit_m = metres_from_minutes(
        longest, speed_kmh=max(params.speed, ELDERLY_SPEED_KMH, WALK_SPEED_KMH)
    )
    h_snap = snap_points(data.net, data.homes.lon, data.homes.lat, max_snap_m=params.max_snap_m)
    homes = _reverse_catchment(data, h_snap, touched, limit_m, params.max_snap_m)
    zones = set(data.homes.zone[homes].tolist())
    lon = np.array([t[0] for t in touched])
    lat = np.array([t[1] for t in touched])
    zones |= set(zones_of(data.units, lon, lat).tolist())
    units = np.array(sorted(z for z in zones if z >= 0), dtype=np.int64)
    step("re-scoring")
    # homes and places are snapped once; only the moved or added place again
    p_snap = snap_points(data.net, data.places.lon, data.places.lat, max_snap_m=params.max_snap_m)
    part_before, keep = subset(data, units)
    part_after, _ = subset(after_data, units)
    h_part = h_snap.take(keep)
    before = _scored(part_before, h_part, p_snap, params, limit_m)
    p_after = resnapped(data, after_data, p_snap, params.max_snap_m)
    after = _scored(part_after, h_part, p_after, params, limit_m)
    cats = list(data.categories)
    changed = {r["code"]: r for r in after}
    city_after = [changed.get(c["code"], c) for c in base["communities"]]
    versions = data_versions(base["run"]["data"])
    now = data_versions(data.versions)
    return {
        "change": {k: v for k, v in vars(change).items() if v is not None},
        "run": {"id": base["run"]["id"], "created_at": base["run"]["created_at"]},
        "stale": versions != now,
        "affected_points": int(homes.size),
        "communities": [
            {"code": b["code"], "name": b["name"], "before": b, "after": a}
            for b, a in zip(before, after, strict=True)
        ],
        "city": {"before": _city(base["communities"], cats), "after": _city(city_after, cats)},
        "elapsed_s": round(time.perf_counter() - started, 3),
        "at": label,
        "unknown_hours": unknown if at is not None else None,
        "at_run": (base["run"]["parameters"].get("time") or {}).get("at"),
    }
