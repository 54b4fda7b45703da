"""Places version: every write of a city's places bumps it, stamps the rows, records removals.

On SQLite and on PostgreSQL (tests/store/conftest.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from lifecircle.errors import NotFoundError
from lifecircle.store.cities import create_city, delete_city
from lifecircle.store.db import session_scope
from lifecircle.store.models import Place, PlaceRemoval
from lifecircle.store.places import (
    attach_place_source,
    merge_places,
    remove_absent_places,
    replace_place_categories,
    upsert_places,
)
from lifecircle.store.versions import (
    bump_places_version,
    city_places_state,
    place_changes,
    touch_places,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def version(engine: Engine, name: str = "testville") -> int:
    with session_scope(engine) as session:
        return city_places_state(session, name=name).places_version


def place(i: int, **extra) -> dict:
    return {"source_id": f"n{i}", "lon": 114.0 + i * 1e-4, "lat": 22.5, "name": f"shop {i}"} | extra


def test_a_new_city_is_at_version_zero(engine: Engine, city_id: int) -> None:
    with session_scope(engine) as session:
        state = city_places_state(session, name=" testville ")
        changes = place_changes(session, city_id=city_id, since=None)
    assert (state.id, state.places_version, state.network_path) == (city_id, 0, None)
    assert (changes.version, changes.rows, changes.removed) == (0, [], [])
    with session_scope(engine) as session, pytest.raises(NotFoundError, match="no city"):
        city_places_state(session, name="nowhere")


def test_every_write_path_bumps_and_stamps(engine: Engine, city_id: int) -> None:
    with session_scope(engine) as session:
        ids = upsert_places(
            session, city_id=city_id, source="csv", rows=[place(i) for i in range(4)]
        ).place_ids
    assert version(engine) == 1
    with session_scope(engine) as session:
        replace_place_categories(session, categories={ids["n0"]: [{"code": "pharmacy"}]})
    assert version(engine) == 2
    with session_scope(engine) as session:
        upsert_places(session, city_id=city_id, source="csv", rows=[place(1, name="renamed")])
    assert version(engine) == 3
    with session_scope(engine) as session:
        replace_place_categories(
            session, categories={ids["n2"]: [{"code": "laundry"}]}, source="csv"
        )
    assert version(engine) == 4
    with session_scope(engine) as session:  # the source again, every id still listed
        remove_absent_places(
            session, city_id=city_id, source="csv", listed=[f"n{i}" for i in range(4)]
        )
    assert version(engine) == 4  # nothing written, nothing to fetch
    with session_scope(engine) as session:
        stamped = dict(session.execute(select(Place.id, Place.version)).all())
    assert stamped == {ids["n0"]: 2, ids["n1"]: 3, ids["n2"]: 4, ids["n3"]: 1}

    with session_scope(engine) as session:
        since2 = place_changes(session, city_id=city_id, since=2)
    assert since2.version == 4
    assert [(r[0], r[2]) for r in since2.rows] == [(ids["n1"], "renamed"), (ids["n2"], "shop 2")]
    assert since2.categories == {ids["n1"]: [], ids["n2"]: ["laundry"]}
    assert since2.removed == []

    with session_scope(engine) as session:
        merge_places(session, keep_id=ids["n0"], drop_id=ids["n3"])
    assert version(engine) == 5
    with session_scope(engine) as session:
        since4 = place_changes(session, city_id=city_id, since=4)
        everything = place_changes(session, city_id=city_id, since=None)
    assert [r[0] for r in since4.rows] == [ids["n0"]]
    assert since4.removed == [ids["n3"]]
    assert sorted(r[0] for r in everything.rows) == sorted([ids["n0"], ids["n1"], ids["n2"]])
    assert everything.removed == []  # a full load needs no removals

    # a duplicate found by another source: attach merges and records the removal too
    with session_scope(engine) as session:
        other = upsert_places(session, city_id=city_id, source="amap", rows=[place(9)])
    with session_scope(engine) as session:
        attach_place_source(session, place_id=ids["n1"], source="amap", source_id="n9")
    with session_scope(engine) as session:
        last = place_changes(session, city_id=city_id, since=6)
    assert last.version == 7
    assert last.removed == [other.place_ids["n9"]]


def test_versions_are_per_city_and_go_with_the_city(engine: Engine, city_id: int) -> None:
    with session_scope(engine) as session:
        other = create_city(session, name="otherville").id
        upsert_places(session, city_id=other, source="csv", rows=[place(1), place(2)])
    assert (version(engine), version(engine, "otherville")) == (0, 1)
    with session_scope(engine) as session:
        ids = [pid for (pid,) in session.execute(select(Place.id))]
        touch_places(session, place_ids=[*ids, 10**6])  # unknown ids are ignored
        merge_places(session, keep_id=ids[0], drop_id=ids[1])
    assert (version(engine), version(engine, "otherville")) == (0, 3)
    with session_scope(engine) as session:
        delete_city(session, name="otherville")
    with session_scope(engine) as session:
        assert session.scalars(select(PlaceRemoval)).all() == []  # gone with the city
        with pytest.raises(NotFoundError):
            bump_places_version(session, city_id=other)


def test_a_source_replaced_records_its_removed_places(engine: Engine, city_id: int) -> None:
    """Re-importing a source deletes the ids it no longer lists: a removal to catch up on."""
    with session_scope(engine) as session:
        ids = upsert_places(
            session, city_id=city_id, source="csv", rows=[place(i) for i in range(3)]
        ).place_ids
        replace_place_categories(
            session, categories={pid: [{"code": "laundry"}] for pid in ids.values()}, source="csv"
        )
        upsert_places(session, city_id=city_id, source="amap", rows=[place(1)])
        attach_place_source(session, place_id=ids["n1"], source="amap", source_id="n1")
    before = version(engine)
    with session_scope(engine) as session:  # n1 and n2 are no longer listed
        removal = remove_absent_places(session, city_id=city_id, source="csv", listed=["n0"])
    assert (removal.deleted, removal.kept) == (1, 1)  # n2 gone; n1 kept by amap
    with session_scope(engine) as session:
        changes = place_changes(session, city_id=city_id, since=before)
    assert changes.removed == [ids["n2"]]
    assert [r[0] for r in changes.rows] == [ids["n1"]]  # it lost the csv's category
    assert changes.categories == {ids["n1"]: []}
