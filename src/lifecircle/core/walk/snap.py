"""Snapping points to the nearest point on the nearest segment (never merely a node).

A point P attaches at S, its orthogonal projection onto the nearest straight segment in
the network's metric projection. The walk P-S is the geodesic between them, and S splits
its segment into two geodesic pieces, so a shop in the middle of a 300 m street is not
treated as standing at one of its ends (the error node-snapping tools make).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely

from lifecircle.core.walk.geodesy import geodesic_m
from lifecircle.core.walk.impedance import MAX_SNAP_M
from lifecircle.errors import ValidationError

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    from lifecircle.core.walk.network import WalkNetwork


@dataclass(frozen=True)
class Snapped:
    """Where each input point meets the network.

    Attributes
    ----------
    seg
        Segment index per point, ``-1`` when the point is farther than the snap limit.
    t
        Position of S along the segment from ``seg_u`` (0) to ``seg_v`` (1), planar.
    lon, lat
        WGS-84 degrees of S.
    offset_m
        Geodesic metres from the point to S (``nan`` when not snapped).
    to_u_m, to_v_m
        Geodesic metres from S to the segment's two ends.

    """

    seg: NDArray[np.int64]
    t: NDArray[np.float64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    offset_m: NDArray[np.float64]
    to_u_m: NDArray[np.float64]
    to_v_m: NDArray[np.float64]

    @property
    def ok(self) -> NDArray[np.bool_]:
        """True where the point was attached to the network."""
        return self.seg >= 0

    def __len__(self) -> int:
        return int(self.seg.shape[0])

    def take(self, index: NDArray[np.int64]) -> Snapped:
        """Subset of points, in the order of ``index``."""
        return Snapped(*(np.asarray(getattr(self, f))[index] for f in _FIELDS))

    @staticmethod
    def concat(parts: list[Snapped]) -> Snapped:
        """Points of several sets, one after the other."""
        return Snapped(*(np.concatenate([getattr(p, f) for p in parts]) for f in _FIELDS))


_FIELDS = ("seg", "t", "lon", "lat", "offset_m", "to_u_m", "to_v_m")


def _segment_tree(net: WalkNetwork) -> shapely.STRtree:
    tree = net._cache.get("segment_tree")  # noqa: SLF001 - the network owns its caches
    if not isinstance(tree, shapely.STRtree):
        x, y = net.projected_xy()
        coords = np.stack(
            [np.stack([x[net.seg_u], y[net.seg_u]], 1), np.stack([x[net.seg_v], y[net.seg_v]], 1)],
            axis=1,
        )
        tree = shapely.STRtree(shapely.linestrings(coords))
        net._cache["segment_tree"] = tree  # noqa: SLF001
    return tree


NEAR_M = 50.0
"""First search radius of :func:`_nearest_segments`, metres: most homes and shops stand
this close to a street, and a bounded candidate query is several times faster than a
nearest-neighbour one."""


def _segment_distance(
    net: WalkNetwork,
    px: NDArray[np.float64],
    py: NDArray[np.float64],
    seg: NDArray[np.int64],
) -> NDArray[np.float64]:
    """Planar distance from each point to the segment paired with it."""
    x, y = net.projected_xy()
    ax, ay = x[net.seg_u[seg]], y[net.seg_u[seg]]
    dx, dy = x[net.seg_v[seg]] - ax, y[net.seg_v[seg]] - ay
    len2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(len2 > 0, ((px - ax) * dx + (py - ay) * dy) / len2, 0.0)
    t = np.clip(t, 0.0, 1.0)
    return np.asarray(np.hypot(px - (ax + t * dx), py - (ay + t * dy)), dtype=np.float64)


def _nearest_segments(
    net: WalkNetwork, px: NDArray[np.float64], py: NDArray[np.float64], max_m: float
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The nearest segment of each point within ``max_m`` (planar metres).

    Candidates within :data:`NEAR_M` come from one bounded tree query and are ranked by
    exact point-segment distance; only the points with none that near go through the
    tree's nearest-neighbour search. Ties go to the lowest segment index.
    """
    tree = _segment_tree(net)
    pts = shapely.points(px, py)
    near = min(NEAR_M, max_m)
    pt, seg = tree.query(pts, predicate="dwithin", distance=near)
    pt, seg = pt.astype(np.int64), seg.astype(np.int64)
    dist = _segment_distance(net, px[pt], py[pt], seg)
    order = np.lexsort((seg, dist, pt))
    pt, seg = pt[order], seg[order]
    first = np.ones(pt.size, dtype=bool)
    first[1:] = pt[1:] != pt[:-1]
    pt, seg = pt[first], seg[first]
    rest = np.setdiff1d(np.arange(px.shape[0]), pt, assume_unique=True)
    if rest.size and max_m > near:
        r_pt, r_seg = tree.query_nearest(pts[rest], max_distance=max_m, all_matches=False)
        pt = np.concatenate([pt, rest[r_pt]])
        seg = np.concatenate([seg, r_seg.astype(np.int64)])
    return pt, seg


def snap_points(
    net: WalkNetwork, lon: ArrayLike, lat: ArrayLike, *, max_snap_m: float = MAX_SNAP_M
) -> Snapped:
    """Attach points to the nearest point of the nearest segment.

    Parameters
    ----------
    net
        The walking network.
    lon, lat
        WGS-84 degrees of the points.
    max_snap_m
        Points farther than this many metres from every segment are not attached
        (``seg == -1``); the caller reports them.

    Returns
    -------
    Snapped

    """
    if not max_snap_m > 0:
        raise ValidationError(f"max snap distance must be positive, got {max_snap_m}")
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    n = lon.shape[0]
    seg = np.full(n, -1, dtype=np.int64)
    t = np.full(n, np.nan)
    s_lon = np.full(n, np.nan)
    s_lat = np.full(n, np.nan)
    offset = np.full(n, np.nan)
    to_u = np.full(n, np.nan)
    to_v = np.full(n, np.nan)
    if n == 0:
        return Snapped(seg, t, s_lon, s_lat, offset, to_u, to_v)
    proj = net.projection()
    px, py = proj.forward(lon, lat)
    # UTM scale error is below 0.1 %: a 1 % margin never loses a point within the limit
    pt_idx, seg_idx = _nearest_segments(net, px, py, max_snap_m * 1.01 + 1.0)
    x, y = net.projected_xy()
    u = net.seg_u[seg_idx]
    v = net.seg_v[seg_idx]
    ax, ay, bx, by = x[u], y[u], x[v], y[v]
    dx, dy = bx - ax, by - ay
    len2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        tt = np.where(len2 > 0, ((px[pt_idx] - ax) * dx + (py[pt_idx] - ay) * dy) / len2, 0.0)
    tt = np.clip(tt, 0.0, 1.0)
    sl, sa = proj.inverse(ax + tt * dx, ay + tt * dy)
    # the ends are exact nodes: do not let the projection round trip move them
    sl = np.where(tt == 0.0, net.lon[u], np.where(tt == 1.0, net.lon[v], sl))
    sa = np.where(tt == 0.0, net.lat[u], np.where(tt == 1.0, net.lat[v], sa))
    off = geodesic_m(lon[pt_idx], lat[pt_idx], sl, sa)
    keep = off <= max_snap_m
    k = pt_idx[keep]
    seg[k] = seg_idx[keep]
    t[k] = tt[keep]
    s_lon[k] = sl[keep]
    s_lat[k] = sa[keep]
    offset[k] = off[keep]
    to_u[k] = geodesic_m(net.lon[u[keep]], net.lat[u[keep]], sl[keep], sa[keep])
    to_v[k] = geodesic_m(sl[keep], sa[keep], net.lon[v[keep]], net.lat[v[keep]])
    return Snapped(seg, t, s_lon, s_lat, offset, to_u, to_v)


def snap_nodes(net: WalkNetwork, nodes: NDArray[np.int64]) -> Snapped:
    """Points that stand exactly on network nodes (offset 0), for node-based queries."""
    nodes = np.asarray(nodes, dtype=np.int64)
    first = net.indptr[nodes]
    # any segment touching the node will do: pick one incident segment per node
    nb = net.indices[first].astype(np.int64)
    lo, hi = np.minimum(nodes, nb), np.maximum(nodes, nb)
    key = net.seg_u.astype(np.int64) * net.n_nodes + net.seg_v
    order = np.argsort(key)
    pos = order[np.searchsorted(key[order], lo * net.n_nodes + hi)]
    at_u = net.seg_u[pos] == nodes
    zeros = np.zeros(nodes.size)
    length = net.seg_len[pos]
    return Snapped(
        seg=pos.astype(np.int64),
        t=np.where(at_u, 0.0, 1.0),
        lon=net.lon[nodes],
        lat=net.lat[nodes],
        offset_m=zeros,
        to_u_m=np.where(at_u, 0.0, length),
        to_v_m=np.where(at_u, length, 0.0),
    )
