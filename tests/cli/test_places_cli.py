"""``places extract`` and ``categories`` through Typer's test runner (a throwaway app)."""

from __future__ import annotations

import csv
import json
from typing import TYPE_CHECKING

import pytest
import typer
from typer.testing import CliRunner

from lifecircle.cli.places import HOMES_HEADER, PLACES_HEADER, categories_cmd, places_app
from lifecircle.errors import DataError, NotFoundError
from lifecircle.io.places.points import read_points
from lifecircle.io.places.taxonomy import COLUMNS
from tests.conftest import DATA, HELSINKI_PBF, require

if TYPE_CHECKING:
    from pathlib import Path

TINY = DATA / "valid" / "places_tiny.osm"


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    # mirrors the registration in lifecircle.cli.main
    app = typer.Typer(pretty_exceptions_enable=False)
    app.add_typer(places_app, name="places")
    app.command("categories")(categories_cmd)
    return app


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_extract_writes_places_and_homes(app, runner, tmp_path) -> None:
    places, homes = tmp_path / "out" / "places.csv", tmp_path / "homes.csv"
    args = ["places", "extract", str(TINY), "--places", str(places), "--homes", str(homes)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "convenience_store" in result.output
    assert "便利店" in result.output
    assert "wrote 4 rows (3 places: 2 nodes, 1 areas)" in result.output
    assert "left out 1 matching line/relation object(s) without an area and 1 area(s)" in (
        " ".join(result.output.split())
    )
    assert "wrote 2 homes" in result.output

    rows = read_csv(places)
    assert tuple(rows[0]) == PLACES_HEADER
    assert [(r["id"], r["category"]) for r in rows] == [
        ("n1", "convenience_store"),
        ("n2", "specialty_dining"),
        ("n2", "elderly_canteen"),
        ("w10", "supermarket"),
    ]
    assert rows[2]["rule"] == "amenity=restaurant&name~长者饭堂"
    assert rows[0]["opening_hours"] == "24/7"
    home_rows = read_csv(homes)
    assert tuple(home_rows[0]) == HOMES_HEADER
    assert [(r["id"], r["levels"]) for r in home_rows] == [("w11", "6"), ("w12", "")]

    # the files are valid input of `lifecircle access`
    table = read_points(places, kind="places")
    assert table.category == tuple(r["category"] for r in rows)
    assert len(read_points(homes, kind="origins")) == 2


def test_extract_json(app, runner, tmp_path) -> None:
    places = tmp_path / "places.csv"
    args = ["places", "extract", str(TINY), "--places", str(places), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["taxonomy"] == "shenzhen"
    assert info["homes"] is None
    assert info["places"]["rows"] == 4
    assert info["places"]["places"] == 3
    assert info["places"]["no_geometry"] == 1
    assert info["places"]["broken_areas"] == 1
    counts = {c["code"]: c["count"] for c in info["places"]["categories"]}
    assert counts["elderly_canteen"] == 1
    assert counts["pharmacy"] == 0
    first = info["places"]["categories"][0]
    assert first == {
        "group": "basic",
        "code": "convenience_store",
        "name_zh": "便利店",
        "name_en": "Convenience store",
        "count": 1,
    }


def test_extract_helsinki(app, runner, tmp_path) -> None:
    places, homes = tmp_path / "places.csv", tmp_path / "homes.csv"
    args = ["places", "extract", str(require(HELSINKI_PBF)), "--places", str(places),
            "--homes", str(homes), "--json"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    counts = {c["code"]: c["count"] for c in info["places"]["categories"]}
    assert counts["beauty_hair"] >= 40
    assert counts["pharmacy"] >= 1
    assert info["homes"]["rows"] == 325  # building=yes outlines too: few are tagged residential
    assert info["homes"]["fallback"]
    rows = read_csv(places)
    assert len(rows) == info["places"]["rows"] == sum(counts.values())
    assert len(read_points(places, kind="places")) == len(rows)


def test_extract_with_mofcom_and_user_taxonomy(app, runner, tmp_path) -> None:
    places = tmp_path / "places.csv"
    args = ["places", "extract", str(TINY), "--places", str(places), "--json"]
    result = runner.invoke(app, [*args, "--taxonomy", "mofcom"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["taxonomy"] == "mofcom"
    groups = {c["code"]: c["group"] for c in info["places"]["categories"]}
    assert groups["wet_market"] == "basic"

    mine = tmp_path / "mine.csv"
    mine.write_text(
        ",".join(COLUMNS) + "\n1,basic,shops,商店,Shops,shop=*,,,,never,low,every shop\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, [*args, "--taxonomy", str(mine)])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["taxonomy"] == "mine"
    assert [(c["code"], c["count"]) for c in info["places"]["categories"]] == [("shops", 2)]


def test_bad_taxonomy_raises_and_writes_nothing(app, runner, tmp_path) -> None:
    places = tmp_path / "places.csv"
    bad = DATA / "invalid" / "taxonomy_many_problems.csv"
    args = ["places", "extract", str(TINY), "--places", str(places), "--taxonomy", str(bad)]
    result = runner.invoke(app, args)
    assert result.exit_code != 0
    assert isinstance(result.exception, DataError)
    assert f"{bad}: line 3" in str(result.exception)
    assert not places.exists()


def test_missing_input_raises(app, runner, tmp_path) -> None:
    places = tmp_path / "places.csv"
    args = ["places", "extract", str(tmp_path / "none.osm.pbf"), "--places", str(places)]
    result = runner.invoke(app, args)
    assert isinstance(result.exception, NotFoundError)
    assert not places.exists()


def test_places_option_is_required(app, runner) -> None:
    result = runner.invoke(app, ["places", "extract", str(TINY)])
    assert result.exit_code == 2
    assert "--places" in result.output


def test_categories_table(app, runner) -> None:
    result = runner.invoke(app, ["categories"])
    assert result.exit_code == 0, result.output
    for text in ("shenzhen taxonomy: 27 categories", "elderly_canteen", "长者饭堂", "药店"):
        assert text in result.output


def test_categories_json(app, runner) -> None:
    result = runner.invoke(app, ["categories", "--taxonomy", "mofcom", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["taxonomy"] == "mofcom"
    cats = {c["code"]: c for c in info["categories"]}
    assert cats["wet_market"]["group"] == "basic"
    assert cats["supermarket"]["name_kw_exclude"] == "@fresh_grocery|@fresh_ecom_front_warehouse"
    assert cats["elderly_canteen"]["name_kw_required"] == "always"
    assert cats["pharmacy"]["osm_tags"] == "amenity=pharmacy;healthcare=pharmacy"
    assert sum(c["group"] == "basic" for c in info["categories"]) == 12
