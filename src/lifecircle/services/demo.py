"""Sample accounts for trying the platform on the demo city (``lifecircle serve --demo``).

Made only when asked for, named ``demo-…`` (a prefix nobody can register), each with a
new random password shown once: asking again replaces them, so their old passwords and
tokens end. The merchant owns one real OpenStreetMap shop of the city.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from lifecircle.errors import NotFoundError
from lifecircle.services import accounts, security
from lifecircle.services.ownership import grant_place
from lifecircle.store.accounts import delete_user, find_user
from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope
from lifecircle.store.models import ImportKind, ImportRun, Role
from lifecircle.store.places import list_places

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from lifecircle.store.places import StoredPlace

DEMO_ACCOUNTS = (
    ("demo-resident", Role.RESIDENT, "示例居民 sample resident"),
    ("demo-merchant", Role.MERCHANT, "示例商户 sample merchant"),
    ("demo-official", Role.OFFICIAL, "示例官员 sample official"),
)
"""User name, role and display name of each sample account."""

SHOP_CATEGORIES = ("convenience_store", "supermarket", "fresh_grocery", "pharmacy")
"""The demo merchant's shop: the first category of these the city has a named OSM place in."""


@dataclass(frozen=True)
class DemoAccount:
    """A sample account and its password (shown once), with the merchant's shop."""

    username: str
    role: Role
    password: str
    city: str
    place: str | None


def _osm_sources(session: Session, *, city_id: int) -> frozenset[str]:
    """The names of the city's place sources imported from OpenStreetMap files."""
    query = select(ImportRun.options).where(
        ImportRun.city_id == city_id,
        ImportRun.kind == ImportKind.PLACES,
        ImportRun.format == "osm",
    )
    return frozenset(str(o.get("source")) for o in session.scalars(query) if o.get("source"))


def _shop(places: list[StoredPlace], osm_sources: frozenset[str]) -> StoredPlace:
    named = [p for p in places if p.name and p.source_names & osm_sources]
    for category in SHOP_CATEGORIES:
        found = [p for p in named if category in p.categories]
        if found:
            return min(found, key=lambda p: p.uid)  # the same shop every time
    if named:
        return min(named, key=lambda p: p.uid)
    raise NotFoundError("the demo city has no named OpenStreetMap place for the merchant")


def create_demo_accounts(*, engine: Engine, city: str) -> list[DemoAccount]:
    """Create (or replace) the sample resident, merchant and official of ``city``.

    Parameters
    ----------
    engine
        Database (migrated) holding the city with its places.
    city
        The demo city, e.g. ``helsinki`` after ``make run``.

    Returns
    -------
    list of DemoAccount
        Resident, merchant and official, with their new passwords.

    Raises
    ------
    NotFoundError
        If the city does not exist or has no named OpenStreetMap place.

    """
    with session_scope(engine) as session:
        city_id = get_city(session, name=city).id
        shop = _shop(list_places(session, city_id=city_id), _osm_sources(session, city_id=city_id))
        for username, _, _ in DEMO_ACCOUNTS:
            old = find_user(session, username=username)
            if old is not None:
                delete_user(session, user_id=old.id)
    made = []
    for username, role, display_name in DEMO_ACCOUNTS:
        password = security.new_password()
        account = accounts.create_account(
            engine=engine,
            username=username,
            password=password,
            role=role,
            city=city,
            display_name=display_name,
            allow_reserved=True,
        )
        place = None
        if role == Role.MERCHANT:
            grant_place(engine=engine, user_id=account.id, place_id=shop.id)
            place = f"{shop.name} ({shop.uid})"
        made.append(DemoAccount(username, role, password, city, place))
    return made
