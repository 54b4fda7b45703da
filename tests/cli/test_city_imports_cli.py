"""``lifecircle city import`` that officials can trust (issue 15), through the command line.

Named place sources replaced on re-import, workbooks read by their real extent, stale
runs failed, OSM bad objects rejected. Every test runs against a SQLite file and a real
PostgreSQL server. Places are SYNTHETIC: made up for these tests, not real shops.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl
import pytest
import sqlalchemy as sa

import lifecircle
from lifecircle.cli.main import ExitStatus, main
from tests.conftest import HELSINKI_PBF, require
from tests.services.futian import make_futian_city
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


# --- OpenStreetMap places: bad objects as bad rows, cut outlines as warnings ---------------

# SYNTHETIC objects near Futian: two good places, two areas cut by the extract's edge
# (w21 lacks node 299, r40 its member way w42) and three bad objects (a degenerate ring
# w22, an unclosed multipolygon r30, a shop on an open way w50)
BAD_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="synthetic test data">
  <node id="1" lat="22.5400000" lon="114.0500000">
    <tag k="shop" v="convenience"/><tag k="name" v="synthetic good node"/></node>
  <node id="201" lat="22.5410000" lon="114.0510000"/>
  <node id="202" lat="22.5410000" lon="114.0512000"/>
  <node id="203" lat="22.5412000" lon="114.0512000"/>
  <node id="204" lat="22.5412000" lon="114.0510000"/>
  <node id="211" lat="22.5420000" lon="114.0510000"/>
  <node id="212" lat="22.5420000" lon="114.0512000"/>
  <node id="213" lat="22.5422000" lon="114.0512000"/>
  <node id="221" lat="22.5430000" lon="114.0510000"/>
  <node id="222" lat="22.5430000" lon="114.0512000"/>
  <node id="311" lat="22.5440000" lon="114.0510000"/>
  <node id="312" lat="22.5440000" lon="114.0512000"/>
  <node id="313" lat="22.5442000" lon="114.0512000"/>
  <node id="411" lat="22.5450000" lon="114.0510000"/>
  <node id="412" lat="22.5450000" lon="114.0512000"/>
  <node id="413" lat="22.5452000" lon="114.0512000"/>
  <node id="501" lat="22.5460000" lon="114.0510000"/>
  <node id="502" lat="22.5460000" lon="114.0512000"/>
  <way id="20"><nd ref="201"/><nd ref="202"/><nd ref="203"/><nd ref="204"/><nd ref="201"/>
    <tag k="shop" v="supermarket"/><tag k="name" v="synthetic good area"/></way>
  <way id="21"><nd ref="211"/><nd ref="212"/><nd ref="213"/><nd ref="299"/><nd ref="211"/>
    <tag k="amenity" v="pharmacy"/><tag k="name" v="synthetic cut way"/></way>
  <way id="22"><nd ref="221"/><nd ref="222"/><nd ref="221"/>
    <tag k="shop" v="supermarket"/><tag k="name" v="synthetic degenerate ring"/></way>
  <way id="31"><nd ref="311"/><nd ref="312"/><nd ref="313"/></way>
  <relation id="30"><member type="way" ref="31" role="outer"/>
    <tag k="type" v="multipolygon"/><tag k="shop" v="supermarket"/></relation>
  <way id="41"><nd ref="411"/><nd ref="412"/><nd ref="413"/></way>
  <relation id="40"><member type="way" ref="41" role="outer"/>
    <member type="way" ref="42" role="outer"/>
    <tag k="type" v="multipolygon"/><tag k="amenity" v="pharmacy"/></relation>
  <way id="50"><nd ref="501"/><nd ref="502"/>
    <tag k="shop" v="convenience"/><tag k="name" v="synthetic shop on a line"/></way>
</osm>
"""


def test_osm_bad_objects_reject_the_import_unless_skip_bad(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = workdir / "futian_extract.osm"
    path.write_text(BAD_OSM, encoding="utf-8")
    assert main(["city", "create", "futian"]) == 0
    args = ["city", "import", "futian", "--places", str(path)]

    # without --skip-bad: nothing imported, every bad object listed (file, id, problem)
    capsys.readouterr()
    assert main([*args, "--json"]) == ExitStatus.DATA
    report = json.loads(capsys.readouterr().out)
    problems = report["rejected"]["problems"]
    assert sorted((p["file"], p["feature"], p["column"]) for p in problems) == [
        (str(path), "r30", "geometry"),
        (str(path), "w22", "geometry"),
        (str(path), "w50", "geometry"),
    ]
    by_id = {p["feature"]: p["problem"] for p in problems}
    assert by_id["w50"] == "a line or non-area relation: no point to place it at"
    assert by_id["w22"].startswith("the area's outline is invalid: every node and member way")
    info = run_json(capsys, "city", "info", "futian")
    assert info["places"] == 0
    assert [(r["status"], r["n_rejected"]) for r in info["import_runs"]] == [("rejected", 3)]
    assert not (workdir / "futian_extract.rejects.csv").exists()

    # with --skip-bad: the good places in, the bad objects in the rejects file, the cut
    # areas counted as warnings
    done = run_json(capsys, *args, "--skip-bad")
    [places] = done["imported"]
    assert (places["status"], places["n_imported"], places["n_rejected"]) == ("partial", 2, 3)
    assert places["details"]["clipped_areas"] == 2
    assert sorted(places["details"]["clipped"]) == ["r40", "w21"]
    assert "2 area(s) cut by the extract's edge left out" in places["message"]
    rejects = (workdir / "futian_extract.rejects.csv").read_text(encoding="utf-8").splitlines()
    assert sorted(line.split(",")[0] for line in rejects[1:]) == ["r30", "w22", "w50"]
    stored = run_json(capsys, "city", "info", "futian")
    assert stored["places"] == 2


def test_an_extract_whose_only_flaws_are_cut_outlines_imports_without_skip_bad(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = workdir / "cut.osm"
    path.write_text(_drop_bad_objects(BAD_OSM), encoding="utf-8")
    assert main(["city", "create", "futian"]) == 0
    done = run_json(capsys, "city", "import", "futian", "--places", str(path))
    [places] = done["imported"]
    assert (places["status"], places["n_imported"], places["n_rejected"]) == ("succeeded", 2, 0)
    assert places["details"]["clipped_areas"] == 2
    capsys.readouterr()
    assert main(["city", "import", "futian", "--places", str(path)]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert "2 area(s) cut by the extract's edge left out" in shown
    assert "2 of those areas are cut by the extract's edge" in shown  # the note


def _drop_bad_objects(text: str) -> str:
    """``BAD_OSM`` without its three bad objects (w22, r30 with w31, w50)."""
    kept, skipping = [], False
    for line in text.splitlines():
        if any(f'<{kind} id="{i}">' in line for kind, i in
               (("way", "22"), ("relation", "30"), ("way", "31"), ("way", "50"))):  # fmt: skip
            skipping = True
        if not skipping:
            kept.append(line)
        if skipping and ("</way>" in line or "</relation>" in line):
            skipping = False
    return "\n".join(kept)


# --- named sources, replaced on re-import ---------------------------------------------------

# SYNTHETIC shops of two districts whose exports number their rows from 1
DISTRICT_A = """id,lon,lat,category,name
1,114.0550,22.5400,convenience_store,synthetic 福田 shop 1
2,114.0560,22.5410,pharmacy,synthetic 福田 pharmacy 2
"""
DISTRICT_B = """id,lon,lat,category,name
1,113.9300,22.5200,supermarket,synthetic 南山 supermarket 1
2,113.9310,22.5210,laundry,synthetic 南山 laundry 2
"""


def test_two_districts_with_overlapping_ids_coexist(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = workdir / "futian_shops.csv"
    b = workdir / "nanshan_shops.csv"
    a.write_text(DISTRICT_A, encoding="utf-8")
    b.write_text(DISTRICT_B, encoding="utf-8")
    assert main(["city", "create", "shenzhen"]) == 0
    first = run_json(capsys, "city", "import", "shenzhen", "--places", str(a), "--format", "csv")
    second = run_json(capsys, "city", "import", "shenzhen", "--places", str(b), "--format", "csv")
    details = [done["imported"][0]["details"] for done in (first, second)]
    assert [(d["source_name"], d["inserted"], d["updated"], d["removed"]) for d in details] == [
        ("futian_shops", 2, 0, 0),
        ("nanshan_shops", 2, 0, 0),  # was "0 new, 2 updated": Futian's shops overwritten
    ]
    info = run_json(capsys, "city", "info", "shenzhen")
    assert info["places"] == 4
    assert info["places_per_source"] == {"futian_shops": 2, "nanshan_shops": 2}
    counts = {c["code"]: c["places"] for c in info["places_per_category"] if c["places"]}
    assert counts == {"convenience_store": 1, "pharmacy": 1, "supermarket": 1, "laundry": 1}


def test_a_newer_export_replaces_its_source(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    november = workdir / "export_2024_11.csv"
    december = workdir / "export_2024_12.csv"
    november.write_text(DISTRICT_A, encoding="utf-8")
    # the pharmacy has closed: the newer export no longer lists it; the shop moved
    december.write_text(
        "id,lon,lat,category,name\n1,114.0551,22.5401,convenience_store,synthetic shop 1\n",
        encoding="utf-8",
    )
    other = workdir / "nanshan_shops.csv"
    other.write_text(DISTRICT_B, encoding="utf-8")
    assert main(["city", "create", "futian"]) == 0
    common = ["city", "import", "futian", "--format", "csv", "--source", "futian_shops"]
    run_json(capsys, *common, "--places", str(november))
    run_json(capsys, "city", "import", "futian", "--format", "csv", "--places", str(other))
    done = run_json(capsys, *common, "--places", str(december))
    [places] = done["imported"]
    d = places["details"]
    assert (d["source_name"], d["inserted"], d["updated"], d["removed"]) == (
        "futian_shops",
        0,
        1,
        1,
    )
    assert (d["removed_places"], d["kept_by_other_sources"], d["removed_ids"]) == (1, 0, ["2"])
    assert places["message"].startswith(
        "source futian_shops: 1 places (0 new, 1 updated, 1 removed, 0 merged"
    )
    info = run_json(capsys, "city", "info", "futian")
    assert info["places"] == 3  # the other source is untouched
    assert info["places_per_source"] == {"futian_shops": 1, "nanshan_shops": 2}
    counts = {c["code"]: c["places"] for c in info["places_per_category"] if c["places"]}
    assert "pharmacy" not in counts

    # the CLI's table says the same
    capsys.readouterr()
    assert main([*common, "--places", str(november)]) == 0
    shown = capsys.readouterr().out
    assert "Places sources imported" in shown
    row = next(line for line in shown.splitlines() if "futian_shops" in line and "│" in line)
    cells = [c.strip() for c in row.strip("│ ").split("│")]
    assert cells == ["futian_shops", "2", "1", "1", "0", "0", "0"]


def test_source_names_are_checked(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    places = workdir / "shops.csv"
    places.write_text(DISTRICT_A, encoding="utf-8")
    assert main(["city", "create", "futian"]) == 0
    capsys.readouterr()
    args = ["city", "import", "futian", "--places", str(places), "--format", "csv"]
    assert main([*args, "--source", "futian shops"]) == ExitStatus.INVALID
    error = capsys.readouterr().err
    assert "--source 'futian shops': a source name is 1 to 64 letters, digits" in error
    units = ["city", "import", "futian", "--units", "h3:9", "--source", "x"]
    assert main(units) == ExitStatus.INVALID
    assert "--source describe a --places file" in capsys.readouterr().err
    info = run_json(capsys, "city", "info", "futian")
    assert (info["places"], info["import_runs"]) == (0, [])
    assert (
        run_json(capsys, *args, "--source", "福田_商店-2024.12")["imported"][0]["details"][
            "source_name"
        ]
        == "福田_商店-2024.12"
    )


# --- an import killed midway ------------------------------------------------------------------


def test_an_import_killed_midway_is_failed_when_the_city_is_next_opened(
    workdir: Path, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    pbf = require(HELSINKI_PBF)
    assert main(["city", "create", "helsinki"]) == 0
    path = os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])
    # building the Helsinki network takes seconds: time to find the run and kill it
    process = subprocess.Popen(
        [sys.executable, "-c", CLI, "city", "import", "helsinki", "--network", str(pbf)],
        env={**os.environ, "PYTHONPATH": path},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        running: list[tuple[int, int]] = []
        while not running and time.monotonic() < deadline and process.poll() is None:
            with engine.connect() as connection:
                running = [
                    (row.id, row.pid)
                    for row in connection.execute(
                        sa.text("SELECT id, pid FROM import_runs WHERE status = 'running'")
                    )
                ]
            time.sleep(0.02)
        assert running, "the import ended before it could be killed"
        process.kill()
    finally:
        process.wait(timeout=60)
    [(run_id, pid)] = running
    assert pid == process.pid

    started = time.time()
    info = run_json(capsys, "city", "info", "helsinki")  # opening the city fails it
    [run] = info["import_runs"]
    assert (run["id"], run["kind"], run["status"]) == (run_id, "network", "failed")
    message = run["message"]
    assert message.startswith("interrupted: still running at ")
    when = datetime.strptime(message[30:49], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    assert abs(when.timestamp() - started) < 60
    assert message.endswith(
        f" UTC when the city was next opened (its process {pid} on {socket.gethostname()} is gone)"
    )
    assert run["finished_at"] is not None
    # and the city imports again
    done = run_json(capsys, "city", "import", "helsinki", "--network", str(pbf))
    assert done["imported"][0]["status"] == "succeeded"


# --- every import a run was fed by ----------------------------------------------------------

# SYNTHETIC extra shops in the Futian walk graph's area (沙头/香蜜湖), WGS-84
EXTRA = """id,lon,lat,category,name
x1,114.0210,22.5310,laundry,synthetic laundry
x2,114.0290,22.5390,pharmacy,synthetic pharmacy
"""


@pytest.mark.slow
def test_a_run_lists_every_import_it_was_fed_by(
    workdir: Path, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    name = make_futian_city(engine, workdir / "data")
    extra = workdir / "extra_shops.csv"
    extra.write_text(EXTRA, encoding="utf-8")
    run_json(capsys, "city", "import", name, "--places", str(extra), "--format", "csv")
    first = run_json(capsys, "assess", name)
    imports = first["run"]["data"]["imports"]
    named = [
        (i["kind"], i.get("source_name") or i.get("method") or i.get("units") or i["source"])
        for i in imports
    ]
    assert named == [
        ("network", "futian_shatou_xiangmihu_walk.graphml"),
        ("communities", "h3:8"),  # the H3 units, made over the network
        ("places", "synthetic_places"),
        ("population", "points"),
        ("places", "extra_shops"),  # before: only the latest import of each kind
    ]
    assert all(i["status"] == "succeeded" and len(i["sha256"]) == 64 for i in imports)

    # a newer export of one source: the run after lists it, keyed by the source
    extra.write_text(EXTRA.replace("x2,114.0290", "x2,114.0291"), encoding="utf-8")
    run_json(capsys, "city", "import", name, "--places", str(extra), "--format", "csv")
    second = run_json(capsys, "assess", name)
    names = [i.get("source_name") for i in second["run"]["data"]["imports"]]
    assert names == [None, None, "synthetic_places", None, "extra_shops"]

    runs = run_json(capsys, "runs", name)
    assert [len(r["imports"]) for r in runs] == [5, 5]
    capsys.readouterr()
    assert main(["runs", name]) == 0
    shown = capsys.readouterr().out
    assert (
        f"run {second['run']['id']} fed by network futian_shatou_xiangmihu_walk.graphml; "
        "communities units h3:8; places synthetic_places, extra_shops; population points\n"
    ) in shown

    before, after = str(first["run"]["id"]), str(second["run"]["id"])
    diff = run_json(capsys, "compare", name, before, after)
    assert set(diff["data"]) == {"places extra_shops"}
    change = diff["data"]["places extra_shops"]
    assert change["before"] != change["after"]
    assert len(diff["imports"]["before"]) == len(diff["imports"]["after"]) == 5
    capsys.readouterr()
    assert main(["compare", name, before, after]) == 0
    shown = capsys.readouterr().out
    assert "data places extra_shops: " in shown
    assert "after: fed by network futian_shatou_xiangmihu_walk.graphml; communities" in (
        " ".join(shown.split())
    )

    html = workdir / "report.html"
    assert main(["report", name, "-o", str(html), "--lang", "en"]) == 0
    text = html.read_text(encoding="utf-8")
    assert "places: synthetic_places.csv (synthetic_places)<br>" in text
    assert "places: extra_shops.csv (extra_shops)" in text
