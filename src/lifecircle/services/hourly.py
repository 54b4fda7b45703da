"""Coverage of the basic categories at every hour of two days, and "served when needed".

One network pass serves every hour: the basic categories' places are grouped into hour
classes (places of one category open at the same moments, :mod:`lifecircle.core.assess.hours`),
the walking engine searches once with the classes as its groups, and the nearest open
place at each moment is the nearest of the classes open then. Coverage at each moment
is then :func:`~lifecircle.core.assess.coverage.community_coverage` of those walks, the
same function a ``--at`` run uses, so the curve at ``Mon 07:00`` is the ``--at "Mon 07:00"``
figure. "Served when needed" reads the same walks at the check moments of each
category's hours of need (:mod:`lifecircle.core.assess.need`).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np

from lifecircle.core.assess.coverage import CoverageResult, community_coverage
from lifecircle.core.assess.hours import (
    hour_classes,
    hourly_moments,
    metres_for_mode,
    nearest_open,
    open_at_moments,
)
from lifecircle.core.assess.need import served_when_needed
from lifecircle.core.walk.access import accessibility
from lifecircle.core.walk.impedance import metres_from_minutes
from lifecircle.core.walk.snap import snap_points
from lifecircle.io.hours_of_need import load_hours_of_need
from lifecircle.services.assess import city_shares, num

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from lifecircle.core.assess.hours import Moment
    from lifecircle.core.assess.need import NeedWindow
    from lifecircle.core.assess.opening_hours import Interval
    from lifecircle.services.assess import AssessParams
    from lifecircle.services.city.data import CityData


def hours_of(data: CityData) -> tuple[tuple[Interval, ...] | None, ...]:
    """Each place's weekly intervals (``None``: unknown), all unknown when none are recorded."""
    hours = data.places.hours
    return (None,) * len(data.places) if hours is None else hours


def _curve(values: NDArray[np.float64]) -> list[float | None]:
    return [num(v) for v in values]


def by_hour_section(
    data: CityData,
    params: AssessParams,
    *,
    unknown: str,
    weekday: int,
    weekend: int,
    need: str | tuple[NeedWindow, ...] = "default",
) -> dict[str, Any]:
    """The ``by_hour`` member of the document, with the "served when needed" figures.

    Parameters
    ----------
    data
        The city (every place; hours are read here).
    params
        The assessment's parameters (basic limit, headline speed, rules).
    unknown
        What places of unknown hours are (:data:`~lifecircle.core.assess.hours.UNKNOWN_MODES`).
    weekday, weekend
        The two days, 0 = Monday.
    need
        Hours of need: ``default``, a TOML file, or the windows themselves.

    Returns
    -------
    dict
        ``weekday``, ``weekend``, ``hours`` (0-23), ``categories`` (the basic ones),
        ``city`` and ``communities`` (code → ``{"weekday": {category: [24 shares]},
        "weekend": ...}``), ``classes`` (network search groups), ``elapsed_s``; and, for
        the caller to place, ``hours_of_need``, ``served_city`` and ``served_communities``.

    """
    started = time.perf_counter()
    basic = [j for j, g in enumerate(data.groups) if g == "basic"]
    cats = [data.categories[j] for j in basic]
    given = need if isinstance(need, tuple) else load_hours_of_need(need)
    windows = [w for w in given if w.category in cats]
    days = (weekday, weekend)
    grid = [*hourly_moments(weekday), *hourly_moments(weekend)]
    checks = [w.moments(days) for w in windows]
    moments: list[Moment] = list(dict.fromkeys([*grid, *(m for c in checks for m in c)]))
    column = {m: i for i, m in enumerate(moments)}
    is_open, known = open_at_moments(hours_of(data), moments)
    pl = data.places
    chosen = np.isin(pl.pair_category, basic)
    classes = hour_classes(
        pair_place=pl.pair_place[chosen],
        pair_category=pl.pair_category[chosen],
        is_open=is_open,
        known=known,
    )
    rules = params.rules()
    searched = metres_from_minutes(rules.minutes_for("basic"), speed_kmh=params.speed)
    h_snap = snap_points(data.net, data.homes.lon, data.homes.lat, max_snap_m=params.max_snap_m)
    p_snap = snap_points(data.net, pl.lon, pl.lat, max_snap_m=params.max_snap_m)
    metres = accessibility(
        data.net,
        origins=h_snap,
        places=p_snap.take(pl.pair_place[chosen]),
        place_category=classes.of_pair,
        categories=[str(k) for k in range(len(classes))],
        limit_m=searched,
        workers=params.workers,
        with_counts=False,
    ).metres
    n_units, codes = len(data.units), data.units.codes

    def walks_at(
        t: int, only: list[int] = basic
    ) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
        open_m, unknown_m = nearest_open(metres, classes, moment=t, categories=only)
        return metres_for_mode(open_m, unknown_m, unknown)

    def coverage_at(t: int) -> CoverageResult:
        m, uncertain = walks_at(t)
        return community_coverage(
            metres=m,
            weights=data.homes.weight,
            zone=data.homes.zone,
            n_zones=n_units,
            categories=cats,
            groups=["basic"] * len(cats),
            rules=rules,
            speed_kmh=params.speed,
            searched_m=searched,
            with_p90=False,
            uncertain_metres=uncertain,
        )

    per_moment = [coverage_at(column[m]) for m in grid]
    unit_curves = np.stack([c.covered for c in per_moment])  # (moments, units, cats)
    city_curves = np.stack([city_shares(c)[0] for c in per_moment])  # (moments, cats)

    def split(values: NDArray[np.float64]) -> dict[str, dict[str, list[float | None]]]:
        return {
            half: {c: _curve(values[24 * k : 24 * (k + 1), j]) for j, c in enumerate(cats)}
            for k, half in enumerate(("weekday", "weekend"))
        }

    served = _served(data, windows, checks, column, walks_at, searched, basic, cats, unknown)
    return {
        "weekday": days[0],
        "weekend": days[1],
        "hours": list(range(24)),
        "categories": cats,
        "unknown_hours": unknown,
        "city": split(city_curves),
        "communities": {code: split(unit_curves[:, k, :]) for k, code in enumerate(codes)},
        "classes": len(classes),
        "elapsed_s": round(time.perf_counter() - started, 3),
        "hours_of_need": {w.category: w.label for w in windows},
        **served,
    }


def _served(
    data: CityData,
    windows: list[Any],
    checks: list[tuple[Moment, ...]],
    column: dict[Moment, int],
    walks_at: Any,
    limit_m: float,
    basic: list[int],
    cats: list[str],
    unknown: str,
) -> dict[str, Any]:
    """Served when needed, per community and for the city, from the walks at the checks."""
    n_points, n_units = data.homes.weight.shape[0], len(data.units)
    width = max((len(c) for c in checks), default=1)
    reached = np.ones((n_points, len(windows), width), dtype=bool)
    possible = np.ones_like(reached) if unknown == "exclude" else None
    for k, (window, moments) in enumerate(zip(windows, checks, strict=True)):
        only = [basic[cats.index(window.category)]]
        for i, moment in enumerate(moments):
            m, uncertain = walks_at(column[moment], only)
            reached[:, k, i] = m[:, 0] <= limit_m
            if possible is not None and uncertain is not None:
                possible[:, k, i] = reached[:, k, i] | (uncertain[:, 0] <= limit_m)
    result = served_when_needed(
        reached=reached,
        possible=possible,
        weights=data.homes.weight,
        zone=data.homes.zone,
        n_zones=n_units,
    )
    names = [w.category for w in windows]

    def weighted(share: NDArray[np.float64], counted: NDArray[np.float64]) -> float | None:
        total = float(counted.sum())
        return num(np.nansum(share * counted) / total) if total > 0 else None

    return {
        "served_city": {
            "all": weighted(result.all_share, result.all_counted),
            "categories": {
                c: weighted(result.share[:, j], result.counted[:, j]) for j, c in enumerate(names)
            },
        },
        "served_communities": {
            code: {
                "all": num(result.all_share[k]),
                "categories": {c: num(result.share[k, j]) for j, c in enumerate(names)},
            }
            for k, code in enumerate(data.units.codes)
        },
    }
