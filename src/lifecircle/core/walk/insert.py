"""Insert snapped points into the network as nodes, splitting their segments.

With origins and places inserted, every walk is a plain node-to-node shortest path, and
the awkward cases (an origin and a place on the same segment, several places on one
street) need no special code: the segment u-v holding points p1..pk in order becomes
u-p1-...-pk-v with geodesic piece lengths.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lifecircle.core.walk.geodesy import geodesic_m
from lifecircle.core.walk.network import WalkNetwork, csr_from_segments

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from lifecircle.core.walk.snap import Snapped

VIRTUAL_NODE_ID = -1
"""``node_id`` of inserted nodes (they have no id in the source data)."""


@dataclass(frozen=True)
class PointGraph:
    """A network with points inserted.

    Attributes
    ----------
    net
        The network with one extra node per snapped point (appended after the original
        nodes, so original node indices are unchanged).
    node
        Node index per input point, ``-1`` for points that were not snapped.
    offset_m
        Geodesic metres from each point to its node (``nan`` when not snapped).

    """

    net: WalkNetwork
    node: NDArray[np.int32]
    offset_m: NDArray[np.float64]


def insert_points(net: WalkNetwork, snapped: Snapped) -> PointGraph:
    """Split segments at snapped points and return the enlarged network."""
    n = net.n_nodes
    pts = np.flatnonzero(snapped.ok)
    pts = pts[np.lexsort((snapped.t[pts], snapped.seg[pts]))]
    k = pts.size
    node = np.full(len(snapped), -1, dtype=np.int32)
    new = np.arange(n, n + k, dtype=np.int64)
    node[pts] = new
    seg = snapped.seg[pts]
    first = np.ones(k, dtype=bool)
    first[1:] = seg[1:] != seg[:-1]
    last = np.ones(k, dtype=bool)
    last[:-1] = seg[1:] != seg[:-1]
    s_lon, s_lat = snapped.lon[pts], snapped.lat[pts]
    # u -> first point, point -> next point, last point -> v
    mid = np.flatnonzero(~first)
    pieces_u = np.concatenate([net.seg_u[seg[first]], new[mid - 1], new[last]])
    pieces_v = np.concatenate([new[first], new[mid], net.seg_v[seg[last]]])
    pieces_len = np.concatenate(
        [
            snapped.to_u_m[pts[first]],
            geodesic_m(s_lon[mid - 1], s_lat[mid - 1], s_lon[mid], s_lat[mid]),
            snapped.to_v_m[pts[last]],
        ]
    )
    keep = np.ones(net.n_segments, dtype=bool)
    keep[seg] = False
    seg_u = np.concatenate([net.seg_u[keep], pieces_u.astype(np.int32)])
    seg_v = np.concatenate([net.seg_v[keep], pieces_v.astype(np.int32)])
    seg_len = np.concatenate([net.seg_len[keep], pieces_len])
    lon = np.concatenate([net.lon, s_lon])
    lat = np.concatenate([net.lat, s_lat])
    indptr, indices, weights = csr_from_segments(n + k, seg_u, seg_v, seg_len)
    big = WalkNetwork(
        node_id=np.concatenate([net.node_id, np.full(k, VIRTUAL_NODE_ID, dtype=np.int64)]),
        lon=lon,
        lat=lat,
        seg_u=seg_u,
        seg_v=seg_v,
        seg_len=seg_len,
        indptr=indptr,
        indices=indices,
        weights=weights,
        epsg=net.epsg,
        source=net.source,
    )
    return PointGraph(net=big, node=node, offset_m=np.where(node >= 0, snapped.offset_m, np.nan))
