"""Near-expiry stock: batches (create, change, public), the daily list, offers, the summary."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from lifecircle.api.schemas.common import DisplayTime, PlainText

Fen = Annotated[int, Field(ge=0, le=100_000_000, description="Money in fen (1 yuan = 100 fen).")]
Quantity = Annotated[int, Field(ge=0, le=1_000_000, description="Units of sale.")]
FoodClassCode = Annotated[
    str, Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$", examples=["yoghurt"])
]
LocalDate = Annotated[
    date,
    Field(ge=date(2000, 1, 1), le=date(2199, 12, 31), description="Local date (Asia/Shanghai)."),
]


class BatchCreate(BaseModel):
    """A batch to record: the expiry date, or the production date and the shelf life."""

    product: Annotated[PlainText, Field(min_length=1, max_length=100)]
    barcode: Annotated[str | None, Field(max_length=13, pattern=r"^[0-9]*$")] = Field(
        default=None, description="EAN-13 or EAN-8 (check digit verified)."
    )
    quantity: Quantity
    food_class: FoodClassCode | None = Field(
        default=None,
        description="A class of `GET /stock/food-classes`; without one the shelf life decides.",
    )
    expiry_date: LocalDate | None = Field(
        default=None, description="The last day within shelf life (到期日)."
    )
    production_date: LocalDate | None = None
    shelf_life_days: Annotated[int | None, Field(ge=1, le=3650)] = Field(
        default=None, description="Shelf life in days (the production day is day 1)."
    )


class BatchUpdate(BaseModel):
    """Change the quantity, or mark the batch sold or removed (its offer ends)."""

    quantity: Quantity | None = None
    state: Literal["sold", "removed"] | None = None


class OfferCreate(BaseModel):
    """An offer: its price, or a discount off the regular price (default: the suggestion)."""

    price_fen: Fen | None = Field(default=None, description="The offer's price, fen.")
    regular_price_fen: Fen | None = Field(default=None, description="The regular price, fen.")
    discount_pct: Annotated[int | None, Field(ge=0, le=99)] = Field(
        default=None, description="Percent off the regular price (default: the ladder's)."
    )


class BatchPublic(BaseModel):
    """A batch and where it stands today."""

    id: int
    place_id: int
    product: str
    barcode: str | None
    quantity: int
    food_class: str | None
    production_date: date | None
    shelf_life_days: int | None
    expiry_date: date
    lead_days: int = Field(description="Near expiry from this many days before the expiry date.")
    lead_basis: str = Field(examples=["class", "city", "band"])
    warn_from: date
    state: str = Field(examples=["active", "sold", "removed"])
    closed_at: DisplayTime | None
    stage: str = Field(examples=["fresh", "near_expiry", "expired"])
    days_left: int = Field(description="0 on the expiry date, negative once expired.")
    suggested_discount_pct: int
    offer_price_fen: int | None
    offer_regular_fen: int | None
    offer_discount_pct: int | None
    offered_at: DisplayTime | None
    offer_live: bool = Field(description="Whether residents see its offer today.")
    created_at: DisplayTime


class ExpiryListPublic(BaseModel):
    """A shop's daily list (临期 and 已过期)."""

    place_id: int
    date: date
    near_expiry: list[BatchPublic]
    expired: list[BatchPublic]
    basis: str = Field(description="Where the lead times come from (not a national standard).")


class OfferPublic(BaseModel):
    """A near-expiry offer as residents see it."""

    batch_id: int
    place: str = Field(description="The place's uid.")
    place_name: str | None
    product: str
    quantity: int
    expiry_date: date
    days_left: int
    price_fen: int
    regular_price_fen: int | None
    discount_pct: int | None


class NearbyOfferPublic(OfferPublic):
    """An offer within the walk."""

    lon: float
    lat: float
    metres: float
    minutes: float


class NearbyOffersPublic(BaseModel):
    """Offers within the walk, nearest first."""

    city: str
    crs: str
    lon: float
    lat: float
    minutes: float
    profile: str
    speed_kmh: float
    date: date
    total: int
    offers: list[NearbyOfferPublic]


class FoodClassPublic(BaseModel):
    """A food class of the near-expiry table."""

    code: str
    name_zh: str
    name_en: str
    lead_days: int
    ladder: str
    note: str


class LadderStepPublic(BaseModel):
    """From ``at_lead_pct`` % of the lead left, ``discount_pct`` % off."""

    at_lead_pct: int
    discount_pct: int


class BandPublic(BaseModel):
    """A shelf-life band: a batch without a class takes its lead."""

    shelf_life_min_days: int
    shelf_life_max_days: int | None
    lead_days_min: int
    lead_days_max: int
    ladder: str
    examples: str


class ExpiryTablePublic(BaseModel):
    """The near-expiry table in use, with its basis."""

    name: str
    basis: str
    classes: list[FoodClassPublic]
    bands: list[BandPublic]
    ladders: dict[str, list[LadderStepPublic]]


class CommunityExpiryPublic(BaseModel):
    """One community's counts (``code`` ``null``: shops in no community)."""

    code: str | None
    expired_in_stock: int = Field(description="Expired batches still recorded in stock.")
    lapses: int = Field(description="Batches that expired in stock in the window.")
    shops_with_repeated_lapses: int


class LapsingShopPublic(BaseModel):
    """A shop with repeated lapses."""

    place_id: int
    uid: str
    name: str | None
    community_code: str | None
    lapses: int


class ExpirySummaryPublic(BaseModel):
    """The officials' near-expiry summary of an area on a day."""

    city: str
    area: str | None
    date: date
    window_days: int
    repeat_lapses: int
    communities: list[CommunityExpiryPublic]
    shops: list[LapsingShopPublic]
