"""Reading a plan's targets file (TOML): the packaged Shenzhen plan, or a file of one's own."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from lifecircle.core.assess.targets import Pilot, PlanTargets
from lifecircle.errors import DataError, NotFoundError

PACKAGED = ("shenzhen-2023",)
"""Targets files shipped with lifecircle (``data/targets/NAME.toml``)."""

_NUMBERS = {
    "communities_total": int,
    "pilot_type_min_share": float,
    "pilot_satisfaction": float,
    "national_satisfaction": float,
    "commercial_floor_share": float,
    "commercial_centres": int,
}
_TEXTS = ("basic_coverage_due", "pilots_due")


def load_targets(name_or_path: str | Path = "shenzhen-2023") -> PlanTargets:
    """Load a packaged targets profile (:data:`PACKAGED`) or a TOML file of the same form.

    Raises
    ------
    NotFoundError
        If neither a packaged profile nor a file has that name.
    DataError
        Naming the file and every missing or mistyped key.

    """
    if str(name_or_path) in PACKAGED:
        resource = resources.files("lifecircle.data").joinpath("targets", f"{name_or_path}.toml")
        return targets_from_toml(resource.read_text(encoding="utf-8"), source=str(name_or_path))
    path = Path(name_or_path)
    if not path.is_file():
        raise NotFoundError(
            f"no targets file {str(path)!r} (packaged targets: {', '.join(PACKAGED)})"
        )
    return targets_from_toml(path.read_text(encoding="utf-8"), source=str(path))


def targets_from_toml(text: str, *, source: str) -> PlanTargets:
    """Parse the text of a targets file; ``source`` names it in errors."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{source}: not valid TOML: {exc}") from exc
    problems: list[str] = []
    values: dict[str, Any] = {}
    for key, kind in _NUMBERS.items():
        value = doc.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(f"{key} must be a number (got {value!r})")
        elif kind is int and not float(value).is_integer():
            problems.append(f"{key} must be a whole number (got {value!r})")
        else:
            values[key] = kind(value)
    for key in (*_TEXTS, "name"):
        value = doc.get(key, Path(source).stem if key == "name" else None)
        if not isinstance(value, str):
            problems.append(f"{key} must be text (got {value!r})")
        values[key] = value
    pilots: list[Pilot] = []
    for i, row in enumerate(doc.get("pilot", []), start=1):
        try:
            pilots.append(
                Pilot(
                    seq=int(row["seq"]),
                    district=str(row.get("district", "")),
                    name=str(row["name"]),
                    street=str(row.get("street", "")),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"[[pilot]] number {i}: needs seq and name ({exc})")
    sources = doc.get("sources", {})
    if not isinstance(sources, dict):
        problems.append("[sources] must be a table")
    if problems:
        raise DataError(f"{source}: " + "; ".join(problems))
    return PlanTargets(
        name=values["name"],
        document=str(doc.get("document", "")),
        communities_total=values["communities_total"],
        basic_coverage_due=values["basic_coverage_due"],
        pilots_due=values["pilots_due"],
        pilot_type_min_share=values["pilot_type_min_share"],
        pilot_satisfaction=values["pilot_satisfaction"],
        national_satisfaction=values["national_satisfaction"],
        commercial_floor_share=values["commercial_floor_share"],
        commercial_centres=values["commercial_centres"],
        pilots=tuple(pilots),
        sources={str(k): str(v) for k, v in sources.items()},
    )
