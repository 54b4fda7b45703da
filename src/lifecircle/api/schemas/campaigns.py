"""Consumption-voucher campaigns (消费券): request bodies and answers (money in fen)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from lifecircle.api.schemas.common import AreaCode, DisplayTime, PlainText, RowId
from lifecircle.api.schemas.coupons import CouponTime, Fen, PositiveFen
from lifecircle.services.campaigns import MAX_BUDGET_FEN
from lifecircle.services.coupons import MAX_PER_PERSON

Budget = Annotated[
    int, Field(ge=1, le=MAX_BUDGET_FEN, description="The budget in fen (1 yuan = 100).")
]
CategoryCode = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]


class CampaignCreate(BaseModel):
    """A new campaign (a draft), its budget and voucher rule.

    The rule is the coupons': ``fixed`` ``amount_off_fen`` off; ``percent`` ``percent_off``
    % off capped at ``max_discount_fen`` (required: each claim reserves the cap of the
    budget); ``threshold`` (满50减10) ``amount_off_fen`` off a spend of at least
    ``min_spend_fen``.
    """

    name: Annotated[PlainText, Field(min_length=1, max_length=100, examples=["福田消费券"])]
    description: Annotated[PlainText, Field(max_length=500)] = ""
    budget_fen: Budget
    kind: Literal["fixed", "percent", "threshold"]
    amount_off_fen: PositiveFen | None = None
    percent_off: Annotated[int, Field(ge=1, le=99)] | None = None
    max_discount_fen: PositiveFen | None = None
    min_spend_fen: Fen = 0
    per_resident: Annotated[
        int, Field(ge=1, le=MAX_PER_PERSON, description="Vouchers one resident may claim.")
    ] = 1
    valid_from: CouponTime
    valid_until: CouponTime
    area_code: AreaCode | None = Field(
        default=None,
        description="The district or 街道 the campaign is for (default: the official's own area; "
        "none: the whole city).",
    )
    communities: list[AreaCode] = Field(
        default_factory=list,
        max_length=200,
        description="Only residents (by home) and shops of these communities (empty: all).",
    )
    categories: list[CategoryCode] = Field(
        default_factory=list,
        max_length=50,
        description="Only shops of these taxonomy categories may join (empty: any).",
    )


class CampaignUpdate(BaseModel):
    """Open, pause, resume (``open`` again) or close a campaign, or edit a draft's fields.

    ``draft`` → ``open`` ⇄ ``paused`` → ``closed`` (a draft or an open campaign may close
    too; ``closed`` is final). While ``paused`` nothing is claimed or redeemed.
    """

    status: Literal["open", "paused", "closed"] | None = None
    name: Annotated[PlainText, Field(min_length=1, max_length=100)] | None = None
    description: Annotated[PlainText, Field(max_length=500)] | None = None
    budget_fen: Budget | None = None
    kind: Literal["fixed", "percent", "threshold"] | None = None
    amount_off_fen: PositiveFen | None = None
    percent_off: Annotated[int, Field(ge=1, le=99)] | None = None
    max_discount_fen: PositiveFen | None = None
    min_spend_fen: Fen | None = None
    per_resident: Annotated[int, Field(ge=1, le=MAX_PER_PERSON)] | None = None
    valid_from: CouponTime | None = None
    valid_until: CouponTime | None = None
    communities: list[AreaCode] | None = Field(default=None, max_length=200)
    categories: list[CategoryCode] | None = Field(default=None, max_length=50)


class CampaignPublic(BaseModel):
    """A campaign: its budget, voucher rule, allowance, shops and counts."""

    id: int
    city: str
    name: str
    description: str
    status: str = Field(examples=["draft", "open", "paused", "closed"])
    area_code: str | None = Field(description="The district or 街道 (none: the whole city).")
    budget_fen: int
    coupon_id: int = Field(description="The campaign's coupon (claims and codes are its).")
    kind: str
    amount_off_fen: int | None
    percent_off: int | None
    max_discount_fen: int | None
    min_spend_fen: int
    voucher_max_fen: int = Field(description="The most one voucher takes off (reserved per claim).")
    vouchers: int = Field(description="Vouchers in all: budget_fen // voucher_max_fen.")
    claimed: int
    remaining: int
    reserved_fen: int = Field(description="Budget reserved by the claimed vouchers.")
    per_resident: int
    valid_from: DisplayTime
    valid_until: DisplayTime
    communities: list[str]
    categories: list[str]
    shop_ids: list[int] = Field(description="Participating shops (place ids).")
    created_at: DisplayTime
    opened_at: DisplayTime | None
    closed_at: DisplayTime | None


class CampaignShopCreate(BaseModel):
    """One's shop joining a campaign."""

    place_id: RowId


class CampaignShopPublic(BaseModel):
    """A shop as the campaign's officials see it (enrolled, or one they may enrol)."""

    place_id: int
    name: str | None
    community_code: str | None
    categories: list[str]
    enrolled: bool = Field(description="Whether the shop is in the campaign now.")


class GroupPublic(BaseModel):
    """One community's or category's figures (money in fen)."""

    code: str | None
    name: str | None
    shops: int
    claims: int = Field(description="Claims by residents of the community (0 for categories).")
    redemptions: int
    spent_fen: int
    discount_fen: int


class CampaignReportPublic(BaseModel):
    """A campaign's figures per community (of the shop) and category, and totals vs budget."""

    campaign: CampaignPublic
    budget_fen: int
    reserved_fen: int
    unreserved_fen: int
    discount_fen: int
    discount_share_hundredths: int | None = Field(description="Discounts / budget, % × 100.")
    spent_fen: int
    redemptions: int
    claims: int
    shops: int
    communities: list[GroupPublic]
    categories: list[GroupPublic]
