"""The scale benchmark end to end at its tiny size (benchmarks/scale_bench.py --tiny).

It starts a real scheduler and two workers as separate processes, as ``make bench``
does; benchmarks/ is not a package, so the command runs in a subprocess.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_tiny_scale_benchmark_prints_both_tables():
    pytest.importorskip("distributed")
    proc = subprocess.run(
        [sys.executable, "benchmarks/scale_bench.py", "--tiny"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "### Many cities: 3 synthetic cities" in out
    assert "| Dask: scheduler + 2 workers (1 thread each), TCP loopback |" in out
    assert "### One province:" in out
    # the tiled runs, in a loop and on the cluster, equal the single search
    assert out.count("| equal |") == 2
    assert "DIFFERENT" not in out
