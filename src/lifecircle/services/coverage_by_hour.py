"""Coverage by time of day for the part of a city an official sees (the dashboard's card).

A ``--by-hour`` run stores each basic category's coverage at every whole hour of a
weekday and a weekend day, for the city and for every community
(:mod:`lifecircle.services.hourly`). The whole city's curves are read as stored. An
area's (a district or 街道, an area official's own or ``?area=``) are the communities'
curves weighted by their residents: at each hour, the sum of residents × share over the
area's communities whose share is known, divided by those communities' residents. That
is the weighting of the city's curves (:func:`lifecircle.services.assess.city_shares`:
a unit's share times its residents is the residents it serves), so the curves of all
communities together give back the city's (tested). With ``--unknown-hours exclude`` the
city weights by the residents whose answer is known, which the run does not keep per
community and hour: an area's curves then weight by all residents of the communities.

Shares are rounded to 3 decimals, so a city's card stays a few kilobytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from lifecircle.errors import NotFoundError, PermissionDeniedError
from lifecircle.store.db import session_scope
from lifecircle.store.run_hours import RunHours, run_hours

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from datetime import datetime

    from sqlalchemy.engine import Engine

    from lifecircle.services.areas import AreaScope

DAYS = ("weekday", "weekend")
DIGITS = 3
"""Decimals of a share in the answer."""

Curves = dict[str, dict[str, list[float | None]]]
"""day (``weekday``/``weekend``) → category → 24 shares (``None``: nobody counted)."""


@dataclass(frozen=True)
class HourCategory:
    """A basic category of the curves: names, hours of need and its share served then."""

    code: str
    name_zh: str
    name_en: str
    hours_of_need: str | None
    served_when_needed: float | None


@dataclass(frozen=True)
class HourlyCoverage:
    """The coverage curves of a city, an area or a community, from one run.

    ``population`` and ``communities`` are the residents and communities the curves are
    of; ``served_all`` the share served in every category with hours of need.
    """

    city: str
    area: str | None
    community: str | None
    name: str | None
    run_id: int
    created_at: datetime
    at: str | None
    weekday: int
    weekend: int
    unknown_hours: str
    population: float
    communities: int
    categories: tuple[HourCategory, ...]
    curves: Curves
    served_all: float | None


def _round(value: float | None) -> float | None:
    if value is None:
        return None
    v = float(value)
    return round(v, DIGITS) if np.isfinite(v) else None


def rounded(curves: Mapping[str, Mapping[str, Sequence[float | None]]]) -> Curves:
    """Curves with every share rounded to :data:`DIGITS` decimals."""
    return {
        day: {cat: [_round(v) for v in values] for cat, values in by_cat.items()}
        for day, by_cat in curves.items()
    }


def weighted_curves(
    curves: Sequence[Mapping[str, Mapping[str, Sequence[float | None]]]],
    weights: Sequence[float],
    categories: Sequence[str],
    hours: int = 24,
) -> Curves:
    """The residents-weighted curves of several communities (see the module's docstring).

    Parameters
    ----------
    curves
        Each community's ``{day: {category: [shares]}}``.
    weights
        Each community's residents (a community without residents counts for nothing).
    categories
        The categories to weigh.
    hours
        Shares per day.

    Returns
    -------
    Curves
        Per day and category, the weighted shares (``None`` at an hour where no
        community with residents has a known share), rounded to :data:`DIGITS`.

    """
    w = np.asarray(weights, dtype=np.float64).reshape(-1, 1)
    out: Curves = {}
    for day in DAYS:
        out[day] = {}
        for cat in categories:
            rows = [c.get(day, {}).get(cat) or [None] * hours for c in curves]
            v = np.array(
                [[np.nan if x is None else float(x) for x in row] for row in rows],
                dtype=np.float64,
            ).reshape(len(rows), hours)
            ok = np.isfinite(v) & (w > 0)
            total = np.where(ok, w, 0.0).sum(axis=0)
            served = np.where(ok, v * w, 0.0).sum(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                share = np.where(total > 0, served / total, np.nan)
            out[day][cat] = [_round(s) for s in share]
    return out


def _weighted(values: Sequence[float | None], weights: Sequence[float]) -> float | None:
    pairs = [(float(v), w) for v, w in zip(values, weights, strict=True) if v is not None and w > 0]
    total = sum(w for _, w in pairs)
    return _round(sum(v * w for v, w in pairs) / total) if total > 0 else None


def _served_of(
    records: Sequence[Mapping[str, Any] | None], weights: Sequence[float]
) -> dict[str, Any]:
    """``served_when_needed`` of several communities, weighted by residents."""
    cats = sorted({c for r in records if r for c in (r.get("categories") or {})})
    return {
        "all": _weighted([(r or {}).get("all") for r in records], weights),
        "categories": {
            c: _weighted([((r or {}).get("categories") or {}).get(c) for r in records], weights)
            for c in cats
        },
    }


def hourly_coverage(
    *, engine: Engine, scope: AreaScope, run_id: int | None = None, community: str | None = None
) -> HourlyCoverage:
    """The hourly coverage curves of the scope (or of one community in it) from a run.

    Parameters
    ----------
    engine
        Database.
    scope
        The city and the area the caller sees (:func:`lifecircle.services.areas.area_scope`).
    run_id
        An assessment run of the city (default: its latest).
    community
        A community of the run inside the scope: its own curves.

    Raises
    ------
    NotFoundError
        If the city has no such run, the run was not assessed by hour (``field="run"``),
        or ``community`` is not one of the run's communities (``field="community"``).
    PermissionDeniedError
        If ``community`` lies outside the scope's area (``field="community"``).

    """
    if community is not None and not scope.covers(community):
        raise PermissionDeniedError(
            f"community {community} is outside the area {scope.area.code if scope.area else ''}",
            field="community",
        )
    with session_scope(engine) as session:
        run = run_hours(
            session,
            city_id=scope.city_id,
            city=scope.city,
            run_id=run_id,
            wanted=_area_filter(scope),
            community=community,
        )
    by_hour = run.by_hour
    if by_hour is None:
        raise NotFoundError(
            f"assessment run {run.run_id} of {scope.city!r} was not assessed by hour: start an "
            "assess job with by_hour (the Jobs page's 'by hour' box), or run "
            f"`lifecircle assess {scope.city} --by-hour`",
            field="run",
        )
    cats = [str(c) for c in by_hour.get("categories") or []]
    units = {u.code: u for u in run.units}
    if community is not None:
        unit = units.get(community)
        if unit is None or unit.curves is None:
            raise NotFoundError(
                f"assessment run {run.run_id} has no community {community!r}", field="community"
            )
        curves = rounded(unit.curves)
        return _answer(
            run, scope, cats, curves, unit.served, [unit.population], community, unit.name
        )
    if scope.area is None:
        population = [u.population for u in run.units]
        curves = rounded(by_hour.get("city") or {})
        return _answer(run, scope, cats, curves, run.served, population, None, None)
    inside = [u for u in run.units if scope.covers(u.code) and u.curves is not None]
    weights = [u.population for u in inside]
    curves = weighted_curves([u.curves or {} for u in inside], weights, cats)
    served = _served_of([u.served for u in inside], weights)
    return _answer(run, scope, cats, curves, served, weights, None, None)


def _area_filter(scope: AreaScope) -> Callable[[str], bool] | None:
    """The communities whose curves and served-when-needed figures an area's answer weighs."""
    return None if scope.area is None else scope.covers


def _answer(
    run: RunHours,
    scope: AreaScope,
    cats: list[str],
    curves: Curves,
    served: Mapping[str, Any] | None,
    weights: list[float],
    community: str | None,
    name: str | None,
) -> HourlyCoverage:
    by_hour = run.by_hour or {}
    time = run.parameters.get("time") or {}
    need = time.get("hours_of_need") or {}
    names = {str(c.get("code")): c for c in run.categories}
    served_cats = dict((served or {}).get("categories") or {})
    return HourlyCoverage(
        city=scope.city,
        area=None if scope.area is None else scope.area.code,
        community=community,
        name=name,
        run_id=run.run_id,
        created_at=run.created_at,
        at=time.get("at"),
        weekday=int(by_hour.get("weekday", 0)),
        weekend=int(by_hour.get("weekend", 5)),
        unknown_hours=str(by_hour.get("unknown_hours", "open")),
        population=round(sum(weights), 2),
        communities=len(weights),
        categories=tuple(
            HourCategory(
                code=c,
                name_zh=str(names.get(c, {}).get("name_zh") or c),
                name_en=str(names.get(c, {}).get("name_en") or c),
                hours_of_need=need.get(c),
                served_when_needed=_round(served_cats.get(c)),
            )
            for c in cats
        ),
        curves={day: {c: curves.get(day, {}).get(c) or [None] * 24 for c in cats} for day in DAYS},
        served_all=_round((served or {}).get("all")),
    )
