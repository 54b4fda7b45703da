"""The plan's indicators: officials' records, shops' employees, usage, statistics."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from lifecircle.api.schemas.common import DisplayTime, PlainText
from lifecircle.services.indicators import (
    MAX_CENTRES,
    MAX_EMPLOYEES,
    MAX_FLOOR_M2,
    MAX_INVESTMENT_FEN,
    PERIOD_PATTERN,
)

Period = Annotated[
    str, Field(pattern=PERIOD_PATTERN, min_length=7, max_length=7, examples=["2026-11"])
]
"""A month, ``YYYY-MM``."""

FloorM2 = Annotated[int, Field(ge=0, le=MAX_FLOOR_M2, description="Whole square metres.")]


class CentreIn(BaseModel):
    """A new or renovated community commercial centre (新建/改造社区商业中心)."""

    name: Annotated[PlainText, Field(min_length=1, max_length=100, examples=["园岭商业中心"])]
    kind: Literal["new", "renovated"]


class IndicatorUpdate(BaseModel):
    """An area's figures for a month; left out or `null`: not recorded (never zero)."""

    investment_fen: Annotated[
        int | None,
        Field(
            ge=0,
            le=MAX_INVESTMENT_FEN,
            description="Investment in construction and renovation (建设改造投资额), fen.",
            examples=[1_250_000_000],
        ),
    ] = None
    commercial_floor_m2: FloorM2 | None = None
    total_floor_m2: Annotated[
        FloorM2 | None,
        Field(description="The area's total floor area, m² (the city supplies it)."),
    ] = None
    centres: list[CentreIn] = Field(default_factory=list, max_length=MAX_CENTRES)


class CentrePublic(BaseModel):
    """A listed centre."""

    name: str
    kind: str


class IndicatorPublic(BaseModel):
    """An area's recorded figures of a month (money in fen, with 万元 beside)."""

    id: int
    area_code: str
    period: str
    investment_fen: int | None
    investment_wan: str | None = Field(description="The investment in 万元, exact.")
    commercial_floor_m2: int | None
    total_floor_m2: int | None
    floor_share: float | None = Field(description="Commercial / total floor area (0..1).")
    centres: list[CentrePublic]
    updated_at: DisplayTime


class FiguresPublic(BaseModel):
    """The records' sums (flows summed, stocks latest; `null`: nothing recorded)."""

    investment_fen: int | None
    investment_wan: str | None
    commercial_floor_m2: int | None
    total_floor_m2: int | None
    floor_share: float | None
    centres: int | None
    employees: int | None
    shops_reporting: int


class IndicatorList(BaseModel):
    """The records of an area and a range of months, and their sums."""

    city: str
    area: str | None
    records: list[IndicatorPublic]
    totals: FiguresPublic


class EmployeesUpdate(BaseModel):
    """A shop's employees in a month."""

    period: Period
    employees: Annotated[int, Field(ge=0, le=MAX_EMPLOYEES, examples=[6])]


class EmployeesPublic(BaseModel):
    """A shop's report as stored."""

    place_id: int
    period: str
    employees: int
    reported_at: DisplayTime


class UsageCellPublic(BaseModel):
    """Redemptions by residents of one community at shops of one category.

    `events` and `within_share` are `null` when the cell has fewer than `min_events`.
    """

    community_code: str | None
    category: str
    events: int | None
    within_share: float | None


class UsagePublic(BaseModel):
    """A month's 15-minute usage in an area: the share of redemptions within the walk."""

    city: str
    area: str | None
    month: str
    computed_at: DisplayTime
    limit_minutes: int
    min_events: int
    events: int | None
    within_share: float | None
    cells: list[UsageCellPublic]
