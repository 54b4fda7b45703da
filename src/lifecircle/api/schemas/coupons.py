"""Coupons, claimed coupons and redemptions: request bodies and answers (money in fen)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field

from lifecircle.api.schemas.common import AreaCode, DisplayTime, PlainText
from lifecircle.services.coupons import MAX_PER_PERSON, MAX_QUANTITY
from lifecircle.services.redemptions import MAX_SPEND_FEN

Fen = Annotated[int, Field(ge=0, le=MAX_SPEND_FEN, description="Money in fen (1 yuan = 100).")]
PositiveFen = Annotated[int, Field(ge=1, le=MAX_SPEND_FEN, description="Money in fen.")]


def _reasonable(value: datetime) -> datetime:
    # far years overflow when converted to UTC; no coupon runs outside these
    if not 2000 <= value.year <= 2200:
        raise ValueError("the year must be 2000 to 2200")
    return value


CouponTime = Annotated[
    AwareDatetime,
    AfterValidator(_reasonable),
    Field(description="A time with its zone, e.g. `2026-12-01T00:00:00+08:00`."),
]


class CouponCreate(BaseModel):
    """A new coupon of a shop.

    ``fixed``: ``amount_off_fen`` off (never more than the spend), from an optional
    ``min_spend_fen``; ``percent``: ``percent_off`` % off, rounded down to the fen, at
    most ``max_discount_fen`` if given; ``threshold`` (满50减10): ``amount_off_fen`` off
    a spend of at least ``min_spend_fen``.
    """

    title: Annotated[PlainText, Field(min_length=1, max_length=100, examples=["满50减10"])]
    description: Annotated[PlainText, Field(max_length=500)] = ""
    kind: Literal["fixed", "percent", "threshold"]
    amount_off_fen: PositiveFen | None = None
    percent_off: Annotated[int, Field(ge=1, le=99)] | None = None
    max_discount_fen: PositiveFen | None = None
    min_spend_fen: Fen = 0
    quantity: Annotated[int, Field(ge=1, le=MAX_QUANTITY, description="Coupons in all.")]
    per_person_limit: Annotated[int, Field(ge=1, le=MAX_PER_PERSON)] = 1
    valid_from: CouponTime
    valid_until: CouponTime
    communities: list[AreaCode] = Field(
        default_factory=list,
        max_length=200,
        description="Only residents of these community codes may claim (empty: everyone).",
    )


class CouponUpdate(BaseModel):
    """Pause, resume or end a coupon (``ended`` is final), or change its quantity."""

    status: Literal["active", "paused", "ended"] | None = None
    quantity: Annotated[int, Field(ge=1, le=MAX_QUANTITY)] | None = Field(
        default=None, description="Not below the number already claimed."
    )


class CouponPublic(BaseModel):
    """A coupon as anyone sees it."""

    id: int
    title: str
    description: str
    kind: str = Field(examples=["fixed", "percent", "threshold"])
    amount_off_fen: int | None
    percent_off: int | None
    max_discount_fen: int | None
    min_spend_fen: int
    quantity: int
    remaining: int = Field(description="Coupons left to claim.")
    per_person_limit: int
    valid_from: DisplayTime
    valid_until: DisplayTime
    status: str = Field(examples=["active", "paused", "ended"])
    issuer_kind: str = Field(examples=["shop"])
    issuer_place_id: int | None = Field(description="The issuing shop (its place id).")
    shop_ids: list[int] = Field(description="The shops (place ids) where it may be redeemed.")
    communities: list[str] = Field(description="Only for residents of these (empty: everyone).")


class CouponOwnerView(CouponPublic):
    """A coupon as its shop's merchant sees it: with its counts."""

    claimed: int
    redeemed: int
    created_at: DisplayTime


class ClaimCreate(BaseModel):
    """A claim: the resident's community, for coupons restricted to communities."""

    community: AreaCode | None = Field(
        default=None,
        description="Your community's code (declared; kept with the claim). Left out: the "
        "community of your home (PUT /users/me/home) if it is in the coupon's city.",
    )


class ClaimPublic(BaseModel):
    """A claimed coupon: its one-time code and state."""

    id: int
    code: str = Field(description="The one-time redemption code (12 digits).")
    state: str = Field(examples=["claimed", "redeemed", "expired"])
    community_code: str | None
    claimed_at: DisplayTime
    redeemed_at: DisplayTime | None
    coupon: CouponPublic


class ClaimPage(BaseModel):
    """A page of one's claimed coupons, newest first."""

    total: int
    items: list[ClaimPublic]


class RedemptionCreate(BaseModel):
    """A code typed or scanned at the till and the amount spent."""

    code: Annotated[PlainText, Field(min_length=1, max_length=32, examples=["123456789015"])]
    spent_fen: Fen


class RedemptionPublic(BaseModel):
    """A redemption: what was spent, the discount, what is paid."""

    id: int
    claim_id: int
    coupon_id: int
    title: str
    place_id: int
    spent_fen: int
    discount_fen: int
    pay_fen: int = Field(description="The spend less the discount.")
    redeemed_at: DisplayTime
    undo_until: DisplayTime = Field(description="Until when the merchant may undo it.")
    undone_at: DisplayTime | None
