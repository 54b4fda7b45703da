"""Near-expiry stock (临期): merchants' batches and offers, residents' offers, officials' counts.

A merchant acts on their own shops only (``/shops/{place_id}/...``: another's shop is
404); residents read offers freely, without an account; officials (market regulation)
read per-community counts of their area.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, Path, Query, status

from lifecircle.api.deps import EngineDep, MerchantUser, ScopeDep
from lifecircle.api.routers.residents import LiveDep
from lifecircle.api.schemas.common import CityName, RowId, problems
from lifecircle.api.schemas.stock import (
    BandPublic,
    BatchCreate,
    BatchPublic,
    BatchUpdate,
    CommunityExpiryPublic,
    ExpiryListPublic,
    ExpirySummaryPublic,
    ExpiryTablePublic,
    FoodClassPublic,
    LadderStepPublic,
    LapsingShopPublic,
    NearbyOfferPublic,
    NearbyOffersPublic,
    OfferCreate,
    OfferPublic,
)
from lifecircle.errors import DataError, ValidationError
from lifecircle.io.expiry import load_expiry_table
from lifecircle.services.residents.nearby import MAX_MINUTES
from lifecircle.services.stock import batches, offers, summary

if TYPE_CHECKING:
    from collections.abc import Iterator

    from lifecircle.services.stock.batches import BatchStatus

router = APIRouter(tags=["stock"])

PlaceId = Annotated[RowId, Path(description="The shop's place id.")]
BatchId = Annotated[RowId, Path(description="The batch's id.")]
DayQuery = Annotated[
    date | None,
    Query(
        alias="date",
        ge=date(2000, 1, 1),
        le=date(2199, 12, 31),
        description="Local date (default today).",
    ),
]
_MERCHANT = problems(401, 403, 404)


def batch_public(s: BatchStatus) -> BatchPublic:
    """The API's view of a batch's status."""
    b = s.batch
    return BatchPublic(
        id=b.id,
        place_id=b.place_id,
        product=b.product,
        barcode=b.barcode,
        quantity=b.quantity,
        food_class=b.food_class,
        production_date=b.production_date,
        shelf_life_days=b.shelf_life_days,
        expiry_date=b.expiry_date,
        lead_days=b.lead_days,
        lead_basis=b.lead_basis,
        warn_from=b.warn_from,
        state=b.state,
        closed_at=b.closed_at,
        stage=s.stage.value,
        days_left=s.days_left,
        suggested_discount_pct=s.suggested_discount_pct,
        offer_price_fen=b.offer_price_fen,
        offer_regular_fen=b.offer_regular_fen,
        offer_discount_pct=b.offer_discount_pct,
        offered_at=b.offered_at,
        offer_live=s.offer_live,
        created_at=b.created_at,
    )


@router.get("/stock/food-classes", responses=problems())
def read_expiry_table() -> ExpiryTablePublic:
    """The near-expiry table in use: classes, lead days, ladders and its basis (free)."""
    table = load_expiry_table()
    return ExpiryTablePublic(
        name=table.name,
        basis=table.basis,
        classes=[
            FoodClassPublic.model_validate(c, from_attributes=True) for c in table.classes.values()
        ],
        bands=[
            BandPublic(
                shelf_life_min_days=b.min_days,
                shelf_life_max_days=b.max_days,
                lead_days_min=b.lead_min,
                lead_days_max=b.lead_max,
                ladder=b.ladder,
                examples=b.examples,
            )
            for b in table.bands
        ],
        ladders={
            name: [
                LadderStepPublic(at_lead_pct=s.at_lead_pct, discount_pct=s.discount_pct)
                for s in ladder.steps
            ]
            for name, ladder in table.ladders.items()
        },
    )


@router.post("/shops/{place_id}/batches", status_code=status.HTTP_201_CREATED, responses=_MERCHANT)
def create_batch(
    place_id: PlaceId, body: BatchCreate, user: MerchantUser, engine: EngineDep
) -> BatchPublic:
    """Record a batch in one's own shop (expiry date, or production date and shelf life)."""
    made = batches.create_batch(
        engine=engine,
        user_id=user.id,
        place_id=place_id,
        product=body.product,
        quantity=body.quantity,
        food_class=body.food_class,
        barcode=body.barcode,
        expiry_date=body.expiry_date,
        production_date=body.production_date,
        shelf_life_days=body.shelf_life_days,
    )
    return batch_public(made)


@router.get("/shops/{place_id}/batches", responses=_MERCHANT)
def list_batches(
    place_id: PlaceId,
    user: MerchantUser,
    engine: EngineDep,
    state: Annotated[
        Literal["active", "sold", "removed"] | None, Query(description="Only this state.")
    ] = None,
) -> list[BatchPublic]:
    """One's shop's batches, soonest expiry first."""
    found = batches.shop_batches(engine=engine, user_id=user.id, place_id=place_id, state=state)
    return [batch_public(s) for s in found]


@router.patch("/shops/{place_id}/batches/{batch_id}", responses=problems(401, 403, 404, 409))
def change_batch(
    place_id: PlaceId, batch_id: BatchId, body: BatchUpdate, user: MerchantUser, engine: EngineDep
) -> BatchPublic:
    """Change a batch's quantity, or mark it sold or removed (its offer ends)."""
    changed = batches.change_batch(
        engine=engine,
        user_id=user.id,
        place_id=place_id,
        batch_id=batch_id,
        quantity=body.quantity,
        state=body.state,
    )
    return batch_public(changed)


@router.get("/shops/{place_id}/expiry", responses=_MERCHANT)
def read_expiry_list(
    place_id: PlaceId, user: MerchantUser, engine: EngineDep, day: DayQuery = None
) -> ExpiryListPublic:
    """The daily list: near-expiry (临期) and expired (已过期) batches, suggested discounts."""
    found = batches.expiry_list(engine=engine, user_id=user.id, place_id=place_id, day=day)
    return ExpiryListPublic(
        place_id=found.place_id,
        date=found.day,
        near_expiry=[batch_public(s) for s in found.near_expiry],
        expired=[batch_public(s) for s in found.expired],
        basis=found.basis,
    )


@router.post("/shops/{place_id}/batches/{batch_id}/offer", responses=problems(401, 403, 404, 409))
def publish_offer(
    place_id: PlaceId, batch_id: BatchId, body: OfferCreate, user: MerchantUser, engine: EngineDep
) -> BatchPublic:
    """Publish a near-expiry offer: a price, or a discount off the regular price."""
    offered = batches.publish_offer(
        engine=engine,
        user_id=user.id,
        place_id=place_id,
        batch_id=batch_id,
        price_fen=body.price_fen,
        regular_price_fen=body.regular_price_fen,
        discount_pct=body.discount_pct,
    )
    return batch_public(offered)


def _offer_public(o: offers.Offer) -> OfferPublic:
    return OfferPublic.model_validate(o, from_attributes=True)


@router.get("/cities/{city}/places/{uid:path}/offers", responses=problems(404))
def read_place_offers(
    city: Annotated[CityName, Path(description="City name.")],
    uid: Annotated[str, Path(min_length=1, max_length=200, description="The place's uid.")],
    engine: EngineDep,
) -> list[OfferPublic]:
    """A place's near-expiry offers (free, no account needed)."""
    return [_offer_public(o) for o in offers.place_offers(engine=engine, city=city, uid=uid)]


@contextmanager
def _walking() -> Iterator[None]:
    """A city without a network is a problem of the request (422), as for ``/nearby``."""
    try:
        yield
    except ValidationError as exc:
        if exc.field is None:
            raise ValidationError(str(exc), field="query.lon") from exc
        raise
    except DataError as exc:
        raise ValidationError(str(exc), field="path.city") from exc


@router.get("/cities/{city}/offers/nearby", responses=problems(404))
def read_nearby_offers(
    live: LiveDep,
    city: Annotated[CityName, Path(description="City name.")],
    lon: Annotated[float, Query(ge=-180, le=180, description="Longitude, degrees")],
    lat: Annotated[float, Query(ge=-90, le=90, description="Latitude, degrees")],
    minutes: Annotated[
        float, Query(gt=0, le=MAX_MINUTES, description="Walking time, minutes (0-60]")
    ] = 15.0,
    crs: Annotated[
        Literal["wgs84", "gcj02", "bd09"],
        Query(description="Coordinate system of the point and the answer"),
    ] = "wgs84",
    profile: Annotated[
        Literal["adult", "elderly"], Query(description="adult 4.0 km/h, elderly 3.2 km/h")
    ] = "adult",
    limit: Annotated[
        int, Query(ge=1, le=offers.MAX_OFFERS, description="Most offers listed")
    ] = 100,
) -> NearbyOffersPublic:
    """Near-expiry offers within a walk of a point, nearest first (free, no account needed)."""
    with _walking():
        found = offers.nearby_offers(
            live,
            city=city,
            lon=lon,
            lat=lat,
            crs=crs,
            minutes=minutes,
            profile=profile,
            limit=limit,
        )
    return NearbyOffersPublic(
        city=found.city,
        crs=found.crs,
        lon=found.lon,
        lat=found.lat,
        minutes=found.minutes,
        profile=found.profile,
        speed_kmh=found.speed_kmh,
        date=found.day,
        total=found.total,
        offers=[
            NearbyOfferPublic(
                **_offer_public(n.offer).model_dump(),
                lon=n.lon,
                lat=n.lat,
                metres=n.metres,
                minutes=n.minutes,
            )
            for n in found.offers
        ],
    )


@router.get("/cities/{city}/expiry/summary", responses=problems(401, 403, 404))  # noqa: FAST003 - ScopeDep reads {city}
def read_expiry_summary(
    scope: ScopeDep, engine: EngineDep, day: DayQuery = None
) -> ExpirySummaryPublic:
    """Per community: expired batches still in stock, lapses, shops with repeated lapses."""
    found = summary.expiry_summary(engine=engine, scope=scope, day=day)
    return ExpirySummaryPublic(
        city=found.city,
        area=found.area,
        date=found.day,
        window_days=found.window_days,
        repeat_lapses=found.repeat_lapses,
        communities=[
            CommunityExpiryPublic.model_validate(c, from_attributes=True) for c in found.communities
        ],
        shops=[LapsingShopPublic.model_validate(s, from_attributes=True) for s in found.shops],
    )
