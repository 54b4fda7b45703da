"""Workbooks are read by their real data extent, within limits (io/sheets.py).

The workbooks are written by the tests with openpyxl; places and shop units in them are
SYNTHETIC.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import openpyxl
import pytest
from openpyxl.styles import PatternFill

from lifecircle.io.places.amap import places_from_amap
from lifecircle.io.places.candidates import read_candidates
from lifecircle.io.places.points import PointsError
from lifecircle.io.places.table import read_rows
from lifecircle.io.places.taxonomy import load_taxonomy
from lifecircle.io.schema import PlaceImportError
from lifecircle.io.sheets import MAX_SHEET_COLUMNS, MAX_SHEET_ROWS, SheetError, read_sheet

if TYPE_CHECKING:
    from pathlib import Path

AMAP_HEADER = ["id", "name", "typecode", "location"]
SHOP = ["B0SHEET1", "美宜佳(synthetic)", "060200", "114.0550,22.5400"]


def workbook(path: Path, rows: list[list[object]], cells: dict[str, object] | None = None) -> Path:
    """A workbook of ``rows`` from A1, plus single ``cells`` by reference (``"XFD9"``)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    for ref, value in (cells or {}).items():
        sheet[ref] = value
    book.save(path)
    return path


def test_limits_are_named_constants() -> None:
    assert (MAX_SHEET_ROWS, MAX_SHEET_COLUMNS) == (1_000_000, 200)


def test_a_value_at_xfd200000_is_an_error_naming_the_file_and_limit(tmp_path: Path) -> None:
    path = workbook(tmp_path / "far.xlsx", [AMAP_HEADER, SHOP], {"XFD200000": "stray"})
    assert path.stat().st_size < 10_000  # a tiny file that states 16,384 x 200,000 cells
    started = time.perf_counter()
    with pytest.raises(PlaceImportError) as info:
        read_rows(path, kind="Amap")
    assert time.perf_counter() - started < 5
    assert str(info.value) == (
        f"{path}: row 200000: cell XFD200000 holds a value beyond column GR (200 columns, "
        "the most that is read, MAX_SHEET_COLUMNS): delete what lies right of the table"
    )


def test_empty_far_cells_are_not_part_of_the_table(tmp_path: Path) -> None:
    """Formatting without a value (a coloured cell at XFD200000) is ignored."""
    path = workbook(tmp_path / "styled.xlsx", [AMAP_HEADER, SHOP])
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    sheet["XFD200000"].fill = PatternFill("solid", fgColor="FFFF00")
    sheet["C5"] = "   "  # blank text is empty too
    book.save(path)
    assert openpyxl.load_workbook(path, read_only=True).active.max_column == 16_384  # type: ignore[union-attr]
    started = time.perf_counter()
    table = places_from_amap(path, taxonomy=load_taxonomy("shenzhen"))
    assert time.perf_counter() - started < 5
    assert [(r.source_id, r.ref) for r in table.records] == [("B0SHEET1", "row 2")]
    assert table.report["rows_read"] == 1


def test_rows_end_at_their_last_value(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "ragged.xlsx",
        [["id", "lon", "lat", "rent"], ["a", 114.05, 22.54], [], ["b", 114.06, 22.55, 60201.0]],
    )
    assert read_sheet(path) == [
        (1, ("id", "lon", "lat", "rent")),
        (2, ("a", "114.05", "22.54")),
        (4, ("b", "114.06", "22.55", "60201")),
    ]


def test_the_row_and_column_limits(tmp_path: Path) -> None:
    path = workbook(tmp_path / "t.xlsx", [["id", "lon"], ["a", 1], ["b", 2]], {"D2": "x"})
    assert len(read_sheet(path, max_rows=3, max_columns=4)) == 3
    with pytest.raises(SheetError, match=r": row 3: the sheet has values beyond row 2, "):
        read_sheet(path, max_rows=2)
    with pytest.raises(SheetError, match=r": row 2: cell D2 holds a value beyond column C \(3 "):
        read_sheet(path, max_columns=3)


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "shops.xlsx"
    path.write_text("id,lon,lat\n", encoding="utf-8")
    with pytest.raises(SheetError, match=r"shops\.xlsx: file: not an XLSX workbook"):
        read_sheet(path)


# --- candidate sites from a workbook --------------------------------------------------------


def test_candidates_are_read_from_a_workbook(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "shop_units.xlsx",
        [
            ["id", "lng", "latitude", "rent"],
            ["u1", 114.0550, 22.5400, 8000],
            ["u2", 114.0600, 22.5420],
        ],
    )
    table = read_candidates(path)
    assert table.ids == ("u1", "u2")
    assert table.lon.tolist() == [114.0550, 114.0600]
    assert table.rent[0] == 8000
    assert table.line.tolist() == [2, 3]


def test_candidate_problems_name_the_sheet_row(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "units.xlsx", [["id", "lon", "lat"], ["u1", 114.05, 22.54], ["u1", "x", 22.5]]
    )
    with pytest.raises(PointsError) as info:
        read_candidates(path)
    assert info.value.problems == [
        f"{path}: row 3: duplicate id 'u1' (first on row 2)",
        f"{path}: row 3: lon is not a number: 'x'",
    ]


def test_a_candidates_workbook_with_a_far_value_fails_fast(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "units.xlsx", [["id", "lon", "lat"], ["u1", 114.05, 22.54]], {"XFD200000": 1}
    )
    started = time.perf_counter()
    with pytest.raises(PointsError, match=r"units\.xlsx: row 200000: cell XFD200000 holds a value"):
        read_candidates(path)
    assert time.perf_counter() - started < 5
