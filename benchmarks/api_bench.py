"""Load benchmark of the residents' nearby search over HTTP: ``lifecircle serve`` under load.

Usage::

    python benchmarks/api_bench.py [--quick | --tiny] [--clients 50] [--seconds 60]
                                   [--workers 2] [--client httpx|raw] [--client-procs 1]
                                   [--rate R] [--no-demo]
                                   [--pbf data/Helsinki.osm.pbf] [--seed 42]
                                   [--build-dir benchmarks/_build/api]

Each city is stored as benchmarks/nearby_bench.py stores it (SQLite, the network in its
``.lcnet`` file, the places by the store's bulk upsert) in a folder of ``--build-dir``
keyed by its size and seed, which a later run reuses. The server is the real
``lifecircle serve --workers N`` in a subprocess on a free loopback port. Once
``/api/v1/health`` answers, every worker is warmed: rounds of concurrent requests on
fresh connections until each worker process has answered one (the worker that accepted
a connection is found from the kernel's socket table, /proc, so nothing is added to the
API). A worker's first request loads the city's network and snaps its places; the
slowest warm-up answer of each worker is reported as its first-request time, and the
timed window starts after all are warm.

The load: ``--clients`` concurrent loops (httpx.AsyncClient, HTTP/1.1 keep-alive, one
connection per loop; or ``--client raw``, a minimal keep-alive HTTP/1.1 client on
asyncio streams that costs the machine far less per request), split over
``--client-procs`` processes, each sending ``GET /api/v1/cities/{city}/nearby`` for
``--seconds``: a random network node moved up to 40 m, and half of the time one random
basic category. Latency is measured by the client from sending the request to reading
the whole answer, milliseconds. The table gives requests, rate (answers per second),
p50/p95/p99/max latency, the non-200 answers by status (or exception name), and the CPU
seconds of the server's processes and of the load generator over the window, as a share
of one core. Last, the server gets SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import numpy as np

from lifecircle.io.network.lcnet import load_network
from lifecircle.io.places.taxonomy import load_taxonomy
from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope
from lifecircle.store.migrate import open_database
from nearby_bench import DEMO_PBF, points_near, store_demo, store_synthetic

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "benchmarks" / "_build" / "api"
N_POINTS = 20_000
CATEGORY_SHARE = 0.5
WARM_TIMEOUT_S = 600.0
START_DELAY_S = 3.0  # client processes start together this long after they are sent off
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class City:
    """A stored city: its name, database URL, data folder and network file."""

    name: str
    database_url: str
    folder: Path
    network: Path
    build_s: float
    cached: bool


def stored_city(build: Path, key: str, store: Any) -> City:
    """The city in ``build/key``, built by ``store(engine, folder)`` unless already there."""
    folder = build / key
    ready = folder / "ready.json"
    db = folder / "bench.db"
    cached = ready.is_file()
    if not cached:
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        engine = open_database(f"sqlite:///{db}")
        try:
            name, build_s = store(engine, folder)
        finally:
            engine.dispose()
        ready.write_text(json.dumps({"name": name, "build_s": build_s}), encoding="utf-8")
    meta = json.loads(ready.read_text(encoding="utf-8"))
    engine = open_database(f"sqlite:///{db}")
    try:
        with session_scope(engine) as session:
            network = Path(str(get_city(session, name=meta["name"]).network_path))
    finally:
        engine.dispose()
    return City(meta["name"], f"sqlite:///{db}", folder, network, meta["build_s"], cached)


# ---- the server's processes, from /proc -------------------------------------------------


def process_tree(root: int) -> list[int]:
    """``root`` and every live descendant process."""
    parent: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text(encoding="utf-8")
            except OSError:
                continue
            parent[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, frontier = [root], [root]
    while frontier:
        kids = [p for p, pp in parent.items() if pp in frontier]
        tree += kids
        frontier = kids
    return tree


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU seconds used so far by these processes."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1]
        except OSError:
            continue
        parts = fields.split()
        total += int(parts[11]) + int(parts[12])
    return total / CLK_TCK


def socket_owner(pids: list[int], server_port: int, client_port: int) -> int | None:
    """The process holding the server's end of the loopback connection from ``client_port``."""
    inode = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text(encoding="utf-8").splitlines()[1:]:
            cols = line.split()
            local, remote = cols[1], cols[2]
            if (
                int(local.rsplit(":", 1)[1], 16) == server_port
                and int(remote.rsplit(":", 1)[1], 16) == client_port
            ):
                inode = cols[9]
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid in pids:
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if str(fd.readlink()) == target:
                    return pid
            except OSError:
                continue
    return None


# ---- the server ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def start_server(city: City, workers: int, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LIFECIRCLE_DATABASE_URL": city.database_url,
        "LIFECIRCLE_DATA_DIR": str(city.folder),
    }
    command = [sys.executable, "-m", "lifecircle", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers)]
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_healthy(server: subprocess.Popen[bytes], base: str, log: Path) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 120:
        if server.poll() is not None:
            tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
            msg = f"the server exited ({server.returncode}):\n{tail}"
            raise RuntimeError(msg)
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                return time.perf_counter() - t0
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    msg = "the server did not answer /api/v1/health within 120 s"
    raise RuntimeError(msg)


def stop_server(server: subprocess.Popen[bytes]) -> int:
    server.send_signal(signal.SIGINT)
    try:
        return server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
        return -9


# ---- the load ------------------------------------------------------------------------


def ask(pts: list[tuple[float, float]], cats: list[str], rng: np.random.Generator) -> dict:
    lon, lat = pts[int(rng.integers(len(pts)))]
    params: dict[str, Any] = {"lon": f"{lon:.7f}", "lat": f"{lat:.7f}"}
    if rng.random() < CATEGORY_SHARE:
        params["category"] = cats[int(rng.integers(len(cats)))]
    return params


async def warm(
    url: str, pts: list[tuple[float, float]], cats: list[str], server: int, port: int, n: int
) -> tuple[dict[int, float], int]:
    """Slowest warm-up answer (s) of each of the ``n`` workers, once each has answered.

    Also the number of warm-up requests whose connection the server dropped: uvicorn's
    supervisor kills and replaces a worker that misses its 5 s health-check while it loads
    a large city on a busy machine; the replacement must then answer too.
    """
    rng = np.random.default_rng(0)
    slowest: dict[int, float] = {}
    dropped = 0
    t_start = time.perf_counter()
    while len(slowest) < n:
        if time.perf_counter() - t_start > WARM_TIMEOUT_S:
            msg = f"only {len(slowest)} of {n} workers answered in {WARM_TIMEOUT_S:.0f} s"
            raise RuntimeError(msg)
        pids = process_tree(server)
        slowest = {pid: s for pid, s in slowest.items() if pid in pids}
        async with httpx.AsyncClient(timeout=WARM_TIMEOUT_S) as client:

            async def one(
                client: httpx.AsyncClient = client, pids: list[int] = pids
            ) -> tuple[int | None, float]:
                t0 = time.perf_counter()
                try:
                    r = await client.get(url, params=ask(pts, cats, rng))
                except httpx.TransportError:
                    return -1, 0.0
                took = time.perf_counter() - t0
                if r.status_code != 200:
                    msg = f"warm-up answer {r.status_code}: {r.text[:500]}"
                    raise RuntimeError(msg)
                mine = r.extensions["network_stream"].get_extra_info("client_addr")[1]
                return socket_owner(pids, port, mine), took

            for pid, took in await asyncio.gather(*(one() for _ in range(2 * n + 2))):
                if pid == -1:
                    dropped += 1
                elif pid is not None:
                    slowest[pid] = max(slowest.get(pid, 0.0), took)
    return slowest, dropped


async def pace(due: float) -> float:
    """Wait for a request's scheduled moment (wall clock); its start on the perf clock.

    A request sent late (the server was slow to answer the loop's previous one) is timed
    from when it was due, so a slow phase is not hidden by the generator's own waiting
    (no coordinated omission).
    """
    await asyncio.sleep(max(0.0, due - time.time()))
    return time.perf_counter() - max(0.0, time.time() - due)


async def _load(
    url: str,
    pts: list[tuple[float, float]],
    cats: list[str],
    clients: int,
    start_at: float,
    end_at: float,
    seed: int,
    gap: float,
) -> tuple[list[float], Counter[str], float]:
    ms: list[float] = []
    errors: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=30.0, limits=limits) as client:

        async def loop(k: int) -> None:
            rng = np.random.default_rng([seed, k])
            due = start_at + k * gap / clients
            while time.time() < end_at:
                t0 = await pace(due) if gap else time.perf_counter()
                due += gap
                params = ask(pts, cats, rng)
                try:
                    r = await client.get(url, params=params)
                    code = str(r.status_code)
                except httpx.HTTPError as exc:
                    code = type(exc).__name__
                ms.append((time.perf_counter() - t0) * 1000.0)
                if code != "200":
                    errors[code] += 1

        await asyncio.sleep(max(0.0, start_at - time.time()))
        cpu0 = time.process_time()
        await asyncio.gather(*(loop(k) for k in range(clients)))
        cpu = time.process_time() - cpu0
    return ms, errors, cpu


async def _load_raw(
    url: str,
    pts: list[tuple[float, float]],
    cats: list[str],
    clients: int,
    start_at: float,
    end_at: float,
    seed: int,
    gap: float,
) -> tuple[list[float], Counter[str], float]:
    """As :func:`_load` with a minimal HTTP/1.1 keep-alive client on asyncio streams.

    Each loop holds one connection, writes a GET, reads the head up to its blank line and
    then exactly ``Content-Length`` bytes of body (uvicorn sends it for JSON answers; an
    answer without one is counted as an error). It measures the server with a load
    generator far cheaper per request than httpx.
    """
    where = httpx.URL(url)
    host, port, path = where.host, where.port or 80, where.raw_path.decode()
    ms: list[float] = []
    errors: Counter[str] = Counter()

    async def loop(k: int) -> None:
        rng = np.random.default_rng([seed, k])
        reader, writer = await asyncio.open_connection(host, port)
        due = start_at + k * gap / clients
        try:
            while time.time() < end_at:
                t0 = await pace(due) if gap else time.perf_counter()
                due += gap
                query = urlencode(ask(pts, cats, rng))
                request = f"GET {path}?{query} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n"
                try:
                    writer.write(request.encode())
                    head = await reader.readuntil(b"\r\n\r\n")
                    code = head[9:12].decode()
                    length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
                    if length is None:
                        code = "no Content-Length"
                    else:
                        await reader.readexactly(int(length.group(1)))
                except (OSError, asyncio.IncompleteReadError) as exc:
                    code = type(exc).__name__
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
                ms.append((time.perf_counter() - t0) * 1000.0)
                if code != "200":
                    errors[code] += 1
                if code == "no Content-Length":
                    break
        finally:
            writer.close()

    await asyncio.sleep(max(0.0, start_at - time.time()))
    cpu0 = time.process_time()
    await asyncio.gather(*(loop(k) for k in range(clients)))
    return ms, errors, time.process_time() - cpu0


def load_proc(
    url: str,
    pts: list[tuple[float, float]],
    cats: list[str],
    clients: int,
    start_at: float,
    end_at: float,
    seed: int,
    gap: float,
    raw: bool,
) -> tuple[list[float], Counter[str], float]:
    """One load-generator process: ``clients`` loops on one event loop (httpx or raw)."""
    drive = _load_raw if raw else _load
    return asyncio.run(drive(url, pts, cats, clients, start_at, end_at, seed, gap))


def run_load(
    url: str, pts: list[tuple[float, float]], cats: list[str], args: argparse.Namespace
) -> tuple[np.ndarray, Counter[str], float, float]:
    """Latencies (ms), errors, load-generator CPU seconds and the window's length (s)."""
    procs = max(1, min(args.client_procs, args.clients))
    shares = [args.clients // procs + (i < args.clients % procs) for i in range(procs)]
    start_at = time.time() + START_DELAY_S
    end_at = start_at + args.seconds
    raw = args.client == "raw"
    gap = args.clients / args.rate if args.rate else 0.0
    if procs == 1:
        parts = [load_proc(url, pts, cats, shares[0], start_at, end_at, args.seed, gap, raw)]
    else:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(procs, mp_context=ctx) as pool:
            futures = [
                pool.submit(
                    load_proc,
                    url,
                    pts,
                    cats,
                    n,
                    start_at,
                    end_at,
                    args.seed + i,
                    gap,
                    raw,
                )
                for i, n in enumerate(shares)
            ]
            parts = [f.result() for f in futures]
    window = max(time.time(), end_at) - start_at
    ms = np.array([x for p in parts for x in p[0]])
    errors: Counter[str] = Counter()
    for p in parts:
        errors.update(p[1])
    return ms, errors, sum(p[2] for p in parts), window


# ---- one city ------------------------------------------------------------------------


def bench_city(city: City, label: str, args: argparse.Namespace) -> tuple[list[str], str]:
    """Notes (build, warm-up) and the table row of one city under load."""
    pts = points_near(load_network(city.network), N_POINTS, args.seed)
    cats = [c.code for c in load_taxonomy("shenzhen").in_group("basic")]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    url = f"{base}/api/v1/cities/{city.name}/nearby"
    log = city.folder / f"server-{port}.log"
    server = start_server(city, args.workers, port, log)
    try:
        up_s = wait_healthy(server, base, log)
        t0 = time.perf_counter()
        slowest, dropped = asyncio.run(warm(url, pts, cats, server.pid, port, args.workers))
        warm_s = time.perf_counter() - t0
        pids = process_tree(server.pid)
        busy = os.getloadavg()[0]
        cpu0 = cpu_seconds(pids)
        ms, errors, client_cpu, window = run_load(url, pts, cats, args)
        server_cpu = cpu_seconds(pids) - cpu0
    finally:
        code = stop_server(server)
    built = "reused from " + str(city.folder) if city.cached else "built"
    notes = [
        (
            f"- {label}: stored in {city.build_s:.1f} s ({built}); health answered "
            f"{up_s:.1f} s after start; all {args.workers} worker(s) warm after {warm_s:.1f} s "
            "(first request per worker, slowest warm-up answer: "
            + ", ".join(f"{s:.2f} s" for s in sorted(slowest.values()))
            + f"; {dropped} warm-up requests dropped by a restarted worker"
            + f"); load average before the window {busy:.1f}; server stopped by SIGINT, "
            f"exit code {code}."
        )
    ]
    n = ms.size
    if n == 0:
        msg = "no request completed"
        raise RuntimeError(msg)
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    errs = ", ".join(f"{k}: {v}" for k, v in sorted(errors.items())) or "0"
    row = (
        f"| {label} | {args.workers} | {args.clients} | {args.client} x {args.client_procs} "
        f"| {f'{args.rate:,.0f}' if args.rate else 'max'} "
        f"| {window:.0f} "
        f"| {n:,} | {n / window:,.0f} | {p50:.1f} | {p95:.1f} | {p99:.1f} | {ms.max():.1f} "
        f"| {errs} | {server_cpu / window:.0%} | {client_cpu / window:.0%} |"
    )
    return notes, row


HEADER = [
    (
        "| city | workers | clients | client x procs | offered req/s | seconds | requests "
        "| req/s | p50 ms | p95 ms | p99 ms | max ms | errors | server CPU | client CPU |"
    ),
    "| --- | ---: | ---: | --- " + "| ---: " * 8 + "| --- | ---: | ---: |",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quick", action="store_true", help="100k nodes, 20k places")
    group.add_argument("--tiny", action="store_true", help="a few thousand nodes (tests)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent request loops")
    parser.add_argument("--seconds", type=float, default=60.0, help="the timed window")
    parser.add_argument("--workers", type=int, default=2, help="lifecircle serve --workers")
    parser.add_argument("--client-procs", type=int, default=1, help="load-generator processes")
    parser.add_argument(
        "--client",
        choices=("httpx", "raw"),
        default="httpx",
        help="httpx.AsyncClient, or a minimal keep-alive client on asyncio streams",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="requests per second offered, spread over the clients (default: as fast as "
        "answered, each client sending its next request when the last is answered)",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-demo", action="store_true", help="skip the demo city")
    parser.add_argument("--pbf", type=Path, help="the demo's OSM extract")
    parser.add_argument("--build-dir", type=Path, default=BUILD, help="cached cities")
    args = parser.parse_args(argv)
    size = "tiny" if args.tiny else "quick" if args.quick else "full"
    cities: list[tuple[str, str, Any]] = []
    notes: list[str] = []
    if not (args.no_demo or args.tiny):
        pbf = args.pbf or next((p for p in DEMO_PBF if p.is_file()), None)
        if pbf is None:
            notes.append("- demo: skipped, no Helsinki extract (run `make run` first).")
        else:
            cities.append(
                (
                    "demo Helsinki",
                    f"demo-{pbf.stem}-{pbf.stat().st_size}",
                    lambda engine, folder: store_demo(engine, folder, pbf),
                )
            )
    cities.append(
        (
            f"SYNTHETIC {size}",
            f"synthetic-{size}-seed{args.seed}",
            lambda engine, folder: store_synthetic(engine, folder, size, args.seed),
        )
    )
    rows = []
    for label, key, store in cities:
        print(f"{label}: storing or reusing the city ...", flush=True)
        city = stored_city(args.build_dir, key, store)
        print(f"{label}: serving and loading ...", flush=True)
        more, row = bench_city(city, label, args)
        notes += more
        rows.append(row)
    lines = [
        "## Nearby search over HTTP: lifecircle serve under load",
        "",
        (
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}; SQLite; the load generator on the same machine "
            "(loopback). Each request: a random node moved up to 40 m, half of them with one "
            "random basic category (15 minutes, the 50 nearest)."
        ),
        "",
        *HEADER,
        *rows,
        "",
        *notes,
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
