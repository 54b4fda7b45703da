"""Exports of an assessment run: XLSX for officials, GeoJSON and GeoPackage for GIS, CSV."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, mapping
from shapely.geometry.polygon import orient

from lifecircle.errors import ValidationError
from lifecircle.io.export.features import multipolygon_wkb, staged_path, write_features
from lifecircle.io.export.labels import category_names, circle_type_label, grade_label
from lifecircle.io.export.output import atomic_text
from lifecircle.io.export.xlsx import check_lang, write_assessment_xlsx

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from shapely.geometry.base import BaseGeometry

FORMATS = {".xlsx": "xlsx", ".geojson": "geojson", ".gpkg": "gpkg", ".csv": "csv"}
"""Accepted file suffixes and the format each one selects."""

COMMUNITY_FIELDS: tuple[tuple[str, str], ...] = (
    ("code", "text"),
    ("name", "text"),
    ("street", "text"),
    ("district", "text"),
    ("population", "float"),
    ("is_pilot", "bool"),
    ("basic_complete", "bool"),
    ("grade", "text"),
    ("grade_label", "text"),
    ("circle_type", "text"),
    ("circle_type_label", "text"),
    ("missing", "text"),
    ("weak", "text"),
    ("quality_present", "int"),
    ("places", "int"),
    ("places_per_10k", "float"),
    ("chain_share", "float"),
    ("open_24h", "int"),
    ("f15", "float"),
    ("gini", "float"),
    ("known_share", "float"),
)
"""Flat community fields of GeoJSON, GeoPackage and CSV (name, type), before one
``cov_<category code>`` share per category. ``grade`` and ``circle_type`` are codes, the
``*_label`` fields their names in the export's language; ``missing`` and ``weak`` are
category codes joined by commas."""

SITE_FIELDS: tuple[tuple[str, str], ...] = (
    ("site_id", "text"),
    ("category", "text"),
    ("category_name", "text"),
    ("lon", "float"),
    ("lat", "float"),
    ("newly_covered_population", "float"),
    ("communities", "text"),
    ("rent", "float"),
)
"""Fields of a recommended site of a plan (GeoJSON ``plan_site`` features and the
GeoPackage ``plan_sites`` layer); ``communities`` are codes joined by commas."""

_DECIMALS = 7  # GeoJSON coordinates: 1e-7 degree is about 1 cm


@dataclass(frozen=True)
class ExportSummary:
    """A file written by :func:`write_assessment`.

    Attributes
    ----------
    path
        The file.
    format
        ``"xlsx"``, ``"geojson"``, ``"gpkg"`` or ``"csv"``.
    rows
        Communities written (rows, or features).
    sites
        Recommended sites of the plan written (0 without a plan, and for CSV).
    layers
        Sheet names (XLSX), layer names (GeoPackage), feature kinds (GeoJSON:
        ``community`` and ``plan_site``) or ``("communities",)`` (CSV).

    """

    path: str
    format: str
    rows: int
    sites: int
    layers: tuple[str, ...]


def write_assessment(
    assessment: Mapping[str, Any],
    path: Path,
    *,
    geometries: Mapping[str, BaseGeometry | None],
    plan: Mapping[str, Any] | None = None,
    lang: str = "zh",
) -> ExportSummary:
    """Write an assessment run (and its plan) as XLSX, GeoJSON, GeoPackage or CSV.

    The format follows ``path``'s suffix (:data:`FORMATS`). Every format writes to a
    temporary file beside ``path`` and renames it when complete, so ``path`` either
    holds a whole export or is left as it was.

    - ``.xlsx``: the workbook for officials, one sheet per level
      (:func:`lifecircle.io.export.xlsx.write_assessment_xlsx`).
    - ``.geojson``: RFC 7946 FeatureCollection of the communities (null geometry when
      a community has none) with :data:`COMMUNITY_FIELDS` and ``cov_<code>``
      properties and ``"kind": "community"``, then the plan's sites as Points with
      ``"kind": "plan_site"``; run id and city in the foreign member ``"lifecircle"``.
    - ``.gpkg``: layer ``communities`` (MultiPolygon, the same fields, numeric ones
      numeric) and, with a plan, layer ``plan_sites`` (Point, :data:`SITE_FIELDS`).
    - ``.csv``: the communities table (:data:`COMMUNITY_FIELDS`, ``cov_<code>``) in
      UTF-8 with a byte-order mark, so that Excel shows Chinese.

    Parameters
    ----------
    assessment
        An assessment document (docs/assessment.md).
    path
        The file to write.
    geometries
        Community code to its WGS-84 boundary (lon/lat degrees), or None. Codes not
        given have no geometry; GeoPackage needs (Multi)Polygons.
    plan
        A plan document of the same city, or None.
    lang
        ``"zh"`` (default) or ``"en"``: headers and sheet names of the workbook, and
        the names in the ``*_label`` and ``category_name`` fields.

    Returns
    -------
    ExportSummary
        What was written.

    Raises
    ------
    ValidationError
        For another suffix, an unknown ``lang``, a malformed document, a plan of
        another city, or a boundary that is not a polygon (GeoPackage).
    OptionalDependencyError
        XLSX without openpyxl (the ``xlsx`` extra), GeoPackage without pyogrio (``geo``).

    """
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        accepted = ", ".join(FORMATS)
        raise ValidationError(
            f"{path}: cannot tell the export format from the suffix {suffix or '(none)'!r}: "
            f"use {accepted}"
        )
    check_lang(lang)
    _check_documents(assessment, plan)
    file_format = FORMATS[suffix]
    communities = len(assessment["communities"])
    sites = len(plan["sites"]) if plan is not None else 0
    if file_format == "xlsx":
        sheets = write_assessment_xlsx(assessment, path, plan=plan, lang=lang)
        return ExportSummary(str(path), file_format, communities, sites, sheets)
    if file_format == "csv":
        _write_csv(path, assessment, lang)
        return ExportSummary(str(path), file_format, communities, 0, ("communities",))
    if file_format == "geojson":
        _write_geojson(path, assessment, geometries, plan, lang)
        kinds = ("community", "plan_site") if plan is not None else ("community",)
        return ExportSummary(str(path), file_format, communities, sites, kinds)
    layers = _write_gpkg(path, assessment, geometries, plan, lang)
    return ExportSummary(str(path), file_format, communities, sites, layers)


def _check_documents(assessment: Mapping[str, Any], plan: Mapping[str, Any] | None) -> None:
    """Refuse documents without the parts every export reads, and a plan of another city."""
    problems = [
        f"assessment document has no {key!r}"
        for key in ("run", "categories", "communities")
        if not isinstance(assessment.get(key), dict | list)
    ]
    if plan is not None:
        problems += [
            f"plan document has no {key!r}"
            for key in ("plan", "sites", "communities")
            if not isinstance(plan.get(key), dict | list)
        ]
    if problems:
        raise ValidationError("; ".join(problems))
    city = assessment["run"].get("city")
    plan_city = plan["plan"].get("city") if plan is not None else None
    if plan_city is not None and city is not None and plan_city != city:
        raise ValidationError(f"the plan is of city {plan_city!r}, the assessment of {city!r}")


def community_records(assessment: Mapping[str, Any], lang: str) -> list[dict[str, Any]]:
    """One flat record per community: :data:`COMMUNITY_FIELDS` then ``cov_<code>``.

    Unknown values are None (a community without residents has None coverage).
    """
    codes = [c["code"] for c in assessment["categories"]]
    records = []
    for c in assessment["communities"]:
        record = {key: c.get(key) for key, _ in COMMUNITY_FIELDS}
        record["grade_label"] = grade_label(c.get("grade"), lang)
        record["circle_type_label"] = circle_type_label(c.get("circle_type"), lang)
        for key in ("missing", "weak"):
            record[key] = None if c.get(key) is None else ",".join(c[key])
        coverage = c.get("coverage") or {}
        record.update({f"cov_{code}": coverage.get(code) for code in codes})
        records.append(record)
    return records


def site_records(
    plan: Mapping[str, Any], categories: Sequence[Mapping[str, Any]], lang: str
) -> list[dict[str, Any]]:
    """One flat record (:data:`SITE_FIELDS`) per recommended site of a plan."""
    names = category_names(categories, lang)
    return [
        {
            "site_id": str(s.get("id")),
            "category": s.get("category"),
            "category_name": names.get(s.get("category", ""), s.get("category")),
            "lon": s.get("lon"),
            "lat": s.get("lat"),
            "newly_covered_population": s.get("newly_covered_population"),
            "communities": ",".join(s.get("communities") or []),
            "rent": s.get("rent"),
        }
        for s in plan["sites"]
    ]


def _fields(assessment: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [*COMMUNITY_FIELDS, *((f"cov_{c['code']}", "float") for c in assessment["categories"])]


def _run_member(assessment: Mapping[str, Any], plan: Mapping[str, Any] | None) -> dict[str, Any]:
    run = assessment["run"]
    member = {"run_id": run.get("id"), "city": run.get("city"), "created_at": run.get("created_at")}
    if plan is not None:
        member["plan_id"] = plan["plan"].get("id")
    return member


def _finite_values(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record with None for NaN and infinities, which JSON cannot hold."""
    return {
        key: None if isinstance(value, float) and not math.isfinite(value) else value
        for key, value in record.items()
    }


def _rounded(coordinates: Any) -> Any:
    """GeoJSON coordinates as nested lists, rounded to :data:`_DECIMALS` decimals."""
    if coordinates and isinstance(coordinates[0], int | float):
        return [round(float(x), _DECIMALS) for x in coordinates]
    return [_rounded(part) for part in coordinates]


def geojson_geometry(geometry: BaseGeometry | None) -> dict[str, Any] | None:
    """An RFC 7946 geometry member: rounded, exterior rings counter-clockwise.

    None and empty geometries give None (a feature with ``"geometry": null``).
    """
    if geometry is None or geometry.is_empty:
        return None
    if geometry.geom_type == "Polygon":
        geometry = orient(geometry, sign=1.0)
    elif geometry.geom_type == "MultiPolygon":
        geometry = MultiPolygon([orient(part, sign=1.0) for part in geometry.geoms])
    member = dict(mapping(geometry))
    if "geometries" in member:
        member["geometries"] = [geojson_geometry(part) for part in geometry.geoms]
    else:
        member["coordinates"] = _rounded(member["coordinates"])
    return member


def _write_geojson(
    path: Path,
    assessment: Mapping[str, Any],
    geometries: Mapping[str, BaseGeometry | None],
    plan: Mapping[str, Any] | None,
    lang: str,
) -> None:
    """One feature per line, so the file reads well and diffs by community."""
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "geometry": geojson_geometry(geometries.get(record["code"])),
            "properties": {"kind": "community", **_finite_values(record)},
        }
        for record in community_records(assessment, lang)
    ]
    if plan is not None:
        features += [
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": _rounded([record["lon"], record["lat"]]),
                },
                "properties": {"kind": "plan_site", **_finite_values(record)},
            }
            for record in site_records(plan, assessment["categories"], lang)
        ]

    def dump(obj: Any) -> str:
        return json.dumps(obj, ensure_ascii=False, allow_nan=False)

    with atomic_text(path) as fh:
        fh.write('{"type": "FeatureCollection",\n')
        fh.write(f'"lifecircle": {dump(_run_member(assessment, plan))},\n"features": [\n')
        fh.write(",\n".join(dump(feature) for feature in features))
        fh.write("\n]}\n")


def _column(values: Sequence[Any], kind: str) -> np.ndarray[Any, Any]:
    """One GDAL field: float64 (NaN for null), masked int64 or bool, or object text."""
    missing = [v is None or (isinstance(v, float) and math.isnan(v)) for v in values]
    if kind == "float":
        return np.array([np.nan if m else float(v) for v, m in zip(values, missing, strict=True)])
    if kind in {"int", "bool"}:
        dtype = np.int64 if kind == "int" else np.bool_
        data: np.ndarray[Any, Any] = np.array(
            [0 if m else v for v, m in zip(values, missing, strict=True)], dtype=dtype
        )
        return np.ma.MaskedArray(data, mask=np.array(missing, dtype=bool))
    column = np.empty(len(values), dtype=object)
    column[:] = [None if m else str(v) for v, m in zip(values, missing, strict=True)]
    return column


def _polygon_wkb(code: str, geometry: BaseGeometry | None) -> bytes | None:
    if geometry is None or geometry.is_empty:
        return None
    if geometry.geom_type not in {"Polygon", "MultiPolygon"}:
        raise ValidationError(
            f"community {code}: its boundary is a {geometry.geom_type}, not a polygon"
        )
    return multipolygon_wkb(shapely.to_wkb(geometry))


def _write_gpkg(
    path: Path,
    assessment: Mapping[str, Any],
    geometries: Mapping[str, BaseGeometry | None],
    plan: Mapping[str, Any] | None,
    lang: str,
) -> tuple[str, ...]:
    records = community_records(assessment, lang)
    wkb = [_polygon_wkb(r["code"], geometries.get(r["code"])) for r in records]
    metadata = {
        f"lifecircle_{k}": "" if v is None else str(v)
        for k, v in _run_member(assessment, plan).items()
    }
    layers = ["communities"]
    with staged_path(path) as tmp:
        write_features(
            tmp,
            layer="communities",
            wkb=wkb,
            fields={
                key: _column([r[key] for r in records], kind) for key, kind in _fields(assessment)
            },
            kind="MultiPolygon",
            metadata=metadata,
        )
        if plan is not None:
            sites = site_records(plan, assessment["categories"], lang)
            points = [shapely.to_wkb(shapely.Point(s["lon"], s["lat"])) for s in sites]
            write_features(
                tmp,
                layer="plan_sites",
                wkb=points,
                fields={key: _column([s[key] for s in sites], kind) for key, kind in SITE_FIELDS},
                kind="Point",
                append=True,
                metadata=metadata,
            )
            layers.append("plan_sites")
    return tuple(layers)


def _csv_value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _write_csv(path: Path, assessment: Mapping[str, Any], lang: str) -> None:
    keys = [key for key, _ in _fields(assessment)]
    with atomic_text(path) as fh:
        fh.write("\ufeff")  # the UTF-8 byte-order mark Excel needs to read Chinese
        writer = csv.writer(fh)
        writer.writerow(keys)
        writer.writerows(
            [_csv_value(record[key]) for key in keys]
            for record in community_records(assessment, lang)
        )
