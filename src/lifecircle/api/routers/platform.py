"""The audit log for officials (``/cities/{city}/audit``) and one's notifications.

Officials read the changes in their area (a district official: that district's
communities); everyone signed in reads and marks their own notifications only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from lifecircle.api.deps import CurrentUser, EngineDep, ScopeDep
from lifecircle.api.schemas.common import RowId, problems
from lifecircle.api.schemas.platform import (
    ChangePage,
    ChangePublic,
    NotificationPage,
    NotificationPublic,
    NotificationsRead,
    ReadCount,
)
from lifecircle.services import notifications
from lifecircle.services.audit import audit_log

router = APIRouter(tags=["platform"])

Limit = Annotated[int, Query(ge=1, le=500, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Rows to skip.")]


@router.get("/cities/{city}/audit", responses=problems(401, 403, 404))  # noqa: FAST003 - ScopeDep reads {city}
def read_audit_log(
    scope: ScopeDep,
    engine: EngineDep,
    place_id: Annotated[
        RowId | None, Query(description="One shop's changes (with the places merged into it).")
    ] = None,
    entity: Annotated[
        str | None, Query(max_length=32, pattern=r"^[a-z_]+$", description="`shop`, `price`...")
    ] = None,
    since: Annotated[datetime | None, Query(description="From this time (with its zone).")] = None,
    until: Annotated[datetime | None, Query(description="Before this time.")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> ChangePage:
    """The audit log of the official's area (narrowed by ``?area=``), newest first."""
    changes, total = audit_log(
        engine=engine,
        scope=scope,
        place_id=place_id,
        entity=entity,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    items = [ChangePublic.model_validate(c, from_attributes=True) for c in changes]
    return ChangePage(total=total, items=items)


@router.get("/users/me/notifications", responses=problems(401))
def read_notifications(
    user: CurrentUser,
    engine: EngineDep,
    unread: Annotated[bool, Query(description="Only the unread ones.")] = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> NotificationPage:
    """One's in-app notifications, newest first, with the unread count."""
    notices, total, unread_count = notifications.my_notifications(
        engine=engine, user_id=user.id, unread_only=unread, limit=limit, offset=offset
    )
    items = [NotificationPublic.model_validate(n, from_attributes=True) for n in notices]
    return NotificationPage(total=total, unread=unread_count, items=items)


@router.post("/users/me/notifications/read", responses=problems(401))
def mark_notifications_read(
    body: NotificationsRead, user: CurrentUser, engine: EngineDep
) -> ReadCount:
    """Mark one's notifications read: those of ``ids``, or all (another's ids are ignored)."""
    return ReadCount(marked=notifications.mark_read(engine=engine, user_id=user.id, ids=body.ids))
