"""Result files through the command line: OS errors are one line, modes follow the umask.

The tests run as root in CI, where file permissions stop nothing, so the failures used
here stop root too: a regular file where the output's folder should be, a folder where
the output file should be, and a limit on file size (``RLIMIT_FSIZE``), which makes a
write fail halfway through the file the way a full disk does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from lifecircle.cli.main import ExitStatus, main
from lifecircle.io.network.lcnet import load_network
from tests.conftest import DATA

if TYPE_CHECKING:
    from collections.abc import Iterator

TINY = DATA / "valid" / "net_tiny.osm"
TINY_OSM_PLACES = DATA / "valid" / "places_tiny.osm"
# SYNTHETIC homes and shops beside the streets of net_tiny.osm (114.000-114.002 E, 22.5 N)
HOMES = "id,lon,lat\nh1,114.0005,22.5001\nh2,114.0012,22.5003\n"
SHOPS = "id,lon,lat,category\ns1,114.0015,22.5001,pharmacy\ns2,114.0004,22.5002,supermarket\n"
KINDS = ("csv", "geojson", "lcnet")
"""Files the network commands write: access CSV, reach GeoJSON, network file."""


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    folder = tmp_path_factory.mktemp("inputs")
    net = folder / "tiny.lcnet"
    assert main(["network", "build", str(TINY), "-o", str(net), "--json"]) == 0
    homes, shops = folder / "homes.csv", folder / "shops.csv"
    homes.write_text(HOMES, encoding="utf-8")
    shops.write_text(SHOPS, encoding="utf-8")
    return net, homes, shops


def command(kind: str, inputs: tuple[Path, Path, Path], out: Path) -> list[str]:
    """The command line that writes one kind of result file to ``out``."""
    net, homes, shops = (str(p) for p in inputs)
    return {
        "csv": ["access", "--network", net, "--origins", homes, "--places", shops],
        "geojson": ["reach", "--network", net, "--places", shops, "--at", "114.0005,22.5001"],
        "lcnet": ["network", "build", str(TINY)],
    }[kind] + ["-o", str(out), "--json"]


def check_written(kind: str, out: Path) -> None:
    """The file is complete: it reads back as what it should be."""
    if kind == "lcnet":
        assert load_network(out).n_segments == 6
    elif kind == "geojson":
        assert {f["properties"]["kind"] for f in json.loads(out.read_text())["features"]} >= {
            "place"
        }
    else:
        assert out.read_text(encoding="utf-8").startswith("origin_id,category,metres")


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" not in captured.err
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


# --- OS errors ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_output_under_a_regular_file_is_one_line_and_leaves_nothing(
    kind: str, inputs: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "results"
    blocker.write_text("a file where the folder should be\n", encoding="utf-8")
    out = blocker / f"out.{kind}"
    capsys.readouterr()
    assert main(command(kind, inputs, out)) == ExitStatus.FILE
    assert one_line(capsys) == f"error: cannot write {out}: {blocker} is not a folder"
    assert [p.name for p in tmp_path.iterdir()] == ["results"]


@pytest.mark.parametrize("kind", KINDS)
def test_output_that_is_a_folder_is_one_line_and_leaves_nothing(
    kind: str, inputs: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / f"out.{kind}"
    (out / "inside").mkdir(parents=True)
    capsys.readouterr()
    assert main(command(kind, inputs, out)) == ExitStatus.FILE
    assert one_line(capsys) == f"error: cannot write {out}: Is a directory"
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left
    assert [p.name for p in out.iterdir()] == ["inside"]


SYS = Path("/sys")  # sysfs: no one, root included, may create a file there


@pytest.mark.parametrize("kind", KINDS)
def test_output_where_no_one_may_write_is_one_line(
    kind: str, inputs: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = SYS / f"lifecircle-test.{kind}"
    capsys.readouterr()
    assert main(command(kind, inputs, out)) == ExitStatus.FILE
    line = one_line(capsys)
    assert line.startswith(f"error: cannot write {out}: "), line  # permission denied, read-only
    assert not [p.name for p in SYS.iterdir() if "lifecircle-test" in p.name]


FILL_UP = """
import resource, signal, sys
from lifecircle.cli.main import main
args = sys.argv[1:]
# once without a limit, so the compiled kernels are in memory before the limit
assert main([*args[:-4], "-o", args[-1], "--json"]) == 0
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (100, 100))
sys.exit(main(args[:-1]))
"""


@pytest.mark.parametrize("kind", KINDS)
def test_a_write_failing_halfway_is_one_line_and_leaves_nothing(
    kind: str, inputs: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    """A file-size limit stops the write in the middle of the file, as a full disk does."""
    out = tmp_path / "results" / f"out.{kind}"
    warm = tmp_path / f"warm.{kind}"
    done = subprocess.run(
        [sys.executable, "-c", FILL_UP, *command(kind, inputs, out), str(warm)],
        capture_output=True,
        text=True,
        check=False,
        env=os.environ | {"COLUMNS": "200"},
    )
    check_written(kind, warm)
    assert warm.stat().st_size > 100  # the limit does stop this file
    assert done.returncode == ExitStatus.FILE, done.stderr
    assert done.stderr.splitlines() == [f"error: cannot write {out}: File too large"]
    assert list(out.parent.iterdir()) == []


def test_an_os_error_anywhere_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A data folder under a regular file: the database cannot be created."""
    blocker = tmp_path / "data"
    blocker.write_text("not a folder\n", encoding="utf-8")
    monkeypatch.delenv("LIFECIRCLE_DATABASE_URL", raising=False)
    monkeypatch.setenv("LIFECIRCLE_DATA_DIR", str(blocker / "lifecircle"))
    capsys.readouterr()
    assert main(["city", "create", "helsinki"]) == ExitStatus.FILE
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [f"error: {blocker / 'lifecircle'}: Not a directory"]
    assert "Traceback" not in captured.err


# --- modes -------------------------------------------------------------------------------

UMASKS = [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)]


@pytest.fixture(params=UMASKS, ids=[f"umask-{m:03o}" for m, _ in UMASKS])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """The umask of the test, and the mode a new file gets under it."""
    mask, mode = request.param
    old = os.umask(mask)
    try:
        yield mode
    finally:
        os.umask(old)


@pytest.mark.parametrize("kind", [*KINDS, "places"])
def test_results_honour_the_umask(
    kind: str, umask: int, inputs: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    out = tmp_path / "results" / f"out.{kind}"
    if kind == "places":
        args = ["places", "extract", str(TINY_OSM_PLACES), "--places", str(out), "--json"]
    else:
        args = command(kind, inputs, out)
    assert main(args) == 0
    if kind != "places":
        check_written(kind, out)
    assert oct(out.stat().st_mode & 0o777) == oct(umask)
    assert [p.name for p in out.parent.iterdir()] == [out.name]


# SYNTHETIC shops beside net_tiny.osm; the second row has no longitude
CITY_SHOPS = (
    "id,lon,lat,category,name\ns1,114.0015,22.5001,pharmacy,syn 1\ns2,,22.5,pharmacy,syn 2\n"
)
CITY_KINDS = ("network", "rejects", "places.csv", "places.geojson", "places.gpkg")
"""Files the ``city`` commands write: the city's network, rejects, exports."""


@pytest.mark.parametrize("kind", CITY_KINDS)
def test_city_files_honour_the_umask(
    kind: str,
    umask: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("LIFECIRCLE_DATABASE_URL", raising=False)
    monkeypatch.setenv("LIFECIRCLE_DATA_DIR", str(tmp_path / "data"))
    shops = tmp_path / "in" / "shops.csv"
    shops.parent.mkdir()
    shops.write_text(CITY_SHOPS, encoding="utf-8")
    assert main(["city", "create", "tiny"]) == 0
    if kind == "network":
        assert main(["city", "import", "tiny", "--network", str(TINY)]) == 0
        capsys.readouterr()
        assert main(["city", "info", "tiny", "--json"]) == 0
        out = Path(json.loads(capsys.readouterr().out)["network_path"])
        assert load_network(out).n_segments == 6
    else:
        import_shops = ["city", "import", "tiny", "--places", str(shops), "--format", "csv"]
        assert main([*import_shops, "--skip-bad"]) == 0
        out = tmp_path / "in" / "shops.rejects.csv"
        if kind != "rejects":
            out = tmp_path / "out" / kind
            assert main(["city", "export", "tiny", "places", "-o", str(out)]) == 0
        assert out.stat().st_size > 0
    assert oct(out.stat().st_mode & 0o777) == oct(umask)
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temporary file


@pytest.mark.parametrize("where", ["sys", "under-a-file"])
@pytest.mark.parametrize("suffix", [".csv", ".geojson", ".gpkg"])
def test_city_export_that_cannot_be_written_is_one_line(
    suffix: str,
    where: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("LIFECIRCLE_DATABASE_URL", raising=False)
    monkeypatch.setenv("LIFECIRCLE_DATA_DIR", str(tmp_path / "data"))
    shops = tmp_path / "shops.csv"
    shops.write_text(CITY_SHOPS, encoding="utf-8")
    assert main(["city", "create", "tiny"]) == 0
    assert (
        main(["city", "import", "tiny", "--places", str(shops), "--format", "csv", "--skip-bad"])
        == 0
    )
    blocker = tmp_path / "exports"
    blocker.write_text("a file where the folder should be\n", encoding="utf-8")
    out = (SYS if where == "sys" else blocker) / f"lifecircle-test{suffix}"
    capsys.readouterr()
    assert main(["city", "export", "tiny", "places", "-o", str(out)]) == ExitStatus.FILE
    line = one_line(capsys)
    assert line.startswith(f"error: cannot write {out}: "), line
    if where == "under-a-file":
        assert line == f"error: cannot write {out}: {blocker} is not a folder"
    assert not [p.name for p in SYS.iterdir() if "lifecircle-test" in p.name]
