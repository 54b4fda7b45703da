"""A stored run's coverage by time of day: its ``by_hour`` section and its communities' residents.

The hourly curves of a ``--by-hour`` run are kept in the run's ``city`` JSON (under
:data:`lifecircle.store.runs.BY_HOUR_KEY`); an area's curves are weighted by the
communities' residents, which are columns of ``assessment_communities``, so one run row
and one narrow query serve the officials' hourly card.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from lifecircle.errors import NotFoundError
from lifecircle.store.models import AssessmentCommunity, AssessmentRun
from lifecircle.store.runs import BY_HOUR_KEY

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class HourUnit:
    """One community of the run: its code, name, residents and (when read) served when needed."""

    code: str
    name: str
    population: float
    served: dict[str, Any] | None = None


@dataclass(frozen=True)
class RunHours:
    """What a run holds of coverage by time of day.

    ``by_hour`` is ``None`` when the run was not assessed ``--by-hour``; ``served`` the
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
    served: Callable[[str], bool] | None = None,
) -> RunHours:
    """The run ``run_id`` of the city (its latest when ``None``) with its hourly section.

    ``served``: which communities' "served when needed" figures to read too (each one's
    record is read for it: ask only for those needed).

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
    rows = list(
        session.execute(
            select(
                AssessmentCommunity.code, AssessmentCommunity.name, AssessmentCommunity.population
            )
            .where(AssessmentCommunity.run_id == run.id)
            .order_by(AssessmentCommunity.position)
        )
    )
    records: dict[str, dict[str, Any] | None] = {}
    wanted = sorted(code for code, _, _ in rows if served is not None and served(code))
    if wanted and BY_HOUR_KEY in figures:
        records = {
            code: (record or {}).get("served_when_needed")
            for code, record in session.execute(
                select(AssessmentCommunity.code, AssessmentCommunity.record).where(
                    AssessmentCommunity.run_id == run.id,
                    AssessmentCommunity.code.in_(wanted),
                )
            )
        }
    return RunHours(
        run_id=run.id,
        created_at=run.created_at,
        parameters=dict(run.parameters or {}),
        categories=list(run.categories or []),
        by_hour=figures.get(BY_HOUR_KEY),
        served=figures.get("served_when_needed"),
        units=tuple(
            HourUnit(code=c, name=n or "", population=float(p or 0.0), served=records.get(c))
            for c, n, p in rows
        ),
    )
