"""Places from Chinese map-provider POI exports in the Amap (高德) style, CSV or XLSX.

An export has a row per POI with its name, type codes and location, as the Amap place
search returns them (``name, type, typecode, address, location``) or as scraping tools
save them (Chinese headers, separate longitude and latitude columns). Column names are
matched ignoring case and surrounding space; :data:`AMAP_COLUMNS` lists the accepted
names. Coordinates are GCJ-02 unless told otherwise and are converted to WGS-84.

Each POI is classified by :func:`lifecircle.core.assess.categories.classify_amap`; a POI with
several codes (``060200|060400``) is tested against each. POIs that match no category
are counted, not kept. Business hours (营业时间) are read in the Amap forms of
:mod:`lifecircle.core.assess.business_hours` and in the OSM grammar. Every row is
checked first: an import is all rows or, with ``skip_bad``, the good rows and a list of
rejects.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from typing import TYPE_CHECKING

import numpy as np

from lifecircle.core.assess.business_hours import parse_business_hours
from lifecircle.core.assess.categories import amap_typecode_problem, classify_amap
from lifecircle.io.coords import to_wgs84
from lifecircle.io.places.table import (
    column_index,
    finish_import,
    location_problem,
    parse_coordinate,
    read_rows,
    weekly_hours,
)
from lifecircle.io.schema import PlaceImport, PlaceImportError, PlaceRecord, Reject

if TYPE_CHECKING:
    from pathlib import Path

    from lifecircle.core.assess.categories import Taxonomy

AMAP_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "poiid", "poi_id", "uid", "编号", "poi编号"),
    "name": ("name", "名称", "poi名称", "店名"),
    "type": ("type", "类型", "类别", "分类"),
    "typecode": ("typecode", "type_code", "类型编码", "类型代码", "分类编码", "分类代码"),
    "address": ("address", "地址", "详细地址"),
    "location": ("location", "经纬度", "坐标", "lnglat"),
    "lon": ("lng", "lon", "longitude", "经度"),
    "lat": ("lat", "latitude", "纬度"),
    "brand": ("brand", "品牌"),
    "opening_hours": ("opening_hours", "营业时间", "opentime", "business_hours"),
}
"""Canonical column and the header names (lower case) accepted for it.

``name``, ``typecode`` and either ``location`` (``"lng,lat"``) or ``lon`` and ``lat`` are
required; with both, ``location`` is used. Without an ``id`` column a POI's id is
``h`` and 16 hex digits of a hash of its name and location, stable across imports.
``type`` (Amap's ``大类;中类;小类`` text) is not needed for classification.
"""

TYPECODE_SEPARATORS = ("|", ";")
"""Separators of several type codes in one cell (Amap writes ``|``)."""

LISTED_TYPECODES = 5
"""Unmatched type codes a note names."""


def places_from_amap(
    path: Path | str, *, taxonomy: Taxonomy, crs: str = "gcj02", skip_bad: bool = False
) -> PlaceImport:
    """Read and classify an Amap-style POI export.

    Parameters
    ----------
    path
        CSV (UTF-8 with or without BOM, UTF-16 or GBK/GB18030) or XLSX (first sheet; the
        ``xlsx`` extra). Columns as in :data:`AMAP_COLUMNS`.
    taxonomy
        Categories to classify into (:func:`lifecircle.io.places.taxonomy.load_taxonomy`).
    crs
        ``"gcj02"`` (Amap, Tencent; default), ``"bd09"`` (Baidu) or ``"wgs84"``.
    skip_bad
        Import the good rows and list the bad ones in ``rejects`` instead of raising.

    Returns
    -------
    PlaceImport
        Source ``"amap"``, WGS-84 records of the POIs that matched a category. The report
        adds ``unclassified`` (POIs matching nothing) and ``typecodes_padded`` (codes that
        had lost their leading zero in Excel, ``60201`` read as ``060201``).

    Raises
    ------
    NotFoundError
        When the file does not exist.
    PlaceImportError
        Listing every problem by line (CSV) or row (XLSX) and column: missing columns,
        empty names, missing or malformed locations, out-of-range, projected, swapped or
        outside-China coordinates, empty, malformed or unknown type codes, duplicate ids.
    lifecircle.errors.ValidationError
        When ``crs`` is not one of the three.

    """
    to_wgs84(np.empty(0), np.empty(0), crs)  # a mistyped CRS fails before reading
    table = read_rows(path, kind="Amap")
    index = column_index(table.header, AMAP_COLUMNS)
    has_location = "location" in index or ("lon" in index and "lat" in index)
    missing = [c for c in ("name", "typecode") if c not in index]
    missing += [] if has_location else ["location (or lng and lat)"]
    if missing:
        found = ", ".join(repr(h) for h in table.header)
        problem = f"missing column(s) {', '.join(missing)}; found {found}"
        raise PlaceImportError(table.path, [Reject(table.header_ref, "", problem)])
    col = {c: table.header[i] for c, i in index.items()}

    records: list[PlaceRecord] = []
    rejects: list[Reject] = []
    warnings: list[Reject] = []
    unmatched: Counter[str] = Counter()
    padded = 0
    first: dict[str, str] = {}
    for ref, raw in table.rows:
        cells = {c: (raw[i].strip() if i < len(raw) else "") for c, i in index.items()}
        problems: list[Reject] = []
        name = cells["name"]
        if not name:
            problems.append(Reject(ref, col["name"], "empty name"))
        lon, lat, where = _location(cells, col, ref, problems)
        if math.isfinite(lon) and math.isfinite(lat):
            off = location_problem(lon, lat, crs)
            if off:
                problems.append(Reject(ref, where, off))
        codes, n_padded = _typecodes(cells["typecode"], ref, col["typecode"], problems)
        poi_id = cells.get("id", "")
        if "id" in index and not poi_id:
            problems.append(Reject(ref, col["id"], "empty id"))
        elif not problems:
            if not poi_id:
                key = f"{name}\x1f{lon:.6f},{lat:.6f}"
                poi_id = "h" + hashlib.blake2b(key.encode(), digest_size=8).hexdigest()
            if poi_id in first:
                what = (
                    f"duplicate id {poi_id!r}"
                    if "id" in index
                    else "same name and location as another row"
                )
                problems.append(
                    Reject(ref, col.get("id", ""), f"{what} (first on {first[poi_id]})")
                )
            else:
                first[poi_id] = ref
        if problems:
            rejects.extend(problems)
            continue
        padded += n_padded
        matches = classify_amap(codes, name, taxonomy)
        if not matches:
            unmatched.update(codes)
            continue
        hours = cells.get("opening_hours", "")
        records.append(
            PlaceRecord(
                source="amap",
                source_id=poi_id,
                lon=lon,
                lat=lat,
                name=name,
                brand=cells.get("brand", ""),
                address=cells.get("address", ""),
                opening_hours=hours,
                opening_hours_weekly=weekly_hours(
                    hours, ref, col.get("opening_hours", ""), warnings, parse_business_hours
                ),
                matches=tuple(matches),
                ref=ref,
            )
        )
    n_rejected = len({r.ref for r in rejects})
    n_unclassified = len(table.rows) - n_rejected - len(records)
    notes: list[str] = []
    if n_unclassified:
        top = ", ".join(f"{code} ({n})" for code, n in unmatched.most_common(LISTED_TYPECODES))
        notes.append(f"{n_unclassified} POI(s) matched no category; most common codes: {top}")
    if padded:
        notes.append(f"{padded} type code(s) had lost their leading zero and were padded")
    return finish_import(
        table,
        records=records,
        rejects=rejects,
        crs=crs,
        skip_bad=skip_bad,
        taxonomy=taxonomy.name,
        report={
            "rejected": n_rejected,
            "unclassified": n_unclassified,
            "typecodes_padded": padded,
            "opening_hours_unparsed": len(warnings),
        },
        warnings=warnings,
        notes=notes,
    )


def _location(
    cells: dict[str, str], col: dict[str, str], ref: str, problems: list[Reject]
) -> tuple[float, float, str]:
    """(lon, lat) from ``location`` or the two columns, and the column(s) to blame."""
    if "location" in cells:
        text = cells["location"]
        where = col["location"]
        parts = [p.strip() for p in text.replace("，", ",").split(",")]
        if not text:
            problems.append(Reject(ref, where, "empty location"))
            return math.nan, math.nan, where
        if len(parts) != 2:
            problems.append(Reject(ref, where, f"location {text!r} is not 'lng,lat'"))
            return math.nan, math.nan, where
        lon = parse_coordinate(parts[0], f"{where} (lng)", problems, ref)
        lat = parse_coordinate(parts[1], f"{where} (lat)", problems, ref)
        return lon, lat, where
    lon = parse_coordinate(cells["lon"], col["lon"], problems, ref)
    lat = parse_coordinate(cells["lat"], col["lat"], problems, ref)
    return lon, lat, f"{col['lon']},{col['lat']}"


def _typecodes(text: str, ref: str, column: str, problems: list[Reject]) -> tuple[list[str], int]:
    """The codes of a cell, and how many were padded to six digits."""
    for sep in TYPECODE_SEPARATORS[1:]:
        text = text.replace(sep, TYPECODE_SEPARATORS[0])
    codes = [c.strip() for c in text.split(TYPECODE_SEPARATORS[0]) if c.strip()]
    if not codes:
        problems.append(Reject(ref, column, "empty typecode"))
    padded = 0
    for i, code in enumerate(codes):
        # Excel drops the leading zero of 060201; pad only where that makes a valid code
        if len(code) == 5 and code.isdigit() and amap_typecode_problem("0" + code) is None:
            codes[i] = "0" + code
            padded += 1
        problem = amap_typecode_problem(codes[i])
        if problem:
            problems.append(Reject(ref, column, problem))
    return codes, padded
