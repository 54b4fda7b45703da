"""Shop ownership: which merchant account owns which place (one owner per place)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from lifecircle.errors import ConflictError, NotFoundError
from lifecircle.store.models import City, Place, PlaceCategory, PlaceOwner
from lifecircle.store.versions import touch_places

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class OwnedPlace:
    """A place with its city, categories and the time its owner took it over."""

    id: int
    uid: str
    city: str
    name: str | None
    lon: float
    lat: float
    categories: tuple[str, ...]
    since: datetime


def place_exists(session: Session, *, place_id: int) -> bool:
    """Whether a place with id ``place_id`` is stored."""
    return session.scalar(select(Place.id).where(Place.id == place_id)) is not None


def place_id_by_uid(session: Session, *, city_id: int, uid: str) -> int:
    """The id of a city's place by its uid (``osm:node/123``...).

    Raises
    ------
    NotFoundError
        If the city has no such place.

    """
    found = session.scalar(select(Place.id).where(Place.city_id == city_id, Place.uid == uid))
    if found is None:
        raise NotFoundError(f"no place {uid!r} in this city", field="place")
    return int(found)


def owner_of(session: Session, *, place_id: int) -> int | None:
    """The user id owning a place, or ``None``."""
    return session.scalar(select(PlaceOwner.user_id).where(PlaceOwner.place_id == place_id))


def city_owners(session: Session, *, city_id: int) -> dict[int, int]:
    """Each owned place of a city: its id to its owner's user id (shops are few)."""
    query = (
        select(PlaceOwner.place_id, PlaceOwner.user_id)
        .join(Place, Place.id == PlaceOwner.place_id)
        .where(Place.city_id == city_id)
    )
    return dict(session.execute(query).all())


@dataclass(frozen=True)
class Shop:
    """A place a merchant owns, as the merchants' features need it."""

    place_id: int
    city_id: int
    uid: str
    name: str | None
    owner_id: int
    community_code: str | None


def require_owned(session: Session, *, place_id: int, user_id: int) -> Shop:
    """The shop ``place_id`` if ``user_id`` owns it.

    Raises
    ------
    NotFoundError
        If the account owns no such place: whether the place exists, or whom it belongs
        to, is not said (a merchant learns nothing of another's shop).

    """
    row = session.execute(
        select(Place.id, Place.city_id, Place.uid, Place.name, PlaceOwner.community_code)
        .join(PlaceOwner, PlaceOwner.place_id == Place.id)
        .where(Place.id == place_id, PlaceOwner.user_id == user_id)
    ).first()
    if row is None:
        raise NotFoundError(f"you own no shop with id {place_id}", field="place_id")
    return Shop(
        place_id=row[0],
        city_id=row[1],
        uid=row[2],
        name=row[3],
        owner_id=user_id,
        community_code=row[4],
    )


def shop_of(session: Session, *, place_id: int) -> Shop | None:
    """The shop ``place_id`` with its owner, or ``None`` if nobody owns the place."""
    row = session.execute(
        select(
            Place.id,
            Place.city_id,
            Place.uid,
            Place.name,
            PlaceOwner.user_id,
            PlaceOwner.community_code,
        )
        .join(PlaceOwner, PlaceOwner.place_id == Place.id)
        .where(Place.id == place_id)
    ).first()
    if row is None:
        return None
    return Shop(
        place_id=row[0],
        city_id=row[1],
        uid=row[2],
        name=row[3],
        owner_id=row[4],
        community_code=row[5],
    )


def set_community(session: Session, *, place_id: int, community_code: str | None) -> None:
    """File an owned place under a community (when it is given or moved)."""
    session.execute(
        update(PlaceOwner)
        .where(PlaceOwner.place_id == place_id)
        .values(community_code=community_code)
    )


def set_owner(session: Session, *, place_id: int, user_id: int) -> None:
    """Make ``user_id`` the owner of a place (nothing changes if it is already).

    The place is stamped with a new places version: nearby search shows it verified.

    Raises
    ------
    NotFoundError
        If there is no such place.
    ConflictError
        If another account owns it.

    """
    if not place_exists(session, place_id=place_id):
        raise NotFoundError(f"no place with id {place_id}", field="place_id")
    owner = owner_of(session, place_id=place_id)
    if owner == user_id:
        return
    taken = ConflictError(f"place {place_id} has another owner", field="place_id")
    if owner is not None:
        raise taken
    try:
        with session.begin_nested():
            session.add(PlaceOwner(place_id=place_id, user_id=user_id))
            session.flush()
    except IntegrityError:  # claimed by another transaction in between
        raise taken from None
    touch_places(session, place_ids=[place_id])


def remove_owner(session: Session, *, place_id: int, user_id: int) -> bool:
    """End ``user_id``'s ownership of a place; whether they owned it (then it is touched)."""
    result = session.execute(
        delete(PlaceOwner).where(PlaceOwner.place_id == place_id, PlaceOwner.user_id == user_id)
    )
    removed = bool(getattr(result, "rowcount", 0))
    if removed:
        touch_places(session, place_ids=[place_id])
    return removed


def owned_places(session: Session, *, user_id: int) -> list[OwnedPlace]:
    """The places ``user_id`` owns, by city then uid, with their category codes."""
    rows = session.execute(
        select(Place.id, Place.uid, City.name, Place.name, Place.lon, Place.lat, PlaceOwner.since)
        .join(PlaceOwner, PlaceOwner.place_id == Place.id)
        .join(City, City.id == Place.city_id)
        .where(PlaceOwner.user_id == user_id)
        .order_by(City.name, Place.uid)
    ).all()
    codes: dict[int, list[str]] = {row[0]: [] for row in rows}
    if codes:
        for place_id, code in session.execute(
            select(PlaceCategory.place_id, PlaceCategory.code)
            .where(PlaceCategory.place_id.in_(list(codes)))
            .order_by(PlaceCategory.code)
        ):
            codes[place_id].append(code)
    return [
        OwnedPlace(
            id=pid,
            uid=uid,
            city=city,
            name=name,
            lon=lon,
            lat=lat,
            categories=tuple(codes[pid]),
            since=since,
        )
        for pid, uid, city, name, lon, lat, since in rows
    ]
