"""Consultations (听取意见建议): proposals on the map, residents' stances and comments.

``consultations`` holds what officials publish: a title, a description, a kind, a point
(WGS-84) with the community it concerns, an optional plan run and site, and when it
opens and closes. ``consultation_stances`` holds one stance (support or oppose) per
account and consultation (a unique constraint: changing one's mind updates the row),
with the community of the account's home when it was given. ``consultation_comments``
holds comments. Stances and comments outlive the account (``user_id`` becomes
``NULL``): they count and read on, anonymised.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime  # noqa: TC003 - SQLAlchemy reads the annotations
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CheckConstraint,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    false,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from lifecircle.store.models import CODE_LENGTH, Base, UTCDateTime, utc_now

if TYPE_CHECKING:
    from collections.abc import Collection

    from sqlalchemy.orm import Session

TITLE_LENGTH = 200
"""Longest title of a consultation."""
SITE_LENGTH = 64
"""Longest planned-site id (``site-3``)."""


class ConsultationKind(enum.StrEnum):
    """What a consultation is about."""

    SITE = "site"
    """A new facility at a site, usually one a plan run proposed."""
    BUSINESS_CHANGE = "business_change"
    """A shop opening, closing, moving or changing its trade."""
    PROMOTION = "promotion"
    """A promotion or market event."""
    OTHER = "other"


class Stance(enum.StrEnum):
    """A resident's stance on a consultation."""

    SUPPORT = "support"
    OPPOSE = "oppose"


class ConsultationStatus(enum.StrEnum):
    """Where a consultation stands at a moment: before, during or after its open period."""

    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"


class Consultation(Base):
    """A proposal officials put to the residents."""

    __tablename__ = "consultations"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="closes_after_opens"),
        Index(None, "city_id", "closes_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    description: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    lon: Mapped[float] = mapped_column(Double)
    lat: Mapped[float] = mapped_column(Double)
    community_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_runs.id", ondelete="SET NULL"), index=True
    )
    site_id: Mapped[str | None] = mapped_column(String(SITE_LENGTH))
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class ConsultationStance(Base):
    """One account's stance on one consultation (``user_id`` ``NULL``: a deleted account)."""

    __tablename__ = "consultation_stances"
    __table_args__ = (UniqueConstraint("consultation_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    stance: Mapped[str] = mapped_column(String(8))
    community_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class ConsultationComment(Base):
    """A comment on a consultation (shown without who wrote it)."""

    __tablename__ = "consultation_comments"
    __table_args__ = (Index(None, "consultation_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    community_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


@dataclass(frozen=True)
class ConsultationRow:
    """A consultation as read back."""

    id: int
    city_id: int
    title: str
    description: str
    kind: str
    lon: float
    lat: float
    community_code: str | None
    plan_id: int | None
    site_id: str | None
    opens_at: datetime
    closes_at: datetime
    created_at: datetime

    def status(self, at: datetime) -> ConsultationStatus:
        """Upcoming, open or closed at ``at``."""
        if at < self.opens_at:
            return ConsultationStatus.UPCOMING
        if at < self.closes_at:
            return ConsultationStatus.OPEN
        return ConsultationStatus.CLOSED


@dataclass(frozen=True)
class CommentRow:
    """A comment with its author's id (for "mine" only: never shown)."""

    id: int
    user_id: int | None
    community_code: str | None
    body: str
    created_at: datetime


def _row(row: Consultation) -> ConsultationRow:
    return ConsultationRow(
        id=row.id,
        city_id=row.city_id,
        title=row.title,
        description=row.description,
        kind=row.kind,
        lon=row.lon,
        lat=row.lat,
        community_code=row.community_code,
        plan_id=row.plan_id,
        site_id=row.site_id,
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        created_at=row.created_at,
    )


def add_consultation(session: Session, **values: Any) -> ConsultationRow:
    """Store a consultation (the columns of :class:`Consultation` as keywords)."""
    row = Consultation(**values)
    session.add(row)
    session.flush()
    return _row(row)


def get_consultation(session: Session, *, consultation_id: int) -> ConsultationRow | None:
    """A consultation by id, or ``None``."""
    row = session.get(Consultation, consultation_id)
    return None if row is None else _row(row)


def close_consultation(session: Session, *, consultation_id: int, at: datetime) -> bool:
    """End an open consultation at ``at``; whether it was open then (one conditional UPDATE)."""
    done = session.execute(
        update(Consultation)
        .where(
            Consultation.id == consultation_id,
            Consultation.opens_at <= at,
            Consultation.closes_at > at,
        )
        .values(closes_at=at)
    )
    return bool(getattr(done, "rowcount", 0))


def _status_clause(status: ConsultationStatus, at: datetime) -> Any:
    if status == ConsultationStatus.UPCOMING:
        return Consultation.opens_at > at
    if status == ConsultationStatus.OPEN:
        return and_(Consultation.opens_at <= at, Consultation.closes_at > at)
    return Consultation.closes_at <= at


def list_consultations(
    session: Session,
    *,
    city_id: int,
    at: datetime,
    statuses: Collection[ConsultationStatus] | None = None,
    communities: Collection[str] | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[ConsultationRow], int]:
    """A city's consultations, newest opening first, and how many match in all.

    ``statuses`` keeps those upcoming, open or closed at ``at`` (``None``: all);
    ``communities`` those about these community codes (``None``: all, including those
    about no community).
    """
    query = select(Consultation).where(Consultation.city_id == city_id)
    if statuses is not None:
        query = query.where(or_(false(), *(_status_clause(s, at) for s in statuses)))
    if communities is not None:
        query = query.where(Consultation.community_code.in_(sorted(communities)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Consultation.opens_at.desc(), Consultation.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [_row(r) for r in rows], total


def set_stance(
    session: Session,
    *,
    consultation_id: int,
    user_id: int,
    stance: Stance,
    community_code: str | None,
) -> None:
    """Give or change an account's stance: one row per account and consultation.

    An ``UPDATE`` of the account's row, else an ``INSERT``; two first stances racing
    meet the unique constraint, and the loser updates the winner's row.
    """
    values = {"stance": stance.value, "community_code": community_code, "updated_at": utc_now()}
    change = (
        update(ConsultationStance)
        .where(
            ConsultationStance.consultation_id == consultation_id,
            ConsultationStance.user_id == user_id,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if getattr(session.execute(change), "rowcount", 0):
        return
    try:
        with session.begin_nested():
            session.add(
                ConsultationStance(consultation_id=consultation_id, user_id=user_id, **values)
            )
            session.flush()
    except IntegrityError:
        session.execute(change)


def stance_of(session: Session, *, consultation_id: int, user_id: int) -> str | None:
    """An account's stance on a consultation, or ``None``."""
    return session.scalar(
        select(ConsultationStance.stance).where(
            ConsultationStance.consultation_id == consultation_id,
            ConsultationStance.user_id == user_id,
        )
    )


def stance_counts(session: Session, *, consultation_id: int) -> dict[str | None, dict[str, int]]:
    """Stances per community code (``None``: no community) and stance."""
    rows = session.execute(
        select(ConsultationStance.community_code, ConsultationStance.stance, func.count())
        .where(ConsultationStance.consultation_id == consultation_id)
        .group_by(ConsultationStance.community_code, ConsultationStance.stance)
    ).all()
    counts: dict[str | None, dict[str, int]] = {}
    for code, stance, n in rows:
        counts.setdefault(code, {})[stance] = int(n)
    return counts


def add_comment(
    session: Session,
    *,
    consultation_id: int,
    user_id: int,
    community_code: str | None,
    body: str,
) -> CommentRow:
    """Store a comment."""
    row = ConsultationComment(
        consultation_id=consultation_id, user_id=user_id, community_code=community_code, body=body
    )
    session.add(row)
    session.flush()
    return CommentRow(row.id, row.user_id, row.community_code, row.body, row.created_at)


def list_comments(
    session: Session, *, consultation_id: int, limit: int = 100, offset: int = 0
) -> tuple[list[CommentRow], int]:
    """A consultation's comments, newest first, and how many there are."""
    query = select(ConsultationComment).where(
        ConsultationComment.consultation_id == consultation_id
    )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(ConsultationComment.created_at.desc(), ConsultationComment.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    found = [CommentRow(r.id, r.user_id, r.community_code, r.body, r.created_at) for r in rows]
    return found, total
