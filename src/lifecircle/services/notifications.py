"""Each account's in-app notifications: read the list, mark read.

The services that have something to say (expiry warnings, redemptions, claim decisions,
coupons about to expire) call :func:`lifecircle.store.notifications.notify` in their own
transaction; this module is the account's side.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lifecircle.store import notifications
from lifecircle.store.db import session_scope

if TYPE_CHECKING:
    from collections.abc import Collection

    from sqlalchemy.engine import Engine

    from lifecircle.store.notifications import Notice


def my_notifications(
    *, engine: Engine, user_id: int, unread_only: bool = False, limit: int = 50, offset: int = 0
) -> tuple[list[Notice], int, int]:
    """The account's notifications, newest first, with the number matching and unread."""
    with session_scope(engine) as session:
        return notifications.list_notices(
            session, user_id=user_id, unread_only=unread_only, limit=limit, offset=offset
        )


def mark_read(*, engine: Engine, user_id: int, ids: Collection[int] | None = None) -> int:
    """Mark the account's notifications read (``ids``, or all); how many changed."""
    with session_scope(engine, write=True) as session:
        return notifications.mark_read(session, user_id=user_id, ids=ids)
