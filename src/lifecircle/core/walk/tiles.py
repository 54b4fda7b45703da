"""One large network cut into rectangular tiles with a halo, each searched on its own, exactly.

A province's network does not fit one worker comfortably, but a walk of at most
``limit_m`` metres never leaves a small neighbourhood of its start. So the plane (the
network's metric projection) is cut into rectangles; each tile answers for the origins
whose snapped point lies in its rectangle, on a subnetwork holding everything within a
*halo* of the rectangle. :func:`tile_accessibility` runs the exact engine
(:func:`~lifecircle.core.walk.access.accessibility`) on one tile and
:func:`assemble` puts the tiles' answers back in the origins' order: the result equals
the single-process one bit for bit (metres, counts, ``nan`` where nothing is in reach).

Why the halo makes every search exact
-------------------------------------
Let ``k`` bound the ratio of planar (projected) length to walking length over every
piece a walk can use: the network's segments (``planar / seg_len``) and the geodesic
pieces that snapped points cut from them (the projection's scale, measured on every
segment's chord; :func:`stretch`). A walk of length ``L`` from an origin's snapped
point ``S`` then never ends farther than ``k * L`` in the plane from ``S`` (the
straight line is the shortest plane curve, and each piece's chord is at most ``k``
times its length). Every node, inserted point and segment piece of any walk of length
``<= limit_m`` from an origin in rectangle ``R`` thus lies within
``halo = k * limit_m * 1.001 + 1`` metres of ``R`` (the margin covers float rounding
and the projection's round trip of ``S``).

A tile keeps every segment whose bounding box meets ``R`` grown by the halo on all
sides. This keeps each segment with a point within the halo, *including a long segment
that crosses the whole halo with both ends outside it*: a place snapped onto its middle
is still reached along the kept segment, so no "enlarge by the longest edge" is needed.
The tile's subnetwork is a subgraph of the full one that holds every walk of length
``<= limit_m`` from its origins, so the bounded search finds the same minimum.

Same floats, not merely close ones: the subnetwork keeps the original segment lengths
(``seg_len``, never recomputed), and every snapped point on a kept segment, origin of
any tile or place, is inserted into the tile as it is into the whole network (an origin
of another tile merely splits its segment and gets no answer). So each kept segment is
split into the same geodesic pieces in the same order, and every walk is the same sum
of the same floats, added in the same order. Places are searched in every tile whose
kept segments carry them (a superset of those within the halo: harmless, since a place
that reaches an origin of the tile within the limit lies in the halo anyway).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from lifecircle.core.walk.access import AccessResult, accessibility
from lifecircle.core.walk.geodesy import geodesic_m
from lifecircle.core.walk.network import WalkNetwork, network_from_arrays
from lifecircle.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from numpy.typing import ArrayLike, NDArray

    from lifecircle.core.walk.snap import Snapped

HALO_MARGIN = 1.001
"""Relative margin on the halo (float rounding, the projection's round trip)."""
HALO_SLACK_M = 1.0
"""Absolute margin on the halo, metres."""


@dataclass(frozen=True)
class TileGrid:
    """Rectangles that cover the whole plane: columns, each cut into rows of its own.

    Attributes
    ----------
    x_edges
        ``cols + 1`` column borders in projected metres; the first is ``-inf`` and the
        last ``+inf``, so every point falls in exactly one column.
    y_edges
        ``(cols, rows + 1)`` row borders of each column, ``-inf`` and ``+inf`` outside.

    A point on a border belongs to the tile above or right of it (``searchsorted``
    with ``side="right"``), so it is in exactly one tile.

    """

    x_edges: NDArray[np.float64]
    y_edges: NDArray[np.float64]

    @property
    def cols(self) -> int:
        """Number of columns."""
        return int(self.x_edges.size - 1)

    @property
    def rows(self) -> int:
        """Rows per column."""
        return int(self.y_edges.shape[1] - 1)

    @property
    def n_tiles(self) -> int:
        """Number of tiles (``cols * rows``; tile ``c * rows + r``)."""
        return self.cols * self.rows

    def tile_of(self, x: ArrayLike, y: ArrayLike) -> NDArray[np.int64]:
        """The tile of each point (projected metres)."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        col = np.clip(np.searchsorted(self.x_edges, x, side="right") - 1, 0, self.cols - 1)
        row = np.empty(x.shape, dtype=np.int64)
        for c in range(self.cols):
            here = col == c
            row[here] = np.searchsorted(self.y_edges[c], y[here], side="right") - 1
        return np.asarray(col * self.rows + np.clip(row, 0, self.rows - 1), dtype=np.int64)

    def rect(self, tile: int) -> tuple[float, float, float, float]:
        """``(x0, y0, x1, y1)`` of a tile (infinite on the outer sides)."""
        c, r = divmod(int(tile), self.rows)
        return (
            float(self.x_edges[c]),
            float(self.y_edges[c, r]),
            float(self.x_edges[c + 1]),
            float(self.y_edges[c, r + 1]),
        )


def _open(edges: ArrayLike) -> NDArray[np.float64]:
    """Inner borders with ``-inf`` and ``+inf`` added at the ends."""
    inner = np.asarray(edges, dtype=np.float64)
    return np.concatenate([np.array([-np.inf]), inner, np.array([np.inf])])


def tile_grid(
    net: WalkNetwork, *, tile_nodes: int | None = None, tile_m: float | None = None
) -> TileGrid:
    """Rectangular tiles over a network: about ``tile_nodes`` nodes each, or ``tile_m`` wide.

    Parameters
    ----------
    net
        The network (its projected node coordinates are used).
    tile_nodes
        Wanted nodes per tile: columns cut at quantiles of the nodes' x, then each
        column's rows at quantiles of its nodes' y, so dense and sparse parts get tiles
        of similar work.
    tile_m
        Side of square tiles in metres (a regular grid from the network's corner).
        Exactly one of ``tile_nodes`` and ``tile_m`` is given.

    Returns
    -------
    TileGrid

    """
    if (tile_nodes is None) == (tile_m is None):
        raise ValidationError("give exactly one of tile_nodes and tile_m", field="tile_nodes")
    x, y = net.projected_xy()
    if tile_m is not None:
        if not (math.isfinite(tile_m) and tile_m > 0):
            raise ValidationError(f"tile_m must be positive metres, got {tile_m}", field="tile_m")
        cols = max(1, math.ceil(float(np.ptp(x)) / tile_m))
        rows = max(1, math.ceil(float(np.ptp(y)) / tile_m))
        xe = _open(float(x.min()) + tile_m * np.arange(1, cols))
        ye = _open(float(y.min()) + tile_m * np.arange(1, rows))
        return TileGrid(x_edges=xe, y_edges=np.tile(ye, (cols, 1)))
    assert tile_nodes is not None
    if tile_nodes < 1:
        raise ValidationError(
            f"tile_nodes must be at least 1, got {tile_nodes}", field="tile_nodes"
        )
    n_tiles = max(1, math.ceil(net.n_nodes / tile_nodes))
    cols = max(1, math.ceil(math.sqrt(n_tiles)))
    rows = max(1, math.ceil(n_tiles / cols))
    xe = _open(np.quantile(x, np.arange(1, cols) / cols)) if cols > 1 else _open(np.zeros(0))
    col = np.clip(np.searchsorted(xe, x, side="right") - 1, 0, cols - 1)
    ye = np.empty((cols, rows + 1))
    for c in range(cols):
        yc = y[col == c]
        yc = yc if yc.size else y  # an empty column (repeated x quantiles) takes the rows of all
        inner = np.quantile(yc, np.arange(1, rows) / rows) if rows > 1 else []
        ye[c] = _open(np.asarray(inner, dtype=np.float64))
    return TileGrid(x_edges=xe, y_edges=ye)


def stretch(net: WalkNetwork) -> float:
    """Bound ``k`` on planar length / walking length of any piece of a walk (at least 1).

    The larger of the segments' ``planar / seg_len`` (lengths may come from a source
    that is not the geometry) and ``planar / geodesic`` of their chords (the projection's
    scale, which also governs the geodesic pieces that snapped points cut).
    """
    cached = net._cache.get("stretch")  # noqa: SLF001 - the network owns its caches
    if isinstance(cached, float):
        return cached
    x, y = net.projected_xy()
    u, v = net.seg_u, net.seg_v
    planar = np.hypot(x[v] - x[u], y[v] - y[u])
    geo = geodesic_m(net.lon[u], net.lat[u], net.lon[v], net.lat[v])
    k = 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        for walk in (net.seg_len, geo):
            ratio = np.where(walk > 0, planar / walk, np.where(planar > 0, np.inf, 1.0))
            k = max(k, float(ratio.max(initial=1.0)))
    if not math.isfinite(k):
        raise ValidationError("a segment of zero length joins two distinct points", field="seg_len")
    net._cache["stretch"] = k  # noqa: SLF001
    return k


def limits_of(limit_m: float | ArrayLike, n_categories: int) -> NDArray[np.float64]:
    """One limit per category, metres, checked as :func:`accessibility` checks them."""
    limits = np.broadcast_to(np.asarray(limit_m, dtype=np.float64), (n_categories,)).copy()
    if np.any(~np.isfinite(limits)) or np.any(limits < 0):
        raise ValidationError("limits must be finite, non-negative metres", field="limit_m")
    return limits


def halo_m(net: WalkNetwork, limit_m: float) -> float:
    """Halo around each tile, metres: farther than any walk of ``limit_m`` can get."""
    return stretch(net) * float(limit_m) * HALO_MARGIN + HALO_SLACK_M


@dataclass(frozen=True)
class Tile:
    """One tile's inputs: a subnetwork (original lengths) and the snapped points on it.

    Attributes
    ----------
    index
        Tile number in its :class:`TileGrid`.
    lon, lat, node_id
        The subnetwork's nodes (a subset of the network's, in the network's order).
    seg_u, seg_v, seg_len
        Its segments in the network's order and orientation, with the network's lengths.
    epsg, source
        As the network's.
    origin_index
        Index (into the full origins) of every origin on a kept segment.
    origins
        Those origins' snaps, segments renumbered to the subnetwork.
    owned
        Which of them this tile answers for (their snapped point lies in its rectangle).
    place_index, places
        The same for places (all of them are searched).
    place_category
        Category code of each of those places.
    core_nodes
        Nodes of the network inside the rectangle (the rest of ``lon`` is halo).

    """

    index: int
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    node_id: NDArray[np.int64]
    seg_u: NDArray[np.int32]
    seg_v: NDArray[np.int32]
    seg_len: NDArray[np.float64]
    epsg: int
    source: str
    origin_index: NDArray[np.int64]
    origins: Snapped
    owned: NDArray[np.bool_]
    place_index: NDArray[np.int64]
    places: Snapped
    place_category: NDArray[np.int64]
    core_nodes: int

    @property
    def n_nodes(self) -> int:
        """Nodes of the subnetwork, halo included."""
        return int(self.lon.size)

    def network(self) -> WalkNetwork:
        """The subnetwork (its CSR built here, so the cutter never pays for it)."""
        return network_from_arrays(
            lon=self.lon,
            lat=self.lat,
            seg_u=self.seg_u,
            seg_v=self.seg_v,
            seg_len=self.seg_len,
            node_id=self.node_id,
            epsg=self.epsg,
            source=f"{self.source} [tile {self.index}]",
        )


def _projected(net: WalkNetwork, snapped: Snapped) -> tuple[NDArray[np.float64], ...]:
    x, y = net.projection().forward(snapped.lon, snapped.lat)
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def _segment_tiles(
    net: WalkNetwork, grid: TileGrid, halo: float
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """``(tile, segment)`` pairs: each segment whose bounding box meets a grown tile."""
    x, y = net.projected_xy()
    u, v = net.seg_u, net.seg_v
    x0, x1 = np.minimum(x[u], x[v]) - halo, np.maximum(x[u], x[v]) + halo
    y0, y1 = np.minimum(y[u], y[v]) - halo, np.maximum(y[u], y[v]) + halo
    # columns [c0, c1] that meet [x0, x1] (a box touching a border counts on both sides)
    c0 = np.clip(np.searchsorted(grid.x_edges, x0, side="right") - 1, 0, grid.cols - 1)
    c1 = np.clip(np.searchsorted(grid.x_edges, x1, side="right") - 1, 0, grid.cols - 1)
    span = c1 - c0 + 1
    seg = np.repeat(np.arange(u.size, dtype=np.int64), span)
    start = np.repeat(np.cumsum(span) - span, span)
    col = np.repeat(c0, span) + (np.arange(seg.size) - start)
    tiles, segs = [], []
    for c in range(grid.cols):
        s = seg[col == c]
        ye = grid.y_edges[c]
        r0 = np.clip(np.searchsorted(ye, y0[s], side="right") - 1, 0, grid.rows - 1)
        r1 = np.clip(np.searchsorted(ye, y1[s], side="right") - 1, 0, grid.rows - 1)
        rspan = r1 - r0 + 1
        rs = np.repeat(s, rspan)
        rstart = np.repeat(np.cumsum(rspan) - rspan, rspan)
        row = np.repeat(r0, rspan) + (np.arange(rs.size) - rstart)
        tiles.append(c * grid.rows + row)
        segs.append(rs)
    tile = np.concatenate(tiles) if tiles else np.zeros(0, dtype=np.int64)
    segment = np.concatenate(segs) if segs else np.zeros(0, dtype=np.int64)
    order = np.lexsort((segment, tile))
    return tile[order], segment[order]


def cut_tiles(
    net: WalkNetwork,
    *,
    origins: Snapped,
    places: Snapped,
    place_category: ArrayLike,
    limit_m: float | ArrayLike,
    grid: TileGrid,
) -> Iterator[Tile]:
    """The tiles of ``grid`` with their halo of the longest limit, one at a time.

    Tiles with no origin of their own are skipped. Every snapped origin is owned by
    exactly one tile; unsnapped ones by none (their answer is ``nan`` and zero counts).
    Arguments are those of :func:`~lifecircle.core.walk.access.accessibility`, plus the
    ``grid`` (:func:`tile_grid`).
    """
    category = np.asarray(place_category, dtype=np.int64)
    if category.shape != (len(places),):
        raise ValidationError("place_category needs one code per place", field="place_category")
    limit = float(limits_of(limit_m, np.size(limit_m)).max(initial=0.0))
    halo = halo_m(net, limit)
    pair_tile, pair_seg = _segment_tiles(net, grid, halo)
    bounds = np.searchsorted(pair_tile, np.arange(grid.n_tiles + 1))
    x, y = net.projected_xy()
    node_tile = grid.tile_of(x, y)
    core = np.bincount(node_tile, minlength=grid.n_tiles)
    ox, oy = _projected(net, origins)
    o_ok = origins.ok
    o_tile = np.full(len(origins), -1, dtype=np.int64)
    o_tile[o_ok] = grid.tile_of(ox[o_ok], oy[o_ok])
    has_origin = np.bincount(o_tile[o_ok], minlength=grid.n_tiles) > 0
    p_ok = places.ok
    new_node = np.full(net.n_nodes, -1, dtype=np.int64)
    new_seg = np.full(net.n_segments, -1, dtype=np.int64)
    for t in np.flatnonzero(has_origin):
        segs = pair_seg[bounds[t] : bounds[t + 1]]  # sorted: the network's order
        nodes = np.unique(np.concatenate([net.seg_u[segs], net.seg_v[segs]]))
        new_node[nodes] = np.arange(nodes.size)
        new_seg[segs] = np.arange(segs.size)
        oi = np.flatnonzero(o_ok & (new_seg[np.maximum(origins.seg, 0)] >= 0))
        pi = np.flatnonzero(p_ok & (new_seg[np.maximum(places.seg, 0)] >= 0))
        o_sub, p_sub = origins.take(oi), places.take(pi)
        yield Tile(
            index=int(t),
            lon=net.lon[nodes],
            lat=net.lat[nodes],
            node_id=net.node_id[nodes],
            seg_u=new_node[net.seg_u[segs]].astype(np.int32),
            seg_v=new_node[net.seg_v[segs]].astype(np.int32),
            seg_len=net.seg_len[segs],
            epsg=net.epsg,
            source=net.source,
            origin_index=oi.astype(np.int64),
            origins=replace(o_sub, seg=new_seg[o_sub.seg]),
            owned=o_tile[oi] == t,
            place_index=pi.astype(np.int64),
            places=replace(p_sub, seg=new_seg[p_sub.seg]),
            place_category=category[pi],
            core_nodes=int(core[t]),
        )
        new_node[nodes] = -1
        new_seg[segs] = -1


@dataclass(frozen=True)
class TileAnswer:
    """One tile's answer for the origins it owns.

    Attributes
    ----------
    index
        Tile number.
    origin
        Index into the full origins of each owned origin.
    metres, counts
        Their rows of :class:`~lifecircle.core.walk.access.AccessResult`.
    nodes, core_nodes
        Nodes of the tile's subnetwork and of its rectangle (halo = the difference).

    """

    index: int
    origin: NDArray[np.int64]
    metres: NDArray[np.float64]
    counts: NDArray[np.int32]
    nodes: int
    core_nodes: int


def tile_accessibility(
    tile: Tile,
    *,
    categories: Sequence[str],
    limit_m: float | ArrayLike,
    workers: int | None = None,
    with_counts: bool = True,
) -> TileAnswer:
    """The exact engine (:func:`accessibility`) on one tile, for the origins it owns."""
    res = accessibility(
        tile.network(),
        origins=tile.origins,
        places=tile.places,
        place_category=tile.place_category,
        categories=categories,
        limit_m=limit_m,
        workers=workers,
        with_counts=with_counts,
    )
    own = np.flatnonzero(tile.owned)
    return TileAnswer(
        index=tile.index,
        origin=tile.origin_index[own],
        metres=res.metres[own],
        counts=res.counts[own],
        nodes=tile.n_nodes,
        core_nodes=tile.core_nodes,
    )


def assemble(
    answers: Iterable[TileAnswer],
    *,
    origins: Snapped,
    categories: Sequence[str],
    limit_m: float | ArrayLike,
) -> AccessResult:
    """The tiles' answers in the origins' order, as the single-process result."""
    n_cat = len(categories)
    metres = np.full((len(origins), n_cat), np.nan)
    counts = np.zeros((len(origins), n_cat), dtype=np.int32)
    seen = np.zeros(len(origins), dtype=bool)
    for a in answers:
        if seen[a.origin].any():
            raise ValidationError(f"tile {a.index} answers for an origin already answered")
        seen[a.origin] = True
        metres[a.origin] = a.metres
        counts[a.origin] = a.counts
    if np.any(seen != origins.ok):
        raise ValidationError("the tiles left some snapped origins without an answer")
    return AccessResult(
        categories=tuple(categories),
        limit_m=limits_of(limit_m, n_cat),
        metres=metres,
        counts=counts,
        origin_ok=origins.ok.copy(),
    )
