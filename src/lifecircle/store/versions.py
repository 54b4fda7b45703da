"""The places version of a city: bumped by every write of its places, read to catch up.

Every transaction that writes a city's places (new rows, changed rows or categories, a
merge that deletes one) increases ``cities.places_version`` by one and stamps the places
it wrote with the new number; a deleted place leaves a ``place_removals`` row with it. A
process holding the places in memory (the residents' search, one per worker) reads the
version on each request and, when it moved, fetches only the rows stamped after the
number it holds (:func:`place_changes`).

The bump is an ``UPDATE`` of the city's row, so on PostgreSQL two writers of one city
wait for each other and versions commit in order (SQLite has one writer anyway): a
reader that sees version ``v`` sees every write stamped ``v`` or less. Reading the
changes after the version may return rows of a later version too; applying those again
at the next request does no harm.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, insert, select, update

from lifecircle.errors import NotFoundError
from lifecircle.store._bulk import IN_CHUNK, chunks
from lifecircle.store.models import Base, City, Place, PlaceCategory, PlaceRemoval, utc_now
from lifecircle.store.shop_facts import ShopFacts, shop_facts

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

CITIES = Base.metadata.tables["cities"]
PLACES = Base.metadata.tables["places"]


def bump_places_version(session: Session, *, city_id: int) -> int:
    """Increase a city's places version by one in the session's transaction; the new number.

    Raises
    ------
    NotFoundError
        If there is no city ``city_id``.

    """
    session.execute(
        update(CITIES)
        .where(CITIES.c.id == city_id)
        .values(places_version=CITIES.c.places_version + 1)
    )
    version = session.scalar(select(CITIES.c.places_version).where(CITIES.c.id == city_id))
    if version is None:
        raise NotFoundError(f"no city with id {city_id}")
    return int(version)


def touch_places(session: Session, *, place_ids: Iterable[int]) -> None:
    """Stamp places with a new version of their city (their categories or attributes changed).

    One bump per city the places belong to; unknown ids are ignored.
    """
    wanted = list(dict.fromkeys(place_ids))
    by_city: dict[int, list[int]] = {}
    for part in chunks(wanted, IN_CHUNK):
        for pid, city_id in session.execute(
            select(PLACES.c.id, PLACES.c.city_id).where(PLACES.c.id.in_(part))
        ):
            by_city.setdefault(int(city_id), []).append(int(pid))
    for city_id, ids in by_city.items():
        version = bump_places_version(session, city_id=city_id)
        for part in chunks(ids, IN_CHUNK):
            session.execute(
                update(PLACES)
                .where(PLACES.c.id.in_(part), PLACES.c.version != version)
                .values(version=version)
            )


def record_removals(
    session: Session, *, city_id: int, place_ids: Iterable[int], version: int
) -> None:
    """Note places deleted at ``version`` (call in the transaction that deletes them)."""
    rows = [{"city_id": city_id, "place_id": pid, "version": version} for pid in place_ids]
    if rows:
        session.execute(insert(PlaceRemoval), rows)


@dataclass(frozen=True)
class CityPlacesState:
    """What a process checks before answering from the places it holds."""

    id: int
    name: str
    taxonomy: str
    network_path: str | None
    places_version: int


_STATE = select(
    CITIES.c.id, CITIES.c.name, CITIES.c.taxonomy, CITIES.c.network_path, CITIES.c.places_version
).where(CITIES.c.name == bindparam("name"))
"""The query of :func:`read_places_state`: a Core statement, compiled once and cached."""


def read_places_state(engine: Engine, *, name: str) -> CityPlacesState:
    """:func:`city_places_state` on a pooled connection of its own, the cheapest way.

    What a search asks before every answer, so it skips the ORM session: one Core
    statement whose compiled form SQLAlchemy caches, on a connection from the pool.

    Raises
    ------
    NotFoundError
        If there is no such city.

    """
    with engine.connect() as connection:
        row = connection.execute(_STATE, {"name": name.strip()}).first()
    if row is None:
        raise NotFoundError(f"no city named {name!r}")
    return CityPlacesState(
        id=int(row[0]),
        name=str(row[1]),
        taxonomy=str(row[2]),
        network_path=row[3],
        places_version=int(row[4]),
    )


def city_places_state(session: Session, *, name: str) -> CityPlacesState:
    """A city's id, taxonomy, network file and places version, in one small query.

    Raises
    ------
    NotFoundError
        If there is no such city.

    """
    row = session.execute(
        select(City.id, City.name, City.taxonomy, City.network_path, City.places_version).where(
            City.name == name.strip()
        )
    ).first()
    if row is None:
        raise NotFoundError(f"no city named {name!r}")
    return CityPlacesState(
        id=int(row[0]),
        name=str(row[1]),
        taxonomy=str(row[2]),
        network_path=row[3],
        places_version=int(row[4]),
    )


@dataclass(frozen=True)
class PlaceChanges:
    """The places written after a version, with their categories, and those removed.

    ``rows`` are ``(id, uid, name, brand, lon, lat, opening_hours, weekly)`` tuples;
    ``categories`` maps each of their ids to its category codes (sorted); ``shops``
    maps those of them with merchant data (an owner, services, offers, coupons) to it;
    ``removed`` are ids deleted after the version. ``version`` is the city's version
    read first.
    """

    version: int
    rows: list[tuple[int, str, str | None, str | None, float, float, str | None, Any]]
    categories: dict[int, list[str]]
    removed: list[int]
    shops: dict[int, ShopFacts] = field(default_factory=dict)


def place_changes(session: Session, *, city_id: int, since: int | None) -> PlaceChanges:
    """What changed in a city's places after version ``since`` (``None``: every place).

    Three indexed queries (on ``(city_id, version)``), and four for the merchants' data
    of the same places (:func:`~lifecircle.store.shop_facts.shop_facts`); nothing is
    loaded as ORM objects.
    """
    version = session.scalar(select(City.places_version).where(City.id == city_id))
    if version is None:
        raise NotFoundError(f"no city with id {city_id}")
    scope = [Place.city_id == city_id]
    if since is not None:
        scope.append(Place.version > since)
    rows = [
        (int(r[0]), str(r[1]), r[2], r[3], float(r[4]), float(r[5]), r[6], r[7])
        for r in session.execute(
            select(
                Place.id,
                Place.uid,
                Place.name,
                Place.brand,
                Place.lon,
                Place.lat,
                Place.opening_hours,
                Place.opening_hours_weekly,
            )
            .where(*scope)
            .order_by(Place.id)
        )
    ]
    categories: dict[int, list[str]] = {r[0]: [] for r in rows}
    for pid, code in session.execute(
        select(PlaceCategory.place_id, PlaceCategory.code)
        .join(Place, Place.id == PlaceCategory.place_id)
        .where(*scope)
        .order_by(PlaceCategory.place_id, PlaceCategory.code)
    ):
        categories.setdefault(int(pid), []).append(str(code))
    removed: list[int] = []
    if since is not None:
        removed = [
            int(pid)
            for pid in session.scalars(
                select(PlaceRemoval.place_id)
                .where(PlaceRemoval.city_id == city_id, PlaceRemoval.version > since)
                .order_by(PlaceRemoval.version, PlaceRemoval.id)
            )
        ]
    shops = shop_facts(session, scope=scope, now=utc_now()) if rows else {}
    return PlaceChanges(
        version=int(version), rows=rows, categories=categories, removed=removed, shops=shops
    )
