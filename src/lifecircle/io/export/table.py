"""Plain tables as an XLSX workbook in memory: a sheet per table, a bold header row.

For the API's small downloads (the officials' price summary...), where the assessment
workbook's layout (:mod:`lifecircle.io.export.xlsx`) is more than needed. Text is always
written as text, never as a formula (a shop named ``=1+1`` stays a name); aware times are
shown in Asia/Shanghai (Excel has no time zones: the header should say ``+08:00``);
money stays integer fen, as everywhere.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from lifecircle.errors import OptionalDependencyError, ValidationError

if TYPE_CHECKING:
    from collections.abc import Sequence

SHOWN_ZONE = ZoneInfo("Asia/Shanghai")
"""Aware times are written as local times of this zone."""
TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
"""Number format of time cells."""
DATE_FORMAT = "yyyy-mm-dd"
"""Number format of date cells."""
MAX_TITLE = 31
"""Excel's limit on a sheet's name."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # XML 1.0 cannot hold these
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
_MIN_WIDTH, _MAX_WIDTH = 6, 60


@dataclass(frozen=True)
class Column:
    """A column: its header, and the number format of its cells (``None``: general)."""

    header: str
    number_format: str | None = None


@dataclass(frozen=True)
class Table:
    """A sheet's title, columns and rows (one value per column; ``None``: empty cell)."""

    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]]


def _cell_value(value: Any) -> Any:
    if isinstance(value, str):
        return _CONTROL.sub("", value) or None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValidationError(f"a time without zone in a table: {value!r}")
        return value.astimezone(SHOWN_ZONE).replace(tzinfo=None)
    return value


def _width(value: Any) -> int:
    """Characters a value needs on screen (CJK counts double)."""
    if isinstance(value, datetime):
        return 19
    if isinstance(value, date):
        return 10
    text = str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _check(tables: Sequence[Table]) -> None:
    titles = [t.title for t in tables]
    problems = [
        f"sheet {t!r}: a title is 1-{MAX_TITLE} characters without []:*?/\\"
        for t in titles
        if not 0 < len(t) <= MAX_TITLE or _BAD_TITLE.search(t)
    ]
    if len(set(titles)) != len(titles):
        problems.append(f"sheet titles repeat: {titles}")
    for table in tables:
        problems += [
            f"sheet {table.title!r}, row {i + 1}: {len(row)} values for "
            f"{len(table.columns)} columns"
            for i, row in enumerate(table.rows)
            if len(row) != len(table.columns)
        ]
    if not tables:
        problems.append("a workbook needs a table")
    if problems:
        raise ValidationError("; ".join(problems))


def xlsx_from_tables(tables: Sequence[Table], *, title: str | None = None) -> bytes:
    """The tables as an XLSX workbook's bytes, one sheet each, in order.

    Each sheet has its header in bold, frozen below it, with filter buttons, and columns
    as wide as their longest value (within 6-60 characters).

    Raises
    ------
    ValidationError
        For a bad or repeated sheet title, a row of the wrong length, no table, or a
        time without zone (all problems at once, but the last).
    OptionalDependencyError
        Without openpyxl (the ``xlsx`` extra).

    """
    _check(tables)
    try:
        from openpyxl import Workbook  # noqa: PLC0415  (optional extra, only for workbooks)
        from openpyxl.styles import Font  # noqa: PLC0415
        from openpyxl.utils import get_column_letter  # noqa: PLC0415
    except ImportError as exc:
        raise OptionalDependencyError("openpyxl", "xlsx") from exc
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.creator = "lifecircle"
    if title is not None:
        workbook.properties.title = title
    bold = Font(bold=True)
    for table in tables:
        sheet = workbook.create_sheet(table.title)
        widths = [_width(c.header) for c in table.columns]
        for j, column in enumerate(table.columns, start=1):
            sheet.cell(row=1, column=j, value=column.header).font = bold
        for i, row in enumerate(table.rows, start=2):
            for j, (raw, column) in enumerate(zip(row, table.columns, strict=True), start=1):
                value = _cell_value(raw)
                if value is None:
                    continue
                cell = sheet.cell(row=i, column=j, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # text from the data is never a formula
                elif isinstance(value, datetime):
                    cell.number_format = column.number_format or TIME_FORMAT
                elif isinstance(value, date):
                    cell.number_format = column.number_format or DATE_FORMAT
                elif column.number_format is not None and not isinstance(value, bool):
                    cell.number_format = column.number_format
                widths[j - 1] = max(widths[j - 1], _width(value))
        for j, width in enumerate(widths, start=1):
            letter = get_column_letter(j)
            sheet.column_dimensions[letter].width = min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH)
        sheet.freeze_panes = "A2"
        if table.rows:
            last = get_column_letter(len(table.columns))
            sheet.auto_filter.ref = f"A1:{last}{len(table.rows) + 1}"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
