"""A ``--by-hour`` run's hourly curves per community: one row each, read one or an area at a time.

A by-hour run has each community's coverage at every whole hour of two days (2 days ×
the basic categories × 24 shares, some kilobytes of JSON per community). Kept inside the
run's ``city`` JSON, every answer for one community or one area read the curves of all
of them (megabytes for a city of thousands of communities). Here each community's curves
are a row keyed by run and community code, so :func:`hourly_curves` reads just the rows
asked for; the run keeps the rest of its ``by_hour`` section (the city's curves, days,
categories), and :func:`lifecircle.store.runs.get_assessment` puts the communities back
in their order when the whole document is read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from lifecircle.store.models import CODE_LENGTH, Base, JSONType

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping

    from sqlalchemy.orm import Session

CHUNK = 500
"""Codes per ``IN (...)`` query (well under SQLite's bound parameters)."""


class AssessmentHourly(Base):
    """One community's hourly curves in a by-hour run: ``{day: {category: [24 shares]}}``."""

    __tablename__ = "assessment_hourly"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_runs.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    """The community's place in the run's ``by_hour.communities`` (its order)."""
    curves: Mapped[dict[str, Any]] = mapped_column(JSONType)


def save_hourly(session: Session, *, run_id: int, communities: Mapping[str, Any]) -> None:
    """Store each community's curves of a run (``by_hour.communities``: code → curves)."""
    session.add_all(
        AssessmentHourly(run_id=run_id, code=code, position=i, curves=dict(curves))
        for i, (code, curves) in enumerate(communities.items())
    )
    session.flush()


def hourly_curves(
    session: Session, *, run_id: int, codes: Collection[str] | None = None
) -> dict[str, dict[str, Any]]:
    """The curves of the run's communities ``codes`` (all when ``None``), in the run's order.

    Codes the run has no row for are left out of the answer.
    """
    query = select(AssessmentHourly.code, AssessmentHourly.position, AssessmentHourly.curves)
    query = query.where(AssessmentHourly.run_id == run_id)
    if codes is None:
        rows = list(session.execute(query))
    else:
        wanted = sorted(set(codes))
        rows = [
            row
            for start in range(0, len(wanted), CHUNK)
            for row in session.execute(
                query.where(AssessmentHourly.code.in_(wanted[start : start + CHUNK]))
            )
        ]
    return {code: curves for code, _, curves in sorted(rows, key=lambda r: r[1])}
