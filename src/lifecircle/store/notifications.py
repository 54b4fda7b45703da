"""In-app notifications: a list per account (expiry warnings, redemptions, claim decisions...).

A notification has a ``kind`` (what happened, for the application to pick an icon and a
link), a title and a body in the deployment's language, ``data`` (ids the application
links to) and whether and when it was read. ``key`` makes sending idempotent: a warning
sent again with the same key (the batch and the day) is not added twice. Push channels
(WeChat subscription messages, SMS) are not part of this: a sender would read the rows
with ``channel`` and mark them ``delivered_at``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime  # noqa: TC003 - SQLAlchemy reads the annotations
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from lifecircle.store.models import Base, UTCDateTime, utc_now

if TYPE_CHECKING:
    from collections.abc import Collection

    from sqlalchemy.orm import Session

KIND_LENGTH = 32
"""Longest notification kind (``expiry_warning``, ``redemption``, ``claim_decision``...)."""
KEY_LENGTH = 128
"""Longest idempotency key."""
IN_APP = "in_app"
"""The channel every notification has: the account's list in the application."""

_JSON = JSON().with_variant(JSONB(), "postgresql")


class Notification(Base):
    """One notification of one account."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        Index(None, "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(KIND_LENGTH))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(_JSON, default=dict)
    key: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    channel: Mapped[str] = mapped_column(String(KIND_LENGTH), default=IN_APP)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class Notice:
    """A notification as read back."""

    id: int
    kind: str
    title: str
    body: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


def notify(
    session: Session,
    *,
    user_id: int,
    kind: str,
    title: str,
    body: str = "",
    data: dict[str, Any] | None = None,
    key: str | None = None,
) -> int | None:
    """Add a notification in the caller's transaction; its id, or ``None`` if ``key`` was sent.

    With a ``key``, a second notification of the same key to the same account is not
    added (whatever the concurrency: the unique constraint decides).
    """
    row = Notification(user_id=user_id, kind=kind, title=title, body=body, data=data or {}, key=key)
    if key is None:
        session.add(row)
        session.flush()
        return row.id
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row.id


def list_notices(
    session: Session,
    *,
    user_id: int,
    unread_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Notice], int, int]:
    """An account's notifications, newest first; with how many match and how many are unread."""
    query = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    unread = (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )
    rows = session.scalars(
        query.order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    notices = [
        Notice(
            id=r.id,
            kind=r.kind,
            title=r.title,
            body=r.body,
            data=r.data,
            created_at=r.created_at,
            read_at=r.read_at,
        )
        for r in rows
    ]
    return notices, total, unread


def mark_read(session: Session, *, user_id: int, ids: Collection[int] | None = None) -> int:
    """Mark an account's notifications read (``ids``, or all of them); how many changed.

    Ids of other accounts' notifications are ignored: nobody marks another's list.
    """
    query = update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if ids is not None:
        query = query.where(Notification.id.in_(sorted(ids)))
    result = session.execute(query.values(read_at=utc_now()))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
