"""Assessment units: codes joined by name, 社区 ↔ 居委会 mappings, OSM neighbourhoods, H3 cells.

Boundary files often carry names only (the Shenzhen district layer has ``qh = 福田``),
and official code lists carry no geometry; :func:`join_codes` brings the two together.
Where a city has no community boundaries at all, :func:`assessment_units` takes OSM
neighbourhood polygons from the extract, or failing those a grid of H3 hexagons.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from lifecircle.core.assess.zones import assign_points, gap_area_m2, overlap_pairs
from lifecircle.errors import NotFoundError, OptionalDependencyError, ValidationError
from lifecircle.io.places.osm import scan_osm
from lifecircle.io.units.communities import (
    LEVELS,
    BadRowsError,
    CommunityImport,
    CommunityRecord,
    Reject,
    communities_from_file,
    csv_table,
)

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence

    from numpy.typing import ArrayLike

NAME_SUFFIXES = (
    "社区居民委员会", "居民委员会", "社区居委会", "居委会", "社区工作站", "社区",
    "街道办事处", "街道", "新区", "区",
)  # fmt: skip
"""Suffixes dropped before names are compared, longest first: 福田 matches 福田区."""

ADMIN_LEVELS = ("10", "9")
"""OSM ``admin_level`` values taken as neighbourhoods, preferred first (in Helsinki 10
is a kaupunginosa, 9 a major district; in China 9 is a 街道 and 10 a 社区)."""

PLACE_AREAS = ("neighbourhood", "quarter", "suburb")
"""OSM ``place`` values taken as neighbourhoods when mapped as areas, preferred first."""

NBS_CODE = re.compile(r"\d{12}")


@dataclass(frozen=True)
class CodeJoin:
    """Records after :func:`join_codes`: coded where matched; ``unmatched`` says why not."""

    records: tuple[CommunityRecord, ...]
    unmatched: tuple[Reject, ...]
    notes: tuple[str, ...]


class UnitLink(NamedTuple):
    """One row of a 社区 ↔ 居委会 mapping: plan community code, NBS code, free note."""

    plan_code: str
    nbs_code: str
    note: str


def name_key(name: str) -> str:
    """A name without spaces and administrative suffixes, for matching (福田区 → 福田)."""
    key = "".join(name.split())
    for suffix in NAME_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


def join_codes(
    records: Sequence[CommunityRecord],
    codes_table: Path | str | Sequence[CommunityRecord],
    *,
    on: Literal["name", "street+name", "district+name"] = "name",
    aliases: Mapping[str, str] | None = None,
) -> CodeJoin:
    """Give records the official codes of a code list, matching by name.

    Names match after :func:`name_key` (福田 ↔ 福田区, 南园社区 ↔ 南园社区居委会).
    Records that end up with the same code are merged into one: geometries united,
    populations added. That is how a functional area is folded into the district its
    statistics belong to, e.g. ``aliases={"大鹏": "龙岗区"}``, since NBS codes 大鹏新区's
    街道 under 龙岗区 (440307).

    Parameters
    ----------
    records
        Units to code, e.g. from ``communities_from_file(..., code_field="qh")``.
    codes_table
        A CSV code list (read with :func:`communities_from_file` at the records'
        level, e.g. ``shenzhen_districts.csv``) or records already read.
    on
        Match on the name alone, or on the 街道 or district name as well where names
        repeat (the NBS list has 34 names used in more than one 街道).
    aliases
        Record name → code-list name, for units the code list calls otherwise.

    Returns
    -------
    CodeJoin
        Records in input order (merged ones at the first's place); unmatched records
        keep their code and are listed in ``unmatched`` with the reason.

    """
    if not records:
        return CodeJoin((), (), ())
    if isinstance(codes_table, str | Path):
        codes_table = communities_from_file(codes_table, level=records[0].level).records
    alias = {name_key(k): name_key(v) for k, v in (aliases or {}).items()}

    def key(r: CommunityRecord, name: str) -> tuple[str, str]:
        parent = {"name": "", "street+name": r.street, "district+name": r.district}[on]
        return name_key(parent), name_key(name)

    table: dict[tuple[str, str], list[CommunityRecord]] = defaultdict(list)
    for row in codes_table:
        table[key(row, row.name)].append(row)
    unmatched: list[Reject] = []
    notes: list[str] = []
    by_code: dict[str, list[CommunityRecord]] = {}
    for record in records:
        wanted = alias.get(name_key(record.name), record.name)
        found = table.get(key(record, wanted), [])
        if len(found) != 1:
            what = "no entry" if not found else f"{len(found)} entries"
            problem = f"{what} named {record.name!r} in the code list"
            if found:
                problem += f" ({', '.join(r.code for r in found)}); join on street+name"
            unmatched.append(Reject(record.ref, "name", problem))
            by_code.setdefault(record.code, []).append(record)
            continue
        row = found[0]
        if wanted != record.name:
            notes.append(f"{record.ref}: {record.name} coded as {row.name} {row.code} (alias)")
        coded = replace(
            record,
            code=row.code,
            name=row.name,
            street=record.street or row.street,
            district=record.district or row.district,
            parent_code=record.parent_code or row.parent_code,
            population=record.population if record.population is not None else row.population,
        )
        by_code.setdefault(row.code, []).append(coded)
    merged: list[CommunityRecord] = []
    for code, group in by_code.items():
        merged.append(_merge(group))
        if len(group) > 1:
            refs = ", ".join(r.ref for r in group)
            notes.append(f"{refs} share code {code}: merged into one unit")
    return CodeJoin(tuple(merged), tuple(unmatched), tuple(notes))


def _merge(group: list[CommunityRecord]) -> CommunityRecord:
    if len(group) == 1:
        return group[0]
    shapes = [r.geometry for r in group if r.geometry is not None]
    union = shapely.union_all(shapes) if shapes else None
    if union is not None and not isinstance(union, Polygon | MultiPolygon):
        parts = [p for p in shapely.get_parts(union) if isinstance(p, Polygon)]
        union = MultiPolygon(parts)
    people = [r.population for r in group]
    return replace(
        group[0],
        geometry=union,
        population=None if None in people else math.fsum(p or 0.0 for p in people),
        ref="+".join(r.ref for r in group),
    )


def mapping_from_csv(
    path: Path | str,
    *,
    plan_codes: Collection[str] | None = None,
    nbs_codes: Collection[str] | None = None,
) -> tuple[UnitLink, ...]:
    """Read a 社区 ↔ 居委会 mapping table (columns ``plan_code, nbs_code[, note]``).

    One 社区 may hold several 居委会 (one row each) and a 居委会 may be split between
    社区; only exact duplicate rows are refused.

    Parameters
    ----------
    path
        CSV with a header (UTF-8, UTF-16 or GBK).
    plan_codes, nbs_codes
        Known codes of each side; codes outside them are problems when given.

    Returns
    -------
    tuple of UnitLink
        Rows in file order.

    Raises
    ------
    lifecircle.errors.NotFoundError
        If the file does not exist.
    BadRowsError
        Listing every problem: missing columns, empty codes, NBS codes that are not 12
        digits, unknown codes, duplicate rows.

    """
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"{path}: no such file")
    header, rows = csv_table(path)
    col = {name.lower(): name for name in reversed(header)}
    missing = [c for c in ("plan_code", "nbs_code") if c not in col]
    if missing:
        problem = f"missing column {', '.join(missing)} (columns: {', '.join(header)})"
        raise BadRowsError(str(path), [Reject("header", "", problem)])
    problems: list[Reject] = []
    links: list[UnitLink] = []
    seen: dict[tuple[str, str], str] = {}
    for ref, values in rows:
        link = UnitLink(
            values[col["plan_code"]].strip(),
            values[col["nbs_code"]].strip(),
            values[col["note"]].strip() if "note" in col else "",
        )
        for column, code, known in (
            ("plan_code", link.plan_code, plan_codes),
            ("nbs_code", link.nbs_code, nbs_codes),
        ):
            if not code:
                problems.append(Reject(ref, column, "empty code"))
            elif column == "nbs_code" and not NBS_CODE.fullmatch(code):
                problems.append(Reject(ref, column, f"{code!r} is not a 12-digit NBS code"))
            elif known is not None and code not in known:
                problems.append(Reject(ref, column, f"unknown code {code!r}"))
        pair = (link.plan_code, link.nbs_code)
        if pair in seen:
            problems.append(Reject(ref, "", f"duplicate of {seen[pair]}"))
        seen.setdefault(pair, ref)
        links.append(link)
    if problems:
        raise BadRowsError(str(path), problems)
    return tuple(links)


def h3_units(
    area: tuple[float, float, float, float] | Polygon | MultiPolygon, *, resolution: int = 9
) -> tuple[CommunityRecord, ...]:
    """H3 hexagons covering an area, as units where no boundaries exist.

    Parameters
    ----------
    area
        ``(min lon, min lat, max lon, max lat)`` or a polygon, WGS-84 degrees.
    resolution
        H3 resolution: 9 (cells of about 0.1 km², edge ~200 m, a few minutes' walk)
        or 8 (about 0.7 km², edge ~530 m) suit walking analysis.

    Returns
    -------
    tuple of CommunityRecord
        Every cell that overlaps the area (so the area is covered), sorted by index;
        code = H3 index, name ``"H3 <index>"``, level ``"community"``.

    Raises
    ------
    lifecircle.errors.OptionalDependencyError
        If the ``h3`` package (v4) is not installed.
    lifecircle.errors.ValidationError
        If ``resolution`` is not 0-15 or the area is empty.

    """
    try:
        import h3  # noqa: PLC0415  (optional extra, loaded only when a grid is asked for)
    except ImportError as exc:
        raise OptionalDependencyError("h3", "geo") from exc
    if not isinstance(resolution, int) or not 0 <= resolution <= 15:
        raise ValidationError(f"H3 resolution must be an integer 0-15, got {resolution!r}")
    shape = area if isinstance(area, Polygon | MultiPolygon) else shapely.box(*area)
    if shape.is_empty or shape.area <= 0:
        raise ValidationError(f"empty area {area!r}")
    h3shape = h3.geo_to_h3shape(shape.__geo_interface__)
    cells = sorted(h3.h3shape_to_cells_experimental(h3shape, resolution, contain="overlap"))
    return tuple(
        CommunityRecord(
            code=cell,
            name=f"H3 {cell}",
            street="",
            district="",
            level="community",
            parent_code="",
            population=None,
            geometry=Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(cell)]),
            ref=f"cell {i}",
        )
        for i, cell in enumerate(cells)
    )


def neighbourhoods_from_osm(
    path: Path | str,
    *,
    admin_levels: Sequence[str] = ADMIN_LEVELS,
    places: Sequence[str] = PLACE_AREAS,
    file_format: str | None = None,
) -> CommunityImport:
    """Neighbourhood polygons of an OpenStreetMap extract.

    Candidates are ``boundary=administrative`` areas of ``admin_levels`` and ``place``
    areas of ``places``; the first kind (in that order of preference) with at least one
    complete polygon is used, so units do not nest. In a clipped extract most boundary
    relations lose members: those are listed as rejects, never guessed.

    Returns
    -------
    CommunityImport
        Records coded ``r123``/``w456`` (OSM type and id) with the ``name`` tag and
        the ``population`` tag when numeric; ``rejects`` lists the incomplete ones,
        ``notes`` what was found of each kind.

    Raises
    ------
    OptionalDependencyError, NotFoundError, DataError
        As :func:`lifecircle.io.places.osm.homes_from_osm`.

    """
    kinds = [("admin_level", v) for v in admin_levels] + [("place", v) for v in places]
    found: dict[tuple[str, str], list[CommunityRecord]] = defaultdict(list)
    broken: dict[tuple[str, str], list[Reject]] = defaultdict(list)
    for feature in scan_osm(path, keys=frozenset({"boundary", "place"}), file_format=file_format):
        tags = feature.tags
        admin = tags.get("boundary") == "administrative"
        kind = (
            ("admin_level", tags.get("admin_level", ""))
            if admin
            else ("place", tags.get("place", ""))
        )
        if kind not in kinds or feature.kind not in {"area", "broken", "clipped"}:
            continue
        label = f"{kind[0]}={kind[1]}"
        if feature.kind in {"broken", "clipped"} or feature.geom is None:
            problem = (
                f"{label} {tags.get('name', '')!r}: incomplete, members missing from the extract"
            )
            broken[kind].append(Reject(feature.id, "geometry", problem))
            continue
        people = tags.get("population", "").replace(",", "")
        found[kind].append(
            CommunityRecord(
                code=feature.id,
                name=tags.get("name", feature.id),
                street="",
                district="",
                level="community",
                parent_code="",
                population=float(people) if people.isdigit() else None,
                geometry=feature.geom,
                ref=feature.id,
            )
        )
    notes = [
        f"{k}={v}: {len(found[(k, v)])} complete, {len(broken[(k, v)])} incomplete"
        for k, v in kinds
        if found[(k, v)] or broken[(k, v)]
    ]
    chosen = next((k for k in kinds if found[k]), None)
    records = tuple(found[chosen]) if chosen else ()
    rejects = tuple(r for k in kinds for r in broken[k])
    notes.append(f"used {chosen[0]}={chosen[1]}" if chosen else "no complete neighbourhood polygon")
    shapes = [r.geometry for r in records]
    return CommunityImport(
        records=records,
        rejects=rejects,
        source=str(path),
        crs="EPSG:4326",
        notes=tuple(notes),
        overlaps=tuple((records[i].code, records[j].code, a) for i, j, a in overlap_pairs(shapes)),
        gaps_m2=gap_area_m2(shapes),
    )


def assessment_units(
    osm_path: Path | str,
    *,
    area: tuple[float, float, float, float] | Polygon | MultiPolygon,
    resolution: int = 9,
) -> CommunityImport:
    """Units for a city without community boundaries: OSM neighbourhoods, else H3 cells.

    Parameters
    ----------
    osm_path
        The OpenStreetMap extract.
    area
        Study area for the H3 fallback (bounding box or polygon, WGS-84 degrees).
    resolution
        H3 resolution of the fallback (9 or 8).

    Returns
    -------
    CommunityImport
        Neighbourhoods from :func:`neighbourhoods_from_osm`, or H3 cells covering
        ``area``; ``notes`` says which and why.

    """
    osm = neighbourhoods_from_osm(osm_path)
    if osm.records:
        return osm
    cells = h3_units(area, resolution=resolution)
    note = f"{len(cells)} H3 cells at resolution {resolution} (no neighbourhood polygons)"
    return replace(osm, records=cells, notes=(*osm.notes, note), overlaps=(), gaps_m2=0.0)


@dataclass(frozen=True)
class PlaceAssignment:
    """The unit each place lies in: ``codes[i]`` (``""`` outside all), at ``level``."""

    codes: tuple[str, ...]
    level: str


def assign_places(
    lon: ArrayLike, lat: ArrayLike, units: Sequence[CommunityRecord]
) -> PlaceAssignment:
    """Assign points to the finest level of ``units`` that has boundaries.

    A community list without geometry (the NBS codes) can be given together with
    district polygons: points then go to districts, the finest level drawn.

    Parameters
    ----------
    lon, lat
        WGS-84 degrees.
    units
        Records of any levels; those without geometry are ignored.

    Returns
    -------
    PlaceAssignment
        Code per point and the level used (``""`` when no unit has geometry).

    """
    x = np.asarray(lon, dtype=np.float64)
    drawn = [r for r in units if r.geometry is not None]
    if not drawn:
        return PlaceAssignment(("",) * x.shape[0], "")
    level = min((r.level for r in drawn), key=LEVELS.index)
    zones = [r for r in drawn if r.level == level]
    index = assign_points(x, lat, [r.geometry for r in zones])
    return PlaceAssignment(tuple(zones[i].code if i >= 0 else "" for i in index), level)
