"""The HTTP load benchmark end to end on its tiny SYNTHETIC city (benchmarks/api_bench.py).

benchmarks/ is not a package, so the command is run as ``make bench`` runs it, in a
subprocess: it stores the city in a temporary folder, starts ``lifecircle serve`` with two
workers, warms both and sends two seconds of load from four clients. No timing is
asserted; every answer must be a 200 and the server must stop cleanly on SIGINT.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def test_tiny_load_prints_the_table_without_errors(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "benchmarks/api_bench.py",
            "--tiny",
            "--seconds",
            "2",
            "--clients",
            "4",
            "--no-demo",
            "--build-dir",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-3000:]
    lines = proc.stdout.splitlines()
    at = next(i for i, x in enumerate(lines) if x.startswith("| city |"))
    header = _cells(lines[at])
    assert len(_cells(lines[at + 1])) == len(header)
    row = dict(
        zip(
            header,
            _cells(next(x for x in lines if x.startswith("| SYNTHETIC tiny |"))),
            strict=True,
        )
    )
    assert row["workers"] == "2"
    assert row["clients"] == "4"
    assert int(row["requests"].replace(",", "")) > 0
    assert float(row["p50 ms"]) <= float(row["p99 ms"]) <= float(row["max ms"])
    assert row["errors"] == "0"
    notes = next(x for x in lines if x.startswith("- SYNTHETIC tiny:"))
    assert "all 2 worker(s) warm" in notes
    first = re.search(r"slowest warm-up answer: ([^;)]*);", notes)
    assert first is not None
    assert len(first.group(1).split(", ")) == 2  # one first-request time per worker
    assert "; 0 warm-up requests dropped" in notes
    assert "exit code 0" in notes
    assert (tmp_path / "synthetic-tiny-seed42" / "ready.json").is_file()
