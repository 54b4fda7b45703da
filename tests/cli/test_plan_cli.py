"""``lifecircle plan`` through the command line, on the SYNTHETIC Futian city (SQLite)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from lifecircle.cli.main import ExitStatus, main
from lifecircle.store.migrate import open_database
from tests.services.futian import make_futian_city

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture(scope="module")
def city_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    """A database URL holding the synthetic city, its name and a folder for files."""
    folder = tmp_path_factory.mktemp("plancli")
    url = f"sqlite:///{folder / 'lifecircle.db'}"
    engine = open_database(url)
    try:
        name = make_futian_city(engine, folder)
    finally:
        engine.dispose()
    return url, name, folder


@pytest.fixture
def name(city_db: tuple[str, str, Path], monkeypatch: pytest.MonkeyPatch) -> str:
    url, city, folder = city_db
    monkeypatch.setenv("LIFECIRCLE_DATABASE_URL", url)
    monkeypatch.setenv("LIFECIRCLE_DATA_DIR", str(folder / "data"))
    return city


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
    assert captured.out == ""
    return lines[0]


def test_cover_json_has_the_keys_the_issue_lists(name, capsys):
    doc = run_json(capsys, "plan", name, "--category", "laundry", "--mode", "cover")
    assert set(doc) >= {"sites", "covered_population", "total_population", "optimal", "gap"}
    assert doc["sites"]
    for site in doc["sites"]:
        assert set(site) >= {"id", "lon", "lat", "category", "newly_covered_population"}
        assert site["category"] == "laundry"
        assert isinstance(site["communities"], list)
    assert doc["optimal"] is True
    assert doc["gap"] == 0.0
    assert doc["covered_population"] == doc["total_population"]
    assert isinstance(doc["plan"]["id"], int)  # stored by default


def test_max_mode_options_and_no_save(name, capsys):
    doc = run_json(
        capsys, "plan", name, "--category", "laundry,pharmacy", "--mode", "max", "--k", "2",
        "--capacity", "4000", "--minutes", "12", "--speed-kmh", "4.5", "--no-save",
    )  # fmt: skip
    assert doc["plan"]["id"] is None
    params = doc["plan"]["parameters"]
    assert (params["mode"], params["k"], params["capacity"]) == ("max", 2, 4000.0)
    assert (params["minutes"], params["speed_kmh"], params["limit_m"]) == (12.0, 4.5, 900.0)
    assert params["categories"] == ["laundry", "pharmacy"]
    assert sorted(s["category"] for s in doc["sites"]) == ["laundry"] * 2 + ["pharmacy"] * 2
    assert all(s["newly_covered_population"] <= 4000.0 for s in doc["sites"])
    assert doc["covered_population"] < doc["total_population"]


def test_community_and_candidates_file(name, capsys, city_db):
    first = run_json(capsys, "plan", name, "--category", "pharmacy", "--no-save")
    site = first["sites"][0]
    code = site["communities"][0]
    units = city_db[2] / "units.csv"
    units.write_text(
        f"id,lon,lat,rent\nshop-1,{site['lon']},{site['lat']},6800\n", encoding="utf-8"
    )
    doc = run_json(
        capsys, "plan", name, "--category", "pharmacy", "--community", code,
        "--candidates", str(units), "--spacing-m", "50", "--time-limit-s", "5", "--no-save",
    )  # fmt: skip
    assert [c["code"] for c in doc["communities"]] == [code]
    assert [s["id"] for s in doc["sites"]] == ["shop-1"]
    assert doc["sites"][0]["rent"] == 6800.0
    assert doc["candidates"]["source"] == "file"


def test_table_output(name, capsys):
    capsys.readouterr()
    assert main(["plan", name, "--category", "photo_print", "--mode", "max", "--k", "1"]) == 0
    text = capsys.readouterr().out
    assert "New sites" in text
    assert "Per category" in text
    assert "stored as plan" in text


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["plan", "atlantis", "--category", "laundry"], ExitStatus.NOT_FOUND, "no city named"),
        (["plan", "{name}", "--category", "laundromat"], ExitStatus.INVALID, "unknown category"),
        (
            ["plan", "{name}", "--category", "laundry", "--community", "x"],
            ExitStatus.NOT_FOUND,
            "has no community 'x'",
        ),
        (
            ["plan", "{name}", "--category", "laundry", "--mode", "max"],
            ExitStatus.INVALID,
            "max mode needs k",
        ),
        (
            ["plan", "{name}", "--category", "laundry", "--k", "2"],
            ExitStatus.INVALID,
            "k applies to max mode only",
        ),
        (
            ["plan", "{name}", "--category", "laundry", "--candidates", "missing.csv"],
            ExitStatus.NOT_FOUND,
            "missing.csv: no such file",
        ),
    ],
    ids=["city", "category", "community", "max-without-k", "cover-with-k", "candidates"],
)
def test_errors_and_exit_codes(name, capsys, args, status, message):
    line = fails(capsys, status, *(a.format(name=name) for a in args))
    assert message in line


def test_infeasible_share_exit_code(name, capsys, city_db):
    units = city_db[2] / "one_unit.csv"
    units.write_text("id,lon,lat\nonly,114.0212609,22.5323506\n", encoding="utf-8")
    line = fails(
        capsys, ExitStatus.INFEASIBLE, "plan", name, "--category", "laundry",
        "--candidates", str(units), "--share", "0.99", "--no-save",
    )  # fmt: skip
    assert "share 0.99 needs" in line


def test_category_is_required(name, capsys):
    capsys.readouterr()
    assert main(["plan", name]) == ExitStatus.USAGE


def test_joint_plan_json_and_table(name, capsys, city_db):
    doc = run_json(capsys, "plan", name, "--joint", "--category", "laundry,repair,housekeeping")
    joint = doc["joint"]
    assert joint["units"] == len(doc["units"]) > 0
    assert joint["units"] <= joint["per_category_sites"]
    assert joint["solver"] == "highs"
    assert joint["optimal"]
    assert joint["gap"] == 0.0
    assert isinstance(doc["plan"]["id"], int)
    assert doc["plan"]["parameters"]["joint"] is True
    for unit in doc["units"]:
        assert set(unit) >= {"id", "lon", "lat", "hosts", "closes", "combination", "cost"}
        assert set(unit["closes"]) == set(unit["hosts"])
    capsys.readouterr()
    assert main(["plan", name, "--joint", "--category", "laundry,repair", "--no-save"]) == 0
    text = capsys.readouterr().out
    assert "New units" in text
    assert "Joint vs per-category" in text
    assert "per category" in text


def test_joint_bad_combinations_file_names_line_and_field(name, capsys, city_db):
    bad = city_db[2] / "combos.csv"
    bad.write_text(
        "name,categories,site_cost\nok,laundry+repair,1\nbad,laundry+nope,x\n", encoding="utf-8"
    )
    line = fails(
        capsys, ExitStatus.DATA, "plan", name, "--joint", "--combinations", str(bad), "--no-save"
    )
    assert f"{bad}: 2 problem(s): line 3: field categories: unknown category nope" in line
    assert "line 3: field site_cost: 'x' is not a number" in line
