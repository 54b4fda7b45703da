"""The platform's shared records: audit log entries and in-app notifications."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from lifecircle.api.schemas.common import DisplayTime, RowId


class ChangePublic(BaseModel):
    """One change of the audit log: who, when, what, where, before and after."""

    id: int
    at: DisplayTime
    place_id: int | None = Field(description="The shop it concerns (its place id), if any.")
    community_code: str | None = Field(description="The community the shop lies in, if any.")
    actor_id: int | None = Field(
        description="The account that made it (`null`: deleted, or the system)."
    )
    actor_role: str | None = Field(examples=["merchant", "official", "system"])
    entity: str = Field(examples=["shop", "price", "coupon", "redemption", "batch"])
    entity_id: str
    action: str = Field(examples=["create", "update", "delete", "approve", "redeem", "undo"])
    before: dict[str, Any] | None = Field(description="The object before (`null`: created).")
    after: dict[str, Any] | None = Field(description="The object after (`null`: deleted).")


class ChangePage(BaseModel):
    """A page of the audit log, newest first, and how many changes match in all."""

    total: int
    items: list[ChangePublic]


class NotificationPublic(BaseModel):
    """One in-app notification."""

    id: int
    kind: str = Field(
        examples=["expiry_warning", "redemption", "claim_decision", "coupon_expiring"]
    )
    title: str
    body: str
    data: dict[str, Any] = Field(
        description="Ids of what it is about (`place_id`, `coupon_id`...)."
    )
    created_at: DisplayTime
    read_at: DisplayTime | None


class NotificationPage(BaseModel):
    """A page of one's notifications, newest first."""

    total: int = Field(description="Notifications matching the request.")
    unread: int = Field(description="Unread notifications of the account.")
    items: list[NotificationPublic]


class NotificationsRead(BaseModel):
    """Which notifications to mark read (``ids`` left out: all of them)."""

    ids: list[RowId] | None = Field(default=None, max_length=1000)


class ReadCount(BaseModel):
    """How many notifications were marked read."""

    marked: int
