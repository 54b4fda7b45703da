"""One job changes a city at a time, and a killed import leaves nothing behind.

Real ``lifecircle`` processes race for one tiny city, on a SQLite file and on a real
PostgreSQL server. To act at a known moment, a process may *pause itself* (SIGSTOP) at
one point of the real code: right after it took the city's lock, or right before the
network import renames its temporary file. Nothing is replaced; the test then lets it
go on (SIGCONT) or kills it (SIGKILL), as an operator would.

The city is SYNTHETIC: a hand-drawn grid of streets near Futian with three made-up shops
and two made-up groups of residents.
"""

from __future__ import annotations

import doctest
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

import lifecircle
from lifecircle.cli.main import ExitStatus, main
from lifecircle.config import Settings
from lifecircle.errors import BusyError
from lifecircle.io.network.lcnet import save_network
from lifecircle.services.city import locking
from lifecircle.services.city.cities import city_folder
from lifecircle.services.city.locking import city_job, sweep_temporary
from lifecircle.store.locks import CityLock
from tests.conftest import hand_network
from tests.store import conftest as store_conftest

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

postgres = store_conftest.postgres
empty_engine = store_conftest.empty_engine
engine = store_conftest.engine

SRC = Path(lifecircle.__file__).resolve().parents[1]
NAME = "tiny-synthetic"
WAIT_S = 60.0

PAUSE_WHEN_LOCKED = """
from lifecircle.store import locks
take = locks.CityLock.try_acquire
def try_acquire(self):
    taken = take(self)
    if taken:
        os.kill(os.getpid(), signal.SIGSTOP)
    return taken
locks.CityLock.try_acquire = try_acquire
"""

PAUSE_BEFORE_RENAME = """
from lifecircle.services.city import places
keep_mode = places.honour_umask
def pause_then_keep_mode(path):
    os.kill(os.getpid(), signal.SIGSTOP)
    keep_mode(path)
places.honour_umask = pause_then_keep_mode
"""


def cli(pause: str, *args: str) -> subprocess.Popen[str]:
    """``lifecircle ARGS`` in a process of its own that pauses itself as ``pause`` says."""
    script = (
        f"import os, signal, sys\n{pause}\n"
        "from lifecircle.cli.main import main\nsys.exit(main(sys.argv[1:]))\n"
    )
    path = os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        env={**os.environ, "PYTHONPATH": path, "COLUMNS": "400"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def paused(process: subprocess.Popen[str]) -> bool:
    """Whether the process is stopped (Linux: state ``T`` in ``/proc/<pid>/stat``)."""
    try:
        stat = Path(f"/proc/{process.pid}/stat").read_text(encoding="ascii")
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] in {"T", "t"}


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting: {what}"
        time.sleep(0.01)


@pytest.fixture
def tiny(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The SYNTHETIC tiny city, imported through the CLI; the CLI's settings are the test's."""
    url = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("LIFECIRCLE_DATABASE_URL", url)
    monkeypatch.setenv("LIFECIRCLE_DATA_DIR", str(tmp_path / "data"))
    n = 6
    nodes = {
        f"{i}-{j}": (114.02 + 0.001 * i, 22.53 + 0.001 * j) for i in range(n) for j in range(n)
    }
    segments = [(f"{i}-{j}", f"{i + 1}-{j}", 103.0) for i in range(n - 1) for j in range(n)]
    segments += [(f"{i}-{j}", f"{i}-{j + 1}", 111.0) for i in range(n) for j in range(n - 1)]
    net, _ = hand_network(nodes, segments)
    files = tmp_path / "files"
    files.mkdir()
    save_network(net, files / "grid.lcnet")
    (files / "places.csv").write_text(
        "id,lon,lat,category,name\n"
        "p1,114.021,22.531,laundry,synthetic laundry\n"
        "p2,114.024,22.534,pharmacy,synthetic pharmacy\n"
        "p3,114.023,22.533,supermarket,synthetic market\n",
        encoding="utf-8",
    )
    (files / "pop.csv").write_text(
        "lon,lat,population\n114.021,22.532,100\n114.024,22.535,200\n", encoding="utf-8"
    )
    assert main(["city", "create", NAME]) == 0
    network = ["--network", str(files / "grid.lcnet"), "--units", "h3:9"]
    assert main(["city", "import", NAME, *network, "--json"]) == 0
    return Settings(database_url=url, data_dir=tmp_path / "data", assets_dir=None)


def files_of(tiny: Settings) -> Path:
    return tiny.data_dir.parent / "files"


def runs(engine: Engine, kind: str) -> list[tuple[int, str, int | None]]:
    with engine.connect() as connection:
        return [
            (r.id, r.status, r.pid)
            for r in connection.execute(
                sa.text("SELECT id, status, pid FROM import_runs WHERE kind = :k ORDER BY id"),
                {"k": kind},
            )
        ]


def temporary_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if ".tmp" in p.name)


# --- two processes, one city ------------------------------------------------------------------


@pytest.mark.slow  # two CLI processes start at once: about 6 s on two busy cores
def test_two_imports_racing_for_one_city_one_runs_the_other_is_told_who_holds_it(
    tiny: Settings, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    places = ["--places", str(files_of(tiny) / "places.csv"), "--format", "csv"]
    racers = [cli(PAUSE_WHEN_LOCKED, "city", "import", NAME, *places) for _ in range(2)]
    try:
        wait_for(
            lambda: any(paused(p) for p in racers) and any(p.poll() is not None for p in racers),
            "one racer holding the city, the other ended",
        )
        [winner] = [p for p in racers if paused(p)]
        [loser] = [p for p in racers if p is not winner]
        _, stderr = loser.communicate(timeout=WAIT_S)
        assert loser.returncode == ExitStatus.BUSY == 9
        [line] = stderr.strip().splitlines()  # one line, no traceback
        match = re.fullmatch(
            rf"error: city '{NAME}' is busy: import \(process (\d+) on (\S+)\) has held it "
            r"since (\S+ \S+); try again when it ends",
            line,
        )
        assert match, line
        assert (int(match[1]), match[2]) == (winner.pid, socket.gethostname())
        since = datetime.fromisoformat(match[3])
        assert since.utcoffset() == timedelta(hours=8)  # shown in Asia/Shanghai time
        assert abs(since.timestamp() - time.time()) < WAIT_S
        assert runs(engine, "places") == []  # the loser started nothing

        # readers never wait for the lock: they see the city as it was
        capsys.readouterr()
        assert main(["city", "info", NAME, "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["places"] == 0
        # and a job of this process is refused too (the lock is not per process)
        busy = pytest.raises(BusyError, match=f"process {winner.pid} on")
        with busy, city_job(engine=engine, settings=tiny, name=NAME, kind="assess"):
            pass

        winner.send_signal(signal.SIGCONT)
        winner.communicate(timeout=WAIT_S)
        assert winner.returncode == 0
    finally:
        for process in racers:
            if process.poll() is None:
                process.kill()
            process.communicate(timeout=WAIT_S)
    [(_, status, pid)] = runs(engine, "places")
    assert (status, pid) == ("succeeded", winner.pid)
    # the city is free again: the next job runs
    assert main(["city", "import", NAME, *places, "--json"]) == 0


def test_a_killed_network_import_frees_the_city_and_its_temporary_file_is_removed(
    tiny: Settings, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    network = ["--network", str(files_of(tiny) / "grid.lcnet")]
    folder = city_folder(tiny, NAME)
    before = (folder / "network.lcnet").read_bytes()
    holder = cli(PAUSE_BEFORE_RENAME, "city", "import", NAME, *network)
    try:
        wait_for(lambda: paused(holder) or holder.poll() is not None, "the import to pause")
        assert paused(holder), holder.communicate()
        [left] = temporary_files(folder)  # written in full, not yet renamed
        assert re.fullmatch(r"\.network\.lcnet\.\d+\.[0-9a-f]{8}\.tmp", left)
        holder.send_signal(signal.SIGKILL)
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.communicate(timeout=WAIT_S)
    assert temporary_files(folder) == [left]  # nothing of the killed process removed it
    assert (folder / "network.lcnet").read_bytes() == before
    [*_, (run_id, status, pid)] = runs(engine, "network")
    assert (status, pid) == ("running", holder.pid)

    capsys.readouterr()
    assert main(["city", "import", NAME, *network, "--json"]) == 0  # not blocked
    err = capsys.readouterr().err
    assert "removed 1 temporary file(s) a killed job left" in err
    assert left in err
    assert temporary_files(folder) == []
    statuses = {i: s for i, s, _ in runs(engine, "network")}
    assert statuses[run_id] == "failed"  # ended "interrupted" when the city was opened
    assert list(statuses.values())[-1] == "succeeded"


# --- the pieces ---------------------------------------------------------------------------------


def test_a_lock_holder_says_who_it_is_until_it_lets_go(engine: Engine, tmp_path: Path) -> None:
    first = CityLock(engine, city="深圳", kind="batch assess")
    second = CityLock(engine, city="深圳", kind="import")
    assert second.holder() is None
    assert first.try_acquire()
    try:
        assert not second.try_acquire()
        holder = second.holder()
        assert holder is not None
        assert (holder.kind, holder.pid) == ("batch assess", os.getpid())
        assert holder.host
        assert socket.gethostname().startswith(holder.host)  # PostgreSQL: maybe cut short
        assert holder.since is not None
        assert abs(holder.since.timestamp() - time.time()) < WAIT_S
        assert CityLock(engine, city="深圳-2").holder() is None  # another city is free
    finally:
        first.release()
    assert second.holder() is None
    assert second.try_acquire()
    second.release()


def test_the_sweep_removes_only_temporary_files_of_the_city_s_own_folders(tmp_path: Path) -> None:
    folder = tmp_path / "cities" / "x"
    (folder / "rejects").mkdir(parents=True)
    (folder / "reports" / "job1").mkdir(parents=True)
    stale = [
        folder / ".network.lcnet.3.0a1b2c3d.tmp",
        folder / "..network.lcnet.3.0a1b2c3d.tmp.k2j3h4g5.tmp",
        folder / "rejects" / ".places.rejects.csv.abcd1234.tmp",
        folder / ".export.123.abcd.tmp.gpkg",
    ]
    kept = [
        folder / "network.lcnet",
        folder / "notes.tmp",  # not a name our writers use
        folder / "reports" / "job1" / ".r.html.abcd1234.tmp",  # reports: readers, no lock
    ]
    for path in stale + kept:
        path.write_bytes(b"x")
    assert sorted(sweep_temporary(folder)) == sorted(stale)
    assert all(p.exists() for p in kept)
    assert not any(p.exists() for p in stale)
    assert sweep_temporary(tmp_path / "no such city") == []


def test_the_busy_message_is_shown_in_shanghai_time() -> None:
    assert doctest.testmod(locking).failed == 0
    assert locking.describe_holder("x", None) == (
        "city 'x' is busy: another job (which may just have ended); try again when it ends"
    )
