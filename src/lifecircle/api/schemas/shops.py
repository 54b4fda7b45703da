"""Schemas of the merchants' shops: new shops, claims, decisions, the place page, edits."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from lifecircle.api.schemas.common import DisplayTime, PlainText, RowId

Crs = Literal["wgs84", "gcj02", "bd09"]
ServiceCode = Literal[
    "bill_payment", "parcel_collection", "home_service", "rental", "pickup", "open_24h"
]
CategoryCode = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
Name = Annotated[PlainText, Field(min_length=1, max_length=200)]
Address = Annotated[PlainText, Field(max_length=300)]
Phone = Annotated[str, Field(max_length=32, pattern=r"^\+?[0-9][0-9 \-]{2,24}(,[0-9]{1,6})?$")]
Hours = Annotated[PlainText, Field(max_length=500, examples=["Mo-Su 07:00-23:00"])]
Span = Annotated[str, Field(pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}$", examples=["08:00-22:00"])]
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Weekly = Annotated[
    dict[Day, Annotated[list[Span], Field(max_length=6)]],
    Field(description="Day to its spans `HH:MM-HH:MM`; a day left out is closed."),
]
Lon = Annotated[float, Field(ge=-180, le=180, description="Longitude in `crs`, degrees")]
Lat = Annotated[float, Field(ge=-90, le=90, description="Latitude in `crs`, degrees")]


class ShopCreate(BaseModel):
    """A new shop as its merchant registers it (an application officials approve)."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    categories: list[CategoryCode] = Field(
        min_length=1, max_length=10, description="Category codes of the city's taxonomy."
    )
    lon: Lon
    lat: Lat
    crs: Crs = "wgs84"
    address: Address | None = None
    phone: Phone | None = None
    opening_hours: Hours | None = Field(
        default=None, description="OSM `opening_hours` (weekly), or give `weekly_hours`."
    )
    weekly_hours: Weekly | None = None
    services: list[ServiceCode] = Field(default_factory=list, max_length=6)


class ShopUpdate(BaseModel):
    """Changes to one's shop: fields left out stay; `null` clears address, phone, hours."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    address: Address | None = None
    phone: Phone | None = None
    opening_hours: Hours | None = None
    weekly_hours: Weekly | None = None
    services: list[ServiceCode] | None = Field(default=None, max_length=6)
    categories: list[CategoryCode] | None = Field(default=None, min_length=1, max_length=10)
    lon: Lon | None = None
    lat: Lat | None = None
    crs: Crs = "wgs84"


class Rejection(BaseModel):
    """Why an application is rejected (the merchant reads it)."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[PlainText, Field(min_length=1, max_length=500)]


class NamedPublic(BaseModel):
    """A category or a service, with its Chinese and English names."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name_zh: str
    name_en: str


class ApplicationPublic(BaseModel):
    """A shop application: a new shop or a claim, and where it stands."""

    model_config = ConfigDict(from_attributes=True)

    id: RowId
    kind: Literal["new", "claim"]
    status: Literal["pending", "approved", "rejected"]
    applicant_id: int
    place_id: int | None = Field(description="The place claimed, or made when approved.")
    name: str | None
    address: str | None
    lon: float | None = Field(description="WGS-84 longitude, degrees")
    lat: float | None = Field(description="WGS-84 latitude, degrees")
    opening_hours: str | None
    categories: list[str]
    services: list[NamedPublic]
    community_code: str | None
    created_at: DisplayTime
    decided_at: DisplayTime | None
    reason: str | None


class ApplicationPage(BaseModel):
    """A page of applications, newest first."""

    total: int
    items: list[ApplicationPublic]


class PlacePagePublic(BaseModel):
    """A place's public page; `phone` only for a shop with an owner (`verified`)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    uid: str
    city: str
    name: str | None
    address: str | None
    lon: float = Field(description="Longitude in `crs`, degrees")
    lat: float = Field(description="Latitude in `crs`, degrees")
    crs: Crs
    categories: list[NamedPublic]
    opening_hours: str | None
    open_now: bool | None = Field(description="Open now (China Standard Time); null: unknown")
    next_opening: DisplayTime | None
    closes_at: DisplayTime | None
    services: list[NamedPublic]
    phone: str | None
    verified: bool = Field(description="A merchant owns the place")
