"""A city's assessment runs as a trend: a page of runs, newest first, with their figures.

Each run carries its city-wide figures (the ``city`` member of its document) and, on
request, the per-community figures a part of the city is summed from (population, basic
completeness, coverage per category and F15 of each community record).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select

from lifecircle.errors import NotFoundError
from lifecircle.store.models import AssessmentCommunity, AssessmentRun

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class UnitFigures:
    """One community's figures of a run, as a trend needs them."""

    code: str
    population: float
    basic_complete: bool
    coverage: dict[str, float | None]
    f15: float | None


@dataclass(frozen=True)
class RunFigures:
    """One stored run: when, how it was run, its city figures and (if asked) its units'."""

    id: int
    created_at: datetime
    parameters: dict[str, Any]
    categories: list[dict[str, Any]]
    city: dict[str, Any]
    units: tuple[UnitFigures, ...] = field(default=())


def _units(session: Session, run_ids: list[int]) -> dict[int, list[UnitFigures]]:
    rows = session.execute(
        select(
            AssessmentCommunity.run_id,
            AssessmentCommunity.code,
            AssessmentCommunity.population,
            AssessmentCommunity.basic_complete,
            AssessmentCommunity.record,
        )
        .where(AssessmentCommunity.run_id.in_(run_ids))
        .order_by(AssessmentCommunity.run_id, AssessmentCommunity.position)
    )
    found: dict[int, list[UnitFigures]] = defaultdict(list)
    for run_id, code, population, complete, record in rows:
        found[run_id].append(
            UnitFigures(
                code=code,
                population=float(population),
                basic_complete=bool(complete),
                coverage=dict(record.get("coverage") or {}),
                f15=record.get("f15"),
            )
        )
    return found


def run_page(
    session: Session, *, city_id: int, limit: int, before: int | None, with_units: bool
) -> list[RunFigures]:
    """Up to ``limit`` runs of the city, newest first (by time, then id).

    Parameters
    ----------
    before
        A run id of the city: only runs older than it (the next page's cursor).
    with_units
        Also read each run's community figures.

    Raises
    ------
    NotFoundError
        If ``before`` is no run of the city (``field="before"``).

    """
    query = select(AssessmentRun).where(AssessmentRun.city_id == city_id)
    if before is not None:
        cursor = session.execute(
            select(AssessmentRun.created_at).where(
                AssessmentRun.city_id == city_id, AssessmentRun.id == before
            )
        ).first()
        if cursor is None:
            raise NotFoundError(f"the city has no assessment run {before}", field="before")
        at = cursor[0]
        query = query.where(
            or_(
                AssessmentRun.created_at < at,
                and_(AssessmentRun.created_at == at, AssessmentRun.id < before),
            )
        )
    runs = list(
        session.scalars(
            query.order_by(AssessmentRun.created_at.desc(), AssessmentRun.id.desc()).limit(limit)
        )
    )
    units = _units(session, [r.id for r in runs]) if with_units and runs else {}
    return [
        RunFigures(
            id=r.id,
            created_at=r.created_at,
            parameters=dict(r.parameters or {}),
            categories=list(r.categories or []),
            city=dict(r.city or {}),
            units=tuple(units.get(r.id, [])),
        )
        for r in runs
    ]
