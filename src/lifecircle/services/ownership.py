"""Merchants' places: which shops a merchant account owns (one owner per place).

The minimal base of the merchants' features (prices, coupons, near-expiry offers): an
administrator (or the CLI) gives a place to a merchant, the merchant lists and may give
up their own, and nobody else's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lifecircle.errors import NotFoundError, ValidationError
from lifecircle.services.residents.communities import community_at
from lifecircle.services.security import normal_username
from lifecircle.store import owners
from lifecircle.store.accounts import find_user, get_user
from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope
from lifecircle.store.models import Role

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from lifecircle.store.owners import OwnedPlace


def my_places(*, engine: Engine, user_id: int) -> list[OwnedPlace]:
    """The places a merchant owns, by city then uid."""
    with session_scope(engine) as session:
        return owners.owned_places(session, user_id=user_id)


def _owned(places: list[OwnedPlace], place_id: int) -> OwnedPlace:
    return next(p for p in places if p.id == place_id)


def grant_place(*, engine: Engine, user_id: int, place_id: int) -> OwnedPlace:
    """Make a merchant the owner of a place.

    Raises
    ------
    NotFoundError
        If the user or the place does not exist.
    ValidationError
        If the user is not a merchant.
    ConflictError
        If another merchant owns the place.

    """
    with session_scope(engine) as session:
        if get_user(session, user_id=user_id).role != Role.MERCHANT:
            raise ValidationError("only a merchant's account owns places", field="user_id")
        owners.set_owner(session, place_id=place_id, user_id=user_id)
        owned = _owned(owners.owned_places(session, user_id=user_id), place_id)
    code = community_at(engine=engine, city=owned.city, lon=owned.lon, lat=owned.lat)
    with session_scope(engine) as session:
        owners.set_community(session, place_id=place_id, community_code=code)
    return owned


def grant_place_by_uid(*, engine: Engine, username: str, city: str, uid: str) -> OwnedPlace:
    """Give the place ``uid`` of ``city`` to the merchant ``username`` (CLI and demo).

    Raises
    ------
    NotFoundError, ValidationError, ConflictError
        As :func:`grant_place`.

    """
    with session_scope(engine) as session:
        user = find_user(session, username=normal_username(username))
        if user is None:
            raise NotFoundError(f"no user named {username!r}", field="username")
        place_id = owners.place_id_by_uid(session, city_id=get_city(session, name=city).id, uid=uid)
        user_id = user.id
    return grant_place(engine=engine, user_id=user_id, place_id=place_id)


def release_place(*, engine: Engine, user_id: int, place_id: int) -> None:
    """End ``user_id``'s ownership of a place.

    Raises
    ------
    NotFoundError
        If the user does not own that place (whether someone else does is not said).

    """
    with session_scope(engine) as session:
        if not owners.remove_owner(session, place_id=place_id, user_id=user_id):
            raise NotFoundError(f"the account owns no place with id {place_id}", field="place_id")
