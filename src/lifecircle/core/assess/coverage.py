"""Per-community coverage from a walking-metres matrix: who reaches which category in time.

The input is a cost matrix, never a network: ``metres[i, c]`` is the walk from resident
point ``i`` to the nearest place of category ``c`` (``nan`` when none was found within
the search limit, as :class:`lifecircle.core.walk.access.AccessResult` gives it). Limits are
given in minutes per category group (:class:`CoverageRules`) and turned into metres once
with a walking speed, so the elderly profile is the same call with
``speed_kmh=ELDERLY_SPEED_KMH``: 15 minutes become 800 m instead of 1,000 m.

A category is *covered* for a resident when its nearest place lies within the limit;
coverage is the population-weighted share of a community's residents covered. Residents
outside every community (``zone == -1``) and points of weight 0 take no part.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from lifecircle.core.assess.categories import GROUPS
from lifecircle.core.walk.impedance import DEFAULT_MINUTES, WALK_SPEED_KMH, metres_from_minutes
from lifecircle.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from numpy.typing import ArrayLike, NDArray

PER_RESIDENTS = 10_000.0
"""Places are counted per this many residents (the usual 每万人 figure)."""

_TOLERANCE = 1e-12
"""Relative slack on cumulative weights: ``0.9 * 10`` may round a hair above 9."""


@dataclass(frozen=True)
class CoverageRules:
    """Thresholds of the coverage verdicts.

    Attributes
    ----------
    basic_share
        A community's basic coverage is complete when every basic category reaches at
        least this share (0..1) of its residents; default 0.9.
    weak_share
        Categories of ``gap_groups`` reaching some residents but fewer than this share
        are listed as weak; ``None`` (default) uses ``basic_share``, so a basic category
        is either fine, weak or missing and basic coverage is complete exactly when none
        is weak or missing.
    quality_share
        A quality category counts as present when it reaches at least this share of the
        residents; default 0.5 (a majority).
    limit_minutes
        Walking limit in minutes per category group; groups not named use
        :data:`~lifecircle.core.walk.impedance.DEFAULT_MINUTES` (15).
    gap_groups
        Groups whose categories are checked for missing and weak ones (缺什么补什么);
        default basic only, since the plan asks full coverage of basic categories alone.

    Raises
    ------
    ValidationError
        Naming every share outside 0..1, limit outside 0-240 minutes and unknown group.

    """

    basic_share: float = 0.9
    weak_share: float | None = None
    quality_share: float = 0.5
    limit_minutes: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType({"basic": 15.0, "quality": 15.0})
    )
    gap_groups: tuple[str, ...] = ("basic",)

    def __post_init__(self) -> None:
        problems: list[str] = []
        shares = {"basic_share": self.basic_share, "quality_share": self.quality_share}
        if self.weak_share is not None:
            shares["weak_share"] = self.weak_share
        problems += [f"{k} {v} is outside 0..1" for k, v in shares.items() if not 0.0 <= v <= 1.0]
        for group, minutes in self.limit_minutes.items():
            if group not in GROUPS:
                problems.append(f"limit for unknown group {group!r}")
            if not 0.0 <= minutes <= 240.0:
                problems.append(f"{group} limit {minutes} minutes is outside 0-240")
        problems += [f"unknown gap group {g!r}" for g in self.gap_groups if g not in GROUPS]
        if problems:
            raise ValidationError("coverage rules: " + "; ".join(problems))
        object.__setattr__(self, "limit_minutes", MappingProxyType(dict(self.limit_minutes)))

    @property
    def weak_below(self) -> float:
        """The share under which a category is weak (``weak_share`` or ``basic_share``)."""
        return self.basic_share if self.weak_share is None else self.weak_share

    def minutes_for(self, group: str) -> float:
        """The walking limit of a group, minutes."""
        return float(self.limit_minutes.get(group, DEFAULT_MINUTES))


@dataclass(frozen=True)
class CoverageResult:
    """Coverage per community (rows) and category (columns).

    Attributes
    ----------
    categories, groups
        Category names and their groups, in column order.
    limit_minutes, limit_m
        The limit applied to each category, minutes and metres.
    speed_kmh
        Walking speed that relates them.
    population
        Residents (sum of weights) per community.
    covered
        Population-weighted share (0..1) of residents whose nearest place of the category
        lies within its limit; ``nan`` for communities without residents, which are
        neither covered nor uncovered.
    mean_minutes, p90_minutes
        Mean and 90th-percentile (weighted, inverted CDF) walking minutes over the
        residents *who reach* the category within the limit, so they describe the walk of
        those served and never exceed the limit; ``nan`` when nobody reaches it.
    mean_minutes_capped
        Mean over all residents with the unreached counted at the limit: a lower bound of
        the true mean walk, comparable between communities of different coverage.
    basic_complete
        Every basic category reaches at least ``rules.basic_share`` of the residents
        (``False`` for communities without residents).
    missing, weak
        Names of the ``rules.gap_groups`` categories that reach nobody, and that reach some
        residents but fewer than ``rules.weak_below``; empty for communities without
        residents.
    quality_present
        Quality categories reaching at least ``rules.quality_share`` of the residents.
    rules
        The rules applied.
    counted
        Residents per community and category whose answer is known: the population
        unless ``uncertain_metres`` was given (residents reached only by places of
        unknown hours take no part in that category's share).

    """

    categories: tuple[str, ...]
    groups: tuple[str, ...]
    limit_minutes: NDArray[np.float64]
    limit_m: NDArray[np.float64]
    speed_kmh: float
    population: NDArray[np.float64]
    covered: NDArray[np.float64]
    mean_minutes: NDArray[np.float64]
    p90_minutes: NDArray[np.float64]
    mean_minutes_capped: NDArray[np.float64]
    basic_complete: NDArray[np.bool_]
    missing: tuple[tuple[str, ...], ...]
    weak: tuple[tuple[str, ...], ...]
    quality_present: NDArray[np.int64]
    rules: CoverageRules
    counted: NDArray[np.float64] | None = None


def weighted_quantile(values: ArrayLike, weights: ArrayLike, q: float) -> float:
    """The weighted ``q``-quantile: the smallest value whose cumulative weight share is ≥ q.

    This is numpy's ``inverted_cdf`` method with weights: integer weights act as repeated
    values, and the result is always one of the values. ``nan`` values and zero weights
    are left out; with nothing left the result is ``nan``.

    >>> weighted_quantile([1.0, 2.0, 3.0, 4.0], [1, 1, 1, 1], 0.5)
    2.0
    >>> weighted_quantile([1.0, 2.0, 3.0], [1, 1, 8], 0.5)
    3.0
    >>> weighted_quantile([5.0, 1.0], [1, 9], 0.9)
    1.0
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    w = np.asarray(weights, dtype=np.float64).ravel()
    if x.shape != w.shape:
        raise ValidationError("values and weights must have the same length")
    _check_weights(w)
    if not 0.0 <= q <= 1.0:
        raise ValidationError(f"quantile {q} is outside 0..1")
    keep = ~np.isnan(x) & (w > 0)
    return float(
        _grouped_quantile(x[keep], w[keep], np.zeros(int(keep.sum()), dtype=np.int64), 1, q)[0]
    )


def _grouped_quantile(
    x: NDArray[np.float64],
    w: NDArray[np.float64],
    group: NDArray[np.int64],
    n_groups: int,
    q: float,
) -> NDArray[np.float64]:
    """Weighted inverted-CDF quantile of ``x`` within each group (positive weights only)."""
    out = np.full(n_groups, np.nan)
    if x.size == 0:
        return out
    order = np.lexsort((x, group))
    xs, ws, gs = x[order], w[order], group[order]
    cum = np.cumsum(ws)
    total = np.bincount(gs, weights=ws, minlength=n_groups)
    end = np.cumsum(np.bincount(gs, minlength=n_groups))
    start = end - np.bincount(gs, minlength=n_groups)
    before = np.where(start > 0, cum[np.maximum(start - 1, 0)], 0.0)
    has = end > start
    # cum never decreases, so one search finds each group's first index past q
    target = before + q * total - _TOLERANCE * (before + total)
    idx = np.clip(np.searchsorted(cum, target, side="left"), start, np.maximum(end - 1, 0))
    out[has] = xs[idx[has]]
    return out


def _check_weights(w: NDArray[np.float64]) -> None:
    if np.any(~np.isfinite(w)) or np.any(w < 0):
        raise ValidationError("weights (residents) must be finite and non-negative")


def _check_zone(zone: NDArray[np.int64], n_zones: int, n_points: int) -> None:
    if zone.shape != (n_points,):
        raise ValidationError(f"zone must give one community index per point ({n_points})")
    if zone.size and (zone.min() < -1 or zone.max() >= n_zones):
        raise ValidationError(f"zone indices must lie in -1..{n_zones - 1}")


def community_coverage(
    *,
    metres: ArrayLike,
    weights: ArrayLike,
    zone: ArrayLike,
    n_zones: int,
    categories: Sequence[str],
    groups: Sequence[str],
    rules: CoverageRules | None = None,
    speed_kmh: float = WALK_SPEED_KMH,
    searched_m: float | ArrayLike | None = None,
    with_p90: bool = True,
    uncertain_metres: ArrayLike | None = None,
) -> CoverageResult:
    """Coverage, walking minutes and gap lists of every community.

    Parameters
    ----------
    metres
        ``(n_points, n_categories)`` walking metres from each resident point to the nearest
        place of each category; ``nan`` (or ``inf``) when none lies within the search
        limit. Metres beyond a category's limit count as not reached.
    weights
        Residents at each point (finite, ≥ 0).
    zone
        Community index ``0..n_zones-1`` of each point, ``-1`` outside all.
    n_zones
        Number of communities (rows of the result).
    categories, groups
        Name and group (one of :data:`~lifecircle.core.assess.categories.GROUPS`) per column.
    rules
        Limits per group in minutes and verdict thresholds (default :class:`CoverageRules`).
    speed_kmh
        Walking speed turning the limits into metres and metres into minutes.
    searched_m
        The limit, in metres, ``metres`` was searched with (one or per category). When
        given, a coverage limit beyond it raises, since ``nan`` would then hide places
        that are in fact within the limit.
    with_p90
        Whether to compute the 90th percentiles (a sort per category); when ``False``
        ``p90_minutes`` is all ``nan``.
    uncertain_metres
        ``(n_points, n_categories)`` walking metres to the nearest place whose opening
        hours are unknown (``nan``: none), for the ``exclude`` choice of
        :mod:`lifecircle.core.assess.hours`: a resident not reached by ``metres`` but
        within the limit of such a place might be served or not, and takes no part in
        that category's share, minutes or verdicts.

    Returns
    -------
    CoverageResult

    Raises
    ------
    ValidationError
        On inconsistent shapes, unknown groups, bad weights or zone indices, negative
        metres, or limits beyond ``searched_m``.

    """
    rules = CoverageRules() if rules is None else rules
    m = np.asarray(metres, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    z = np.asarray(zone, dtype=np.int64)
    cats, grps = tuple(categories), tuple(groups)
    if m.ndim != 2 or m.shape[1] != len(cats) or len(grps) != len(cats):
        raise ValidationError("metres must be (n_points, n_categories) with one group each")
    if w.shape != (m.shape[0],):
        raise ValidationError(f"weights must give one value per point ({m.shape[0]})")
    _check_weights(w)
    _check_zone(z, n_zones, m.shape[0])
    if np.any(m < 0):
        raise ValidationError("metres must be non-negative (nan for not reached)")
    if unknown := sorted({g for g in grps if g not in GROUPS}):
        raise ValidationError(f"unknown groups {unknown}; expected one of {GROUPS}")
    limit_min = np.array([rules.minutes_for(g) for g in grps], dtype=np.float64)
    limit_m = np.array([metres_from_minutes(t, speed_kmh=speed_kmh) for t in limit_min])
    if searched_m is not None:
        searched = np.broadcast_to(np.asarray(searched_m, dtype=np.float64), limit_m.shape)
        if beyond := [c for c, a, b in zip(cats, limit_m, searched, strict=True) if a > b]:
            raise ValidationError(f"limits exceed the search limit for {beyond}")

    keep = (z >= 0) & (w > 0)
    m, w, z = m[keep], w[keep], z[keep]
    population = np.bincount(z, weights=w, minlength=n_zones).astype(np.float64)
    reached = m <= limit_m[None, :]  # nan compares False: not reached, like inf
    counts: NDArray[np.bool_] | None = None
    counted: NDArray[np.float64] | None = None
    if uncertain_metres is not None:
        u = np.asarray(uncertain_metres, dtype=np.float64)
        if u.shape != (keep.size, len(cats)):
            raise ValidationError("uncertain_metres must have the shape of metres")
        counts = reached | ~(u[keep] <= limit_m[None, :])
        counted = np.stack(  # type: ignore[assignment]
            [np.bincount(z[k], weights=w[k], minlength=n_zones) for k in counts.T], axis=1
        ).reshape(n_zones, len(cats))
    # shares are scale-free: weigh each point relative to the heaviest of its community,
    # so that no community's sums underflow, however few its residents
    heaviest = np.zeros(n_zones)
    np.maximum.at(heaviest, z, w)
    w = np.ldexp(w, -np.frexp(heaviest)[1][z])  # by powers of two: exact
    total_all = np.bincount(z, weights=w, minlength=n_zones)
    minutes = m * 60.0 / (speed_kmh * 1000.0)
    n_cat = len(cats)
    reached_pop = np.empty((n_zones, n_cat))
    mean = np.full((n_zones, n_cat), np.nan)
    p90 = np.full((n_zones, n_cat), np.nan)
    capped = np.empty((n_zones, n_cat))
    totals = np.empty((n_zones, n_cat))
    for c in range(n_cat):
        r = reached[:, c]
        total = (
            total_all
            if counts is None
            else np.bincount(z[counts[:, c]], weights=w[counts[:, c]], minlength=n_zones)
        )
        totals[:, c] = total
        reached_pop[:, c] = np.bincount(z[r], weights=w[r], minlength=n_zones)
        time_sum = np.bincount(z[r], weights=w[r] * minutes[r, c], minlength=n_zones)
        some = reached_pop[:, c] > 0
        mean[some, c] = time_sum[some] / reached_pop[some, c]
        capped[:, c] = time_sum + (total - reached_pop[:, c]) * limit_min[c]
        if with_p90:
            p90[:, c] = _grouped_quantile(minutes[r, c], w[r], z[r], n_zones, 0.9)
    empty = population <= 0
    nobody = empty[:, None] | (totals <= 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        covered = np.where(nobody, np.nan, reached_pop / totals)
        capped = np.where(nobody, np.nan, capped / totals)
    complete, missing, weak, quality = _verdicts(covered, empty, cats, grps, rules)
    return CoverageResult(
        categories=cats,
        groups=grps,
        limit_minutes=limit_min,
        limit_m=limit_m,
        speed_kmh=float(speed_kmh),
        population=population,
        covered=covered,
        mean_minutes=mean,
        p90_minutes=p90,
        mean_minutes_capped=capped,
        basic_complete=complete,
        missing=missing,
        weak=weak,
        quality_present=quality,
        rules=rules,
        counted=counted,
    )


def _verdicts(
    covered: NDArray[np.float64],
    empty: NDArray[np.bool_],
    cats: tuple[str, ...],
    grps: tuple[str, ...],
    rules: CoverageRules,
) -> tuple[
    NDArray[np.bool_], tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...], NDArray[np.int64]
]:
    """Basic completeness, missing and weak lists, and quality counts from the shares."""
    group = np.array(grps, dtype=object)
    # shares are sums of float weights: a share meant to equal a threshold may fall 1 ulp short
    slack = 1e-12
    complete = ~empty & np.all(covered[:, group == "basic"] >= rules.basic_share - slack, axis=1)
    quality = np.sum(covered[:, group == "quality"] >= rules.quality_share - slack, axis=1)
    gap = np.isin(group, rules.gap_groups)
    missing: list[tuple[str, ...]] = []
    weak: list[tuple[str, ...]] = []
    for row, is_empty in zip(covered, empty, strict=True):
        none = gap & (row <= 0)
        low = gap & (row > 0) & (row < rules.weak_below - slack)
        missing.append(() if is_empty else tuple(c for c, k in zip(cats, none, strict=True) if k))
        weak.append(() if is_empty else tuple(c for c, k in zip(cats, low, strict=True) if k))
    return complete, tuple(missing), tuple(weak), quality.astype(np.int64)


@dataclass(frozen=True)
class PlaceStats:
    """Counts of places per community.

    Attributes
    ----------
    places
        Places in each community.
    per_10k
        Places per 10,000 residents; ``nan`` for communities without residents.
    chain_share
        Share (0..1) of the places with a brand or operator; ``nan`` without places.
    open_24h
        Places open 24 hours.

    """

    places: NDArray[np.int64]
    per_10k: NDArray[np.float64]
    chain_share: NDArray[np.float64]
    open_24h: NDArray[np.int64]


def place_stats(
    *,
    zone_of_place: ArrayLike,
    has_brand: ArrayLike,
    open_24h: ArrayLike,
    zone_population: ArrayLike,
) -> PlaceStats:
    """Places per 10,000 residents, chain share and 24-hour places of every community.

    Parameters
    ----------
    zone_of_place
        Community index of each place, ``-1`` outside all (left out).
    has_brand
        Whether each place has a brand or operator (a chain); unknown counts as not.
    open_24h
        Whether each place is open 24 hours; unknown opening hours count as not.
    zone_population
        Residents per community; its length is the number of communities.

    Returns
    -------
    PlaceStats

    """
    pop = np.asarray(zone_population, dtype=np.float64)
    z = np.asarray(zone_of_place, dtype=np.int64)
    brand = np.asarray(has_brand, dtype=bool)
    h24 = np.asarray(open_24h, dtype=bool)
    _check_weights(pop)
    _check_zone(z, pop.size, z.size)
    if brand.shape != z.shape or h24.shape != z.shape:
        raise ValidationError("has_brand and open_24h need one value per place")
    inside = z >= 0
    z, brand, h24 = z[inside], brand[inside], h24[inside]
    count = np.bincount(z, minlength=pop.size)
    chains = np.bincount(z[brand], minlength=pop.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_10k = np.where(pop > 0, count * PER_RESIDENTS / pop, np.nan)
        share = np.where(count > 0, chains / count, np.nan)
    return PlaceStats(
        places=count.astype(np.int64),
        per_10k=per_10k,
        chain_share=share,
        open_24h=np.bincount(z[h24], minlength=pop.size).astype(np.int64),
    )
