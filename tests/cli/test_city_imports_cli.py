"""``lifecircle city import`` that officials can trust (issue 15), through the command line.

Named place sources replaced on re-import, workbooks read by their real extent, stale
runs failed, OSM bad objects rejected. Every test runs against a SQLite file and a real
PostgreSQL server. Places are SYNTHETIC: made up for these tests, not real shops.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl
import pytest

import lifecircle
from lifecircle.cli.main import ExitStatus, main
from tests.store import conftest as store_conftest

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

# the store's fixtures: every test here runs on a SQLite file and on PostgreSQL
postgres = store_conftest.postgres
empty_engine = store_conftest.empty_engine
engine = store_conftest.engine

SRC = Path(lifecircle.__file__).resolve().parents[1]
CLI = "import sys; from lifecircle.cli.main import main; sys.exit(main(sys.argv[1:]))"


@pytest.fixture
def workdir(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI's database is the test's; its data folder is in ``tmp_path``."""
    monkeypatch.setenv("LIFECIRCLE_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("LIFECIRCLE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    capsys.readouterr()
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def cli_process(*args: str, timeout_s: float = 120) -> subprocess.CompletedProcess[str]:
    """The CLI in a process of its own (this test's database and data folder)."""
    path = os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path}
    return subprocess.run(
        [sys.executable, "-c", CLI, *args],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        env=env,
        check=False,
    )


# --- workbooks ----------------------------------------------------------------------------


def test_a_tiny_workbook_with_a_cell_at_xfd200000_is_rejected_fast(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "name", "typecode", "location"])
    sheet.append(["B0FAR1", "美宜佳(synthetic)", "060200", "114.0550,22.5400"])
    sheet["XFD200000"] = "stray"
    path = workdir / "futian_amap.xlsx"
    book.save(path)
    assert path.stat().st_size < 10_000
    assert main(["city", "create", "futian"]) == 0

    started = time.perf_counter()
    # a process of its own: before the fix this never returned (16,384 x 200,000 cells)
    done = cli_process("city", "import", "futian", "--places", str(path), "--format", "amap")
    assert time.perf_counter() - started < 60
    assert done.returncode == ExitStatus.DATA, done.stderr
    assert (
        f"{path}: row 200000: cell XFD200000 holds a value beyond column GR (200 columns, "
        "the most that is read, MAX_SHEET_COLUMNS)"
    ) in " ".join(done.stderr.split())
    info = run_json(capsys, "city", "info", "futian")
    assert info["places"] == 0
    [run] = info["import_runs"]
    assert (run["status"], run["n_imported"]) == ("rejected", 0)
    [reject] = run["rejects"]
    assert (reject["file"], reject["feature"]) == (str(path), "row 200000")
    assert "MAX_SHEET_COLUMNS" in reject["problem"]
