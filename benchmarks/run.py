"""Speed benchmark of lifecircle's walking engine against C, scipy, pandana and networkx.

Usage::

    python benchmarks/run.py [--sizes 100k,1M] [--peers c,scipy,pandana,networkx]
                             [--helsinki PATH | --helsinki none] [--quick]

``c`` runs both C variants (``c_heap``, ``c_bucket``); either can be named alone.
lifecircle is compared with the faster of them per workload ("best C").

Each tool runs in its own process (prep, then W1, W2, W3) so its peak memory is its own.
Answers are checked against lifecircle's; any disagreement exits with status 1 after
the table is printed. The table is also written to ``benchmarks/results.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

from check import EXACT_TOL_M, Reference, compare
from inputs import Input, helsinki_input, synthetic_input
from native import build_library
from synthetic import parse_size
from workload import Bench, load_result

if TYPE_CHECKING:
    from lifecircle.core.walk.network import WalkNetwork

HERE = Path(__file__).resolve().parent
BUILD = HERE / "_build"
HELSINKI = Path("/work/shared/data/helsinki_osm_pbf/Helsinki.osm.pbf")
TOOLS = ("lifecircle", "c_heap", "c_bucket", "scipy", "pandana", "networkx")
C_TOOLS = ("c_heap", "c_bucket")
LABEL = {
    "lifecircle": "lifecircle",
    "c_heap": "C heap",
    "c_bucket": "C bucket",
    "scipy": "scipy.csgraph",
    "pandana": "pandana",
    "networkx": "networkx",
}
# pandana truncates every edge to whole millimetres (its contraction hierarchy stores
# integers), so a walk of k edges may come out up to k mm short
TOLERANCE_M = {"pandana": 0.5}
SLOW_PEERS = ("pandana", "networkx")  # skipped above SLOW_PEER_MAX_NODES: too slow
SLOW_PEER_MAX_NODES = 200_000
SCIPY_W2_SAMPLE = 2000  # distinct seeds searched by scipy W2 beyond SLOW_PEER_MAX_NODES
TARGET_VS_C = 2.0
BUSY_CORES = 0.2  # other processes' average CPU use above this: flag the run as disturbed


def spawn(
    tool: str,
    bench_path: Path,
    args: argparse.Namespace,
    *,
    w2_sample: int,
) -> tuple[dict[str, object] | None, str]:
    """Run one worker process; returns (result or None, why it failed)."""
    result = BUILD / "results" / f"{bench_path.stem}-{tool}"
    log = BUILD / "logs" / f"{bench_path.stem}-{tool}.log"
    result.parent.mkdir(parents=True, exist_ok=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    if result.exists():
        shutil.rmtree(result)
    cmd = [
        sys.executable,
        str(HERE / "worker.py"),
        tool,
        str(bench_path),
        str(result),
        "--queries",
        str(args.queries),
        "--w2-sample",
        str(w2_sample),
    ]
    busy0, start = _busy_cpu_s(), time.monotonic()
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=HERE)
        while True:
            # wait4: this child's own CPU time, to tell its load from other processes'
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > args.timeout:
                proc.kill()
                os.wait4(proc.pid, 0)
                proc.returncode = -9
                return None, f"timeout after {args.timeout:.0f} s"
            time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - start
    other = (_busy_cpu_s() - busy0 - usage.ru_utime - usage.ru_stime) / max(wall, 1e-9)
    if proc.returncode != 0 or not (result / "meta.json").exists():
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
        return None, f"failed: {tail[0][:160]} (see {log.relative_to(HERE)})"
    res = load_result(result)
    res["meta"]["other_cores"] = max(0.0, other)
    return res, ""


def _busy_cpu_s() -> float:
    """CPU seconds all processes have used since boot (0 where /proc/stat is missing)."""
    stat = Path("/proc/stat")
    if not stat.exists():
        return 0.0
    fields = stat.read_text().splitlines()[0].split()[1:]
    ticks = [int(v) for v in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _fmt_s(seconds: float) -> str:
    return f"{seconds:.3g}" if seconds < 100 else f"{seconds:.0f}"


def _query(meta: dict[str, object], key: str) -> float:
    """W1/W2 in seconds, W3 (median per query) in milliseconds."""
    return float(meta["w3_median_s"]) * 1e3 if key == "w3" else float(meta[f"{key}_s"])


def run_network(
    info: Input,
    bench: Bench,
    net: WalkNetwork,
    args: argparse.Namespace,
    tools: list[str],
    tool_notes: list[str],
) -> tuple[list[str], list[str], bool, dict[str, dict]]:
    """Run every tool on one input; returns (table lines, notes, all agree, metas).

    Notes about a tool in general go to ``tool_notes`` (once for all networks).
    """
    big = info.n_nodes > SLOW_PEER_MAX_NODES
    checks: list[str] = []
    notes = list(info.notes)
    ok = True
    ref = None
    metas: dict[str, dict] = {}
    for tool in tools:
        if tool in SLOW_PEERS and big:
            notes.append(f"{LABEL[tool]} skipped above {SLOW_PEER_MAX_NODES:,} nodes (too slow)")
            continue
        sample = SCIPY_W2_SAMPLE if tool == "scipy" and big else 0
        print(f"  {info.name}: {LABEL[tool]} ...", flush=True)
        t0 = time.monotonic()
        res, why = spawn(tool, info.path, args, w2_sample=sample)
        print(
            f"  {info.name}: {LABEL[tool]} {'done' if res else why} "
            f"({time.monotonic() - t0:.0f} s)",
            flush=True,
        )
        if res is None:
            if tool == "lifecircle":
                raise SystemExit(f"lifecircle failed on {info.name}: {why}")
            checks.append(f"| {LABEL[tool]} | — | — | n/a | {why} |")
            continue
        meta = res["meta"]
        tool_notes.extend(n for n in meta["notes"] if n not in tool_notes)
        notes.extend(meta["detail"])
        if ref is None:
            ref = Reference(bench, net, res["w1"], res["w2"], res["w3_ptr"], res["w3_place"])
            agrees, text = True, "reference"
            notes.append(
                f"lifecircle first call (numba compile or cache load) "
                f"{meta['warm_up_s']:.2f} s, not in the table"
            )
        else:
            agrees, text = compare(ref, res, tol=TOLERANCE_M.get(tool, EXACT_TOL_M))
            if not agrees:
                ok = False
                print(f"  DISAGREEMENT {LABEL[tool]} on {info.name}: {text}", flush=True)
        if "w2_sampled_s" in meta:
            notes.append(
                f"{LABEL[tool]} W2 searched {sample:,} of the distinct seeds in "
                f"{meta['w2_sampled_s']:.1f} s; its time is extrapolated to all"
            )
        metas[tool] = meta
        other = float(meta["other_cores"])
        if other > BUSY_CORES:
            notes.append(
                f"{LABEL[tool]}: other processes used {other:.2f} cores on average during "
                "its run, so its times may be inflated"
            )
        checks.append(
            f"| {LABEL[tool]} | {meta['load_mb']:.0f} | {other:.2f} cores | "
            f"{'yes' if agrees else '**NO**'} | {text} |"
        )
    lines = [
        (
            f"### {info.name}: {info.n_nodes:,} nodes, {info.n_segments:,} segments, "
            f"{info.n_places:,} places"
        ),
        "",
        "| workload | tool | prep s | prep MB | query | peak MB | lifecircle ÷ tool |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    lc = metas["lifecircle"]
    for key, label, unit in (
        ("w1", "W1 nearest", "s"),
        ("w2", "W2 counts", "s"),
        ("w3", "W3 near me", "ms"),
    ):
        best = _best_c(metas, key)
        for tool, meta in metas.items():
            ratio = _query(lc, key) / _query(meta, key)
            mark = (" ✓" if ratio <= TARGET_VS_C else " ✗") if tool == best else ""
            extra = " (extrapolated)" if key == "w2" and "w2_sampled_s" in meta else ""
            prep = "—" if tool in C_TOOLS else _fmt_s(float(meta["prep_s"]))
            shown = "—" if tool == "lifecircle" else f"{ratio:.3g}x{mark}"
            lines.append(
                f"| {label} | {LABEL[tool]} | {prep} | {meta['prep_mb']:.0f} | "
                f"{_fmt_s(_query(meta, key))} {unit}{extra} | {meta[f'{key}_mb']:.0f} | "
                f"{shown} |"
            )
    lines += [
        "",
        "| tool | baseline MB | other load | agrees | checks |",
        "| --- | ---: | ---: | --- | --- |",
        *checks,
    ]
    return lines, notes, ok, metas


def _best_c(metas: dict[str, dict], key: str) -> str | None:
    """The faster C variant on one workload (None when no C ran)."""
    ran = [t for t in C_TOOLS if t in metas]
    return min(ran, key=lambda t: _query(metas[t], key)) if ran else None


def _summary(all_metas: dict[str, dict[str, dict]]) -> list[str]:
    """lifecircle's time as a multiple of the best C's, and its peak memory, per network."""
    lines = [
        f"## lifecircle ÷ best C (target ≤ {TARGET_VS_C:g}x) and lifecircle's peak memory",
        "",
        (
            "Each cell: lifecircle's time over the faster C variant's on that workload (named "
            "in brackets: heap = 4-ary-heap Dijkstra, bucket = lifecircle's bucket queue in C)."
        ),
        "",
        "| network | W1 | W2 | W3 | lifecircle peak MB (target < 2,048 at 1M) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, metas in all_metas.items():
        lc = metas["lifecircle"]
        cells = []
        for k in ("w1", "w2", "w3"):
            best = _best_c(metas, k)
            cells.append(
                "n/a"
                if best is None
                else f"{_query(lc, k) / _query(metas[best], k):.2f}x ({best[2:]})"
            )
        peak = max(float(lc[f"{k}_mb"]) for k in ("prep", "w1", "w2", "w3"))
        lines.append(f"| {name} | {' | '.join(cells)} | {peak:,.0f} |")
    return [*lines, ""]


def _machine() -> str:
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{model}, {os.cpu_count()} cores, {platform.system()}"


def _versions() -> str:
    names = ("numpy", "scipy", "numba", "pandana", "pandas", "networkx")
    found = []
    for name in names:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} missing")
    return f"Python {platform.python_version()}, " + ", ".join(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100k,1M")
    parser.add_argument("--peers", default="c,scipy,pandana,networkx")
    parser.add_argument("--helsinki", default=str(HELSINKI), help="path to an .osm.pbf, or 'none'")
    parser.add_argument(
        "--quick", action="store_true", help="CI smoke run: 100k only, C and scipy, 200 W3 queries"
    )
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument(
        "--output",
        help="Markdown file (default results.md; quick runs write _build/results-quick.md)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.peers, args.queries, args.helsinki = "100k", "c,scipy", 200, "none"
    if args.output is None:
        args.output = BUILD / "results-quick.md" if args.quick else HERE / "results.md"
    peers = [p.strip() for p in args.peers.split(",") if p.strip()]
    peers += list(C_TOOLS) if "c" in peers else []
    unknown = set(peers) - set(TOOLS) - {"c"}
    if unknown:
        parser.error(f"unknown peers: {', '.join(sorted(unknown))}")
    tools = ["lifecircle", *[t for t in TOOLS[1:] if t in peers]]
    if set(C_TOOLS) & set(tools):
        build_library()

    folder = BUILD / "inputs"
    makers = [
        (s, partial(synthetic_input, parse_size(s), seed=args.seed, folder=folder))
        for s in args.sizes.split(",")
        if s.strip()
    ]
    if args.helsinki.lower() != "none":
        makers.append(
            (
                "helsinki",
                partial(helsinki_input, Path(args.helsinki), seed=args.seed, folder=folder),
            )
        )
    body: list[str] = []
    notes: list[str] = []
    tool_notes: list[str] = []
    all_metas: dict[str, dict[str, dict]] = {}
    all_ok = True
    for label, make in makers:
        print(f"building input {label} ...", flush=True)
        try:
            info, bench, net = make()
        except Exception as exc:  # e.g. the OSM reader missing or failing: skip the row
            msg = f"{label}: skipped ({type(exc).__name__}: {exc})"
            print("  " + msg, flush=True)
            notes.append(msg)
            continue
        lines, net_notes, ok, metas = run_network(info, bench, net, args, tools, tool_notes)
        all_ok &= ok
        all_metas[info.name] = metas
        body += [*lines, ""]
        notes += [f"{info.name}: {n}" for n in net_notes]
        print("\n".join(lines), flush=True)
        del bench, net

    head = [
        "# lifecircle walking-engine benchmark",
        "",
        f"- Machine: {_machine()}; {_versions()}.",
        (
            f"- Limit 1,200 m, 20 categories. W3 is the median of {args.queries} single "
            "queries from random nodes; W1 and W2 runs under 1 s are the median of 3. "
            "Every tool gets lifecircle's kept nodes and geodesic segment lengths and "
            "searches once per distinct (category, node) of the places."
        ),
        (
            "- Query times exclude preparation. `lifecircle ÷ tool` is lifecircle's time "
            f"over the tool's (below 1: lifecircle is faster); the target is at most "
            f"{TARGET_VS_C:g}x the faster C variant (✓/✗ on that variant's row)."
        ),
        (
            "- Peak MB: resident high-water mark of the tool's own process during that "
            "phase (the kernel's VmHWM, reset before each phase), interpreter, libraries "
            "and input included. Baseline MB: that process after importing its library "
            "and loading the input. Other load: CPU cores other processes used on "
            "average while the tool ran (from /proc/stat minus the tool's own CPU time)."
        ),
        "",
    ]
    text = "\n".join(
        [
            *head,
            *_summary(all_metas),
            *body,
            "Tools:",
            "",
            *[f"- {n}" for n in tool_notes],
            "",
            "Runs:",
            "",
            *[f"- {n}" for n in notes],
            "",
        ]
    )
    Path(args.output).write_text(text)
    print("\n" + text)
    if not all_ok:
        print("FAILED: some tools disagree with lifecircle (see the tables)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
