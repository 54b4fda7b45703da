"""Consumption-voucher campaigns (消费券): officials run them, merchants join, residents claim.

Officials (and administrators) create, edit, open, pause, resume and close campaigns,
enrol and remove the shops of their area, and read their reports, within their scope
(see :mod:`lifecircle.services.campaigns`); a merchant opts their own shop in or out
(another's shop is 404); a resident claims vouchers, which
are coupons: ``/users/me/coupons`` shows them and shops redeem them as any coupon.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from lifecircle.api.deps import (
    CurrentUser,
    EngineDep,
    MerchantUser,
    OfficialUser,
    OptionalUser,
    require_roles,
)
from lifecircle.api.routers.coupons import _claim
from lifecircle.api.schemas.campaigns import (
    CampaignCreate,
    CampaignPublic,
    CampaignReportPublic,
    CampaignShopCreate,
    CampaignShopPublic,
    CampaignUpdate,
    GroupPublic,
)
from lifecircle.api.schemas.common import CityName, PlainText, RowId, problems
from lifecircle.api.schemas.coupons import ClaimPublic
from lifecircle.errors import PermissionDeniedError
from lifecircle.services import (
    campaign_changes,
    campaign_claims,
    campaign_report,
    campaign_shops,
    campaigns,
)
from lifecircle.services.accounts import Account
from lifecircle.store.models import Role

router = APIRouter(tags=["campaigns"])

ResidentUser = Annotated[Account, require_roles(Role.RESIDENT)]
City = Annotated[CityName, Path(description="City name.")]
CampaignId = Annotated[RowId, Path(description="The campaign.")]
PlaceId = Annotated[RowId, Path(description="The shop (its place id).")]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _public(view: campaigns.CampaignView) -> CampaignPublic:
    c, k = view.campaign, view.coupon
    return CampaignPublic(
        id=c.id,
        city=view.city,
        name=c.name,
        description=c.description,
        status=c.status,
        area_code=c.area_code,
        budget_fen=c.budget_fen,
        coupon_id=k.id,
        kind=k.kind,
        amount_off_fen=k.amount_off_fen,
        percent_off=k.percent_off,
        max_discount_fen=k.max_discount_fen,
        min_spend_fen=k.min_spend_fen,
        voucher_max_fen=view.voucher_max_fen,
        vouchers=k.quantity,
        claimed=k.claimed,
        remaining=k.remaining,
        reserved_fen=view.reserved_fen,
        per_resident=k.per_person_limit,
        valid_from=k.valid_from,
        valid_until=k.valid_until,
        communities=list(k.communities),
        categories=list(c.categories),
        shop_ids=list(k.shop_ids),
        created_at=c.created_at,
        opened_at=c.opened_at,
        closed_at=c.closed_at,
    )


@router.post("/cities/{city}/campaigns", status_code=201, responses=problems(401, 403, 404))
def create_campaign(
    city: City, body: CampaignCreate, user: OfficialUser, engine: EngineDep
) -> CampaignPublic:
    """Create a campaign (a draft) for one's area or an area inside it (audited)."""
    spec = campaigns.CampaignSpec(
        name=body.name,
        description=body.description,
        budget_fen=body.budget_fen,
        kind=body.kind,
        amount_off_fen=body.amount_off_fen,
        percent_off=body.percent_off,
        max_discount_fen=body.max_discount_fen,
        min_spend_fen=body.min_spend_fen,
        per_resident=body.per_resident,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        area_code=body.area_code,
        communities=tuple(body.communities),
        categories=tuple(body.categories),
    )
    view = campaigns.create_campaign(engine=engine, account=user, city=city, spec=spec)
    return _public(view)


@router.get("/cities/{city}/campaigns", responses=problems(403, 404))
def list_campaigns(city: City, user: OptionalUser, engine: EngineDep) -> list[CampaignPublic]:
    """A city's open campaigns (merchants see drafts too; officials all they manage)."""
    views = campaigns.list_campaigns(engine=engine, account=user, city=city)
    return [_public(v) for v in views]


@router.get("/campaigns/{campaign_id}", responses=problems(404))
def read_campaign(campaign_id: CampaignId, user: OptionalUser, engine: EngineDep) -> CampaignPublic:
    """One campaign (a draft only for merchants and the officials who manage it)."""
    return _public(campaigns.read_campaign(engine=engine, account=user, campaign_id=campaign_id))


@router.patch("/campaigns/{campaign_id}", responses=problems(401, 403, 404, 409))
def update_campaign(
    campaign_id: CampaignId, body: CampaignUpdate, user: OfficialUser, engine: EngineDep
) -> CampaignPublic:
    """Open, pause, resume or close a campaign, or edit a draft (audited; joined merchants told).

    ``status``: ``open`` (a draft, or a paused campaign resuming), ``paused`` (an open
    one: claims and redemptions refused with 409 until it resumes), ``closed`` (final).
    """
    changes: dict[str, Any] = body.model_dump(exclude_unset=True, exclude={"status"})
    for key in ("communities", "categories"):
        if key in changes:
            changes[key] = tuple(changes[key] or ())
    changes = {k: v for k, v in changes.items() if v is not None or k in _NULLABLE}
    view = campaign_changes.update_campaign(
        engine=engine, account=user, campaign_id=campaign_id, status=body.status, changes=changes
    )
    return _public(view)


_NULLABLE = frozenset({"amount_off_fen", "percent_off", "max_discount_fen"})
"""Fields an edit may set to null (switching the rule's kind)."""


@router.post(
    "/campaigns/{campaign_id}/shops", status_code=201, responses=problems(401, 403, 404, 409)
)
def join_campaign(
    campaign_id: CampaignId, body: CampaignShopCreate, user: MerchantUser, engine: EngineDep
) -> CampaignPublic:
    """Opt one's shop into a campaign: its vouchers become valid there (audited)."""
    view = campaign_changes.join_campaign(
        engine=engine, account=user, campaign_id=campaign_id, place_id=body.place_id
    )
    return _public(view)


@router.get("/campaigns/{campaign_id}/shops", responses=problems(401, 403, 404))
def campaign_shops_list(
    campaign_id: CampaignId,
    user: OfficialUser,
    engine: EngineDep,
    q: Annotated[
        PlainText | None, Query(max_length=100, description="Names containing this.")
    ] = None,
    enrolled: Annotated[
        bool | None, Query(description="Only the shops in (true) or out (false).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=campaign_shops.MAX_SHOPS)] = 50,
) -> list[CampaignShopPublic]:
    """The campaign's shops and those of its area its officials may enrol, by name."""
    found = campaign_shops.campaign_shops(
        engine=engine, account=user, campaign_id=campaign_id, name=q, enrolled=enrolled, limit=limit
    )
    return [
        CampaignShopPublic(
            place_id=s.place_id,
            name=s.name,
            community_code=s.community_code,
            categories=list(s.categories),
            enrolled=s.enrolled,
        )
        for s in found
    ]


@router.put(
    "/campaigns/{campaign_id}/shops/{place_id}", responses=problems(401, 403, 404, 409, 422)
)
def enrol_shop(
    campaign_id: CampaignId, place_id: PlaceId, user: OfficialUser, engine: EngineDep
) -> CampaignPublic:
    """Enrol a merchant's shop of the area in the campaign (idempotent; audited, merchant told)."""
    view, _ = campaign_shops.enrol_shop(
        engine=engine, account=user, campaign_id=campaign_id, place_id=place_id
    )
    return _public(view)


@router.delete(
    "/campaigns/{campaign_id}/shops/{place_id}",
    status_code=204,
    response_class=Response,
    responses=problems(401, 403, 404),
)
def leave_campaign(
    campaign_id: CampaignId, place_id: PlaceId, user: CurrentUser, engine: EngineDep
) -> Response:
    """Take a shop out of a campaign (audited).

    A merchant takes their own shop out (404 if it is not in); the campaign's officials
    remove any shop (idempotent: 204 whether it was in or not; its merchant is told).
    """
    if user.role == Role.MERCHANT:
        campaign_changes.leave_campaign(
            engine=engine, account=user, campaign_id=campaign_id, place_id=place_id
        )
    elif user.role in (Role.OFFICIAL, Role.ADMIN):
        campaign_shops.remove_shop(
            engine=engine, account=user, campaign_id=campaign_id, place_id=place_id
        )
    else:
        raise PermissionDeniedError("shops are taken out by their merchant or the officials")
    return Response(status_code=204)


@router.post(
    "/campaigns/{campaign_id}/claims", status_code=201, responses=problems(401, 403, 404, 409)
)
def claim_voucher(campaign_id: CampaignId, user: ResidentUser, engine: EngineDep) -> ClaimPublic:
    """Claim a voucher: a coupon claim with its one-time code (within allowance and budget)."""
    item = campaign_claims.claim_voucher(engine=engine, account=user, campaign_id=campaign_id)
    return _claim(item)


def _groups(groups: tuple[campaign_report.GroupFigures, ...]) -> list[GroupPublic]:
    return [
        GroupPublic(
            code=g.code,
            name=g.name,
            shops=g.shops,
            claims=g.claims,
            redemptions=g.redemptions,
            spent_fen=g.spent_fen,
            discount_fen=g.discount_fen,
        )
        for g in groups
    ]


@router.get("/cities/{city}/campaigns/{campaign_id}/report", responses=problems(401, 403, 404))
def report(
    city: City, campaign_id: CampaignId, user: OfficialUser, engine: EngineDep
) -> CampaignReportPublic:
    """A campaign's spend, discounts, redemptions and claims per community and category."""
    r = campaign_report.campaign_report(
        engine=engine, account=user, city=city, campaign_id=campaign_id
    )
    return CampaignReportPublic(
        campaign=_public(r.view),
        budget_fen=r.budget_fen,
        reserved_fen=r.reserved_fen,
        unreserved_fen=r.unreserved_fen,
        discount_fen=r.discount_fen,
        discount_share_hundredths=r.discount_share_hundredths,
        spent_fen=r.spent_fen,
        redemptions=r.redemptions,
        claims=r.claims,
        shops=r.shops,
        communities=_groups(r.communities),
        categories=_groups(r.categories),
    )


@router.get(
    "/cities/{city}/campaigns/{campaign_id}/report.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}, **problems(401, 403, 404)},
)
def report_xlsx(
    city: City, campaign_id: CampaignId, user: OfficialUser, engine: EngineDep
) -> Response:
    """The report as an XLSX workbook (总计, 社区, 类别; money in yuan)."""
    r = campaign_report.campaign_report(
        engine=engine, account=user, city=city, campaign_id=campaign_id
    )
    name = f"campaign-{campaign_id}-report.xlsx"
    return Response(
        campaign_report.report_xlsx(r),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
