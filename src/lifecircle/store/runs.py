"""Assessment and plan runs: save a document, read it back whole, list and find the latest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import select

from lifecircle.errors import NotFoundError
from lifecircle.store.hourly_rows import hourly_curves, save_hourly
from lifecircle.store.models import AssessmentCommunity, AssessmentRun, PlanRun, utc_now

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sqlalchemy.orm import Session


def _when(text: str | None) -> datetime:
    return utc_now() if not text else datetime.fromisoformat(text)


_Run = TypeVar("_Run", AssessmentRun, PlanRun)


def _pick(session: Session, model: type[_Run], *, city_id: int, run_id: int | None) -> _Run | None:
    """A city's run of ``model`` by id, or its latest (by time, then id) when ``run_id`` is None."""
    query = select(model).where(model.city_id == city_id)
    if run_id is not None:
        return session.scalars(query.where(model.id == run_id)).first()
    return session.scalars(query.order_by(model.created_at.desc(), model.id.desc())).first()


BY_HOUR_KEY = "_by_hour"
"""Where a run's ``by_hour`` section is stored, inside its ``city`` JSON (no column of its own)."""

COMMUNITIES = "communities"
"""The member of ``by_hour`` stored as rows (:mod:`lifecircle.store.hourly_rows`), not in the JSON.

A run stored before those rows existed still has it inside its ``city`` JSON."""


def save_assessment(session: Session, *, city_id: int, document: Mapping[str, Any]) -> int:
    """Store an assessment document (docs/assessment.md) as a run; returns the run id.

    ``document["run"]["id"]`` is ignored: the database numbers runs. The hourly curves
    of a ``--by-hour`` run (the document's ``by_hour``) are kept in the run's ``city``
    JSON under :data:`BY_HOUR_KEY`, but for each community's, which are rows of their
    own (:mod:`lifecircle.store.hourly_rows`); :func:`get_assessment` puts them all back.
    """
    run_info = document["run"]
    city = dict(document.get("city", {}))
    by_hour = document.get("by_hour")
    if by_hour is not None:
        city[BY_HOUR_KEY] = {k: v for k, v in by_hour.items() if k != COMMUNITIES}
    run = AssessmentRun(
        city_id=city_id,
        created_at=_when(run_info.get("created_at")),
        elapsed_s=float(run_info.get("elapsed_s") or 0.0),
        version=str(run_info.get("lifecircle_version", "")),
        parameters=dict(run_info.get("parameters", {})),
        data=dict(run_info.get("data", {})),
        categories=list(document.get("categories", [])),
        city=city,
    )
    session.add(run)
    session.flush()
    session.add_all(
        AssessmentCommunity(
            run_id=run.id,
            code=c["code"],
            position=i,
            name=c.get("name") or "",
            population=float(c.get("population") or 0.0),
            basic_complete=bool(c.get("basic_complete")),
            grade=str(c.get("grade", "")),
            circle_type=str(c.get("circle_type", "")),
            record=dict(c),
        )
        for i, c in enumerate(document.get("communities", []))
    )
    session.flush()
    if by_hour is not None:
        save_hourly(session, run_id=run.id, communities=by_hour.get(COMMUNITIES) or {})
    return run.id


def _document(session: Session, run: AssessmentRun, city: str) -> dict[str, Any]:
    rows = session.scalars(
        select(AssessmentCommunity)
        .where(AssessmentCommunity.run_id == run.id)
        .order_by(AssessmentCommunity.position)
    )
    communities = [r.record for r in rows]
    city_figures = dict(run.city)
    by_hour = city_figures.pop(BY_HOUR_KEY, None)
    document = {
        "run": {
            "id": run.id,
            "city": city,
            "created_at": run.created_at.isoformat(),
            "elapsed_s": run.elapsed_s,
            "lifecircle_version": run.version,
            "parameters": run.parameters,
            "data": run.data,
        },
        "categories": run.categories,
        "city": city_figures,
        "communities": communities,
    }
    if by_hour is not None:
        if COMMUNITIES not in by_hour:  # rows since migration 0019 (older runs: in the JSON)
            by_hour = {**by_hour, COMMUNITIES: hourly_curves(session, run_id=run.id)}
        document["by_hour"] = by_hour
    return document


def get_assessment(
    session: Session, *, city_id: int, city: str, run_id: int | None = None
) -> dict[str, Any]:
    """An assessment document by run id, or the city's latest run when ``run_id`` is None.

    Raises
    ------
    NotFoundError
        If the city has no such run (or none at all).

    """
    run = _pick(session, AssessmentRun, city_id=city_id, run_id=run_id)
    if run is None:
        raise NotFoundError(
            f"city {city!r} has no assessment run {run_id}"
            if run_id is not None
            else f"city {city!r} has no assessment run yet: run `lifecircle assess`"
        )
    return _document(session, run, city)


@dataclass(frozen=True)
class RunOverview:
    """One stored assessment run, in brief."""

    id: int
    created_at: datetime
    communities: int
    basic_complete: int
    population: float
    parameters: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict)
    """The run's data: the network and every import it was fed by."""


def list_assessments(session: Session, *, city_id: int) -> list[RunOverview]:
    """The city's assessment runs, oldest first."""
    runs = session.scalars(
        select(AssessmentRun)
        .where(AssessmentRun.city_id == city_id)
        .order_by(AssessmentRun.created_at, AssessmentRun.id)
    )
    return [
        RunOverview(
            id=r.id,
            created_at=r.created_at,
            communities=int(r.city.get("communities", 0)),
            basic_complete=int(r.city.get("basic_complete", 0)),
            population=float(r.city.get("population", 0.0)),
            parameters=r.parameters,
            data=r.data,
        )
        for r in runs
    ]


def save_plan(session: Session, *, city_id: int, document: Mapping[str, Any]) -> int:
    """Store a plan document (docs/assessment.md); returns the plan id."""
    info = document["plan"]
    plan = PlanRun(
        city_id=city_id,
        created_at=_when(info.get("created_at")),
        parameters=dict(info.get("parameters", {})),
        document=dict(document),
    )
    session.add(plan)
    session.flush()
    plan.document = {**plan.document, "plan": {**info, "id": plan.id}}
    session.flush()
    return plan.id


def get_plan(
    session: Session, *, city_id: int, city: str, plan_id: int | None = None
) -> dict[str, Any]:
    """A plan document by id, or the city's latest plan when ``plan_id`` is None.

    Raises
    ------
    NotFoundError
        If the city has no such plan (or none at all).

    """
    plan = _pick(session, PlanRun, city_id=city_id, run_id=plan_id)
    if plan is None:
        raise NotFoundError(
            f"city {city!r} has no plan {plan_id}"
            if plan_id is not None
            else f"city {city!r} has no plan yet: run `lifecircle plan`"
        )
    return dict(plan.document)


@dataclass(frozen=True)
class StoredCommunity:
    """One community's record in an assessment run, with what the run says about it."""

    run_id: int
    created_at: datetime
    parameters: dict[str, Any]
    categories: list[dict[str, Any]]
    record: dict[str, Any]


def latest_assessment_community(
    session: Session, *, city_id: int, city: str, code: str
) -> StoredCommunity:
    """A community's record in the city's latest assessment run (one row, not the document).

    Raises
    ------
    NotFoundError
        If the city has no run yet, or its latest run has no community ``code``.

    """
    run = _pick(session, AssessmentRun, city_id=city_id, run_id=None)
    if run is None:
        raise NotFoundError(f"city {city!r} has no assessment run yet: run `lifecircle assess`")
    record = session.scalar(
        select(AssessmentCommunity.record).where(
            AssessmentCommunity.run_id == run.id, AssessmentCommunity.code == code
        )
    )
    if record is None:
        raise NotFoundError(f"city {city!r} has no community {code!r} in assessment run {run.id}")
    return StoredCommunity(
        run_id=run.id,
        created_at=run.created_at,
        parameters=dict(run.parameters),
        categories=list(run.categories),
        record=dict(record),
    )
