"""Reading the near-expiry table (TOML): lead days by class and band, ladders, city overrides.

The packaged table is ``data/expiry/default.toml``; a deployment may give a file of the
same form. Every problem is gathered before one :class:`DataError` is raised, each
naming the file, the entry (``classes.yoghurt.lead_days``, ``bands[3]``...) and what
is wrong with it.
"""

from __future__ import annotations

import itertools
import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from lifecircle.core.expiry import Band, ExpiryTable, FoodClass, Ladder, Step
from lifecircle.errors import DataError, NotFoundError

PACKAGED = ("default",)
"""Tables shipped with lifecircle (``data/expiry/NAME.toml``)."""

MAX_LEAD_DAYS = 366
"""Longest warning lead a table may give, days."""


def load_expiry_table(name_or_path: str | Path = "default") -> ExpiryTable:
    """A packaged table (:data:`PACKAGED`) or a TOML file of the same form.

    Raises
    ------
    NotFoundError
        If neither a packaged table nor a file has that name.
    DataError
        Naming the file, the entry and the problem, for every problem found.

    """
    if str(name_or_path) in PACKAGED:
        return _packaged(str(name_or_path))
    path = Path(name_or_path)
    if not path.is_file():
        raise NotFoundError(f"no near-expiry table {str(path)!r} (packaged: {', '.join(PACKAGED)})")
    return expiry_table_from_toml(path.read_text(encoding="utf-8"), source=str(path))


@lru_cache(maxsize=len(PACKAGED))
def _packaged(name: str) -> ExpiryTable:
    resource = resources.files("lifecircle.data").joinpath("expiry", f"{name}.toml")
    return expiry_table_from_toml(
        resource.read_text(encoding="utf-8"), source=f"lifecircle/data/expiry/{name}.toml"
    )


def _int(value: Any, lo: int, hi: int) -> int | None:
    """``value`` if it is a whole number in ``[lo, hi]`` (not a bool), else ``None``."""
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        return None
    return value


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, entry: str, problem: str) -> None:
        self.items.append(f"{entry}: {problem}")

    def number(self, entry: str, value: Any, lo: int, hi: int) -> int:
        found = _int(value, lo, hi)
        if found is None:
            self.add(entry, f"must be a whole number {lo}-{hi} (got {value!r})")
            return lo
        return found

    def text(self, entry: str, value: Any, *, required: bool = True) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.add(entry, f"must be text (got {value!r})")
            return ""
        return value


def _ladders(doc: dict[str, Any], problems: _Problems) -> dict[str, Ladder]:
    ladders: dict[str, Ladder] = {}
    raw = doc.get("ladders")
    if not isinstance(raw, dict) or not raw:
        problems.add("ladders", "needs at least one [ladders.NAME] table")
        return ladders
    for name, body in raw.items():
        entry = f"ladders.{name}"
        steps_raw = body.get("steps") if isinstance(body, dict) else None
        if not isinstance(steps_raw, list) or not steps_raw:
            problems.add(f"{entry}.steps", "needs a list of steps")
            continue
        steps: list[Step] = []
        for i, step in enumerate(steps_raw):
            where = f"{entry}.steps[{i}]"
            if not isinstance(step, dict):
                problems.add(where, "must be a table {at_lead_pct, discount_pct}")
                continue
            steps.append(
                Step(
                    problems.number(f"{where}.at_lead_pct", step.get("at_lead_pct"), 0, 100),
                    problems.number(f"{where}.discount_pct", step.get("discount_pct"), 0, 99),
                )
            )
        for i, (before, after) in enumerate(itertools.pairwise(steps), start=1):
            if not (
                after.at_lead_pct < before.at_lead_pct and after.discount_pct > before.discount_pct
            ):
                problems.add(
                    f"{entry}.steps[{i}]",
                    "each step must come closer to expiry (smaller at_lead_pct) and go "
                    "deeper (larger discount_pct) than the one before",
                )
        ladders[name] = Ladder(name, tuple(steps))
    return ladders


def _bands(doc: dict[str, Any], ladders: dict[str, Ladder], problems: _Problems) -> list[Band]:
    raw = doc.get("bands")
    if not isinstance(raw, list) or not raw:
        problems.add("bands", "needs a list of [[bands]]")
        return []
    bands: list[Band] = []
    for i, body in enumerate(raw):
        entry = f"bands[{i}]"
        if not isinstance(body, dict):
            problems.add(entry, "must be a table")
            continue
        lo = problems.number(
            f"{entry}.shelf_life_min_days", body.get("shelf_life_min_days"), 0, 36500
        )
        hi_raw = body.get("shelf_life_max_days")
        hi = None
        if hi_raw is not None:
            hi = problems.number(f"{entry}.shelf_life_max_days", hi_raw, lo, 36500)
        lead_lo = problems.number(
            f"{entry}.lead_days_min", body.get("lead_days_min"), 0, MAX_LEAD_DAYS
        )
        lead_hi = problems.number(
            f"{entry}.lead_days_max", body.get("lead_days_max"), lead_lo, MAX_LEAD_DAYS
        )
        ladder = problems.text(f"{entry}.ladder", body.get("ladder"))
        if ladder and ladder not in ladders:
            problems.add(f"{entry}.ladder", f"no ladder {ladder!r} (have {', '.join(ladders)})")
        examples = problems.text(f"{entry}.examples", body.get("examples"), required=False)
        bands.append(Band(lo, hi, lead_lo, lead_hi, ladder, examples))
    bands.sort(key=lambda b: b.min_days)
    if bands and bands[0].min_days != 0:
        problems.add("bands", f"must start at 0 days of shelf life (starts at {bands[0].min_days})")
    for before, after in itertools.pairwise(bands):
        if before.max_days is None or after.min_days != before.max_days + 1:
            problems.add(
                "bands",
                f"leave no gap or overlap: the band from {before.min_days} days ends at "
                f"{before.max_days}, the next starts at {after.min_days}",
            )
    if bands and bands[-1].max_days is not None:
        problems.add("bands", "the longest band must have no shelf_life_max_days (no upper end)")
    return bands


def _classes(
    doc: dict[str, Any], ladders: dict[str, Ladder], problems: _Problems
) -> dict[str, FoodClass]:
    raw = doc.get("classes")
    if not isinstance(raw, dict) or not raw:
        problems.add("classes", "needs at least one [classes.CODE] table")
        return {}
    classes: dict[str, FoodClass] = {}
    for code, body in raw.items():
        entry = f"classes.{code}"
        if not code.isascii() or not code.replace("_", "").isalnum() or len(code) > 32:
            problems.add(entry, "a class code is up to 32 letters, digits and underscores")
        if not isinstance(body, dict):
            problems.add(entry, "must be a table")
            continue
        ladder = problems.text(f"{entry}.ladder", body.get("ladder"))
        if ladder and ladder not in ladders:
            problems.add(f"{entry}.ladder", f"no ladder {ladder!r} (have {', '.join(ladders)})")
        classes[code] = FoodClass(
            code=code,
            name_zh=problems.text(f"{entry}.name_zh", body.get("name_zh")),
            name_en=problems.text(f"{entry}.name_en", body.get("name_en")),
            lead_days=problems.number(
                f"{entry}.lead_days", body.get("lead_days"), 0, MAX_LEAD_DAYS
            ),
            ladder=ladder,
            note=problems.text(f"{entry}.note", body.get("note"), required=False),
        )
    return classes


def _cities(
    doc: dict[str, Any], classes: dict[str, FoodClass], problems: _Problems
) -> dict[str, dict[str, int]]:
    raw = doc.get("cities", {})
    if not isinstance(raw, dict):
        problems.add("cities", "must be a table of [cities.NAME] tables")
        return {}
    cities: dict[str, dict[str, int]] = {}
    for city, body in raw.items():
        if not isinstance(body, dict):
            problems.add(f"cities.{city}", "must be a table of class = lead days")
            continue
        leads: dict[str, int] = {}
        for code, value in body.items():
            entry = f"cities.{city}.{code}"
            if code not in classes:
                problems.add(entry, f"no food class {code!r} in [classes]")
            leads[code] = problems.number(entry, value, 0, MAX_LEAD_DAYS)
        cities[city] = leads
    return cities


def expiry_table_from_toml(text: str, *, source: str) -> ExpiryTable:
    """Parse a near-expiry table; ``source`` names it in errors.

    Raises
    ------
    DataError
        ``"{source}: {entry}: {problem}; ..."`` for every problem found.

    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{source}: not valid TOML: {exc}") from exc
    problems = _Problems()
    name = problems.text("name", doc.get("name"))
    basis = problems.text("basis", doc.get("basis"))
    ladders = _ladders(doc, problems)
    bands = _bands(doc, ladders, problems)
    classes = _classes(doc, ladders, problems)
    cities = _cities(doc, classes, problems)
    if problems.items:
        raise DataError(f"{source}: " + "; ".join(problems.items))
    return ExpiryTable(
        source=source,
        name=name,
        basis=basis,
        ladders=ladders,
        bands=tuple(bands),
        classes=classes,
        cities=cities,
    )
