"""The batch manifest: the cities of one run and their input files, in TOML or CSV.

A TOML manifest lists one ``[[city]]`` table per city; a CSV manifest one row per city
with the same fields as columns (an empty cell is a field not given; several places
files are separated by ``;``). A city is imported from files (the options of ``city
import``) or, with ``stored = "NAME"``, taken as it is from the database::

    [[city]]
    name = "helsinki"
    network = "helsinki/Helsinki.osm.pbf"
    places = ["helsinki/Helsinki.osm.pbf"]
    units = "h3:9"
    buildings = "helsinki/Helsinki.osm.pbf"

    [[city]]
    stored = "深圳"

Paths are relative to the manifest's folder. The whole manifest is checked before any
city runs, and every problem is reported at once, each naming the file, the entry (its
line), the field and the problem (STYLE.md, habit 6).
"""

from __future__ import annotations

import csv
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from lifecircle.errors import LifecircleError, NotFoundError, ValidationError
from lifecircle.io.places.taxonomy import PROFILES
from lifecircle.io.units.communities import LEVELS
from lifecircle.services.city.imports import CityImportRequest, CommunityFields
from lifecircle.services.city.places import DEDUPE_M

PLACES_SEPARATOR = ";"
"""Separator of several places files in one CSV cell."""

PATH_FIELDS = (
    "network",
    "places",
    "communities",
    "mapping",
    "units_source",
    "population",
    "buildings",
)
"""Fields that name input files (relative to the manifest)."""

_TABLE = re.compile(r"^\s*\[\[\s*city\s*\]\]")


class CityEntry(BaseModel):
    """One city of a manifest, as written (paths not yet resolved)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    name: str | None = Field(default=None, min_length=1, max_length=100)
    stored: str | None = Field(default=None, min_length=1, max_length=100)
    taxonomy: str = "shenzhen"
    network: str | None = None
    places: list[str] = Field(default_factory=list)
    format: str | None = None
    crs: str | None = None
    source: str | None = None
    communities: str | None = None
    code_field: str | None = None
    name_field: str | None = None
    street_field: str | None = None
    district_field: str | None = None
    population_field: str | None = None
    level: str = "community"
    communities_crs: str | None = None
    mapping: str | None = None
    units: str | None = None
    units_source: str | None = None
    population: str | None = None
    buildings: str | None = None
    skip_bad: bool = False
    dedupe_m: float = Field(default=DEDUPE_M, ge=0)


@dataclass(frozen=True)
class CityJob:
    """One city of a batch: its name, and the imports that make it (none when stored).

    ``requests`` run in order: the first carries every file and the first places file;
    each further places file is an import of its own (kept under its own source).
    """

    name: str
    entry: str
    stored: bool
    taxonomy: str
    requests: tuple[CityImportRequest, ...]


@dataclass(frozen=True)
class Manifest:
    """A checked manifest: its file and its cities, in the order written."""

    path: Path
    cities: tuple[CityJob, ...]


class ManifestError(ValidationError):
    """A manifest with problems: every one, each naming file, entry, field and problem."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{path}: {len(problems)} problem(s):\n{lines}")


def load_manifest(path: Path) -> Manifest:
    """Read and check a manifest (``.toml`` or ``.csv``); nothing runs before this passes.

    Raises
    ------
    NotFoundError
        If the manifest file does not exist.
    ManifestError
        With every problem of every entry (unknown or missing fields, bad numbers,
        missing files, options ``city import`` refuses, duplicate names).

    """
    path = Path(path).expanduser().resolve()
    if not path.is_file():
        raise NotFoundError(f"manifest {path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".toml":
        raws = _toml_entries(path)
    elif suffix == ".csv":
        raws = _csv_entries(path)
    else:
        raise ManifestError(path, ["expected a .toml or .csv file"])
    problems: list[str] = []
    jobs: list[CityJob] = []
    seen: dict[str, str] = {}
    for where, raw in raws:
        label = f"{where} ({_named(raw)})" if _named(raw) else where
        found = _problems_of(path, raw, label)
        if isinstance(found, list):
            problems.extend(found)
            continue
        if found.name in seen:
            problems.append(
                f"{label}: name: {found.name!r} is listed already at {seen[found.name]}"
            )
            continue
        seen[found.name] = where
        jobs.append(found)
    if not raws:
        problems.append("no cities: add a [[city]] table (TOML) or a row (CSV)")
    if problems:
        raise ManifestError(path, problems)
    return Manifest(path, tuple(jobs))


def _named(raw: dict[str, Any]) -> str | None:
    """The entry's city name as written, to label its problems."""
    for key in ("name", "stored"):
        if isinstance(raw.get(key), str) and raw[key].strip():
            return str(raw[key]).strip()
    return None


def _toml_entries(path: Path) -> list[tuple[str, dict[str, Any]]]:
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(path, [f"not valid TOML: {exc}"]) from None
    unknown = sorted(set(data) - {"city"})
    if unknown:
        raise ManifestError(
            path, [f"unknown top-level key(s) {', '.join(unknown)}: expected [[city]] tables"]
        )
    cities = data.get("city", [])
    if not isinstance(cities, list) or not all(isinstance(c, dict) for c in cities):
        raise ManifestError(path, ["city: expected [[city]] tables"])
    lines = [n for n, line in enumerate(text.splitlines(), 1) if _TABLE.match(line)]
    return [
        (
            f"[[city]] #{k}" + (f" (line {lines[k - 1]})" if len(lines) == len(cities) else ""),
            entry,
        )
        for k, entry in enumerate(cities, 1)
    ]


def _csv_entries(path: Path) -> list[tuple[str, dict[str, Any]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise ManifestError(path, ["empty file: expected a header row of field names"])
        header = [h.strip() for h in header]
        entries = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            line = reader.line_num
            if len(row) != len(header):
                entries.append(
                    (
                        f"line {line}",
                        {"__row__": f"{len(row)} fields, the header has {len(header)}"},
                    )
                )
                continue
            raw: dict[str, Any] = {k: v for k, v in zip(header, row, strict=True) if v.strip()}
            if "places" in raw:
                raw["places"] = [p for p in raw["places"].split(PLACES_SEPARATOR) if p.strip()]
            entries.append((f"line {line}", raw))
    return entries


def _problems_of(  # noqa: PLR0911 - one return per kind of problem
    path: Path, raw: dict[str, Any], label: str
) -> CityJob | list[str]:
    """The entry as a job, or its problems (each ``label: field: problem``)."""
    if "__row__" in raw:
        return [f"{label}: {raw['__row__']}"]
    if isinstance(raw.get("places"), str):
        raw = {**raw, "places": [raw["places"]]}
    try:
        entry = CityEntry.model_validate(raw)
    except pydantic.ValidationError as exc:
        return [
            f"{label}: {'.'.join(str(p) for p in e['loc']) or 'entry'}: {_problem(e)}"
            for e in exc.errors()
        ]
    problems = _rules(entry)
    if problems:
        return [f"{label}: {p}" for p in problems]
    base = path.parent
    files: dict[str, Path | list[Path] | None] = {}
    for name in PATH_FIELDS:
        value = getattr(entry, name)
        if isinstance(value, list):
            files[name] = [(base / v).resolve() for v in value]
        else:
            files[name] = None if value is None else (base / value).resolve()
    for name, value in files.items():
        for p in value if isinstance(value, list) else [value]:
            if p is not None and not p.is_file():
                problems.append(f"{name}: file not found: {p}")
    if problems:
        return [f"{label}: {p}" for p in problems]
    name = entry.name or entry.stored or ""
    if entry.stored is not None:
        return CityJob(name=entry.stored, entry=label, stored=True, taxonomy="", requests=())
    try:
        requests = _requests(entry, files)
        for request in requests:
            request.check()
    except LifecircleError as exc:
        return [f"{label}: {exc}"]
    return CityJob(name=name, entry=label, stored=False, taxonomy=entry.taxonomy, requests=requests)


def _problem(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown field"
    if error["type"] == "missing":
        return "required"
    value = error.get("input")
    shown = f" (got {value!r})" if isinstance(value, str | int | float) else ""
    return f"{error['msg']}{shown}"


def _rules(entry: CityEntry) -> list[str]:
    """Problems between fields (``field: problem``)."""
    problems = []
    given = [f for f in CityEntry.model_fields if f in entry.model_fields_set]
    if entry.stored is not None:
        extra = [f for f in given if f not in {"name", "stored"}]
        if extra:
            problems.append(
                f"{extra[0]}: a stored city is assessed as it is: give no files or options "
                f"with stored (found {', '.join(extra)})"
            )
        if entry.name is not None and entry.name != entry.stored:
            problems.append(f"name: {entry.name!r} differs from stored {entry.stored!r}")
        return problems
    if entry.name is None:
        problems.append("name: required (or stored = NAME for a city in the database)")
    if entry.network is None:
        problems.append("network: required to import a city (or stored = NAME)")
    if entry.source is not None and len(entry.places) > 1:
        problems.append("source: names one places file, and this entry lists several")
    if entry.level not in LEVELS:
        problems.append(f"level: {entry.level!r} is not one of {', '.join(LEVELS)}")
    if entry.taxonomy not in PROFILES:
        problems.append(f"taxonomy: {entry.taxonomy!r} is not one of {', '.join(PROFILES)}")
    return problems


def _requests(
    entry: CityEntry, files: dict[str, Path | list[Path] | None]
) -> tuple[CityImportRequest, ...]:
    def one(name: str) -> Path | None:
        value = files[name]
        return value if isinstance(value, Path) else None

    places = files["places"]
    places = places if isinstance(places, list) else []
    first = CityImportRequest(
        network=one("network"),
        places=places[0] if places else None,
        places_format=entry.format,
        crs=entry.crs,
        communities=one("communities"),
        community_fields=CommunityFields(
            code=entry.code_field,
            name=entry.name_field,
            street=entry.street_field,
            district=entry.district_field,
            population=entry.population_field,
            level=entry.level,  # type: ignore[arg-type]  # checked in _rules
            crs=entry.communities_crs,
        ),
        mapping=one("mapping"),
        units=entry.units,
        units_source=one("units_source"),
        population=one("population"),
        buildings=one("buildings"),
        skip_bad=entry.skip_bad,
        dedupe_m=entry.dedupe_m,
        source=entry.source,
    )
    more = tuple(
        CityImportRequest(
            places=p,
            places_format=entry.format,
            crs=entry.crs,
            skip_bad=entry.skip_bad,
            dedupe_m=entry.dedupe_m,
        )
        for p in places[1:]
    )
    return (first, *more)
