"""Use cases on stored cities: create, list, describe, assign places to units, export.

Imports live in :mod:`lifecircle.services.city.imports`. Every function here takes an
engine (and, where files are placed, the settings) as keyword arguments, opens its own
transaction, and returns plain frozen dataclasses that outlive it, so the CLI and a web
API call the same code.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from sqlalchemy.exc import OperationalError

from lifecircle.errors import DataError, NotFoundError, ValidationError
from lifecircle.io.export.features import GEO_DRIVERS, multipolygon_wkb, write_features
from lifecircle.io.export.output import write_csv
from lifecircle.io.places.taxonomy import PROFILES, load_taxonomy
from lifecircle.io.units.assessment_units import assign_places
from lifecircle.io.units.communities import LEVELS, CommunityRecord
from lifecircle.services.city.stale_runs import open_city
from lifecircle.store import cities as city_store
from lifecircle.store.communities import list_communities
from lifecircle.store.db import session_scope
from lifecircle.store.migrate import open_database
from lifecircle.store.places import list_places, place_points
from lifecircle.store.summary import CityOverview, CitySummary, city_overviews, city_summary

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from lifecircle.config import Settings
    from lifecircle.core.assess.categories import Taxonomy
    from lifecircle.store.models import Community

CITIES_FOLDER = "cities"
"""Folder of ``data_dir`` that holds one folder of files per city."""

NETWORK_FILE = "network.lcnet"
"""Name of a city's walking network file inside its folder."""

PLACES_CSV_HEADER = ("id", "name", "lon", "lat", "categories", "source")
"""Columns of a places export as CSV: the place's uid, name, WGS-84 degrees, category
codes joined by ``|`` in taxonomy order, and every ``source:source_id`` joined by ``|``."""

COMMUNITY_FIELDS = (
    "code",
    "name",
    "street",
    "district",
    "level",
    "parent_code",
    "population",
    "area_m2",
)
"""Columns of a communities export (GeoJSON and GeoPackage add the boundary)."""

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
_HASHED = re.compile(r"~[0-9a-f]{10}$")  # a folder name city_folder makes from an unsafe one
_MAX_FOLDER_BYTES = 200  # below the 255 bytes of a file name, with room for the digest
_MAX_TAXONOMY = 64  # the cities.taxonomy column


def city_folder(settings: Settings, name: str) -> Path:
    """The absolute folder of a city's files: ``<data_dir>/cities/<folder>``.

    A name that is a safe folder name already is the folder (``深圳``, ``helsinki``). Any
    other name (with characters a file system refuses, such as ``/``, ``:`` or ``?``,
    with leading dots, or very long) gets a safe version, with those characters as
    ``_``, followed by ``~`` and 10 hex digits of the SHA-256 of the exact name: names
    that differ only in unsafe characters (``a/b``, ``a:b``, ``a?b``) get folders of
    their own. A city records its network file's path, so a city imported when its
    folder was named otherwise keeps using its file until its next network import.
    """
    clean = name.strip()
    folder = _UNSAFE.sub("_", clean).strip(". ")
    if folder != clean or _HASHED.search(clean) or len(clean.encode()) > _MAX_FOLDER_BYTES:
        short = folder.encode()[:_MAX_FOLDER_BYTES].decode(errors="ignore") or "city"
        digest = hashlib.sha256(clean.encode()).hexdigest()[:10]
        folder = f"{short}~{digest}"
    return (settings.data_dir / CITIES_FOLDER / folder).resolve()


def open_engine(settings: Settings) -> Engine:
    """An engine on the settings' database, migrated to the newest schema.

    Raises
    ------
    DataError
        If the database cannot be reached or opened (the URL is shown without password).

    """
    try:
        return open_database(settings)
    except OperationalError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise DataError(
            f"cannot open the database {settings.safe_database_url()}: {reason}"
        ) from None


# --- cities ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CityCreated:
    """The outcome of :func:`create_city`: the city, and whether this call made it."""

    name: str
    taxonomy: str
    network_path: str | None
    created: bool


def create_city(
    *, engine: Engine, name: str, taxonomy: str = "shenzhen", exist_ok: bool = False
) -> CityCreated:
    """Add a city whose places will be classified with ``taxonomy``.

    Parameters
    ----------
    engine
        Database (migrated, e.g. from :func:`lifecircle.store.migrate.open_database`).
    name
        Unique city name, e.g. ``helsinki`` or ``深圳``.
    taxonomy
        A packaged profile (``shenzhen``, ``mofcom``) or a taxonomy CSV file; a file is
        stored by its absolute path, which must fit in 64 characters.
    exist_ok
        Return the existing city instead of failing when the name is taken.

    Returns
    -------
    CityCreated

    Raises
    ------
    ValidationError
        If the name is empty, too long or (without ``exist_ok``) taken, or a taxonomy
        path is too long.
    NotFoundError, lifecircle.io.places.taxonomy.TaxonomyError
        If the taxonomy cannot be loaded (checked before anything is stored).

    """
    stored = taxonomy if taxonomy in PROFILES else str(Path(taxonomy).expanduser().resolve())
    with session_scope(engine) as session:
        if exist_ok:
            try:
                city = city_store.get_city(session, name=name)
            except NotFoundError:
                pass
            else:
                return CityCreated(city.name, city.taxonomy, city.network_path, created=False)
        load_taxonomy(stored)
        if len(stored) > _MAX_TAXONOMY:
            raise ValidationError(
                f"taxonomy path {stored!r} is longer than {_MAX_TAXONOMY} characters: "
                "move the file to a shorter path"
            )
        city = city_store.create_city(session, name=name, taxonomy=stored)
        return CityCreated(city.name, city.taxonomy, city.network_path, created=True)


def list_cities(*, engine: Engine) -> list[CityOverview]:
    """Every city by name, with its numbers of places, communities and import runs."""
    with session_scope(engine) as session:
        return city_overviews(session)


def city_taxonomy(*, engine: Engine, name: str) -> Taxonomy:
    """The taxonomy a city classifies its places with.

    Raises
    ------
    NotFoundError
        If there is no such city, or its taxonomy file has gone.

    """
    with session_scope(engine) as session:
        taxonomy = city_store.get_city(session, name=name).taxonomy
    return load_taxonomy(taxonomy)


# --- units -------------------------------------------------------------------------------


def unit_record(community: Community) -> CommunityRecord:
    """A stored community as the record :mod:`lifecircle.io.units.assessment_units` works with."""
    geometry = None if community.geometry is None else shapely.from_wkb(community.geometry)
    return CommunityRecord(
        code=community.code,
        name=community.name,
        street=community.street or "",
        district=community.district or "",
        level=str(community.level),  # type: ignore[arg-type]
        parent_code=community.parent_code or "",
        population=None if community.population is None else float(community.population),
        geometry=geometry,
        ref=f"code {community.code}",
    )


def stored_units(session: Session, *, city_id: int) -> list[CommunityRecord]:
    """All of a city's communities (every level) as records, by code."""
    return [unit_record(c) for c in list_communities(session, city_id=city_id)]


def drawn_units(units: Sequence[CommunityRecord]) -> list[CommunityRecord]:
    """The units of the finest level that has boundaries (none when no unit has one).

    A 社区 list without geometry beside district polygons gives the districts: places
    and people are assigned by the boundaries there are.
    """
    drawn = [u for u in units if u.geometry is not None]
    if not drawn:
        return []
    level = min((u.level for u in drawn), key=LEVELS.index)
    return [u for u in drawn if u.level == level]


@dataclass(frozen=True)
class UnitsAssignment:
    """Places per unit at the finest level with boundaries.

    ``level`` is ``""`` when no unit has a boundary (then every place is outside);
    ``per_unit`` maps each unit code of that level to its places (zero included).
    """

    level: str
    n_units: int
    places_inside: int
    places_outside: int
    per_unit: dict[str, int]


def assign_city_places(*, engine: Engine, name: str) -> UnitsAssignment:
    """Assign a city's places to its units by the boundaries of the finest drawn level.

    Raises
    ------
    NotFoundError
        If there is no such city.

    """
    with session_scope(engine) as session:
        city_id = city_store.get_city(session, name=name).id
        units = drawn_units(stored_units(session, city_id=city_id))
        points = place_points(session, city_id=city_id)
    lon = np.array([p[1] for p in points], dtype=np.float64)
    lat = np.array([p[2] for p in points], dtype=np.float64)
    assignment = assign_places(lon, lat, units)
    per_unit = dict.fromkeys((u.code for u in units), 0)
    for code in assignment.codes:
        if code:
            per_unit[code] += 1
    inside = sum(per_unit.values())
    return UnitsAssignment(
        level=assignment.level,
        n_units=len(units),
        places_inside=inside,
        places_outside=len(points) - inside,
        per_unit=per_unit,
    )


# --- info --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryCount:
    """Places in one category code, with the taxonomy's names (empty if unknown to it)."""

    group: str
    code: str
    name_zh: str
    name_en: str
    places: int


@dataclass(frozen=True)
class CityReport:
    """What ``city info`` shows.

    The stored summary, places per category in taxonomy order, places per unit, and
    whether the network file is where the city says.
    """

    summary: CitySummary
    categories: tuple[CategoryCount, ...]
    units: UnitsAssignment
    network_exists: bool
    taxonomy_problem: str | None


def city_info(*, engine: Engine, name: str) -> CityReport:
    """Everything known about a city, its import runs and their rejects included.

    Raises
    ------
    NotFoundError
        If there is no such city (the message lists the cities there are).

    """
    with session_scope(engine) as session:
        open_city(session, name=name)  # runs a killed import left `running` end `failed`
        summary = city_summary(session, name=name)
    counts = summary.places_per_category
    rows: list[CategoryCount] = []
    problem = None
    try:
        taxonomy = load_taxonomy(summary.taxonomy)
    except (NotFoundError, DataError) as exc:
        problem = str(exc)
    else:
        rows = [
            CategoryCount(c.group, c.code, c.name_zh, c.name_en, counts.get(c.code, 0))
            for c in taxonomy.categories
        ]
    listed = {row.code for row in rows}
    rows += [CategoryCount("", code, "", "", n) for code, n in counts.items() if code not in listed]
    network = summary.network_path
    return CityReport(
        summary=summary,
        categories=tuple(rows),
        units=assign_city_places(engine=engine, name=name),
        network_exists=network is not None and Path(network).is_file(),
        taxonomy_problem=problem,
    )


# --- export ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportResult:
    """A file written by an export: where, in which format, how many rows."""

    path: str
    format: str
    rows: int


def _export_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in GEO_DRIVERS:
        return GEO_DRIVERS[suffix]
    raise ValidationError(
        f"{path}: cannot tell the format from the suffix {suffix or '(none)'!r}: "
        "use .csv, .geojson or .gpkg"
    )


def export_places(*, engine: Engine, name: str, path: Path) -> ExportResult:
    """Write a city's places as CSV, GeoJSON or GeoPackage (by ``path``'s suffix).

    Every format has the fields of :data:`PLACES_CSV_HEADER`, WGS-84; GeoJSON and
    GeoPackage add the point as geometry (and keep ``lon``/``lat`` as numbers, for
    table views). The file appears only when complete.

    Raises
    ------
    NotFoundError
        If there is no such city.
    ValidationError
        If the suffix is not ``.csv``, ``.geojson``/``.json`` or ``.gpkg``.
    OptionalDependencyError
        For GeoJSON or GeoPackage without pyogrio (the ``geo`` extra).

    """
    file_format = _export_format(path)
    with session_scope(engine) as session:
        city = city_store.get_city(session, name=name)
        taxonomy = city.taxonomy
        places = list_places(session, city_id=city.id)
    try:
        order = {code: i for i, code in enumerate(load_taxonomy(taxonomy).codes)}
    except (NotFoundError, DataError):
        order = {}
    rows = [
        (
            p.uid,
            p.name or "",
            f"{p.lon:.7f}",
            f"{p.lat:.7f}",
            "|".join(sorted(p.categories, key=lambda c: (order.get(c, len(order)), c))),
            "|".join(f"{source}:{sid}" for source, sid in p.sources),
        )
        for p in places
    ]
    if file_format == "csv":
        write_csv(path, PLACES_CSV_HEADER, rows)
    else:
        columns = list(zip(*rows, strict=True)) if rows else [()] * len(PLACES_CSV_HEADER)
        fields: dict[str, Any] = {
            name: np.array(values, dtype=object)
            for name, values in zip(PLACES_CSV_HEADER, columns, strict=True)
        }
        fields["lon"] = np.array([p.lon for p in places], dtype=np.float64)
        fields["lat"] = np.array([p.lat for p in places], dtype=np.float64)
        # points from two columns: an empty city gives an empty layer, not a shape error
        geometry = shapely.to_wkb(shapely.points(fields["lon"], fields["lat"]))
        write_features(path, layer="places", wkb=list(geometry), fields=fields, kind="Point")
    return ExportResult(str(path), file_format, len(rows))


def export_communities(*, engine: Engine, name: str, path: Path) -> ExportResult:
    """Write a city's communities (every level) as CSV, GeoJSON or GeoPackage.

    Fields are :data:`COMMUNITY_FIELDS`; GeoJSON and GeoPackage add the WGS-84
    boundary (empty for units from a list without geometry). CSV has no geometry.

    Raises
    ------
    NotFoundError, ValidationError, OptionalDependencyError
        As :func:`export_places`.

    """
    file_format = _export_format(path)
    with session_scope(engine) as session:
        city_id = city_store.get_city(session, name=name).id
        communities = list_communities(session, city_id=city_id)
        text = [
            (
                c.code,
                c.name,
                c.street or "",
                c.district or "",
                str(c.level),
                c.parent_code or "",
            )
            for c in communities
        ]
        population = [c.population for c in communities]
        area = [c.area_m2 for c in communities]
        wkb = [multipolygon_wkb(c.geometry) for c in communities]
    if file_format == "csv":
        write_csv(
            path,
            COMMUNITY_FIELDS,
            (
                (*t, "" if p is None else p, "" if a is None else f"{a:.1f}")
                for t, p, a in zip(text, population, area, strict=True)
            ),
        )
        return ExportResult(str(path), file_format, len(text))
    fields: dict[str, Any] = {
        field: np.array([t[i] for t in text], dtype=object)
        for i, field in enumerate(COMMUNITY_FIELDS[:6])
    }
    fields["population"] = np.array(
        [np.nan if p is None else float(p) for p in population], dtype=np.float64
    )
    fields["area_m2"] = np.array([np.nan if a is None else a for a in area], dtype=np.float64)
    write_features(path, layer="communities", wkb=wkb, fields=fields, kind="MultiPolygon")
    return ExportResult(str(path), file_format, len(text))
