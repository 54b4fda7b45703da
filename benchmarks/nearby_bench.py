"""Service time of the residents' nearby search on the demo city and a SYNTHETIC Shenzhen.

Usage::

    python benchmarks/nearby_bench.py [--quick | --tiny] [--queries 1000] [--no-demo]
                                      [--pbf data/Helsinki.osm.pbf] [--seed 42]

Each city is stored the way the service reads it: a SQLite database in a temporary
folder, the network in its ``.lcnet`` file, the places written through the store's bulk
upsert (the demo: imported from the Helsinki extract, as ``make run`` does). One
:class:`~lifecircle.services.residents.index.LiveIndex` stands for one API worker. The
first request (network load, places snapped, numba compiled or loaded from its cache)
is reported on its own; then ``--queries`` requests at random points (a network node,
moved up to 40 m off its street) are timed one by one around the service call, which
includes the database's places-version check, the point's snap, the search, the filters
and the answer's records. Variants: the default search (15 minutes, the 50 nearest),
one category, a pinyin keyword, open now. Last, one place is added through the store
and the next request, which catches up, is timed, with the places snapped for it.

The synthetic city is benchmarks/synthetic_city.py (``full``: 1M nodes, 200k places;
``--quick``: 100k nodes, 20k places; ``--tiny``: a few thousand nodes, for the test).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from lifecircle.config import Settings
from lifecircle.errors import LifecircleError
from lifecircle.io.coords import wgs84_to_gcj02
from lifecircle.io.network.lcnet import save_network
from lifecircle.services.city.cities import create_city
from lifecircle.services.city.imports import CityImportRequest, import_city
from lifecircle.services.residents.index import LiveIndex, OffNetworkError
from lifecircle.services.residents.nearby import nearby
from lifecircle.store.cities import get_city, set_network_path
from lifecircle.store.db import session_scope
from lifecircle.store.migrate import open_database
from lifecircle.store.places import replace_place_categories, upsert_places
from synthetic_city import SIZES, synthetic_city

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.engine import Engine

    from lifecircle.core.walk.network import WalkNetwork

ROOT = Path(__file__).resolve().parents[1]
DEMO_PBF = (
    ROOT / "data" / "Helsinki.osm.pbf",
    ROOT.parent / "shared" / "data" / "helsinki_osm_pbf" / "Helsinki.osm.pbf",
)
OFF_STREET_M = 40.0
HOURS = ("Mo-Fr 08:00-20:00; Sa 10:00-18:00", "24/7", "Mo-Su 18:00-02:00", None)


def store_synthetic(engine: Engine, folder: Path, label: str, seed: int) -> tuple[str, float]:
    """The synthetic city in the database (places by bulk upsert); its name and build time."""
    t0 = time.perf_counter()
    data = synthetic_city(SIZES[label], seed=seed)
    net_path = folder / "synthetic.lcnet"
    save_network(data.net, net_path)
    codes = data.taxonomy.codes
    p = data.places
    rows = [
        {
            "source_id": uid,
            "lon": float(p.lon[i]),
            "lat": float(p.lat[i]),
            "name": p.name[i],
            "opening_hours": HOURS[i % len(HOURS)],
            "opening_hours_weekly": _weekly(i),
        }
        for i, uid in enumerate(p.uid)
    ]
    cats: dict[int, list[dict[str, str]]] = {}
    create_city(engine=engine, name=data.name)
    with session_scope(engine) as session:
        set_network_path(session, name=data.name, network_path=net_path)
        city_id = get_city(session, name=data.name).id
        ids = upsert_places(session, city_id=city_id, source="syn", rows=rows).place_ids
        for k, c in zip(p.pair_place.tolist(), p.pair_category.tolist(), strict=True):
            cats.setdefault(ids[p.uid[k]], []).append({"code": codes[c]})
        replace_place_categories(session, categories=cats)
    return data.name, time.perf_counter() - t0


def _weekly(i: int) -> dict[str, Any] | None:
    day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    kind = i % len(HOURS)
    if kind == 0:
        return {
            d: ([[480, 1200]] if k < 5 else [[600, 1080]] if k == 5 else [])
            for k, d in enumerate(day)
        }
    if kind == 1:
        return {d: [[0, 1440]] for d in day}
    if kind == 2:
        return {d: [[0, 120], [1080, 1440]] for d in day}
    return None


def store_demo(engine: Engine, folder: Path, pbf: Path) -> tuple[str, float]:
    t0 = time.perf_counter()
    create_city(engine=engine, name="helsinki")
    import_city(
        engine=engine,
        settings=Settings(data_dir=folder),
        name="helsinki",
        request=CityImportRequest(network=pbf, places=pbf),
    )
    return "helsinki", time.perf_counter() - t0


def points(live: LiveIndex, name: str, n: int, seed: int) -> list[tuple[float, float]]:
    """Random points up to 40 m from random network nodes (where residents stand)."""
    return points_near(live.city(name).net, n, seed)


def points_near(net: WalkNetwork, n: int, seed: int) -> list[tuple[float, float]]:
    """``n`` WGS-84 points, each a random node of ``net`` moved up to 40 m (seeded)."""
    rng = np.random.default_rng(seed)
    nodes = rng.integers(0, net.n_nodes, n)
    x, y = net.projected_xy()
    r = rng.uniform(0, OFF_STREET_M, n)
    a = rng.uniform(0, 2 * np.pi, n)
    lon, lat = net.projection().inverse(x[nodes] + r * np.cos(a), y[nodes] + r * np.sin(a))
    return list(zip(lon.tolist(), lat.tolist(), strict=True))


def timed(
    ask: Callable[[float, float], Any], where: list[tuple[float, float]]
) -> tuple[np.ndarray, list[int]]:
    """Milliseconds per call, and the number of places each answer listed."""
    ms = np.empty(len(where))
    found = []
    for i, (lon, lat) in enumerate(where):
        t0 = time.perf_counter()
        try:
            result = ask(lon, lat)
        except OffNetworkError:
            result = None
        ms[i] = (time.perf_counter() - t0) * 1000.0
        found.append(0 if result is None else result.total)
    return ms, found


def bench_city(engine: Engine, name: str, n_queries: int, seed: int) -> list[str]:
    live = LiveIndex(engine)
    t0 = time.perf_counter()
    index = live.city(name)
    first_s = time.perf_counter() - t0
    where = points(live, name, n_queries, seed)
    friday = datetime(2026, 12, 4, 19, 30, tzinfo=UTC)
    g_lon, g_lat = wgs84_to_gcj02(np.array([w[0] for w in where]), np.array([w[1] for w in where]))
    in_gcj = list(zip(g_lon.tolist(), g_lat.tolist(), strict=True))
    variants: list[tuple[str, Callable[[float, float], Any], list[tuple[float, float]]]] = [
        ("15 min, 50 nearest", lambda x, y: nearby(live, city=name, lon=x, lat=y), where),
        (
            "one category (pharmacy)",
            lambda x, y: nearby(live, city=name, lon=x, lat=y, categories=["pharmacy"]),
            where,
        ),
        (
            "keyword, pinyin (bld)",
            lambda x, y: nearby(live, city=name, lon=x, lat=y, q="bld"),
            where,
        ),
        (
            "open now",
            lambda x, y: nearby(live, city=name, lon=x, lat=y, open_now=True, at=friday),
            where,
        ),
        (
            "point and answer in GCJ-02",
            lambda x, y: nearby(live, city=name, lon=x, lat=y, crs="gcj02"),
            in_gcj,
        ),
    ]
    for _, ask, at in variants:  # warm-up: code paths, pinyin of the places met
        timed(ask, at[:20])
    lines = [
        f"### {name}: {index.net.n_nodes:,} nodes, {index.index.n_placed:,} places on the network",
        "",
        (
            f"First request (network loaded, {index.snapped_points:,} places snapped, numba "
            f"compiled or loaded): {first_s:.2f} s. Time zone: {index.timezone}."
        ),
        "",
        f"| {n_queries:,} requests | median ms | p99 ms | max ms | places within (median) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for label, ask, at in variants:
        ms, found = timed(ask, at)
        lines.append(
            f"| {label} | {np.median(ms):.2f} | {np.percentile(ms, 99):.2f} | {ms.max():.2f} "
            f"| {int(np.median(found)):,} |"
        )
    checks = np.empty(200)
    for i in range(checks.size):
        t0 = time.perf_counter()
        live.city(name)
        checks[i] = (time.perf_counter() - t0) * 1000.0
    before = index.snapped_points
    with session_scope(engine) as session:
        upsert_places(
            session,
            city_id=get_city(session, name=name).id,
            source="bench",
            rows=[
                {"source_id": "late", "lon": where[0][0], "lat": where[0][1], "name": "新开便利店"}
            ],
        )
    t0 = time.perf_counter()
    nearby(live, city=name, lon=where[0][0], lat=where[0][1])
    catch_ms = (time.perf_counter() - t0) * 1000.0
    lines += [
        "",
        (
            f"Places-version check alone (`LiveIndex.city`, one query): median "
            f"{np.median(checks):.3f} ms. After one "
            f"place was added by another writer, the next request took {catch_ms:.1f} ms and "
            f"snapped {index.snapped_points - before} place(s) (the index was not rebuilt: "
            f"{live.city(name) is index})."
        ),
        "",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quick", action="store_true", help="100k nodes, 20k places")
    group.add_argument("--tiny", action="store_true", help="a few thousand nodes (tests)")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-demo", action="store_true", help="skip the demo city")
    parser.add_argument("--pbf", type=Path, help="the demo's OSM extract")
    args = parser.parse_args(argv)
    label = "tiny" if args.tiny else "quick" if args.quick else "full"
    lines = [
        "## Nearby search: service time per request",
        "",
        (
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}; SQLite database; one process, one thread."
        ),
        "",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        engine = open_database(f"sqlite:///{folder / 'bench.db'}")
        try:
            if not (args.no_demo or args.tiny):
                pbf = args.pbf or next((p for p in DEMO_PBF if p.is_file()), None)
                if pbf is None:
                    lines.append("Demo: skipped, no Helsinki extract (run `make run` first).")
                else:
                    print("storing the demo city ...", flush=True)
                    name, made = store_demo(engine, folder, pbf)
                    lines += [f"Demo stored in {made:.1f} s.", ""]
                    lines += bench_city(engine, name, args.queries, args.seed)
            print(f"storing the synthetic city ({label}) ...", flush=True)
            name, made = store_synthetic(engine, folder, label, args.seed)
            lines += [f"SYNTHETIC city ({label}) generated and stored in {made:.0f} s.", ""]
            lines += bench_city(engine, name, args.queries, args.seed)
        except LifecircleError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        finally:
            engine.dispose()
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
