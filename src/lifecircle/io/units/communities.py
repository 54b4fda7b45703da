"""Communities (社区), 街道 and districts from GeoJSON, Shapefile, GeoPackage or CSV lists.

Every source becomes one canonical table, :class:`CommunityImport`: a record per unit
with code, name, parent names, population and a WGS-84 polygon (``None`` for lists
without geometry, such as the NBS code lists). Column names are options, with common
English, pinyin and Chinese names tried by default. Every row is checked before anything
is returned: a file with bad rows is refused with all its problems listed, unless
``skip_bad`` keeps the good rows and returns the others as :class:`Reject` entries.
Overlaps and gaps between the polygons are reported, not refused.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from lifecircle.core.assess.zones import clean_polygon, gap_area_m2, overlap_pairs
from lifecircle.errors import DataError, NotFoundError, OptionalDependencyError, ValidationError
from lifecircle.io.coords import CRS_CHOICES, to_wgs84
from lifecircle.io.places.points import csv_rows, decode_text

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from shapely.geometry import MultiPolygon, Polygon


Level = Literal["community", "street", "district"]
LEVELS: tuple[Level, ...] = get_args(Level)
"""Administrative levels, finest first."""

LEVEL_WORDS: dict[str, tuple[str, ...]] = {
    "community": ("community", "village", "shequ", "社区", "居委会"),
    "street": ("jiedao", "street", "town", "街道", "乡镇"),
    "district": ("district", "county", "qu", "区", "区县"),
}
"""Words that name each level in column headers (``{word}_code``, ``{word}名称``...)."""

POPULATION_NAMES = ("population", "pop", "residents", "人口", "常住人口", "总人口", "人口数")
CSV_SUFFIXES = (".csv", ".txt")


@dataclass(frozen=True)
class CommunityRecord:
    """One administrative unit.

    ``street`` and ``district`` are the names of the 街道 and district it lies in (empty
    when unknown or when they are the unit itself); ``parent_code`` the code of the next
    level up, when the file has one. ``population`` is residents, ``None`` when not
    given. ``geometry`` is WGS-84 lon/lat or ``None`` for lists without boundaries.
    ``ref`` says where the record came from: ``"feature 3"`` (0-based, file order) or
    ``"line 5"``.
    """

    code: str
    name: str
    street: str
    district: str
    level: Level
    parent_code: str
    population: float | None
    geometry: Polygon | MultiPolygon | None
    ref: str


@dataclass(frozen=True)
class Reject:
    """A problem with one row: where (``"feature 3"``, ``"line 5"``), which column, what."""

    ref: str
    column: str
    problem: str

    def __str__(self) -> str:
        where = f"{self.ref}: {self.column}" if self.column else self.ref
        return f"{where}: {self.problem}"


class BadRowsError(DataError):
    """A file has one or more problems; ``rejects`` and ``problems`` list all of them.

    Each problem reads ``"{file}: {feature or line}: {column}: {what is wrong}"``; the
    message is the first, with ``(and k more problems)`` when there are others.
    """

    def __init__(self, source: str, rejects: Sequence[Reject]) -> None:
        self.rejects = tuple(rejects)
        self.problems = [f"{source}: {r}" for r in self.rejects]
        more = len(self.problems) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        super().__init__(self.problems[0] + suffix)


@dataclass(frozen=True)
class CommunityImport:
    """The canonical communities table of one file.

    Attributes
    ----------
    records
        Valid units in file order.
    rejects
        Problems of the rows left out (only with ``skip_bad``; otherwise they raise).
    source
        The file read.
    crs
        The file's coordinate system as read or given (``"EPSG:4490"``), ``"none"`` for
        lists without geometry; geometries are WGS-84 whatever it was.
    notes
        What was assumed or decided: columns used, CRS conversions, layers skipped.
    repaired
        Refs of invalid polygons repaired with :func:`shapely.make_valid`.
    overlaps
        ``(code_a, code_b, area_m2)`` for units overlapping by more than 1 m².
    gaps_m2
        Area enclosed by the units' union but in none of them, m².

    """

    records: tuple[CommunityRecord, ...]
    rejects: tuple[Reject, ...]
    source: str
    crs: str
    notes: tuple[str, ...]
    repaired: tuple[str, ...] = ()
    overlaps: tuple[tuple[str, str, float], ...] = ()
    gaps_m2: float = 0.0

    def __len__(self) -> int:
        return len(self.records)

    def by_code(self) -> dict[str, CommunityRecord]:
        """Records keyed by code."""
        return {r.code: r for r in self.records}


def lonlat_converter(crs: str) -> tuple[str, Callable[..., tuple[Any, Any]] | None, bool]:
    """How to bring coordinates in ``crs`` to WGS-84.

    Parameters
    ----------
    crs
        ``"wgs84"``, ``"gcj02"``, ``"bd09"`` (any case) or anything pyproj accepts
        (``"EPSG:4490"``, ``"EPSG:4547"``, WKT).

    Returns
    -------
    tuple
        A label (``"EPSG:4547"``, ``"GCJ-02"``), a function ``(x, y) -> (lon, lat)``
        or ``None`` when coordinates are WGS-84 already, and whether the source
        coordinates are degrees.

    Raises
    ------
    lifecircle.errors.ValidationError
        If pyproj does not know ``crs``.

    """
    name = crs.strip().lower()
    if name in CRS_CHOICES:
        if name == "wgs84":
            return "EPSG:4326", None, True
        return name.upper().replace("0", "-0", 1), lambda x, y: to_wgs84(x, y, name), True
    try:
        source = CRS.from_user_input(crs)
    except CRSError as exc:
        raise ValidationError(
            f"unknown CRS {crs!r}: give wgs84, gcj02, bd09 or an EPSG code such as "
            f"EPSG:4490 (CGCS2000) or EPSG:4547 (CGCS2000 3-degree zone 38, 114°E)"
        ) from exc
    epsg = source.to_epsg()
    label = f"EPSG:{epsg}" if epsg else source.name
    if epsg == 4326:
        return label, None, True
    transformer = Transformer.from_crs(source, CRS.from_epsg(4326), always_xy=True)
    return label, transformer.transform, source.is_geographic


def communities_from_file(
    path: Path | str,
    *,
    code_field: str | None = None,
    name_field: str | None = None,
    street_field: str | None = None,
    district_field: str | None = None,
    population_field: str | None = None,
    parent_field: str | None = None,
    level: Level = "community",
    crs: str | None = None,
    layer: str | int | None = None,
    encoding: str | None = None,
    skip_bad: bool = False,
) -> CommunityImport:
    """Read administrative units from a boundary file or a CSV list.

    Parameters
    ----------
    path
        GeoJSON, Shapefile, GeoPackage (anything GDAL reads, through pyogrio) or a CSV
        list without geometry (``.csv``/``.txt``; UTF-8, UTF-16 or GBK).
    code_field, name_field, street_field, district_field, population_field, parent_field
        Column names (case ignored). By default common names are tried for the level:
        ``community_code``/``code``/``id``/``社区代码``, ``community_name``/``name``/
        ``名称``, ``jiedao_name``/``street``/``街道``, ``district_name``/``区``,
        ``population``/``pop``/``人口`` and the next level's code. Only the code column
        is required; names default to the code (e.g. ``code_field="qh"`` for a file of
        district names only, see :func:`lifecircle.io.units.assessment_units.join_codes`).
    level
        ``"community"``, ``"street"`` or ``"district"``.
    crs
        The coordinates' CRS, overriding the file's: ``"EPSG:4547"``, ``"gcj02"``...
        By default the file's own (GeoJSON without one is WGS-84, RFC 7946).
    layer
        Layer of a multi-layer file (default: the first).
    encoding
        Text encoding of a file that does not declare one (e.g. ``"gbk"`` for a
        Shapefile without ``.cpg``).
    skip_bad
        Keep the good rows and return the bad ones as ``rejects`` instead of raising.

    Returns
    -------
    CommunityImport
        Records in file order with WGS-84 polygons, plus repairs, overlaps and gaps.

    Raises
    ------
    lifecircle.errors.NotFoundError
        If the file does not exist.
    BadRowsError
        If the file cannot be read, is empty, lacks the code column, its coordinates do
        not fit its CRS, or (without ``skip_bad``) any row has a missing or duplicate
        code, a negative or non-numeric population, or a geometry that is missing, not
        polygonal or invalid beyond repair. Every problem is listed.
    lifecircle.errors.ValidationError
        If ``level`` or ``crs`` is unknown.

    """
    if level not in LEVELS:
        raise ValidationError(f"unknown level {level!r}: expected one of {', '.join(LEVELS)}")
    given = lonlat_converter(crs) if crs is not None else None
    path = Path(path)
    if not path.exists():
        raise NotFoundError(f"{path}: no such file")
    notes: list[str] = []
    if path.suffix.lower() in CSV_SUFFIXES:
        columns, rows = csv_table(path)
        geometries: list[bytes | None] | None = None
        declared: str | None = None
    else:
        columns, rows, geometries, declared = _ogr_rows(path, layer, encoding, notes)
    if not rows:
        raise BadRowsError(str(path), [Reject("file", "", "no features or data rows")])
    options = {
        "code": code_field,
        "name": name_field,
        "street": street_field,
        "district": district_field,
        "population": population_field,
        "parent": parent_field,
    }
    fields = _match_fields(columns, options, level, str(path), notes)

    rejects: list[Reject] = []
    polygons: list[Polygon | MultiPolygon | None] = [None] * len(rows)
    repaired: list[str] = []
    crs_label = "none"
    if geometries is not None:
        if given is not None and declared and given[0] != declared:
            notes.append(f"the file declares {declared}; {given[0]} used as asked")
        if given is None and not declared:
            notes.append("the file declares no CRS: taken as WGS-84 (EPSG:4326)")
        converter = given or lonlat_converter(declared or "EPSG:4326")
        crs_label = converter[0]
        polygons = _polygons(geometries, rows, converter, str(path), rejects, repaired)
        if crs_label == "EPSG:4490":
            notes.append(
                "coordinates converted from EPSG:4490 (CGCS2000) to WGS-84 with pyproj, "
                "which applies no shift: the two datums agree to within a decimetre"
            )
        elif crs_label != "EPSG:4326":
            notes.append(f"coordinates converted from {crs_label} to WGS-84")

    records: list[CommunityRecord] = []
    first: dict[str, str] = {}
    bad = {r.ref for r in rejects}
    for (ref, values), polygon in zip(rows, polygons, strict=True):
        row: list[Reject] = []
        code = _text(values.get(fields["code"]))
        if not code:
            row.append(Reject(ref, fields["code"], "empty code"))
        elif code in first:
            row.append(Reject(ref, fields["code"], f"duplicate code {code!r} ({first[code]})"))
        else:
            first[code] = ref
        population = _population(values.get(fields["population"]), ref, fields, row)
        rejects.extend(row)
        if row or ref in bad:
            continue
        name = _text(values.get(fields["name"])) or code
        records.append(
            CommunityRecord(
                code=code,
                name=name,
                street=name if level == "street" else _text(values.get(fields["street"])),
                district=name if level == "district" else _text(values.get(fields["district"])),
                level=level,
                parent_code=_text(values.get(fields["parent"])),
                population=population,
                geometry=polygon,
                ref=ref,
            )
        )
    order = {ref: i for i, (ref, _) in enumerate(rows)}
    rejects.sort(key=lambda r: order.get(r.ref, -1))  # stable: geometry first per row
    if rejects and not skip_bad:
        raise BadRowsError(str(path), rejects)
    shapes = [r.geometry for r in records]
    kept = {r.ref for r in records}
    return CommunityImport(
        records=tuple(records),
        rejects=tuple(rejects),
        source=str(path),
        crs=crs_label,
        notes=tuple(notes),
        repaired=tuple(r for r in repaired if r in kept),
        overlaps=tuple(
            (records[i].code, records[j].code, area) for i, j, area in overlap_pairs(shapes)
        ),
        gaps_m2=gap_area_m2(shapes),
    )


def csv_table(path: Path) -> tuple[list[str], list[tuple[str, dict[str, Any]]]]:
    """Header and rows (``"line 5"``, values keyed by header name) of a CSV file.

    Decoded as :func:`lifecircle.io.places.points.read_points` does (UTF-8, UTF-16, GBK);
    blank lines are skipped. An empty file gives no header and no rows.

    Raises
    ------
    BadRowsError
        If the text cannot be decoded or parsed, or rows have fewer fields than the
        header (all such rows listed).

    """
    text, bad_line = decode_text(path.read_bytes())
    if text is None:
        problem = "cannot decode the text as UTF-8, UTF-16 or GBK/GB18030"
        raise BadRowsError(str(path), [Reject(f"line {bad_line}", "", problem)])
    parse_problems: list[tuple[int, str]] = []
    rows = csv_rows(text, parse_problems)
    if parse_problems:
        line, problem = parse_problems[0]
        raise BadRowsError(str(path), [Reject(f"line {line}", "", problem)])
    if not rows:
        return [], []
    header = [h.strip() for h in rows[0][1]]
    out: list[tuple[str, dict[str, Any]]] = []
    problems: list[Reject] = []
    for line, values in rows[1:]:
        if len(values) < len(header):
            problem = f"too few fields: {len(values)} given, the header has {len(header)}"
            problems.append(Reject(f"line {line}", "", problem))
        out.append((f"line {line}", dict(zip(header, values, strict=False))))
    if problems:
        raise BadRowsError(str(path), problems)
    return header, out


def _ogr_rows(
    path: Path, layer: str | int | None, encoding: str | None, notes: list[str]
) -> tuple[list[str], list[tuple[str, dict[str, Any]]], list[bytes | None] | None, str | None]:
    """Fields, rows, WKB geometries and declared CRS of a GDAL-readable vector file."""
    try:
        import pyogrio  # noqa: PLC0415  (optional extra, loaded only for boundary files)
        from pyogrio.errors import DataLayerError, DataSourceError  # noqa: PLC0415
    except ImportError as exc:
        raise OptionalDependencyError("pyogrio", "geo") from exc
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            layers = pyogrio.list_layers(path)
            meta, _, wkb, data = pyogrio.raw.read(
                path, layer=layer, encoding=encoding, force_2d=True
            )
    except (DataSourceError, DataLayerError, RuntimeError, OSError) as exc:
        raise BadRowsError(str(path), [Reject("file", "", f"cannot read it: {exc}")]) from exc
    notes.extend(f"GDAL: {w.message}" for w in caught)
    if layer is None and len(layers) > 1:
        names = ", ".join(str(n) for n in layers[:, 0])
        notes.append(f"read the first of {len(layers)} layers ({names})")
    columns = [str(c) for c in meta["fields"]]
    count = len(wkb) if wkb is not None else (len(data[0]) if len(data) else 0)
    rows = [(f"feature {i}", {c: data[k][i] for k, c in enumerate(columns)}) for i in range(count)]
    # a layer without geometry (a GeoPackage attribute table) is a list, like a CSV
    geometries = list(wkb) if wkb is not None else None
    return columns, rows, geometries, meta.get("crs")


def _candidates(kind: str, level: Level) -> list[str]:
    """Default column names for one field of a unit of ``level``, most specific first."""
    own = LEVELS.index(level)
    if kind == "population":
        return list(POPULATION_NAMES)
    target: Level | None = {
        "code": level,
        "name": level,
        "street": "street" if own < 1 else None,
        "district": "district" if own < 2 else None,
        "parent": LEVELS[own + 1] if own < 2 else None,
    }[kind]
    if target is None:
        return []
    words = LEVEL_WORDS[target]
    suffix = "code" if kind in {"code", "parent"} else "name"
    zh = ("代码", "编码") if suffix == "code" else ("名称", "")
    names = [f"{w}_{suffix}" for w in words if w.isascii()]
    names += [f"{w}{z}" for w in words if not w.isascii() for z in zh]
    if kind == "code":
        names += ["code", "id", "adcode", "代码", "编码", "区划代码"]
    elif kind == "name":
        names += ["name", "名称", "名字"]
    elif suffix == "name":
        names += [w for w in words if w.isascii()]
    return names


def _match_fields(
    columns: list[str],
    options: dict[str, str | None],
    level: Level,
    source: str,
    notes: list[str],
) -> dict[str, str]:
    """The column used for each field (``""`` when absent); the code column is required."""
    lower = {c.strip().lower(): c for c in reversed(columns)}
    found: dict[str, str] = {}
    problems: list[Reject] = []
    listed = ", ".join(repr(c) for c in columns) or "none"
    for kind, option in options.items():
        if option is not None:
            if option.strip().lower() not in lower:
                problem = f"no column {option!r} (columns: {listed})"
                problems.append(Reject("header", f"{kind}_field", problem))
            found[kind] = lower.get(option.strip().lower(), "")
            continue
        candidates = _candidates(kind, level)
        found[kind] = next((lower[c.lower()] for c in candidates if c.lower() in lower), "")
        if kind == "code" and not found[kind]:
            tried = ", ".join(candidates[:8])
            problem = (
                f"no code column: tried {tried}... (columns: {listed}); name it with code_field"
            )
            problems.append(Reject("header", "code", problem))
    if problems:
        raise BadRowsError(source, problems)
    used = ", ".join(f"{k}={v!r}" for k, v in found.items() if v)
    notes.append(f"columns used: {used}")
    if not found["name"]:
        notes.append("no name column: names are the codes")
    return found


def _text(value: Any) -> str:
    """A cell as text: integral floats lose their ``.0`` (codes read as numbers)."""
    if value is None:
        return ""
    if isinstance(value, float | np.floating):
        if not math.isfinite(value):
            return ""
        return str(int(value)) if float(value).is_integer() else str(value)
    return str(value).strip()


def _population(
    value: Any, ref: str, fields: dict[str, str], problems: list[Reject]
) -> float | None:
    """Residents from a cell (thousands separators allowed), ``None`` when empty."""
    text = _text(value).replace(",", "")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        problems.append(Reject(ref, fields["population"], f"not a number: {text!r}"))
        return None
    if not math.isfinite(number) or number < 0:
        problems.append(Reject(ref, fields["population"], f"must be >= 0, got {text}"))
        return None
    return number


def _polygons(
    wkb: list[bytes | None],
    rows: list[tuple[str, dict[str, Any]]],
    converter: tuple[str, Callable[..., tuple[Any, Any]] | None, bool],
    source: str,
    rejects: list[Reject],
    repaired: list[str],
) -> list[Polygon | MultiPolygon | None]:
    """Checked, repaired WGS-84 polygons; problems go to ``rejects``."""
    label, convert, degrees = converter
    geoms = shapely.from_wkb(np.array(wkb, dtype=object), on_invalid="ignore")
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    in_degrees = xmin >= -180 and xmax <= 180 and ymin >= -90 and ymax <= 90
    if np.isfinite(xmin) and degrees and not in_degrees:
        problem = (
            f"coordinates are not degrees: declare the CRS (x {xmin:.0f}..{xmax:.0f}, "
            f"y {ymin:.0f}..{ymax:.0f} read as {label}), e.g. crs='EPSG:4547' for "
            f"CGCS2000 3-degree Gauss-Kruger metres at 114°E"
        )
        raise BadRowsError(source, [Reject("file", "geometry", problem)])
    if np.isfinite(xmin) and not degrees and in_degrees:
        problem = f"coordinates look like degrees but {label} is projected: check the CRS"
        raise BadRowsError(source, [Reject("file", "geometry", problem)])
    out: list[Polygon | MultiPolygon | None] = []
    for (ref, _), geom in zip(rows, geoms, strict=True):
        polygon, problem, was_repaired = clean_polygon(geom)
        if problem:
            rejects.append(Reject(ref, "geometry", problem))
        if was_repaired:
            repaired.append(ref)
        if polygon is not None and convert is not None:
            polygon = shapely.transform(polygon, convert, interleaved=False)
            if not np.isfinite(shapely.get_coordinates(polygon)).all():
                rejects.append(Reject(ref, "geometry", f"outside the area {label} covers"))
                polygon = None
        out.append(polygon)
    return out
