"""Beyond one process: many SYNTHETIC cities and one SYNTHETIC province, in-process vs Dask.

Usage::

    python benchmarks/scale_bench.py [--quick | --tiny] [--cities 40] [--total-nodes 20M]
                                     [--province-nodes 10M] [--tile-nodes 250k]
                                     [--workers 2] [--out FILE] [--seed 42]

(1) Many cities: ``--cities`` synthetic cities (:mod:`synthetic_city`, sizes drawn
log-uniformly between 1 and 12 parts and scaled to ``--total-nodes`` in all; places,
population points and communities in the ``full`` size's proportions) are each built
and assessed (:func:`lifecircle.services.assess.assess`) in this process, one after the
other, and then as one Dask task per city on a cluster whose scheduler and ``--workers``
workers (one thread each) are separate processes (``dask scheduler``, ``dask worker``)
talking TCP on 127.0.0.1. Each task builds its city from a seed (nothing big crosses the
wire) and times its own assessment; the table gives wall time, nodes per second of
wall, the peak resident memory of each worker (VmHWM read by ``client.run``), and the
Dask overhead per task: the mean round trip of an empty task and
``(wall * workers - sum of task times) / tasks`` (scheduling, transfer and idle tails).

(2) One province: a synthetic network of ``--province-nodes`` nodes, its homes and
places snapped once, then the network pass of an assessment (nearest place of every
category within the assessment's longest limit, :func:`~lifecircle.core.walk.access.
accessibility`) in one process, against :func:`lifecircle.scale.tiles.run_tiles` with
``--tile-nodes`` per tile in a plain loop and on the cluster: time, peak memory of the
process and of each worker, the halo's extra work, and whether the answers are equal
(they must be, bit for bit).

The defaults are the issue's sizes (40 cities, 20M nodes; a 10M-node province). A
10M-node synthetic network is generated in 25 s and built (``build_network``) in 125 s
with a 6.4 GB peak (measured on 2 busy cores); the province's single-process search
then peaks at 14.6 GB (1.46 GB per million nodes, measured at 10M), so on a small machine use
``--quick`` (12 cities, 3M nodes; a 2M-node province) and say so. ``--tiny`` is for the
test. Results are printed and written to ``--out`` (default
``benchmarks/scale_results.md``; ``--quick``: ``benchmarks/_build/scale_results-quick.md``;
``--tiny``: nothing), with the machine's load average beside them.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from lifecircle.core.walk.access import accessibility  # noqa: E402
from lifecircle.core.walk.snap import snap_points  # noqa: E402
from lifecircle.scale.tiles import run_tiles  # noqa: E402
from lifecircle.services.assess import AssessParams, assess, walks  # noqa: E402
from synthetic import parse_size  # noqa: E402
from synthetic_city import SIZES, Size, synthetic_city  # noqa: E402

FULL = SIZES["full"]
SIZE_SPREAD = 12.0  # largest / smallest city
PRESETS = {
    "issue": {"cities": 40, "total": 20_000_000, "province": 10_000_000, "tile": 250_000},
    "quick": {"cities": 12, "total": 3_000_000, "province": 2_000_000, "tile": 250_000},
    "tiny": {"cities": 3, "total": 12_000, "province": 8_000, "tile": 2_000},
}


# --- measuring ------------------------------------------------------------------------


def reset_peak() -> None:
    """Reset this process's resident high-water mark (Linux)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_mb() -> float:
    """This process's resident high-water mark since the last reset, MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def city_size(nodes: int) -> Size:
    """A synthetic city of ``nodes`` nodes in the ``full`` size's proportions."""
    share = nodes / FULL.nodes
    return Size(
        label=f"{nodes // 1000}k",
        nodes=nodes,
        communities=max(4, round(FULL.communities * share)),
        places=max(200, round(FULL.places * share)),
        homes=max(300, round(FULL.homes * share)),
    )


def city_sizes(cities: int, total: int, seed: int) -> list[int]:
    """Node counts of ``cities`` cities, log-uniform over a 1:12 spread, ``total`` in all."""
    rng = np.random.default_rng(seed)
    parts = np.exp(rng.uniform(0.0, math.log(SIZE_SPREAD), cities))
    return [max(2_000, int(n)) for n in np.round(parts / parts.sum() * total)]


# --- the tasks (run in this process or in a worker) -------------------------------------


def assess_city(nodes: int, seed: int, threads: int | None) -> dict[str, float]:
    """Build one synthetic city and assess it; the seconds of each part."""
    t0 = time.perf_counter()
    data = synthetic_city(city_size(nodes), seed=seed)
    t1 = time.perf_counter()
    assess(data, AssessParams(workers=threads))
    t2 = time.perf_counter()
    return {"nodes": data.net.n_nodes, "build_s": t1 - t0, "assess_s": t2 - t1, "task_s": t2 - t0}


def noop() -> float:
    return time.perf_counter()


def worker_peak(reset: bool = False) -> float:
    if reset:
        reset_peak()
    return peak_mb()


# --- the cluster ------------------------------------------------------------------------


class Cluster:
    """A scheduler and workers as separate processes (TCP on loopback), and a client."""

    def __init__(self, workers: int) -> None:
        from distributed import Client  # noqa: PLC0415 - the scale extra, needed here only

        self.dir = tempfile.TemporaryDirectory(prefix="lifecircle-scale-")
        sched_file = Path(self.dir.name) / "scheduler.json"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(ROOT / "src"), str(HERE), env.get("PYTHONPATH", "")]
        )
        env["NUMBA_NUM_THREADS"] = "1"
        dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
        common = ["--scheduler-file", str(sched_file)]
        self.procs = [
            subprocess.Popen(
                [*dask, "--host", "127.0.0.1", "--port", "0", "--dashboard-address", ":0", *common],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        ]
        deadline = time.monotonic() + 60
        while not sched_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        for k in range(workers):
            self.procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "distributed.cli.dask_worker",
                        *common,
                        "--nthreads",
                        "1",
                        "--no-nanny",
                        "--memory-limit",
                        "0",
                        "--host",
                        "127.0.0.1",
                        "--name",
                        f"w{k}",
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        self.client = Client(scheduler_file=str(sched_file), timeout="60s")
        self.client.wait_for_workers(workers, timeout=120)
        self.workers = workers

    def peaks(self, reset: bool = False) -> list[float]:
        return [round(v) for v in self.client.run(worker_peak, reset).values()]

    def close(self) -> None:
        self.client.close()
        for p in reversed(self.procs):
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        self.dir.cleanup()


def overhead_noop(client: Any, n: int = 50) -> float:
    """Mean round trip of an empty task, submitted one at a time, ms."""
    client.submit(noop, pure=False).result()
    t = time.perf_counter()
    for _ in range(n):
        client.submit(noop, pure=False).result()
    return (time.perf_counter() - t) / n * 1000.0


# --- (1) many cities ----------------------------------------------------------------------


def many_cities(sizes: list[int], seed: int, cluster: Cluster) -> list[str]:
    seeds = [seed + k for k in range(len(sizes))]
    reset_peak()
    t = time.perf_counter()
    local = [assess_city(n, s, None) for n, s in zip(sizes, seeds, strict=True)]
    local_wall = time.perf_counter() - t
    local_peak = peak_mb()
    client = cluster.client
    cluster.peaks(reset=True)
    noop_ms = overhead_noop(client)
    t = time.perf_counter()
    futures = [
        client.submit(assess_city, n, s, 1, pure=False)
        for n, s in sorted(zip(sizes, seeds, strict=True), reverse=True)  # largest first
    ]
    remote = client.gather(futures)
    dask_wall = time.perf_counter() - t
    peaks = cluster.peaks()
    nodes = sum(r["nodes"] for r in local)
    task_sum = sum(r["task_s"] for r in remote)
    idle = (dask_wall * cluster.workers - task_sum) / len(remote)
    assess_local = sum(r["assess_s"] for r in local)
    assess_remote = sum(r["assess_s"] for r in remote)
    return [
        (
            f"### Many cities: {len(sizes)} synthetic cities, {nodes:,} nodes "
            f"({min(sizes):,} to {max(sizes):,} per city)"
        ),
        "",
        (
            "| run | wall s | nodes/s (wall) | assess s (sum) | build s (sum) |"
            " peak MB per process | Dask overhead per task |"
        ),
        "|---|---:|---:|---:|---:|---|---|",
        (
            f"| in-process, one after the other | {local_wall:.1f} | {nodes / local_wall:,.0f} | "
            f"{assess_local:.1f} | {sum(r['build_s'] for r in local):.1f} | {local_peak:,.0f} | - |"
        ),
        (
            f"| Dask: scheduler + {cluster.workers} workers (1 thread each), TCP loopback | "
            f"{dask_wall:.1f} | {nodes / dask_wall:,.0f} | {assess_remote:.1f} | "
            f"{sum(r['build_s'] for r in remote):.1f} | "
            f"{' / '.join(f'{p:,}' for p in peaks)} | empty task {noop_ms:.1f} ms; "
            f"(wall x workers - tasks) / tasks {idle:.2f} s |"
        ),
        "",
        (
            f"Assessment alone: {nodes / assess_local:,.0f} nodes/s in-process "
            f"(numba's threads: all cores), {nodes / assess_remote:,.0f} nodes/s per worker "
            "(one thread)."
        ),
        "",
    ]


# --- (2) one province ---------------------------------------------------------------------


def province(nodes: int, tile_nodes: int, seed: int, cluster: Cluster) -> list[str]:
    t = time.perf_counter()
    data = synthetic_city(city_size(nodes), seed=seed)
    built = time.perf_counter() - t
    params = AssessParams()
    homes = snap_points(data.net, data.homes.lon, data.homes.lat)
    snapped = snap_points(data.net, data.places.lon, data.places.lat)
    places = snapped.take(data.places.pair_place)
    limit = walks(synthetic_city(SIZES["tiny"], seed=1), params).searched_m
    args = {
        "origins": homes,
        "places": places,
        "place_category": data.places.pair_category,
        "categories": tuple(data.categories),
        "limit_m": limit,
        "with_counts": False,
    }
    net = data.net
    del data, snapped
    reset_peak()
    base_mb = peak_mb()
    t = time.perf_counter()
    one = accessibility(net, **args)
    one_s = time.perf_counter() - t
    one_mb = peak_mb()
    reset_peak()
    loop = run_tiles(net, **args, tile_nodes=tile_nodes)
    loop_mb = peak_mb()
    cluster.peaks(reset=True)
    reset_peak()
    dist = run_tiles(net, **args, tile_nodes=tile_nodes, client=cluster.client, workers=1)
    dist_mb = peak_mb()
    peaks = cluster.peaks()

    def same(r: Any) -> str:
        ok = np.array_equal(r.metres, one.metres, equal_nan=True) and np.array_equal(
            r.origin_ok, one.origin_ok
        )
        return "equal" if ok else "DIFFERENT"

    task = np.array(dist.run.task_s)
    idle = (dist.run.wall_s * cluster.workers - task.sum()) / task.size
    return [
        (
            f"### One province: {net.n_nodes:,} nodes, {len(homes):,} population points, "
            f"{len(places):,} place-category pairs, limit {limit:,.0f} m"
        ),
        "",
        (
            f"Built in {built:.0f} s; the network and snapped points hold {base_mb:,.0f} MB "
            "in the caller before the runs."
        ),
        "",
        (
            "| run | wall s | peak MB caller | peak MB per worker | tiles | halo extra work |"
            " answers |"
        ),
        "|---|---:|---:|---|---:|---:|---|",
        (
            f"| one process (numba threads: all cores) | {one_s:.1f} | {one_mb:,.0f} | - | 1 |"
            " 0 % | reference |"
        ),
        (
            f"| tiles of {tile_nodes:,} nodes, plain loop in the caller | {loop.run.wall_s:.1f} | "
            f"{loop_mb:,.0f} | - | {loop.run.tiles} | {100 * loop.run.halo_share:.1f} % | "
            f"{same(loop.result)} |"
        ),
        (
            f"| tiles as Dask tasks, {cluster.workers} workers x 1 thread | {dist.run.wall_s:.1f} |"
            f" {dist_mb:,.0f} | {' / '.join(f'{p:,}' for p in peaks)} | {dist.run.tiles} | "
            f"{100 * dist.run.halo_share:.1f} % | {same(dist.result)} |"
        ),
        "",
        (
            f"Tile tasks: {task.mean():.1f} s on average (max {task.max():.1f} s) inside the "
            f"worker; Dask overhead (wall x workers - tasks) / tasks = {idle:.2f} s per tile "
            "(cutting the tiles in the caller, scattering them, idle tails)."
        ),
        "",
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="what fits a 2-core 24 GB machine")
    mode.add_argument("--tiny", action="store_true", help="a few thousand nodes (the test)")
    ap.add_argument("--cities", type=int)
    ap.add_argument("--total-nodes", type=parse_size)
    ap.add_argument("--province-nodes", type=parse_size)
    ap.add_argument("--tile-nodes", type=parse_size)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--skip-cities", action="store_true")
    ap.add_argument("--skip-province", action="store_true")
    args = ap.parse_args(argv)
    preset = PRESETS["tiny" if args.tiny else "quick" if args.quick else "issue"]
    cities = args.cities or preset["cities"]
    total = args.total_nodes or preset["total"]
    prov = args.province_nodes or preset["province"]
    tile = args.tile_nodes or preset["tile"]
    out = args.out
    if out is None and not args.tiny:
        out = HERE / ("_build/scale_results-quick.md" if args.quick else "scale_results.md")

    # warm-up: numba compiles (or loads its cache) before anything is timed
    assess_city(4_000, args.seed, None)
    lines = [
        "## Scale benchmark (benchmarks/scale_bench.py)",
        "",
        (
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
            f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GB; "
            f"Python {platform.python_version()}; load average before: {load()}."
        ),
        f"Command: `python benchmarks/scale_bench.py {' '.join(argv or sys.argv[1:])}`",
        "",
    ]
    cluster = Cluster(args.workers)
    try:
        cluster.client.run(assess_city, 4_000, args.seed, 1)  # warm the workers too
        if not args.skip_cities:
            lines += many_cities(city_sizes(cities, total, args.seed), args.seed, cluster)
        if not args.skip_province:
            lines += province(prov, tile, args.seed + 1000, cluster)
    finally:
        cluster.close()
    lines.append(f"Load average after: {load()}.")
    text = "\n".join(lines) + "\n"
    print(text)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
