"""Reading candidate sites for a plan (available shop units) from a CSV file or a sheet.

A candidates file is a comma-separated table, or the first sheet of an XLSX workbook,
with a header row and the columns ``id, lon, lat`` and, optionally, ``rent`` (any unit
the user likes, per month say; an empty cell means not known). Headers, encodings and
coordinate checks are those of :mod:`lifecircle.io.places.points`: names are matched ignoring
case and surrounding spaces, ``lng``/``longitude``/``latitude`` are accepted, other
columns are ignored, and UTF-8 (with or without BOM), UTF-16 or GBK/GB18030 text is
read. A workbook is read by its real data extent, within the limits of
:mod:`lifecircle.io.sheets`; its problems name the sheet row (``row 12``).

Every row is checked before anything is returned, and all problems are reported in one
:class:`~lifecircle.io.places.points.PointsError` naming the file and line of each, so nothing
is ever half-read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lifecircle.errors import NotFoundError
from lifecircle.io.coords import to_wgs84
from lifecircle.io.places.points import (
    PointsError,
    PointTable,
    header_columns,
    parse_coordinate,
    range_problem,
    read_csv_table,
)
from lifecircle.io.sheets import XLSX_MAGIC, SheetError, is_workbook, read_sheet

if TYPE_CHECKING:
    from pathlib import Path

    from numpy.typing import NDArray

REQUIRED = ("id", "lon", "lat")
"""Required columns of a candidates file (canonical names)."""

RENT = "rent"
"""The optional column of rents."""


@dataclass(frozen=True)
class CandidateTable:
    """Validated candidate sites of one file, in WGS-84.

    Attributes
    ----------
    ids
        The ``id`` column as text (whitespace stripped, leading zeros kept).
    lon, lat
        WGS-84 decimal degrees, converted from the file's CRS.
    rent
        The ``rent`` column, ``nan`` where the file has none or the cell is empty.
    line
        1-based line on which each row starts (for a workbook, its sheet row), for
        messages further down the pipeline.
    path
        The file read.

    """

    ids: tuple[str, ...]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    rent: NDArray[np.float64]
    line: NDArray[np.int64]
    path: Path

    def __len__(self) -> int:
        return len(self.ids)

    def as_points(self) -> PointTable:
        """The rows as a :class:`~lifecircle.io.places.points.PointTable` (``check_swapped``)."""
        return PointTable(self.ids, self.lon, self.lat, None, self.line, self.path)


def _rent(raw: str, column: str, problems: list[str]) -> float:
    """A rent cell: ``nan`` when empty, a problem when not a finite non-negative number."""
    text = raw.strip()
    if not text:
        return math.nan
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        problems.append(f"{column} is not a number: {text!r}")
        return math.nan
    if not math.isfinite(value) or value < 0:
        problems.append(f"{column} must be a finite, non-negative number: {text!r}")
        return math.nan
    return value


def _sheet_table(path: Path) -> tuple[list[str], dict[str, int], list[tuple[int, list[str]]]]:
    """:func:`~lifecircle.io.places.points.read_csv_table` for a workbook's first sheet."""
    try:
        rows = read_sheet(path)
    except SheetError as exc:
        raise PointsError([str(exc)]) from exc
    if not rows:
        raise PointsError([f"{path}: row 1: the sheet is empty"])
    header_row, header = rows[0]
    index, problem = header_columns(list(header), REQUIRED)
    if problem is not None:
        raise PointsError([f"{path}: row {header_row}: {problem}"])
    if len(rows) == 1:
        raise PointsError([f"{path}: row {header_row + 1}: no data rows"])
    # a sheet row ends at its last value: pad it to the header, as a CSV row would be
    width = len(header)
    return list(header), index, [(n, [*cells, *[""] * (width - len(cells))]) for n, cells in rows]


def read_candidates(path: Path, *, crs: str = "wgs84") -> CandidateTable:
    """Read and validate a candidate-sites file (``id,lon,lat[,rent]``), CSV or XLSX.

    Parameters
    ----------
    path
        CSV file or XLSX workbook (``.xlsx``/``.xlsm`` or the ZIP signature; the first
        sheet) with a header row; see the module docstring for the columns.
    crs
        Coordinate system of the file: ``"wgs84"``, ``"gcj02"`` (AMap, Tencent) or
        ``"bd09"`` (Baidu). Coordinates are decimal degrees.

    Returns
    -------
    CandidateTable
        Rows in file order, coordinates in WGS-84 degrees.

    Raises
    ------
    lifecircle.errors.NotFoundError
        If ``path`` does not exist.
    lifecircle.io.places.points.PointsError
        If the file cannot be decoded or parsed, lacks a required column or any data
        row, is a sheet with values beyond the limits of :mod:`lifecircle.io.sheets`, or
        any row has an empty or duplicate id, a missing, non-numeric or out-of-range
        coordinate (with a hint when lon and lat look swapped), a bad rent or too few
        fields; ``problems`` lists every one as ``"{path}: line {n}: ..."`` (``row {n}``
        for a sheet).
    lifecircle.errors.ValidationError
        If ``crs`` is not one of the accepted values.

    """
    to_wgs84(np.empty(0), np.empty(0), crs)  # a mistyped CRS fails before any reading
    if not path.is_file():
        raise NotFoundError(f"{path}: no such file")
    with path.open("rb") as stream:
        sheet = is_workbook(path, stream.read(len(XLSX_MAGIC)))
    unit = "row" if sheet else "line"
    header, index, rows = _sheet_table(path) if sheet else read_csv_table(path, REQUIRED)

    names = {c: header[index[c]].strip() for c in (*REQUIRED, RENT) if c in index}
    problems: list[str] = []
    ids: list[str] = []
    lons: list[float] = []
    lats: list[float] = []
    rents: list[float] = []
    lines: list[int] = []
    first_line: dict[str, int] = {}
    for line, fields in rows[1:]:
        if len(fields) < len(header):
            problems.append(
                f"{path}: {unit} {line}: too few fields: {len(fields)} given, "
                f"the header has {len(header)}"
            )
            continue
        row_problems: list[str] = []
        site_id = fields[index["id"]].strip()
        if not site_id:
            row_problems.append(f"empty {names['id']}")
        elif site_id in first_line:
            row_problems.append(
                f"duplicate {names['id']} {site_id!r} (first on {unit} {first_line[site_id]})"
            )
        else:
            first_line[site_id] = line
        lon = parse_coordinate(fields[index["lon"]], names["lon"], row_problems)
        lat = parse_coordinate(fields[index["lat"]], names["lat"], row_problems)
        if math.isfinite(lon) and math.isfinite(lat):
            out_of_range = range_problem(lon, lat, names["lon"], names["lat"])
            if out_of_range is not None:
                row_problems.append(out_of_range)
        rent = _rent(fields[index[RENT]], names[RENT], row_problems) if RENT in index else math.nan
        problems.extend(f"{path}: {unit} {line}: {p}" for p in row_problems)
        ids.append(site_id)
        lons.append(lon)
        lats.append(lat)
        rents.append(rent)
        lines.append(line)
    if problems:
        raise PointsError(problems)
    lon_wgs, lat_wgs = to_wgs84(np.asarray(lons), np.asarray(lats), crs)
    return CandidateTable(
        ids=tuple(ids),
        lon=lon_wgs,
        lat=lat_wgs,
        rent=np.asarray(rents, dtype=np.float64),
        line=np.asarray(lines, dtype=np.int64),
        path=path,
    )
