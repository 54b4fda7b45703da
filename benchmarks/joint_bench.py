"""Time and peak memory of the joint plan (`plan --joint`) on the demo and a SYNTHETIC city.

Usage::

    python benchmarks/joint_bench.py [--size tiny|small] [--seed 7] [--no-demo]
                                     [--categories a,b,...] [--demo-categories basic]

The synthetic city is :mod:`synthetic_city` (``tiny``: 4,000 nodes, 9 communities;
``small``: 20,000 nodes, 20 communities, 6,000 population points), planned for
categories HiGHS solves (the default list: no Lagrangian method, whose time is its
time limit, so the figure is the walks' and the exact solves'). The demo is the city
``helsinki`` of the default database (``lifecircle.config.Settings()``, as
``make demo-city`` stores it), planned for the basic categories as
``lifecircle plan helsinki --joint`` does.

One run per city, after a warm-up on the tiny city (numba's compilation is not in the
figures). Printed per city: the joint plan's wall time, the seconds spent in the walks
from the candidates (the steps ``<category>: walks from the candidates`` and, in code
before the shared preparation, ``joint: walks from the candidates``), the resident
memory's high-water mark during the run (VmHWM, reset before it) and the resident
memory at its start, MB; and the units, the per-category sites and the solver.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assess_bench import StepClock, _peak_mb, _reset_peak, _rss_mb, load_demo
from lifecircle.services.plan import PlanParams, joint_plan
from synthetic_city import SIZES, Size, synthetic_city

if TYPE_CHECKING:
    from lifecircle.services.city.data import CityData

SMALL = Size("small", 20_000, 20, 4_000, 6_000)
SYNTHETIC_CATEGORIES = (
    "convenience_store", "fresh_grocery", "laundry", "pharmacy", "repair", "post_express",
)  # fmt: skip


def run(instance: str, data: CityData, params: PlanParams) -> list[str]:
    """One joint plan, measured: the table's row for it."""
    data.net._cache.clear()  # as a fresh process would
    clock = StepClock()
    _reset_peak()
    start_mb = _rss_mb()
    t0 = time.perf_counter()
    doc: dict[str, Any] = joint_plan(data, params, progress=clock)
    end = time.perf_counter()
    peak_mb = _peak_mb()
    steps = clock.durations(end)
    walks = sum(s for name, s in steps.items() if name.endswith("walks from the candidates"))
    j = doc["joint"]
    result = f"{j['units']} units ({j['solver']}, gap {j['gap']}); per-category "
    result += f"{j['per_category_sites']} sites"
    row = [
        instance,
        f"{len(doc['plan']['parameters']['categories'])}",
        f"{end - t0:.1f}",
        f"{walks:.1f}",
        f"{peak_mb:,.0f}",
        f"{start_mb:,.0f}",
        result,
    ]
    print(f"  {instance}: {row[2]} s, walks {row[3]} s, peak {row[4]} MB", flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("tiny", "small"), default="small")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-demo", action="store_true", help="skip the demo city")
    parser.add_argument("--categories", default=",".join(SYNTHETIC_CATEGORIES))
    parser.add_argument("--demo-categories", default="basic")
    args = parser.parse_args(argv)

    tiny = synthetic_city(SIZES["tiny"], seed=args.seed)
    t0 = time.perf_counter()
    joint_plan(tiny, PlanParams(categories=("laundry", "repair"), joint=True))
    print(f"warm-up on the tiny city: {time.perf_counter() - t0:.1f} s", flush=True)

    rows = []
    if not args.no_demo:
        demo, _, why = load_demo()
        if demo is None:
            print(f"demo city: not available ({why})", flush=True)
        else:
            cats = tuple(args.demo_categories.split(","))
            rows.append(run("demo helsinki", demo, PlanParams(categories=cats, joint=True)))
            del demo
    size = SIZES["tiny"] if args.size == "tiny" else SMALL
    city = tiny if args.size == "tiny" else synthetic_city(size, seed=args.seed)
    cats = tuple(args.categories.split(","))
    label = (
        f"SYNTHETIC {size.label} ({city.net.n_nodes:,} nodes, {city.homes.weight.size:,} points)"
    )
    rows.append(run(label, city, PlanParams(categories=cats, joint=True)))

    head = ["city", "categories", "time, s", "walks, s", "peak MB", "start MB", "result"]
    print()
    print(f"{platform.node()}, Python {platform.python_version()}, lifecircle from "
          f"{Path(sys.modules['lifecircle'].__file__ or '').parent}")  # fmt: skip
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
