"""A city's stored data as the arrays the assessment and planning cores take.

Loads, once, the walking network, the units to assess (the finest level of communities
with boundaries, else the community list), the population points with the unit each
lies in, and the places with their categories, chain flag and 24-hour flag. Strings and
database ids stay here; the cores see contiguous indices (STYLE.md, habit 2).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from lifecircle.core.assess.opening_hours import is_open_24h
from lifecircle.core.assess.zones import assign_points
from lifecircle.errors import DataError
from lifecircle.io.network.lcnet import load_network
from lifecircle.io.places.taxonomy import load_taxonomy
from lifecircle.services.city.cities import drawn_units, stored_units
from lifecircle.services.city.places import default_source_name
from lifecircle.services.city.runs import sha256_of
from lifecircle.services.city.stale_runs import open_city
from lifecircle.services.city.units import UNITS_FORMAT
from lifecircle.services.indicators import city_figures, target_figures
from lifecircle.services.usage import UsageView, latest_usage
from lifecircle.store import cities as city_store
from lifecircle.store.centres import list_centres
from lifecircle.store.communities import latest_population_method, population_points
from lifecircle.store.db import session_scope
from lifecircle.store.imports import list_import_runs
from lifecircle.store.models import ImportKind, ImportStatus
from lifecircle.store.places import place_table

if TYPE_CHECKING:
    from collections.abc import Callable

    from numpy.typing import NDArray
    from shapely.geometry.base import BaseGeometry
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from lifecircle.core.assess.categories import Taxonomy
    from lifecircle.core.assess.opening_hours import Interval
    from lifecircle.core.walk.network import WalkNetwork
    from lifecircle.io.units.communities import CommunityRecord
    from lifecircle.store.models import ImportRun

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Units:
    """The units assessed (社区, or H3 cells or neighbourhoods where there are none)."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    streets: tuple[str, ...]
    districts: tuple[str, ...]
    geometries: tuple[BaseGeometry | None, ...]
    level: str

    def __len__(self) -> int:
        return len(self.codes)


@dataclass(frozen=True)
class Homes:
    """Population points: where residents live, how many, and their unit (``-1``: none)."""

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    weight: NDArray[np.float64]
    zone: NDArray[np.int64]
    method: str


@dataclass(frozen=True)
class Places:
    """Places and their categories as index pairs.

    ``pair_place[k]`` is a row of these arrays and ``pair_category[k]`` a column of the
    city's categories: a place of two categories gives two pairs.
    """

    id: NDArray[np.int64]
    uid: tuple[str, ...]
    name: tuple[str, ...]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    chain: NDArray[np.bool_]
    open_24h: NDArray[np.bool_]
    zone: NDArray[np.int64]
    pair_place: NDArray[np.int64]
    pair_category: NDArray[np.int64]
    hours: tuple[tuple[Interval, ...] | None, ...] | None = None
    """Weekly opening intervals of each place (``None`` for a place of unknown hours);
    ``None`` for all: none recorded."""
    uncertain_place: NDArray[np.int64] | None = None
    uncertain_category: NDArray[np.int64] | None = None
    """Pairs of places of unknown hours left out of the pairs but counted as uncertain
    (the ``exclude`` choice of :mod:`lifecircle.services.hours`)."""

    def __len__(self) -> int:
        return int(self.id.shape[0])


@dataclass(frozen=True)
class CityData:
    """Everything an assessment or a plan of one city reads."""

    name: str
    taxonomy: Taxonomy
    net: WalkNetwork
    units: Units
    homes: Homes
    places: Places
    versions: dict[str, Any] = field(default_factory=dict)
    centres: tuple[BaseGeometry, ...] = ()
    """Mall and market-hall outlines (WGS-84): the footprints of the 集聚式 rule."""
    centre_names: tuple[str, ...] = ()
    recorded: dict[str, Any] = field(default_factory=dict)
    """Officials' and merchants' recorded indicators, as ``CityFigures`` fields
    (:func:`lifecircle.services.indicators.target_figures`)."""
    usage: UsageView | None = None
    """The latest computed month's 15-minute usage of the city."""

    @property
    def categories(self) -> tuple[str, ...]:
        """Category codes, in taxonomy order (the columns of every result)."""
        return self.taxonomy.codes

    @property
    def groups(self) -> tuple[str, ...]:
        """The group (basic, quality...) of each category."""
        return tuple(c.group for c in self.taxonomy.categories)


def units_from_records(records: list[CommunityRecord]) -> Units:
    """Units from community records (all of one level)."""
    return Units(
        codes=tuple(r.code for r in records),
        names=tuple(r.name for r in records),
        streets=tuple(r.street for r in records),
        districts=tuple(r.district for r in records),
        geometries=tuple(r.geometry for r in records),
        level=records[0].level if records else "",
    )


def zones_of(units: Units, lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.int64]:
    """The unit each point lies in by the units' boundaries, ``-1`` outside all."""
    if not any(g is not None for g in units.geometries):
        return np.full(lon.shape[0], -1, dtype=np.int64)
    return assign_points(lon, lat, list(units.geometries))


def intervals_of(weekly: dict[str, Any] | None) -> tuple[Interval, ...] | None:
    """Stored weekly opening intervals as interval tuples (``None``: unknown)."""
    if weekly is None:
        return None
    return tuple(
        (day, int(start), int(end))
        for day, key in enumerate(WEEKDAYS)
        for start, end in weekly.get(key, [])
    )


def open_24h_of(weekly: dict[str, Any] | None) -> bool:
    """Whether stored weekly opening intervals cover the whole week."""
    if not weekly:
        return False
    return is_open_24h(intervals_of(weekly) or ())


def fed_by(runs: list[ImportRun], method: str | None) -> list[ImportRun]:
    """The successful imports whose data a city holds now: what an assessment is fed by.

    ``runs`` newest first; ``method`` the population method the assessment reads. Each
    import counts unless a later one replaced its data: the network and each population
    method are replaced whole, places per named source (``--source``), communities and
    the mapping per file, and made units replace every unit before them (and are
    replaced by communities from a file). So two places sources, or three community
    files (districts, streets, communities), are all listed.
    """
    done = {ImportStatus.SUCCEEDED, ImportStatus.PARTIAL}
    seen: set[tuple[str, str]] = set()
    fed: list[ImportRun] = []
    units_replaced = False  # older community runs were replaced by made units
    for run in runs:
        kind = str(run.kind)
        if run.status not in done or (kind == ImportKind.COMMUNITIES and units_replaced):
            continue
        if kind == ImportKind.POPULATION:
            used = run.options.get("method")
            if method is not None and used is not None and used != method:
                continue
            key = ""
        elif kind == ImportKind.PLACES:
            key = run.options.get("source") or default_source_name(Path(run.source_path))
        elif kind == ImportKind.NETWORK:
            key = ""
        else:
            key = run.source_path
        if kind == ImportKind.COMMUNITIES and run.format.startswith(UNITS_FORMAT):
            units_replaced = True
            if any(r.kind == ImportKind.COMMUNITIES for r in fed):
                continue  # communities from a file replaced these units
        if (kind, key) not in seen:
            seen.add((kind, key))
            fed.append(run)
    return fed


def _versions(
    engine: Engine, city_id: int, network_path: str, method: str | None
) -> dict[str, Any]:
    """Every import the city's data come from (:func:`fed_by`), and the network's checksum."""
    with session_scope(engine) as session:
        imports = []
        for run in fed_by(list_import_runs(session, city_id=city_id), method):
            entry = {
                "id": run.id,
                "kind": str(run.kind),
                "source": Path(run.source_path).name,
                "sha256": run.source_sha256,
                "status": str(run.status),
                "finished_at": None if run.finished_at is None else run.finished_at.isoformat(),
            }
            if run.kind == ImportKind.PLACES:
                entry["source_name"] = run.options.get("source") or default_source_name(
                    Path(run.source_path)
                )
            elif run.kind == ImportKind.POPULATION and run.options.get("method"):
                entry["method"] = run.options["method"]
            elif run.format.startswith(UNITS_FORMAT):  # made over the network: no file
                entry["units"] = run.format.removeprefix(UNITS_FORMAT)
            imports.append(entry)
    return {
        "network": {"path": network_path, "sha256": sha256_of(Path(network_path))},
        "imports": sorted(imports, key=lambda r: r["id"]),
    }


def load_city_data(*, engine: Engine, name: str) -> CityData:
    """Load a city for assessment or planning.

    Raises
    ------
    NotFoundError
        If there is no such city.
    DataError
        If it has no network, no units or no population points, saying which import
        brings them.

    """
    with session_scope(engine) as session:
        city = open_city(session, name=name)  # dead import runs end `failed` first
        city_id, taxonomy_name, network_path = city.id, city.taxonomy, city.network_path
        records = stored_units(session, city_id=city_id)
        method = latest_population_method(session, city_id=city_id)
        homes = [] if method is None else population_points(session, city_id=city_id, method=method)
        place_rows, pairs = place_table(session, city_id=city_id)
        stored_centres = list_centres(session, city_id=city_id)
    if network_path is None or not Path(network_path).is_file():
        raise DataError(
            f"city {name!r} has no walking network"
            + ("" if network_path is None else f" (file {network_path} is gone)")
            + ": import one with `lifecircle city import NAME --network FILE`"
        )
    drawn = drawn_units(records)
    chosen = drawn or [r for r in records if r.level == "community"]
    if not chosen:
        raise DataError(
            f"city {name!r} has no communities or units: import --communities, or make "
            "units with --units h3"
        )
    if method is None or not homes:
        raise DataError(
            f"city {name!r} has no population points: import --population or --buildings"
        )
    units = units_from_records(chosen)
    taxonomy = load_taxonomy(taxonomy_name)
    net = load_network(Path(network_path))

    h_lon = np.array([h[0] for h in homes], dtype=np.float64)
    h_lat = np.array([h[1] for h in homes], dtype=np.float64)
    if drawn:
        h_zone = zones_of(units, h_lon, h_lat)
    else:  # a code list without boundaries: the unit each point was given at import
        index = {c: i for i, c in enumerate(units.codes)}
        h_zone = np.array([index.get(h[3] or "", -1) for h in homes], dtype=np.int64)

    p_lon = np.array([p[3] for p in place_rows], dtype=np.float64)
    p_lat = np.array([p[4] for p in place_rows], dtype=np.float64)
    row_of = {p[0]: i for i, p in enumerate(place_rows)}
    column = {c: j for j, c in enumerate(taxonomy.codes)}
    kept = [(row_of[pid], column[code]) for pid, code in pairs if code in column]
    places = Places(
        id=np.array([p[0] for p in place_rows], dtype=np.int64),
        uid=tuple(p[1] for p in place_rows),
        name=tuple(p[2] or "" for p in place_rows),
        lon=p_lon,
        lat=p_lat,
        chain=np.array([p[5] for p in place_rows], dtype=bool),
        open_24h=np.array([open_24h_of(p[6]) for p in place_rows], dtype=bool),
        zone=zones_of(units, p_lon, p_lat),
        pair_place=np.array([k[0] for k in kept], dtype=np.int64),
        pair_category=np.array([k[1] for k in kept], dtype=np.int64),
        hours=tuple(intervals_of(p[6]) for p in place_rows),
    )
    return CityData(
        name=name,
        taxonomy=taxonomy,
        net=net,
        units=units,
        homes=Homes(
            lon=h_lon,
            lat=h_lat,
            weight=np.array([h[2] for h in homes], dtype=np.float64),
            zone=h_zone,
            method=method,
        ),
        places=places,
        versions=_versions(engine, city_id, network_path, method),
        centres=tuple(shapely.from_wkb(c[2]) for c in stored_centres),
        centre_names=tuple(c[0] or c[1] for c in stored_centres),
        recorded=target_figures(city_figures(engine=engine, city_id=city_id)),
        usage=latest_usage(engine=engine, city_id=city_id, city=name),
    )


def load_compute_store(
    *,
    engine: Engine,
    name: str,
    compute: Callable[[CityData], dict[str, Any]],
    key: str,
    store: Callable[[Session, int, dict[str, Any]], int] | None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Load a city, compute a document from it and store it (the run use cases' shape).

    ``document[key]["elapsed_s"]`` becomes the time from loading to the result, and
    ``document[key]["id"]`` the id ``store(session, city_id, document)`` returns (left
    as computed when ``store`` is None).
    """
    step = progress or (lambda _: None)
    started = time.perf_counter()
    step("loading the city")
    document = compute(load_city_data(engine=engine, name=name))
    document[key]["elapsed_s"] = round(time.perf_counter() - started, 3)
    if store is not None:
        step(f"saving the {key}")
        # reads the city, then writes: SQLite's write lock up front, so that a write
        # committed meanwhile by another connection cannot make the upgrade fail
        with session_scope(engine, write=True) as session:
            city_id = city_store.get_city(session, name=name).id
            document[key]["id"] = store(session, city_id, document)
    return document
