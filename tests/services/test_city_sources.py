"""Imports that officials can trust (issue 15), through the services.

Named place sources replaced on re-import with merged duplicates kept right, stale
runs failed when the city is next opened, and every import a run was fed by. Every test
runs on a SQLite file and on a real PostgreSQL server (the store fixtures). Places are
SYNTHETIC: made up for these tests, not real shops.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

import lifecircle
from lifecircle.config import Settings
from lifecircle.services.city.cities import city_info, create_city
from lifecircle.services.city.places import default_source_name, import_places
from lifecircle.services.city.runs import start_run
from lifecircle.services.city.stale_runs import fail_stale_runs
from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope
from lifecircle.store.models import ImportKind, ImportRun, Place, PlaceCategory, utc_now
from lifecircle.store.places import list_places
from lifecircle.store.summary import city_summary
from tests.conftest import DATA
from tests.store import conftest as store_conftest

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

# the store's fixtures: every test here runs on a SQLite file and on PostgreSQL
postgres = store_conftest.postgres
empty_engine = store_conftest.empty_engine
engine = store_conftest.engine

AMAP = DATA / "valid" / "amap_pois.csv"

# SYNTHETIC: a corner-shop list naming the Amap fixture's 7-ELEVEn (B0FFG1, stored at
# about 114.05279, 22.54583 in WGS-84) as a convenience store and a pharmacy, ~12 m away
CORNER = """id,lon,lat,category,name
c1,114.0528923,22.5458765,convenience_store|pharmacy,7-ELEVEn便利店
c2,114.0600000,22.5500000,laundry,synthetic laundry
"""
CORNER_WITHOUT_C1 = "\n".join(line for line in CORNER.splitlines() if not line.startswith("c1,"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url="sqlite://")


@pytest.fixture
def city(engine: Engine) -> str:
    return create_city(engine=engine, name="futian").name


def stored(engine: Engine, name: str = "futian") -> dict[str, tuple[tuple[str, str], ...]]:
    """Each place's uid and its ``(source, source_id)`` keys."""
    with session_scope(engine) as session:
        places = list_places(session, city_id=get_city(session, name=name).id)
        return {p.uid: p.sources for p in places}


def categories(engine: Engine, uid: str, name: str = "futian") -> tuple[str, ...]:
    with session_scope(engine) as session:
        places = list_places(session, city_id=get_city(session, name=name).id)
        return next(p.categories for p in places if p.uid == uid)


def test_default_source_names() -> None:
    assert default_source_name(Path("data/Helsinki.osm.pbf")) == "Helsinki"
    assert default_source_name(Path("福田 高德 POI.xlsx")) == "福田_高德_POI"
    assert default_source_name(Path("x/__.csv")) == "places"
    assert len(default_source_name(Path("a" * 100 + ".csv"))) == 64


def test_removing_a_merged_place_from_one_source_keeps_the_others(
    engine: Engine, settings: Settings, city: str, tmp_path: Path
) -> None:
    corner = tmp_path / "corner_shops.csv"
    corner.write_text(CORNER, encoding="utf-8")
    import_places(engine=engine, settings=settings, name=city, path=AMAP, file_format="amap")
    merged = import_places(
        engine=engine, settings=settings, name=city, path=corner, file_format="csv"
    )
    [pair] = merged.details["merged_pairs"]
    assert (pair["kept"], pair["merged"]) == ("amap_pois:B0FFG1", "corner_shops:c1")
    seven = "amap_pois:B0FFG1"
    assert stored(engine)[seven] == (("amap_pois", "B0FFG1"), ("corner_shops", "c1"))
    assert categories(engine, seven) == ("convenience_store", "pharmacy")
    with session_scope(engine) as session:  # two sources gave it the code: counted once
        assert city_summary(session, name=city).places_per_category["convenience_store"] == 2

    # the corner-shop list no longer names the 7-ELEVEn: it loses that source and the
    # pharmacy only that source gave, and stays, as the Amap export still lists it
    corner.write_text(CORNER_WITHOUT_C1, encoding="utf-8")
    again = import_places(
        engine=engine, settings=settings, name=city, path=corner, file_format="csv"
    )
    d = again.details
    assert (d["inserted"], d["updated"], d["removed"]) == (0, 1, 1)
    assert (d["removed_places"], d["kept_by_other_sources"], d["removed_ids"]) == (0, 1, ["c1"])
    assert "1 removed (1 of them still listed by another source)" in again.message
    assert stored(engine)[seven] == (("amap_pois", "B0FFG1"),)
    assert categories(engine, seven) == ("convenience_store",)
    with session_scope(engine) as session:
        summary = city_summary(session, name=city)
    assert summary.places_per_source == {"amap_pois": 5, "corner_shops": 1}
    assert "pharmacy" in summary.places_per_category  # 大参林药店 of the Amap export
    assert summary.places_per_category["pharmacy"] == 1

    # a newer Amap export without the 7-ELEVEn: no source lists it, so it goes
    newer = tmp_path / "amap_pois.csv"
    newer.write_text(
        "\n".join(line for line in AMAP.read_text(encoding="utf-8").splitlines()
                  if not line.startswith("B0FFG1,")) + "\n", encoding="utf-8",
    )  # fmt: skip
    latest = import_places(
        engine=engine, settings=settings, name=city, path=newer, file_format="amap"
    )
    d = latest.details
    assert (d["source_name"], d["removed"], d["removed_places"]) == ("amap_pois", 1, 1)
    assert seven not in stored(engine)
    with session_scope(engine) as session:
        left = session.scalars(
            select(PlaceCategory.code)
            .join(Place, Place.id == PlaceCategory.place_id)
            .where(Place.uid == seven)
        ).all()
    assert left == []

    # the 7-ELEVEn comes back in the corner-shop list: a new place, under its own uid
    corner.write_text(CORNER, encoding="utf-8")
    back = import_places(
        engine=engine, settings=settings, name=city, path=corner, file_format="csv"
    )
    assert (back.details["inserted"], back.details["merged"]) == (1, 0)
    assert stored(engine)["corner_shops:c1"] == (("corner_shops", "c1"),)


# --- runs left running ---------------------------------------------------------------------

START_AND_EXIT = """
import sys
from pathlib import Path
from lifecircle.services.city.runs import start_run
from lifecircle.store.db import make_engine
from lifecircle.store.models import ImportKind
engine = make_engine(sys.argv[1])
run = start_run(engine, city_id=int(sys.argv[2]), kind=ImportKind.PLACES, path=Path(sys.argv[3]),
                file_format="csv", options={})
print(run.id)
"""


def _run_row(engine: Engine, run_id: int) -> ImportRun:
    with session_scope(engine) as session:
        run = session.get_one(ImportRun, run_id)
        session.expunge(run)
        return run


def test_runs_of_live_and_dead_processes(
    engine: Engine, settings: Settings, city: str, tmp_path: Path
) -> None:
    shops = tmp_path / "corner_shops.csv"
    shops.write_text(CORNER, encoding="utf-8")
    with session_scope(engine) as session:
        city_id = get_city(session, name=city).id
    # a process that started a run with the real start_run and exited without ending it
    url = engine.url.render_as_string(hide_password=False)
    done = subprocess.run(
        [sys.executable, "-c", START_AND_EXIT, url, str(city_id), str(shops)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(lifecircle.__file__).resolve().parents[1])},
    )
    dead = int(done.stdout.strip())
    # this process's own run, as a concurrent import: alive
    live = start_run(
        engine, city_id=city_id, kind=ImportKind.PLACES, path=shops, file_format="csv", options={}
    ).id
    # two runs of another machine sharing the database: one a day and a half old
    other = [
        start_run(
            engine, city_id=city_id, kind=ImportKind.PLACES, path=shops, file_format="csv",
            options={},
        ).id
        for _ in range(2)
    ]  # fmt: skip
    with session_scope(engine) as session:
        for run_id, hours in zip(other, (36, 1), strict=True):
            run = session.get_one(ImportRun, run_id)
            run.host, run.pid = "elsewhere.example", 1
            run.started_at = utc_now() - timedelta(hours=hours)
    assert _run_row(engine, dead).status == "running"

    city_info(engine=engine, name=city)  # opening the city

    ended = _run_row(engine, dead)
    assert ended.status == "failed"
    assert ended.finished_at is not None
    assert re.fullmatch(
        r"interrupted: still running at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC when the city was "
        rf"next opened \(its process {ended.pid} on {re.escape(str(ended.host))} is gone\)",
        str(ended.message),
    )
    assert _run_row(engine, live).status == "running"
    old, recent = (_run_row(engine, run_id) for run_id in other)
    assert old.status == "failed"
    assert "started 36.0 h before, more than the 24 h limit (process 1 on elsewhere.example)" in (
        str(old.message)
    )
    assert recent.status == "running"

    # an import opens the city too, and ends the live run's peers only when dead
    import_places(engine=engine, settings=settings, name=city, path=shops, file_format="csv")
    assert _run_row(engine, live).status == "running"
    with session_scope(engine) as session:
        assert fail_stale_runs(session, city_id=city_id, limit_h=0.0) == [live, other[1]]
    assert _run_row(engine, live).message.startswith("interrupted: ")  # type: ignore[union-attr]
