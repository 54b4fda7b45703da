"""A stored run's coverage by time of day: its ``by_hour`` section and its communities' residents.

A ``--by-hour`` run keeps its ``by_hour`` section (the city's curves, the days, the
categories) in the run's ``city`` JSON (under :data:`lifecircle.store.runs.BY_HOUR_KEY`)
and each community's curves as a row of ``assessment_hourly``
(:mod:`lifecircle.store.hourly_rows`); an area's curves are weighted by the communities'
residents, which are columns of ``assessment_communities``. So the officials' hourly card
reads the run row, one narrow query of the communities, and the curves and "served when
needed" records of only the communities it answers for. A run stored before the rows
existed has its communities' curves inside the JSON, read from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from lifecircle.errors import NotFoundError
from lifecircle.store.hourly_rows import hourly_curves
from lifecircle.store.models import AssessmentCommunity, AssessmentRun
from lifecircle.store.runs import BY_HOUR_KEY, COMMUNITIES

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class HourUnit:
    """One community of the run: its code, name, residents and (when read) its hourly figures.

    ``curves`` (``{day: {category: [24 shares]}}``) and ``served`` (served when needed)
    are read only for the communities asked for (``None`` otherwise, or when the run has
    none for it).
    """

    code: str
    name: str
    population: float
    served: dict[str, Any] | None = None
    curves: dict[str, Any] | None = None


@dataclass(frozen=True)
class RunHours:
    """What a run holds of coverage by time of day.

    ``by_hour`` is ``None`` when the run was not assessed ``--by-hour``, else its section
    without the communities' curves (those are the units' ``curves``); ``served`` the
    city's "served when needed" figures (``None`` without them).
    """

    run_id: int
    created_at: datetime
    parameters: dict[str, Any]
    categories: list[dict[str, Any]]
    by_hour: dict[str, Any] | None
    served: dict[str, Any] | None
    units: tuple[HourUnit, ...]


def run_hours(
    session: Session,
    *,
    city_id: int,
    city: str,
    run_id: int | None,
    wanted: Callable[[str], bool] | None = None,
    community: str | None = None,
) -> RunHours:
    """The run ``run_id`` of the city (its latest when ``None``) with its hourly section.

    ``wanted``: the communities whose curves and "served when needed" figures to read
    too (a row and a record each: ask only for those needed). ``community``: the units
    are that community alone (none if the run lacks it), its figures read.

    Raises
    ------
    NotFoundError
        If the city has no such run (``field="run"``), or none at all.

    """
    query = select(AssessmentRun).where(AssessmentRun.city_id == city_id)
    if run_id is not None:
        run = session.scalars(query.where(AssessmentRun.id == run_id)).first()
    else:
        run = session.scalars(
            query.order_by(AssessmentRun.created_at.desc(), AssessmentRun.id.desc())
        ).first()
    if run is None:
        raise NotFoundError(
            f"city {city!r} has no assessment run {run_id}"
            if run_id is not None
            else f"city {city!r} has no assessment run yet: run `lifecircle assess --by-hour`",
            field="run" if run_id is not None else "city",
        )
    figures = dict(run.city or {})
    units = select(
        AssessmentCommunity.code, AssessmentCommunity.name, AssessmentCommunity.population
    ).where(AssessmentCommunity.run_id == run.id)
    if community is not None:
        units, wanted = units.where(AssessmentCommunity.code == community), lambda _: True
    rows = list(session.execute(units.order_by(AssessmentCommunity.position)))
    by_hour = figures.get(BY_HOUR_KEY)
    wanted_codes = sorted(code for code, _, _ in rows if wanted is not None and wanted(code))
    records: dict[str, dict[str, Any] | None] = {}
    curves: dict[str, dict[str, Any]] = {}
    if wanted_codes and by_hour is not None:
        records = {
            code: (record or {}).get("served_when_needed")
            for code, record in session.execute(
                select(AssessmentCommunity.code, AssessmentCommunity.record).where(
                    AssessmentCommunity.run_id == run.id,
                    AssessmentCommunity.code.in_(wanted_codes),
                )
            )
        }
        if COMMUNITIES in by_hour:  # stored before migration 0019: inside the JSON
            curves = {c: by_hour[COMMUNITIES][c] for c in wanted_codes if c in by_hour[COMMUNITIES]}
        else:
            curves = hourly_curves(session, run_id=run.id, codes=wanted_codes)
    if by_hour is not None:
        by_hour = {k: v for k, v in by_hour.items() if k != COMMUNITIES}
    return RunHours(
        run_id=run.id,
        created_at=run.created_at,
        parameters=dict(run.parameters or {}),
        categories=list(run.categories or []),
        by_hour=by_hour,
        served=figures.get("served_when_needed"),
        units=tuple(
            HourUnit(
                code=c,
                name=n or "",
                population=float(p or 0.0),
                served=records.get(c),
                curves=curves.get(c),
            )
            for c, n, p in rows
        ),
    )
