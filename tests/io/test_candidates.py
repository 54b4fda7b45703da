"""Reading candidate sites (id,lon,lat[,rent]): valid files and every problem gathered."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest

from lifecircle.errors import DataError, NotFoundError, ValidationError
from lifecircle.io.coords import gcj02_to_wgs84
from lifecircle.io.places.candidates import read_candidates
from lifecircle.io.places.points import PointsError, check_swapped

if TYPE_CHECKING:
    from pathlib import Path

# SYNTHETIC shop units near the Futian walk graph (WGS-84), not real listings
VALID = """\ufeffID, Lng ,Latitude,rent,note
u001,114.0210,22.5310,8500,ground floor
u002,114.0120,22.5260,,rent unknown
u003,114.0290,22.5390,"12,000",quoted thousands

u004,114.0300,22.5400,0,
"""


def _write(tmp_path: Path, text: str, name: str = "units.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_valid_file_with_bom_aliases_rent_and_blank_line(tmp_path: Path) -> None:
    table = read_candidates(_write(tmp_path, VALID))
    assert table.ids == ("u001", "u002", "u003", "u004")
    np.testing.assert_array_equal(table.lon, [114.0210, 114.0120, 114.0290, 114.0300])
    np.testing.assert_array_equal(table.lat, [22.5310, 22.5260, 22.5390, 22.5400])
    np.testing.assert_array_equal(table.rent, [8500.0, np.nan, 12000.0, 0.0])
    assert table.line.tolist() == [2, 3, 4, 6]  # line 5 is blank
    assert len(table) == 4
    points = table.as_points()
    assert points.ids == table.ids
    assert points.category is None


def test_without_rent_column_every_rent_is_unknown(tmp_path: Path) -> None:
    table = read_candidates(_write(tmp_path, "id,lon,lat\na,114.02,22.53\nb,114.03,22.54\n"))
    assert np.isnan(table.rent).all()
    assert table.rent.shape == (2,)


def test_gbk_and_gcj02(tmp_path: Path) -> None:
    path = _write(tmp_path, "id,lon,lat,rent\n铺位1,114.0210,22.5310,9000\n", encoding="gbk")
    table = read_candidates(path, crs="gcj02")
    assert table.ids == ("铺位1",)
    lon, lat = gcj02_to_wgs84(np.array([114.0210]), np.array([22.5310]))
    np.testing.assert_allclose(table.lon, lon, atol=1e-12)
    np.testing.assert_allclose(table.lat, lat, atol=1e-12)


def test_invalid_rows_are_all_reported_with_their_lines(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "id,lon,lat,rent\n"
        "a,114.02,22.53,100\n"
        "a,114.03,22.54,200\n"  # duplicate id
        ",114.03,22.54,\n"  # empty id
        "c,x,22.54,\n"  # lon not a number
        "d,22.54,114.03,\n"  # swapped
        "e,114.03,22.54,cheap\n"  # rent not a number
        "f,114.03,22.54,-5\n"  # negative rent
        "g,114.03\n",  # too few fields
    )
    with pytest.raises(PointsError) as err:
        read_candidates(path)
    problems = err.value.problems
    expected = [
        (3, "duplicate id 'a' (first on line 2)"),
        (4, "empty id"),
        (5, "lon is not a number: 'x'"),
        (6, "lat 114.03 is outside [-90, 90]: lon/lat look swapped"),
        (7, "rent is not a number: 'cheap'"),
        (8, "rent must be a finite, non-negative number: '-5'"),
        (9, "too few fields: 2 given, the header has 4"),
    ]
    assert problems == [f"{path}: line {line}: {text}" for line, text in expected]
    assert str(err.value).endswith("(and 6 more problems)")
    assert isinstance(err.value, DataError)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "line 1: file is empty"),
        ("id,lon,lat\n", "line 2: no data rows"),
        ("id,lon,rent\na,1,2\n", "missing required column lat"),
        ("a,114.02,22.53\nb,114.03,22.54\n", "no header row"),
    ],
)
def test_unusable_files(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(PointsError, match=message):
        read_candidates(_write(tmp_path, text))


def test_missing_file_and_bad_crs(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no such file"):
        read_candidates(tmp_path / "nope.csv")
    with pytest.raises(ValidationError):
        read_candidates(tmp_path / "nope.csv", crs="mars")


def test_swapped_columns_are_caught_against_the_network(tmp_path: Path) -> None:
    # Helsinki swapped is still on Earth (lon 60.17, lat 24.94): only the area tells
    table = read_candidates(_write(tmp_path, "id,lon,lat\na,60.168,24.938\nb,60.170,24.941\n"))
    with pytest.raises(PointsError, match="look like lat,lon"):
        check_swapped(table.as_points(), (24.92, 60.16, 24.96, 60.18))
