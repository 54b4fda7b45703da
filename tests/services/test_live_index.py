"""Live places: two workers over one database see every place change at their next request.

Two :class:`LiveIndex` instances stand for two API worker processes. Places are added,
moved, renamed and removed through the real import path (``import_places``: a CSV and
an Amap export, the removal being a cross-source merge), on SQLite and on PostgreSQL.
The network is the real Futian walk graph; the places are SYNTHETIC.
"""

from __future__ import annotations

import csv
import threading
from typing import TYPE_CHECKING

import numpy as np
import pytest

from lifecircle.config import Settings
from lifecircle.errors import NotFoundError
from lifecircle.services.city.cities import create_city
from lifecircle.services.city.places import import_network, import_places
from lifecircle.services.networks import build_network_file
from lifecircle.services.residents.index import LiveIndex
from lifecircle.services.residents.nearby import nearby
from lifecircle.store import cities as city_store
from lifecircle.store.db import session_scope
from lifecircle.store.migrate import open_database
from tests.conftest import FUTIAN_GRAPHML, require
from tests.store import conftest as store_conftest

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Engine

    from lifecircle.core.walk.network import WalkNetwork

postgres = store_conftest.postgres
empty_engine = store_conftest.empty_engine
engine = store_conftest.engine

NAME = "futian-live"


@pytest.fixture(scope="module")
def network_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("net") / "futian.lcnet"
    build_network_file(require(FUTIAN_GRAPHML), path)
    return path


def write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        out.writerows(rows)
    return path


class City:
    """The test city: its files, and the places written so far (WGS-84)."""

    def __init__(self, engine: Engine, folder: Path, network: Path) -> None:
        self.engine = engine
        self.folder = folder
        self.settings = Settings(data_dir=folder)
        create_city(engine=engine, name=NAME)
        import_network(engine=engine, settings=self.settings, name=NAME, path=network)
        self.net: WalkNetwork = LiveIndex(engine).city(NAME).net
        rng = np.random.default_rng(8)
        nodes = rng.choice(self.net.n_nodes, size=40, replace=False)
        mid = np.argmin(
            np.hypot(self.net.lon - np.median(self.net.lon), self.net.lat - np.median(self.net.lat))
        )
        self.centre = (float(self.net.lon[mid]), float(self.net.lat[mid]))
        self.rows = {
            f"p{k}": [
                float(self.net.lon[n]),
                float(self.net.lat[n]) + 3e-5,
                "pharmacy",
                f"药店 {k}",
            ]
            for k, n in enumerate(nodes)
        }
        self.rows["p0"][:2] = [self.centre[0] + 2e-4, self.centre[1]]  # near the centre

    def import_csv(self, **options: object) -> None:
        path = write(
            self.folder / "places.csv",
            ["id", "lon", "lat", "category", "name"],
            [[pid, *row] for pid, row in self.rows.items()],
        )
        import_places(
            engine=self.engine,
            settings=self.settings,
            name=NAME,
            path=path,
            file_format="csv",
            **({"source": "csv"} | options),  # uids csv:<id>; the file is the whole source
        )

    def import_amap(self, rows: list[list[object]], **options: object) -> None:
        path = write(self.folder / "amap.csv", ["id", "name", "typecode", "location"], rows)
        import_places(
            engine=self.engine,
            settings=self.settings,
            name=NAME,
            path=path,
            file_format="amap",
            crs="wgs84",
            **options,
        )


def seen(live: LiveIndex, city: City, minutes: float = 60.0) -> dict[str, float]:
    """Every place a worker finds from the centre: uid to metres."""
    found = nearby(
        live, city=NAME, lon=city.centre[0], lat=city.centre[1], minutes=minutes, limit=200
    )
    assert found.total < 200
    return {p.id: p.metres for p in found.places}


def test_two_workers_see_adds_moves_renames_and_removals(
    engine: Engine, tmp_path: Path, network_file: Path
) -> None:
    city = City(engine, tmp_path, network_file)
    city.import_csv()
    one, two = LiveIndex(engine), LiveIndex(engine)
    first = seen(one, city)
    assert first == seen(two, city)
    assert "csv:p0" in first
    index = one.city(NAME)
    assert index.snapped_points == 40
    assert index.snapped_points == two.city(NAME).snapped_points

    def check(expected_snaps: int) -> dict[str, float]:
        fresh = seen(LiveIndex(engine), city)  # a worker started now
        for live in (one, two):
            assert seen(live, city) == pytest.approx(fresh, abs=1e-9)
            assert live.city(NAME).snapped_points == expected_snaps
        assert one.city(NAME) is index  # caught up, never rebuilt
        return fresh

    # added: snapped alone
    city.rows["new"] = [city.centre[0] - 1e-4, city.centre[1] + 1e-4, "laundry", "洗衣店"]
    city.import_csv()
    after = check(41)
    assert set(after) == set(first) | {"csv:new"}

    # moved: re-snapped alone, and farther away now
    city.rows["p0"][:2] = [city.centre[0] + 3e-3, city.centre[1]]
    city.import_csv()
    moved = check(42)
    assert moved["csv:p0"] > after["csv:p0"] + 100

    # renamed and re-categorised in place: nothing snapped, the new name searchable
    city.rows["p1"][2:] = ["laundry", "干洗店"]
    city.import_csv()
    check(42)
    hit = nearby(one, city=NAME, lon=city.centre[0], lat=city.centre[1], minutes=60, q="ganxi")
    assert [p.id for p in hit.places] == ["csv:p1"]
    assert [c.code for c in hit.places[0].categories] == ["laundry"]
    assert (
        nearby(
            two,
            city=NAME,
            lon=city.centre[0],
            lat=city.centre[1],
            minutes=60,
            categories=["laundry"],
        ).total
        == 2
    )

    # removed: an Amap POI of the same shop arrives (kept apart: dedupe off), then the CSV
    # comes again and its duplicate merges into the Amap place, which deletes it
    lon, lat = city.rows["new"][:2]
    city.import_amap([["B0LIVE", "洗衣店", "071500", f"{lon + 5e-5:.7f},{lat:.7f}"]], dedupe_m=0)
    merged = check(43)  # the Amap POI is new: snapped
    assert {"csv:new", "amap:B0LIVE"} <= set(merged)
    city.import_csv()  # the CSV's own duplicate is merged into the Amap place and deleted
    gone = check(43)
    assert "csv:new" not in gone
    assert "amap:B0LIVE" in gone
    assert set(gone) == set(merged) - {"csv:new"}


def test_a_new_network_or_a_new_city_rebuilds(
    engine: Engine, tmp_path: Path, network_file: Path
) -> None:
    city = City(engine, tmp_path, network_file)
    city.import_csv()
    live = LiveIndex(engine)
    before = live.city(NAME)
    seen(live, city)
    import_network(engine=engine, settings=city.settings, name=NAME, path=network_file)
    rebuilt = live.city(NAME)
    assert rebuilt is not before
    assert rebuilt.snapped_points == 40
    with session_scope(engine) as session:
        city_store.delete_city(session, name=NAME)
    with pytest.raises(NotFoundError, match="no city named"):
        seen(live, city)
    again = City(engine, tmp_path / "again", network_file)
    again.import_csv()
    assert live.city(NAME) is not rebuilt
    assert set(seen(live, again)) == {f"csv:p{k}" for k in range(40)} & set(
        seen(LiveIndex(engine), again)
    )


def test_queries_while_another_thread_imports(tmp_path: Path, network_file: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'threads.db'}")
    city = City(engine, tmp_path, network_file)
    city.import_csv()
    live = LiveIndex(engine)
    problems: list[BaseException] = []
    stop = threading.Event()

    def ask() -> None:
        while not stop.is_set():
            try:
                seen(live, city, minutes=30)
            except BaseException as exc:  # noqa: BLE001 - reported below
                problems.append(exc)
                return

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for t in threads:
        t.start()
    for k in range(5):
        city.rows[f"t{k}"] = [city.centre[0] + k * 1e-4, city.centre[1], "repair", f"维修 {k}"]
        city.import_csv()
    stop.set()
    for t in threads:
        t.join()
    assert problems == []
    assert seen(live, city) == pytest.approx(seen(LiveIndex(engine), city), abs=1e-9)
    assert {f"csv:t{k}" for k in range(5)} <= set(seen(live, city))
    engine.dispose()
