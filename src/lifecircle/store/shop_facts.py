"""What merchants add to places for nearby search: owner, services, offers and coupons.

Read with a city's changed places (:func:`lifecircle.store.versions.place_changes`), in
the same transaction and over the same places, so a process's live index holds them
beside names and positions and a search reads no table. Offers and coupons come with
their time windows rather than as counts: an offer ends by itself when its batch
expires and a coupon when its validity does, with no write to bump a version, so the
search counts those whose window holds the moment asked about. Everything that changes
them otherwise (a profile, an owner, an offer, a batch sold, a coupon paused, ended,
re-counted or claimed to the last) touches the place (:func:`~lifecircle.store.versions.
touch_places`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select

from lifecircle.store.coupons import Coupon, CouponShop, CouponStatus
from lifecircle.store.models import Place, PlaceOwner
from lifecircle.store.shops import ShopProfile
from lifecircle.store.stock import BatchState, StockBatch

if TYPE_CHECKING:
    from datetime import date, datetime

    from sqlalchemy.orm import Session
    from sqlalchemy.sql.elements import ColumnElement


@dataclass
class ShopFacts:
    """One place's merchant data.

    Attributes
    ----------
    verified
        A merchant owns the place.
    services
        Service codes of its profile (一店多能), as stored.
    offers
        Live near-expiry offers: ``(warn_from, expires_at)``, the local date the
        warning window opens and the UTC moment the batch expires.
    coupons
        Active coupons valid there with some left to claim: ``(valid_from, valid_until)``.

    """

    verified: bool = False
    services: tuple[str, ...] = ()
    offers: list[tuple[date, datetime]] = field(default_factory=list)
    coupons: list[tuple[datetime, datetime]] = field(default_factory=list)


def shop_facts(
    session: Session, *, scope: list[ColumnElement[bool]], now: datetime
) -> dict[int, ShopFacts]:
    """Merchant data of the places matching ``scope`` (conditions on :class:`Place`).

    Four indexed queries whatever the number of places; places with none are left out.
    Offers and coupons already over at ``now`` are left out (they never come back).
    """
    facts: dict[int, ShopFacts] = {}

    def of(pid: int) -> ShopFacts:
        found = facts.get(pid)
        if found is None:
            found = facts[pid] = ShopFacts()
        return found

    for (pid,) in session.execute(
        select(PlaceOwner.place_id).join(Place, Place.id == PlaceOwner.place_id).where(*scope)
    ):
        of(int(pid)).verified = True
    for pid, services in session.execute(
        select(ShopProfile.place_id, ShopProfile.services)
        .join(Place, Place.id == ShopProfile.place_id)
        .where(*scope)
    ):
        if services:
            of(int(pid)).services = tuple(str(s) for s in services)
    for pid, warn_from, expires_at in session.execute(
        select(StockBatch.place_id, StockBatch.warn_from, StockBatch.expires_at)
        .join(Place, Place.id == StockBatch.place_id)
        .where(
            *scope,
            StockBatch.state == BatchState.ACTIVE.value,
            StockBatch.offered_at.is_not(None),
            StockBatch.quantity > 0,
            StockBatch.expires_at > now,
        )
        .order_by(StockBatch.place_id, StockBatch.id)
    ):
        of(int(pid)).offers.append((warn_from, expires_at))
    for pid, valid_from, valid_until in session.execute(
        select(CouponShop.place_id, Coupon.valid_from, Coupon.valid_until)
        .join(Coupon, Coupon.id == CouponShop.coupon_id)
        .join(Place, Place.id == CouponShop.place_id)
        .where(
            *scope,
            Coupon.status == CouponStatus.ACTIVE.value,
            Coupon.claimed < Coupon.quantity,
            Coupon.valid_until > now,
        )
        .order_by(CouponShop.place_id, Coupon.id)
    ):
        of(int(pid)).coupons.append((valid_from, valid_until))
    return facts
