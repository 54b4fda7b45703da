"""The audit log: every change to a shop, price, coupon, redemption or stock batch.

One row per change: who made it (account and role at the time), when, to what (``entity``
and ``entity_id``), the action, and the object before and after (JSON, ``None`` for a
creation or a deletion). ``place_id`` and ``community_code`` say where it happened, so
the officials of an area read their area's changes. Rows are only ever added: a place
or an account deleted later leaves its history (``place_id`` has no foreign key and the
actor becomes ``NULL``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime  # noqa: TC003 - SQLAlchemy reads the annotations
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from lifecircle.store.models import CODE_LENGTH, Base, UTCDateTime, utc_now

if TYPE_CHECKING:
    from collections.abc import Collection

    from sqlalchemy.orm import Session

ENTITY_LENGTH = 32
"""Longest entity or action name (``shop``, ``price``, ``coupon``...; ``create``...)."""
ENTITY_ID_LENGTH = 64
"""Longest entity id (row ids, codes)."""
MERGE = "merge"
"""The action of a place merged into another (entity ``place``, id the dropped place,
``place_id`` the kept one: see :mod:`lifecircle.store.place_merge`)."""
MAX_MERGE_DEPTH = 32
"""Merges followed back from a place when listing its history (chains are short)."""

_JSON = JSON().with_variant(JSONB(), "postgresql")


class AuditEntry(Base):
    """One change: who, when, what, where, and the object before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index(None, "city_id", "at"),
        Index(None, "city_id", "place_id", "at"),
        Index(None, "entity", "entity_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    place_id: Mapped[int | None] = mapped_column(Integer)
    community_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    actor_role: Mapped[str | None] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    entity: Mapped[str] = mapped_column(String(ENTITY_LENGTH))
    entity_id: Mapped[str] = mapped_column(String(ENTITY_ID_LENGTH))
    action: Mapped[str] = mapped_column(String(ENTITY_LENGTH))
    before: Mapped[dict[str, Any] | None] = mapped_column(_JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(_JSON)


@dataclass(frozen=True)
class Change:
    """A change as read back from the log."""

    id: int
    at: datetime
    city_id: int
    place_id: int | None
    community_code: str | None
    actor_id: int | None
    actor_role: str | None
    entity: str
    entity_id: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True)
class Actor:
    """Who makes a change: an account and its role (``None`` and ``"system"`` for jobs)."""

    id: int | None
    role: str


SYSTEM = Actor(id=None, role="system")
"""The actor of changes no account made (a scheduled warning run, an import)."""


def record_change(
    session: Session,
    *,
    city_id: int,
    actor: Actor,
    entity: str,
    entity_id: str | int,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    place_id: int | None = None,
    community_code: str | None = None,
) -> int:
    """Add one change to the log in the caller's transaction; returns its id.

    ``before`` and ``after`` must be JSON-ready (numbers, text, lists, dicts; times as
    ISO text): the log keeps what the API would show, money in integer fen.
    """
    entry = AuditEntry(
        city_id=city_id,
        place_id=place_id,
        community_code=community_code,
        actor_id=actor.id,
        actor_role=actor.role,
        entity=entity,
        entity_id=str(entity_id),
        action=action,
        before=before,
        after=after,
    )
    session.add(entry)
    session.flush()
    return entry.id


class ShopLike(Protocol):
    """Where a shop's change is filed: its city, place and community."""

    @property
    def city_id(self) -> int: ...  # noqa: D102
    @property
    def place_id(self) -> int: ...  # noqa: D102
    @property
    def community_code(self) -> str | None: ...  # noqa: D102


def record_merchant_change(
    session: Session,
    *,
    shop: ShopLike,
    merchant_id: int,
    entity: str,
    entity_id: str | int,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> int:
    """A merchant's change to an object of their shop (price, coupon, batch), filed under it."""
    return record_change(
        session,
        city_id=shop.city_id,
        actor=Actor(id=merchant_id, role="merchant"),
        entity=entity,
        entity_id=entity_id,
        action=action,
        before=before,
        after=after,
        place_id=shop.place_id,
        community_code=shop.community_code,
    )


def list_changes(
    session: Session,
    *,
    city_id: int,
    communities: Collection[str] | None = None,
    place_id: int | None = None,
    entity: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Change], int]:
    """A city's changes, newest first, and how many match in all.

    ``communities`` keeps the changes in these community codes only (an official's
    area); ``None`` keeps them all, including those at no community.
    """
    query = select(AuditEntry).where(AuditEntry.city_id == city_id)
    if communities is not None:
        query = query.where(AuditEntry.community_code.in_(sorted(communities)))
    if place_id is not None:  # with the history of the places merged into it
        merged = merged_place_ids(session, place_id=place_id)
        query = query.where(AuditEntry.place_id.in_([place_id, *merged]))
    if entity is not None:
        query = query.where(AuditEntry.entity == entity)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit).offset(offset)
    ).all()
    return [_change(row) for row in rows], total


def merged_place_ids(session: Session, *, place_id: int) -> list[int]:
    """The ids of the places merged into ``place_id`` (and into those...), from the log.

    A merged place's entries keep its id (rows are never changed); the merge's own
    entry, filed under the kept place, names it.
    """
    found: list[int] = []
    frontier = [place_id]
    for _ in range(MAX_MERGE_DEPTH):
        ids = session.scalars(
            select(AuditEntry.entity_id).where(
                AuditEntry.entity == "place",
                AuditEntry.action == MERGE,
                AuditEntry.place_id.in_(frontier),
            )
        ).all()
        frontier = [int(i) for i in ids if int(i) not in found and int(i) != place_id]
        if not frontier:
            break
        found.extend(frontier)
    return found


def changes_of(session: Session, *, entity: str, entity_id: str | int) -> list[Change]:
    """Every change of one object, oldest first."""
    rows = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity == entity, AuditEntry.entity_id == str(entity_id))
        .order_by(AuditEntry.at, AuditEntry.id)
    ).all()
    return [_change(row) for row in rows]


def _change(row: AuditEntry) -> Change:
    return Change(
        id=row.id,
        at=row.at,
        city_id=row.city_id,
        place_id=row.place_id,
        community_code=row.community_code,
        actor_id=row.actor_id,
        actor_role=row.actor_role,
        entity=row.entity,
        entity_id=row.entity_id,
        action=row.action,
        before=row.before,
        after=row.after,
    )
