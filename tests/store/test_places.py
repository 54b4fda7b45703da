"""Places: idempotent upserts, merged sources, categories, atomic imports, bulk speed."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import func, select

from lifecircle.errors import NotFoundError, ValidationError
from lifecircle.store.cities import create_city
from lifecircle.store.db import session_scope
from lifecircle.store.models import Place, PlaceCategory, PlaceSource
from lifecircle.store.places import (
    attach_place_source,
    merge_places,
    replace_place_categories,
    upsert_places,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from lifecircle.store.rows import PlaceRow


def rows(n: int, *, name: str = "shop", weekly: dict[str, Any] | None = None) -> list[PlaceRow]:
    made: list[PlaceRow] = [
        {
            "source_id": f"node/{i}",
            "lon": 114.0 + i * 1e-5,
            "lat": 22.5 + i * 1e-5,
            "name": f"{name} {i}",
            "opening_hours": "Mo-Su 08:00-22:00",
        }
        for i in range(n)
    ]
    if weekly is not None:
        for row in made:
            row["opening_hours_weekly"] = weekly
            row["brand"] = None
    return made


def counts(session: Session) -> tuple[int, int, int]:
    """Rows in places, place_sources and place_categories."""

    def n(model: type[Place | PlaceSource | PlaceCategory]) -> int:
        return session.scalar(select(func.count()).select_from(model)) or 0

    return n(Place), n(PlaceSource), n(PlaceCategory)


def test_reimport_updates_instead_of_duplicating(engine: Engine, city_id: int) -> None:
    with session_scope(engine) as session:
        first = upsert_places(session, city_id=city_id, source="osm", rows=rows(10))
    assert (first.inserted, first.updated) == (10, 0)
    with session_scope(engine) as session:
        second = upsert_places(
            session, city_id=city_id, source="osm", rows=rows(12, name="renamed")
        )
        assert (second.inserted, second.updated) == (2, 10)
        assert second.place_ids == first.place_ids | {
            "node/10": second.place_ids["node/10"],
            "node/11": second.place_ids["node/11"],
        }
        assert counts(session) == (12, 12, 0)
    with session_scope(engine) as session:
        again = upsert_places(session, city_id=city_id, source="osm", rows=rows(12, name="renamed"))
        assert (again.inserted, again.updated) == (0, 12)
        assert counts(session) == (12, 12, 0)
        place = session.get_one(Place, first.place_ids["node/3"])
        assert (place.uid, place.name) == ("osm:node/3", "renamed 3")


def test_left_out_keys_are_kept_and_none_clears(engine: Engine, city_id: int) -> None:
    with session_scope(engine) as session:
        ids = upsert_places(
            session,
            city_id=city_id,
            source="amap",
            rows=[
                {
                    "source_id": "B1",
                    "lon": 114.1,
                    "lat": 22.6,
                    "name": "药店",
                    "address": "福田路1号",
                    "opening_hours_weekly": {"mon": [[480, 1320]]},
                }
            ],
        ).place_ids
    with session_scope(engine) as session:
        upsert_places(
            session,
            city_id=city_id,
            source="amap",
            rows=[{"source_id": "B1", "lon": 114.2, "lat": 22.7, "name": None}],
        )
    with session_scope(engine) as session:
        place = session.get_one(Place, ids["B1"])
        assert (place.lon, place.lat, place.name) == (114.2, 22.7, None)
        assert place.address == "福田路1号"
        assert place.opening_hours_weekly == {"mon": [[480, 1320]]}
    with session_scope(engine) as session:
        upsert_places(
            session,
            city_id=city_id,
            source="amap",
            rows=[
                {
                    "source_id": "B1",
                    "lon": 114.2,
                    "lat": 22.7,
                    "opening_hours_weekly": {"sun": []},
                    "address": None,
                }
            ],
        )
    with session_scope(engine) as session:
        place = session.get_one(Place, ids["B1"])
        assert place.opening_hours_weekly == {"sun": []}
        assert place.address is None


def test_same_source_id_in_another_city_or_source_is_another_place(
    engine: Engine, city_id: int
) -> None:
    with session_scope(engine) as session:
        other = create_city(session, name="other").id
        a = upsert_places(session, city_id=city_id, source="osm", rows=rows(1)).place_ids
        b = upsert_places(session, city_id=other, source="osm", rows=rows(1)).place_ids
        c = upsert_places(session, city_id=city_id, source="csv", rows=rows(1)).place_ids
        assert len({a["node/0"], b["node/0"], c["node/0"]}) == 3


def test_bad_batches_are_refused(engine: Engine, city_id: int) -> None:
    with session_scope(engine) as session:
        with pytest.raises(ValidationError, match="more than once"):
            upsert_places(session, city_id=city_id, source="osm", rows=rows(2) + rows(1))
        with pytest.raises(ValidationError, match="empty"):
            upsert_places(
                session, city_id=city_id, source="osm", rows=[{"source_id": "", "lon": 0, "lat": 0}]
            )
        with pytest.raises(ValidationError, match="source"):
            upsert_places(session, city_id=city_id, source="", rows=rows(1))


def test_merging_two_sources_keeps_both_ids(engine: Engine, city_id: int) -> None:
    with session_scope(engine) as session:
        osm = upsert_places(session, city_id=city_id, source="osm", rows=rows(1)).place_ids
        amap = upsert_places(
            session,
            city_id=city_id,
            source="amap",
            rows=[{"source_id": "B0FF", "lon": 114.0, "lat": 22.5, "address": "深南大道"}],
        ).place_ids
        replace_place_categories(
            session,
            categories={
                osm["node/0"]: [{"code": "pharmacy", "rule": "amenity=pharmacy"}],
                amap["B0FF"]: [
                    {"code": "pharmacy", "rule": "amap:090601"},
                    {"code": "clinic", "rule": "amap:090100", "confidence": "medium"},
                ],
            },
        )
    with session_scope(engine) as session:
        kept = attach_place_source(session, place_id=osm["node/0"], source="amap", source_id="B0FF")
        assert sorted((s.source, s.source_id) for s in kept.sources) == [
            ("amap", "B0FF"),
            ("osm", "node/0"),
        ]
        assert {(c.code, c.rule) for c in kept.categories} == {
            ("pharmacy", "amenity=pharmacy"),
            ("clinic", "amap:090100"),
        }
        assert kept.name == "shop 0"
        assert kept.address == "深南大道"  # filled from the merged place
        assert counts(session) == (1, 2, 2)
    # re-importing either source now updates the merged place
    with session_scope(engine) as session:
        again = upsert_places(
            session,
            city_id=city_id,
            source="amap",
            rows=[{"source_id": "B0FF", "lon": 114.0, "lat": 22.5, "name": "大药房"}],
        )
        assert (again.inserted, again.updated) == (0, 1)
        assert again.place_ids["B0FF"] == osm["node/0"]
        assert upsert_places(session, city_id=city_id, source="osm", rows=rows(1)).inserted == 0
        assert counts(session) == (1, 2, 2)


def test_attach_new_source_id_and_errors(engine: Engine, city_id: int) -> None:
    with session_scope(engine) as session:
        ids = upsert_places(session, city_id=city_id, source="osm", rows=rows(1)).place_ids
        place = attach_place_source(session, place_id=ids["node/0"], source="amap", source_id="B9")
        assert len(place.sources) == 2
        attach_place_source(session, place_id=ids["node/0"], source="amap", source_id="B9")
        assert counts(session)[1] == 2
        with pytest.raises(NotFoundError, match="no place with id 999999"):
            attach_place_source(session, place_id=999999, source="amap", source_id="B9")
        with pytest.raises(ValidationError, match="into itself"):
            merge_places(session, keep_id=ids["node/0"], drop_id=ids["node/0"])


def test_replace_categories(engine: Engine, city_id: int) -> None:
    with session_scope(engine) as session:
        ids = upsert_places(session, city_id=city_id, source="osm", rows=rows(3)).place_ids
        p0, p1 = ids["node/0"], ids["node/1"]
        written = replace_place_categories(
            session,
            categories={
                p0: [{"code": "supermarket", "rule": "shop=supermarket", "confidence": "high"}],
                p1: [{"code": "bakery"}, {"code": "cafe"}, {"code": "bakery"}],
            },
        )
        assert written == 3
        replace_place_categories(session, categories={p1: [{"code": "cafe"}]})
        codes = session.execute(
            select(PlaceCategory.place_id, PlaceCategory.code).order_by(PlaceCategory.place_id)
        ).all()
        assert [tuple(r) for r in codes] == [(p0, "supermarket"), (p1, "cafe")]
        replace_place_categories(session, categories={p0: []})
        assert counts(session)[2] == 1


def test_failed_transaction_leaves_nothing_behind(engine: Engine, city_id: int) -> None:
    message = "disk full halfway through the file"

    def import_that_fails() -> None:
        with session_scope(engine) as session:
            ids = upsert_places(session, city_id=city_id, source="osm", rows=rows(100)).place_ids
            replace_place_categories(session, categories={i: [{"code": "x"}] for i in ids.values()})
            upsert_places(session, city_id=city_id, source="amap", rows=rows(5))
            raise RuntimeError(message)

    with pytest.raises(RuntimeError, match=message):
        import_that_fails()
    with session_scope(engine) as session:
        assert counts(session) == (0, 0, 0)
        again = upsert_places(session, city_id=city_id, source="osm", rows=rows(100))
        assert again.inserted == 100


WEEKLY = {"mon": [[480, 1320]], "note": "含\t制表符 and \\ backslash"}


def test_bulk_50k_places(engine: Engine, city_id: int) -> None:
    n = 50_000
    start = time.perf_counter()
    with session_scope(engine) as session:
        ids = upsert_places(session, city_id=city_id, source="osm", rows=rows(n)).place_ids
        replace_place_categories(
            session, categories={pid: [{"code": "shop", "rule": "shop=*"}] for pid in ids.values()}
        )
    inserted = time.perf_counter() - start
    start = time.perf_counter()
    with session_scope(engine) as session:
        result = upsert_places(
            session, city_id=city_id, source="osm", rows=rows(n, name="v2", weekly=WEEKLY)
        )
    updated = time.perf_counter() - start
    assert (result.inserted, result.updated) == (0, n)
    with session_scope(engine) as session:
        assert counts(session) == (n, n, n)
        last = session.get_one(Place, ids[f"node/{n - 1}"])
        assert (last.name, last.brand, last.opening_hours_weekly) == (f"v2 {n - 1}", None, WEEKLY)
        assert last.lon == pytest.approx(114.0 + (n - 1) * 1e-5)
    # generous bounds for a 2-core CI machine (measured: ~4 s and ~2 s)
    assert inserted < 30, f"inserting {n} places took {inserted:.1f} s"
    assert updated < 30, f"updating {n} places took {updated:.1f} s"
