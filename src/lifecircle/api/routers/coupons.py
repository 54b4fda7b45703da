"""Coupons: merchants issue them for their shops, residents claim them, shops redeem them.

Merchants act on their own shops only (another's shop is 404, as a missing one);
residents see their own claims only. The public reads a place's active coupons and any
coupon by id.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Response

from lifecircle.api.deps import CurrentUser, EngineDep, MerchantUser, SettingsDep, require_roles
from lifecircle.api.schemas.common import CityName, RowId, problems
from lifecircle.api.schemas.coupons import (
    ClaimCreate,
    ClaimPage,
    ClaimPublic,
    CouponCreate,
    CouponOwnerView,
    CouponPublic,
    CouponUpdate,
    RedemptionCreate,
    RedemptionPublic,
)
from lifecircle.services import coupon_claims, coupons, redemptions
from lifecircle.services.accounts import Account
from lifecircle.store.coupons import CouponRow, CouponStatus
from lifecircle.store.models import Role

router = APIRouter(tags=["coupons"])

ResidentUser = Annotated[Account, require_roles(Role.RESIDENT)]
PlaceId = Annotated[RowId, Path(description="The shop (its place id).")]
CouponId = Annotated[RowId, Path(description="The coupon.")]
ClaimId = Annotated[RowId, Path(description="One's claimed coupon.")]


def _public(row: CouponRow) -> CouponPublic:
    return CouponPublic(
        id=row.id,
        title=row.title,
        description=row.description,
        kind=row.kind,
        amount_off_fen=row.amount_off_fen,
        percent_off=row.percent_off,
        max_discount_fen=row.max_discount_fen,
        min_spend_fen=row.min_spend_fen,
        quantity=row.quantity,
        remaining=row.remaining,
        per_person_limit=row.per_person_limit,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        status=row.status,
        issuer_kind=row.issuer_kind,
        issuer_place_id=row.issuer_place_id,
        shop_ids=list(row.shop_ids),
        communities=list(row.communities),
    )


def _owner_view(row: CouponRow) -> CouponOwnerView:
    assert row.redeemed is not None, "the owner's view is read with count_redeemed"
    return CouponOwnerView(
        **_public(row).model_dump(),
        claimed=row.claimed,
        redeemed=row.redeemed,
        created_at=row.created_at,
    )


def _claim(item: coupon_claims.ClaimedCoupon) -> ClaimPublic:
    return ClaimPublic(
        id=item.claim.id,
        code=item.claim.code,
        state=item.state,
        community_code=item.claim.community_code,
        claimed_at=item.claim.claimed_at,
        redeemed_at=item.claim.redeemed_at,
        coupon=_public(item.coupon),
    )


def _redemption(done: redemptions.Redeemed) -> RedemptionPublic:
    r = done.redemption
    return RedemptionPublic(
        id=r.id,
        claim_id=r.claim_id,
        coupon_id=r.coupon_id,
        title=done.title,
        place_id=r.place_id,
        spent_fen=r.spent_fen,
        discount_fen=r.discount_fen,
        pay_fen=done.pay_fen,
        redeemed_at=r.redeemed_at,
        undo_until=done.undo_until,
        undone_at=r.undone_at,
    )


@router.post("/shops/{place_id}/coupons", status_code=201, responses=problems(401, 403, 404))
def create_coupon(
    place_id: PlaceId, body: CouponCreate, user: MerchantUser, engine: EngineDep
) -> CouponOwnerView:
    """Issue a coupon of one's shop, valid at that shop (audited)."""
    spec = coupons.CouponSpec(
        title=body.title,
        description=body.description,
        kind=body.kind,
        amount_off_fen=body.amount_off_fen,
        percent_off=body.percent_off,
        max_discount_fen=body.max_discount_fen,
        min_spend_fen=body.min_spend_fen,
        quantity=body.quantity,
        per_person_limit=body.per_person_limit,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        communities=tuple(body.communities),
    )
    row = coupons.create_coupon(engine=engine, user_id=user.id, place_id=place_id, spec=spec)
    return _owner_view(row)


@router.get("/shops/{place_id}/coupons", responses=problems(401, 403, 404))
def list_shop_coupons(
    place_id: PlaceId, user: MerchantUser, engine: EngineDep
) -> list[CouponOwnerView]:
    """One's shop's coupons, newest first, with claimed and redeemed counts."""
    rows = coupons.shop_coupons(engine=engine, user_id=user.id, place_id=place_id)
    return [_owner_view(r) for r in rows]


@router.patch("/shops/{place_id}/coupons/{coupon_id}", responses=problems(401, 403, 404, 409))
def update_coupon(
    place_id: PlaceId,
    coupon_id: CouponId,
    body: CouponUpdate,
    user: MerchantUser,
    engine: EngineDep,
) -> CouponOwnerView:
    """Pause, resume or end one's coupon, or change its quantity (audited)."""
    row = coupons.update_coupon(
        engine=engine,
        user_id=user.id,
        place_id=place_id,
        coupon_id=coupon_id,
        status=None if body.status is None else CouponStatus(body.status),
        quantity=body.quantity,
    )
    return _owner_view(row)


@router.get("/cities/{city}/places/{uid:path}/coupons", responses=problems(404))
def place_coupons(
    city: Annotated[CityName, Path(description="City name.")],
    uid: Annotated[str, Path(max_length=300, description="The place's uid (`osm:node/1`).")],
    engine: EngineDep,
) -> list[CouponPublic]:
    """The active coupons valid at a place, with how many are left."""
    return [_public(r) for r in coupons.place_coupons(engine=engine, city=city, uid=uid)]


@router.get("/coupons/{coupon_id}", responses=problems(404))
def read_coupon(coupon_id: CouponId, engine: EngineDep) -> CouponPublic:
    """One coupon."""
    return _public(coupons.public_coupon(engine=engine, coupon_id=coupon_id))


@router.post("/coupons/{coupon_id}/claims", status_code=201, responses=problems(401, 403, 404, 409))
def claim_coupon(
    coupon_id: CouponId,
    user: ResidentUser,
    engine: EngineDep,
    body: Annotated[ClaimCreate | None, Body()] = None,
) -> ClaimPublic:
    """Claim a coupon: a one-time code (never beyond the quantity or one's limit)."""
    community = None if body is None else body.community
    item = coupon_claims.claim_coupon(
        engine=engine, user_id=user.id, coupon_id=coupon_id, community=community
    )
    return _claim(item)


@router.get("/users/me/coupons", responses=problems(401))
def my_coupons(
    user: CurrentUser,
    engine: EngineDep,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size.")] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Rows to skip.")] = 0,
) -> ClaimPage:
    """One's claimed coupons, newest first, with their state."""
    items, total = coupon_claims.my_coupons(
        engine=engine, user_id=user.id, limit=limit, offset=offset
    )
    return ClaimPage(total=total, items=[_claim(i) for i in items])


@router.get("/users/me/coupons/{claim_id}", responses=problems(401, 404))
def my_coupon(claim_id: ClaimId, user: CurrentUser, engine: EngineDep) -> ClaimPublic:
    """One of one's claimed coupons."""
    return _claim(coupon_claims.my_claim(engine=engine, user_id=user.id, claim_id=claim_id))


_QR = {
    "svg": "image/svg+xml",
    "png": "image/png",
}


def _qr(engine: EngineDep, user: Account, claim_id: int, kind: str) -> Response:
    item = coupon_claims.my_claim(engine=engine, user_id=user.id, claim_id=claim_id)
    image = coupon_claims.qr_image(item.claim.code, kind=kind)
    return Response(image, media_type=_QR[kind], headers={"Cache-Control": "private, no-store"})


@router.get(
    "/users/me/coupons/{claim_id}/qr.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}, **problems(401, 404)},
)
def my_coupon_qr_svg(claim_id: ClaimId, user: CurrentUser, engine: EngineDep) -> Response:
    """The QR code of one's redemption code, SVG."""
    return _qr(engine, user, claim_id, "svg")


@router.get(
    "/users/me/coupons/{claim_id}/qr.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}, **problems(401, 404)},
)
def my_coupon_qr_png(claim_id: ClaimId, user: CurrentUser, engine: EngineDep) -> Response:
    """The QR code of one's redemption code, PNG."""
    return _qr(engine, user, claim_id, "png")


@router.post(
    "/shops/{place_id}/redemptions", status_code=201, responses=problems(401, 403, 404, 409)
)
def redeem(
    place_id: PlaceId,
    body: RedemptionCreate,
    user: MerchantUser,
    engine: EngineDep,
    settings: SettingsDep,
) -> RedemptionPublic:
    """Redeem a code at one's shop: the discount by the coupon's rule (exactly once)."""
    done = redemptions.redeem(
        engine=engine,
        user_id=user.id,
        place_id=place_id,
        code=body.code,
        spent_fen=body.spent_fen,
        undo_minutes=settings.redemption_undo_minutes,
    )
    return _redemption(done)


@router.post(
    "/shops/{place_id}/redemptions/{redemption_id}/undo", responses=problems(401, 403, 404, 409)
)
def undo_redemption(
    place_id: PlaceId,
    redemption_id: Annotated[RowId, Path(description="The redemption.")],
    user: MerchantUser,
    engine: EngineDep,
    settings: SettingsDep,
) -> RedemptionPublic:
    """Undo a redemption within the undo window (audited); the code works again."""
    done = redemptions.undo_redemption(
        engine=engine,
        user_id=user.id,
        place_id=place_id,
        redemption_id=redemption_id,
        undo_minutes=settings.redemption_undo_minutes,
    )
    return _redemption(done)
