"""Schemas of the merchants' and officials' reports: a shop's redemptions of a period."""

from __future__ import annotations

from pydantic import BaseModel, Field

from lifecircle.api.schemas.common import DisplayTime


class ShopRedemptionPublic(BaseModel):
    """One redemption at the shop (undone ones are listed, with `undone_at`)."""

    id: int
    claim_id: int
    coupon_id: int
    title: str = Field(description="The coupon's title.")
    code_tail: str = Field(description="The last 4 digits of the code redeemed.")
    spent_fen: int
    discount_fen: int
    pay_fen: int = Field(description="The spend less the discount.")
    redeemed_at: DisplayTime
    undone_at: DisplayTime | None


class RedemptionTotalsPublic(BaseModel):
    """The period's live redemptions (undone ones left out), money in fen."""

    count: int = Field(ge=0)
    spent_fen: int = Field(ge=0, description="What the customers spent.")
    discount_fen: int = Field(ge=0, description="What the coupons took off.")
    pay_fen: int = Field(ge=0, description="What the customers paid: spent less discounts.")
    undone: int = Field(ge=0, description="Redemptions of the period that were undone.")


class ShopRedemptionsPublic(BaseModel):
    """A shop's redemptions in `[since, until)`, oldest first, with the period's totals."""

    place_id: int
    since: DisplayTime
    until: DisplayTime
    totals: RedemptionTotalsPublic
    total_items: int = Field(description="Redemptions listed in the period, undone included.")
    items: list[ShopRedemptionPublic]
