"""A shop's public page, and its owner's edits.

The page of any place of a city (``/cities/{city}/places/{uid}``) shows its name,
categories with their Chinese names, address, position, opening hours and whether it
is open now in China Standard Time, the services offered and, only for a shop with an
owner (``verified``), its phone. The owner edits the shop (``PATCH /shops/{id}``): every
edit bumps the city's places version, so nearby search in every worker follows at once,
a move files the shop under the community it moved to, and the audit log keeps the
shop before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from lifecircle.core.assess.opening_hours import week_spans
from lifecircle.errors import ValidationError
from lifecircle.io.places.taxonomy import load_taxonomy
from lifecircle.services.residents.communities import community_at
from lifecircle.services.residents.points import checked_crs, local_moment, opening, points_out
from lifecircle.services.shop_fields import (
    SERVICES,
    checked_categories,
    checked_hours,
    checked_position,
    checked_services,
    weekly_intervals,
)
from lifecircle.store import owners, shops
from lifecircle.store.audit import Actor, record_change
from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope
from lifecircle.store.models import City, Place
from lifecircle.store.places import replace_place_categories
from lifecircle.store.versions import touch_places

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import datetime

    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from lifecircle.services.accounts import Account
    from lifecircle.store.rows import CategoryRow

SHOP_ZONE = ZoneInfo("Asia/Shanghai")
"""Opening hours are read in China Standard Time."""


@dataclass(frozen=True)
class Named:
    """A code with its Chinese (and English) name."""

    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class PlacePage:
    """A place's public page; ``phone`` only for a shop with an owner (``verified``)."""

    id: int
    uid: str
    city: str
    name: str | None
    address: str | None
    lon: float
    lat: float
    crs: str
    categories: tuple[Named, ...]
    opening_hours: str | None
    open_now: bool | None
    next_opening: datetime | None
    closes_at: datetime | None
    services: tuple[Named, ...]
    phone: str | None
    verified: bool


SERVICES_EN = {
    "bill_payment": "bill payment",
    "parcel_collection": "parcel collection",
    "home_service": "home service",
    "rental": "rental",
    "pickup": "pickup",
    "open_24h": "open 24 hours",
}


def services_named(codes: Sequence[str]) -> tuple[Named, ...]:
    """Service codes with their names, in the list's order."""
    return tuple(Named(c, SERVICES[c], SERVICES_EN[c]) for c in SERVICES if c in codes)


def place_page(
    *, engine: Engine, city: str, uid: str, crs: str = "wgs84", at: datetime | None = None
) -> PlacePage:
    """The public page of the place ``uid`` of ``city``.

    Raises
    ------
    NotFoundError
        If the city or the place does not exist.
    ValidationError
        If ``crs`` is unknown or ``at`` has no time zone.

    """
    crs = checked_crs(crs)
    moment = local_moment(at, SHOP_ZONE)
    with session_scope(engine) as session:
        found = get_city(session, name=city)
        place_id = owners.place_id_by_uid(session, city_id=found.id, uid=uid)
        place = session.get(Place, place_id)
        assert place is not None
        codes = shops.place_category_codes(session, place_id=place_id)
        profile = shops.get_profile(session, place_id=place_id)
        owned = owners.owner_of(session, place_id=place_id) is not None
        taxonomy = load_taxonomy(found.taxonomy)
        lon, lat = points_out([place.lon], [place.lat], crs)
        intervals = weekly_intervals(place.opening_hours_weekly)
        state = opening(None if intervals is None else week_spans(intervals), moment)
        by_code = taxonomy.by_code
        return PlacePage(
            id=place.id,
            uid=place.uid,
            city=found.name,
            name=place.name,
            address=place.address,
            lon=float(lon[0]),
            lat=float(lat[0]),
            crs=crs,
            categories=tuple(
                Named(c, by_code[c].name_zh, by_code[c].name_en) if c in by_code else Named(c, c, c)
                for c in codes
            ),
            opening_hours=place.opening_hours,
            open_now=state.open_now,
            next_opening=state.next_opening,
            closes_at=state.closes_at,
            services=services_named(profile.services),
            phone=profile.phone if owned else None,
            verified=owned,
        )


@dataclass(frozen=True)
class ShopChanges:
    """What an owner changes; fields left ``None`` (and ``position`` ``None``) stay."""

    name: str | None = None
    address: str | None = None
    phone: str | None = None
    opening_hours: str | None = None
    weekly_hours: Mapping[str, Sequence[str]] | None = None
    services: Sequence[str] | None = None
    categories: Sequence[str] | None = None
    position: tuple[float, float, str] | None = None
    """``(lon, lat, crs)``."""
    cleared: frozenset[str] = frozenset()
    """Fields set to nothing: ``address``, ``phone``, ``opening_hours``."""


def _shop_record(session: Session, place: Place) -> dict[str, Any]:
    profile = shops.get_profile(session, place_id=place.id)
    return {
        "uid": place.uid,
        "name": place.name,
        "address": place.address,
        "lon": place.lon,
        "lat": place.lat,
        "opening_hours": place.opening_hours,
        "categories": list(shops.place_category_codes(session, place_id=place.id)),
        "services": list(profile.services),
        "phone": profile.phone,
    }


def update_shop(
    *, engine: Engine, account: Account, place_id: int, changes: ShopChanges
) -> PlacePage:
    """Change one's shop; the answer is its page as the owner sees it.

    Raises
    ------
    NotFoundError
        If the account owns no shop ``place_id`` (another's shop is not told apart).
    ValidationError
        Naming the field, as for a new shop.

    """
    with session_scope(engine) as session:
        shop = owners.require_owned(session, place_id=place_id, user_id=account.id)
        city = session.get(City, shop.city_id)
        assert city is not None
        city_name, taxonomy = city.name, city.taxonomy
    categories = None
    if changes.categories is not None:
        categories = checked_categories(taxonomy, changes.categories)
    services = None if changes.services is None else checked_services(changes.services)
    hours = None
    if changes.opening_hours is not None or changes.weekly_hours is not None:
        hours = checked_hours(changes.opening_hours, changes.weekly_hours)
    if changes.name is not None and not changes.name.strip():
        raise ValidationError("name: a shop needs a name", field="name")
    moved = None
    if changes.position is not None:
        lon, lat, crs = changes.position
        moved = checked_position(lon, lat, crs)
    code = shop.community_code
    if moved is not None:
        code = community_at(engine=engine, city=city_name, lon=moved[0], lat=moved[1])
    with session_scope(engine, write=True) as session:
        shop = owners.require_owned(session, place_id=place_id, user_id=account.id)
        place = session.get(Place, place_id)
        assert place is not None
        before = _shop_record(session, place)
        if changes.name is not None:
            place.name = changes.name.strip()
        if changes.address is not None or "address" in changes.cleared:
            place.address = changes.address
        if hours is not None or "opening_hours" in changes.cleared:
            place.opening_hours = None if hours is None else hours.text
            place.opening_hours_weekly = None if hours is None else hours.weekly
        if moved is not None:
            place.lon, place.lat = moved
            owners.set_community(session, place_id=place_id, community_code=code)
        session.flush()
        if categories is not None:
            rows: list[CategoryRow] = [{"code": c, "rule": "merchant"} for c in categories]
            replace_place_categories(session, categories={place_id: rows})
        if services is not None or changes.phone is not None or "phone" in changes.cleared:
            profile = shops.get_profile(session, place_id=place_id)
            shops.set_profile(
                session,
                place_id=place_id,
                phone=changes.phone
                if changes.phone is not None or "phone" in changes.cleared
                else profile.phone,
                services=profile.services if services is None else services,
            )
        touch_places(session, place_ids=[place_id])  # nearby search follows at once
        session.refresh(place)
        after = _shop_record(session, place)
        record_change(
            session,
            city_id=shop.city_id,
            actor=Actor(id=account.id, role=account.role.value),
            entity="shop",
            entity_id=place_id,
            action="update",
            before=before,
            after=after,
            place_id=place_id,
            community_code=code,
        )
        uid = place.uid
    return place_page(engine=engine, city=city_name, uid=uid)
