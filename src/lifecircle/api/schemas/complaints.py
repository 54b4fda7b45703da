"""Complaints about shops, their workflow, the integrity view and the officials' summary."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from lifecircle.api.schemas.common import DisplayTime, PlainText, RowId
from lifecircle.store.complaints import ComplaintKind, ComplaintStatus


class ComplaintCreate(BaseModel):
    """A complaint about a place: its kind and what happened."""

    model_config = ConfigDict(extra="forbid")

    kind: ComplaintKind = Field(
        description="`overcharging` (价格欺诈), `expired_goods` (过期商品), `no_price_tags` "
        "(未明码标价), `false_advertising` (虚假宣传) or `other`."
    )
    description: Annotated[PlainText, Field(min_length=1, max_length=2000)]


class ComplaintPublic(BaseModel):
    """A complaint and where it stands (never who made it)."""

    id: int
    city: str
    place_id: int
    uid: str
    place_name: str | None
    community_code: str | None
    kind: str
    description: str
    status: ComplaintStatus
    assignee_id: int | None = Field(description="The official handling it.")
    reply: str | None = Field(description="The official's reply once decided.")
    created_at: DisplayTime
    assigned_at: DisplayTime | None
    decided_at: DisplayTime | None


class ComplaintList(BaseModel):
    """A page of complaints and how many match in all."""

    total: int
    items: list[ComplaintPublic]


class AssignBody(BaseModel):
    """Who handles it: an official of its area (default: oneself)."""

    model_config = ConfigDict(extra="forbid")

    assignee_id: RowId | None = None


class DecisionBody(BaseModel):
    """The reply the complainant reads."""

    model_config = ConfigDict(extra="forbid")

    reply: Annotated[PlainText, Field(min_length=1, max_length=2000)]


class IntegrityPublic(BaseModel):
    """A place's integrity view (诚信) over the last 12 months: aggregates only."""

    place_id: int
    uid: str
    name: str | None
    since: DisplayTime
    until: DisplayTime
    on_platform: bool = Field(description="Run by a merchant account (has prices and stock).")
    complaints: int = Field(description="Complaints filed in the period.")
    upheld: int = Field(description="Of those, resolved in the complainant's favour.")
    publishes_prices: bool
    live_prices: int
    lapses: int = Field(description="Batches that expired while still in stock in the period.")
    expired_in_stock: int = Field(description="Expired batches still recorded in stock now.")
    marks: int | None
    grade: str | None = Field(description="A to D; `null`: not run on the platform.")
    rule: str


class CommunityComplaintsPublic(BaseModel):
    """One community's complaints in the period, per 1,000 residents."""

    code: str | None = Field(description="`null`: places in no community's boundary.")
    name: str | None
    population: float | None = Field(description="From the latest assessment.")
    complaints: int
    upheld: int
    per_1000: str | None = Field(
        description="complaints × 1000 ÷ population, two decimals (`null`: no population).",
        examples=["0.38"],
    )


class ComplaintsSummaryPublic(BaseModel):
    """Complaints per community of an official's area over a period."""

    city: str
    area: str | None
    since: DisplayTime
    until: DisplayTime
    run_id: int | None
    complaints: int
    upheld: int
    communities: list[CommunityComplaintsPublic]
