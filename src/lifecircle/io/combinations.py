"""Reading the allowed combinations of a joint plan (一点多用): the packaged table or a CSV.

The packaged table is ``lifecircle/data/combinations/default.csv``. Columns: ``name``,
``categories`` (taxonomy codes joined by ``+``), ``site_cost`` and ``category_cost``
(optional decimals: the cost of a unit, default 1, and of each category beyond its
first, default 0); others are ignored and lines starting with ``#`` are comments. Every
row is checked before anything is returned; all problems are reported at once, each
naming the file, the line and the field.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from lifecircle.errors import DataError, NotFoundError

PACKAGED = "default"
"""The combinations table shipped with lifecircle (``data/combinations/default.csv``)."""

COLUMNS = ("name", "categories", "site_cost", "category_cost")
"""The columns a combinations file may have; ``categories`` is required."""

MAX_LISTED = 20


@dataclass(frozen=True)
class CombinationRow:
    """One allowed combination as read: its line, name, category codes and costs."""

    line: int
    name: str
    categories: tuple[str, ...]
    site_cost: float
    category_cost: float


def load_combinations(
    path: str | Path | None = None, *, known: tuple[str, ...] | None = None
) -> tuple[str, tuple[CombinationRow, ...]]:
    """The packaged table (``path`` None) or a file: its name and its rows.

    Parameters
    ----------
    path
        A CSV of combinations; ``None`` for the packaged table.
    known
        Category codes that may appear (the city's taxonomy); ``None`` to accept any.

    Raises
    ------
    NotFoundError
        If the file does not exist.
    DataError
        Naming the file, line and field of every problem.

    """
    if path is None:
        resource = resources.files("lifecircle.data").joinpath("combinations", f"{PACKAGED}.csv")
        source = f"{PACKAGED} (packaged)"
        return source, combinations_from_csv(resource.read_text("utf-8"), source, known=known)
    file = Path(path)
    if not file.is_file():
        raise NotFoundError(f"no combinations file {str(file)!r}")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    return str(file), combinations_from_csv(text, str(file), known=known)


def _cost(value: str | None, default: float, *, positive: bool) -> float | str:
    """The number in a cost cell, or the problem with it."""
    if value is None or not value.strip():
        return default
    try:
        number = float(value)
    except ValueError:
        return f"{value!r} is not a number"
    if not math.isfinite(number) or (number <= 0.0 if positive else number < 0.0):
        return f"{value!r} must be {'positive' if positive else 'zero or more'}"
    return number


def combinations_from_csv(
    text: str, source: str, *, known: tuple[str, ...] | None = None
) -> tuple[CombinationRow, ...]:
    """Parse a combinations table; ``source`` names it in errors (see :func:`load_combinations`)."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1)]
    body = [(n, line) for n, line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not body:
        raise DataError(f"{source}: no header line (expected columns {', '.join(COLUMNS)})")
    reader = csv.DictReader(io.StringIO("\n".join(line for _, line in body)))
    header = reader.fieldnames or []
    if "categories" not in header:
        raise DataError(
            f"{source}: line {body[0][0]}: no 'categories' column (columns: {', '.join(header)})"
        )
    problems: list[str] = []
    rows: list[CombinationRow] = []
    seen: dict[tuple[str, ...], int] = {}
    for (line, _), record in zip(body[1:], reader, strict=True):
        where = f"{source}: line {line}"
        cats = tuple(c.strip() for c in (record.get("categories") or "").split("+") if c.strip())
        bad = []
        if len(cats) < 2:
            bad.append(f"field categories: {record.get('categories')!r} needs two codes or more")
        if len(set(cats)) != len(cats):
            bad.append(f"field categories: {'+'.join(cats)} repeats a code")
        unknown = [c for c in cats if known is not None and c not in known]
        if unknown:
            bad.append(
                f"field categories: unknown categor{'ies' if len(unknown) > 1 else 'y'} "
                f"{', '.join(unknown)}"
            )
        site = _cost(record.get("site_cost"), 1.0, positive=True)
        added = _cost(record.get("category_cost"), 0.0, positive=False)
        for field, value in (("site_cost", site), ("category_cost", added)):
            if isinstance(value, str):
                bad.append(f"field {field}: {value}")
        key = tuple(sorted(cats))
        if not bad and key in seen:
            bad.append(f"field categories: the same combination as line {seen[key]}")
        if bad:
            problems.extend(f"{where}: {b}" for b in bad)
            continue
        seen[key] = line
        name = (record.get("name") or "").strip() or "+".join(cats)
        rows.append(CombinationRow(line, name, cats, float(site), float(added)))
    if problems:
        listed = problems[:MAX_LISTED]
        more = len(problems) - len(listed)
        raise DataError(
            f"{source}: {len(problems)} problem(s): "
            + "; ".join(p.removeprefix(f"{source}: ") for p in listed)
            + (f"; and {more} more" if more else "")
        )
    return tuple(rows)
