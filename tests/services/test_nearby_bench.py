"""The nearby benchmark end to end on its tiny SYNTHETIC city (benchmarks/nearby_bench.py).

Run as ``python benchmarks/nearby_bench.py`` runs, in a subprocess; nothing is timed here,
the figures are only checked to be there.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_tiny_benchmark_prints_its_figures() -> None:
    proc = subprocess.run(
        [sys.executable, "benchmarks/nearby_bench.py", "--tiny", "--queries", "50"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert "### synthetic-shenzhen-tiny:" in out
    assert "Time zone: Asia/Shanghai." in out
    rows = [line for line in out.splitlines() if line.startswith("| ") and "ms" not in line]
    labels = [row.split("|")[1].strip() for row in rows[1:]]
    assert labels == [
        "15 min, 50 nearest",
        "one category (pharmacy)",
        "keyword, pinyin (bld)",
        "open now",
        "point and answer in GCJ-02",
    ]
    for row in rows[1:]:
        median, p99 = (float(c) for c in row.split("|")[2:4])
        assert 0 < median <= p99
    assert "snapped 1 place(s) (the index was not rebuilt: True)" in out
