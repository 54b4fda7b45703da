"""Places tables with taxonomy codes: multi-category rows, encodings, and the invalid corpus.

Fixtures (tests/data/valid/placescsv_*, tests/data/invalid/placescsv_*) are SYNTHETIC.
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

import numpy as np
import pytest

from lifecircle.core.assess.categories import Match
from lifecircle.errors import NotFoundError
from lifecircle.io.coords import to_wgs84
from lifecircle.io.export.output import write_csv
from lifecircle.io.places.osm import places_from_osm
from lifecircle.io.places.table import CSV_RULE, places_from_csv
from lifecircle.io.places.taxonomy import load_taxonomy
from lifecircle.io.schema import PLACE_ROWS_HEADER, PlaceImportError
from tests.conftest import DATA

if TYPE_CHECKING:
    from pathlib import Path

VALID = DATA / "valid"
INVALID = DATA / "invalid"


@pytest.fixture(scope="module")
def shenzhen():
    return load_taxonomy("shenzhen")


def test_rows_of_one_id_are_one_place(shenzhen) -> None:
    table = places_from_csv(VALID / "placescsv_places.csv", taxonomy=shenzhen)
    places = {r.source_id: r for r in table.records}
    assert list(places) == ["n1", "n2", "s9"]
    canteen = places["n2"]
    assert canteen.matches == (
        Match("specialty_dining", "amenity=restaurant", "medium"),
        Match("elderly_canteen", "amenity=restaurant&name~长者饭堂", "low"),
    )
    assert canteen.name == "福田长者饭堂"
    assert canteen.ref == "line 3"
    # '|' joins codes; they come back in taxonomy order with the file's assertion as rule
    assert places["s9"].matches == (
        Match("laundry", CSV_RULE, "high"),
        Match("pharmacy", CSV_RULE, "high"),
    )
    assert (places["n1"].lon, places["n1"].lat) == (114.05, 22.54)
    assert places["n1"].opening_hours_weekly is not None
    assert len(places["n1"].opening_hours_weekly) == 7
    assert places["s9"].opening_hours_weekly is None
    (warning,) = table.warnings
    assert (warning.ref, warning.column) == ("line 5", "opening_hours")
    assert table.report == {
        "rows_read": 4,
        "records": 3,
        "rejected": 0,
        "opening_hours_unparsed": 1,
    }
    assert table.format == "places CSV"
    assert all(r.source == "csv" for r in table.records)


def test_gbk_file_with_chinese_headers(shenzhen) -> None:
    table = places_from_csv(VALID / "placescsv_gbk.csv", taxonomy=shenzhen)
    assert table.format == "places CSV (GBK)"
    assert [(r.source_id, r.name, r.categories) for r in table.records] == [
        ("福田01", "美宜佳", ("convenience_store",)),
        ("南山02", "南山农贸市场", ("wet_market",)),
    ]


def test_gcj02_option_converts(shenzhen) -> None:
    table = places_from_csv(VALID / "placescsv_gbk.csv", taxonomy=shenzhen, crs="gcj02")
    first = table.records[0]
    lon, lat = to_wgs84(np.array([114.0596]), np.array([22.5431]), "gcj02")
    assert (first.lon, first.lat) == (pytest.approx(lon[0], abs=1e-9), pytest.approx(lat[0]))
    assert 114.0596 - first.lon == pytest.approx(0.0051, abs=0.0005)


def test_extract_output_reads_back(shenzhen, tmp_path: Path) -> None:
    osm = places_from_osm(DATA / "valid" / "places_tiny.osm", taxonomy=shenzhen, skip_bad=True)
    path = tmp_path / "places.csv"
    write_csv(path, PLACE_ROWS_HEADER, osm.rows())
    back = places_from_csv(path, taxonomy=shenzhen)
    assert [(r.source_id, r.categories, r.name) for r in back.records] == [
        (r.source_id, r.categories, r.name) for r in osm.records
    ]
    assert [r.matches for r in back.records] == [r.matches for r in osm.records]
    assert [r.opening_hours_weekly for r in back.records] == [
        r.opening_hours_weekly for r in osm.records
    ]
    assert list(back.rows()) == list(osm.rows())


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("placescsv_empty.csv", ["file: file is empty"]),
        ("placescsv_swapped.csv",
         ["line 3: lon,lat: lat 114.06 is outside [-90, 90]: lon/lat look swapped"]),
        ("placescsv_wrong_crs.csv",
         ["line 2: lon,lat: (808123.4, 2496789.0) look like projected metres",
          "line 3: lon: not finite: 'nan'",
          "line 4: lon: not a number: 'x'"]),
        ("placescsv_duplicate_id.csv",
         ["line 3: id: duplicate id 'a1' in category 'pharmacy' again, first on line 2",
          "line 5: id: duplicate id 'a2' at other coordinates than on line 4",
          "line 6: id: empty"]),
        ("placescsv_unknown_category.csv",
         [("line 2: category: 'pharmcy' is not a code of the shenzhen taxonomy "
          "(did you mean 'pharmacy'?); known: convenience_store, fresh_grocery"),
          "line 3: category: '便利店' is not a code of the shenzhen taxonomy; known:",
          "line 4: category: empty; known: convenience_store"]),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)  # fmt: skip
def test_invalid_files_list_every_problem(shenzhen, name: str, expected: list[str]) -> None:
    path = INVALID / name
    with pytest.raises(PlaceImportError) as info:
        places_from_csv(path, taxonomy=shenzhen)
    problems = info.value.problems
    assert len(problems) == len(expected)
    for problem, fragment in zip(problems, expected, strict=True):
        assert problem.startswith(f"{path}: {fragment}"), problem
    if "unknown_category" in name:
        assert problems[0].endswith("ev_charging, parking, vending_machine")  # every code listed


def test_skip_bad(shenzhen, tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    shutil.copy(INVALID / "placescsv_unknown_category.csv", path)
    table = places_from_csv(path, taxonomy=shenzhen, skip_bad=True)
    assert table.records == ()
    assert [r.ref for r in table.rejects] == ["line 2", "line 3", "line 4"]
    assert table.write_rejects() == tmp_path / "mine.rejects.csv"
    dup = places_from_csv(INVALID / "placescsv_duplicate_id.csv", taxonomy=shenzhen, skip_bad=True)
    assert [(r.source_id, r.categories) for r in dup.records] == [
        ("a1", ("pharmacy",)),
        ("a2", ("laundry",)),
    ]
    assert dup.report["rejected"] == 3


def test_missing_column_and_file(shenzhen, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("id,lon,lat\na,1,2\n", encoding="utf-8")
    with pytest.raises(PlaceImportError, match=r"line 1: missing column\(s\) category"):
        places_from_csv(path, taxonomy=shenzhen, skip_bad=True)
    with pytest.raises(NotFoundError):
        places_from_csv(tmp_path / "none.csv", taxonomy=shenzhen)
