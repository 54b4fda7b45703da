"""Reports: a shop's redemptions for its daily reconciliation, the price summary as XLSX.

The redemptions are the owner's only (another merchant's shop is 404, as a missing one);
the price summary is the officials' of the area, as its JSON form
(``/cities/{city}/prices/summary``), with the same query.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Response

from lifecircle.api.deps import EngineDep, MerchantUser, ScopeDep
from lifecircle.api.schemas.common import RowId, problems
from lifecircle.api.schemas.reports import (
    RedemptionTotalsPublic,
    ShopRedemptionPublic,
    ShopRedemptionsPublic,
)
from lifecircle.services.price_summary import price_summary, price_summary_xlsx
from lifecircle.services.reconciliation import MAX_LIMIT, shop_redemptions

router = APIRouter(tags=["reports"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/shops/{place_id}/redemptions", responses=problems(401, 403, 404))
def list_shop_redemptions(
    place_id: Annotated[RowId, Path(description="The shop (its place id).")],
    user: MerchantUser,
    engine: EngineDep,
    since: Annotated[
        datetime | None,
        Query(description="Period start, with its zone (default: today 00:00 +08:00)."),
    ] = None,
    until: Annotated[
        datetime | None,
        Query(description="Period end, excluded (default: the day after `since`, 00:00 +08:00)."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Most redemptions listed")] = 200,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Redemptions skipped")] = 0,
) -> ShopRedemptionsPublic:
    """One's shop's redemptions of a period (default: today) and their totals, in fen.

    For the daily reconciliation of the till: the list has undone redemptions too
    (`undone_at`); the totals count the live ones only.
    """
    found = shop_redemptions(
        engine=engine,
        user_id=user.id,
        place_id=place_id,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    t = found.totals
    return ShopRedemptionsPublic(
        place_id=found.place_id,
        since=found.since,
        until=found.until,
        totals=RedemptionTotalsPublic(
            count=t.count,
            spent_fen=t.spent_fen,
            discount_fen=t.discount_fen,
            pay_fen=found.pay_fen,
            undone=t.undone,
        ),
        total_items=t.count + t.undone,
        items=[
            ShopRedemptionPublic(
                id=i.redemption.id,
                claim_id=i.redemption.claim_id,
                coupon_id=i.redemption.coupon_id,
                title=i.title,
                code_tail=i.code_tail,
                spent_fen=i.redemption.spent_fen,
                discount_fen=i.redemption.discount_fen,
                pay_fen=i.redemption.spent_fen - i.redemption.discount_fen,
                redeemed_at=i.redemption.redeemed_at,
                undone_at=i.redemption.undone_at,
            )
            for i in found.items
        ],
    )


@router.get(
    "/cities/{city}/prices/summary.xlsx",  # noqa: FAST003 - ScopeDep reads {city}
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}, **problems(401, 403, 404)},
)
def price_summary_workbook(
    scope: ScopeDep,
    engine: EngineDep,
    since: Annotated[
        datetime | None,
        Query(description="Period start, with its zone (default: 30 days before `until`)."),
    ] = None,
    until: Annotated[
        datetime | None, Query(description="Period end, excluded (default: now).")
    ] = None,
    rise_pct: Annotated[
        int, Query(ge=0, le=1000, description="List items whose price rose more than this, in %.")
    ] = 10,
) -> Response:
    """The price summary (`/prices/summary`) as an XLSX workbook: figures, communities, rises."""
    summary = price_summary(engine=engine, scope=scope, since=since, until=until, rise_pct=rise_pct)
    name = f"prices-{summary.city}-{summary.area or 'city'}.xlsx"
    return Response(
        price_summary_xlsx(summary),
        media_type=XLSX,
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"prices.xlsx\"; filename*=UTF-8''{quote(name)}"
            ),
            "Cache-Control": "private, no-store",
        },
    )
