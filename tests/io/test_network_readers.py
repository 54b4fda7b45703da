"""Walking-network readers: the walkable rule, OSM XML/PBF, Overpass JSON and GraphML.

The hand-written fixture ``tests/data/valid/net_tiny.osm`` (node ids; ``==`` kept,
``..`` dropped, ``99`` is referenced but missing from the file):

    8 ====== 7 ====== 6        16 footway 7-8-99 (8-99 cut)     14 residential oneway 6-7
    :  .     :        |        15 service access=private 7-9     13 service private+foot=yes 3-5-6
    :   9 (shop)      |        17 construction foot=yes 1-8      12 residential foot=no 4-5
    :                 5 .      18 building 1-9-8-1 (no highway)  11 motorway 3-4
    :                 |   .                                      10 footway 1-2-3
    1 ====== 2 ====== 3 .... 4

Kept segments: 1-2, 2-3, 3-5, 5-6, 6-7, 7-8.
"""

from __future__ import annotations

import math
import subprocess
import sys
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
import shapely
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from lifecircle.core.walk.network import build_network
from lifecircle.errors import DataError, NotFoundError, OptionalDependencyError, ValidationError
from lifecircle.io.network.graphml import tables_from_graphml
from lifecircle.io.network.osm import boundary_from_geojson, tables_from_osm
from lifecircle.io.network.overpass import tables_from_overpass
from lifecircle.io.network.read import read_network_tables
from lifecircle.io.network.walkable import NOT_WALKABLE_HIGHWAYS, is_walkable
from tests.conftest import FUTIAN_GRAPHML, HELSINKI_PBF, require

if TYPE_CHECKING:
    from lifecircle.io.schema import NetworkTables

DATA = Path(__file__).resolve().parents[1] / "data"
VALID = DATA / "valid"
INVALID = DATA / "invalid"
# shared real data (../shared/data): a missing file fails the test, it is never skipped
HELSINKI = HELSINKI_PBF
FUTIAN = FUTIAN_GRAPHML
# documented in the PROVENANCE.md files next to the data
HELSINKI_BBOX = (24.9352, 60.1642, 24.9534, 60.1791)
HELSINKI_HIGHWAY_WAYS = 2650
FUTIAN_BBOX = (113.99702, 22.51666, 114.03988, 22.55052)
FUTIAN_NODES = 1751
FUTIAN_EDGES = 4009

TINY_SEGMENTS = {(1, 2), (2, 3), (3, 5), (5, 6), (6, 7), (7, 8)}
TINY_NOTE = "1 way cut where they reference 1 node missing from the extract"


def segment_set(tables: NetworkTables) -> set[tuple[int, int]]:
    return {
        (min(a, b), max(a, b))
        for a, b in zip(tables.seg_a.tolist(), tables.seg_b.tolist(), strict=True)
    }


def coordinate_segments(tables: NetworkTables) -> set[frozenset[tuple[int, int]]]:
    """Undirected segments as pairs of coordinates in 1e-7 degrees (id-free)."""
    where = {
        int(i): (round(x * 1e7), round(y * 1e7))
        for i, x, y in zip(tables.node_id, tables.lon, tables.lat, strict=True)
    }
    return {
        frozenset((where[int(a)], where[int(b)]))
        for a, b in zip(tables.seg_a, tables.seg_b, strict=True)
    }


def assert_same_tables(left: NetworkTables, right: NetworkTables) -> None:
    np.testing.assert_array_equal(left.node_id, right.node_id)
    np.testing.assert_array_equal(left.lon, right.lon)
    np.testing.assert_array_equal(left.lat, right.lat)
    np.testing.assert_array_equal(left.seg_a, right.seg_a)
    np.testing.assert_array_equal(left.seg_b, right.seg_b)
    assert (left.ways_kept, left.ways_dropped) == (right.ways_kept, right.ways_dropped)


def assert_well_formed(tables: NetworkTables) -> None:
    assert tables.node_id.dtype == np.int64
    assert tables.seg_a.dtype == np.int64
    assert tables.lon.dtype == np.float64
    assert np.unique(tables.node_id).size == tables.n_nodes
    assert np.isfinite(tables.lon).all()
    assert np.isfinite(tables.lat).all()
    # every endpoint has coordinates, every node is used
    used = np.union1d(tables.seg_a, tables.seg_b)
    np.testing.assert_array_equal(np.sort(tables.node_id), used)


# --- the walkable rule -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"highway": "footway"}, True),
        ({"highway": "residential", "oneway": "yes"}, True),
        ({"highway": "pedestrian", "area": "yes"}, True),
        ({"highway": "platform"}, True),
        ({"highway": "trunk"}, True),
        ({"highway": "trail"}, True),
        ({"highway": "service", "service": "driveway"}, True),
        ({"highway": "footway", "access": "no", "foot": "permissive"}, True),
        ({"highway": "service", "access": "private", "foot": "yes"}, True),
        ({"highway": "motorway", "foot": "designated"}, True),
        ({"highway": "cycleway", "foot": "use_sidepath"}, True),
        ({}, False),
        ({"building": "yes"}, False),
        ({"highway": "motorway"}, False),
        ({"highway": "motorway_link", "area": "yes"}, False),
        ({"highway": "busway"}, False),
        ({"highway": "construction", "foot": "yes"}, False),
        ({"highway": "proposed"}, False),
        ({"highway": "residential", "foot": "no"}, False),
        ({"highway": "residential", "foot": "private", "access": "yes"}, False),
        ({"highway": "service", "access": "private"}, False),
        ({"highway": "service", "service": "private"}, False),
        ({"highway": "footway", "access": "no"}, False),
        ({"highway": "yes"}, False),
        ({"highway": "rest_area"}, False),
    ],
    ids=lambda value: (
        ",".join(f"{k}={v}" for k, v in value.items()) if isinstance(value, dict) else str(value)
    ),
)
def test_is_walkable(tags: dict[str, str], expected: bool) -> None:
    assert is_walkable(tags) is expected


def test_walkable_doc_lists_every_excluded_class() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "walkable.md").read_text("utf-8")
    for value in sorted(NOT_WALKABLE_HIGHWAYS):
        assert value in doc, value


# --- tiny hand-written data ------------------------------------------------------------


def test_tiny_osm_keeps_exactly_the_walkable_segments() -> None:
    tables = tables_from_osm(VALID / "net_tiny.osm")
    assert segment_set(tables) == TINY_SEGMENTS
    # canonical order: ways by id, nodes as drawn
    assert tables.seg_a.tolist() == [1, 2, 3, 5, 6, 7]
    assert tables.seg_b.tolist() == [2, 3, 5, 6, 7, 8]
    assert tables.node_id.tolist() == [1, 2, 3, 5, 6, 7, 8]
    assert (tables.ways_kept, tables.ways_dropped) == (4, 4)
    assert tables.notes == (TINY_NOTE,)
    assert tables.source == "net_tiny.osm (OpenStreetMap XML)"
    assert tables.lon[tables.node_id == 5].item() == pytest.approx(114.002)
    assert tables.lat[tables.node_id == 5].item() == pytest.approx(22.501)
    assert_well_formed(tables)


@pytest.mark.parametrize("name", ["net_tiny_overpass.json", "net_tiny_overpass_geom.json"])
def test_overpass_json_gives_the_same_tables_as_osm_xml(name: str) -> None:
    expected = tables_from_osm(VALID / "net_tiny.osm")
    tables = tables_from_overpass(VALID / name)
    assert_same_tables(tables, expected)
    assert tables.notes == expected.notes
    assert tables.source == f"{name} (Overpass API JSON)"


@pytest.mark.parametrize("suffix", [".osm.bz2", ".osm.gz"])
def test_compressed_osm_xml_reads_like_plain(tmp_path: Path, suffix: str) -> None:
    import bz2  # noqa: PLC0415
    import gzip  # noqa: PLC0415

    raw = (VALID / "net_tiny.osm").read_bytes()
    packed = bz2.compress(raw) if suffix.endswith("bz2") else gzip.compress(raw)
    path = tmp_path / f"tiny{suffix}"
    path.write_bytes(packed)
    assert_same_tables(read_network_tables(path), tables_from_osm(VALID / "net_tiny.osm"))


def test_tiny_bbox_and_boundary_clip_both_endpoints() -> None:
    # keeps nodes 1, 2, 7, 8 (lon <= 114.0015); 2-3 and 6-7 cross the edge and go
    bbox = (113.9995, 22.4995, 114.0015, 22.5025)
    by_bbox = tables_from_osm(VALID / "net_tiny.osm", bbox=bbox)
    assert segment_set(by_bbox) == {(1, 2), (7, 8)}
    assert by_bbox.node_id.tolist() == [1, 2, 7, 8]
    assert by_bbox.notes == (TINY_NOTE, "4 segments outside the bbox dropped")
    by_boundary = tables_from_overpass(
        VALID / "net_tiny_overpass.json", boundary=shapely.box(*bbox)
    )
    assert_same_tables(by_boundary, by_bbox)
    # clipping after reading gives the same as clipping while reading
    assert_same_tables(tables_from_osm(VALID / "net_tiny.osm").clipped(bbox=bbox), by_bbox)


def test_tiny_graphml_expands_edge_geometry() -> None:
    tables = tables_from_graphml(VALID / "net_tiny.graphml")
    # the two interior points become -1 and -2, in the order met, shared by 1->2 and the
    # 2->1 edge whose geometry is stored the wrong way round
    assert sorted(tables.node_id.tolist()) == [-2, -1, 1, 2, 3]
    at = dict(zip(tables.node_id.tolist(), zip(tables.lon, tables.lat, strict=True), strict=True))
    assert at[-1] == pytest.approx((114.0005, 22.4995))
    assert at[-2] == pytest.approx((114.0015, 22.4995))
    assert tables.n_segments == 8
    assert segment_set(tables) == {(-1, 1), (-2, -1), (-2, 2), (2, 3)}
    assert (tables.ways_kept, tables.ways_dropped) == (4, 2)  # both motorway edges go
    assert_well_formed(tables)
    net, report = build_network(
        tables.node_id, tables.lon, tables.lat, tables.seg_a, tables.seg_b, source=tables.source
    )
    assert (net.n_nodes, net.n_segments) == (5, 4)
    assert report.duplicate_segments == 4
    # 1 -> 2 runs along the geometry, not the straight 208 m chord
    assert net.total_length_m > 250.0


def test_graphml_rejects_a_projected_graph(tmp_path: Path) -> None:
    text = (VALID / "net_tiny.graphml").read_text("utf-8")
    path = tmp_path / "projected.graphml"
    path.write_text(text.replace("epsg:4326", "epsg:32650"), "utf-8")
    with pytest.raises(DataError, match=r"projected\.graphml: the graph is projected"):
        tables_from_graphml(path)


def test_network_file_sniffs_content_when_the_name_says_nothing(tmp_path: Path) -> None:
    for name in ("net_tiny.osm", "net_tiny_overpass.json", "net_tiny.graphml"):
        path = tmp_path / f"{name}.download"
        path.write_bytes((VALID / name).read_bytes())
        assert_same_tables(read_network_tables(path), read_network_tables(VALID / name))


# --- real data: Futian (OSMnx GraphML) -------------------------------------------------


def test_futian_graphml_counts_and_bbox() -> None:
    tables = read_network_tables(require(FUTIAN))
    assert tables.source == f"{FUTIAN.name} (OSMnx GraphML)"
    assert tables.ways_kept + tables.ways_dropped == FUTIAN_EDGES
    # 33 motorway_link edges are not walkable, and 12 nodes touch nothing else
    assert tables.ways_dropped == 33
    real = tables.node_id > 0
    assert FUTIAN_NODES - 20 <= int(real.sum()) <= FUTIAN_NODES
    assert (~real).sum() > 1000  # interior points of edge geometries
    assert_well_formed(tables)
    minlon, minlat, maxlon, maxlat = FUTIAN_BBOX
    assert float(tables.lon[real].min()) == pytest.approx(minlon, abs=1e-5)
    assert float(tables.lat[real].min()) == pytest.approx(minlat, abs=1e-5)
    assert float(tables.lon[real].max()) <= maxlon + 1e-5
    assert float(tables.lat[real].max()) == pytest.approx(maxlat, abs=1e-5)
    box = tables.bbox
    assert box[0] >= minlon - 1e-3
    assert box[2] <= maxlon + 1e-3
    assert box[1] >= minlat - 1e-3
    assert box[3] <= maxlat + 1e-3


def test_futian_graphml_builds_one_connected_network() -> None:
    tables = read_network_tables(require(FUTIAN))
    net, report = build_network(
        tables.node_id, tables.lon, tables.lat, tables.seg_a, tables.seg_b, source=tables.source
    )
    graph = coo_array(
        (np.ones(net.n_segments), (net.seg_u, net.seg_v)), shape=(net.n_nodes, net.n_nodes)
    )
    n_components, _ = connected_components(graph, directed=False)
    assert n_components == 1
    # the only piece lost is the service-road island the motorway ramps reached
    assert report.dropped_nodes < 60
    assert net.n_nodes > 0.99 * tables.n_nodes
    # about 222 km of walkable street segments, each counted once
    assert 200_000 < net.total_length_m < 250_000


def test_futian_graphml_matches_a_networkx_reading() -> None:
    import networkx as nx  # noqa: PLC0415 - a test dependency, only needed here

    graph = nx.read_graphml(require(FUTIAN))
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (FUTIAN_NODES, FUTIAN_EDGES)
    expected: set[frozenset[tuple[int, int]]] = set()
    length_by_edge: dict[frozenset[frozenset[tuple[int, int]]], float] = {}
    for u, v, data in graph.edges(data=True):
        highways = data.get("highway", "").strip("[]").replace("'", "").split(", ")
        if all(h in NOT_WALKABLE_HIGHWAYS for h in highways):
            continue
        pu = (float(graph.nodes[u]["x"]), float(graph.nodes[u]["y"]))
        pv = (float(graph.nodes[v]["x"]), float(graph.nodes[v]["y"]))
        points = [pu, pv]
        if "geometry" in data:
            points = [tuple(c) for c in shapely.from_wkt(data["geometry"]).coords]
            if math.dist(points[0], pv) + math.dist(points[-1], pu) < math.dist(
                points[0], pu
            ) + math.dist(points[-1], pv):
                points.reverse()
            points[0], points[-1] = pu, pv
        ints = [(round(float(x) * 1e7), round(float(y) * 1e7)) for x, y in points]
        pieces = frozenset(frozenset(p) for p in pairwise(ints) if p[0] != p[1])
        expected |= pieces
        length_by_edge[pieces] = float(data["length"])
    tables = read_network_tables(require(FUTIAN))
    assert coordinate_segments(tables) == expected
    net, _ = build_network(
        tables.node_id,
        tables.lon,
        tables.lat,
        tables.seg_a,
        tables.seg_b,
        source=tables.source,
        keep_largest_component=False,
    )
    # OSMnx lengths are great-circle metres; ours are ellipsoidal, within 0.5 %
    assert net.total_length_m == pytest.approx(sum(length_by_edge.values()), rel=5e-3)


# --- real data: Helsinki (OSM PBF) -----------------------------------------------------


@pytest.fixture(scope="module")
def helsinki() -> NetworkTables:
    return tables_from_osm(require(HELSINKI))


def test_helsinki_pbf_counts_and_bbox(helsinki: NetworkTables) -> None:
    assert helsinki.source == "Helsinki.osm.pbf (OpenStreetMap PBF)"
    assert helsinki.ways_kept + helsinki.ways_dropped == HELSINKI_HIGHWAY_WAYS
    assert 2400 < helsinki.ways_kept < HELSINKI_HIGHWAY_WAYS
    assert 5_000 < helsinki.n_nodes < 24_260
    assert 6_000 < helsinki.n_segments < 12_000
    assert_well_formed(helsinki)
    minlon, minlat, maxlon, maxlat = helsinki.bbox
    assert minlon >= HELSINKI_BBOX[0] - 1e-4
    assert maxlon <= HELSINKI_BBOX[2] + 1e-4
    assert minlat >= HELSINKI_BBOX[1] - 1e-4
    assert maxlat <= HELSINKI_BBOX[3] + 1e-4
    # an extract cuts ways at its edge
    assert any("missing from the extract" in note for note in helsinki.notes)
    net, report = build_network(
        helsinki.node_id,
        helsinki.lon,
        helsinki.lat,
        helsinki.seg_a,
        helsinki.seg_b,
        source=helsinki.source,
    )
    assert net.n_nodes > 0.9 * helsinki.n_nodes
    assert report.components >= 1
    assert 80_000 < net.total_length_m < 120_000


def test_helsinki_bbox_clipping_shrinks_it(helsinki: NetworkTables) -> None:
    # edges between OSM's 1e-7 degree steps: no node lies on them, where a bbox (edges
    # inside) and a polygon (edges outside) would differ
    bbox = (24.94000005, 60.16500005, 24.95000005, 60.17500005)
    clipped = read_network_tables(require(HELSINKI), bbox=bbox)
    assert 0 < clipped.n_segments < helsinki.n_segments
    assert 0 < clipped.n_nodes < helsinki.n_nodes
    assert bbox[0] <= clipped.lon.min()
    assert clipped.lon.max() <= bbox[2]
    assert bbox[1] <= clipped.lat.min()
    assert clipped.lat.max() <= bbox[3]
    assert segment_set(clipped) <= segment_set(helsinki)
    # same result when the full table is clipped afterwards, or by the same rectangle
    assert_same_tables(helsinki.clipped(bbox=bbox), clipped)
    assert_same_tables(tables_from_osm(require(HELSINKI), boundary=shapely.box(*bbox)), clipped)


def test_helsinki_boundary_clipping(helsinki: NetworkTables) -> None:
    boundary = boundary_from_geojson(VALID / "net_helsinki_boundary.geojson")
    assert boundary.geom_type == "Polygon"
    clipped = read_network_tables(require(HELSINKI), boundary=boundary)
    assert 0 < clipped.n_segments < helsinki.n_segments
    assert shapely.contains_xy(boundary, clipped.lon, clipped.lat).all()
    # every full-table segment with both ends inside survives
    inside = dict(
        zip(
            helsinki.node_id.tolist(),
            shapely.contains_xy(boundary, helsinki.lon, helsinki.lat).tolist(),
            strict=True,
        )
    )
    expected = {(a, b) for a, b in segment_set(helsinki) if inside[a] and inside[b]}
    assert segment_set(clipped) == expected
    assert any("outside the boundary" in note for note in clipped.notes)


def test_helsinki_xml_and_pbf_agree(tmp_path: Path, helsinki: NetworkTables) -> None:
    import osmium  # noqa: PLC0415

    path = tmp_path / "helsinki.osm.bz2"
    writer = osmium.SimpleWriter(str(path))
    try:
        for obj in osmium.FileProcessor(str(require(HELSINKI)), osmium.osm.NODE | osmium.osm.WAY):
            writer.add(obj)
    finally:
        writer.close()
    as_xml = read_network_tables(path)
    assert as_xml.source == "helsinki.osm.bz2 (OpenStreetMap XML)"
    assert_same_tables(as_xml, helsinki)


# --- invalid input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "error", "message"),
    [
        ("net_not_osm.osm.pbf", DataError, "not an OpenStreetMap file: PBF error"),
        ("net_not_osm.osm", DataError, "not an OpenStreetMap file: XML parsing error"),
        ("net_truncated.json", DataError, r"not valid JSON: .* \(line 1, column"),
        ("net_no_elements.json", DataError, "no 'elements' list"),
        ("net_bad_element.json", DataError, r"element 1 \(node 2\): lat/lon missing"),
        ("net_no_xy.graphml", DataError, "nodes have no 'x'/'y' attributes"),
        ("net_unknown_kind.dat", DataError, "supported kinds: OpenStreetMap PBF"),
        ("net_does_not_exist.osm.pbf", NotFoundError, "no such file"),
    ],
)
def test_invalid_files_raise_naming_the_file(
    name: str, error: type[Exception], message: str
) -> None:
    path = INVALID / name
    with pytest.raises(error, match=message) as info:
        read_network_tables(path)
    assert str(info.value).startswith(f"{path}: ")


def test_bad_overpass_elements_are_all_listed() -> None:
    with pytest.raises(DataError, match=r"element 1 .*; element 3 \(way 11\): 'nodes'"):
        tables_from_overpass(INVALID / "net_bad_element.json")


def test_boundary_geojson_names_the_bad_feature() -> None:
    path = INVALID / "net_boundary_point.geojson"
    with pytest.raises(DataError, match=r"feature 1: Point is not a Polygon") as info:
        boundary_from_geojson(path)
    assert str(info.value).startswith(f"{path}: ")
    with pytest.raises(DataError, match="not valid JSON"):
        boundary_from_geojson(INVALID / "net_truncated.json")
    with pytest.raises(NotFoundError, match="no such file"):
        boundary_from_geojson(INVALID / "net_nothing_here.geojson")


@pytest.mark.parametrize(
    "bbox",
    [(1.0, 2.0, 3.0), (114.1, 22.4, 114.0, 22.6), (0.0, -91.0, 1.0, 1.0), (0, 0, math.nan, 1)],
)
def test_bad_bbox_is_refused(bbox: tuple[float, ...]) -> None:
    with pytest.raises(ValidationError, match="bbox"):
        tables_from_osm(VALID / "net_tiny.osm", bbox=bbox)  # type: ignore[arg-type]


def test_missing_osmium_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "osmium", None)  # makes `import osmium` fail
    with pytest.raises(OptionalDependencyError, match=r"lifecircle\[osm\]"):
        read_network_tables(VALID / "net_tiny.osm")
    # the other readers do not need it
    assert tables_from_overpass(VALID / "net_tiny_overpass.json").n_segments == 6


def test_readers_import_osmium_lazily() -> None:
    code = "import sys, lifecircle.io.network.read; print('osmium' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
