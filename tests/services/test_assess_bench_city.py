"""The assessment benchmark end to end on its tiny SYNTHETIC city (benchmarks/assess_bench.py).

benchmarks/ is not a package, so the command is run as ``make bench`` runs it, in a
subprocess; ``--tiny`` skips the demo city and writes no file.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def test_tiny_benchmark_prints_the_table(tmp_path: Path) -> None:
    out = tmp_path / "assess.md"
    proc = subprocess.run(
        [sys.executable, "benchmarks/assess_bench.py", "--tiny", "--reps", "1", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    table = out.read_text(encoding="utf-8")
    assert table in proc.stdout
    lines = table.splitlines()

    rows = [_cells(x) for x in lines if x.startswith("| synthetic-tiny |")]
    size = next(r for r in rows if len(r) == 9)  # the sizes table; timings have 7 columns
    nodes, _, communities, places, pairs, points = (int(c.replace(",", "")) for c in size[1:7])
    assert 3_000 < nodes <= 4_000  # a few nodes outside the largest component may go
    assert communities == 9
    assert 0 < places <= 800
    assert places <= pairs <= 1.2 * places  # about 5 % of places have a second category
    assert points == 1_200

    runs = {r[1]: r for r in rows if len(r) == 7}
    whole = runs["assess (whole call)"]
    assert float(whole[2]) > 0
    assert "communities" in whole[6]
    assert float(runs["walks() alone (network pass)"][2]) > 0
    assert any("step: walking network search" in k for k in runs)
    assert any(k.startswith("plan") for k in runs)  # timed, or "plan: not available"
    assert "demo: skipped" in table
