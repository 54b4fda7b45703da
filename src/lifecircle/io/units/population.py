"""Residents per place: population points from CSV, and population placed in assessment units.

A population file is a table ``lon, lat, population`` (a gridded population product
exported to points, census points); :func:`population_for_units` turns units with or
without official totals into :class:`~lifecircle.core.assess.population.PopulationPoints`,
choosing the method the data allow and saying which it chose.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from lifecircle.core.assess.population import (
    DEFAULT_LEVELS,
    FLOOR_M2_PER_PERSON,
    Buildings,
    NetworkPoints,
    population_from_buildings,
    population_from_points,
    segment_midpoints,
    spread_population,
)
from lifecircle.core.assess.zones import assign_points
from lifecircle.errors import NotFoundError, ValidationError
from lifecircle.io.places.points import COLUMN_ALIASES
from lifecircle.io.units.communities import (
    POPULATION_NAMES,
    BadRowsError,
    Reject,
    csv_table,
    lonlat_converter,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

    from lifecircle.core.assess.population import PopulationPoints
    from lifecircle.core.walk.network import WalkNetwork
    from lifecircle.io.places.osm import HomesTable
    from lifecircle.io.units.communities import CommunityRecord


@dataclass(frozen=True)
class PopulationTable:
    """Population points of one file, in WGS-84; ``refs`` are ``"line 5"``."""

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    population: NDArray[np.float64]
    refs: tuple[str, ...]
    rejects: tuple[Reject, ...]
    source: str
    crs: str

    def __len__(self) -> int:
        return len(self.refs)


def population_points_from_csv(
    path: Path | str, *, crs: str = "wgs84", skip_bad: bool = False
) -> PopulationTable:
    """Read a ``lon, lat, population`` CSV (a population grid or census points).

    Parameters
    ----------
    path
        CSV with a header; ``lng``/``longitude``, ``latitude`` and ``pop``/``人口``
        are accepted; other columns are ignored. UTF-8, UTF-16 or GBK.
    crs
        ``"wgs84"``, ``"gcj02"``, ``"bd09"`` or an EPSG code (``"EPSG:4547"`` for grid
        centres in metres).
    skip_bad
        Keep the good rows and return the bad ones as ``rejects`` instead of raising.

    Returns
    -------
    PopulationTable
        Rows in file order, WGS-84 degrees.

    Raises
    ------
    lifecircle.errors.NotFoundError
        If the file does not exist.
    BadRowsError
        If the file is unreadable, empty or lacks a column, or (without ``skip_bad``)
        a row has a missing, non-numeric or out-of-range coordinate or a missing,
        non-numeric or negative population; every problem is listed.
    lifecircle.errors.ValidationError
        If ``crs`` is unknown.

    """
    label, convert, degrees = lonlat_converter(crs)
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"{path}: no such file")
    source = str(path)
    header, rows = csv_table(path)
    if not rows:
        problem = "file is empty" if not header else "no data rows"
        raise BadRowsError(source, [Reject("file", "", problem)])
    aliases = {**COLUMN_ALIASES, **dict.fromkeys(POPULATION_NAMES, "population")}
    col: dict[str, str] = {}
    for name in header:
        col.setdefault(aliases.get(name.lower(), name.lower()), name)
    missing = [c for c in ("lon", "lat", "population") if c not in col]
    if missing:
        problem = f"missing column {', '.join(missing)} (columns: {', '.join(header)})"
        raise BadRowsError(source, [Reject("header", "", problem)])

    rejects: list[Reject] = []
    kept: list[tuple[str, float, float, float]] = []
    for ref, values in rows:
        row: list[Reject] = []
        lon, lat, people = (
            _number(values[col[c]], ref, col[c], row) for c in ("lon", "lat", "population")
        )
        if degrees and math.isfinite(lon) and not -180 <= lon <= 180:
            row.append(Reject(ref, col["lon"], f"{lon!r} is outside [-180, 180]"))
        if degrees and math.isfinite(lat) and not -90 <= lat <= 90:
            row.append(Reject(ref, col["lat"], f"{lat!r} is outside [-90, 90]"))
        if people < 0:
            row.append(Reject(ref, col["population"], f"must be >= 0, got {people!r}"))
        rejects.extend(row)
        if not row:
            kept.append((ref, lon, lat, people))
    if rejects and not skip_bad:
        raise BadRowsError(source, rejects)
    x = np.array([k[1] for k in kept], dtype=np.float64)
    y = np.array([k[2] for k in kept], dtype=np.float64)
    if convert is not None and x.size:
        x, y = (np.asarray(c, dtype=np.float64) for c in convert(x, y))
    return PopulationTable(
        lon=x,
        lat=y,
        population=np.array([k[3] for k in kept], dtype=np.float64),
        refs=tuple(k[0] for k in kept),
        rejects=tuple(rejects),
        source=source,
        crs=label,
    )


def _number(text: str, ref: str, column: str, problems: list[Reject]) -> float:
    value = text.strip().replace(",", "") if column.lower() in POPULATION_NAMES else text.strip()
    if not value:
        problems.append(Reject(ref, column, "empty"))
        return math.nan
    try:
        number = float(value)
    except ValueError:
        problems.append(Reject(ref, column, f"not a number: {value!r}"))
        return math.nan
    if not math.isfinite(number):
        problems.append(Reject(ref, column, f"not finite: {value!r}"))
    return number


@dataclass(frozen=True)
class UnitPopulation:
    """People placed in units: ``points.zone`` indexes ``codes``; ``notes`` explain."""

    points: PopulationPoints
    codes: tuple[str, ...]
    notes: tuple[str, ...]

    def totals(self) -> dict[str, float]:
        """Residents placed per unit code."""
        return dict(zip(self.codes, self.points.zone_totals().tolist(), strict=True))


def population_for_units(
    units: Sequence[CommunityRecord],
    *,
    homes: HomesTable | None = None,
    network: WalkNetwork | None = None,
    points: PopulationTable | None = None,
    floor_m2_per_person: float = FLOOR_M2_PER_PERSON,
    default_levels: float = DEFAULT_LEVELS,
) -> UnitPopulation:
    """Place residents in units by the best method the data allow.

    Population points, when given, are used as they are. Otherwise units with official
    totals have them shared over their residential buildings by floor area (over their
    walking network by street length where no building is mapped); when no unit has a
    total, residents are estimated from floor area ÷ ``floor_m2_per_person``.

    Parameters
    ----------
    units
        Units with geometry (others are left out, with a note).
    homes
        Residential buildings, e.g. :func:`lifecircle.io.places.osm.homes_from_osm`.
    network
        Walking network for units without buildings.
    points
        Population points from :func:`population_points_from_csv`.
    floor_m2_per_person, default_levels
        See :func:`lifecircle.core.assess.population.population_from_buildings`.

    Returns
    -------
    UnitPopulation
        Points with residents, the unit codes their zones index, the method per unit
        (``points.method``) and its basis (``points.basis``).

    Raises
    ------
    lifecircle.errors.ValidationError
        If nothing to place people with was given.

    """
    zones = [u for u in units if u.geometry is not None]
    codes = tuple(u.code for u in zones)
    polygons = [u.geometry for u in zones]
    notes: list[str] = []
    if len(zones) < len(units):
        notes.append(f"{len(units) - len(zones)} units without boundaries left out")
    if points is not None:
        zone = assign_points(points.lon, points.lat, polygons)
        placed = population_from_points(
            points.lon, points.lat, points.population, zone, n_zones=len(zones)
        )
        notes.append(f"{int((zone < 0).sum())} population points outside every unit")
        return UnitPopulation(placed, codes, tuple(notes))
    if homes is None:
        raise ValidationError("give homes (residential buildings) or population points")
    buildings = Buildings(
        lon=homes.lon,
        lat=homes.lat,
        area_m2=homes.area_m2,
        levels=homes.levels,
        zone=assign_points(homes.lon, homes.lat, polygons),
    )
    totals = np.array([math.nan if u.population is None else u.population for u in zones])
    if np.isnan(totals).all():
        placed = population_from_buildings(
            buildings,
            n_zones=len(zones),
            floor_m2_per_person=floor_m2_per_person,
            default_levels=default_levels,
        )
    else:
        fallback = None
        if network is not None:
            lon, lat, length = segment_midpoints(network)
            zone = assign_points(lon, lat, polygons)
            fallback = NetworkPoints(lon=lon, lat=lat, weight=length, zone=zone)
        placed = spread_population(
            totals, buildings=buildings, network=fallback, default_levels=default_levels
        )
        if np.isnan(totals).any():
            notes.append(f"{int(np.isnan(totals).sum())} units have no population total")
    empty = [c for c, m in zip(codes, placed.method, strict=True) if m == "none"]
    if empty:
        notes.append(f"{len(empty)} units with no one placed: {', '.join(empty[:10])}")
    return UnitPopulation(placed, codes, tuple(notes))
