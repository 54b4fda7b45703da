"""The batch manifest: TOML and CSV, checked whole, every problem named before any work."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from lifecircle.cli.main import ExitStatus, main
from lifecircle.errors import NotFoundError
from lifecircle.scale.manifest import ManifestError, load_manifest

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def files(tmp_path: Path) -> Path:
    for name in ("net.osm.pbf", "shops.csv", "more.csv", "comm.geojson", "pop.csv"):
        (tmp_path / "in" / name).parent.mkdir(exist_ok=True)
        (tmp_path / "in" / name).write_text("x")
    return tmp_path


def test_a_toml_manifest_gives_one_job_per_city_with_paths_beside_it(files: Path):
    manifest = files / "cities.toml"
    manifest.write_text(
        """
[[city]]
name = "甲市"
network = "in/net.osm.pbf"
places = ["in/shops.csv", "in/more.csv"]
format = "csv"
communities = "in/comm.geojson"
code_field = "code"
population = "in/pop.csv"
dedupe_m = 10

[[city]]
stored = "乙市"
""",
        encoding="utf-8",
    )
    loaded = load_manifest(manifest)
    first, second = loaded.cities
    assert first.name == "甲市"
    assert not first.stored
    assert first.entry == "[[city]] #1 (line 2) (甲市)"
    main_import, extra = first.requests
    assert main_import.network == files / "in" / "net.osm.pbf"
    assert main_import.places == files / "in" / "shops.csv"
    assert main_import.community_fields.code == "code"
    assert main_import.dedupe_m == 10
    assert extra.places == files / "in" / "more.csv"
    assert extra.network is None
    assert (second.name, second.stored, second.requests) == ("乙市", True, ())


def test_a_csv_manifest_reads_the_same_fields_as_columns(files: Path):
    manifest = files / "cities.csv"
    manifest.write_text(
        "name,network,places,format,population,skip_bad,stored\n"
        "a,in/net.osm.pbf,in/shops.csv;in/more.csv,csv,in/pop.csv,yes,\n"
        "\n"
        ",,,,,,b\n",
        encoding="utf-8",
    )
    a, b = load_manifest(manifest).cities
    assert a.entry == "line 2 (a)"
    assert [r.places for r in a.requests] == [files / "in" / "shops.csv", files / "in" / "more.csv"]
    assert a.requests[0].skip_bad is True
    assert a.requests[0].population == files / "in" / "pop.csv"
    assert (b.name, b.stored, b.entry) == ("b", True, "line 4 (b)")


def _problems(path: Path) -> tuple[str, ...]:
    with pytest.raises(ManifestError) as caught:
        load_manifest(path)
    assert str(path) in str(caught.value)
    return caught.value.problems


def test_every_problem_of_a_toml_manifest_is_named_at_once(files: Path):
    manifest = files / "bad.toml"
    manifest.write_text(
        """
[[city]]
name = "no-network"
places = ["in/shops.csv"]

[[city]]
name = "typo"
network = "in/net.osm.pbf"
popluation = "in/pop.csv"

[[city]]
name = "gone"
network = "in/missing.pbf"

[[city]]
name = "number"
network = "in/net.osm.pbf"
dedupe_m = "thirty"

[[city]]
name = "number"
network = "in/net.osm.pbf"
""",
        encoding="utf-8",
    )
    problems = _problems(manifest)
    assert problems == (
        (
            "[[city]] #1 (line 2) (no-network): network: required to import a city "
            "(or stored = NAME)"
        ),
        "[[city]] #2 (line 6) (typo): popluation: unknown field",
        f"[[city]] #3 (line 11) (gone): network: file not found: {files / 'in' / 'missing.pbf'}",
        (
            "[[city]] #4 (line 15) (number): dedupe_m: Input should be a valid number, "
            "unable to parse string as a number (got 'thirty')"
        ),
    )


def test_every_problem_of_a_csv_manifest_names_its_line_and_field(files: Path):
    manifest = files / "bad.csv"
    manifest.write_text(
        "name,network,dedupe_m,level,colour\n"
        "a,in/net.osm.pbf,-1,community,\n"
        "b,in/net.osm.pbf,5,village,\n"
        "c,in/net.osm.pbf,5,community,red\n"
        "d,in/net.osm.pbf\n",
        encoding="utf-8",
    )
    problems = _problems(manifest)
    assert problems[0] == (
        "line 2 (a): dedupe_m: Input should be greater than or equal to 0 (got '-1')"
    )
    assert problems[1].startswith("line 3 (b): level: 'village' is not one of community")
    assert problems[2] == "line 4 (c): colour: unknown field"
    assert problems[3] == "line 5: 2 fields, the header has 5"


def test_a_stored_city_takes_no_files_and_names_must_be_unique(files: Path):
    manifest = files / "stored.toml"
    manifest.write_text(
        '[[city]]\nstored = "x"\nnetwork = "in/net.osm.pbf"\n\n'
        '[[city]]\nstored = "y"\n\n[[city]]\nstored = "y"\n',
        encoding="utf-8",
    )
    problems = _problems(manifest)
    assert problems[0].startswith("[[city]] #1 (line 1) (x): network: a stored city is assessed")
    assert problems[1] == (
        "[[city]] #3 (line 8) (y): name: 'y' is listed already at [[city]] #2 (line 5)"
    )


def test_options_that_city_import_refuses_are_reported_for_their_entry(files: Path):
    manifest = files / "units.toml"
    manifest.write_text(
        '[[city]]\nname = "u"\nnetwork = "in/net.osm.pbf"\nunits = "hexagons"\n', encoding="utf-8"
    )
    (problem,) = _problems(manifest)
    assert problem.startswith("[[city]] #1 (line 1) (u): ")
    assert "hexagons" in problem


def test_a_missing_or_strange_manifest_is_refused(tmp_path: Path):
    with pytest.raises(NotFoundError, match="no such file"):
        load_manifest(tmp_path / "nope.toml")
    (tmp_path / "m.json").write_text("{}")
    with pytest.raises(ManifestError, match=r"expected a \.toml or \.csv"):
        load_manifest(tmp_path / "m.json")
    (tmp_path / "empty.toml").write_text("")
    assert _problems(tmp_path / "empty.toml") == (
        "no cities: add a [[city]] table (TOML) or a row (CSV)",
    )
    (tmp_path / "broken.toml").write_text("[[city]\n")
    assert _problems(tmp_path / "broken.toml")[0].startswith("not valid TOML")


def test_the_command_stops_on_a_bad_manifest_before_opening_the_database(
    files: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    data = files / "data"
    monkeypatch.setenv("LIFECIRCLE_DATA_DIR", str(data))
    monkeypatch.delenv("LIFECIRCLE_DATABASE_URL", raising=False)
    manifest = files / "bad.toml"
    manifest.write_text('[[city]]\nname = "x"\nnetwork = "in/none.pbf"\n', encoding="utf-8")
    assert main(["batch", "assess", str(manifest)]) == ExitStatus.INVALID
    assert "network: file not found" in capsys.readouterr().err
    assert not data.exists()  # nothing ran: not even the database was made
