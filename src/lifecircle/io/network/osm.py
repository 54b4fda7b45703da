"""Walkable ways from OpenStreetMap files (.osm.pbf, .osm, .osm.bz2, .osm.gz) via pyosmium.

Also reads a GeoJSON boundary to clip to, since the usual job is "the walk network of
this district from that regional extract".
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

import shapely
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.validation import explain_validity

from lifecircle.errors import DataError, NotFoundError, OptionalDependencyError
from lifecircle.io.network.walkable import is_walkable
from lifecircle.io.schema import checked_bbox, tables_from_ways

if TYPE_CHECKING:
    from lifecircle.io.schema import BBox, NetworkTables

GEOJSON_GEOMETRY_TYPES = frozenset(
    {
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
        "GeometryCollection",
    }
)
MAX_LISTED_PROBLEMS = 10


def tables_from_osm(
    path: Path | str,
    *,
    bbox: BBox | None = None,
    boundary: Polygon | MultiPolygon | None = None,
    file_format: str | None = None,
) -> NetworkTables:
    """Read the walkable ways of an OpenStreetMap file.

    Node locations are cached in memory while the file streams past (libosmium's
    ``flex_mem`` index), and only ways with a ``highway`` tag reach Python; relations
    are not read at all.

    Parameters
    ----------
    path
        ``.osm.pbf``, ``.osm`` (XML) or compressed XML (``.osm.bz2``, ``.osm.gz``).
    bbox
        Keep only segments with both endpoints inside (min lon, min lat, max lon,
        max lat), in WGS-84 degrees.
    boundary
        Keep only segments with both endpoints inside this polygon (WGS-84 degrees),
        e.g. from :func:`boundary_from_geojson`.
    file_format
        libosmium format string (``"pbf"``, ``"osm"``, ``"osm.bz2"``...) when the file
        name does not say it; by default the suffix decides.

    Returns
    -------
    NetworkTables
        Nodes and segments of every way passing
        :func:`lifecircle.io.network.walkable.is_walkable`, each segment with its way id and the
        way's ``name``. A way that references nodes missing from the extract keeps its
        other segments; the notes say how many were cut.

    Raises
    ------
    OptionalDependencyError
        When pyosmium (the ``osm`` extra) is not installed.
    NotFoundError
        When the file does not exist.
    DataError
        When libosmium cannot read the file.

    """
    try:
        import osmium  # noqa: PLC0415  (optional extra, loaded only when needed)
    except ImportError as exc:
        raise OptionalDependencyError("osmium", "osm") from exc
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"{path}: no such file")
    if bbox is not None:
        bbox = checked_bbox(bbox)
    name = path.name.lower()
    is_pbf = (file_format or name).endswith("pbf")
    source = f"{path.name} (OpenStreetMap {'PBF' if is_pbf else 'XML'})"
    infile = osmium.io.File(str(path), file_format) if file_format else str(path)

    way_ids: list[int] = []
    way_names: list[str] = []
    way_lens: list[int] = []
    refs: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    dropped = 0
    try:
        processor = (
            osmium.FileProcessor(infile, osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            # filters run after the location cache has seen every node
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for way in processor:
            if not isinstance(way, osmium.osm.Way):  # the filters pass ways only
                continue
            tags = {tag.k: tag.v for tag in way.tags}
            if not is_walkable(tags):
                dropped += 1
                continue
            way_ids.append(way.id)
            way_names.append(tags.get("name", ""))
            way_lens.append(len(way.nodes))
            for node in way.nodes:
                refs.append(node.ref)
                location = node.location
                if location.valid():
                    lons.append(location.lon)
                    lats.append(location.lat)
                else:
                    lons.append(math.nan)
                    lats.append(math.nan)
    except (RuntimeError, ValueError, OSError) as exc:
        raise DataError(f"{path}: not an OpenStreetMap file: {exc}") from exc

    notes: tuple[str, ...] = ()
    if not way_ids and not dropped:
        notes = ("the file has no highway ways",)
    return tables_from_ways(
        way_id=way_ids,
        way_len=way_lens,
        ref=refs,
        lon=lons,
        lat=lats,
        source=source,
        ways_dropped=dropped,
        bbox=bbox,
        boundary=boundary,
        notes=notes,
        way_name=way_names,
    )


def boundary_from_geojson(path: Path | str) -> Polygon | MultiPolygon:
    """Read a clipping boundary: the union of the polygons in a GeoJSON file.

    Parameters
    ----------
    path
        A FeatureCollection, a Feature or a bare geometry, in WGS-84 lon/lat degrees
        (RFC 7946). Every feature must be a valid Polygon or MultiPolygon.

    Returns
    -------
    shapely.Polygon or shapely.MultiPolygon
        The union of all features.

    Raises
    ------
    NotFoundError
        When the file does not exist.
    DataError
        When the file is not JSON or not GeoJSON, or some feature is not a valid
        polygon; every bad feature is listed (by index) in one message.

    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise NotFoundError(f"{path}: no such file") from exc
    except (UnicodeDecodeError, IsADirectoryError) as exc:
        raise DataError(f"{path}: not a GeoJSON text file: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"{path}: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from exc
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == "FeatureCollection" and isinstance(data.get("features"), list):
        features = data["features"]
    elif kind == "Feature":
        features = [data]
    elif kind in GEOJSON_GEOMETRY_TYPES:
        features = [{"type": "Feature", "geometry": data}]
    else:
        raise DataError(f"{path}: not GeoJSON (no FeatureCollection, Feature or geometry)")

    polygons: list[Polygon | MultiPolygon] = []
    problems: list[str] = []
    for i, feature in enumerate(features):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict):
            problems.append(f"feature {i}: no geometry")
            continue
        try:
            geom = shape(geometry)
        except (GEOSException, ValueError, TypeError, KeyError, IndexError, AttributeError):
            problems.append(f"feature {i}: unreadable {geometry.get('type')} geometry")
            continue
        if not isinstance(geom, Polygon | MultiPolygon):
            problems.append(f"feature {i}: {geom.geom_type} is not a Polygon or MultiPolygon")
        elif geom.is_empty:
            problems.append(f"feature {i}: empty polygon")
        elif not geom.is_valid:
            problems.append(f"feature {i}: invalid polygon ({explain_validity(geom)})")
        else:
            polygons.append(geom)
    if not features:
        problems.append("no features")
    if problems:
        more = len(problems) - MAX_LISTED_PROBLEMS
        listed = "; ".join(problems[:MAX_LISTED_PROBLEMS]) + (
            f"; and {more} more" if more > 0 else ""
        )
        raise DataError(f"{path}: {listed}")

    union = shapely.union_all(polygons)
    minx, miny, maxx, maxy = union.bounds
    if minx < -180.0 or maxx > 180.0 or miny < -90.0 or maxy > 90.0:
        raise DataError(
            f"{path}: coordinates {union.bounds} are not lon/lat degrees "
            f"(GeoJSON must be WGS-84; reproject it first)"
        )
    if not isinstance(union, Polygon | MultiPolygon):  # pragma: no cover - union of polygons
        raise DataError(f"{path}: the union of the features is a {union.geom_type}")
    return union
