"""Run time of `assess` and `plan` on a SYNTHETIC Shenzhen-size city and on the demo city.

Usage::

    python benchmarks/assess_bench.py [--quick | --tiny] [--out FILE] [--reps 2]
                                      [--seed 42] [--no-demo]

The synthetic city (:mod:`synthetic_city`: 1M network nodes, ~700 communities, 200k
places, 300k population points; ``--quick``: 100k / 70 / 20k / 30k; ``--tiny``: a few
thousand nodes, for the test) is built in memory. The demo is the city ``helsinki`` that
``make run`` stores in the default database (``lifecircle.config.Settings()``).

Each figure is the median of ``--reps`` runs made after a warm-up on a tiny city, so
numba's compilation (or cache load) is not in them; the warm-up is reported on its own.
The walking network's caches (projection, segment tree) are emptied before every run,
so each run pays for them as a fresh ``lifecircle assess`` would. The table is printed
and written to ``--out`` (default ``benchmarks/assess_results.md``; ``--quick`` writes
``benchmarks/_build/assess_results-quick.md``, ``--tiny`` nothing). The exit status is 1
when a plan run failed (after the table is printed).
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import resource
import statistics
import sys
import time
import traceback
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse

from lifecircle.config import Settings
from lifecircle.core.plan.lagrangian import lagrangian_set_cover
from lifecircle.core.plan.row_weighting import row_weighting_search
from lifecircle.errors import LifecircleError
from lifecircle.services.assess import AssessParams, assess, walks
from lifecircle.services.city.data import load_city_data
from lifecircle.store.migrate import open_database
from synthetic_city import SIZES, synthetic_city

if TYPE_CHECKING:
    from collections.abc import Callable

    from lifecircle.services.city.data import CityData

HERE = Path(__file__).resolve().parent
DEMO_CITY = "helsinki"
PLAN_CATEGORY = "pharmacy"  # a basic category; the first basic one where it is missing
PLAN_K = 100
REPEAT_CAP_S = 300.0  # a plan run longer than this is not repeated
COVER_LONG_S = 90.0  # the cover's time limit that still ends within the 120 s


# --- measuring ------------------------------------------------------------------------


def _reset_peak() -> bool:
    """Reset the kernel's resident high-water mark (Linux); False where impossible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _peak_mb() -> float:
    """Resident high-water mark since the last reset (else since start), MB."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return _maxrss_mb()


def _rss_mb() -> float:
    """The process's resident memory now, MB (nan where /proc is missing)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def _maxrss_mb() -> float:
    """The process's resident high-water mark (getrusage), MB.

    On Linux this is the same counter as VmHWM, so it too restarts at each reset.
    """
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _busy_cpu_s() -> float:
    """CPU seconds all processes have used since boot (0 where /proc/stat is missing)."""
    stat = Path("/proc/stat")
    if not stat.exists():
        return 0.0
    ticks = [int(v) for v in stat.read_text().splitlines()[0].split()[1:]]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Row:
    """One line of the timing table."""

    instance: str
    what: str
    times: list[float] = field(default_factory=list)
    peak_mb: float = float("nan")
    start_mb: float = float("nan")
    other_cores: float = 0.0
    result: str = ""
    indent: bool = False

    @property
    def median(self) -> float:
        return statistics.median(self.times) if self.times else float("nan")


def measure(
    instance: str,
    what: str,
    fn: Callable[[], Any],
    *,
    reps: int,
    before: Callable[[], None] | None = None,
    cap_s: float = float("inf"),
) -> tuple[Row, Any]:
    """Run ``fn`` ``reps`` times (fewer when a run exceeds ``cap_s``); returns the row and
    the last answer. ``before`` runs untimed before each run."""
    row = Row(instance, what)
    answer = None
    busy0, own0, wall = _busy_cpu_s(), _own_cpu_s(), 0.0
    _reset_peak()
    row.start_mb = _rss_mb()
    for _ in range(reps):
        if before is not None:
            before()
        t0 = time.perf_counter()
        answer = fn()
        row.times.append(time.perf_counter() - t0)
        wall += row.times[-1]
        if row.times[-1] > cap_s:
            break
    row.peak_mb = _peak_mb()
    row.other_cores = max(0.0, (_busy_cpu_s() - busy0 - (_own_cpu_s() - own0)) / max(wall, 1e-9))
    print(f"  {instance}: {what}: {', '.join(f'{t:.2f}' for t in row.times)} s", flush=True)
    return row, answer


class StepClock:
    """A ``progress`` callback that times the steps :func:`assess` announces."""

    def __init__(self) -> None:
        self.marks: list[tuple[str, float]] = []

    def __call__(self, step: str) -> None:
        self.marks.append((step, time.perf_counter()))

    def durations(self, end: float) -> dict[str, float]:
        ends = [t for _, t in self.marks[1:]] + [end]
        return {name: e - t for (name, t), e in zip(self.marks, ends, strict=True)}


# --- the runs -------------------------------------------------------------------------


def _fresh(data: CityData) -> Callable[[], None]:
    """Forget the network's cached projection and segment tree (as a new process would)."""
    return data.net._cache.clear


def measure_steps(
    instance: str,
    what: str,
    call: Callable[[StepClock], Any],
    *,
    data: CityData,
    reps: int,
    cap_s: float = float("inf"),
) -> tuple[list[Row], Any]:
    """:func:`measure` of ``call(progress)``, plus one indented row per announced step."""
    clocks: list[tuple[StepClock, float]] = []

    def run() -> Any:
        clock = StepClock()
        answer = call(clock)
        clocks.append((clock, time.perf_counter()))
        return answer

    row, answer = measure(instance, what, run, reps=reps, before=_fresh(data), cap_s=cap_s)
    steps: dict[str, list[float]] = {}
    for clock, end in clocks:
        for name, seconds in clock.durations(end).items():
            steps.setdefault(name, []).append(seconds)
    rows = [row]
    for name, times in steps.items():
        label = "targets and the document" if name == "the plan's targets" else name
        rows.append(Row(instance, f"step: {label}", times=times, indent=True))
    return rows, answer


def bench_assess(instance: str, data: CityData, reps: int) -> tuple[list[Row], dict[str, Any]]:
    """Rows for the whole assess call, its steps, and walks() alone; and the document."""
    params = AssessParams()
    rows, doc = measure_steps(
        instance,
        "assess (whole call)",
        lambda clock: assess(data, params, progress=clock),
        data=data,
        reps=reps,
    )
    city = doc["city"]
    rows[0].result = (
        f"basic-complete {city['basic_complete']}/{city['communities']} communities; "
        f"{doc['run']['data']['unsnapped_points']} points unsnapped"
    )
    w_row, _ = measure(
        instance,
        "walks() alone (network pass)",
        lambda: walks(data, params),
        reps=reps,
        before=_fresh(data),
    )
    w_row.result = "snap homes and places, insert them, one search per category"
    return [*rows, w_row], doc


def _plan_api() -> tuple[Any, Any, str]:
    """``(PlanParams, plan, "")``, or ``(None, None, why)`` when it cannot be imported."""
    try:  # written separately; imported when it is there
        module = importlib.import_module("lifecircle.services.plan")
        found = module.PlanParams, module.plan
    except (ImportError, AttributeError) as exc:
        return None, None, f"{type(exc).__name__}: {exc}"
    return *found, ""


def plan_summary(doc: dict[str, Any]) -> str:
    """Sites, optimality or gap, solver, candidates and coverage of a plan document."""
    parts = [f"{len(doc.get('sites', []))} sites"]
    gap = doc.get("gap")
    if doc.get("optimal"):
        parts.append("optimal")
    else:
        parts.append("gap unknown" if gap is None else f"gap {gap:.3g}")
    for row in doc.get("categories", []):
        total = row.get("total_population") or 0.0
        text = f"{row.get('solver')}, {row.get('candidates', 0):,} candidates"
        if total > 0:
            text += (
                f", residents reached {row['before_population'] / total:.1%} → "
                f"{row['covered_population'] / total:.1%}"
            )
        parts.append(text)
    return "; ".join(parts)


def _plan_category(data: CityData, doc: dict[str, Any]) -> str:
    basic = [c for c, g in zip(data.categories, data.groups, strict=True) if g == "basic"]
    if PLAN_CATEGORY in basic:
        return PLAN_CATEGORY
    cover = doc["city"]["coverage"]
    return min(basic, key=lambda c: 2.0 if cover.get(c) is None else cover[c])


def typical_community(doc: dict[str, Any], code: str) -> str:
    """The community of median population among those where ``code`` is not covered."""
    rows = [c for c in doc["communities"] if c["population"] > 0]
    gaps = [c for c in rows if (c["coverage"].get(code) or 0.0) < 1.0] or rows
    gaps.sort(key=lambda c: c["population"])
    return str(gaps[len(gaps) // 2]["code"])


@dataclass
class PlanOutcome:
    rows: list[Row]
    failed: list[str]
    notes: list[str] = field(default_factory=list)


def bench_plan(instance: str, data: CityData, doc: dict[str, Any], reps: int) -> PlanOutcome:
    """Cover mode city-wide and for one community, max mode city-wide, and the city-wide
    cover again with a time limit of :data:`COVER_LONG_S`."""
    params_cls, plan, why = _plan_api()
    if plan is None:
        print(f"  {instance}: plan: not available ({why})", flush=True)
        return PlanOutcome([Row(instance, "plan", result=f"plan: not available ({why})")], [])
    code = _plan_category(data, doc)
    community = typical_community(doc, code)
    cases = (
        (f"plan cover {code}, city-wide", {"mode": "cover"}),
        (f"plan cover {code}, community {community}", {"mode": "cover", "community": community}),
        (f"plan max {code} k={PLAN_K}, city-wide", {"mode": "max", "k": PLAN_K}),
        (
            f"plan cover {code}, city-wide, time limit {COVER_LONG_S:g} s",
            {"mode": "cover", "time_limit_s": COVER_LONG_S},
        ),
    )
    out = PlanOutcome([], [])
    defaults = params_cls(categories=(code,)).as_dict()
    keep = ("minutes", "speed_kmh", "spacing_m", "time_limit_s", "share")
    out.notes.append(
        f"plan on {instance}: PlanParams defaults otherwise ("
        + ", ".join(f"{k}={defaults[k]}" for k in keep if k in defaults)
        + ")"
    )
    for what, extra in cases:
        try:
            params = params_cls(categories=(code,), **extra)
            rows, result = measure_steps(
                instance,
                what,
                lambda clock, p=params: plan(data, p, progress=clock),
                data=data,
                reps=reps,
                cap_s=REPEAT_CAP_S,
            )
            rows[0].result = plan_summary(result)
        except (LifecircleError, TypeError, ValueError, KeyError, AttributeError) as exc:
            msg = f"{type(exc).__name__}: {exc}"
            print(f"  {instance}: {what}: FAILED {msg}", flush=True)
            traceback.print_exc()
            rows = [Row(instance, what, result=f"**failed**: {msg[:200]}")]
            out.failed.append(f"{instance}: {what}: {msg}")
        out.rows += rows
    return out


def warm_up(seed: int) -> tuple[list[str], float]:
    """First calls on a tiny city (numba compile or cache load); notes and seconds."""
    tiny = synthetic_city(SIZES["tiny"], seed=seed)
    t0 = time.perf_counter()
    doc = assess(tiny, AssessParams())
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    assess(tiny, AssessParams())
    second = time.perf_counter() - t0
    notes = [
        (
            f"warm-up on the tiny city ({tiny.net.n_nodes:,} nodes): first assess call "
            f"{first:.2f} s (numba compile or cache load, imports), second {second:.3f} s; "
            "not in the table"
        )
    ]
    params_cls, plan, _ = _plan_api()
    if plan is not None:
        code = _plan_category(tiny, doc)
        try:
            t0 = time.perf_counter()
            plan(tiny, params_cls(categories=(code,), mode="cover"))
            notes.append(f"first plan call on the tiny city {time.perf_counter() - t0:.2f} s")
        except Exception as exc:  # reported again, with the traceback, by the timed runs
            notes.append(f"first plan call on the tiny city failed: {type(exc).__name__}: {exc}")
    # the tiny city's parts are small enough for HiGHS: the large covers' kernels are
    # compiled (or loaded from numba's cache) on a small random cover instead
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    dense = rng.random((200, 120)) < 0.05
    dense[np.arange(200), rng.integers(0, 120, size=200)] = True
    reach = sparse.csr_array(dense.astype(np.float64))
    lagrangian_set_cover(reach, np.ones(120), time_limit_s=2.0, core_share=0.9)
    at = sparse.csr_array(reach.T)
    index = (reach.indptr, reach.indices, at.indptr, at.indices)
    row_weighting_search(*(v.astype(np.int64) for v in index), np.ones(120, bool), max_steps=9)
    notes.append(f"large-cover kernels compiled or loaded in {time.perf_counter() - t0:.2f} s")
    return notes, first


def load_demo() -> tuple[CityData | None, float, str]:
    """The demo city from the default database, its load time, or why it is missing."""
    settings = Settings()
    if settings.is_sqlite and settings.database_url.startswith("sqlite:///"):
        path = Path(settings.database_url.removeprefix("sqlite:///"))
        if not path.is_file():  # do not create an empty database just to look
            return None, 0.0, f"no database at {path}"
    engine = open_database(settings)
    try:
        t0 = time.perf_counter()
        data = load_city_data(engine=engine, name=DEMO_CITY)
        return data, time.perf_counter() - t0, ""
    except LifecircleError as exc:
        return None, 0.0, f"{type(exc).__name__}: {exc}"
    finally:
        engine.dispose()


# --- the table ------------------------------------------------------------------------


def size_row(instance: str, data: CityData, made_s: float, how: str) -> str:
    h = data.homes
    return (
        f"| {instance} | {data.net.n_nodes:,} | {data.net.n_segments:,} | {len(data.units):,} | "
        f"{len(data.places):,} | {data.places.pair_place.size:,} | {h.weight.size:,} | "
        f"{h.weight.sum():,.0f} | {made_s:.1f} ({how}) |"
    )


def _fmt(seconds: float) -> str:
    if not np.isfinite(seconds):
        return "—"
    return f"{seconds:.3g}" if seconds < 100 else f"{seconds:.0f}"


def timing_lines(rows: list[Row]) -> list[str]:
    lines = [
        "| instance | run | median s | runs s | peak RSS MB (before) | other load | result |",
        "| --- | --- | ---: | --- | ---: | ---: | --- |",
    ]
    for r in rows:
        what = f"&nbsp;&nbsp;↳ {r.what}" if r.indent else r.what
        runs = ", ".join(_fmt(t) for t in r.times) or "—"
        peak = "—" if r.indent or not np.isfinite(r.peak_mb) else f"{r.peak_mb:,.0f}"
        if peak != "—" and np.isfinite(r.start_mb):
            peak += f" ({r.start_mb:,.0f})"
        other = "—" if r.indent or not r.times else f"{r.other_cores:.2f}"
        lines.append(
            f"| {r.instance} | {what} | {_fmt(r.median)} | {runs} | {peak} | {other} | {r.result} |"
        )
    return lines


def _machine() -> str:
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    names = ("numpy", "scipy", "numba", "shapely")
    found = []
    for name in names:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} missing")
    return (
        f"{model}, {os.cpu_count()} cores, {platform.system()}; "
        f"Python {platform.python_version()}, {', '.join(found)}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quick", action="store_true", help="100k nodes, 70 communities")
    group.add_argument("--tiny", action="store_true", help="a few thousand nodes (tests)")
    parser.add_argument("--out", type=Path, help="Markdown file for the table")
    parser.add_argument("--reps", type=int, default=2, help="timed runs per figure")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-demo", action="store_true", help="skip the demo city")
    args = parser.parse_args(argv)
    size = SIZES["tiny" if args.tiny else "quick" if args.quick else "full"]
    if args.out is None and not args.tiny:
        quick = HERE / "_build" / "assess_results-quick.md"
        args.out = quick if args.quick else HERE / "assess_results.md"

    print("warming up on a tiny city ...", flush=True)
    notes, _ = warm_up(args.seed)
    sizes: list[str] = []
    rows: list[Row] = []
    failed: list[str] = []

    instance = f"synthetic-{size.label}"
    print(f"building {instance} ...", flush=True)
    t0 = time.perf_counter()
    data = synthetic_city(size, seed=args.seed)
    sizes.append(size_row(instance, data, time.perf_counter() - t0, "generated"))
    a_rows, doc = bench_assess(instance, data, args.reps)
    outcome = bench_plan(instance, data, doc, args.reps)
    rows += a_rows + outcome.rows
    failed += outcome.failed
    notes += outcome.notes
    del data, doc

    if args.tiny or args.no_demo:
        notes.append("demo: skipped")
    else:
        print(f"loading the demo city {DEMO_CITY!r} ...", flush=True)
        demo, load_s, why = load_demo()
        if demo is None:
            msg = f"demo: run `make run` first ({why})"
            print("  " + msg, flush=True)
            notes.append(msg)
        else:
            sizes.append(size_row(f"demo {DEMO_CITY}", demo, load_s, "load_city_data"))
            d_rows, d_doc = bench_assess(f"demo {DEMO_CITY}", demo, args.reps)
            outcome = bench_plan(f"demo {DEMO_CITY}", demo, d_doc, args.reps)
            rows += d_rows + outcome.rows
            failed += outcome.failed
            notes += outcome.notes

    text = "\n".join(
        [
            "# lifecircle assessment and plan benchmark",
            "",
            f"- Machine: {_machine()}.",
            (
                "- SYNTHETIC city: benchmarks/synthetic_city.py (perturbed street grid at "
                "114.0E 22.6N, jittered-grid communities, clustered places of the Shenzhen "
                "taxonomy with categories left out of some communities, population points). "
                "Demo: the `helsinki` city `make run` stores."
            ),
            (
                f"- `assess(data, AssessParams())`: 15 min at 4.0 km/h, elderly figures at "
                f"3.2 km/h; plan: category `{PLAN_CATEGORY}` (or the least covered basic "
                f"one), the community of median population among those not fully covered, "
                f"k={PLAN_K}."
            ),
            (
                f"- Median of {args.reps} runs after a warm-up; network caches emptied before "
                "each run. Steps come from assess's progress callback. Peak RSS: the "
                "process's resident high-water mark during that row's runs (VmHWM, reset "
                "before the row), data and interpreter included; in brackets the resident memory "
                "when the row started. Other load: cores other "
                "processes used meanwhile (high values mean inflated times)."
            ),
            "",
            (
                "| instance | nodes | segments | communities | places | place–category pairs "
                "| population points | residents | made in s |"
            ),
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            *sizes,
            "",
            *timing_lines(rows),
            "",
            "Notes:",
            "",
            *[f"- {n}" for n in notes],
            (
                "- process peak RSS over the whole benchmark: "
                f"{max([_maxrss_mb(), *(r.peak_mb for r in rows if np.isfinite(r.peak_mb))]):,.0f}"
                " MB (getrusage, and the rows' high-water marks taken before each reset)"
            ),
            "",
        ]
    )
    print()
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        print(f"written to {args.out}")
    if failed:
        print("plan failures:\n  " + "\n  ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
