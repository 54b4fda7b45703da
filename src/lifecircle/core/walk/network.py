"""The walking network: one builder from canonical node/segment tables to CSR arrays.

Every source (OSM PBF/XML, Overpass JSON, OSMnx GraphML, synthetic grids) is turned
into the same tables by ``lifecircle.io`` and then into a :class:`WalkNetwork` here, so
that length rules, component pruning and node order are decided in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from lifecircle.core.walk.geodesy import LocalProjection, geodesic_m, utm_epsg
from lifecircle.core.walk.streets import StreetIndex, street_index
from lifecircle.errors import DataError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray


@dataclass(frozen=True, eq=False)
class WalkNetwork:
    """An undirected walking network of straight segments between nodes.

    Node indices are contiguous ``0..n-1`` in a space-filling-curve order (nearby nodes
    are nearby in memory); ``node_id`` maps them back to the source's ids. Every segment
    is walkable both ways, so the CSR adjacency holds each segment twice.

    Attributes
    ----------
    node_id
        Source node id per node (OSM id; negative for points added inside a segment).
    lon, lat
        WGS-84 degrees per node.
    seg_u, seg_v, seg_len
        Segment endpoints (node indices) and geodesic length in metres.
    indptr, indices, weights
        CSR adjacency: neighbours of node ``i`` are ``indices[indptr[i]:indptr[i+1]]`` at
        ``weights`` metres.
    epsg
        Metric projection (UTM zone) used for snapping.
    source
        Where the network came from (file name and kind).
    streets
        The street of every segment (named streets merged across their ways), or
        ``None`` when the source said nothing about ways (a version-1 network file).

    """

    node_id: NDArray[np.int64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    seg_u: NDArray[np.int32]
    seg_v: NDArray[np.int32]
    seg_len: NDArray[np.float64]
    indptr: NDArray[np.int64]
    indices: NDArray[np.int32]
    weights: NDArray[np.float64]
    epsg: int
    source: str
    streets: StreetIndex | None = None
    _cache: dict[str, object] = field(default_factory=dict, repr=False, compare=False)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.lon.shape[0])

    @property
    def n_segments(self) -> int:
        """Number of undirected segments."""
        return int(self.seg_u.shape[0])

    @property
    def total_length_m(self) -> float:
        """Sum of segment lengths in metres."""
        return float(self.seg_len.sum())

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(min lon, min lat, max lon, max lat) in degrees."""
        return (
            float(self.lon.min()),
            float(self.lat.min()),
            float(self.lon.max()),
            float(self.lat.max()),
        )

    def projection(self) -> LocalProjection:
        """Metric projection of this network (built once, then cached)."""
        proj = self._cache.get("projection")
        if not isinstance(proj, LocalProjection):
            proj = LocalProjection(self.epsg)
            self._cache["projection"] = proj
        return proj

    def projected_xy(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Node coordinates in the metric projection (cached)."""
        xy = self._cache.get("xy")
        if not isinstance(xy, tuple):
            xy = self.projection().forward(self.lon, self.lat)
            self._cache["xy"] = xy
        return xy


@dataclass(frozen=True)
class BuildReport:
    """What the builder kept and dropped, for the user to read."""

    input_nodes: int
    input_segments: int
    self_loops: int
    duplicate_segments: int
    components: int
    dropped_nodes: int
    dropped_segments: int
    dropped_length_m: float


def csr_from_segments(
    n: int, u: NDArray[np.int32], v: NDArray[np.int32], length: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.float64]]:
    """Symmetric CSR adjacency (both directions of every segment), rows sorted by neighbour."""
    src = np.concatenate([u, v]).astype(np.int64)
    dst = np.concatenate([v, u]).astype(np.int64)
    w = np.concatenate([length, length])
    order = np.lexsort((dst, src))
    src, dst, w = src[order], dst[order], w[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return indptr, dst.astype(np.int32), np.ascontiguousarray(w, dtype=np.float64)


def hilbert_order(
    x: NDArray[np.float64], y: NDArray[np.float64], bits: int = 16
) -> NDArray[np.int64]:
    """Permutation that sorts points along a Hilbert curve (memory-friendly node order).

    Nodes visited together by a bounded Dijkstra lie close in space; storing them close in
    memory keeps the search in cache. OSM extracts list nodes by id, which is random in
    space, so this order alone gives the kernels a large share of their speed.
    """
    if x.size == 0:
        return np.zeros(0, dtype=np.int64)
    side = (1 << bits) - 1
    span_x = max(float(np.ptp(x)), 1e-9)
    span_y = max(float(np.ptp(y)), 1e-9)
    xi = np.round((x - x.min()) / span_x * side).astype(np.int64)
    yi = np.round((y - y.min()) / span_y * side).astype(np.int64)
    d = np.zeros(x.shape, dtype=np.int64)
    s = 1 << (bits - 1)
    while s > 0:
        rx = ((xi & s) > 0).astype(np.int64)
        ry = ((yi & s) > 0).astype(np.int64)
        d += s * s * ((3 * rx) ^ ry)
        # rotate the quadrant so the curve stays continuous
        flip = ry == 0
        swap_rx = flip & (rx == 1)
        xi = np.where(swap_rx, side - xi, xi)
        yi = np.where(swap_rx, side - yi, yi)
        xi, yi = np.where(flip, yi, xi), np.where(flip, xi, yi)
        s >>= 1
    return np.argsort(d, kind="stable")


def build_network(
    node_id: NDArray[np.int64],
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    seg_a: NDArray[np.int64],
    seg_b: NDArray[np.int64],
    *,
    source: str,
    keep_largest_component: bool = True,
    seg_way: NDArray[np.int64] | None = None,
    seg_name: NDArray[np.int64] | None = None,
    names: Sequence[str] = (),
) -> tuple[WalkNetwork, BuildReport]:
    """Build a :class:`WalkNetwork` from canonical tables.

    Parameters
    ----------
    node_id, lon, lat
        One row per node: source id and WGS-84 degrees. Ids must be unique.
    seg_a, seg_b
        One row per straight segment, as source node ids (consecutive nodes of a way).
    source
        Human-readable description of the input, stored in the network.
    keep_largest_component
        Drop every node and segment outside the largest connected component (a walker
        starting there could reach nothing else); the report says how much went.
    seg_way, seg_name, names
        The way each segment comes from (``-1``: unknown) and the index of the way's
        name in ``names`` (``-1``: no name). Given, the network carries a
        :class:`~lifecircle.core.walk.streets.StreetIndex`; of duplicate segments the first
        keeps its way.

    Returns
    -------
    (WalkNetwork, BuildReport)

    Raises
    ------
    DataError
        When a segment names an unknown node or nothing walkable remains.

    """
    node_id = np.asarray(node_id, dtype=np.int64)
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    seg_a = np.asarray(seg_a, dtype=np.int64)
    seg_b = np.asarray(seg_b, dtype=np.int64)
    n_in, m_in = int(node_id.size), int(seg_a.size)
    if m_in == 0:
        raise DataError(f"{source}: no walkable segments")
    with_ways = seg_way is not None and seg_name is not None
    way = np.asarray(seg_way if seg_way is not None else np.full(m_in, -1), dtype=np.int64)
    way_name = np.asarray(seg_name if seg_name is not None else np.full(m_in, -1), dtype=np.int64)
    if way.shape != seg_a.shape or way_name.shape != seg_a.shape:
        raise DataError(f"{source}: seg_way and seg_name must give one value per segment")
    # ids -> contiguous indices at the boundary (the core never sees outside ids)
    order = np.argsort(node_id, kind="stable")
    sorted_ids = node_id[order]
    if np.any(sorted_ids[1:] == sorted_ids[:-1]):
        raise DataError(f"{source}: duplicate node ids")
    pos_a = np.searchsorted(sorted_ids, seg_a)
    pos_b = np.searchsorted(sorted_ids, seg_b)
    pos_a = np.minimum(pos_a, n_in - 1)
    pos_b = np.minimum(pos_b, n_in - 1)
    bad = (sorted_ids[pos_a] != seg_a) | (sorted_ids[pos_b] != seg_b)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise DataError(f"{source}: segment {k} refers to a node id with no coordinates")
    u = order[pos_a]
    v = order[pos_b]
    loops = u == v
    u, v, way, way_name = u[~loops], v[~loops], way[~loops], way_name[~loops]
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    key = lo * n_in + hi
    _, first = np.unique(key, return_index=True)
    dup = int(lo.size - first.size)
    first = np.sort(first)
    lo, hi, way, way_name = lo[first], hi[first], way[first], way_name[first]
    length = geodesic_m(lon[lo], lat[lo], lon[hi], lat[hi])

    # keep the largest connected component
    used = np.zeros(n_in, dtype=bool)
    used[lo] = True
    used[hi] = True
    graph = coo_array((np.ones(lo.size), (lo, hi)), shape=(n_in, n_in)).tocsr()
    n_comp, labels = connected_components(graph, directed=False)
    keep_node = used.copy()
    n_components = int(np.unique(labels[used]).size)
    if keep_largest_component and n_comp > 1:
        sizes = np.bincount(labels[used], minlength=n_comp)
        keep_node &= labels == int(np.argmax(sizes))
    keep_seg = keep_node[lo] & keep_node[hi]

    # new node order: Hilbert curve over the projected coordinates
    kept = np.flatnonzero(keep_node)
    epsg = utm_epsg(float(np.median(lon[kept])), float(np.median(lat[kept])))
    x, y = LocalProjection(epsg).forward(lon[kept], lat[kept])
    perm = kept[hilbert_order(x, y)]
    new_index = np.full(n_in, -1, dtype=np.int64)
    new_index[perm] = np.arange(perm.size)
    a = new_index[lo[keep_seg]]
    b = new_index[hi[keep_seg]]
    nu = np.minimum(a, b).astype(np.int32)
    nv = np.maximum(a, b).astype(np.int32)
    seg_len = length[keep_seg]
    seg_order = np.lexsort((nv, nu))
    nu, nv, seg_len = nu[seg_order], nv[seg_order], seg_len[seg_order]
    streets = None
    if with_ways:
        streets = street_index(
            nu,
            nv,
            seg_way=way[keep_seg][seg_order],
            seg_name=way_name[keep_seg][seg_order],
            names=names,
        )
    indptr, indices, weights = csr_from_segments(perm.size, nu, nv, seg_len)
    net = WalkNetwork(
        node_id=node_id[perm],
        lon=lon[perm],
        lat=lat[perm],
        seg_u=nu,
        seg_v=nv,
        seg_len=seg_len,
        indptr=indptr,
        indices=indices,
        weights=weights,
        epsg=epsg,
        source=source,
        streets=streets,
    )
    report = BuildReport(
        input_nodes=n_in,
        input_segments=m_in,
        self_loops=int(loops.sum()),
        duplicate_segments=dup,
        components=n_components,
        dropped_nodes=int(used.sum() - perm.size),
        dropped_segments=int((~keep_seg).sum()),
        dropped_length_m=float(length[~keep_seg].sum()),
    )
    return net, report


def network_from_arrays(
    *,
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    seg_u: NDArray[np.int32],
    seg_v: NDArray[np.int32],
    seg_len: NDArray[np.float64],
    node_id: NDArray[np.int64],
    epsg: int,
    source: str,
    streets: StreetIndex | None = None,
) -> WalkNetwork:
    """Reassemble a network from stored arrays (no pruning or reordering)."""
    indptr, indices, weights = csr_from_segments(lon.size, seg_u, seg_v, seg_len)
    return WalkNetwork(
        node_id=node_id,
        lon=lon,
        lat=lat,
        seg_u=seg_u,
        seg_v=seg_v,
        seg_len=seg_len,
        indptr=indptr,
        indices=indices,
        weights=weights,
        epsg=epsg,
        source=source,
        streets=streets,
    )
