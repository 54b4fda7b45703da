"""Near-expiry offers for residents (free, no account): on a place's page and within a walk.

An offer shows while its batch is in stock, not sold or removed, and in its warning
window (near expiry, not yet expired), on the local date (Asia/Shanghai). The walk uses
the residents' search engine (:mod:`lifecircle.services.residents.index`): the same
snapped point, the same bounded search over the city's live index, kept to the places
that have offers, nearest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lifecircle.core.walk.impedance import minutes_from_metres
from lifecircle.errors import NotFoundError, ValidationError
from lifecircle.services.residents.nearby import MAX_MINUTES
from lifecircle.services.residents.points import point_in, points_out, walking_profile
from lifecircle.services.stock.batches import today_local
from lifecircle.store import stock
from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope
from lifecircle.store.owners import place_id_by_uid

if TYPE_CHECKING:
    from datetime import date

    from sqlalchemy.engine import Engine

    from lifecircle.services.residents.index import LiveIndex
    from lifecircle.store.stock import Batch

MAX_OFFERS = 500
"""Most offers one answer lists."""


@dataclass(frozen=True)
class Offer:
    """One near-expiry offer as residents see it (money in fen)."""

    batch_id: int
    place: str
    place_name: str | None
    product: str
    quantity: int
    expiry_date: date
    days_left: int
    price_fen: int
    regular_price_fen: int | None
    discount_pct: int | None


@dataclass(frozen=True)
class NearbyOffer:
    """An offer within the walk, with where the place is and how far."""

    offer: Offer
    lon: float
    lat: float
    metres: float
    minutes: float


@dataclass(frozen=True)
class NearbyOffers:
    """The offers within ``minutes`` of the point, nearest first."""

    city: str
    crs: str
    lon: float
    lat: float
    minutes: float
    profile: str
    speed_kmh: float
    day: date
    total: int
    offers: tuple[NearbyOffer, ...]


def _offer(batch: Batch, uid: str, name: str | None, day: date) -> Offer:
    assert batch.offer_price_fen is not None  # live offers have a price
    return Offer(
        batch_id=batch.id,
        place=uid,
        place_name=name,
        product=batch.product,
        quantity=batch.quantity,
        expiry_date=batch.expiry_date,
        days_left=(batch.expiry_date - day).days,
        price_fen=batch.offer_price_fen,
        regular_price_fen=batch.offer_regular_fen,
        discount_pct=batch.offer_discount_pct,
    )


def place_offers(*, engine: Engine, city: str, uid: str, day: date | None = None) -> list[Offer]:
    """The near-expiry offers of one place of a city, soonest expiry first.

    Raises
    ------
    NotFoundError
        If the city or the place does not exist.

    """
    day = day or today_local()
    with session_scope(engine) as session:
        try:
            city_id = get_city(session, name=city).id
        except NotFoundError as exc:
            raise NotFoundError(str(exc), field="city") from None
        place_id = place_id_by_uid(session, city_id=city_id, uid=uid)
        rows = stock.live_offers(session, city_id=city_id, today=day, place_ids=[place_id])
    return [_offer(b, u, n, day) for b, u, n in rows]


def nearby_offers(
    live: LiveIndex,
    *,
    city: str,
    lon: float,
    lat: float,
    crs: str = "wgs84",
    minutes: float = 15.0,
    profile: str = "adult",
    day: date | None = None,
    limit: int = 100,
) -> NearbyOffers:
    """Near-expiry offers at places within ``minutes`` of walking, nearest first.

    Raises
    ------
    OffNetworkError
        If the point is too far from every street.
    NotFoundError, DataError, ValidationError
        Unknown city, a city without network, a parameter out of range.

    """
    walker = walking_profile(profile)
    if not 0.0 < minutes <= MAX_MINUTES:
        raise ValidationError(f"minutes: {minutes:g} is outside 0-{MAX_MINUTES:g} minutes")
    if not 1 <= limit <= MAX_OFFERS:
        raise ValidationError(f"limit: {limit} is outside 1-{MAX_OFFERS}")
    day = day or today_local()
    w_lon, w_lat = point_in(lon, lat, crs)
    index = live.city(city)
    with session_scope(live.engine) as session:
        rows = stock.live_offers(session, city_id=index.city_id, today=day)
    by_place: dict[int, list[Offer]] = {}
    for batch, uid, name in rows:
        by_place.setdefault(batch.place_id, []).append(_offer(batch, uid, name, day))
    limit_m = walker.metres(minutes)
    with index.lock:
        origin = index.snap_origin(w_lon, w_lat)
        slots, metres = index.searcher.near(index.index, origin, limit_m)
        place_ids = index.places.place_id[slots]
        keep = np.isin(place_ids, np.fromiter(by_place, dtype=np.int64, count=len(by_place)))
        order = np.argsort(metres[keep], kind="stable")  # nearest first
        slots, metres, place_ids = slots[keep][order], metres[keep][order], place_ids[keep][order]
        x, y = points_out(index.places.lon[slots], index.places.lat[slots], crs)
    found = [
        NearbyOffer(
            offer=offer,
            lon=float(x[i]),
            lat=float(y[i]),
            metres=float(metres[i]),
            minutes=minutes_from_metres(float(metres[i]), speed_kmh=walker.speed_kmh),
        )
        for i, pid in enumerate(place_ids.tolist())
        for offer in by_place[int(pid)]
    ]
    return NearbyOffers(
        city=index.name,
        crs=crs.strip().lower(),
        lon=lon,
        lat=lat,
        minutes=minutes,
        profile=profile,
        speed_kmh=walker.speed_kmh,
        day=day,
        total=len(found),
        offers=tuple(found[:limit]),
    )
