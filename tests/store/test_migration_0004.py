"""Migration 0004 names the sources of stored places, on SQLite and on PostgreSQL.

The rows before it are written as the importers of revision 0003 wrote them (places
keyed by format: ``osm``, ``amap``, ``csv``); the files they name are SYNTHETIC.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from lifecircle.config import Settings
from lifecircle.services.city.places import import_places
from lifecircle.store.migrate import (
    current_revision,
    downgrade_database,
    head_revision,
    upgrade_database,
)

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Connection, Engine

T0 = datetime(2026, 11, 1, tzinfo=UTC)
CSV_A = """id,lon,lat,category,name
1,114.0550,22.5400,laundry,synthetic laundry
"""


def _rows(connection: Connection, query: str) -> set[tuple]:
    return {tuple(r) for r in connection.execute(sa.text(query))}


def _insert_0003(connection: Connection, district_a: Path) -> None:
    """A city as revision 0003 stored it: places keyed by format."""
    metadata = sa.MetaData()
    metadata.reflect(connection)
    t = metadata.tables
    connection.execute(
        t["cities"].insert(),
        [{"id": 1, "name": "futian", "taxonomy": "shenzhen", "created_at": T0}],
    )
    runs = [
        (1, "amap", "/data/futian_amap.xlsx", "succeeded"),
        (2, "osm", "/data/Guangdong.osm.pbf", "partial"),
        (3, "csv", str(district_a), "succeeded"),
        (4, "csv", "/data/district_b.csv", "succeeded"),
        (5, "amap", "/data/futian_amap_new.xlsx", "rejected"),
    ]
    connection.execute(
        t["import_runs"].insert(),
        [
            {
                "id": run_id, "city_id": 1, "kind": "places", "source_path": path,
                "source_sha256": "0" * 64, "format": fmt, "options": {"skip_bad": False},
                "started_at": T0 + timedelta(hours=run_id), "finished_at": T0, "status": status,
                "n_rows": 1, "n_imported": 1, "n_rejected": 0, "rejects": [], "message": None,
            }
            for run_id, fmt, path, status in runs
        ],
    )  # fmt: skip
    places = [  # id, uid, first import
        (1, "amap:B1", 1),
        (2, "osm:n7", 2),  # merged with amap B2: two sources
        (3, "csv:1", 3),
        (4, "csv:2", 4),
        (5, "amap:B3", None),  # its run was deleted
    ]
    connection.execute(
        t["places"].insert(),
        [
            {"id": pid, "city_id": 1, "uid": uid, "lon": 114.05, "lat": 22.54,
             "import_run_id": run}
            for pid, uid, run in places
        ],
    )  # fmt: skip
    sources = [("amap", "B1", 1), ("osm", "n7", 2), ("amap", "B2", 2), ("csv", "1", 3),
               ("csv", "2", 4), ("amap", "B3", 5)]  # fmt: skip
    connection.execute(
        t["place_sources"].insert(),
        [{"city_id": 1, "source": s, "source_id": i, "place_id": p} for s, i, p in sources],
    )
    categories = [(1, "pharmacy"), (2, "convenience_store"), (2, "supermarket"), (3, "laundry")]
    connection.execute(
        t["place_categories"].insert(),
        [{"place_id": p, "code": c, "rule": "r", "confidence": "high"} for p, c in categories],
    )
    connection.execute(
        t["centres"].insert(),
        [{"city_id": 1, "source": "osm", "source_id": "w9", "name": "mall", "kind": "shop=mall",
          "geometry": b"\x00"}],
    )  # fmt: skip
    _follow_ids(connection, ("cities", "import_runs", "places", "centres"))


def _follow_ids(connection: Connection, tables: tuple[str, ...]) -> None:
    """PostgreSQL: move the id sequences past the ids given by hand above."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        connection.execute(
            sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}")
        )


def test_0004_names_the_sources_of_stored_places(empty_engine: Engine, tmp_path: Path) -> None:
    district_a = tmp_path / "district_a.csv"
    district_a.write_text(CSV_A, encoding="utf-8")
    upgrade_database(empty_engine, revision="0003")
    with empty_engine.begin() as connection:
        _insert_0003(connection, district_a)

    upgrade_database(empty_engine)
    assert current_revision(empty_engine) == head_revision()
    with empty_engine.connect() as c:
        assert _rows(c, "SELECT source, source_id, place_id FROM place_sources") == {
            ("futian_amap", "B1", 1),  # the stem of the file of its first import
            ("Guangdong", "n7", 2),
            ("futian_amap", "B2", 2),  # merged: the latest successful amap import
            ("district_a", "1", 3),
            ("district_b", "2", 4),
            ("futian_amap", "B3", 5),  # no first import: the latest successful amap one
        }
        assert _rows(c, "SELECT place_id, code, source FROM place_categories") == {
            (1, "pharmacy", "futian_amap"),
            (2, "convenience_store", "Guangdong"),  # a merged place's: once per source
            (2, "convenience_store", "futian_amap"),
            (2, "supermarket", "Guangdong"),
            (2, "supermarket", "futian_amap"),
            (3, "laundry", "district_a"),
        }
        assert _rows(c, "SELECT source, source_id FROM centres") == {("Guangdong", "w9")}
        assert _rows(c, "SELECT uid FROM places") == {
            ("amap:B1",), ("osm:n7",), ("csv:1",), ("csv:2",), ("amap:B3",),
        }  # fmt: skip
        assert _rows(c, "SELECT host, pid FROM import_runs") == {(None, None)}
        options = dict(c.execute(sa.text("SELECT id, options FROM import_runs")).all())
    named = {run_id: o if isinstance(o, dict) else json.loads(o) for run_id, o in options.items()}
    assert {run_id: o["source"] for run_id, o in named.items()} == {
        1: "futian_amap", 2: "Guangdong", 3: "district_a", 4: "district_b", 5: "futian_amap_new",
    }  # fmt: skip

    # the same file imported again finds its places: nothing new, nothing removed
    settings = Settings(data_dir=tmp_path / "data", database_url="sqlite://")
    again = import_places(
        engine=empty_engine, settings=settings, name="futian", path=district_a, file_format="csv"
    )
    d = again.details
    assert (d["source_name"], d["inserted"], d["updated"], d["removed"]) == (
        "district_a", 0, 1, 0,
    )  # fmt: skip

    # and back: formats again, a category once per place and code
    downgrade_database(empty_engine, revision="0003")
    with empty_engine.connect() as c:
        assert _rows(c, "SELECT source, source_id, place_id FROM place_sources") == {
            ("amap", "B1", 1), ("osm", "n7", 2), ("amap", "B2", 2), ("csv", "1", 3),
            ("csv", "2", 4), ("amap", "B3", 5),
        }  # fmt: skip
        assert _rows(c, "SELECT place_id, code FROM place_categories") == {
            (1, "pharmacy"), (2, "convenience_store"), (2, "supermarket"), (3, "laundry"),
        }  # fmt: skip
        assert _rows(c, "SELECT source FROM centres") == {("osm",)}
    upgrade_database(empty_engine)
    assert current_revision(empty_engine) == head_revision()


def test_0004_keeps_apart_two_formats_of_one_stem(empty_engine: Engine) -> None:
    """``shops.osm`` and ``shops.csv`` of one city become ``shops-osm`` and ``shops-csv``."""
    upgrade_database(empty_engine, revision="0003")
    with empty_engine.begin() as c:
        c.execute(sa.text(
            "INSERT INTO cities (id, name, taxonomy, created_at) "
            "VALUES (1, 'x', 'shenzhen', :t)"), {"t": T0})  # fmt: skip
        for run_id, fmt, path in ((1, "osm", "/d/shops.osm"), (2, "csv", "/d/shops.csv")):
            c.execute(
                sa.text(
                    "INSERT INTO import_runs (id, city_id, kind, source_path, source_sha256, "
                    "format, options, started_at, status, n_rows, n_imported, n_rejected, "
                    "rejects) VALUES (:id, 1, 'places', :path, :sha, :fmt, '{}', :t, "
                    "'succeeded', 1, 1, 0, '[]')"
                ),
                {"id": run_id, "path": path, "sha": "0" * 64, "fmt": fmt, "t": T0},
            )
            c.execute(
                sa.text(
                    "INSERT INTO places (id, city_id, uid, lon, lat, import_run_id) "
                    "VALUES (:id, 1, :uid, 0, 0, :id)"
                ),
                {"id": run_id, "uid": f"{fmt}:1"},
            )
            c.execute(
                sa.text(
                    "INSERT INTO place_sources (city_id, source, source_id, place_id) "
                    "VALUES (1, :fmt, '1', :id)"
                ),
                {"fmt": fmt, "id": run_id},
            )
    upgrade_database(empty_engine)
    with empty_engine.connect() as c:
        assert _rows(c, "SELECT source, place_id FROM place_sources") == {
            ("shops-osm", 1),
            ("shops-csv", 2),
        }
