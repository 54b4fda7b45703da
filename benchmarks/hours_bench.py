"""Cost of ``assess --by-hour`` against a plain assess on the SYNTHETIC Shenzhen-like city.

Usage::

    python benchmarks/hours_bench.py [--size quick|full] [--seed 42]
    python benchmarks/hours_bench.py --card 3000 [--seed 42]

The synthetic city (:mod:`synthetic_city`) has no opening hours; each place is given one
of a few realistic patterns (24/7, 07:00-22:00, 08:00-20:00, 09:00-21:00 weekdays and
10:00-18:00 weekends, 06:00-10:00, overnight 18:00-02:00) or unknown hours (40 %), with a
seeded generator. Timings are wall-clock seconds of one run after a warm-up on the tiny
city; the load average is printed with them (the machine may be shared).

``--card N``: the officials' hourly card for one community (``GET .../coverage-by-hour
?community=``, :func:`~lifecircle.services.coverage_by_hour.hourly_coverage`) on a
by-hour run of the quick city cut into N communities, stored in a SQLite file twice: as
runs are stored now (each community's curves a row of ``assessment_hourly``) and as they
were before migration 0019 (every community's curves inside the run's ``city`` JSON, all
read for any answer). Prints the median of 30 reads of each, and the bytes of the run
row's JSON.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

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


def _card(document: dict[str, Any], repeats: int = 30) -> None:
    """Time the hourly card of one community on the run stored now and as before 0019."""
    from sqlalchemy import delete, func, select  # noqa: PLC0415 - this mode only

    from lifecircle.services.areas import AreaScope  # noqa: PLC0415
    from lifecircle.services.coverage_by_hour import hourly_coverage  # noqa: PLC0415
    from lifecircle.store.cities import create_city  # noqa: PLC0415
    from lifecircle.store.db import session_scope  # noqa: PLC0415
    from lifecircle.store.hourly_rows import AssessmentHourly  # noqa: PLC0415
    from lifecircle.store.migrate import open_database  # noqa: PLC0415
    from lifecircle.store.models import AssessmentRun  # noqa: PLC0415
    from lifecircle.store.runs import BY_HOUR_KEY, save_assessment  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as folder:
        engine = open_database(f"sqlite:///{Path(folder) / 'card.db'}")
        with session_scope(engine, write=True) as session:
            city_id = create_city(session, name="synthetic").id
            now = save_assessment(session, city_id=city_id, document=document)
            before = save_assessment(session, city_id=city_id, document=document)
            run = session.get(AssessmentRun, before)
            assert run is not None
            run.city = {**run.city, BY_HOUR_KEY: document["by_hour"]}
            session.execute(delete(AssessmentHourly).where(AssessmentHourly.run_id == before))
        scope = AreaScope(city="synthetic", city_id=city_id, area=None)
        codes = list(document["by_hour"]["communities"])
        code = codes[len(codes) // 2]
        answers = []
        for label, run_id in (("as before 0019 (whole JSON)", before), ("rows (now)", now)):
            with session_scope(engine) as session:
                size = session.scalar(
                    select(func.length(func.json(AssessmentRun.city))).where(
                        AssessmentRun.id == run_id
                    )
                )
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                found = hourly_coverage(engine=engine, scope=scope, run_id=run_id, community=code)
                times.append(time.perf_counter() - started)
            answers.append(found.curves)
            print(
                f"card of one community, {label:28s} {statistics.median(times) * 1000:8.1f} ms "
                f"(run row's JSON {size:,} bytes; {len(codes):,} communities)"
            )
        assert answers[0] == answers[1]
        engine.dispose()


def main() -> None:
    """Time a plain assess, ``--at`` and ``--by-hour`` on one synthetic city."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="quick", choices=sorted(SIZES))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--card", type=int, default=0, help="Communities of the card's city.")
    args = parser.parse_args()
    tiny = synthetic_city(SIZES["tiny"], seed=args.seed)
    assess_in_time(tiny, options=TimeOptions(by_hour=True))  # warm-up: numba, caches
    size = SIZES[args.size]
    if args.card:
        size = replace(SIZES["quick"], label=f"quick-{args.card}", communities=args.card)
    data = synthetic_city(size, seed=args.seed)
    rng = np.random.default_rng(args.seed)
    pick = rng.integers(-4, len(_PATTERNS), len(data.places))  # < 0: unknown (4 in 10)
    hours = tuple(None if k < 0 else _PATTERNS[k] for k in pick.tolist())
    data = replace(data, places=replace(data.places, hours=hours))
    params = AssessParams()
    if args.card:
        print(f"city {data.name}: {len(data.units):,} communities; load {os.getloadavg()}")
        _card(assess_in_time(data, params, TimeOptions(by_hour=True)))
        print(f"load after: {os.getloadavg()}")
        return
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
