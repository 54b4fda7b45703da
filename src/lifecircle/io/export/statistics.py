"""The bureau's monthly statistics workbook: indicators by district, notes below."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lifecircle.errors import OptionalDependencyError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

Column = tuple[str, str, str, str | None]
"""Row key, Chinese header, English header, number format."""

_COUNT, _AREA, _SHARE, _WAN = "0", "#,##0", "0.0%", "#,##0.00"

COLUMNS: tuple[Column, ...] = (
    ("code", "区划代码", "Code", None),
    ("name", "区域", "Area", None),
    ("places", "店铺数量(地点)", "Shops (places)", _COUNT),
    ("shops", "平台店铺", "Platform shops", _COUNT),
    ("employees", "从业人数", "Employees", _COUNT),
    ("shops_reporting", "上报店铺", "Shops reporting", _COUNT),
    ("investment_month_wan", "本月建设改造投资额(万元)", "Investment, month (10k CNY)", _WAN),
    ("investment_total_wan", "累计建设改造投资额(万元)", "Investment, to date (10k CNY)", _WAN),
    ("commercial_floor_m2", "社区商业面积(m²)", "Commercial floor area (m²)", _AREA),
    ("total_floor_m2", "总建筑面积(m²)", "Total floor area (m²)", _AREA),
    ("floor_share", "社区商业面积占比", "Commercial floor share", _SHARE),
    ("centres_month", "本月新建改造商业中心", "Centres, month", _COUNT),
    ("centres_total", "累计新建改造商业中心", "Centres, to date", _COUNT),
    ("centre_names", "本月商业中心名称", "Centres of the month", None),
    ("satisfaction", "居民满意度", "Satisfaction", _SHARE),
    ("units", "评估社区数", "Units assessed", _COUNT),
    ("basic_complete", "基本保障类全覆盖社区", "Units with full basic coverage", _COUNT),
    ("covered_share", "全覆盖社区居民占比", "Residents in fully covered units", _SHARE),
    ("usage_events", "本月核销次数(有住址)", "Redemptions with a home, month", _COUNT),
    ("usage_within_share", "15分钟步行内核销占比", "Within a 15-minute walk", _SHARE),
)
"""The statistics table's columns."""


def statistics_xlsx(
    *,
    title: str,
    columns: Sequence[Column],
    rows: Sequence[Mapping[str, Any]],
    notes: Sequence[str],
) -> bytes:
    """The workbook: a Chinese and an English header row, the rows, then the notes.

    Raises
    ------
    OptionalDependencyError
        Without openpyxl (the ``xlsx`` extra).

    """
    try:
        from openpyxl import Workbook  # noqa: PLC0415  (optional extra, only for workbooks)
        from openpyxl.styles import Font  # noqa: PLC0415
    except ImportError as exc:
        raise OptionalDependencyError("openpyxl", "xlsx") from exc
    book = Workbook()
    sheet = book.active
    sheet.title = "统计 statistics"
    book.properties.creator = "lifecircle"
    book.properties.title = title
    bold = Font(bold=True)
    for r, header in enumerate(([c[1] for c in columns], [c[2] for c in columns]), start=1):
        for k, text in enumerate(header, start=1):
            sheet.cell(row=r, column=k, value=text).font = bold
    for r, row in enumerate(rows, start=3):
        for k, (key, _, _, number_format) in enumerate(columns, start=1):
            value = row.get(key)
            if value is None:
                continue
            cell = sheet.cell(row=r, column=k, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # names from the data are text, never formulas
            elif number_format is not None and isinstance(value, int | float | Decimal):
                cell.number_format = number_format
    last = len(rows) + 3
    for k, note in enumerate(notes, start=last + 1):
        sheet.cell(row=k, column=1, value=note).data_type = "s"
    sheet.freeze_panes = "C3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
