"""Places (shops, services) and homes (residential buildings) from OpenStreetMap files.

Reads ``.osm.pbf`` and ``.osm`` XML through pyosmium (the ``osm`` extra). Nodes are
points; closed ways and multipolygon relations are assembled into areas by libosmium
and stand for the point :func:`shapely.point_on_surface` picks, which always lies inside
the polygon (a centroid may not, for an L-shaped mall). IDs are ``n123``, ``w456`` and
``r789``: the OSM type letter and number, whatever the geometry.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.polygon import orient

from lifecircle.core.assess.categories import Taxonomy, classify_osm
from lifecircle.core.assess.opening_hours import parse_opening_hours
from lifecircle.core.walk.geodesy import WGS84_GEOD
from lifecircle.errors import DataError, NotFoundError, OptionalDependencyError
from lifecircle.io.schema import PlaceImport, PlaceImportError, PlaceRecord, Reject

if TYPE_CHECKING:
    from collections.abc import Iterator

    from numpy.typing import NDArray

RESIDENTIAL_BUILDINGS = frozenset(
    {
        "residential",
        "apartments",
        "house",
        "detached",
        "terrace",
        "dormitory",
        "semidetached_house",
    }
)
"""``building=*`` values that are homes."""

NON_RESIDENTIAL_BUILDINGS = frozenset(
    {
        "commercial", "retail", "office", "industrial", "warehouse", "supermarket", "kiosk",
        "hotel", "church", "chapel", "cathedral", "mosque", "temple", "shrine", "synagogue",
        "religious", "monastery", "school", "university", "college", "kindergarten",
        "hospital", "public", "civic", "government", "fire_station", "train_station",
        "transportation", "parking", "garage", "garages", "carport", "hangar", "service",
        "utility", "transformer_tower", "water_tower", "tower", "toilets", "shed", "roof",
        "hut", "barn", "farm_auxiliary", "stable", "cowshed", "sty", "greenhouse",
        "glasshouse", "silo", "storage_tank", "bunker", "bridge", "ruins", "stadium",
        "sports_hall", "sports_centre", "grandstand", "pavilion", "museum", "entrance",
        "atrium", "underpass_entrance", "ship", "military", "construction", "container",
        "tent", "boathouse", "gatehouse", "digester",
    }
)  # fmt: skip
"""``building=*`` values that are obviously not homes (used by the fallback only)."""

NON_RESIDENTIAL_KEYS = (
    "amenity", "shop", "office", "tourism", "leisure", "public_transport", "railway",
    "aeroway", "military", "man_made", "craft", "healthcare",
)  # fmt: skip
"""A building carrying one of these tags is a shop, office, school... (fallback only)."""

MIN_RESIDENTIAL = 20
"""Below this many residential-tagged buildings an extract is taken to tag homes as
``building=yes``, and :func:`homes_from_osm` falls back to every building that is not
obviously non-residential."""
MIN_FALLBACK_AREA_M2 = 30.0
"""In the fallback, untagged building outlines smaller than this (sheds, kiosks, bus
shelters, m²) are not taken for homes."""

MIN_RESIDENTIAL_SHARE = 0.2
"""Below this share of residential-tagged building areas the extract is taken to tag homes
as ``building=yes`` too (the tagged ones are then a few, not the homes), and every
building not obviously non-residential is kept, as below :data:`MIN_RESIDENTIAL`."""

AREA_RELATION_TYPES = ("multipolygon", "boundary")


OSM_REPORT_KEYS = (
    "nodes_seen",
    "areas_seen",
    "nodes_kept",
    "areas_kept",
    "no_geometry",
    "broken_areas",
    "clipped_areas",
    "opening_hours",
    "opening_hours_unparsed",
)
"""Counts in the report of :func:`places_from_osm`, besides ``rows_read``, ``records`` and
``rejected``.

``*_seen`` count objects with a key some rule tests, ``*_kept`` those classified.
``no_geometry`` counts matching open ways, non-area relations (``type=route``) and nodes
without a location: bad objects, listed in the rejects. ``broken_areas`` counts matching
closed ways and multipolygons whose polygon could not be built; of them,
``clipped_areas`` were cut by the extract's edge (a node or member way is not in the
file), which is normal for an extract: they are left out and listed as ``clipped``. The
others have every part in the file and still no valid outline: bad objects, listed in
the rejects. ``opening_hours`` counts kept places with the tag, ``opening_hours_unparsed``
those whose value is kept as text only (listed in the warnings)."""


@dataclass(frozen=True)
class HomesReport:
    """What :func:`homes_from_osm` saw and kept.

    ``buildings_seen`` counts building areas, ``residential`` those with a value of
    :data:`RESIDENTIAL_BUILDINGS`; ``fallback`` says whether there were too few of them
    and every building not obviously non-residential was kept. Buildings mapped as
    points (``building_nodes``) and outlines that could not be built (``broken_areas``)
    are left out.
    """

    buildings_seen: int
    residential: int
    fallback: bool
    kept: int
    building_nodes: int
    broken_areas: int


@dataclass(frozen=True)
class HomesTable:
    """Homes as points: a point inside each footprint, its area and its storeys."""

    ids: tuple[str, ...]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    area_m2: NDArray[np.float64]
    levels: NDArray[np.float64]
    report: HomesReport
    source: str

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self) -> Iterator[tuple[str, str, str, str, str]]:
        """CSV rows ``id, lon, lat, area_m2, levels`` (levels empty when not tagged)."""
        for i, home_id in enumerate(self.ids):
            levels = float(self.levels[i])
            yield (
                home_id,
                f"{self.lon[i]:.7f}",
                f"{self.lat[i]:.7f}",
                f"{self.area_m2[i]:.1f}",
                "" if math.isnan(levels) else f"{levels:g}",
            )


@dataclass(frozen=True)
class _Feature:
    kind: str  # "node", "area", "no_geometry", "no_location", "clipped" or "broken"
    id: str
    tags: dict[str, str]
    geom: Polygon | MultiPolygon | None = None
    lon: float = math.nan
    lat: float = math.nan


def places_from_osm(
    path: Path | str,
    *,
    taxonomy: Taxonomy,
    file_format: str | None = None,
    skip_bad: bool = False,
) -> PlaceImport:
    """Read and classify the places of an OpenStreetMap file.

    Parameters
    ----------
    path
        ``.osm.pbf``, ``.osm`` or compressed XML.
    taxonomy
        Categories to classify into (see :func:`lifecircle.io.places.taxonomy.load_taxonomy`).
    file_format
        libosmium format string when the file name does not say it.
    skip_bad
        Keep the good objects and list the bad ones in ``rejects`` instead of raising.

    Returns
    -------
    PlaceImport
        Source ``"osm"`` records of the nodes and areas that matched at least one
        category, in file order, with WGS-84 points (areas: a point inside the polygon);
        ``name`` prefers ``name:zh`` (then ``name:zh-Hans``, then ``name``), ``brand`` and
        ``operator`` likewise their ``:zh`` forms, and ``address`` joins the ``addr:*``
        tags. Matching areas cut by the extract's edge (a node or member way missing from
        the file) are left out and listed in ``clipped`` (column ``geometry``): every
        extract has them. Unparseable ``opening_hours`` stay as text and are listed in
        ``warnings``. With ``skip_bad``, the bad objects are in ``rejects``. The report
        holds :data:`OSM_REPORT_KEYS`.

    Raises
    ------
    PlaceImportError
        Without ``skip_bad``, when matching objects are bad: an open way or a non-area
        relation (no place to put the point), a node without a location, an area whose
        parts are all in the file but make no valid outline. Every one is listed (object
        id, ``geometry``, the problem).
    OptionalDependencyError
        When pyosmium is not installed.
    NotFoundError
        When the file does not exist.
    DataError
        When libosmium cannot read it.

    """
    records: list[PlaceRecord] = []
    rejects: list[Reject] = []
    warnings: list[Reject] = []
    clipped: list[Reject] = []
    seen: Counter[str] = Counter()
    kept: Counter[str] = Counter()
    for feature in scan_osm(path, keys=taxonomy.osm_keys, file_format=file_format):
        seen[feature.kind] += 1
        matches = classify_osm(feature.tags, taxonomy)
        if not matches:
            continue
        kept[feature.kind] += 1
        if feature.kind == "clipped":
            clipped.append(Reject(feature.id, "geometry", _LEFT_OUT[feature.kind]))
            continue
        if feature.kind not in {"node", "area"}:
            rejects.append(Reject(feature.id, "geometry", _LEFT_OUT[feature.kind]))
            continue
        tags = feature.tags
        hours = tags.get("opening_hours", "").strip()
        parsed = parse_opening_hours(hours)
        if hours and parsed.intervals is None:
            problem = f"kept as text only: {parsed.reason}"
            warnings.append(Reject(feature.id, "opening_hours", problem))
        records.append(
            PlaceRecord(
                source="osm",
                source_id=feature.id,
                lon=feature.lon,
                lat=feature.lat,
                name=_first(tags, "name:zh", "name:zh-Hans", "name"),
                brand=_first(tags, "brand:zh", "brand"),
                operator=_first(tags, "operator:zh", "operator"),
                address=_address(tags),
                opening_hours=hours,
                opening_hours_weekly=parsed.intervals,
                matches=tuple(matches),
                ref=feature.id,
            )
        )
    if rejects and not skip_bad:
        raise PlaceImportError(path, rejects)
    no_geometry = kept["no_geometry"] + kept["no_location"]
    report = {
        "rows_read": sum(seen.values()),
        "records": len(records),
        "rejected": len(rejects),
        "nodes_seen": seen["node"] + seen["no_location"],
        "areas_seen": seen["area"],
        "nodes_kept": kept["node"],
        "areas_kept": kept["area"],
        "no_geometry": no_geometry,
        "broken_areas": kept["broken"] + kept["clipped"],
        "clipped_areas": kept["clipped"],
        "opening_hours": sum(bool(r.opening_hours) for r in records),
        "opening_hours_unparsed": len(warnings),
    }
    notes = []
    if rejects or clipped:
        notes.append(
            f"left out {no_geometry} matching line/relation object(s) without an area and "
            f"{report['broken_areas']} area(s) whose outline is incomplete or invalid"
        )
    if clipped:
        notes.append(
            f"{len(clipped)} of those areas are cut by the extract's edge (a node or member "
            "way is not in the file): warnings, not bad objects"
        )
    return PlaceImport(
        records=tuple(records),
        path=str(path),
        format=_format(path, file_format),
        taxonomy=taxonomy.name,
        report=report,
        rejects=tuple(rejects),
        warnings=tuple(warnings),
        notes=tuple(notes),
        clipped=tuple(clipped),
    )


_LEFT_OUT = {
    "no_geometry": "a line or non-area relation: no point to place it at",
    "no_location": "a node without a valid location",
    "clipped": "the area is cut by the extract's edge: a node or member way of its outline "
    "is not in the file",
    "broken": "the area's outline is invalid: every node and member way is in the file, "
    "but they make no polygon (unclosed or degenerate rings)",
}


def homes_from_osm(
    path: Path | str, *, file_format: str | None = None, min_residential: int = MIN_RESIDENTIAL
) -> HomesTable:
    """Read residential buildings as home points.

    Homes are building areas tagged with a value of :data:`RESIDENTIAL_BUILDINGS`. Many
    extracts (most of China's among them) tag buildings only ``building=yes``: when fewer
    than ``min_residential`` residential buildings are found, or they are fewer than
    :data:`MIN_RESIDENTIAL_SHARE` of all building areas, every building area is kept
    except those obviously not homes, by value (:data:`NON_RESIDENTIAL_BUILDINGS`)
    or by a shop, office, school... tag (:data:`NON_RESIDENTIAL_KEYS`).

    Parameters
    ----------
    path
        ``.osm.pbf``, ``.osm`` or compressed XML.
    file_format
        libosmium format string when the file name does not say it.
    min_residential
        Residential buildings needed to skip the fallback.

    Returns
    -------
    HomesTable
        A point inside each footprint (WGS-84), the footprint's geodesic area in m², the
        ``building:levels`` tag (NaN when missing or not a number), and a report.

    Raises
    ------
    OptionalDependencyError, NotFoundError, DataError
        As :func:`places_from_osm`.

    """
    homes: list[tuple[str, float, float, float, float, bool]] = []
    counts: Counter[str] = Counter()
    for feature in scan_osm(path, keys=frozenset({"building"}), file_format=file_format):
        value = feature.tags.get("building", "no")
        if value == "no":
            continue
        if feature.kind == "node":
            counts["nodes"] += 1
        elif feature.kind in {"broken", "clipped"}:
            counts["broken"] += 1
        elif feature.kind == "area" and feature.geom is not None:
            counts["seen"] += 1
            residential = value in RESIDENTIAL_BUILDINGS
            counts["residential"] += residential
            other = value in NON_RESIDENTIAL_BUILDINGS or any(
                k in feature.tags for k in NON_RESIDENTIAL_KEYS
            )
            if residential or not other:
                area = _area_m2(feature.geom)
                levels = _levels(feature.tags.get("building:levels", ""))
                homes.append((feature.id, feature.lon, feature.lat, area, levels, residential))
    fallback = counts["residential"] < max(min_residential, MIN_RESIDENTIAL_SHARE * counts["seen"])
    kept = [h for h in homes if h[5] or (fallback and h[3] >= MIN_FALLBACK_AREA_M2)]
    report = HomesReport(
        buildings_seen=counts["seen"],
        residential=counts["residential"],
        fallback=fallback,
        kept=len(kept),
        building_nodes=counts["nodes"],
        broken_areas=counts["broken"],
    )
    column = [np.array([h[i] for h in kept], dtype=np.float64) for i in range(1, 5)]
    return HomesTable(
        ids=tuple(h[0] for h in kept),
        lon=column[0],
        lat=column[1],
        area_m2=column[2],
        levels=column[3],
        report=report,
        source=_source(path, file_format),
    )


def scan_osm(
    path: Path | str, *, keys: frozenset[str], file_format: str | None
) -> Iterator[_Feature]:
    """Nodes, areas and geometry-less objects having one of ``keys``, in file order."""
    try:
        import osmium  # noqa: PLC0415  (optional extra, loaded only when needed)
    except ImportError as exc:
        raise OptionalDependencyError("osmium", "osm") from exc
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"{path}: no such file")

    def source() -> Any:
        return osmium.io.File(str(path), file_format) if file_format else str(path)

    wkb = osmium.geom.WKBFactory()
    expected: dict[str, dict[str, str]] = {}  # closed ways and multipolygons awaiting an area
    produced: set[str] = set()
    whole: dict[str, bool] = {}  # closed way -> every node of it is in the file
    members: dict[str, list[int]] = {}  # area relation -> its member ways
    processor = (
        osmium.FileProcessor(source())
        .with_areas()
        # filters run after the location cache and the area assembler have seen everything
        .with_filter(osmium.filter.KeyFilter(*sorted(keys)))
    )
    try:
        for obj in processor:
            tags = {tag.k: tag.v for tag in obj.tags}
            if isinstance(obj, osmium.osm.Node):
                loc = obj.location
                if loc.valid():
                    yield _Feature("node", f"n{obj.id}", tags, lon=loc.lon, lat=loc.lat)
                else:
                    yield _Feature("no_location", f"n{obj.id}", tags)
            elif isinstance(obj, osmium.osm.Area):
                area_id = f"{'w' if obj.from_way() else 'r'}{obj.orig_id()}"
                produced.add(area_id)
                yield _area_feature(area_id, tags, lambda o=obj: wkb.create_multipolygon(o))
            elif isinstance(obj, osmium.osm.Way):
                if obj.is_closed():
                    expected[f"w{obj.id}"] = tags
                    whole[f"w{obj.id}"] = all(n.location.valid() for n in obj.nodes)
                else:
                    yield _Feature("no_geometry", f"w{obj.id}", tags)
            elif isinstance(obj, osmium.osm.Relation):
                if tags.get("type") in AREA_RELATION_TYPES:
                    expected[f"r{obj.id}"] = tags
                    members[f"r{obj.id}"] = [m.ref for m in obj.members if m.type == "w"]
                else:
                    yield _Feature("no_geometry", f"r{obj.id}", tags)
        missing = sorted(expected.keys() - produced)
        wanted = {ref for m in missing if m in members for ref in members[m]}
        whole_ways = _whole_ways(osmium, source(), wanted) if wanted else set()
    except (RuntimeError, ValueError, OSError) as exc:
        raise DataError(f"{path}: not an OpenStreetMap file: {exc}") from exc
    for object_id in missing:
        if object_id in members:  # a relation is cut when a member way is missing or cut
            ways = members[object_id]
            cut = bool(ways) and not whole_ways.issuperset(ways)
        else:
            cut = not whole[object_id]
        yield _Feature("clipped" if cut else "broken", object_id, expected[object_id])


def _whole_ways(osmium: Any, source: Any, ids: set[int]) -> set[int]:
    """Those of the ways ``ids`` that are in the file with every node (a second pass)."""
    processor = (
        osmium.FileProcessor(source, osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.IdFilter(sorted(ids)))
    )
    return {
        obj.id
        for obj in processor
        if isinstance(obj, osmium.osm.Way) and all(n.location.valid() for n in obj.nodes)
    }


def _format(path: Path | str, file_format: str | None) -> str:
    is_pbf = (file_format or Path(path).name.lower()).endswith("pbf")
    return f"OpenStreetMap {'PBF' if is_pbf else 'XML'}"


def _source(path: Path | str, file_format: str | None) -> str:
    return f"{Path(path).name} ({_format(path, file_format)})"


def _area_feature(area_id: str, tags: dict[str, str], make_wkb: Any) -> _Feature:
    """An area as a feature: its polygon and a point inside it, or ``"broken"``."""
    try:
        geom = shapely.from_wkb(make_wkb())
    except (RuntimeError, GEOSException):
        return _Feature("broken", area_id, tags)
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon) and not p.is_empty]
    if not parts:
        return _Feature("broken", area_id, tags)
    polygon = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    point = polygon.point_on_surface()
    return _Feature("area", area_id, tags, geom=polygon, lon=point.x, lat=point.y)


def _area_m2(geom: Polygon | MultiPolygon) -> float:
    """Geodesic area in m² (rings oriented so that holes subtract)."""
    polygons = geom.geoms if isinstance(geom, MultiPolygon) else (geom,)
    total = 0.0
    for polygon in polygons:
        area, _ = WGS84_GEOD.geometry_area_perimeter(orient(polygon, sign=1.0))
        total += abs(float(area))
    return total


def _levels(text: str) -> float:
    """``building:levels`` as a number (the largest of ``3;5``), NaN when not one."""
    values: list[float] = []
    for part in text.replace(",", ".").split(";"):
        try:
            values.append(float(part.strip()))
        except ValueError:
            continue
    good = [v for v in values if math.isfinite(v) and v >= 0]
    return max(good) if good else math.nan


def _first(tags: dict[str, str], *keys: str) -> str:
    return next((tags[k].strip() for k in keys if tags.get(k, "").strip()), "")


def _address(tags: dict[str, str]) -> str:
    """``addr:full``, else the ``addr:*`` parts from the widest down (Chinese order)."""
    if tags.get("addr:full", "").strip():
        return tags["addr:full"].strip()
    parts = ("addr:province", "addr:city", "addr:district", "addr:street", "addr:housenumber")
    return "".join(tags[k].strip() for k in parts if k in tags)


CENTRE_TAGS = MappingProxyType(
    {"shop": frozenset({"mall", "department_store"}), "amenity": frozenset({"marketplace"})}
)
"""Areas taken for malls and centres: the footprints of the 集聚式 circle-type rule."""


@dataclass(frozen=True)
class Centre:
    """A mall, department store or market hall outline (WGS-84)."""

    source_id: str
    name: str
    kind: str
    geometry: Polygon | MultiPolygon


def centres_from_osm(path: Path | str, *, file_format: str | None = None) -> list[Centre]:
    """The mall and centre outlines of an OpenStreetMap file (see :data:`CENTRE_TAGS`).

    Points and outlines the extract cut are left out: a footprint needs its area.
    """
    centres = []
    for feature in scan_osm(path, keys=frozenset(CENTRE_TAGS), file_format=file_format):
        kind = next(
            (f"{k}={feature.tags[k]}" for k, v in CENTRE_TAGS.items() if feature.tags.get(k) in v),
            None,
        )
        if kind is None or feature.kind != "area" or feature.geom is None:
            continue
        name = feature.tags.get("name:zh") or feature.tags.get("name") or ""
        centres.append(Centre(feature.id, name, kind, feature.geom))
    return centres
