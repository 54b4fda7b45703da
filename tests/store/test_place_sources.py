"""Named sources replaced as a whole: removal, categories per source, free uids (issue 15)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from lifecircle.store.db import session_scope
from lifecircle.store.models import Place, PlaceCategory, PlaceSource
from lifecircle.store.places import (
    attach_place_source,
    list_places,
    remove_absent_places,
    replace_place_categories,
    upsert_places,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from lifecircle.store.rows import PlaceRow


def shop(source_id: str, lon: float = 114.05) -> PlaceRow:
    return {"source_id": source_id, "lon": lon, "lat": 22.54, "name": f"synthetic {source_id}"}


def test_a_source_loses_only_its_own_categories_and_ids(engine: Engine, city_id: int) -> None:
    with session_scope(engine) as session:
        ids = upsert_places(session, city_id=city_id, source="corner", rows=[shop("c1")]).place_ids
        replace_place_categories(
            session, categories={ids["c1"]: [{"code": "pharmacy"}]}, source="corner"
        )
        attach_place_source(session, place_id=ids["c1"], source="amap", source_id="B1")
        replace_place_categories(
            session,
            categories={ids["c1"]: [{"code": "pharmacy"}, {"code": "convenience_store"}]},
            source="amap",
        )
        [place] = list_places(session, city_id=city_id)
        assert place.categories == ("convenience_store", "pharmacy")  # a code counts once

    with session_scope(engine) as session:
        removal = remove_absent_places(session, city_id=city_id, source="amap", listed=[])
        assert (removal.removed, removal.deleted, removal.kept) == (1, 0, 1)
        assert removal.removed_ids == ("B1",)
        rows = session.execute(select(PlaceCategory.code, PlaceCategory.source)).all()
        assert [tuple(r) for r in rows] == [("pharmacy", "corner")]
        assert session.execute(select(PlaceSource.source, PlaceSource.source_id)).all() == [
            ("corner", "c1")
        ]
        # listed again: nothing to remove
        again = remove_absent_places(session, city_id=city_id, source="corner", listed=["c1"])
        assert again.removed == 0

    with session_scope(engine) as session:
        removal = remove_absent_places(session, city_id=city_id, source="corner", listed=["c9"])
        assert (removal.removed, removal.deleted, removal.kept) == (1, 1, 0)
        assert session.scalars(select(Place.id)).all() == []
        assert session.scalars(select(PlaceCategory.code)).all() == []


def test_an_id_back_in_its_source_gets_a_free_uid(engine: Engine, city_id: int) -> None:
    """The merged place keeps the uid ``corner:c1`` after ``corner`` dropped ``c1``."""
    with session_scope(engine) as session:
        first = upsert_places(session, city_id=city_id, source="corner", rows=[shop("c1")])
        attach_place_source(session, place_id=first.place_ids["c1"], source="amap", source_id="B1")
        remove_absent_places(session, city_id=city_id, source="corner", listed=[])
        back = upsert_places(session, city_id=city_id, source="corner", rows=[shop("c1")])
        assert back.inserted == 1
        uids = dict(session.execute(select(Place.id, Place.uid)).all())
        assert uids == {first.place_ids["c1"]: "corner:c1", back.place_ids["c1"]: "corner:c1#2"}
        remove_absent_places(session, city_id=city_id, source="corner", listed=[])
        third = upsert_places(session, city_id=city_id, source="corner", rows=[shop("c1")])
        assert session.get_one(Place, third.place_ids["c1"]).uid == "corner:c1#2"
