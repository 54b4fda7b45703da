"""The first sheet of an XLSX workbook as rows of text, read by its real data extent.

A workbook states its own size (``<dimension ref="A1:XFD200000"/>``) and openpyxl's row
iterators pad every row to that width, or to the row's last cell: a 5 KB file with one
cell at ``XFD200000`` becomes 200,000 rows of 16,384 cells, billions of values, and the
reader never returns. Here the sheet is read by openpyxl's streaming parser (read-only
mode), which gives the cells that are in the file with their column numbers; a row is
as wide as its last cell holding a value, and nothing is ever padded to the stated size.

The extent is where the values are: empty cells (formatting only) are ignored wherever
they lie. A value beyond :data:`MAX_SHEET_ROWS` rows or :data:`MAX_SHEET_COLUMNS`
columns stops the reading with a :class:`SheetError` naming the file, the cell and the
limit, so a table is read whole or not at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from lifecircle.errors import DataError, OptionalDependencyError

if TYPE_CHECKING:
    from collections.abc import Iterator

MAX_SHEET_ROWS = 1_000_000
"""Rows read from a sheet: a value below this row is an error (Excel allows 1,048,576)."""

MAX_SHEET_COLUMNS = 200
"""Columns read from a sheet: a value right of this column is an error (Excel: 16,384)."""

XLSX_MAGIC = b"PK\x03\x04"
"""The ZIP signature an XLSX file starts with."""

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
"""File names read as workbooks whatever their first bytes."""


class SheetError(DataError):
    """A workbook cannot be read: not a workbook, or values beyond the limits.

    ``ref`` is ``"file"`` or ``"row N"`` (the sheet row, as Excel numbers it) and
    ``problem`` what is wrong; the message is ``"{path}: {ref}: {problem}"``.
    """

    def __init__(self, path: Path | str, ref: str, problem: str) -> None:
        self.path = str(path)
        self.ref = ref
        self.problem = problem
        super().__init__(f"{path}: {ref}: {problem}")


def is_workbook(path: Path | str, head: bytes) -> bool:
    """Whether a file is read as a workbook: by its suffix or its first bytes ``head``."""
    return Path(path).suffix.lower() in WORKBOOK_SUFFIXES or head.startswith(XLSX_MAGIC)


def read_sheet(
    path: Path | str,
    *,
    max_rows: int = MAX_SHEET_ROWS,
    max_columns: int = MAX_SHEET_COLUMNS,
) -> list[tuple[int, tuple[str, ...]]]:
    """The non-blank rows of a workbook's first sheet, as text, numbered as Excel shows them.

    Parameters
    ----------
    path
        ``.xlsx`` or ``.xlsm`` workbook (the ``xlsx`` extra, openpyxl).
    max_rows, max_columns
        The limits: a value in a later row or column is an error.

    Returns
    -------
    list of (int, tuple of str)
        ``(sheet row, cells)`` of every row holding a value; cells run from column A to
        the row's last value, ``""`` where empty. Whole numbers stored as floats read as
        integers (``60201.0`` as ``"60201"``), other values as ``str()`` gives them.

    Raises
    ------
    OptionalDependencyError
        When openpyxl is not installed.
    SheetError
        When the file is not a workbook, or holds a value beyond the limits (``ref`` the
        row, the problem naming the cell and the limit).

    """
    try:
        import openpyxl  # noqa: PLC0415  (optional extra, loaded only for workbooks)
    except ImportError as exc:
        raise OptionalDependencyError("openpyxl", "xlsx") from exc
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors alike mean "not a workbook"
        raise SheetError(path, "file", f"not an XLSX workbook: {exc}") from exc
    rows: list[tuple[int, tuple[str, ...]]] = []
    try:
        for number, cells in _cells_by_row(book):
            values = {c["column"]: cell_text(c["value"]) for c in cells}
            values = {column: text for column, text in values.items() if text.strip()}
            if not values:
                continue  # a blank row, or formatting only: not part of the table
            _check_extent(path, number, max(values), max_rows, max_columns)
            width = max(values)
            rows.append((number, tuple(values.get(c, "") for c in range(1, width + 1))))
    except SheetError:
        raise
    except Exception as exc:  # a damaged sheet XML
        raise SheetError(path, "file", f"unreadable sheet: {exc}") from exc
    finally:
        book.close()
    return rows


def _cells_by_row(book: Any) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """``(sheet row, cells)`` as openpyxl's parser finds them: only the cells in the file.

    openpyxl's public iterators pad each row to the sheet's stated width (see the module
    docstring), so its parser is driven directly here; ``ReadOnlyWorksheet`` does the
    same internally. Each cell is a dict with ``column`` (1-based) and ``value``.
    """
    from openpyxl.worksheet._reader import WorkSheetParser  # noqa: PLC0415

    sheet = book.worksheets[0]
    with sheet._get_source() as source:  # noqa: SLF001 - see the docstring
        parser = WorkSheetParser(
            source,
            sheet._shared_strings,  # noqa: SLF001
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,  # noqa: SLF001
            timedelta_formats=book._timedelta_formats,  # noqa: SLF001
        )
        yield from parser.parse()


def _check_extent(path: Path | str, row: int, column: int, max_rows: int, max_columns: int) -> None:
    """Raise when a value lies beyond the limits."""
    from openpyxl.utils import get_column_letter  # noqa: PLC0415

    if row > max_rows:
        raise SheetError(
            path,
            f"row {row}",
            f"the sheet has values beyond row {max_rows:,}, the most that is read "
            f"(MAX_SHEET_ROWS): split the table into several files",
        )
    if column > max_columns:
        raise SheetError(
            path,
            f"row {row}",
            f"cell {get_column_letter(column)}{row} holds a value beyond column "
            f"{get_column_letter(max_columns)} ({max_columns} columns, the most that is read, "
            "MAX_SHEET_COLUMNS): delete what lies right of the table",
        )


def cell_text(value: Any) -> str:
    """A cell value as text: ``""`` for empty, whole floats without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)
