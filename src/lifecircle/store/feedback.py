"""Missing-service reports ("no breakfast shop near me"), and the gaps they sit beside.

``service_reports`` holds one report: the account, a category code of the city's
taxonomy, the point (WGS-84) and the community it lies in. Officials only ever read
counts per community and category; the exact points stay here. A report is personal
data tied to where someone is: it goes with the account (``ON DELETE CASCADE``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime  # noqa: TC003 - SQLAlchemy reads the annotations
from typing import TYPE_CHECKING, Any

from sqlalchemy import Double, ForeignKey, Index, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column

from lifecircle.store.models import (
    CODE_LENGTH,
    AssessmentCommunity,
    AssessmentRun,
    Base,
    Community,
    UTCDateTime,
    utc_now,
)

if TYPE_CHECKING:
    from collections.abc import Collection

    from sqlalchemy.orm import Session


class ServiceReport(Base):
    """A resident's report of a service missing near a point."""

    __tablename__ = "service_reports"
    __table_args__ = (Index(None, "city_id", "community_code", "category"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(CODE_LENGTH))
    lon: Mapped[float] = mapped_column(Double)
    lat: Mapped[float] = mapped_column(Double)
    community_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


@dataclass(frozen=True)
class ReportCount:
    """Reports of one category in one community (``code`` ``None``: in no community)."""

    code: str | None
    category: str
    reports: int
    residents: int


def add_report(session: Session, **values: Any) -> tuple[int, datetime]:
    """Store a report (the columns of :class:`ServiceReport` as keywords); its id and time."""
    row = ServiceReport(**values)
    session.add(row)
    session.flush()
    return row.id, row.created_at


def report_counts(
    session: Session, *, city_id: int, communities: Collection[str] | None
) -> list[ReportCount]:
    """Reports and distinct reporting accounts per community and category.

    ``communities`` keeps these codes only (``None``: all, and the reports in no
    community). Sorted by code (``None`` last), then category.
    """
    query = select(
        ServiceReport.community_code,
        ServiceReport.category,
        func.count(),
        func.count(func.distinct(ServiceReport.user_id)),
    ).where(ServiceReport.city_id == city_id)
    if communities is not None:
        query = query.where(ServiceReport.community_code.in_(sorted(communities)))
    rows = session.execute(
        query.group_by(ServiceReport.community_code, ServiceReport.category)
    ).all()
    found = [ReportCount(code, cat, int(n), int(k)) for code, cat, n, k in rows]
    return sorted(found, key=lambda r: (r.code is None, r.code or "", r.category))


@dataclass(frozen=True)
class LatestRecords:
    """The latest assessment run of a city: its id, categories, and community records."""

    run_id: int
    created_at: datetime
    categories: list[dict[str, Any]]
    records: dict[str, dict[str, Any]]


def latest_records(session: Session, *, city_id: int) -> LatestRecords | None:
    """Every community record of the city's latest assessment run (``None``: no run)."""
    run = session.scalars(
        select(AssessmentRun)
        .where(AssessmentRun.city_id == city_id)
        .order_by(AssessmentRun.created_at.desc(), AssessmentRun.id.desc())
        .limit(1)
    ).first()
    if run is None:
        return None
    rows = session.execute(
        select(AssessmentCommunity.code, AssessmentCommunity.record).where(
            AssessmentCommunity.run_id == run.id
        )
    ).all()
    return LatestRecords(
        run_id=run.id,
        created_at=run.created_at,
        categories=list(run.categories),
        records={code: dict(record) for code, record in rows},
    )


def community_shapes(
    session: Session, *, city_id: int, codes: Collection[str]
) -> dict[str, tuple[str, bytes | None]]:
    """Name and boundary (WKB, WGS-84; ``None`` if not drawn) of these community codes."""
    if not codes:
        return {}
    rows = session.execute(
        select(Community.code, Community.name, Community.geometry).where(
            Community.city_id == city_id, Community.code.in_(sorted(codes))
        )
    ).all()
    return {code: (name, geometry) for code, name, geometry in rows}
