"""Places from ``id,lon,lat,category[,name]`` tables, and the row reading table readers share.

A places table names each place's categories by taxonomy code (``pharmacy``, several
joined by ``|``). ``lifecircle places extract`` writes such files (one row per place and
category, with ``brand``, ``opening_hours`` and ``rule`` columns), and they read back here:
rows sharing an id and location are one place. Column names are matched ignoring case
and surrounding space, with the aliases of :data:`CSV_COLUMNS`; other columns are ignored.

:func:`read_rows` also serves :mod:`lifecircle.io.places.amap`: CSV in UTF-8 (with or without
BOM), UTF-16 or GBK/GB18030 (decoded as :func:`lifecircle.io.places.points.read_points` does),
or the first sheet of an XLSX workbook (the ``xlsx`` extra, openpyxl), read by its real
data extent within the limits of :mod:`lifecircle.io.sheets`.
"""

from __future__ import annotations

import difflib
import math
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from lifecircle.core.assess.categories import Match
from lifecircle.core.assess.opening_hours import parse_opening_hours
from lifecircle.errors import NotFoundError
from lifecircle.io.coords import CHINA_BOX_DEG, to_wgs84
from lifecircle.io.places.points import csv_rows, decode_text
from lifecircle.io.schema import PlaceImport, PlaceImportError, PlaceRecord, Reject
from lifecircle.io.sheets import SheetError, is_workbook, read_sheet

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from lifecircle.core.assess.categories import Taxonomy
    from lifecircle.core.assess.opening_hours import Interval, ParsedHours

CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "编号"),
    "lon": ("lon", "lng", "longitude", "经度"),
    "lat": ("lat", "latitude", "纬度"),
    "category": ("category", "categories", "类别"),
    "name": ("name", "名称"),
    "brand": ("brand", "品牌"),
    "operator": ("operator", "运营方"),
    "address": ("address", "地址"),
    "opening_hours": ("opening_hours", "营业时间"),
    "rule": ("rule",),
}
"""Canonical column and the header names (lower case) accepted for it."""

CSV_RULE = "csv:category"
"""The rule of a match the file asserts (its row has no ``rule`` value)."""

PROJECTED_DEG = 1000.0
"""Coordinates beyond this are taken for projected metres rather than degrees."""


@dataclass(frozen=True)
class TableRows:
    """The rows of a CSV file or XLSX sheet as text, each with where it is.

    ``ref`` of a row is ``"line N"`` (CSV, the line it starts on) or ``"row N"`` (sheet
    row); numbers in a sheet become their text (``60201.0`` as ``60201``).
    """

    path: Path
    format: str
    header_ref: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]


def read_rows(path: Path | str, *, kind: str) -> TableRows:
    """Read a CSV or XLSX file's header and non-blank rows.

    Parameters
    ----------
    path
        ``.xlsx``/``.xlsm`` (or any file starting with the ZIP signature) is read as a
        workbook (:func:`lifecircle.io.sheets.read_sheet`), anything else as CSV.
    kind
        Prefix of the format name, e.g. ``"Amap"`` gives ``"Amap CSV (GBK)"``.

    Raises
    ------
    NotFoundError
        When the file does not exist.
    PlaceImportError
        When the file is empty, cannot be decoded or parsed, has no data rows, or is a
        sheet with values beyond :data:`~lifecircle.io.sheets.MAX_SHEET_ROWS` rows or
        :data:`~lifecircle.io.sheets.MAX_SHEET_COLUMNS` columns; such problems concern
        the whole file and are raised even with ``skip_bad``.

    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFoundError(f"{path}: no such file") from None
    except OSError as err:
        raise PlaceImportError(path, [Reject("file", "", f"cannot read: {err.strerror}")]) from err
    if is_workbook(path, data[:4]):
        try:
            sheet = read_sheet(path)
        except SheetError as exc:
            raise PlaceImportError(path, [Reject(exc.ref, "", exc.problem)]) from exc
        fmt, unit, rows = f"{kind} XLSX", "row", sheet
    else:
        text, bad_line = decode_text(data)
        if text is None:
            problem = "cannot decode the text as UTF-8, UTF-16 or GBK/GB18030"
            raise PlaceImportError(path, [Reject(f"line {bad_line}", "", problem)])
        encoding = "" if _is_utf(data) else " (GBK)"
        fmt, unit = f"{kind} CSV{encoding}", "line"
        parse_problems: list[tuple[int, str]] = []
        rows = [(n, tuple(f)) for n, f in csv_rows(text, parse_problems)]
        if parse_problems:
            line, problem = parse_problems[0]
            raise PlaceImportError(path, [Reject(f"line {line}", "", problem)])
    if not rows:
        raise PlaceImportError(path, [Reject("file", "", "file is empty")])
    (header_no, header), body = rows[0], rows[1:]
    if not body:
        raise PlaceImportError(path, [Reject(f"{unit} {header_no + 1}", "", "no data rows")])
    return TableRows(
        path=path,
        format=fmt,
        header_ref=f"{unit} {header_no}",
        header=tuple(h.strip() for h in header),
        rows=tuple((f"{unit} {n}", cells) for n, cells in body),
    )


def _is_utf(data: bytes) -> bool:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def column_index(header: Sequence[str], aliases: Mapping[str, tuple[str, ...]]) -> dict[str, int]:
    """Position of each canonical column found (the first of several aliases wins)."""
    index: dict[str, int] = {}
    names = [unicodedata.normalize("NFKC", h).strip().lower() for h in header]
    for canonical, accepted in aliases.items():
        found = next((i for i, n in enumerate(names) if n in accepted), None)
        if found is not None:
            index[canonical] = found
    return index


def parse_coordinate(text: str, column: str, problems: list[Reject], ref: str) -> float:
    """A decimal-degree cell as a float, or NaN after adding its problem."""
    value = text.strip()
    if not value:
        problems.append(Reject(ref, column, "empty"))
        return math.nan
    try:
        number = float(value)
    except ValueError:
        problems.append(Reject(ref, column, f"not a number: {value!r}"))
        return math.nan
    if not math.isfinite(number):
        problems.append(Reject(ref, column, f"not finite: {value!r}"))
        return math.nan
    return number


def location_problem(lon: float, lat: float, crs: str) -> str | None:
    """Why a (lon, lat) pair in ``crs`` cannot be right, or ``None``.

    Out of range values are explained (swapped columns, projected metres), and points of
    a GCJ-02 or BD-09 file must lie in China, the only place those systems exist.
    """
    if max(abs(lon), abs(lat)) > PROJECTED_DEG:
        return f"({lon}, {lat}) look like projected metres, not degrees: wrong CRS?"
    parts = []
    if not -180.0 <= lon <= 180.0:
        parts.append(f"lon {lon} is outside [-180, 180]")
    if not -90.0 <= lat <= 90.0:
        parts.append(f"lat {lat} is outside [-90, 90]")
    if parts:
        swapped = -90.0 <= lon <= 90.0 and -180.0 <= lat <= 180.0
        return " and ".join(parts) + (": lon/lat look swapped" if swapped else "")
    min_lon, min_lat, max_lon, max_lat = CHINA_BOX_DEG
    if crs.lower() != "wgs84" and not (min_lon <= lon <= max_lon and min_lat <= lat <= max_lat):
        hint = "lon/lat look swapped" if min_lon <= lat <= max_lon else "wrong CRS?"
        return f"({lon}, {lat}) lies outside China, where {crs} coordinates exist: {hint}"
    return None


def weekly_hours(
    text: str,
    ref: str,
    column: str,
    warnings: list[Reject],
    parse: Callable[[str], ParsedHours] = parse_opening_hours,
) -> tuple[Interval, ...] | None:
    """Weekly intervals of an opening-hours text; a warning when it cannot be parsed."""
    parsed = parse(text)
    if text.strip() and parsed.intervals is None:
        warnings.append(Reject(ref, column, f"kept as text only: {parsed.reason}"))
    return parsed.intervals


def finish_import(
    table: TableRows,
    *,
    records: list[PlaceRecord],
    rejects: list[Reject],
    crs: str,
    skip_bad: bool,
    taxonomy: str,
    report: dict[str, int],
    warnings: list[Reject],
    notes: list[str],
) -> PlaceImport:
    """Raise every reject, or convert the good records to WGS-84 and return the import."""
    if rejects and not skip_bad:
        raise PlaceImportError(table.path, rejects)
    lon, lat = to_wgs84(np.array([r.lon for r in records]), np.array([r.lat for r in records]), crs)
    converted = tuple(
        replace(r, lon=float(x), lat=float(y)) for r, x, y in zip(records, lon, lat, strict=True)
    )
    if rejects:
        bad_rows = len({r.ref for r in rejects})
        notes.append(f"{bad_rows} bad row(s) skipped; see the rejects")
    report = {"rows_read": len(table.rows), "records": len(converted), **report}
    return PlaceImport(
        records=converted,
        path=str(table.path),
        format=table.format,
        taxonomy=taxonomy,
        report=report,
        rejects=tuple(rejects),
        warnings=tuple(warnings),
        notes=tuple(notes),
    )


def _clash(earlier: PlaceRecord, lon: float, lat: float, matches: list[Match]) -> str:
    """Why a row cannot be another category of an earlier place with its id (or ``""``)."""
    if (earlier.lon, earlier.lat) != (lon, lat):
        return "at other coordinates than on"
    again = sorted(set(earlier.categories) & {m.code for m in matches})
    return f"in category {again[0]!r} again, first on" if again else ""


def places_from_csv(
    path: Path | str, *, taxonomy: Taxonomy, crs: str = "wgs84", skip_bad: bool = False
) -> PlaceImport:
    """Read a places table whose ``category`` column holds taxonomy codes.

    Parameters
    ----------
    path
        CSV (UTF-8, UTF-16 or GBK) or XLSX with the columns ``id, lon, lat, category``
        and optionally ``name, brand, operator, address, opening_hours, rule`` (aliases in
        :data:`CSV_COLUMNS`). ``category`` holds one or more codes joined by ``|``; rows
        of one id give one place when their coordinates agree.
    taxonomy
        The codes must be this taxonomy's.
    crs
        ``"wgs84"`` (default), ``"gcj02"`` or ``"bd09"``; coordinates become WGS-84.
    skip_bad
        Import the good rows and list the bad ones in ``rejects`` instead of raising.

    Returns
    -------
    PlaceImport
        Source ``"csv"``; each match's rule is the row's ``rule`` (confidence from the
        taxonomy) or :data:`CSV_RULE` (confidence ``high``: the file asserts it).

    Raises
    ------
    NotFoundError
        When the file does not exist.
    PlaceImportError
        Listing every problem (line, column, what): missing columns, empty or duplicate
        ids, bad, out-of-range or swapped coordinates, unknown category codes.

    """
    to_wgs84(np.empty(0), np.empty(0), crs)  # a mistyped CRS fails before reading
    table = read_rows(path, kind="places")
    index = column_index(table.header, CSV_COLUMNS)
    missing = [c for c in ("id", "lon", "lat", "category") if c not in index]
    if missing:
        found = ", ".join(repr(h) for h in table.header)
        problem = f"missing column(s) {', '.join(missing)}; found {found}"
        raise PlaceImportError(table.path, [Reject(table.header_ref, "", problem)])
    known = ", ".join(taxonomy.codes)
    order = {code: i for i, code in enumerate(taxonomy.codes)}
    records: list[PlaceRecord] = []
    rejects: list[Reject] = []
    warnings: list[Reject] = []
    first: dict[str, tuple[int, str]] = {}  # id -> (record position, its ref)
    for ref, raw in table.rows:
        cells = {c: (raw[i].strip() if i < len(raw) else "") for c, i in index.items()}
        col = {c: table.header[i] for c, i in index.items()}
        problems: list[Reject] = []
        lon = parse_coordinate(cells["lon"], col["lon"], problems, ref)
        lat = parse_coordinate(cells["lat"], col["lat"], problems, ref)
        if not problems:
            off = location_problem(lon, lat, crs)
            if off:
                problems.append(Reject(ref, f"{col['lon']},{col['lat']}", off))
        matches: list[Match] = []
        codes = [c.strip() for c in cells["category"].split("|")]
        for code in codes:
            if code in taxonomy.by_code:
                rule = cells.get("rule") or CSV_RULE
                confidence = "high" if rule == CSV_RULE else taxonomy.by_code[code].confidence
                matches.append(Match(code=code, rule=rule, confidence=confidence))
            else:
                guess = difflib.get_close_matches(code, taxonomy.codes, n=1)
                hint = f" (did you mean {guess[0]!r}?)" if guess else ""
                what = (
                    f"{code!r} is not a code of the {taxonomy.name} taxonomy" if code else "empty"
                )
                problems.append(Reject(ref, col["category"], f"{what}{hint}; known: {known}"))
        place_id = cells["id"]
        if not place_id:
            problems.append(Reject(ref, col["id"], "empty"))
        elif place_id in first and not problems:
            at, first_ref = first[place_id]
            clash = _clash(records[at], lon, lat, matches)
            if not clash:
                merged = sorted((*records[at].matches, *matches), key=lambda m: order[m.code])
                records[at] = replace(records[at], matches=tuple(merged))
                continue
            problems.append(
                Reject(ref, col["id"], f"duplicate id {place_id!r} {clash} {first_ref}")
            )
        if problems:
            rejects.extend(problems)
            continue
        hours = cells.get("opening_hours", "")
        first[place_id] = (len(records), ref)
        records.append(
            PlaceRecord(
                source="csv",
                source_id=place_id,
                lon=lon,
                lat=lat,
                name=cells.get("name", ""),
                brand=cells.get("brand", ""),
                operator=cells.get("operator", ""),
                address=cells.get("address", ""),
                opening_hours=hours,
                opening_hours_weekly=weekly_hours(
                    hours, ref, col.get("opening_hours", ""), warnings
                ),
                matches=tuple(sorted(matches, key=lambda m: order[m.code])),
                ref=ref,
            )
        )
    return finish_import(
        table,
        records=records,
        rejects=rejects,
        crs=crs,
        skip_bad=skip_bad,
        taxonomy=taxonomy.name,
        report={
            "rejected": len({r.ref for r in rejects}),
            "opening_hours_unparsed": len(warnings),
        },
        warnings=warnings,
        notes=[],
    )
