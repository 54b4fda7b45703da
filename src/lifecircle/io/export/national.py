"""The national summary of a batch: one XLSX row per city, one GeoParquet row per community.

The workbook (openpyxl, the ``xlsx`` extra) has one sheet, headers in Chinese or English
like the assessment workbook, shares as numbers shown as percentages and a coverage
column per category. The GeoParquet file (pyarrow, the ``scale`` extra) holds every
community of every city with its boundary as WKB and the GeoParquet 1.1 ``geo``
metadata (WGS-84 longitude/latitude, the default CRS of the specification), so GDAL,
GeoPandas, DuckDB and QGIS read it as it is.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import shapely

from lifecircle.errors import OptionalDependencyError
from lifecircle.io.export.features import staged_path
from lifecircle.io.export.labels import tr
from lifecircle.io.export.output import atomic_binary
from lifecircle.io.export.xlsx import PERCENT, check_lang

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

GEOPARQUET_VERSION = "1.1.0"
"""The GeoParquet specification the file follows."""

CITY_COLUMNS: tuple[tuple[str, str, str, str | None], ...] = (
    ("city", "城市", "City", None),
    ("status", "状态", "Status", None),
    ("communities", "社区数", "Communities", "0"),
    ("basic_complete", "基本保障类全覆盖社区数", "Basic-complete communities", "0"),
    ("basic_complete_share", "基本保障类全覆盖社区比例", "Basic-complete share", PERCENT),
    ("population", "常住人口", "Residents", "#,##0"),
    (
        "population_covered_share",
        "居住在全覆盖社区的人口比例",
        "Residents in basic-complete communities",
        PERCENT,
    ),
    ("f15", "F15", "F15", PERCENT),
    ("pilots_listed", "试点数", "Pilots listed", "0"),
    ("pilots_matched", "匹配试点数", "Pilots matched", "0"),
    ("pilots_complete", "全覆盖试点数", "Basic-complete pilots", "0"),
    ("places", "商业网点", "Places", "0"),
    ("network_nodes", "路网节点", "Network nodes", "#,##0"),
    ("run_id", "评估编号", "Assessment run", "0"),
    ("plan_id", "规划编号", "Plan", "0"),
    ("new_sites", "新增网点", "New sites", "0"),
    ("elapsed_s", "用时（秒）", "Time (s)", "0.0"),
    ("finished_at", "完成时间", "Finished at", None),
    ("error", "错误", "Error", None),
)
"""Columns of the summary sheet before the coverage column of each category."""

_STATUS = {True: ("完成", "done"), False: ("失败", "failed")}
_SHEET = ("全国汇总", "National summary")


def write_national_xlsx(
    rows: Sequence[Mapping[str, Any]],
    path: Path,
    *,
    categories: Sequence[tuple[str, str, str]],
    lang: str = "zh",
) -> None:
    """Write the summary workbook, atomically: one row per city, failed ones included.

    Parameters
    ----------
    rows
        One mapping per city (:func:`lifecircle.scale.batch.summary_row`, with ``error``).
    path
        The ``.xlsx`` file.
    categories
        ``(code, name_zh, name_en)`` of every category, in the order of their columns.
    lang
        ``"zh"`` or ``"en"``.

    Raises
    ------
    OptionalDependencyError
        Without openpyxl.

    """
    check_lang(lang)
    try:
        from openpyxl import Workbook  # noqa: PLC0415  (optional extra)
        from openpyxl.styles import Font  # noqa: PLC0415
        from openpyxl.utils import get_column_letter  # noqa: PLC0415
    except ImportError as exc:
        raise OptionalDependencyError("openpyxl", "xlsx") from exc
    book = Workbook()
    sheet = book.active
    sheet.title = tr(_SHEET, lang)
    cover = "覆盖率" if lang == "zh" else "covered"
    headers = [c[1] if lang == "zh" else c[2] for c in CITY_COLUMNS] + [
        f"{zh if lang == 'zh' else en} {cover}" for _, zh, en in categories
    ]
    formats = [c[3] for c in CITY_COLUMNS] + [PERCENT] * len(categories)
    bold = Font(bold=True)
    for column, title in enumerate(headers, start=1):
        sheet.cell(row=1, column=column, value=title).font = bold
        sheet.column_dimensions[get_column_letter(column)].width = min(max(len(title) + 4, 8), 40)
    for r, row in enumerate(rows, start=2):
        values = dict(row)
        values["status"] = tr(_STATUS[row.get("error") is None], lang)
        coverage = row.get("coverage") or {}
        cells = [values.get(c[0]) for c in CITY_COLUMNS] + [
            coverage.get(code) for code, _, _ in categories
        ]
        for column, (value, number_format) in enumerate(zip(cells, formats, strict=True), 1):
            if value is None:
                continue
            cell = sheet.cell(row=r, column=column, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # a name from the data is text, never a formula
            elif number_format is not None:
                cell.number_format = number_format
    sheet.freeze_panes = "B2"
    if rows:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    book.properties.creator = "lifecircle"
    with staged_path(path) as tmp:
        book.save(tmp)


def write_national_geoparquet(
    communities: Sequence[Mapping[str, Any]],
    path: Path,
    *,
    categories: Sequence[str],
) -> int:
    """Write every community of every city to a GeoParquet 1.1 file, atomically.

    Parameters
    ----------
    communities
        Rows of :func:`lifecircle.scale.batch.community_rows` (``geometry`` as WKB).
    path
        The ``.parquet`` file.
    categories
        Category codes: one ``coverage_<code>`` column each (empty where a city has
        no such category).

    Returns
    -------
    int
        Rows written.

    Raises
    ------
    OptionalDependencyError
        Without pyarrow (the ``scale`` extra).

    """
    try:
        import pyarrow as pa  # noqa: PLC0415  (optional extra)
        import pyarrow.parquet as pq  # noqa: PLC0415
    except ImportError as exc:
        raise OptionalDependencyError("pyarrow", "scale") from exc
    text = ("city", "code", "name", "street", "district", "grade", "circle_type")
    columns: dict[str, Any] = {
        **{k: pa.array([c.get(k) for c in communities], pa.string()) for k in text},
        "population": pa.array([c["population"] for c in communities], pa.float64()),
        "is_pilot": pa.array([c["is_pilot"] for c in communities], pa.bool_()),
        "basic_complete": pa.array([c["basic_complete"] for c in communities], pa.bool_()),
        "missing": pa.array([c["missing"] for c in communities], pa.list_(pa.string())),
        "f15": pa.array([c["f15"] for c in communities], pa.float64()),
        **{
            f"coverage_{code}": pa.array(
                [c["coverage"].get(code) for c in communities], pa.float64()
            )
            for code in categories
        },
        "geometry": pa.array([c["geometry"] for c in communities], pa.binary()),
    }
    table = pa.table(columns)
    geoms = shapely.from_wkb([c["geometry"] for c in communities])
    present = [g for g in geoms if g is not None]
    column: dict[str, Any] = {
        "encoding": "WKB",
        "geometry_types": sorted({g.geom_type for g in present}),
    }
    if present:
        box = shapely.total_bounds(present)
        column["bbox"] = [float(v) for v in box]
    geo = {
        "version": GEOPARQUET_VERSION,
        "primary_column": "geometry",
        "columns": {"geometry": column},
    }
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), b"geo": json.dumps(geo).encode()}
    )
    with atomic_binary(path) as fh:
        pq.write_table(table, fh)
    return int(table.num_rows)
