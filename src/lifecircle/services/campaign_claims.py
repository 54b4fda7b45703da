"""Residents claim a campaign's vouchers, within the allowance and the budget.

A claim is the coupons' own (:func:`lifecircle.services.coupon_claims.claim_in`): a
per-person slot (the per-resident allowance) and the coupon's counter, whose quantity
is the budget divided by one voucher's largest discount, so each claim reserves that
much of the budget and no concurrency can pass it. A campaign for chosen communities
is claimed by residents whose home (``PUT /users/me/home``) lies in one of them; the
home's community is kept with the claim, for the report's per-community claims.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lifecircle.errors import ConflictError, PermissionDeniedError, ValidationError
from lifecircle.services.campaigns import read_campaign
from lifecircle.services.coupon_claims import ClaimedCoupon, claim_in
from lifecircle.store import coupons
from lifecircle.store.campaigns import CampaignStatus
from lifecircle.store.db import session_scope
from lifecircle.store.homes import get_home

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from lifecircle.services.accounts import Account


def claim_voucher(*, engine: Engine, account: Account, campaign_id: int) -> ClaimedCoupon:
    """Claim one of an open campaign's vouchers for a resident: a one-time code.

    Raises
    ------
    NotFoundError
        If there is no such campaign (or it is a draft).
    ConflictError
        If the campaign is not open, the budget is all reserved, or the resident holds
        their allowance already.
    ValidationError
        ``home``: the campaign is for chosen communities and the resident has no home
        set, or a home in no community.
    PermissionDeniedError
        ``home``: the resident's home lies outside the campaign's communities.

    """
    view = read_campaign(engine=engine, account=account, campaign_id=campaign_id)
    with session_scope(engine, write=True) as session:
        if view.campaign.status != CampaignStatus.OPEN.value:
            raise ConflictError(
                f"the campaign is {view.campaign.status}: its vouchers cannot be claimed",
                field="campaign_id",
            )
        coupon = coupons.get_coupon(session, coupon_id=view.campaign.coupon_id)
        assert coupon is not None  # the campaign's foreign key holds it
        home = get_home(session, user_id=account.id)
        community = None
        if home is not None and home.city_id == view.campaign.city_id:
            community = home.community_code
        if coupon.communities:
            if home is None:
                raise ValidationError(
                    "this campaign is for residents of chosen communities: set your home "
                    "first (PUT /users/me/home)",
                    field="home",
                )
            if community is None:
                raise ValidationError(
                    "your home lies in no community of this city: this campaign is for "
                    "residents of chosen communities",
                    field="home",
                )
            if community not in coupon.communities:
                raise PermissionDeniedError(
                    "this campaign is only for residents of the communities "
                    + ", ".join(coupon.communities),
                    field="home",
                )
        if coupon.claimed >= coupon.quantity:  # a quick refusal; claim_in's UPDATE decides
            raise ConflictError(
                "the campaign's budget is all reserved: no voucher is left", field="campaign_id"
            )
        return claim_in(session, coupon=coupon, user_id=account.id, community_code=community)
