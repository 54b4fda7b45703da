"""Cost of ``assess --by-hour`` against a plain assess on the SYNTHETIC Shenzhen-like city.

Usage::

    python benchmarks/hours_bench.py [--size quick|full] [--seed 42]

The synthetic city (:mod:`synthetic_city`) has no opening hours; each place is given one
of a few realistic patterns (24/7, 07:00-22:00, 08:00-20:00, 09:00-21:00 weekdays and
10:00-18:00 weekends, 06:00-10:00, overnight 18:00-02:00) or unknown hours (40 %), with a
seeded generator. Timings are wall-clock seconds of one run after a warm-up on the tiny
city; the load average is printed with them (the machine may be shared).
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import replace

import numpy as np

from lifecircle.services.assess import AssessParams, assess
from lifecircle.services.hours import TimeOptions, assess_in_time
from synthetic_city import SIZES, synthetic_city

_PATTERNS = (
    tuple((d, 0, 1440) for d in range(7)),
    tuple((d, 420, 1320) for d in range(7)),
    tuple((d, 480, 1200) for d in range(7)),
    (*((d, 540, 1260) for d in range(5)), (5, 600, 1080), (6, 600, 1080)),
    tuple((d, 360, 600) for d in range(7)),
    (*((d, 1080, 1440) for d in range(7)), *((d, 0, 120) for d in range(7))),
)


def main() -> None:
    """Time a plain assess, ``--at`` and ``--by-hour`` on one synthetic city."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="quick", choices=sorted(SIZES))
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    tiny = synthetic_city(SIZES["tiny"], seed=args.seed)
    assess_in_time(tiny, options=TimeOptions(by_hour=True))  # warm-up: numba, caches
    data = synthetic_city(SIZES[args.size], seed=args.seed)
    rng = np.random.default_rng(args.seed)
    pick = rng.integers(-4, len(_PATTERNS), len(data.places))  # < 0: unknown (4 in 10)
    hours = tuple(None if k < 0 else _PATTERNS[k] for k in pick.tolist())
    data = replace(data, places=replace(data.places, hours=hours))
    params = AssessParams()
    print(
        f"city {data.name}: {data.net.n_nodes:,} nodes, {len(data.places):,} places, "
        f"{data.homes.weight.size:,} population points; load {os.getloadavg()}"
    )
    for label, run in (
        ("plain assess", lambda: assess(data, params)),
        ("--at 'Mon 07:30'", lambda: assess_in_time(data, params, TimeOptions(at="Mon 07:30"))),
        ("--by-hour", lambda: assess_in_time(data, params, TimeOptions(by_hour=True))),
    ):
        started = time.perf_counter()
        doc = run()
        extra = (
            f" (by-hour part {doc['by_hour']['elapsed_s']:.1f} s, "
            f"{doc['by_hour']['classes']} hour classes)"
            if "by_hour" in doc
            else ""
        )
        print(f"{label:18s} {time.perf_counter() - started:7.1f} s{extra}")
    print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
