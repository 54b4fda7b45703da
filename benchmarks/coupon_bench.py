"""Load benchmark of coupon claims and redemptions over HTTP: ``lifecircle serve`` under load.

Usage::

    python benchmarks/coupon_bench.py [--quick] [--clients 50] [--seconds 20]
                                      [--workers 2] [--db sqlite,postgresql]

For each database a fresh one is made (SQLite: a file in a temporary folder;
PostgreSQL: a throwaway server started from Debian's binaries, as the tests start it),
migrated, and seeded straight through the store: one shop with its merchant, 1,000
residents with bearer tokens (SYNTHETIC), and a coupon of unlimited-enough quantity
with a per-person limit of 100. The server is the real ``lifecircle serve --workers N``
in a subprocess on a free loopback port.

Warm-up: rounds of claims of another coupon on fresh connections until every worker
has answered (a few seconds), not timed. Then two closed-loop phases of ``--seconds``
each, with ``--clients`` concurrent loops (httpx.AsyncClient, HTTP/1.1 keep-alive, one
connection per loop): *claims* (``POST /coupons/{id}/claims``, each loop cycling through
its own residents) and *redemptions* (``POST /shops/{id}/redemptions`` of the codes the
claims phase produced, each code once, 6,000 fen spent). Latency is measured by the
client from sending the request to reading the whole answer, milliseconds. The table
gives requests, rate (answers per second), p50/p95/p99/max latency and the non-2xx
answers by status (or exception name). Last, the server gets SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' helpers

from tests.api.coupon_load import Seeded, Server, new_coupon, seed

from lifecircle.store.db import make_engine
from lifecircle.store.migrate import upgrade_database

RESIDENTS = 1000


def stats(name: str, latencies: list[float], codes: Counter, seconds: float) -> str:
    done = len(latencies)
    lat = np.array(latencies) * 1000 if latencies else np.zeros(1)
    errors = ", ".join(
        f"{k}: {v}" for k, v in sorted(codes.items(), key=str) if k not in (200, 201)
    )
    p50, p95, p99 = np.percentile(lat, [50, 95, 99])
    return (
        f"| {name} | {done} | {done / seconds:.0f} | {p50:.1f} | {p95:.1f} | {p99:.1f} "
        f"| {lat.max():.1f} | {errors or '-'} |"
    )


async def closed_loop(
    base: str, clients: int, seconds: float, make: list, limit_each: int | None = None
) -> tuple[list[float], Counter, list[dict], float]:
    """``clients`` loops, each sending the requests ``make[k]()`` yields until time is up."""
    latencies: list[float] = []
    codes: Counter = Counter()
    bodies: list[dict] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(60.0)) as client:
        t0 = time.perf_counter()
        end = t0 + seconds

        async def loop(k: int) -> None:
            sent = 0
            for method, url, body, headers in make[k]():
                if time.perf_counter() >= end or (limit_each is not None and sent >= limit_each):
                    return
                start = time.perf_counter()
                try:
                    response = await client.request(method, base + url, json=body, headers=headers)
                except httpx.HTTPError as exc:
                    codes[type(exc).__name__] += 1
                    continue
                latencies.append(time.perf_counter() - start)
                codes[response.status_code] += 1
                if response.status_code == 201:
                    bodies.append(response.json())
                sent += 1

        await asyncio.gather(*(loop(k) for k in range(clients)))
        elapsed = time.perf_counter() - t0
    return latencies, codes, bodies, elapsed


def _claims(seeded: Seeded, coupon: int, clients: int) -> list:
    tokens = seeded.resident_tokens

    def maker(k: int):
        def gen():
            i = k
            while True:
                yield (
                    "POST",
                    f"/coupons/{coupon}/claims",
                    None,
                    {"Authorization": f"Bearer {tokens[i % len(tokens)]}"},
                )
                i += clients

        return gen

    return [maker(k) for k in range(clients)]


def _redemptions(seeded: Seeded, codes: list[str], clients: int) -> list:
    headers = {"Authorization": f"Bearer {seeded.merchant_token}"}
    path = f"/shops/{seeded.place_id}/redemptions"

    def maker(k: int):
        def gen():
            for code in codes[k::clients]:
                yield "POST", path, {"code": code, "spent_fen": 6000}, headers

        return gen

    return [maker(k) for k in range(clients)]


def bench_db(label: str, url: str, folder: Path, args: argparse.Namespace) -> list[str]:
    engine = make_engine(url)
    upgrade_database(engine)
    seeded = seed(engine, residents=RESIDENTS)
    warm_coupon = new_coupon(seeded, engine, quantity=1_000_000, per_person_limit=100)
    coupon = new_coupon(seeded, engine, quantity=1_000_000, per_person_limit=100)
    server = Server(url, folder, workers=args.workers)
    rows = []
    try:
        base = server.base
        asyncio.run(
            closed_loop(base, args.clients, args.warmup, _claims(seeded, warm_coupon, args.clients))
        )
        lat, codes, bodies, elapsed = asyncio.run(
            closed_loop(base, args.clients, args.seconds, _claims(seeded, coupon, args.clients))
        )
        rows.append(stats(f"{label} claims", lat, codes, elapsed))
        issued = [b["code"] for b in bodies]
        lat, codes, _, elapsed = asyncio.run(
            closed_loop(
                base, args.clients, args.seconds, _redemptions(seeded, issued, args.clients)
            )
        )
        rows.append(stats(f"{label} redemptions ({len(issued)} codes)", lat, codes, elapsed))
    finally:
        server.stop()
        engine.dispose()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 s phases")
    parser.add_argument("--clients", type=int, default=50, help="concurrent request loops")
    parser.add_argument("--seconds", type=float, default=20.0, help="each timed phase")
    parser.add_argument("--warmup", type=float, default=3.0, help="untimed warm-up, seconds")
    parser.add_argument("--workers", type=int, default=2, help="lifecircle serve --workers")
    parser.add_argument("--db", default="sqlite,postgresql", help="databases, comma-separated")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds = min(args.seconds, 5.0)
        args.warmup = min(args.warmup, 2.0)
    print(
        f"coupon_bench: {args.clients} clients, {args.seconds:.0f} s phases, "
        f"{args.workers} workers, {os.cpu_count()} CPUs ({platform.machine()}), "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    rows = [
        "| phase | requests | per s | p50 ms | p95 ms | p99 ms | max ms | non-2xx |",
        "|---|---|---|---|---|---|---|---|",
    ]
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="coupon-bench-")))
        for db in args.db.split(","):
            if db == "sqlite":
                rows += bench_db("SQLite", f"sqlite:///{folder / 'bench.db'}", folder, args)
            elif db == "postgresql":
                from tests.pg import postgres_server  # noqa: PLC0415

                pg = stack.enter_context(postgres_server())
                rows += bench_db("PostgreSQL", pg.fresh_database(), folder, args)
            else:
                parser.error(f"unknown database {db!r}")
    print("\n".join(rows))
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
