"""Importing a city's units and people: communities, mappings, units, population.

Communities are 社区 (or 街道, districts) with boundaries or a code list without them;
the mapping pairs the plan's 社区 with NBS 居委会; generated units are H3 cells or OSM
neighbourhoods; population is points from a file or residents estimated from buildings.

Communities are found by code, so a re-import updates them; units generated with
``--units`` are replaced as a whole, and never replace communities from a file;
population points are replaced per method (``points``, ``buildings``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from lifecircle.core.assess.zones import geodesic_area_m2
from lifecircle.errors import ValidationError
from lifecircle.io.places.osm import homes_from_osm
from lifecircle.io.units.assessment_units import (
    NBS_CODE,
    assessment_units,
    assign_places,
    h3_units,
    mapping_from_csv,
)
from lifecircle.io.units.communities import communities_from_file
from lifecircle.io.units.population import population_for_units, population_points_from_csv
from lifecircle.services.city.cities import drawn_units, stored_units
from lifecircle.services.city.places import city_network
from lifecircle.services.city.runs import (
    ImportOutcome,
    city_row,
    finish_run,
    recorded,
    require_file,
    start_run,
    store_reject,
    write_rejects,
)
from lifecircle.store.communities import (
    add_community_mappings,
    count_communities,
    delete_communities,
    population_methods,
    replace_population_points,
    upsert_communities,
)
from lifecircle.store.db import session_scope
from lifecircle.store.imports import list_import_runs
from lifecircle.store.models import ImportKind, ImportStatus

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from lifecircle.config import Settings
    from lifecircle.core.walk.network import WalkNetwork
    from lifecircle.io.units.communities import CommunityRecord, Level
    from lifecircle.store.rows import CommunityRow, PopulationRow, Reject

H3_RESOLUTION = 9
"""Default H3 resolution of generated units (cells of ~0.1 km², a few minutes' walk)."""

UNITS_FORMAT = "units:"
"""Prefix of the ``format`` of the import runs that generated units (``units:h3:9``)."""

POINTS_METHOD = "points"
BUILDINGS_METHOD = "buildings"
"""Population methods: points read from a file; residents estimated from buildings."""


@dataclass(frozen=True)
class CommunityFields:
    """How to read a communities file.

    Its columns (``None``: try the usual names), the level of its units, and its CRS
    (``None``: the file's own).
    """

    code: str | None = None
    name: str | None = None
    street: str | None = None
    district: str | None = None
    population: str | None = None
    level: Level = "community"
    crs: str | None = None


def _community_row(record: CommunityRecord) -> CommunityRow:
    geometry = record.geometry
    return {
        "code": record.code,
        "name": record.name,
        "street": record.street or None,
        "district": record.district or None,
        "level": record.level,
        "parent_code": record.parent_code or None,
        "population": None if record.population is None else round(record.population),
        "geometry": None if geometry is None else bytes(shapely.to_wkb(geometry)),
        "area_m2": None if geometry is None else geodesic_area_m2(geometry),
    }


def _units_state(session: Session, city_id: int) -> tuple[int, bool]:
    """How many communities a city has, and whether all came from ``--units`` runs."""
    done = (ImportStatus.SUCCEEDED, ImportStatus.PARTIAL)
    runs = [
        run
        for run in list_import_runs(session, city_id=city_id)
        if run.kind == ImportKind.COMMUNITIES and run.status in done
    ]
    generated = bool(runs) and all(run.format.startswith(UNITS_FORMAT) for run in runs)
    return count_communities(session, city_id=city_id), generated


def _stale(session: Session, city_id: int) -> str:
    """A warning that population points name units just replaced (``""`` if none)."""
    methods = population_methods(session, city_id=city_id)
    if not methods:
        return ""
    return (
        f"; population points ({', '.join(methods)}) name the old units: "
        "import them again (--population, --buildings)"
    )


def import_communities(
    *,
    engine: Engine,
    settings: Settings,
    name: str,
    path: Path,
    fields: CommunityFields | None = None,
    skip_bad: bool = False,
) -> ImportOutcome:
    """Import 社区 (or 街道, district) boundaries, or a code list without geometry.

    Units generated earlier with ``--units`` are replaced by the file's communities.

    Raises
    ------
    ImportRejectedError
        If rows are bad (without ``skip_bad``): missing or duplicate codes, bad
        populations or geometries; the run lists every problem.

    """
    path = require_file(path, "--communities")
    fields = fields or CommunityFields()
    city_id, _, _ = city_row(engine, name)
    options = {k: v for k, v in asdict(fields).items() if v is not None} | {"skip_bad": skip_bad}
    file_format = path.suffix.lower().lstrip(".") or "file"
    run = start_run(
        engine,
        city_id=city_id,
        kind=ImportKind.COMMUNITIES,
        path=path,
        file_format=file_format,
        options=options,
    )
    with recorded(engine, run):
        result = communities_from_file(
            path,
            code_field=fields.code,
            name_field=fields.name,
            street_field=fields.street,
            district_field=fields.district,
            population_field=fields.population,
            level=fields.level,
            crs=fields.crs,
            skip_bad=skip_bad,
        )
        rejects = [store_reject(path, r.ref, r.column, r.problem) for r in result.rejects]
        notes = list(result.notes)
        if result.repaired:
            notes.append(f"{len(result.repaired)} invalid boundaries repaired")
        if result.overlaps:
            notes.append(f"{len(result.overlaps)} pairs of units overlap by more than 1 m²")
        if result.gaps_m2 > 0:
            notes.append(f"gaps between units: {result.gaps_m2 / 1e6:,.3f} km²")
        with session_scope(engine) as session:
            n_before, generated = _units_state(session, city_id)
            if n_before and generated:
                delete_communities(session, city_id=city_id)
                notes.append(
                    f"replaced {n_before:,} units made with --units{_stale(session, city_id)}"
                )
            counts = upsert_communities(
                session, city_id=city_id, rows=[_community_row(r) for r in result.records]
            )
            drawn = sum(r.geometry is not None for r in result.records)
            outcome = run.outcome(
                kind="communities",
                file_format=file_format,
                rejects=rejects,
                n_imported=len(result.records),
                message=(
                    f"{len(result.records):,} {fields.level} units ({counts.inserted:,} new, "
                    f"{counts.updated:,} updated), {drawn:,} with boundaries"
                ),
                notes=notes,
                details={
                    "level": fields.level,
                    "crs": result.crs,
                    "inserted": counts.inserted,
                    "updated": counts.updated,
                    "with_boundaries": drawn,
                },
            )
            finish_run(session, outcome, rejects)
    if not skip_bad:
        return outcome
    rows = [(r.ref, r.column, r.problem) for r in result.rejects]
    return replace(outcome, rejects_file=write_rejects(settings, name, path, rows))


def import_mapping(*, engine: Engine, name: str, path: Path) -> ImportOutcome:
    """Import a 社区 ↔ 居委会 table (``plan_code,nbs_code[,note]``), one row per pair.

    When the city holds NBS communities (12-digit codes), every ``nbs_code`` must be
    one of them. A file with any bad row is rejected whole (there is no ``skip_bad``:
    a mapping with holes would silently drop communities).
    """
    path = require_file(path, "--mapping")
    city_id, _, _ = city_row(engine, name)
    run = start_run(
        engine, city_id=city_id, kind=ImportKind.MAPPING, path=path, file_format="csv", options={}
    )
    with recorded(engine, run):
        with session_scope(engine) as session:
            units = stored_units(session, city_id=city_id)
        nbs = {u.code for u in units if NBS_CODE.fullmatch(u.code)}
        links = mapping_from_csv(path, nbs_codes=nbs or None)
        notes = [] if nbs else ["the city has no NBS communities: nbs_code values not checked"]
        with session_scope(engine) as session:
            counts = add_community_mappings(
                session,
                city_id=city_id,
                rows=[
                    {"plan_code": x.plan_code, "nbs_code": x.nbs_code, "note": x.note or None}
                    for x in links
                ],
            )
            outcome = run.outcome(
                kind="mapping",
                file_format="csv",
                rejects=(),
                n_imported=len(links),
                message=f"{len(links):,} pairs ({counts.inserted:,} new)",
                notes=notes,
                details={
                    "plan_codes": len({x.plan_code for x in links}),
                    "nbs_codes": len({x.nbs_code for x in links}),
                },
            )
            finish_run(session, outcome, ())
    return outcome


def parse_units(spec: str) -> tuple[str, int]:
    """``h3``, ``h3:8``, ``osm`` or ``osm:8`` as (kind, H3 resolution).

    Raises
    ------
    ValidationError
        If the kind is not ``h3`` or ``osm`` or the resolution not an integer 0-15.

    """
    kind, _, resolution = spec.strip().lower().partition(":")
    if kind not in {"h3", "osm"} or (resolution and not resolution.isdigit()):
        raise ValidationError(
            f"--units {spec!r}: expected h3, h3:RES (8 or 9 suit walking), osm or osm:RES"
        )
    value = int(resolution) if resolution else H3_RESOLUTION
    if not 0 <= value <= 15:
        raise ValidationError(f"--units {spec!r}: the H3 resolution must be 0-15")
    return kind, value


def network_area(net: WalkNetwork) -> Any:
    """The convex hull of a network's nodes (its bbox if degenerate), WGS-84 degrees."""
    hull = shapely.convex_hull(shapely.multipoints(np.column_stack([net.lon, net.lat])))
    return hull if hull.geom_type == "Polygon" else net.bbox


def make_units(
    *, engine: Engine, name: str, spec: str, source: Path | None = None
) -> ImportOutcome:
    """Make assessment units for a city without communities, over its network's area.

    ``h3[:RES]`` covers the network's convex hull with H3 cells (resolution 9 by
    default); ``osm[:RES]`` takes the complete neighbourhood polygons of the OSM file
    ``source`` and falls back to H3 cells when there are none (incomplete ones are
    listed as rejects). Units made before are replaced.

    Raises
    ------
    ValidationError
        If the city has no network, has communities from a file, or ``osm`` is asked
        without a source file.

    """
    kind, resolution = parse_units(spec)
    city_id, _, network_path = city_row(engine, name)
    net = city_network(network_path)
    if net is None:
        raise ValidationError(
            f"city {name!r} has no walking network: import one with --network first "
            "(units cover the network's area)"
        )
    if kind == "osm" and source is None:
        raise ValidationError("--units osm needs an OpenStreetMap file: give --units-source")
    if kind == "osm" and source is not None:
        basis = require_file(source, "--units-source")
    else:
        basis = Path(str(network_path))
    with session_scope(engine) as session:
        n_before, generated = _units_state(session, city_id)
    if n_before and not generated:
        raise ValidationError(
            f"city {name!r} already has {n_before:,} communities imported from files: "
            "units are made only for a city without them"
        )
    file_format = f"{UNITS_FORMAT}{kind}:{resolution}"
    run = start_run(
        engine,
        city_id=city_id,
        kind=ImportKind.COMMUNITIES,
        path=basis,
        file_format=file_format,
        options={"units": spec},
    )
    with recorded(engine, run):
        rejects: list[Reject] = []
        if kind == "osm":
            found = assessment_units(basis, area=network_area(net), resolution=resolution)
            records, notes = found.records, list(found.notes)
            rejects = [store_reject(basis, r.ref, r.column, r.problem) for r in found.rejects]
        else:
            records = h3_units(network_area(net), resolution=resolution)
            notes = []
        what = notes[-1] if notes else f"H3 cells at resolution {resolution} over the network"
        with session_scope(engine) as session:
            old = {u.code for u in stored_units(session, city_id=city_id)} if n_before else set()
            if old and old != {r.code for r in records}:  # the same cells are updated in place
                delete_communities(session, city_id=city_id)
                notes.append(f"replaced {n_before:,} units made before{_stale(session, city_id)}")
            upsert_communities(session, city_id=city_id, rows=[_community_row(r) for r in records])
            outcome = run.outcome(
                kind="units",
                file_format=file_format,
                rejects=rejects,
                n_imported=len(records),
                message=f"{len(records):,} units: {what}",
                notes=notes,
                details={"kind": kind, "resolution": resolution},
            )
            # incomplete neighbourhoods are reasons, not lost rows: the units are whole
            outcome = replace(outcome, status=str(ImportStatus.SUCCEEDED))
            finish_run(session, outcome, rejects)
    return outcome


def import_population(
    *,
    engine: Engine,
    settings: Settings,
    name: str,
    path: Path,
    crs: str = "wgs84",
    skip_bad: bool = False,
) -> ImportOutcome:
    """Import population points (``lon,lat,population``), replacing earlier points.

    Each point is given the unit it lies in, at the finest level with boundaries.

    Raises
    ------
    ImportRejectedError
        If rows are bad (without ``skip_bad``).

    """
    path = require_file(path, "--population")
    city_id, _, _ = city_row(engine, name)
    run = start_run(
        engine,
        city_id=city_id,
        kind=ImportKind.POPULATION,
        path=path,
        file_format="csv",
        options={"crs": crs, "skip_bad": skip_bad, "method": POINTS_METHOD},
    )
    with recorded(engine, run):
        table = population_points_from_csv(path, crs=crs, skip_bad=skip_bad)
        rejects = [store_reject(path, r.ref, r.column, r.problem) for r in table.rejects]
        with session_scope(engine) as session:
            units = drawn_units(stored_units(session, city_id=city_id))
            assignment = assign_places(table.lon, table.lat, units)
            rows: list[PopulationRow] = [
                {
                    "lon": float(x),
                    "lat": float(y),
                    "population": float(p),
                    "community_code": c or None,
                }
                for x, y, p, c in zip(
                    table.lon, table.lat, table.population, assignment.codes, strict=True
                )
            ]
            replace_population_points(
                session, city_id=city_id, method=POINTS_METHOD, rows=rows, import_run_id=run.id
            )
            people = float(table.population.sum())
            outside = sum(not c for c in assignment.codes)
            outcome = run.outcome(
                kind="population",
                file_format="csv",
                rejects=rejects,
                n_imported=len(rows),
                message=f"{len(rows):,} points, {people:,.0f} people (method {POINTS_METHOD!r})",
                notes=[f"{outside:,} points outside every {assignment.level} unit"]
                if units
                else [],
                details={"method": POINTS_METHOD, "people": people, "crs": table.crs},
            )
            finish_run(session, outcome, rejects)
    if not skip_bad:
        return outcome
    rows_out = [(r.ref, r.column, r.problem) for r in table.rejects]
    return replace(outcome, rejects_file=write_rejects(settings, name, path, rows_out))


def import_buildings(*, engine: Engine, name: str, path: Path) -> ImportOutcome:
    """Estimate residents per unit from an OSM file's residential buildings.

    Units with official totals have them shared over their buildings by floor area
    (over the city's network by street length where no building is mapped); without
    totals, residents are floor area ÷ 35 m² per person
    (:func:`lifecircle.io.units.population.population_for_units`). The run's message states
    the method; the points replace earlier ``buildings`` points.

    Raises
    ------
    ValidationError
        If the city has no units with boundaries (import communities or make units).

    """
    path = require_file(path, "--buildings")
    city_id, _, network_path = city_row(engine, name)
    with session_scope(engine) as session:
        units = drawn_units(stored_units(session, city_id=city_id))
    if not units:
        raise ValidationError(
            f"city {name!r} has no units with boundaries to place residents in: "
            "import --communities with boundaries or make --units h3 first"
        )
    run = start_run(
        engine,
        city_id=city_id,
        kind=ImportKind.POPULATION,
        path=path,
        file_format="osm buildings",
        options={"method": BUILDINGS_METHOD},
    )
    with recorded(engine, run):
        homes = homes_from_osm(path)
        placed = population_for_units(units, homes=homes, network=city_network(network_path))
        points = placed.points
        rows: list[PopulationRow] = [
            {
                "lon": float(x),
                "lat": float(y),
                "population": float(p),
                "community_code": placed.codes[int(z)] if z >= 0 else None,
            }
            for x, y, p, z in zip(
                points.lon, points.lat, points.population, points.zone, strict=True
            )
        ]
        people = float(points.population.sum())
        chosen = (
            "every building not obviously non-residential (few are tagged residential)"
            if homes.report.fallback
            else f"{homes.report.residential:,} residential-tagged buildings"
        )
        with session_scope(engine) as session:
            replace_population_points(
                session, city_id=city_id, method=BUILDINGS_METHOD, rows=rows, import_run_id=run.id
            )
            outcome = run.outcome(
                kind="population",
                file_format="osm buildings",
                rejects=(),
                n_rows=homes.report.buildings_seen,
                n_imported=len(rows),
                message=f"{people:,.0f} people in {len(rows):,} buildings. {points.basis}",
                notes=[f"homes: {chosen}", *placed.notes],
                details={
                    "method": BUILDINGS_METHOD,
                    "basis": points.basis,
                    "people": people,
                    "homes": len(homes),
                    "level": units[0].level,
                    "units_by_method": dict(Counter(points.method)),
                },
            )
            finish_run(session, outcome, ())
    return outcome
