"""Complaints about shops, and their workflow: received → assigned → resolved | rejected.

``complaints`` holds one complaint about one place: its kind (overcharging, expired
goods...), the complainant's description, the community of the shop (so that officials
of the area find it cheaply), who handles it and the official's reply. Moves between
states are single conditional ``UPDATE``s: two officials deciding at once cannot both
succeed. A complaint outlives its complainant's account (``user_id`` becomes ``NULL``):
it counts in the shop's record on, anonymised.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime  # noqa: TC003 - SQLAlchemy reads the annotations
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from lifecircle.errors import ConflictError, NotFoundError
from lifecircle.store.models import CODE_LENGTH, Base, Place, UTCDateTime, utc_now

if TYPE_CHECKING:
    from collections.abc import Collection

    from sqlalchemy.orm import Session


class ComplaintKind(enum.StrEnum):
    """What a complaint is about (the market regulator's usual heads)."""

    OVERCHARGING = "overcharging"
    """价格欺诈: charged more than the marked price, or misleading prices."""
    EXPIRED_GOODS = "expired_goods"
    """过期商品: goods past their expiry date on sale."""
    NO_PRICE_TAGS = "no_price_tags"
    """未明码标价: prices not marked."""
    FALSE_ADVERTISING = "false_advertising"
    """虚假宣传."""
    OTHER = "other"


class ComplaintStatus(enum.StrEnum):
    """The workflow's states."""

    RECEIVED = "received"
    ASSIGNED = "assigned"
    RESOLVED = "resolved"
    """Upheld: the official found for the complainant and says what was done."""
    REJECTED = "rejected"
    """Not upheld, with the official's reasons."""


class Complaint(Base):
    """A resident's complaint about a place, and how officials handled it."""

    __tablename__ = "complaints"
    __table_args__ = (
        Index(None, "city_id", "status", "created_at"),
        Index(None, "place_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"))
    community_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=ComplaintStatus.RECEIVED.value)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    reply: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )


@dataclass(frozen=True)
class ComplaintRow:
    """A complaint as read back, with its place's uid and name.

    ``user_id`` is the complainant (``None`` once their account is gone): the services
    use it to notify them and to find their own; it is never shown to officials.
    """

    id: int
    city_id: int
    place_id: int
    uid: str
    place_name: str | None
    community_code: str | None
    user_id: int | None
    kind: str
    description: str
    status: str
    assignee_id: int | None
    reply: str | None
    created_at: datetime
    assigned_at: datetime | None
    decided_at: datetime | None

    def snapshot(self) -> dict[str, Any]:
        """The audit log's view: the workflow, never the complainant."""
        return {
            "place_id": self.place_id,
            "kind": self.kind,
            "status": self.status,
            "assignee_id": self.assignee_id,
            "reply": self.reply,
        }


def _select() -> Any:
    return select(Complaint, Place.uid, Place.name).join(Place, Place.id == Complaint.place_id)


def _complaint(found: Any) -> ComplaintRow:
    row, uid, name = found
    return ComplaintRow(
        id=row.id,
        city_id=row.city_id,
        place_id=row.place_id,
        uid=uid,
        place_name=name,
        community_code=row.community_code,
        user_id=row.user_id,
        kind=row.kind,
        description=row.description,
        status=row.status,
        assignee_id=row.assignee_id,
        reply=row.reply,
        created_at=row.created_at,
        assigned_at=row.assigned_at,
        decided_at=row.decided_at,
    )


def add_complaint(session: Session, **values: Any) -> ComplaintRow:
    """Store a new complaint (the columns of :class:`Complaint` as keywords), received."""
    row = Complaint(status=ComplaintStatus.RECEIVED.value, **values)
    session.add(row)
    session.flush()
    return get_complaint(session, complaint_id=row.id)


def get_complaint(session: Session, *, complaint_id: int) -> ComplaintRow:
    """A complaint by id.

    Raises
    ------
    NotFoundError
        If there is none.

    """
    found = session.execute(_select().where(Complaint.id == complaint_id)).first()
    if found is None:
        raise NotFoundError(f"no complaint with id {complaint_id}", field="complaint_id")
    return _complaint(found)


def list_complaints(
    session: Session,
    *,
    city_id: int | None = None,
    communities: Collection[str] | None = None,
    status: ComplaintStatus | None = None,
    user_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[ComplaintRow], int]:
    """Complaints, newest first, and how many match in all.

    Filters: a city, community codes (``None``: all, including those at no community),
    a status, a complainant.
    """
    query = _select()
    if city_id is not None:
        query = query.where(Complaint.city_id == city_id)
    if communities is not None:
        query = query.where(Complaint.community_code.in_(sorted(communities)))
    if status is not None:
        query = query.where(Complaint.status == status.value)
    if user_id is not None:
        query = query.where(Complaint.user_id == user_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(Complaint.created_at.desc(), Complaint.id.desc()).limit(limit).offset(offset)
    ).all()
    return [_complaint(r) for r in rows], total


def move(
    session: Session,
    *,
    complaint_id: int,
    from_states: Collection[ComplaintStatus],
    to: ComplaintStatus,
    values: dict[str, Any],
) -> ComplaintRow:
    """Move a complaint to ``to`` if it is in one of ``from_states`` (one conditional UPDATE).

    Raises
    ------
    ConflictError
        If it is in another state (decided already, or another official came first).

    """
    result = session.execute(
        update(Complaint)
        .where(
            Complaint.id == complaint_id,
            Complaint.status.in_(sorted(s.value for s in from_states)),
        )
        .values(status=to.value, **values)
        .execution_options(synchronize_session=False)
    )
    if not getattr(result, "rowcount", 0):
        now = get_complaint(session, complaint_id=complaint_id).status
        raise ConflictError(
            f"complaint {complaint_id} is {now}: it cannot become {to.value}", field="status"
        )
    return get_complaint(session, complaint_id=complaint_id)


def counts_by_community(
    session: Session,
    *,
    city_id: int,
    communities: Collection[str] | None,
    since: datetime,
    until: datetime,
) -> dict[str | None, tuple[int, int]]:
    """Per community code: complaints filed in ``[since, until)``, and how many were upheld."""
    upheld = func.count().filter(Complaint.status == ComplaintStatus.RESOLVED.value)
    query = select(Complaint.community_code, func.count(), upheld).where(
        Complaint.city_id == city_id, Complaint.created_at >= since, Complaint.created_at < until
    )
    if communities is not None:
        query = query.where(Complaint.community_code.in_(sorted(communities)))
    rows = session.execute(query.group_by(Complaint.community_code)).all()
    return {code: (int(n), int(up)) for code, n, up in rows}


def counts_for_place(
    session: Session, *, place_id: int, since: datetime, until: datetime
) -> tuple[int, int]:
    """A place's complaints filed in ``[since, until)``, and how many were upheld."""
    upheld = func.count().filter(Complaint.status == ComplaintStatus.RESOLVED.value)
    row = session.execute(
        select(func.count(), upheld).where(
            Complaint.place_id == place_id,
            Complaint.created_at >= since,
            Complaint.created_at < until,
        )
    ).one()
    return int(row[0]), int(row[1])
