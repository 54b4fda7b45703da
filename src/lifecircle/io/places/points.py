"""Reading origins (homes, communities) and places (shops, services) from CSV files.

A points file is a comma-separated table with a header row. Origins need the columns
``id, lon, lat`` and places ``id, lon, lat, category``. Column names are matched after
stripping whitespace and ignoring case, the aliases in :data:`COLUMN_ALIASES` are
accepted, and other columns are ignored. Files may be UTF-8 (with or without the byte
order mark Excel writes) or GBK/GB18030, the encoding Excel on Chinese Windows uses.

Every row is checked before anything is returned, and all problems are reported in one
:class:`PointsError`, so a user fixes a file in one pass rather than one line per run.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from lifecircle.errors import DataError, NotFoundError, ValidationError
from lifecircle.io.coords import to_wgs84

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from numpy.typing import NDArray

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "origins": ("id", "lon", "lat"),
    "places": ("id", "lon", "lat", "category"),
}
"""Required columns (canonical names) per kind of points file."""

COLUMN_ALIASES: dict[str, str] = {"lng": "lon", "longitude": "lon", "latitude": "lat"}
"""Other accepted header names (lower case) and the canonical column each stands for."""

SWAP_MARGIN_DEG = 0.1
"""How far beyond the network's bounding box :func:`check_swapped` still counts a point
as near the network, degrees (about 10 km)."""


class PointsError(DataError):
    """A points file has one or more problems.

    The message is the first problem, followed by ``(and k more problems)`` when there
    are others; ``problems`` holds all of them, each formatted as
    ``"{path}: line {n}: {problem}"``.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        more = len(self.problems) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        super().__init__(self.problems[0] + suffix)


@dataclass(frozen=True)
class PointTable:
    """Validated points of one file, in WGS-84.

    Attributes
    ----------
    ids
        The ``id`` column as text (whitespace stripped, leading zeros kept).
    lon, lat
        WGS-84 decimal degrees, converted from the file's CRS.
    category
        The ``category`` column of a places file; ``None`` for origins.
    line
        1-based line number in the file where each row starts (the header is usually
        line 1), for error messages further down the pipeline.
    path
        The file read.

    """

    ids: tuple[str, ...]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    category: tuple[str, ...] | None
    line: NDArray[np.int64]
    path: Path

    def __len__(self) -> int:
        return len(self.ids)


def decode_text(data: bytes) -> tuple[str | None, int]:
    """Text of a file and 0, or ``None`` and the line of the first undecodable byte."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        try:
            return data.decode("utf-16"), 0
        except UnicodeDecodeError as err:
            return None, data.count(b"\n\x00", 0, err.start) + 1
    try:
        return data.decode("utf-8-sig"), 0
    except UnicodeDecodeError as err:
        bad_line = data.count(b"\n", 0, err.start) + 1
    try:
        # GB18030 is a superset of GBK and GB2312, so one codec covers all three
        return data.decode("gb18030"), 0
    except UnicodeDecodeError:
        return None, bad_line


def csv_rows(text: str, problems: list[tuple[int, str]]) -> list[tuple[int, list[str]]]:
    """Non-blank CSV rows with the line each starts on (quoted fields may span lines)."""
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for fields in reader:
            # blank lines and rows of empty fields (Excel pads with ",,,") carry nothing
            if any(f.strip() for f in fields):
                rows.append((start, fields))
            start = reader.line_num + 1
    except csv.Error as err:
        problems.append((reader.line_num, f"unreadable CSV: {err}"))
    return rows


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def header_columns(
    fields: list[str], required: tuple[str, ...]
) -> tuple[dict[str, int], str | None]:
    """Column index per canonical name, or a problem describing the header."""
    index: dict[str, int] = {}
    source: dict[str, str] = {}
    for i, raw in enumerate(fields):
        name = raw.strip().lower()
        canonical = COLUMN_ALIASES.get(name, name)
        if canonical in index:
            if canonical in required:
                return index, (
                    f"columns {source[canonical]!r} and {raw.strip()!r} both give {canonical}"
                )
            continue
        index[canonical] = i
        source[canonical] = raw.strip()
    missing = [c for c in required if c not in index]
    if not missing:
        return index, None
    found = ", ".join(repr(f.strip()) for f in fields)
    expected = ", ".join(required)
    if sum(_is_number(f) for f in fields) >= 2:
        return index, (
            f"no header row: expected columns {expected}, found {found}, which look like data"
        )
    return index, (
        f"missing required column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
        f"found columns {found} (expected {expected}; "
        f"lon may be lng or longitude, lat may be latitude)"
    )


def parse_coordinate(raw: str, column: str, problems: list[str]) -> float:
    """Parse one coordinate, appending a problem (and returning nan) when it is bad."""
    text = raw.strip()
    if not text:
        problems.append(f"empty {column}")
        return math.nan
    try:
        value = float(text)
    except ValueError:
        problems.append(f"{column} is not a number: {text!r}")
        return math.nan
    if not math.isfinite(value):
        problems.append(f"{column} is not finite: {text!r}")
        return math.nan
    return value


def range_problem(lon: float, lat: float, lon_name: str, lat_name: str) -> str | None:
    """The problem with a lon/lat pair out of range (named by its columns), or ``None``."""
    lon_ok = -180.0 <= lon <= 180.0
    lat_ok = -90.0 <= lat <= 90.0
    if lon_ok and lat_ok:
        return None
    swappable = -90.0 <= lon <= 90.0 and -180.0 <= lat <= 180.0
    parts = []
    if not lon_ok:
        parts.append(f"{lon_name} {lon!r} is outside [-180, 180]")
    if not lat_ok:
        parts.append(f"{lat_name} {lat!r} is outside [-90, 90]")
    text = " and ".join(parts)
    return f"{text}: lon/lat look swapped" if swappable else text


def read_points(
    path: Path, *, kind: Literal["origins", "places"], crs: str = "wgs84"
) -> PointTable:
    """Read and validate an origins or places CSV file, converting it to WGS-84.

    Parameters
    ----------
    path
        CSV file with a header row. Columns ``id, lon, lat`` (origins) or
        ``id, lon, lat, category`` (places), in any order and case; ``lng`` and
        ``longitude`` are accepted for ``lon`` and ``latitude`` for ``lat``. Other
        columns are ignored, as are blank lines. Encoding UTF-8 (BOM optional),
        UTF-16 with BOM, or GBK/GB18030.
    kind
        ``"origins"`` or ``"places"``.
    crs
        Coordinate system of the file: ``"wgs84"``, ``"gcj02"`` (AMap, Tencent) or
        ``"bd09"`` (Baidu), any case. Coordinates are decimal degrees.

    Returns
    -------
    PointTable
        Rows in file order, coordinates in WGS-84 degrees.

    Raises
    ------
    lifecircle.errors.NotFoundError
        If ``path`` does not exist.
    PointsError
        If the file cannot be decoded or parsed, lacks required columns or rows, or any
        row has a missing, non-numeric, non-finite or out-of-range coordinate, a
        duplicate id, an empty category (places) or too few fields. The message names
        the file, the line and the first problem; ``problems`` lists all of them.
    lifecircle.errors.ValidationError
        If ``kind`` or ``crs`` is not one of the accepted values.

    """
    if kind not in REQUIRED_COLUMNS:
        raise ValidationError(f"unknown kind {kind!r}: expected one of origins, places")
    # fail on a mistyped CRS before reading a large file, with to_wgs84's own message
    to_wgs84(np.empty(0), np.empty(0), crs)
    required = REQUIRED_COLUMNS[kind]
    header, index, rows = read_csv_table(path, required)

    names = {c: header[index[c]].strip() for c in required}
    problems: list[str] = []
    ids: list[str] = []
    lons: list[float] = []
    lats: list[float] = []
    categories: list[str] = []
    lines: list[int] = []
    first_line: dict[tuple[str, str], int] = {}
    for line, fields in rows[1:]:
        row_problems: list[str] = []
        # a short row usually lost a separator, so even its present fields may have moved
        if len(fields) < len(header):
            problems.append(
                f"{path}: line {line}: too few fields: {len(fields)} given, "
                f"the header has {len(header)}"
            )
            continue
        point_id = fields[index["id"]].strip()
        # a place in several categories has one row per category under the same id
        key = (point_id, fields[index["category"]].strip() if kind == "places" else "")
        if not point_id:
            row_problems.append(f"empty {names['id']}")
        elif key in first_line:
            what = f"{point_id!r} in category {key[1]!r}" if key[1] else repr(point_id)
            row_problems.append(f"duplicate {names['id']} {what} (first on line {first_line[key]})")
        else:
            first_line[key] = line
        lon = parse_coordinate(fields[index["lon"]], names["lon"], row_problems)
        lat = parse_coordinate(fields[index["lat"]], names["lat"], row_problems)
        if math.isfinite(lon) and math.isfinite(lat):
            out_of_range = range_problem(lon, lat, names["lon"], names["lat"])
            if out_of_range is not None:
                row_problems.append(out_of_range)
        if kind == "places":
            category = fields[index["category"]].strip()
            if not category:
                row_problems.append(f"empty {names['category']}")
            categories.append(category)
        problems.extend(f"{path}: line {line}: {p}" for p in row_problems)
        ids.append(point_id)
        lons.append(lon)
        lats.append(lat)
        lines.append(line)
    if problems:
        raise PointsError(problems)

    lon_wgs, lat_wgs = to_wgs84(np.asarray(lons), np.asarray(lats), crs)
    return PointTable(
        ids=tuple(ids),
        lon=lon_wgs,
        lat=lat_wgs,
        category=tuple(categories) if kind == "places" else None,
        line=np.asarray(lines, dtype=np.int64),
        path=path,
    )


def check_swapped(
    table: PointTable,
    bbox: tuple[float, float, float, float],
    *,
    margin_deg: float = SWAP_MARGIN_DEG,
) -> None:
    """Refuse a file whose coordinates all fall off the network but fit it when swapped.

    Row checks catch swapped columns only when a latitude leaves [-90, 90]; where both
    values are plausible (longitudes within +-90 degrees) the mistake shows only
    against the study area.

    Parameters
    ----------
    table
        Points read by :func:`read_points`.
    bbox
        Network bounding box ``(min lon, min lat, max lon, max lat)``, WGS-84 degrees.
    margin_deg
        Expansion of ``bbox`` on every side, degrees.

    Raises
    ------
    lifecircle.errors.DataError
        If no point lies in the expanded box but more than half would with longitude
        and latitude exchanged.

    """
    if len(table) == 0:
        return
    min_lon, min_lat, max_lon, max_lat = bbox

    def near(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.bool_]:
        return np.asarray(
            (x >= min_lon - margin_deg)
            & (x <= max_lon + margin_deg)
            & (y >= min_lat - margin_deg)
            & (y <= max_lat + margin_deg)
        )

    if near(table.lon, table.lat).any():
        return
    swapped = int(near(table.lat, table.lon).sum())
    if 2 * swapped > len(table):
        message = (
            f"{table.path}: coordinates look like lat,lon (swapped): none of the "
            f"{len(table)} points lies within {margin_deg} degrees of the network "
            f"(lon {min_lon}..{max_lon}, lat {min_lat}..{max_lat}), but {swapped} would "
            f"with lon and lat exchanged; check the order of the columns in the header"
        )
        raise PointsError([message])


def read_csv_table(
    path: Path, required: Sequence[str]
) -> tuple[list[str], dict[str, int], list[tuple[int, list[str]]]]:
    """Decode and split a CSV file with a header naming at least ``required`` columns.

    Returns
    -------
    header, index, rows
        The header fields, the column of each required name (aliases resolved, any
        case), and every row as ``(line number, fields)``, the header row first.

    Raises
    ------
    lifecircle.errors.NotFoundError
        If ``path`` does not exist.
    PointsError
        Naming the file and line: undecodable text, a CSV syntax error, no header, a
        missing required column, or no data rows.

    """

    def fail(line: int, problem: str) -> PointsError:
        return PointsError([f"{path}: line {line}: {problem}"])

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFoundError(f"{path}: no such file") from None
    except OSError as err:
        raise PointsError([f"{path}: cannot read the file: {err.strerror}"]) from err
    text, bad_line = decode_text(data)
    if text is None:
        raise fail(bad_line, "cannot decode the text as UTF-8, UTF-16 or GBK/GB18030")
    parse_problems: list[tuple[int, str]] = []
    rows = csv_rows(text, parse_problems)
    if parse_problems:
        raise fail(*parse_problems[0])
    if not rows:
        raise fail(1, "file is empty")
    header_line, header = rows[0]
    index, header_problem = header_columns(header, tuple(required))
    if header_problem is not None:
        raise fail(header_line, header_problem)
    if len(rows) == 1:
        raise fail(header_line + 1, "no data rows")
    return header, index, rows
