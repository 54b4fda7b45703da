"""Child process of the benchmark: run one tool on one saved input (called by run.py).

Usage: ``python benchmarks/worker.py TOOL INPUT.npz RESULT_DIR [--queries N]
[--w2-sample K]``. The tool's module is imported by name, so a worker loads only its own
library and its peak memory is its own.
"""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

from workload import Bench, run_tool

TOOL_CLASSES = {
    "lifecircle": ("lifecircle_tool", "LifecircleTool"),
    "c_heap": ("native", "CTool"),
    "c_bucket": ("native", "CBucketTool"),
    "scipy": ("peers", "ScipyTool"),
    "pandana": ("peers", "PandanaTool"),
    "networkx": ("peers", "NetworkxTool"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tool", choices=sorted(TOOL_CLASSES))
    parser.add_argument("bench", type=Path)
    parser.add_argument("result", type=Path)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument(
        "--w2-sample",
        type=int,
        default=0,
        help="scipy only: search this many W2 seeds and extrapolate",
    )
    args = parser.parse_args(argv)
    module, name = TOOL_CLASSES[args.tool]
    cls = getattr(importlib.import_module(module), name)
    bench = Bench.load(args.bench, cls.NEEDS)
    tool = cls(bench, w2_sample=args.w2_sample or None) if args.tool == "scipy" else cls(bench)
    run_tool(tool, bench, args.result, n_queries=args.queries)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
