"""Amap-style POI exports: encodings, XLSX, CRS options and the invalid-file corpus.

Fixtures (tests/data/valid/amap_*, tests/data/invalid/amap_*) are SYNTHETIC POIs near
Futian, Shenzhen, with real Amap 2017 type codes.
"""

from __future__ import annotations

import csv
import shutil
import sys
from typing import TYPE_CHECKING

import numpy as np
import pytest

from lifecircle.core.assess.opening_hours import is_open_24h
from lifecircle.errors import DataError, NotFoundError, OptionalDependencyError, ValidationError
from lifecircle.io.coords import to_wgs84
from lifecircle.io.places.amap import places_from_amap
from lifecircle.io.places.taxonomy import load_taxonomy
from lifecircle.io.schema import PlaceImport, PlaceImportError, Reject, rejects_path
from tests.conftest import DATA

if TYPE_CHECKING:
    from pathlib import Path

VALID = DATA / "valid"
INVALID = DATA / "invalid"


@pytest.fixture(scope="module")
def shenzhen():
    return load_taxonomy("shenzhen")


@pytest.fixture(scope="module")
def pois(shenzhen) -> PlaceImport:
    return places_from_amap(VALID / "amap_pois.csv", taxonomy=shenzhen)


def by_id(table: PlaceImport) -> dict:
    return {r.source_id: r for r in table.records}


# --- valid files -------------------------------------------------------------------------


def test_api_style_export(pois: PlaceImport) -> None:
    places = by_id(pois)
    assert list(places) == ["B0FFG1", "B0FFG3", "B0FFG4", "B0FFG5", "B0FFG6"]
    assert places["B0FFG1"].categories == ("convenience_store",)
    assert places["B0FFG1"].matches[0].rule == "amap:0602*(060201)"
    assert places["B0FFG3"].categories == ("fresh_grocery",)  # 钱大妈 under 0604*
    assert places["B0FFG4"].categories == ("pharmacy",)
    assert places["B0FFG5"].categories == ("elderly_canteen",)
    assert places["B0FFG6"].categories == ("convenience_store", "supermarket")  # 060200|060400
    assert places["B0FFG4"].address == "福华路7号"
    assert places["B0FFG4"].ref == "line 5"
    assert all(r.source == "amap" for r in pois.records)
    # Watsons (060411) and a bus stop (150700) are counted, not kept
    assert pois.report["unclassified"] == 2
    assert pois.report["rows_read"] == 7
    assert pois.report["records"] == 5
    assert pois.report["rejected"] == 0
    assert "060411 (1)" in pois.notes[0]
    assert pois.format == "Amap CSV"
    assert pois.rejects == ()
    assert pois.counts()["convenience_store"] == 2


def test_gcj02_is_converted_to_wgs84(pois: PlaceImport, shenzhen) -> None:
    seven = by_id(pois)["B0FFG1"]
    lon, lat = to_wgs84(np.array([114.0579]), np.array([22.5431]), "gcj02")
    assert (seven.lon, seven.lat) == (pytest.approx(lon[0], abs=1e-9), pytest.approx(lat[0]))
    # the offset in Shenzhen is some 500 m, mostly westward
    assert 114.0579 - seven.lon == pytest.approx(0.0051, abs=0.0005)
    as_wgs = places_from_amap(VALID / "amap_pois.csv", taxonomy=shenzhen, crs="wgs84")
    assert (by_id(as_wgs)["B0FFG1"].lon, by_id(as_wgs)["B0FFG1"].lat) == (114.0579, 22.5431)
    as_bd = places_from_amap(VALID / "amap_pois.csv", taxonomy=shenzhen, crs="BD09")
    blon, blat = to_wgs84(np.array([114.0579]), np.array([22.5431]), "bd09")
    assert by_id(as_bd)["B0FFG1"].lon == pytest.approx(blon[0], abs=1e-9)
    assert by_id(as_bd)["B0FFG1"].lat == pytest.approx(blat[0], abs=1e-9)


def test_unknown_crs_fails_before_reading(shenzhen, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="mars"):
        places_from_amap(tmp_path / "none.csv", taxonomy=shenzhen, crs="mars")


def test_gbk_csv_with_chinese_headers_and_no_ids(shenzhen) -> None:
    table = places_from_amap(VALID / "amap_gbk.csv", taxonomy=shenzhen)
    assert table.format == "Amap CSV (GBK)"
    names = [(r.name, r.categories) for r in table.records]
    assert names == [("百果园(华强店)", ("fresh_grocery",)), ("华润万家(华强店)", ("supermarket",))]
    ids = [r.source_id for r in table.records]
    assert all(len(i) == 17 and i.startswith("h") for i in ids)
    assert len(set(ids)) == 2
    # hash ids are stable across imports
    again = places_from_amap(VALID / "amap_gbk.csv", taxonomy=shenzhen)
    assert [r.source_id for r in again.records] == ids
    assert table.report["unclassified"] == 1  # the bank


def test_bom_csv_with_lng_lat_columns_and_opening_hours(shenzhen) -> None:
    table = places_from_amap(VALID / "amap_bom_lnglat.csv", taxonomy=shenzhen)
    places = {r.name: r for r in table.records}
    assert places["罗森(岗厦店)"].categories == ("convenience_store",)
    assert places["罗森(岗厦店)"].opening_hours_weekly is not None
    assert is_open_24h(places["罗森(岗厦店)"].opening_hours_weekly)
    assert places["美团买菜(福田站)"].categories == ("fresh_ecom_front_warehouse",)
    assert places["美团买菜(福田站)"].opening_hours_weekly == tuple(
        (d, 420, 1320) for d in range(7)
    )
    # Amap's own forms (营业时间) are read too (core/assess/business_hours.py)
    locker = places["丰巢快递柜"]
    assert locker.categories == ("post_express", "parcel_locker")
    assert locker.opening_hours == "周一至周日 全天"
    assert is_open_24h(locker.opening_hours_weekly or ())
    assert not table.warnings
    assert table.report["opening_hours_unparsed"] == 0


def test_xlsx(shenzhen) -> None:
    table = places_from_amap(VALID / "amap_pois.xlsx", taxonomy=shenzhen)
    assert table.format == "Amap XLSX"
    places = by_id(table)
    assert list(places) == ["B0X1", "B0X2"]  # 顺丰物流 under 070500 is not a parcel point
    # 60201 (Excel dropped the zero) is read as 060201
    assert places["B0X1"].matches[0].rule == "amap:0602*(060201)"
    assert table.report["typecodes_padded"] == 1
    assert places["B0X2"].ref == "row 3"
    assert places["B0X2"].categories == ("pharmacy",)
    lon, lat = to_wgs84(np.array([114.0218]), np.array([22.5358]), "gcj02")
    assert places["B0X2"].lon == pytest.approx(lon[0], abs=1e-9)
    assert places["B0X2"].lat == pytest.approx(lat[0], abs=1e-9)


def test_xlsx_needs_openpyxl(shenzhen, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(OptionalDependencyError, match=r"lifecircle\[xlsx\]"):
        places_from_amap(VALID / "amap_pois.xlsx", taxonomy=shenzhen)


# --- the invalid corpus --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("amap_empty.csv", ["file: file is empty"]),
        ("amap_header_only.csv", ["line 2: no data rows"]),
        ("amap_missing_column.csv", ["line 1: missing column(s) typecode; found 'id', 'name'"]),
        ("amap_not_xlsx.xlsx", ["file: not an XLSX workbook"]),
        ("amap_swapped.csv",
         ["line 3: location: lat 114.059 is outside [-90, 90]: lon/lat look swapped"]),
        ("amap_wrong_crs.csv",
         ["line 2: lng,lat: (808123.4, 2496789.0) look like projected metres",
          "line 3: lng,lat: (24.941, 60.169) lies outside China, where gcj02"]),
        ("amap_unknown_typecode.csv",
         ["line 3: typecode: typecode '330100' is not an Amap code (no big category 33)",
          "line 4: typecode: typecode '06020A' is not six digits",
          "line 5: typecode: empty typecode",
          "line 6: typecode: typecode '0604' is not six digits"]),
        ("amap_duplicate_id.csv", ["line 4: id: duplicate id 'B1' (first on line 2)"]),
        ("amap_bad_location.csv",
         ["line 2: name: empty name",
          "line 3: location: location '114.0580' is not 'lng,lat'",
          "line 4: location (lng): not a number: 'abc'",
          "line 5: location: empty location"]),
        ("amap_many_problems.csv",
         ["line 3: 经纬度: lat 114.059 is outside [-90, 90]: lon/lat look swapped",
          "line 4: 名称: empty name",
          "line 5: 类型编码: typecode '9999' is not six digits",
          "line 7: same name and location as another row (first on line 6)"]),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)  # fmt: skip
def test_invalid_files_list_every_problem(shenzhen, name: str, expected: list[str]) -> None:
    path = INVALID / name
    with pytest.raises(PlaceImportError) as info:
        places_from_amap(path, taxonomy=shenzhen)
    err = info.value
    assert isinstance(err, DataError)
    assert len(err.problems) == len(expected)
    for problem, fragment in zip(err.problems, expected, strict=True):
        assert problem.startswith(f"{path}: {fragment}"), problem
    more = len(expected) - 1
    assert str(err) == err.problems[0] + (
        f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    )


def test_skip_bad_keeps_the_good_rows_and_lists_the_rest(shenzhen) -> None:
    table = places_from_amap(INVALID / "amap_many_problems.csv", taxonomy=shenzhen, skip_bad=True)
    assert [(r.name, r.ref) for r in table.records] == [
        ("7-ELEVEn(福田店)", "line 2"),
        ("钱大妈", "line 6"),
    ]
    assert [r.ref for r in table.rejects] == ["line 3", "line 4", "line 5", "line 7"]
    assert table.rejects[0] == Reject(
        "line 3", "经纬度", "lat 114.059 is outside [-90, 90]: lon/lat look swapped"
    )
    assert table.report["rejected"] == 4
    assert table.report["records"] == 2
    assert any("4 bad row(s) skipped" in n for n in table.notes)


def test_file_level_problems_raise_even_with_skip_bad(shenzhen) -> None:
    with pytest.raises(PlaceImportError, match="file is empty"):
        places_from_amap(INVALID / "amap_empty.csv", taxonomy=shenzhen, skip_bad=True)
    with pytest.raises(PlaceImportError, match="missing column"):
        places_from_amap(INVALID / "amap_missing_column.csv", taxonomy=shenzhen, skip_bad=True)


def test_rejects_are_written_beside_the_input(shenzhen, tmp_path: Path) -> None:
    path = tmp_path / "shops.csv"
    shutil.copy(INVALID / "amap_many_problems.csv", path)
    table = places_from_amap(path, taxonomy=shenzhen, skip_bad=True)
    written = table.write_rejects()
    assert written == tmp_path / "shops.rejects.csv" == rejects_path(path)
    with written.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["ref", "column", "problem"]
    assert rows[1:] == [[r.ref, r.column, r.problem] for r in table.rejects]
    clean = places_from_amap(VALID / "amap_pois.csv", taxonomy=shenzhen, skip_bad=True)
    assert clean.write_rejects(tmp_path / "none.csv") is None
    assert not (tmp_path / "none.csv").exists()


def test_missing_file(shenzhen, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no such file"):
        places_from_amap(tmp_path / "none.csv", taxonomy=shenzhen)
