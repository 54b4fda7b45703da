"""Places: bulk upsert by source id, removal, categories, and merging places.

A source is a name (``Helsinki``, ``futian_amap``: by default the stem of the file it
comes from). A place is found again by any of its ``(source, source_id)`` keys, so
importing the same source twice updates the same rows, and once an OSM shop and an Amap
shop are merged (:func:`attach_place_source`), a later import from either source
updates that one place. A source is replaced as a whole: the ids it no longer lists are
removed (:func:`remove_absent_places`), with the categories it gave; a place no source
lists any more goes, one other sources still list stays.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import delete, insert, select, tuple_, update

from lifecircle.errors import NotFoundError, ValidationError
from lifecircle.store._bulk import IN_CHUNK, MAX_LISTED, chunks, insert_rows, update_rows
from lifecircle.store.audit import SYSTEM, Actor
from lifecircle.store.models import (
    CODE_LENGTH,
    SOURCE_ID_LENGTH,
    Base,
    Place,
    PlaceCategory,
    PlaceSource,
)
from lifecircle.store.owners import city_owners
from lifecircle.store.place_merge import carry_over, check_mergeable
from lifecircle.store.rows import PlaceRemoval, PlaceUpsert
from lifecircle.store.versions import bump_places_version, record_removals, touch_places

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from sqlalchemy.orm import Session

    from lifecircle.store.rows import CategoryRow, PlaceRow

PLACES = Base.metadata.tables["places"]
SOURCES = Base.metadata.tables["place_sources"]
CATEGORIES = Base.metadata.tables["place_categories"]

ATTRIBUTES = (
    "name",
    "brand",
    "operator",
    "address",
    "lon",
    "lat",
    "opening_hours",
    "opening_hours_weekly",
)
"""Place columns a :class:`~lifecircle.store.rows.PlaceRow` may set."""


def _check_rows(source: str, rows: Sequence[PlaceRow]) -> None:
    if not source or len(source) > CODE_LENGTH:
        raise ValidationError(
            f"source {source!r} must be 1 to {CODE_LENGTH} characters (a name, e.g. Helsinki)"
        )
    ids = [row["source_id"] for row in rows]
    bad = [i for i in ids if not i or len(i) > SOURCE_ID_LENGTH]
    if bad:
        raise ValidationError(
            f"{len(bad)} source ids are empty or longer than {SOURCE_ID_LENGTH} characters: "
            f"{bad[:MAX_LISTED]}"
        )
    repeated = [i for i, n in Counter(ids).items() if n > 1]
    if repeated:
        raise ValidationError(
            f"{len(repeated)} {source} ids occur more than once in one import "
            f"(e.g. {repeated[:MAX_LISTED]}): each source row must be one place"
        )


def place_ids_by_source(
    session: Session, *, city_id: int, source: str, source_ids: Iterable[str]
) -> dict[str, int]:
    """The place id of each of ``source_ids`` that is already stored (others are absent)."""
    wanted = list(dict.fromkeys(source_ids))
    scope = (PlaceSource.city_id == city_id, PlaceSource.source == source)
    pairs = select(PlaceSource.source_id, PlaceSource.place_id).where(*scope)
    if len(wanted) > IN_CHUNK:
        # one range scan of the (city, source) index beats many IN lists
        keep = set(wanted)
        return {sid: pid for sid, pid in session.execute(pairs) if sid in keep}
    return dict(session.execute(pairs.where(PlaceSource.source_id.in_(wanted))).all())


def upsert_places(
    session: Session,
    *,
    city_id: int,
    source: str,
    rows: Sequence[PlaceRow],
    import_run_id: int | None = None,
) -> PlaceUpsert:
    """Insert new places and update known ones, found by ``(source, source_id)``.

    Parameters
    ----------
    session
        Open session (the caller's transaction: nothing is committed here).
    city_id
        City the places belong to.
    source
        The source's name (``Helsinki``, ``futian_amap``), 1 to 64 characters.
    rows
        One dict per place; see :class:`~lifecircle.store.rows.PlaceRow`. On update,
        keys left out keep their stored values and ``None`` clears them. A new place's
        uid is ``"{source}:{source_id}"``, or that plus ``#2``, ``#3``... when another
        place holds it already (it kept it after its source dropped the id).
    import_run_id
        Run that brought the rows; recorded on new places only (it is the *first*
        import of a place).

    Returns
    -------
    PlaceUpsert
        Counts, and ``place_ids``: the place id of every row's ``source_id``.

    Raises
    ------
    ValidationError
        If a source id is empty, too long, or repeated within ``rows``.

    Notes
    -----
    The city's places version goes up by one and every row written carries it (see
    :mod:`lifecircle.store.versions`). Known ids are looked up in batches, updates are
    executemany ``UPDATE`` by primary key, and inserts executemany ``INSERT`` (``COPY`` on
    PostgreSQL): no ORM object is built per row. Objects already loaded in ``session``
    are not refreshed.

    """
    _check_rows(source, rows)
    version = bump_places_version(session, city_id=city_id)
    place_ids = place_ids_by_source(
        session, city_id=city_id, source=source, source_ids=(r["source_id"] for r in rows)
    )
    updates: list[dict[str, Any]] = []
    new_rows: list[PlaceRow] = []
    for row in rows:
        place_id = place_ids.get(row["source_id"])
        if place_id is None:
            new_rows.append(row)
        else:
            given = cast("Mapping[str, Any]", row)
            updates.append(
                {"id": place_id, "version": version}
                | {k: given[k] for k in ATTRIBUTES if k in given}
            )
    update_rows(session, PLACES, updates)
    if new_rows:
        uids = [row.get("uid") or f"{source}:{row['source_id']}" for row in new_rows]
        repeated = [uid for uid, n in Counter(uids).items() if n > 1]
        if repeated:
            raise ValidationError(f"uids given to more than one new place: {repeated[:MAX_LISTED]}")
        uids = _free_uids(session, city_id=city_id, uids=uids)
        insert_rows(
            session,
            PLACES,
            [
                {k: cast("Mapping[str, Any]", row).get(k) for k in ATTRIBUTES}
                | {
                    "city_id": city_id,
                    "uid": uid,
                    "import_run_id": import_run_id,
                    "version": version,
                }
                for row, uid in zip(new_rows, uids, strict=True)
            ],
        )
        # ids are read back by uid: RETURNING would rule out COPY (see _bulk)
        by_uid = _place_ids_by_uid(session, city_id=city_id, uids=uids)
        new_ids = {row["source_id"]: by_uid[uid] for row, uid in zip(new_rows, uids, strict=True)}
        insert_rows(
            session,
            SOURCES,
            [
                {"city_id": city_id, "source": source, "source_id": sid, "place_id": pid}
                for sid, pid in new_ids.items()
            ],
        )
        place_ids.update(new_ids)
    return PlaceUpsert(inserted=len(new_rows), updated=len(updates), place_ids=place_ids)


def _free_uids(session: Session, *, city_id: int, uids: list[str]) -> list[str]:
    """``uids``, those another place holds made free with ``#2``, ``#3``...

    A merged place keeps its uid when the source that gave it drops the id, and the id
    may come back as a new place.
    """
    taken = set(_place_ids_by_uid(session, city_id=city_id, uids=uids))
    if not taken:
        return uids
    held = set(uids) | taken
    free = []
    for uid in uids:
        given = uid
        if uid in taken:
            n = 2
            while f"{uid}#{n}" in held or _place_ids_by_uid(
                session, city_id=city_id, uids=[f"{uid}#{n}"]
            ):
                n += 1
            given = f"{uid}#{n}"
            held.add(given)
        free.append(given)
    return free


def remove_absent_places(
    session: Session, *, city_id: int, source: str, listed: Iterable[str]
) -> PlaceRemoval:
    """Remove the ids of ``source`` that ``listed`` no longer holds: the source is replaced.

    Parameters
    ----------
    session
        Open session (the caller's transaction).
    city_id
        City.
    source
        The source re-imported.
    listed
        Every source id of the new import of it.

    Returns
    -------
    PlaceRemoval
        ``removed`` source ids; of their places, ``deleted`` that no source lists any
        more (gone with their categories), and ``kept`` that other sources still list
        (they lose the categories this source gave, unless it still lists them under
        another id); ``removed_ids`` the source ids, sorted; ``owned``: places no
        source lists any more that a merchant owns, kept whole (a merchant's shop,
        prices and coupons are never lost to a re-import).

    """
    keep = set(listed)
    scope = (PlaceSource.city_id == city_id, PlaceSource.source == source)
    stored = session.execute(select(PlaceSource.source_id, PlaceSource.place_id).where(*scope))
    gone = sorted((sid, pid) for sid, pid in stored if sid not in keep)
    if not gone:
        return PlaceRemoval(removed=0, deleted=0, kept=0, removed_ids=())
    for ids in chunks([sid for sid, _ in gone], IN_CHUNK):
        session.execute(delete(PlaceSource).where(*scope, PlaceSource.source_id.in_(ids)))
    places = sorted({pid for _, pid in gone})
    known: defaultdict[int, set[str]] = defaultdict(set)
    for part in chunks(places, IN_CHUNK):
        query = select(PlaceSource.place_id, PlaceSource.source).where(
            PlaceSource.place_id.in_(part)
        )
        for pid, name in session.execute(query):
            known[pid].add(name)
    unlisted = [pid for pid in places if not known[pid]]
    owned = city_owners(session, city_id=city_id) if unlisted else {}
    orphans = [pid for pid in unlisted if pid not in owned]  # a merchant's shop stays
    dropped = [pid for pid in places if known[pid] and source not in known[pid]]
    for part in chunks(dropped, IN_CHUNK):
        session.execute(
            delete(PlaceCategory).where(
                PlaceCategory.place_id.in_(part), PlaceCategory.source == source
            )
        )
    for part in chunks(orphans, IN_CHUNK):  # their categories go by ON DELETE CASCADE
        session.execute(
            delete(Place).where(Place.id.in_(part)).execution_options(synchronize_session=False)
        )
    # processes holding the places catch up: changed categories, and the places deleted
    touch_places(session, place_ids=dropped)
    if orphans:
        version = bump_places_version(session, city_id=city_id)
        record_removals(session, city_id=city_id, place_ids=orphans, version=version)
    return PlaceRemoval(
        removed=len(gone),
        deleted=len(orphans),
        kept=sum(1 for pid in places if known[pid] - {source}),
        removed_ids=tuple(sid for sid, _ in gone),
        owned=len(unlisted) - len(orphans),
    )


def _place_ids_by_uid(session: Session, *, city_id: int, uids: Sequence[str]) -> dict[str, int]:
    pairs = select(Place.uid, Place.id).where(Place.city_id == city_id)
    if len(uids) > IN_CHUNK:
        keep = set(uids)
        return {uid: pid for uid, pid in session.execute(pairs) if uid in keep}
    return dict(session.execute(pairs.where(Place.uid.in_(uids))).all())


def replace_place_categories(
    session: Session, *, categories: Mapping[int, Iterable[CategoryRow]], source: str | None = None
) -> int:
    """Set the categories of places, replacing what they had (from ``source``).

    Parameters
    ----------
    session
        Open session.
    categories
        Place id to its categories; an empty list removes the place's categories.
        Places not in the mapping are left alone.
    source
        The source that gives them: only its categories are replaced, those other
        sources gave a place stay. ``None``: every category is replaced, whatever gave
        it, and the new ones are recorded as given by hand (source ``""``).

    Returns
    -------
    int
        Category rows written.

    """
    place_ids = list(categories)
    touch_places(session, place_ids=place_ids)
    for part in chunks(place_ids, IN_CHUNK):
        query = delete(PlaceCategory).where(PlaceCategory.place_id.in_(part))
        if source is not None:
            query = query.where(PlaceCategory.source == source)
        session.execute(query)
    values = [
        {
            "place_id": place_id,
            "code": row["code"],
            "source": source or "",
            "rule": row.get("rule", ""),
            "confidence": row.get("confidence", ""),
        }
        for place_id, rows in categories.items()
        for row in {row["code"]: row for row in rows}.values()  # a code once per place
    ]
    insert_rows(session, CATEGORIES, values)
    return len(values)


def attach_place_source(session: Session, *, place_id: int, source: str, source_id: str) -> Place:
    """Record that ``source``'s ``source_id`` is the place ``place_id`` (a duplicate merged).

    If that source id already belongs to another place, that place is merged into this
    one (:func:`merge_places`): its source ids, categories and platform data move here,
    and it is deleted (:class:`~lifecircle.errors.ConflictError` if two different
    merchants own the two). Attaching an id the place already has does nothing.

    Returns
    -------
    Place
        The place kept.

    Raises
    ------
    NotFoundError
        If there is no place ``place_id``.

    """
    place = session.get(Place, place_id)
    if place is None:
        raise NotFoundError(f"no place with id {place_id}")
    other = session.scalar(
        select(PlaceSource.place_id).where(
            PlaceSource.city_id == place.city_id,
            PlaceSource.source == source,
            PlaceSource.source_id == source_id,
        )
    )
    if other is None:
        session.execute(
            insert(PlaceSource),
            [
                {
                    "city_id": place.city_id,
                    "source": source,
                    "source_id": source_id,
                    "place_id": place_id,
                }
            ],
        )
    elif other != place_id:
        merge_places(session, keep_id=place_id, drop_id=other)
    session.refresh(place)
    return place


def merge_places(session: Session, *, keep_id: int, drop_id: int, actor: Actor = SYSTEM) -> Place:
    """Merge place ``drop_id`` into place ``keep_id`` and delete it.

    The kept place gains the other's source ids and the categories it lacks (by code
    and the source that gave them), and any of its empty attributes (name, brand,
    operator, address, opening hours) is filled from the other. Its uid, coordinates
    and first import run stay. Everything the platform hung on the dropped place (its
    owner, profile, prices, coupons, redemptions, batches, complaints...) moves to the
    kept one (:func:`lifecircle.store.place_merge.carry_over`, audited as ``actor``).

    Raises
    ------
    NotFoundError
        If either place does not exist.
    ValidationError
        If they are the same place or in different cities.
    ConflictError
        If two different merchants own the two places: nothing is merged.

    """
    if keep_id == drop_id:
        raise ValidationError(f"cannot merge place {keep_id} into itself")
    # both rows locked (in id order) until the merge commits: a merchant's write to the
    # dropped place waits for it, then fails, rather than land and go with the place
    locked = session.scalars(
        select(Place)
        .where(Place.id.in_([keep_id, drop_id]))
        .order_by(Place.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    keep = next((p for p in locked if p.id == keep_id), None)
    drop = next((p for p in locked if p.id == drop_id), None)
    if keep is None or drop is None:
        missing = keep_id if keep is None else drop_id
        raise NotFoundError(f"no place with id {missing}")
    if keep.city_id != drop.city_id:
        raise ValidationError(f"places {keep_id} and {drop_id} are in different cities")
    check_mergeable(session, keep_id=keep_id, drop_id=drop_id)  # before anything changes
    for attribute in ("name", "brand", "operator", "address", "opening_hours"):
        if getattr(keep, attribute) in (None, "") and getattr(drop, attribute):
            setattr(keep, attribute, getattr(drop, attribute))
    if keep.opening_hours_weekly is None:
        keep.opening_hours_weekly = drop.opening_hours_weekly
    version = bump_places_version(session, city_id=keep.city_id)
    keep.version = version
    record_removals(session, city_id=keep.city_id, place_ids=[drop_id], version=version)
    session.flush()
    session.execute(
        update(PlaceSource)
        .where(PlaceSource.place_id == drop_id)
        .values(place_id=keep_id)
        .execution_options(synchronize_session=False)
    )
    held = select(PlaceCategory.code, PlaceCategory.source).where(PlaceCategory.place_id == keep_id)
    session.execute(
        update(PlaceCategory)
        .where(
            PlaceCategory.place_id == drop_id,
            tuple_(PlaceCategory.code, PlaceCategory.source).not_in(held),
        )
        .values(place_id=keep_id)
        .execution_options(synchronize_session=False)
    )
    carry_over(session, keep=keep, drop=drop, actor=actor)
    session.execute(
        delete(Place).where(Place.id == drop_id).execution_options(synchronize_session=False)
    )
    session.expunge(drop)
    session.expire_all()  # the relationships of both places changed behind the ORM's back
    return keep


@dataclass(frozen=True)
class StoredPlace:
    """A place as stored, with its category codes and every source id it is known by."""

    id: int
    uid: str
    name: str | None
    brand: str | None
    operator: str | None
    lon: float
    lat: float
    categories: tuple[str, ...]
    sources: tuple[tuple[str, str], ...]

    @property
    def source_names(self) -> frozenset[str]:
        """The sources (``Helsinki``, ``futian_amap``...) that know this place."""
        return frozenset(source for source, _ in self.sources)


def list_places(session: Session, *, city_id: int) -> list[StoredPlace]:
    """Every place of a city by uid, with its category codes and ``(source, source_id)``s.

    Three queries (places, categories, sources), grouped in Python: no ORM object is
    built per place, so a city of 200,000 places is listed in seconds.
    """
    codes: defaultdict[int, list[str]] = defaultdict(list)
    for place_id, code in session.execute(
        select(PlaceCategory.place_id, PlaceCategory.code)
        .distinct()  # a code two sources gave counts once
        .join(Place, Place.id == PlaceCategory.place_id)
        .where(Place.city_id == city_id)
        .order_by(PlaceCategory.place_id, PlaceCategory.code)
    ):
        codes[place_id].append(code)
    sources: defaultdict[int, list[tuple[str, str]]] = defaultdict(list)
    for place_id, source, source_id in session.execute(
        select(PlaceSource.place_id, PlaceSource.source, PlaceSource.source_id)
        .where(PlaceSource.city_id == city_id)
        .order_by(PlaceSource.place_id, PlaceSource.source, PlaceSource.source_id)
    ):
        sources[place_id].append((source, source_id))
    rows = session.execute(
        select(Place.id, Place.uid, Place.name, Place.brand, Place.operator, Place.lon, Place.lat)
        .where(Place.city_id == city_id)
        .order_by(Place.uid)
    )
    return [
        StoredPlace(
            id=pid,
            uid=uid,
            name=name,
            brand=brand,
            operator=operator,
            lon=lon,
            lat=lat,
            categories=tuple(codes.get(pid, ())),
            sources=tuple(sources.get(pid, ())),
        )
        for pid, uid, name, brand, operator, lon, lat in rows
    ]


def place_points(session: Session, *, city_id: int) -> list[tuple[int, float, float]]:
    """``(place id, lon, lat)`` of every place of a city, by id."""
    query = select(Place.id, Place.lon, Place.lat).where(Place.city_id == city_id)
    return [(pid, lon, lat) for pid, lon, lat in session.execute(query.order_by(Place.id))]


def place_source_names(session: Session, *, city_id: int) -> list[str]:
    """The sources a city's places come from (``Helsinki``, ``futian_amap``...), sorted."""
    query = select(PlaceSource.source).where(PlaceSource.city_id == city_id).distinct()
    return sorted(session.scalars(query))


def place_table(
    session: Session, *, city_id: int
) -> tuple[list[tuple[int, str, str | None, float, float, bool, Any]], list[tuple[int, str]]]:
    """Every place of a city as plain rows, and its ``(place_id, category)`` pairs.

    Place rows are ``(id, uid, name, lon, lat, chain, opening_hours_weekly)`` in id
    order, ``chain`` meaning a brand or an operator is known. Two queries and no ORM
    objects, for assessing cities of hundreds of thousands of places.
    """
    rows = session.execute(
        select(
            Place.id,
            Place.uid,
            Place.name,
            Place.lon,
            Place.lat,
            (Place.brand.is_not(None) | Place.operator.is_not(None)),
            Place.opening_hours_weekly,
        )
        .where(Place.city_id == city_id)
        .order_by(Place.id)
    )
    places = [(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6]) for r in rows]
    pairs = session.execute(
        select(PlaceCategory.place_id, PlaceCategory.code)
        .distinct()  # a code two sources gave counts once
        .join(Place, Place.id == PlaceCategory.place_id)
        .where(Place.city_id == city_id)
        .order_by(PlaceCategory.place_id, PlaceCategory.code)
    )
    return places, [(r[0], r[1]) for r in pairs]
