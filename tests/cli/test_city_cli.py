"""``lifecircle city``: create, list, import, info, export through the command line.

Every test runs against a SQLite file and a real PostgreSQL server, named to the CLI by
``LIFECIRCLE_DATABASE_URL``. Places used with Shenzhen data are SYNTHETIC.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from lifecircle.cli.main import ExitStatus, main
from tests.conftest import DATA, FUTIAN_GRAPHML, HELSINKI_PBF, require
from tests.store import conftest as store_conftest

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

# the store's fixtures: every test here runs on a SQLite file and on PostgreSQL
postgres = store_conftest.postgres
empty_engine = store_conftest.empty_engine
engine = store_conftest.engine

# SYNTHETIC places near streets of the Futian walk graph (沙头/香蜜湖), WGS-84
SYNTHETIC = """id,lon,lat,category,name
syn1,114.0210,22.5310,pharmacy,synthetic pharmacy
syn2,114.0120,22.5260,supermarket|convenience_store,synthetic supermarket
syn3,114.0290,22.5390,pharmacy,synthetic pharmacy 2
"""
BAD = """id,lon,lat,category,name
g1,114.0210,22.5310,pharmacy,synthetic good
b1,x,22.5310,pharmacy,synthetic bad lon
b2,114.0220,22.5320,pharmacie,synthetic bad category
b3,114.0230,95,pharmacy,synthetic bad lat
"""


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


def fails(capsys: pytest.CaptureFixture[str], status: ExitStatus, *args: str) -> str:
    capsys.readouterr()
    assert main(list(args)) == status
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in captured.err
    return lines[0]


@pytest.mark.parametrize("suffix", ["csv", "geojson", "gpkg"])
def test_an_empty_city_exports_empty_files(
    workdir: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    """A city without places or communities exports empty layers, not a traceback."""
    assert main(["city", "create", "empty"]) == 0
    for what in ("places", "communities"):
        out = workdir / f"{what}.{suffix}"
        done = run_json(capsys, "city", "export", "empty", what, "-o", str(out))
        assert (done["rows"], out.exists()) == (0, True), done


def test_create_list_and_info(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["city", "create", "helsinki"]) == 0
    assert "created city helsinki (taxonomy shenzhen)" in capsys.readouterr().out
    assert "already exists" in fails(capsys, ExitStatus.INVALID, "city", "create", "helsinki")
    made = run_json(capsys, "city", "create", "helsinki", "--exist-ok")
    assert (made["name"], made["created"]) == ("helsinki", False)
    [listed] = run_json(capsys, "city", "list")
    assert (listed["name"], listed["n_places"], listed["n_import_runs"]) == ("helsinki", 0, 0)
    info = run_json(capsys, "city", "info", "helsinki")
    assert (info["places"], info["communities"], info["import_runs"]) == (0, 0, [])
    assert info["network_path"] is None
    assert "known cities: helsinki" in fails(capsys, ExitStatus.NOT_FOUND, "city", "info", "oslo")
    assert main(["city", "info", "helsinki"]) == 0
    assert "places       0" in capsys.readouterr().out


@pytest.mark.slow
def test_import_a_network_and_places_then_export(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    places = workdir / "synthetic.csv"
    places.write_text(SYNTHETIC, encoding="utf-8")
    assert main(["city", "create", "futian"]) == 0
    graph = str(require(FUTIAN_GRAPHML))
    done = run_json(
        capsys, "city", "import", "futian", "--network", graph, "--places", str(places),
        "--format", "csv",
    )  # fmt: skip
    network, imported = done["imported"]
    assert (network["kind"], network["status"]) == ("network", "succeeded")
    target = workdir / "data" / "cities" / "futian" / "network.lcnet"
    assert network["details"]["network_path"] == str(target.resolve())
    assert target.is_file()
    assert (imported["kind"], imported["n_imported"]) == ("places", 3)

    info = run_json(capsys, "city", "info", "futian")
    counts = {c["code"]: c["places"] for c in info["places_per_category"] if c["places"]}
    assert counts == {"pharmacy": 2, "supermarket": 1, "convenience_store": 1}
    assert info["network_exists"] is True
    assert [run["status"] for run in info["import_runs"]] == ["succeeded", "succeeded"]

    assert main(["city", "info", "futian"]) == 0
    shown = capsys.readouterr().out
    assert "Places per category" in shown
    assert "Import runs" in shown

    out = workdir / "places.csv"
    written = run_json(capsys, "city", "export", "futian", "places", "-o", str(out))
    assert written["rows"] == 3
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["id", "name", "lon", "lat", "categories", "source"]
    assert rows[2] == [  # (issue 15) keyed by the source synthetic.csv's stem
        "synthetic:syn2",
        "synthetic supermarket",
        "114.0120000",
        "22.5260000",
        "convenience_store|supermarket",
        "synthetic:syn2",
    ]
    problem = fails(capsys, ExitStatus.INVALID, "city", "export", "futian", "places", "-o", "x.txt")
    assert ".csv, .geojson or .gpkg" in problem


def test_names_differing_only_in_unsafe_characters_keep_their_own_network(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``a/b``, ``a:b`` and ``a?b`` once shared the folder ``a_b`` and its network file."""
    sources = {
        "a/b": DATA / "valid" / "net_tiny.osm",
        "a:b": DATA / "valid" / "net_tiny.graphml",
        "a?b": DATA / "valid" / "net_tiny_overpass.json",
        "a_b": DATA / "valid" / "net_tiny_overpass_geom.json",
    }
    for name, source in sources.items():
        assert main(["city", "create", name]) == 0
        assert main(["city", "import", name, "--network", str(source)]) == 0
    folders = set()
    for name, source in sources.items():
        info = run_json(capsys, "city", "info", name)
        assert info["network_exists"] is True
        network = run_json(capsys, "network", "info", info["network_path"])
        assert network["source"].startswith(f"{source.name} ("), (name, network["source"])
        folder = Path(info["network_path"]).parent
        assert folder.parent == (workdir / "data" / "cities").resolve()
        folders.add(folder.name)
    assert len(folders) == len(sources)
    assert "a_b" in folders  # a name that is a safe folder name keeps it


@pytest.mark.slow
def test_helsinki_places_match_places_extract(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pbf = str(require(HELSINKI_PBF))
    extracted = run_json(capsys, "places", "extract", pbf, "--places", str(workdir / "extract.csv"))
    expected = {c["code"]: c["count"] for c in extracted["places"]["categories"] if c["count"]}
    assert main(["city", "create", "helsinki"]) == 0
    done = run_json(capsys, "city", "import", "helsinki", "--places", pbf, "--format", "osm")
    [places] = done["imported"]
    assert places["details"]["categories"] == expected
    assert places["n_imported"] == extracted["places"]["places"]
    info = run_json(capsys, "city", "info", "helsinki")
    counts = {c["code"]: c["places"] for c in info["places_per_category"] if c["places"]}
    assert counts == expected
    [run] = info["import_runs"]
    # (issue 15) areas cut by the extract's edge are counted warnings, not rejects
    assert run["status"] == "succeeded"
    assert (run["n_rejected"], run["rejects"]) == (0, [])
    clipped = extracted["places"]["clipped_areas"]
    assert places["details"]["clipped_areas"] == clipped == extracted["places"]["broken_areas"]
    assert f"{clipped} area(s) cut by the extract's edge left out" in run["message"]


def test_a_bad_file_is_rejected_with_every_problem(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = workdir / "shops.csv"
    bad.write_text(BAD, encoding="utf-8")
    assert main(["city", "create", "futian"]) == 0
    args = ["city", "import", "futian", "--places", str(bad), "--format", "csv"]
    line = fails(capsys, ExitStatus.DATA, *args)
    assert f"{bad}: line 3: lon: not a number: 'x' (and 2 more problems)" in line
    assert "nothing imported (import run 1)" in line

    capsys.readouterr()
    assert main([*args, "--json"]) == ExitStatus.DATA
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["imported"] == []
    assert report["error"].endswith("nothing imported (import run 2)")
    problems = report["rejected"]["problems"]
    assert [(p["line"], p["column"]) for p in problems] == [
        (3, "lon"),
        (4, "category"),
        (5, "lon,lat"),
    ]
    assert all(p["file"] == str(bad) for p in problems)

    info = run_json(capsys, "city", "info", "futian")
    assert info["places"] == 0
    assert [r["status"] for r in info["import_runs"]] == ["rejected", "rejected"]
    assert info["import_runs"][0]["rejects"] == problems
    assert main(["city", "info", "futian"]) == 0
    shown = capsys.readouterr().out
    assert "rejected, nothing imported" in shown
    assert "line 4: category: 'pharmacie' is not a code" in shown
    assert not (workdir / "shops.rejects.csv").exists()

    # --skip-bad: the good row in, the rejects beside the input
    assert main([*args, "--skip-bad"]) == 0
    shown = capsys.readouterr().out
    assert "3 row(s) left out; written to" in shown
    rejects = workdir / "shops.rejects.csv"
    with rejects.open(encoding="utf-8") as fh:
        assert [r[:2] for r in csv.reader(fh)] == [
            ["ref", "column"],
            ["line 3", "lon"],
            ["line 4", "category"],
            ["line 5", "lon,lat"],
        ]
    assert run_json(capsys, "city", "info", "futian")["places"] == 1


def test_option_errors_are_one_line(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["city", "create", "x"]) == 0
    places = str(DATA / "valid" / "placescsv_places.csv")
    assert "nothing to import" in fails(capsys, ExitStatus.INVALID, "city", "import", "x")
    assert "--format amap" in fails(
        capsys, ExitStatus.INVALID, "city", "import", "x", "--places", places
    )
    assert "--level 'town'" in fails(
        capsys, ExitStatus.INVALID, "city", "import", "x", "--communities", places,
        "--level", "town",
    )  # fmt: skip
    assert "no such file (--buildings)" in fails(
        capsys, ExitStatus.NOT_FOUND, "city", "import", "x", "--buildings", "nope.pbf"
    )
    assert "no walking network" in fails(
        capsys, ExitStatus.INVALID, "city", "import", "x", "--units", "h3:9"
    )
    assert "no city named 'y'" in fails(
        capsys, ExitStatus.NOT_FOUND, "city", "import", "y", "--places", places, "--format", "csv"
    )
