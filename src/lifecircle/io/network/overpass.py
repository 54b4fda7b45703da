"""Walkable ways from a saved Overpass API ``[out:json]`` response."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lifecircle.errors import DataError, NotFoundError
from lifecircle.io.network.walkable import is_walkable
from lifecircle.io.schema import checked_bbox, tables_from_ways

if TYPE_CHECKING:
    from shapely.geometry import MultiPolygon, Polygon

    from lifecircle.io.schema import BBox, NetworkTables

MAX_LISTED_PROBLEMS = 10


def tables_from_overpass(
    path: Path | str,
    *,
    bbox: BBox | None = None,
    boundary: Polygon | MultiPolygon | None = None,
) -> NetworkTables:
    """Read the walkable ways of an Overpass API JSON response.

    Both usual shapes are accepted: ``out body; >; out skel;`` (ways list node ids,
    nodes come as separate ``node`` elements) and ``out geom;`` (each way carries a
    ``geometry`` list of ``{"lat", "lon"}`` aligned with its ``nodes``). A ``node``
    element wins over a way's geometry; a node found in neither (or ``null`` in the
    geometry) counts as outside the extract and cuts the segments touching it.
    Relations and other element types are ignored, and so are ways without a
    ``highway`` tag.

    Parameters
    ----------
    path
        The saved response (UTF-8 JSON with an ``elements`` list).
    bbox, boundary
        Optional clipping area in WGS-84 degrees, as in
        :func:`lifecircle.io.network.osm.tables_from_osm`.

    Returns
    -------
    NetworkTables
        Ways passing :func:`lifecircle.io.network.walkable.is_walkable`; node ids are OSM ids,
        and every segment carries its way id and the way's ``name`` tag.
        An Overpass ``remark`` (e.g. a timeout that truncated the answer) becomes a note.

    Raises
    ------
    NotFoundError
        When the file does not exist.
    DataError
        When the file is not JSON, has no ``elements`` list, or has malformed
        elements; the message names the file and lists the bad elements by index.

    """
    path = Path(path)
    if bbox is not None:
        bbox = checked_bbox(bbox)
    data = _load_json(path)
    elements = data.get("elements") if isinstance(data, dict) else None
    if not isinstance(elements, list):
        raise DataError(f"{path}: no 'elements' list; not an Overpass API [out:json] response")

    coords: dict[int, tuple[float, float]] = {}
    ways: list[tuple[int, list[int], list[Any] | None]] = []
    names: list[str] = []
    problems: list[str] = []
    dropped = 0
    for i, element in enumerate(elements):
        if not isinstance(element, dict):
            problems.append(f"element {i}: not a JSON object")
            continue
        kind = element.get("type")
        if kind == "node":
            node = _node(element)
            if isinstance(node, str):
                problems.append(f"element {i} (node {element.get('id')!r}): {node}")
            else:
                coords[node[0]] = (node[1], node[2])
        elif kind == "way":
            way = _way(element)
            if isinstance(way, str):
                problems.append(f"element {i} (way {element.get('id')!r}): {way}")
                continue
            tags = element.get("tags") or {}
            if "highway" not in tags:
                continue
            if is_walkable({str(k): str(v) for k, v in tags.items()}):
                ways.append(way)
                names.append(str(tags.get("name") or ""))
            else:
                dropped += 1
    if problems:
        more = len(problems) - MAX_LISTED_PROBLEMS
        listed = "; ".join(problems[:MAX_LISTED_PROBLEMS])
        raise DataError(f"{path}: {listed}" + (f"; and {more} more" if more > 0 else ""))

    refs: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    for _, nodes, geometry in ways:
        for k, ref in enumerate(nodes):
            refs.append(ref)
            lon, lat = coords.get(ref) or _point(geometry[k] if geometry else None)
            lons.append(lon)
            lats.append(lat)
    notes: tuple[str, ...] = ()
    remark = data.get("remark")
    if remark:
        notes = (f"Overpass remark: {remark}",)
    return tables_from_ways(
        way_id=[w[0] for w in ways],
        way_len=[len(w[1]) for w in ways],
        ref=refs,
        lon=lons,
        lat=lats,
        source=f"{path.name} (Overpass API JSON)",
        ways_dropped=dropped,
        bbox=bbox,
        boundary=boundary,
        notes=notes,
        way_name=names,
    )


def _load_json(path: Path) -> Any:
    """Parse a JSON file, naming the file (and line and column) in every error."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise NotFoundError(f"{path}: no such file") from exc
    except (UnicodeDecodeError, IsADirectoryError) as exc:
        raise DataError(f"{path}: not a UTF-8 JSON file: {exc}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"{path}: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from exc


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _degrees(value: object, limit: float) -> float | None:
    """Return a finite coordinate within ±limit degrees, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) and abs(number) <= limit else None


def _node(element: dict[str, Any]) -> tuple[int, float, float] | str:
    """(id, lon, lat) of a node element, or what is wrong with it."""
    node_id = element.get("id")
    if not _is_int(node_id):
        return "id is not an integer"
    lon = _degrees(element.get("lon"), 180.0)
    lat = _degrees(element.get("lat"), 90.0)
    if lon is None or lat is None:
        return "lat/lon missing or not degrees"
    return int(node_id), lon, lat  # type: ignore[arg-type]


def _way(element: dict[str, Any]) -> tuple[int, list[int], list[Any] | None] | str:
    """(id, node ids, geometry or None) of a way element, or what is wrong with it."""
    way_id = element.get("id")
    nodes = element.get("nodes")
    geometry = element.get("geometry")
    tags = element.get("tags")
    if not _is_int(way_id):
        return "id is not an integer"
    if not isinstance(nodes, list) or not all(_is_int(n) for n in nodes):
        return "'nodes' is not a list of node ids"
    if tags is not None and not isinstance(tags, dict):
        return "'tags' is not an object"
    if geometry is not None and (not isinstance(geometry, list) or len(geometry) != len(nodes)):
        return "'geometry' is not a list as long as 'nodes'"
    return int(way_id), nodes, geometry  # type: ignore[arg-type]


def _point(item: object) -> tuple[float, float]:
    """(lon, lat) of one ``out geom`` point; NaN when it is null or malformed."""
    if isinstance(item, dict):
        lon = _degrees(item.get("lon"), 180.0)
        lat = _degrees(item.get("lat"), 90.0)
        if lon is not None and lat is not None:
            return lon, lat
    return math.nan, math.nan
