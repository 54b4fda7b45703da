"""Walking network from an OSMnx GraphML file (read with ElementTree, no networkx).

OSMnx already filtered its ways when it built the graph (``network_type="walk"`` or
``"all"``) and merged chains of ways into edges whose ``highway`` may be a list, so only
edges that are plainly closed to walkers (motorways, construction...) are dropped here.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely
from shapely.errors import GEOSException

from lifecircle.errors import DataError, NotFoundError
from lifecircle.io.network.walkable import NOT_WALKABLE_HIGHWAYS, is_walkable
from lifecircle.io.schema import NetworkTables, checked_bbox, name_table

if TYPE_CHECKING:
    from numpy.typing import NDArray
    from shapely.geometry import MultiPolygon, Polygon

    from lifecircle.io.schema import BBox

COORD_SCALE = 1e7
"""Interior points are merged when equal after rounding to 1e-7 degrees (OSM precision)."""

SNAP_TOLERANCE_DEG = 1e-6
"""Edge geometry ends farther than this (about 0.1 m) from their nodes get a note."""

MAX_LISTED_PROBLEMS = 10
WGS84_CRS_NAMES = frozenset({"epsg:4326", "wgs84", "wgs 84", "crs84", "ogc:crs84"})


def tables_from_graphml(
    path: Path | str,
    *,
    bbox: BBox | None = None,
    boundary: Polygon | MultiPolygon | None = None,
) -> NetworkTables:
    """Read an OSMnx GraphML graph (unprojected, node ``x``/``y`` in WGS-84 degrees).

    Each edge becomes the straight segments of its ``geometry`` (a WKT LINESTRING, kept
    by OSMnx when simplification merged several OSM segments); an edge without one is a
    single segment. Interior geometry points become nodes with negative synthetic ids,
    shared by every edge through the same point (rounded to 1e-7 degrees), so that the
    two directed edges of a street, u→v and v→u, give the same segments. A geometry
    drawn from v to u is turned round before its ends are tied to u and v. Every
    segment carries its edge's OSM way (``osmid``) and ``name``, see
    :func:`_way_and_name` for edges OSMnx merged from several ways.

    Parameters
    ----------
    path
        GraphML file as written by ``osmnx.save_graphml``.
    bbox, boundary
        Optional clipping area in WGS-84 degrees, as in
        :func:`lifecircle.io.network.osm.tables_from_osm`.

    Returns
    -------
    NetworkTables
        ``ways_kept`` and ``ways_dropped`` count directed *edges* here. An edge is
        dropped only when every ``highway`` value it carries is in
        :data:`lifecircle.io.network.walkable.NOT_WALKABLE_HIGHWAYS` and no ``foot`` tag opens it.

    Raises
    ------
    NotFoundError
        When the file does not exist.
    DataError
        When the file is not GraphML, the graph is projected, nodes lack ``x``/``y``,
        or edges are malformed; every problem is listed in one message.

    """
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"{path}: no such file")
    if bbox is not None:
        bbox = checked_bbox(bbox)
    graph, nodes, edges = _parse(path)
    crs = graph.get("crs", "epsg:4326").strip().lower()
    if crs not in WGS84_CRS_NAMES:
        raise DataError(
            f"{path}: the graph is projected (crs={crs}); save the unprojected graph "
            f"(node x/y in WGS-84 degrees)"
        )
    if nodes and not any("x" in attrs and "y" in attrs for _, attrs in nodes):
        raise DataError(
            f"{path}: GraphML nodes have no 'x'/'y' attributes; expected an OSMnx graph "
            f"with x = longitude and y = latitude"
        )

    problems: list[str] = []
    node_id = np.zeros(len(nodes), dtype=np.int64)
    lon = np.zeros(len(nodes), dtype=np.float64)
    lat = np.zeros(len(nodes), dtype=np.float64)
    row: dict[str, int] = {}
    for k, (name, attrs) in enumerate(nodes):
        x, y = _float(attrs.get("x")), _float(attrs.get("y"))
        try:
            node_id[k] = int(name)
        except (TypeError, ValueError, OverflowError):
            problems.append(f"node {name!r}: id is not an integer")
        if not (abs(x) <= 180.0 and abs(y) <= 90.0):  # NaN fails too
            problems.append(f"node {name!r}: x/y missing or not lon/lat degrees")
        lon[k], lat[k] = x, y
        row[name] = k

    u_rows: list[int] = []
    v_rows: list[int] = []
    wkts: list[str | None] = []
    edge_way: list[int] = []
    edge_name: list[str] = []
    dropped = 0
    for k, (source, target, attrs) in enumerate(edges):
        if source not in row or target not in row:
            problems.append(f"edge {k} ({source!r}->{target!r}): unknown node")
            continue
        if _closed_to_walkers(attrs):
            dropped += 1
            continue
        u_rows.append(row[source])
        v_rows.append(row[target])
        wkts.append(attrs.get("geometry") or None)
        way, name = _way_and_name(attrs)
        edge_way.append(way)
        edge_name.append(name)
    if problems:
        _raise(path, problems)
    if node_id.size and np.unique(node_id).size != node_id.size:
        raise DataError(f"{path}: duplicate node ids")

    u = np.asarray(u_rows, dtype=np.int64)
    v = np.asarray(v_rows, dtype=np.int64)
    has_geom = np.array([w is not None for w in wkts], dtype=bool)
    geoms = _linestrings(path, [w for w in wkts if w is not None], np.flatnonzero(has_geom))
    base = min(int(node_id.min()) if node_id.size else 0, 0)
    extra_id, extra_lon, extra_lat, geo_a, geo_b, geo_edge, off_ends = _expand(
        geoms, node_id=node_id, lon=lon, lat=lat, u=u[has_geom], v=v[has_geom], base=base
    )
    names, name_of_edge = name_table(edge_name)
    ways = np.asarray(edge_way, dtype=np.int64)
    # segments: the edges without geometry first, then those of each geometry in turn
    seg_edge = np.concatenate([np.flatnonzero(~has_geom), np.flatnonzero(has_geom)[geo_edge]])
    notes: tuple[str, ...] = ()
    if off_ends:
        notes = (
            (
                f"{off_ends:,} edge geometries do not start and end at their nodes; "
                f"their ends were tied to the nodes"
            ),
        )
    tables = NetworkTables(
        node_id=np.concatenate([node_id, extra_id]),
        lon=np.concatenate([lon, extra_lon]),
        lat=np.concatenate([lat, extra_lat]),
        seg_a=np.concatenate([node_id[u[~has_geom]], geo_a]),
        seg_b=np.concatenate([node_id[v[~has_geom]], geo_b]),
        source=f"{path.name} (OSMnx GraphML)",
        ways_kept=int(u.size),
        ways_dropped=dropped,
        notes=notes,
        seg_way=ways[seg_edge],
        seg_name=name_of_edge[seg_edge],
        names=names,
    )
    return tables.clipped(bbox=bbox, boundary=boundary)


Element = tuple[str, dict[str, str]]
Edge = tuple[str, str, dict[str, str]]


def _parse(path: Path) -> tuple[dict[str, str], list[Element], list[Edge]]:
    """Graph attributes, nodes (id, attributes) and edges (source, target, attributes)."""
    keys: dict[str, str] = {}
    graph: dict[str, str] = {}
    nodes: list[Element] = []
    edges: list[Edge] = []
    current: dict[str, str] | None = None
    root_seen = False
    try:
        # expat >= 2.4 bounds entity expansion and ElementTree never fetches external
        # entities, so a hostile file cannot do more than fail to parse
        for event, elem in ET.iterparse(path, events=("start", "end")):  # noqa: S314
            tag = elem.tag.rpartition("}")[2]
            if not root_seen:
                if tag != "graphml":
                    raise DataError(f"{path}: not GraphML (root element is <{tag}>)")
                root_seen = True
            if event == "start":
                if tag in {"node", "edge"}:
                    current = {}
                continue
            if tag == "key":
                keys[elem.get("id", "")] = elem.get("attr.name") or elem.get("id", "")
            elif tag == "data":
                name = keys.get(elem.get("key", ""), elem.get("key", ""))
                (graph if current is None else current)[name] = (elem.text or "").strip()
            elif tag == "node":
                nodes.append((elem.get("id", ""), current or {}))
                current = None
                elem.clear()
            elif tag == "edge":
                edges.append((elem.get("source", ""), elem.get("target", ""), current or {}))
                current = None
                elem.clear()
    except ET.ParseError as exc:
        raise DataError(f"{path}: not a GraphML file: {exc}") from exc
    return graph, nodes, edges


def _closed_to_walkers(attrs: dict[str, str]) -> bool:
    """Whether every highway value of an OSMnx edge is plainly closed to pedestrians."""
    values = _listed(attrs.get("highway", ""))
    foot = _listed(attrs.get("foot", ""))
    tags = {"foot": foot[0]} if foot else {}
    return bool(values) and all(
        value in NOT_WALKABLE_HIGHWAYS and not is_walkable({"highway": value, **tags})
        for value in values
    )


def _way_and_name(attrs: dict[str, str]) -> tuple[int, str]:
    """The OSM way and name of an edge: the smallest ``osmid`` and first ``name`` listed.

    OSMnx lists every way and name of the ways it merged into one edge (in no set
    order); the edge keeps the smallest way id and, of several names, the first in
    sorted order. The way is ``-1`` when ``osmid`` is missing or not integers.
    """
    names = sorted(n for n in _listed(attrs.get("name", "")) if n.strip())
    try:
        way = min((int(i) for i in _listed(attrs.get("osmid", ""))), default=-1)
    except ValueError:
        way = -1
    return way, names[0] if names else ""


def _listed(text: str) -> list[str]:
    """Values of an OSMnx attribute that may be a Python list repr: "['a', 'b']"."""
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
        return [part.strip().strip("'\"") for part in text.split(",") if part.strip()]
    return [text] if text else []


def _float(text: str | None) -> float:
    try:
        return float(text) if text is not None else math.nan
    except ValueError:
        return math.nan


def _raise(path: Path, problems: list[str]) -> None:
    more = len(problems) - MAX_LISTED_PROBLEMS
    listed = "; ".join(problems[:MAX_LISTED_PROBLEMS])
    raise DataError(f"{path}: {listed}" + (f"; and {more} more" if more > 0 else ""))


def _linestrings(path: Path, wkts: list[str], edge_index: NDArray[np.intp]) -> NDArray[np.object_]:
    """Parse WKT edge geometries, naming the first bad edge (index among kept edges)."""
    try:
        geoms = shapely.from_wkt(np.asarray(wkts, dtype=object))
    except GEOSException:
        for k, wkt in zip(edge_index, wkts, strict=True):
            try:
                shapely.from_wkt(wkt)
            except GEOSException as exc:
                raise DataError(f"{path}: edge {k}: geometry is not WKT: {exc}") from exc
        raise
    if geoms.size:
        bad = (shapely.get_type_id(geoms) != shapely.GeometryType.LINESTRING) | (
            shapely.get_num_points(geoms) < 2
        )
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"{path}: edge {int(edge_index[k])}: geometry is not a LINESTRING of "
                f"two or more points"
            )
    return np.asarray(geoms, dtype=object)


def _expand(
    geoms: NDArray[np.object_],
    *,
    node_id: NDArray[np.int64],
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    u: NDArray[np.int64],
    v: NDArray[np.int64],
    base: int,
) -> tuple[
    NDArray[np.int64],
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.int64],
    NDArray[np.int64],
    NDArray[np.int64],
    int,
]:
    """Segments of every edge geometry, with its interior points as synthetic nodes.

    Returns the synthetic nodes (ids below ``base``, lon, lat), the segments as node
    ids with the geometry each comes from, and how many geometries had ends away from
    their nodes.
    """
    empty_i = np.zeros(0, dtype=np.int64)
    empty_f = np.zeros(0, dtype=np.float64)
    if geoms.size == 0:
        return empty_i, empty_f, empty_f, empty_i, empty_i, empty_i, 0
    xy, group = shapely.get_coordinates(geoms, return_index=True)
    count = np.bincount(group, minlength=geoms.size)
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    first, last = xy[start], xy[start + count - 1]
    at_u = np.column_stack([lon[u], lat[u]])
    at_v = np.column_stack([lon[v], lat[v]])
    forward = np.hypot(*(first - at_u).T) + np.hypot(*(last - at_v).T)
    backward = np.hypot(*(first - at_v).T) + np.hypot(*(last - at_u).T)
    flip = backward < forward
    off_ends = int((np.minimum(forward, backward) > 2 * SNAP_TOLERANCE_DEG).sum())

    pos = np.arange(xy.shape[0]) - start[group]
    end = count[group] - 1
    xy = xy[start[group] + np.where(flip[group], end - pos, pos)]
    ids = np.where(pos == 0, node_id[u][group], node_id[v][group])
    interior = (pos > 0) & (pos < end)
    key = np.rint(xy[interior] * COORD_SCALE).astype(np.int64)
    unique_key, first_seen, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    # number synthetic points in the order they are met, so ids are stable and readable
    rank = np.empty(first_seen.size, dtype=np.int64)
    rank[np.argsort(first_seen, kind="stable")] = np.arange(first_seen.size)
    ids[interior] = base - 1 - rank[inverse.reshape(-1)]
    by_rank = np.argsort(rank)
    extra_id = base - 1 - np.arange(first_seen.size, dtype=np.int64)
    extra_lon = unique_key[by_rank, 0] / COORD_SCALE
    extra_lat = unique_key[by_rank, 1] / COORD_SCALE

    pair = np.flatnonzero(group[:-1] == group[1:])
    return extra_id, extra_lon, extra_lat, ids[pair], ids[pair + 1], group[pair], off_ends
