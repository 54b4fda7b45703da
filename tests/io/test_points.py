"""Reading origins and places CSV files: encodings, aliases, CRS and every invalid case."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pytest

from lifecircle.errors import DataError, NotFoundError, ValidationError
from lifecircle.io.coords import bd09_to_wgs84, gcj02_to_wgs84
from lifecircle.io.places.points import PointsError, PointTable, check_swapped, read_points

DATA = Path(__file__).parent.parent / "data"
VALID = DATA / "valid"
INVALID = DATA / "invalid"

Kind = Literal["origins", "places"]


# --- valid files -------------------------------------------------------------------------


def test_origins_with_aliases_crlf_blank_line_and_extra_column() -> None:
    table = read_points(VALID / "points_origins.csv", kind="origins")
    assert table.ids == ("001", "002", "003")  # text, leading zeros kept
    np.testing.assert_array_equal(table.lon, [114.0596, 113.9530, 114.2470])
    np.testing.assert_array_equal(table.lat, [22.5431, 22.5405, 22.7200])
    assert table.line.tolist() == [2, 4, 5]  # line 3 is blank
    assert table.line.dtype == np.int64
    assert table.category is None
    assert table.path == VALID / "points_origins.csv"
    assert len(table) == 3


def test_places_utf8_with_bom() -> None:
    table = read_points(VALID / "points_places_bom.csv", kind="places")
    assert table.ids == ("p1", "p2")  # the BOM is not part of the first column name
    assert table.category == ("便利店", "菜市场")


def test_places_gbk() -> None:
    path = VALID / "points_places_gbk.csv"
    raw = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):  # the fixture really is GBK, not UTF-8
        raw.decode("utf-8")
    table = read_points(path, kind="places")
    assert table.ids == ("福田01", "南山02")
    assert table.category == ("便利店", "菜市场")
    np.testing.assert_array_equal(table.lat, [22.5431, 22.5405])


def test_gbk_written_at_runtime(tmp_path: Path) -> None:
    path = tmp_path / "shops.csv"
    path.write_bytes("id,lon,lat,category\n超市1,114.1,22.6,超市\n".encode("gbk"))
    table = read_points(path, kind="places")
    assert table.ids == ("超市1",)
    assert table.category == ("超市",)


def test_utf16_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "excel_unicode.csv"
    path.write_bytes("id,lon,lat\n甲,114.1,22.6\n".encode("utf-16"))
    assert read_points(path, kind="origins").ids == ("甲",)


def test_places_file_is_valid_origins_file() -> None:
    table = read_points(VALID / "points_places_bom.csv", kind="origins")
    assert table.category is None


@pytest.mark.parametrize(
    ("crs", "inverse"), [("gcj02", gcj02_to_wgs84), ("BD09", bd09_to_wgs84)], ids=["gcj02", "BD09"]
)
def test_conversion_to_wgs84(crs: str, inverse: object) -> None:
    assert callable(inverse)
    raw = read_points(VALID / "points_origins.csv", kind="origins")
    table = read_points(VALID / "points_origins.csv", kind="origins", crs=crs)
    lon, lat = inverse(raw.lon, raw.lat)
    np.testing.assert_allclose(table.lon, lon, rtol=0, atol=1e-12)
    np.testing.assert_allclose(table.lat, lat, rtol=0, atol=1e-12)
    assert np.abs(table.lon - raw.lon).min() > 1e-3  # the conversion really moved them


def test_quoted_field_spanning_lines(tmp_path: Path) -> None:
    path = tmp_path / "quoted.csv"
    path.write_text('id,name,lon,lat\n1,"two\nlines",114.1,22.6\n2,b,114.2,22.7\n')
    assert read_points(path, kind="origins").line.tolist() == [2, 4]


# --- invalid files: one test per problem --------------------------------------------------


def error_for(name: str, *, kind: Kind = "origins") -> PointsError:
    path = INVALID / name
    with pytest.raises(PointsError) as info:
        read_points(path, kind=kind)
    message = str(info.value)
    assert message.startswith(f"{path}: line ")
    assert "\n" not in message
    assert isinstance(info.value, DataError)
    return info.value


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.csv"
    with pytest.raises(NotFoundError, match="no such file") as info:
        read_points(path, kind="origins")
    assert str(info.value) == f"{path}: no such file"


def test_empty_file() -> None:
    err = error_for("points_empty.csv")
    assert str(err) == f"{INVALID / 'points_empty.csv'}: line 1: file is empty"


def test_header_but_no_rows() -> None:
    err = error_for("points_header_only.csv")
    assert str(err).endswith("points_header_only.csv: line 2: no data rows")


def test_missing_required_column_names_it_and_lists_found() -> None:
    err = error_for("points_missing_column.csv")
    message = str(err)
    assert ": line 1: missing required column lat;" in message
    assert "found columns 'id', 'lon', 'name'" in message


def test_places_need_category(tmp_path: Path) -> None:
    path = tmp_path / "places.csv"
    path.write_text("id,lat,long\n1,22.5,114.1\n")  # 'long' is not an alias
    with pytest.raises(PointsError, match=r"line 1: missing required columns lon, category;"):
        read_points(path, kind="places")


def test_no_header() -> None:
    err = error_for("points_no_header.csv")
    assert str(err).endswith(
        ": line 1: no header row: expected columns id, lon, lat, "
        "found '1', '114.05', '22.54', which look like data"
    )


def test_non_numeric_coordinate_names_column_and_value() -> None:
    err = error_for("points_non_numeric.csv")
    assert str(err).endswith(": line 3: lat is not a number: 'abc'")
    assert err.problems == [str(err)]


def test_empty_coordinate_uses_the_files_column_name() -> None:
    err = error_for("points_empty_coordinate.csv")
    assert str(err).endswith(": line 2: empty lng")


def test_non_finite_coordinate() -> None:
    err = error_for("points_non_finite.csv")
    assert str(err).endswith(": line 3: lat is not finite: 'nan'")


def test_swapped_row() -> None:
    err = error_for("points_swapped_row.csv")
    assert str(err).endswith(": line 2: lat 114.0596 is outside [-90, 90]: lon/lat look swapped")


def test_out_of_range_not_swappable() -> None:
    err = error_for("points_out_of_range.csv")
    assert str(err).endswith(": line 2: lon 200.5 is outside [-180, 180]")


def test_duplicate_id_names_earlier_line() -> None:
    err = error_for("points_duplicate_id.csv")
    assert str(err).endswith(": line 4: duplicate id '7' (first on line 2)")


def test_empty_category() -> None:
    err = error_for("points_places_empty_category.csv", kind="places")
    assert str(err).endswith(": line 3: empty category")


def test_too_few_fields() -> None:
    err = error_for("points_too_few_fields.csv")
    assert str(err).endswith(": line 3: too few fields: 2 given, the header has 4")


def test_all_problems_gathered() -> None:
    path = INVALID / "points_many_problems.csv"
    err = error_for("points_many_problems.csv")
    assert err.problems == [
        f"{path}: line 2: empty id",
        f"{path}: line 3: lon is not a number: 'x'",
        f"{path}: line 4: lat is not finite: 'inf'",
    ]
    assert str(err) == f"{path}: line 2: empty id (and 2 more problems)"


def test_two_problems_message(tmp_path: Path) -> None:
    path = tmp_path / "two.csv"
    path.write_text("id,lon,lat\n1,x,22.5\n2,114.1,y\n")
    with pytest.raises(PointsError) as info:
        read_points(path, kind="origins")
    assert str(info.value) == f"{path}: line 2: lon is not a number: 'x' (and 1 more problem)"


def test_undecodable_bytes(tmp_path: Path) -> None:
    path = tmp_path / "binary.csv"
    path.write_bytes(b"id,lon,lat\n1,114.05,22.54\n2,\xff,22.5\n")
    with pytest.raises(PointsError) as info:
        read_points(path, kind="origins")
    assert str(info.value) == (
        f"{path}: line 3: cannot decode the text as UTF-8, UTF-16 or GBK/GB18030"
    )


def test_truncated_utf16(tmp_path: Path) -> None:
    path = tmp_path / "cut.csv"
    path.write_bytes("id,lon,lat\n1,114.1,22.6\n".encode("utf-16") + b"\x00")
    with pytest.raises(PointsError, match=r"cut\.csv: line 3: cannot decode"):
        read_points(path, kind="origins")


def test_column_given_twice(tmp_path: Path) -> None:
    path = tmp_path / "twice.csv"
    path.write_text("id,lon,Lng,lat\n1,114.1,114.1,22.6\n")
    with pytest.raises(PointsError) as info:
        read_points(path, kind="origins")
    assert str(info.value) == f"{path}: line 1: columns 'lon' and 'Lng' both give lon"


def test_directory_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(PointsError, match="cannot read the file"):
        read_points(tmp_path, kind="origins")


def test_unknown_crs_before_reading(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="unknown CRS 'mars'"):
        read_points(tmp_path / "absent.csv", kind="origins", crs="mars")


def test_unknown_kind() -> None:
    with pytest.raises(ValidationError, match="unknown kind"):
        read_points(VALID / "points_origins.csv", kind="homes")  # type: ignore[arg-type]


# --- file-level swap check ----------------------------------------------------------------


def table_at(lon: list[float], lat: list[float]) -> PointTable:
    n = len(lon)
    return PointTable(
        ids=tuple(str(i) for i in range(n)),
        lon=np.asarray(lon, dtype=np.float64),
        lat=np.asarray(lat, dtype=np.float64),
        category=None,
        line=np.arange(2, n + 2, dtype=np.int64),
        path=Path("homes.csv"),
    )


# a network around lon 10.0-10.5, lat 50.0-50.3, where swapped columns stay within range
BBOX = (10.0, 50.0, 10.5, 50.3)


def test_check_swapped_raises_when_all_points_fit_swapped() -> None:
    table = table_at([50.1, 50.2, 80.0], [10.1, 10.2, 10.2])
    with pytest.raises(DataError) as info:
        check_swapped(table, BBOX)
    message = str(info.value)
    assert message.startswith("homes.csv: coordinates look like lat,lon (swapped): ")
    assert "2 would" in message


def test_check_swapped_accepts_points_near_the_network() -> None:
    # one point within the 0.1 degree margin is enough to trust the file
    check_swapped(table_at([50.1, 50.2, 10.55], [10.1, 10.2, 50.35]), BBOX)


def test_check_swapped_needs_a_majority() -> None:
    check_swapped(table_at([50.1, 70.0, 80.0], [10.1, 10.2, 10.2]), BBOX)


def test_check_swapped_margin() -> None:
    table = table_at([50.2], [10.65])
    check_swapped(table, BBOX)  # swapped, lon 10.65 lies 0.15 degree beyond the box
    with pytest.raises(PointsError):
        check_swapped(table, BBOX, margin_deg=0.2)
    check_swapped(table_at([], []), BBOX)


def test_place_in_two_categories_shares_its_id(tmp_path) -> None:
    path = tmp_path / "multi.csv"
    path.write_text(
        "id,lon,lat,category\nn2,114.05,22.54,specialty_dining\nn2,114.05,22.54,elderly_canteen\n",
        encoding="utf-8",
    )
    table = read_points(path, kind="places")
    assert table.ids == ("n2", "n2")
    path.write_text(
        "id,lon,lat,category\nn2,114.05,22.54,pharmacy\nn2,114.05,22.54,pharmacy\n",
        encoding="utf-8",
    )
    with pytest.raises(PointsError, match="line 3: duplicate id 'n2' in category 'pharmacy'"):
        read_points(path, kind="places")
