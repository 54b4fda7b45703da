"""Published prices: items in, items out (fen with yuan beside), history, officials' summary."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from lifecircle.api.schemas.common import DisplayTime, PlainText
from lifecircle.core.money import MAX_PRICE_FEN

PriceFen = Annotated[
    int,
    Field(
        ge=1, le=MAX_PRICE_FEN, description="Price in fen (分): 350 is 3.50 yuan.", examples=[350]
    ),
]
PriceYuan = Annotated[
    str,
    Field(
        pattern=r"^ *[0-9]{1,9}(\.[0-9]{1,2})? *$",
        max_length=16,
        description="Price in yuan as text with at most two decimals, read exactly "
        '(`"3.50"`); instead of `price_fen`.',
        examples=["3.50"],
    ),
]
Name = Annotated[PlainText, Field(min_length=1, max_length=100, examples=["鸡蛋"])]
Spec = Annotated[
    PlainText,
    Field(
        min_length=1,
        max_length=32,
        description="Specification or unit.",
        examples=["500g", "斤", "次"],
    ),
]
Category = Annotated[PlainText, Field(max_length=32, examples=["蛋奶"])]
Barcode = Annotated[str, Field(pattern=r"^[0-9]{8,14}$", examples=["6901234567892"])]
YUAN = "The same price in yuan, two decimals, computed exactly from the fen."


class PriceItemCreate(BaseModel):
    """A new item: give the price as `price_fen` or as `price_yuan`."""

    name: Name
    spec: Spec
    price_fen: PriceFen | None = None
    price_yuan: PriceYuan | None = None
    category: Category | None = None
    barcode: Barcode | None = None


class PriceItemUpdate(BaseModel):
    """Changes to an item: fields left out stay; `null` clears `category` or `barcode`."""

    name: Name | None = None
    spec: Spec | None = None
    price_fen: PriceFen | None = None
    price_yuan: PriceYuan | None = None
    category: Category | None = None
    barcode: Barcode | None = None


class PriceList(BaseModel):
    """A shop's whole price list: live items not named here are withdrawn."""

    items: list[PriceItemCreate] = Field(max_length=1000)


class PriceItemPublic(BaseModel):
    """An item of a shop with its current price."""

    id: int
    name: str
    spec: str
    category: str | None
    barcode: str | None
    price_fen: int
    price_yuan: str = Field(description=YUAN, examples=["3.50"])
    updated_at: DisplayTime = Field(description="When the item last changed.")
    withdrawn_at: DisplayTime | None = Field(
        default=None, description="When it was withdrawn (`null`: published)."
    )


class ShopPricesPublic(BaseModel):
    """A place's published prices, as anyone sees them."""

    place_id: int
    uid: str
    name: str | None
    items: list[PriceItemPublic]


class ReplacementPublic(BaseModel):
    """What a bulk replacement did, and the shop's items after it."""

    created: int
    updated: int
    withdrawn: int
    unchanged: int
    items: list[PriceItemPublic]


class PricePeriodPublic(BaseModel):
    """One price of an item and when it was in force."""

    price_fen: int
    price_yuan: str = Field(description=YUAN)
    since: DisplayTime
    until: DisplayTime | None = Field(description="`null`: in force now.")


class PriceHistoryPublic(BaseModel):
    """An item and every price it has had, oldest first."""

    place_id: int
    uid: str
    item: PriceItemPublic
    periods: list[PricePeriodPublic]


class CommunityPublishingPublic(BaseModel):
    """One community's shops and how many of them publish prices."""

    code: str | None = Field(description="`null`: shops in no community's boundary.")
    name: str | None
    shops: int = Field(description="Owned places filed under the community.")
    publishing: int = Field(description="Shops with at least one price in force at `until`.")
    share_pct: str | None = Field(
        description="publishing ÷ shops in percent, two decimals, rounded half away from "
        "zero (`null`: no shops).",
        examples=["66.67"],
    )


class PriceRisePublic(BaseModel):
    """An item whose price rose by more than the threshold within the period."""

    place_id: int
    uid: str
    shop_name: str | None
    community_code: str | None
    item_id: int
    name: str
    spec: str
    old_fen: int = Field(description="The first price in force in the period.")
    old_yuan: str
    new_fen: int = Field(description="The last price in force in the period.")
    new_yuan: str
    old_since: DisplayTime
    new_since: DisplayTime
    rise_pct: str = Field(
        description="(new − old) ÷ old in percent, two decimals, rounded half away from zero.",
        examples=["12.50"],
    )


class PriceSummaryPublic(BaseModel):
    """Published-price figures of an official's area over a period."""

    city: str
    area: str | None
    since: DisplayTime
    until: DisplayTime
    rise_pct: int
    shops: int
    publishing: int
    share_pct: str | None
    communities: list[CommunityPublishingPublic]
    rises: list[PriceRisePublic] = Field(description="Largest rise first (at most 1000).")
    rises_total: int = Field(description="How many items rose more than `rise_pct` in all.")
