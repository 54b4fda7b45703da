"""Published prices (明码标价): merchants' price lists, residents' view, officials' summary.

``/shops/{place_id}/prices``: a merchant's own shop only (another's is 404, as a shop
that does not exist). ``/cities/{city}/places/{uid}/prices``: anyone, no login.
``/cities/{city}/prices/summary``: officials of the area, administrators.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Path, Query, status

from lifecircle.api.deps import EngineDep, MerchantUser, ScopeDep
from lifecircle.api.schemas.common import NO_CONTROL, CityName, RowId, problems
from lifecircle.api.schemas.prices import (
    CommunityPublishingPublic,
    PriceHistoryPublic,
    PriceItemCreate,
    PriceItemPublic,
    PriceItemUpdate,
    PriceList,
    PricePeriodPublic,
    PriceRisePublic,
    PriceSummaryPublic,
    ReplacementPublic,
    ShopPricesPublic,
)
from lifecircle.core.money import percent_text, yuan_from_fen
from lifecircle.services import prices
from lifecircle.services.price_summary import price_summary
from lifecircle.store.models import UID_LENGTH

if TYPE_CHECKING:
    from lifecircle.store.prices import Item

router = APIRouter(tags=["prices"])

PlaceId = Annotated[RowId, Path(description="The shop's place id (one of one's places).")]
ItemId = Annotated[RowId, Path(description="An item's id.")]
Uid = Annotated[
    str,
    Path(
        min_length=1,
        max_length=UID_LENGTH,
        pattern=NO_CONTROL,
        description="The place's uid (`osm:node/123`; its `/` may stay unescaped).",
    ),
]


def item_public(item: Item) -> PriceItemPublic:
    """The API's view of an item: fen with yuan beside."""
    return PriceItemPublic(
        id=item.id,
        name=item.name,
        spec=item.spec,
        category=item.category,
        barcode=item.barcode,
        price_fen=item.price_fen,
        price_yuan=yuan_from_fen(item.price_fen),
        updated_at=item.updated_at,
        withdrawn_at=item.withdrawn_at,
    )


def _draft(body: PriceItemCreate, prefix: str = "body.") -> prices.ItemDraft:
    fen = prices.price_of(
        price_fen=body.price_fen, price_yuan=body.price_yuan, field=f"{prefix}price_fen"
    )
    return prices.ItemDraft(
        name=body.name,
        spec=body.spec,
        price_fen=fen,
        category=body.category,
        barcode=body.barcode,
    )


@router.get("/shops/{place_id}/prices", responses=problems(401, 403, 404))
def read_shop_prices(
    place_id: PlaceId,
    user: MerchantUser,
    engine: EngineDep,
    withdrawn: Annotated[bool, Query(description="Also the withdrawn items (last).")] = False,
) -> list[PriceItemPublic]:
    """The items of one's shop, by category, name and specification."""
    found = prices.shop_items(
        engine=engine, user_id=user.id, place_id=place_id, withdrawn=withdrawn
    )
    return [item_public(i) for i in found]


@router.post(
    "/shops/{place_id}/prices",
    status_code=status.HTTP_201_CREATED,
    responses=problems(401, 403, 404, 409),
)
def publish_price(
    place_id: PlaceId, body: PriceItemCreate, user: MerchantUser, engine: EngineDep
) -> PriceItemPublic:
    """Publish an item of one's shop (409 if it publishes that name and specification)."""
    item = prices.publish_item(
        engine=engine, user_id=user.id, place_id=place_id, draft=_draft(body), prefix="body."
    )
    return item_public(item)


@router.put("/shops/{place_id}/prices", responses=problems(401, 403, 404))
def replace_prices(
    place_id: PlaceId, body: PriceList, user: MerchantUser, engine: EngineDep
) -> ReplacementPublic:
    """Replace one's shop's price list, all or nothing.

    Items matched by name and specification are updated, new ones published, live items
    not in the list withdrawn.
    """
    drafts = [_draft(item, f"body.items.{i}.") for i, item in enumerate(body.items)]
    done = prices.replace_items(
        engine=engine, user_id=user.id, place_id=place_id, drafts=drafts, field="body.items"
    )
    return ReplacementPublic(
        created=done.created,
        updated=done.updated,
        withdrawn=done.withdrawn,
        unchanged=done.unchanged,
        items=[item_public(i) for i in done.items],
    )


@router.patch("/shops/{place_id}/prices/{item_id}", responses=problems(401, 403, 404, 409))
def update_price(
    place_id: PlaceId,
    item_id: ItemId,
    body: PriceItemUpdate,
    user: MerchantUser,
    engine: EngineDep,
) -> PriceItemPublic:
    """Change an item's price or text; a new price starts a new period of its history."""
    changes = body.model_dump(include=body.model_fields_set - {"price_fen", "price_yuan"})
    if body.model_fields_set & {"price_fen", "price_yuan"}:
        changes["price_fen"] = prices.price_of(
            price_fen=body.price_fen, price_yuan=body.price_yuan, field="body.price_fen"
        )
    item = prices.update_item(
        engine=engine,
        user_id=user.id,
        place_id=place_id,
        item_id=item_id,
        changes=changes,
        prefix="body.",
    )
    return item_public(item)


@router.delete(
    "/shops/{place_id}/prices/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 403, 404),
)
def withdraw_price(
    place_id: PlaceId, item_id: ItemId, user: MerchantUser, engine: EngineDep
) -> None:
    """Withdraw an item: residents no longer see it; its history stays."""
    prices.withdraw_item(engine=engine, user_id=user.id, place_id=place_id, item_id=item_id)


@router.get("/cities/{city}/places/{uid:path}/prices", responses=problems(404))
def read_place_prices(
    city: Annotated[CityName, Path(description="City name.")], uid: Uid, engine: EngineDep
) -> ShopPricesPublic:
    """A place's current published prices (anyone, no login)."""
    shop = prices.public_prices(engine=engine, city=city, uid=uid)
    return ShopPricesPublic(
        place_id=shop.place_id,
        uid=shop.uid,
        name=shop.name,
        items=[item_public(i) for i in shop.items],
    )


@router.get("/cities/{city}/places/{uid:path}/prices/{item_id}/history", responses=problems(404))
def read_price_history(
    city: Annotated[CityName, Path(description="City name.")],
    uid: Uid,
    item_id: ItemId,
    engine: EngineDep,
) -> PriceHistoryPublic:
    """Every price an item of a place has had, oldest first (anyone, no login)."""
    found = prices.public_history(engine=engine, city=city, uid=uid, item_id=item_id)
    periods = [
        PricePeriodPublic(
            price_fen=p.price_fen,
            price_yuan=yuan_from_fen(p.price_fen),
            since=p.since,
            until=p.until,
        )
        for p in found.periods
    ]
    return PriceHistoryPublic(
        place_id=found.place_id, uid=found.uid, item=item_public(found.item), periods=periods
    )


def _pct(hundredths: int | None) -> str | None:
    return None if hundredths is None else percent_text(hundredths)


@router.get("/cities/{city}/prices/summary", responses=problems(401, 403, 404))  # noqa: FAST003 - ScopeDep reads {city}
def read_price_summary(
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
) -> PriceSummaryPublic:
    """Per community: shops, how many publish prices and the share; and the risen prices.

    An item is listed when its last price in force in the period exceeds its first by
    more than `rise_pct` % (the first: the price in force at `since`, or the first set
    after it for an item priced later).
    """
    summary = price_summary(engine=engine, scope=scope, since=since, until=until, rise_pct=rise_pct)
    return PriceSummaryPublic(
        city=summary.city,
        area=summary.area,
        since=summary.since,
        until=summary.until,
        rise_pct=summary.rise_pct,
        shops=summary.shops,
        publishing=summary.publishing,
        share_pct=_pct(summary.share_hundredths),
        communities=[
            CommunityPublishingPublic(
                code=c.code,
                name=c.name,
                shops=c.shops,
                publishing=c.publishing,
                share_pct=_pct(c.share_hundredths),
            )
            for c in summary.communities
        ],
        rises=[
            PriceRisePublic(
                place_id=r.place_id,
                uid=r.uid,
                shop_name=r.shop_name,
                community_code=r.community_code,
                item_id=r.item_id,
                name=r.name,
                spec=r.spec,
                old_fen=r.old_fen,
                old_yuan=yuan_from_fen(r.old_fen),
                new_fen=r.new_fen,
                new_yuan=yuan_from_fen(r.new_fen),
                old_since=r.old_since,
                new_since=r.new_since,
                rise_pct=percent_text(r.rise_hundredths),
            )
            for r in summary.rises
        ],
        rises_total=summary.rises_total,
    )
