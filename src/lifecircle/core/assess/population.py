"""Where people live: zone population totals spread over homes, or estimated from floor area.

Official statistics give one resident count per community; accessibility needs people
at places. :func:`spread_population` shares each zone's total among its residential
buildings in proportion to floor area (footprint × storeys), or, in a zone where no
building is mapped, among points of its walking network in proportion to street
length. :func:`population_from_buildings` estimates residents where no totals exist.
Zones are contiguous indices ``0..n-1``; the caller maps them to community codes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from lifecircle.errors import ValidationError

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    from lifecircle.core.walk.network import WalkNetwork

Method = Literal["buildings", "network", "floor_area", "points", "none"]
"""How a zone's people were placed: shared over buildings by floor area, over network
points by street length, estimated from floor area, given as points (a population grid
or census points), or not at all."""

DEFAULT_LEVELS = 1.0
"""Storeys assumed for a building without a ``building:levels`` tag."""

FLOOR_M2_PER_PERSON = 35.0
"""Assumed gross floor area per resident, m², for estimates without official totals.

An assumption, not a measurement: dwelling floor space per person is of the order of
30-40 m² both in Helsinki and in Chinese cities. Footprint × storeys is gross area
(walls, stairwells, shops on the ground floor), so the estimate leans high where ground
floors are commercial; pass another value where local figures are known.
"""


@dataclass(frozen=True)
class Buildings:
    """Residential buildings as points (WGS-84 degrees) with their zone.

    ``area_m2`` is the footprint, ``levels`` the storeys (NaN when unknown) and
    ``zone`` the zone index (``-1`` outside every zone).
    """

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    area_m2: NDArray[np.float64]
    levels: NDArray[np.float64]
    zone: NDArray[np.int64]


@dataclass(frozen=True)
class NetworkPoints:
    """Points of the walking network (WGS-84 degrees) with a weight, e.g. metres of street."""

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    weight: NDArray[np.float64]
    zone: NDArray[np.int64]


@dataclass(frozen=True)
class PopulationPoints:
    """People placed at points, and how each zone was treated.

    Attributes
    ----------
    lon, lat
        WGS-84 degrees per point (buildings and network points that received people).
    population
        Residents per point (fractional unless whole persons were asked for).
    zone
        Zone index per point.
    method
        Per zone: ``"buildings"``, ``"network"``, ``"floor_area"``, ``"points"`` or
        ``"none"``.
    unplaced
        Per zone: residents of the total that could not be placed (method ``"none"``).
    basis
        One sentence stating the method and its assumptions, for reports.

    """

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    population: NDArray[np.float64]
    zone: NDArray[np.int64]
    method: tuple[Method, ...]
    unplaced: NDArray[np.float64]
    basis: str

    def zone_totals(self) -> NDArray[np.float64]:
        """Residents placed per zone."""
        counts = np.bincount(self.zone, weights=self.population, minlength=len(self.method))
        return np.asarray(counts, dtype=np.float64)


def _floor_area(buildings: Buildings, default_levels: float) -> NDArray[np.float64]:
    levels = np.where(np.isfinite(buildings.levels), buildings.levels, default_levels)
    area = np.where(np.isfinite(buildings.area_m2), buildings.area_m2, 0.0)
    return np.asarray(np.clip(area, 0.0, None) * np.clip(levels, 0.0, None), dtype=np.float64)


def _check_lengths(name: str, *arrays: NDArray[np.generic]) -> None:
    if len({a.shape for a in arrays}) > 1 or arrays[0].ndim != 1:
        shapes = ", ".join(str(a.shape) for a in arrays)
        raise ValidationError(f"{name}: columns must be 1-d of equal length, got {shapes}")


def _groups(zone: NDArray[np.int64], n_zones: int) -> list[NDArray[np.intp]]:
    """Indices of the points in each zone ``0..n_zones-1`` (one sort, not a scan per zone)."""
    order = np.argsort(zone, kind="stable")
    bounds = np.searchsorted(zone[order], np.arange(n_zones + 1))
    return [order[bounds[z] : bounds[z + 1]] for z in range(n_zones)]


def _share(total: float, weight: NDArray[np.float64], *, whole: bool) -> NDArray[np.float64]:
    """``total`` split in proportion to ``weight`` (all zero: equally), summing to it."""
    if not (weight > 0).any():
        weight = np.ones_like(weight)
    if whole:
        # largest remainder: integers that sum exactly to the (integer) total
        exact = np.asarray(total * weight / weight.sum(), dtype=np.float64)
        share = np.floor(exact)
        left = round(total - float(share.sum()))
        share[np.argsort(-(exact - share), kind="stable")[:left]] += 1.0
        return share
    share = np.asarray(total * (weight / weight.sum()), dtype=np.float64)
    # the rounding residue goes to the largest share, where it changes least
    big = int(np.argmax(share))
    share[big] += total - math.fsum(share.tolist())
    return share


def spread_population(
    totals: ArrayLike,
    *,
    buildings: Buildings,
    network: NetworkPoints | None = None,
    default_levels: float = DEFAULT_LEVELS,
    whole_persons: bool = False,
) -> PopulationPoints:
    """Share each zone's resident total among its buildings, else its street network.

    Parameters
    ----------
    totals
        Residents per zone (index = zone); NaN means unknown, and such a zone gets no
        points and method ``"none"``.
    buildings
        Residential buildings with their zone; weights are footprint m² × storeys.
    network
        Fallback points (e.g. :func:`segment_midpoints`, weighted by metres of street)
        for zones without buildings.
    default_levels
        Storeys for buildings whose level count is unknown.
    whole_persons
        Give whole residents per point (largest-remainder rounding); totals must be
        whole numbers then.

    Returns
    -------
    PopulationPoints
        Per zone, the placed residents sum to the zone's total (exactly with
        ``whole_persons``, else to within floating-point rounding).

    Raises
    ------
    lifecircle.errors.ValidationError
        If a total is negative (or fractional with ``whole_persons``), a zone index is
        out of range, columns differ in length, or ``default_levels`` is negative.

    """
    total = np.asarray(totals, dtype=np.float64)
    n_zones = total.shape[0]
    if total.ndim != 1:
        raise ValidationError(f"totals must be 1-d, got shape {total.shape}")
    if (total[np.isfinite(total)] < 0).any() or np.isinf(total).any():
        raise ValidationError("zone totals must be finite and non-negative")
    if whole_persons and (total[np.isfinite(total)] % 1 != 0).any():
        raise ValidationError("whole_persons needs whole-number totals")
    if not default_levels >= 0:
        raise ValidationError(f"default_levels must be >= 0, got {default_levels}")
    b = buildings
    _check_lengths("buildings", b.lon, b.lat, b.area_m2, b.levels, b.zone)
    sources = [(b.lon, b.lat, _floor_area(b, default_levels), b.zone)]
    if network is not None:
        n = network
        _check_lengths("network", n.lon, n.lat, n.weight, n.zone)
        sources.append((n.lon, n.lat, np.clip(np.nan_to_num(n.weight), 0.0, None), n.zone))
    for _, _, _, zone in sources:
        if zone.size and (zone.max() >= n_zones or zone.min() < -1):
            raise ValidationError(f"zone indices must lie in -1..{n_zones - 1}")

    method: list[Method] = ["none"] * n_zones
    unplaced = np.where(np.isfinite(total), total, 0.0)
    groups = [_groups(zone, n_zones) for *_, zone in sources]
    out: list[tuple[NDArray[np.float64], ...]] = []
    for z in range(n_zones):
        if not np.isfinite(total[z]):
            continue
        for kind, (lon, lat, weight, _), members in zip(
            ("buildings", "network"), sources, groups, strict=False
        ):
            idx = members[z]
            if idx.size:
                method[z] = "buildings" if kind == "buildings" else "network"
                share = _share(float(total[z]), weight[idx], whole=whole_persons)
                out.append((lon[idx], lat[idx], share, np.full(idx.size, float(z))))
                unplaced[z] = 0.0
                break
    columns = [np.concatenate([o[k] for o in out]) if out else np.empty(0) for k in range(4)]
    return PopulationPoints(
        lon=columns[0],
        lat=columns[1],
        population=columns[2],
        zone=columns[3].astype(np.int64),
        method=tuple(method),
        unplaced=unplaced,
        basis=(
            "zone totals shared over residential buildings by floor area (footprint × "
            f"storeys, {default_levels:g} storey(s) where untagged); zones without "
            "buildings over their walking network by street length"
        ),
    )


def population_from_buildings(
    buildings: Buildings,
    *,
    n_zones: int,
    floor_m2_per_person: float = FLOOR_M2_PER_PERSON,
    default_levels: float = DEFAULT_LEVELS,
) -> PopulationPoints:
    """Estimate residents where no official totals exist: floor area ÷ m² per person.

    Parameters
    ----------
    buildings
        Residential buildings; those in zone ``-1`` (outside every zone) are left out.
    n_zones
        Number of zones, for the per-zone ``method`` (zones without buildings: "none").
    floor_m2_per_person
        Assumed gross floor area per resident, m² (see :data:`FLOOR_M2_PER_PERSON`).
    default_levels
        Storeys for buildings whose level count is unknown.

    Returns
    -------
    PopulationPoints
        One point per building in a zone, residents = footprint m² × storeys ÷
        ``floor_m2_per_person``; ``basis`` states the assumption.

    Raises
    ------
    lifecircle.errors.ValidationError
        If ``floor_m2_per_person`` is not positive or columns differ in length.

    """
    if not floor_m2_per_person > 0:
        raise ValidationError(f"floor_m2_per_person must be > 0, got {floor_m2_per_person}")
    _check_lengths("buildings", buildings.lon, buildings.lat, buildings.area_m2, buildings.zone)
    zone = np.asarray(buildings.zone, dtype=np.int64)
    if zone.size and zone.max() >= n_zones:
        raise ValidationError(f"zone indices must lie in -1..{n_zones - 1}")
    inside = zone >= 0
    people = _floor_area(buildings, default_levels)[inside] / floor_m2_per_person
    has = np.zeros(n_zones, dtype=bool)
    has[zone[inside]] = True
    return PopulationPoints(
        lon=np.asarray(buildings.lon, dtype=np.float64)[inside],
        lat=np.asarray(buildings.lat, dtype=np.float64)[inside],
        population=people,
        zone=zone[inside],
        method=tuple("floor_area" if h else "none" for h in has),
        unplaced=np.zeros(n_zones),
        basis=(
            f"estimated: residential floor area (footprint × storeys, {default_levels:g} "
            f"storey(s) where untagged) ÷ {floor_m2_per_person:g} m² per person, an "
            "assumption in place of official totals"
        ),
    )


def population_from_points(
    lon: ArrayLike, lat: ArrayLike, population: ArrayLike, zone: ArrayLike, *, n_zones: int
) -> PopulationPoints:
    """People given at points (a population grid, census points), grouped into zones.

    Parameters
    ----------
    lon, lat, population
        WGS-84 degrees and residents per point.
    zone
        Zone index per point, ``-1`` outside every zone (such points are left out).
    n_zones
        Number of zones; zones without a point get method ``"none"``.

    Returns
    -------
    PopulationPoints
        The points inside zones, unchanged.

    """
    z = np.asarray(zone, dtype=np.int64)
    columns = [np.asarray(c, dtype=np.float64) for c in (lon, lat, population)]
    _check_lengths("points", *columns, z)
    if z.size and z.max() >= n_zones:
        raise ValidationError(f"zone indices must lie in -1..{n_zones - 1}")
    inside = z >= 0
    has = np.zeros(n_zones, dtype=bool)
    has[z[inside]] = True
    return PopulationPoints(
        lon=columns[0][inside],
        lat=columns[1][inside],
        population=columns[2][inside],
        zone=z[inside],
        method=tuple("points" if h else "none" for h in has),
        unplaced=np.zeros(n_zones),
        basis="residents as given at points (population grid or census points)",
    )


def segment_midpoints(
    network: WalkNetwork,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Midpoints of the network's segments and their lengths, the network fallback weights.

    Returns
    -------
    tuple of numpy.ndarray
        ``(lon, lat, length_m)``; midpoints are averaged degrees, which is within
        centimetres of the geodesic midpoint for street segments.

    """
    lon = (network.lon[network.seg_u] + network.lon[network.seg_v]) / 2.0
    lat = (network.lat[network.seg_u] + network.lat[network.seg_v]) / 2.0
    return lon, lat, np.asarray(network.seg_len, dtype=np.float64)
