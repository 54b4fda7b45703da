"""The trend across a city's assessment runs, for the part of the city an official sees.

For the whole city (an administrator, or an official without an area) a run's figures
are its own city figures (``city`` of the assessment document). For an official of a
district or 街道 (or anyone narrowing with ``?area=``) they are summed over the area's
communities only: the count of basic-complete communities, and the population-weighted
basic coverage per category and F15 of the area's residents. Both are exact: the city's
coverage is the same population-weighted sum of its communities', and a community's
F15 the share of its residents within 15 minutes of every basic category.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lifecircle.store.db import session_scope
from lifecircle.store.run_trend import RunFigures, UnitFigures, run_page

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.engine import Engine

    from lifecircle.services.areas import AreaScope

MAX_RUNS = 200
"""The most runs one page lists."""


@dataclass(frozen=True)
class RunPoint:
    """One run of the trend.

    Attributes
    ----------
    minutes
        The basic categories' walking limit the run used, minutes (``None``: not recorded).
    limit_minutes
        Every category group's limit, minutes.
    profile, speed_kmh
        The headline walking profile and its speed.
    communities, basic_complete, basic_complete_share
        Communities in the scope, how many have every basic category within reach of
        enough residents, and that count's share (``None`` without communities).
    population
        Residents of those communities.
    f15
        Share of the residents with every basic category within the limit.
    coverage
        Population-weighted coverage per category (basic and quality), 0..1.

    """

    id: int
    created_at: datetime
    minutes: float | None
    limit_minutes: dict[str, float]
    profile: str | None
    speed_kmh: float | None
    communities: int
    basic_complete: int
    basic_complete_share: float | None
    population: float
    f15: float | None
    coverage: dict[str, float | None]


@dataclass(frozen=True)
class RunTrend:
    """A page of runs, newest first; ``next_before`` the cursor of the next page."""

    city: str
    area: str | None
    runs: tuple[RunPoint, ...]
    next_before: int | None


def _share(count: int, total: int) -> float | None:
    return round(count / total, 4) if total > 0 else None


def _weighted(values: list[float | None], weights: list[float]) -> float | None:
    """Population-weighted mean of the known values (``None`` if none is known)."""
    v = np.array([np.nan if x is None else float(x) for x in values], dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    ok = np.isfinite(v) & (w > 0)
    if not ok.any():
        return None
    return round(float((v[ok] * w[ok]).sum() / w[ok].sum()), 4)


def _figures(
    run: RunFigures, units: tuple[UnitFigures, ...] | None
) -> tuple[int, int, float, float | None, dict[str, float | None]]:
    """communities, basic_complete, population, f15, coverage: of the city or of ``units``."""
    codes = [str(c.get("code")) for c in run.categories if c.get("code")]
    if units is None:
        city = run.city
        coverage = dict(city.get("coverage") or {})
        return (
            int(city.get("communities", 0)),
            int(city.get("basic_complete", 0)),
            float(city.get("population", 0.0)),
            city.get("f15"),
            {c: coverage.get(c) for c in codes} if codes else coverage,
        )
    weights = [u.population for u in units]
    codes = codes or sorted({c for u in units for c in u.coverage})
    return (
        len(units),
        sum(u.basic_complete for u in units),
        round(sum(weights), 2),
        _weighted([u.f15 for u in units], weights),
        {c: _weighted([u.coverage.get(c) for u in units], weights) for c in codes},
    )


def _point(run: RunFigures, scope: AreaScope) -> RunPoint:
    units = None if scope.area is None else tuple(u for u in run.units if scope.covers(u.code))
    communities, complete, population, f15, coverage = _figures(run, units)
    p = run.parameters
    limits = {str(k): float(v) for k, v in (p.get("limit_minutes") or {}).items()}
    return RunPoint(
        id=run.id,
        created_at=run.created_at,
        minutes=limits.get("basic"),
        limit_minutes=limits,
        profile=p.get("profile"),
        speed_kmh=p.get("speed_kmh"),
        communities=communities,
        basic_complete=complete,
        basic_complete_share=_share(complete, communities),
        population=population,
        f15=f15,
        coverage=coverage,
    )


def run_trend(
    *, engine: Engine, scope: AreaScope, limit: int = 50, before: int | None = None
) -> RunTrend:
    """The city's assessment runs, newest first, with the figures a trend needs.

    Parameters
    ----------
    engine
        Database.
    scope
        The city and the area the caller sees (:func:`lifecircle.services.areas.area_scope`).
    limit
        Runs on the page (1..:data:`MAX_RUNS`).
    before
        A run id: list the runs older than it (``next_before`` of the previous page).

    Raises
    ------
    NotFoundError
        If ``before`` names no run of the city.

    """
    limit = max(1, min(int(limit), MAX_RUNS))
    with session_scope(engine) as session:
        runs = run_page(
            session,
            city_id=scope.city_id,
            limit=limit + 1,
            before=before,
            with_units=scope.area is not None,
        )
    page = runs[:limit]
    return RunTrend(
        city=scope.city,
        area=None if scope.area is None else scope.area.code,
        runs=tuple(_point(r, scope) for r in page),
        next_before=page[-1].id if len(runs) > limit else None,
    )
