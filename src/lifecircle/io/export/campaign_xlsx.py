"""The XLSX workbook of a consumption-voucher campaign's report (openpyxl, the ``xlsx`` extra).

Three sheets: 总计 (the campaign and its totals against the budget), 社区 (per community)
and 类别 (per category). Money arrives in integer fen and is written as exact decimal
yuan (``Decimal(fen) / 100``), shown with two decimals: never a float.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lifecircle.errors import OptionalDependencyError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

YUAN = "#,##0.00"
"""Number format of money cells (yuan)."""

TOTALS: tuple[tuple[str, str], ...] = (
    ("campaign_id", "活动编号"),
    ("name", "活动名称"),
    ("city", "城市"),
    ("area_code", "区域编码"),
    ("status", "状态"),
    ("budget_fen", "预算（元）"),
    ("reserved_fen", "已领券占用预算（元）"),
    ("unreserved_fen", "未占用预算（元）"),
    ("discount_fen", "已核销优惠（元）"),
    ("spent_fen", "带动消费（元）"),
    ("redemptions", "核销笔数"),
    ("claims", "领券数"),
    ("shops", "参与商户数"),
)
"""The totals sheet: key and label, one row each."""

GROUP_COLUMNS: tuple[tuple[str, str], ...] = (
    ("code", "编码"),
    ("name", "名称"),
    ("shops", "参与商户数"),
    ("claims", "领券数（按居民社区）"),
    ("redemptions", "核销笔数"),
    ("spent_fen", "带动消费（元）"),
    ("discount_fen", "优惠金额（元）"),
)
"""The per-community and per-category sheets' columns: key and header."""


def _cell(key: str, value: Any) -> tuple[Any, str | None]:
    if value is None:
        return None, None
    if key.endswith("_fen"):
        return Decimal(int(value)) / 100, YUAN
    if isinstance(value, str) and value.startswith("="):
        return "'" + value, None  # a name from the data is text, never a formula
    return value, None


def campaign_workbook(
    *,
    totals: Mapping[str, Any],
    communities: Sequence[Mapping[str, Any]],
    categories: Sequence[Mapping[str, Any]],
) -> bytes:
    """The report workbook as bytes.

    Parameters
    ----------
    totals
        Values by the keys of :data:`TOTALS` (money in fen).
    communities, categories
        Rows by the keys of :data:`GROUP_COLUMNS` (money in fen).

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
    bold = Font(bold=True)
    book = Workbook()
    sheet = book.active
    sheet.title = "总计"
    for row, (key, label) in enumerate(TOTALS, start=1):
        sheet.cell(row=row, column=1, value=label).font = bold
        value, number_format = _cell(key, totals.get(key))
        cell = sheet.cell(row=row, column=2, value=value)
        if number_format is not None:
            cell.number_format = number_format
    sheet.column_dimensions["A"].width = 26
    sheet.column_dimensions["B"].width = 30
    for title, rows in (("社区", communities), ("类别", categories)):
        ws = book.create_sheet(title)
        for column, (_, header) in enumerate(GROUP_COLUMNS, start=1):
            ws.cell(row=1, column=column, value=header).font = bold
            ws.column_dimensions[chr(ord("A") + column - 1)].width = 18
        for r, item in enumerate(rows, start=2):
            for column, (key, _) in enumerate(GROUP_COLUMNS, start=1):
                value, number_format = _cell(key, item.get(key))
                cell = ws.cell(row=r, column=column, value=value)
                if number_format is not None:
                    cell.number_format = number_format
        ws.freeze_panes = "A2"
    book.properties.creator = "lifecircle"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
