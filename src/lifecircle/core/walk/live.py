"""Places kept snapped for repeated "near me" queries, and changed without re-snapping the rest.

:func:`~lifecircle.core.walk.reach.reach` inserts the origin and every place into the
network before each search, which is right for one query and far too slow for a
service: it rebuilds the adjacency of the whole city. Here the places are snapped once
and *attached* to the two ends of their segment instead, so a query only snaps its
origin and runs one bounded search from the origin's two segment ends:

* a place P on segment u-v is reached through u at ``d(u) + |u S_P| + |S_P P|`` and
  through v at ``d(v) + |S_P v| + |S_P P|``;
* a place on the origin's own segment is also reached directly, at
  ``|O S_O| + |S_O S_P| + |S_P P|`` with ``|S_O S_P| = | |u S_P| - |u S_O| |``;

the shortest of these is the walk :func:`reach` measures on the network with both
points inserted (the two agree to well under a millimetre: the pieces of a split
segment are geodesics between points of one straight line).

Places live in *slots*: the caller maps its own ids to slot numbers and may reuse the
slot of a removed place. :meth:`PlaceIndex.changed` takes the slots added, moved or
removed and snaps nothing itself: the caller snaps only the points that moved or are new.
Slots changed since the last compaction sit in a short ``extra`` list the kernel scans
after the search; when it grows past :data:`COMPACT_AFTER` the attachments are rebuilt
from the stored snaps (sorting, no snapping).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numba as nb
import numpy as np
import shapely

from lifecircle.core.walk.access import Router
from lifecircle.core.walk.reach import ISOCHRONE_BUFFER_M, isochrone_polygon
from lifecircle.core.walk.snap import Snapped
from lifecircle.errors import ValidationError

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from lifecircle.core.walk.network import WalkNetwork

COMPACT_AFTER = 512
"""Changed slots the kernel scans one by one before the attachments are rebuilt."""


def _empty_snaps(n: int) -> Snapped:
    nan = np.full(n, np.nan)
    return Snapped(
        np.full(n, -1, dtype=np.int64),
        nan.copy(),
        nan.copy(),
        nan.copy(),
        nan.copy(),
        nan.copy(),
        nan.copy(),
    )


def _grown(snaps: Snapped, capacity: int) -> Snapped:
    """A copy of ``snaps`` with at least ``capacity`` slots (new ones empty)."""
    n = len(snaps)
    if capacity <= n:
        return snaps.take(np.arange(n, dtype=np.int64))
    return Snapped.concat([snaps, _empty_snaps(capacity - n)])


@dataclass(frozen=True, eq=False)
class PlaceIndex:
    """Snapped places attached to the ends of their segments, by slot.

    Attributes
    ----------
    net
        The network.
    slots
        One snap per slot; ``seg == -1`` for an empty slot or a place farther than the
        snap limit from every street (never found).
    base_ptr, base_slot, base_off
        Attachments at the last compaction, by node: node ``i`` holds the slots
        ``base_slot[base_ptr[i]:base_ptr[i+1]]``, each ``base_off`` metres away (along
        the segment to the snap point, then to the place).
    seg_ptr, seg_slot
        The same slots by segment, for walks along the origin's own segment.
    base_ok
        Per slot: its attachments above still hold (not moved or removed since).
    extra
        Slots placed since the last compaction (scanned one by one).

    """

    net: WalkNetwork
    slots: Snapped
    base_ptr: NDArray[np.int64]
    base_slot: NDArray[np.int32]
    base_off: NDArray[np.float64]
    seg_ptr: NDArray[np.int64]
    seg_slot: NDArray[np.int32]
    base_ok: NDArray[np.bool_]
    extra: NDArray[np.int32]

    @property
    def capacity(self) -> int:
        """Number of slots (placed or not)."""
        return len(self.slots)

    @property
    def n_placed(self) -> int:
        """Slots holding a place attached to the network."""
        return int(np.count_nonzero(self.slots.seg >= 0))

    def changed(
        self,
        *,
        slot: NDArray[np.int64],
        snapped: Snapped,
        removed: NDArray[np.int64] | None = None,
    ) -> PlaceIndex:
        """A new index with slots (re)placed and others emptied; this one is unchanged.

        Parameters
        ----------
        slot
            Slots that get a new snap (a new place, or one that moved); slots past the
            capacity grow it.
        snapped
            The snap of each of ``slot`` (an unsnapped point empties its slot).
        removed
            Slots to empty (removed places).

        Returns
        -------
        PlaceIndex
            Sharing the attachments of this one; compacted when the changed slots since
            the last compaction exceed :data:`COMPACT_AFTER`.

        """
        slot = np.asarray(slot, dtype=np.int64)
        gone = np.zeros(0, np.int64) if removed is None else np.asarray(removed, np.int64)
        if slot.size != len(snapped):
            raise ValidationError("one snap per changed slot is needed")
        if (slot.size and slot.min() < 0) or (gone.size and gone.min() < 0):
            raise ValidationError("slots are non-negative")
        top = int(max(slot.max(initial=-1), gone.max(initial=-1))) + 1
        slots = _grown(self.slots, max(self.capacity, top))
        for name in ("seg", "t", "lon", "lat", "offset_m", "to_u_m", "to_v_m"):
            column = getattr(slots, name)
            column[gone] = -1 if name == "seg" else np.nan
            column[slot] = getattr(snapped, name)
        base_ok = np.zeros(len(slots), dtype=bool)
        base_ok[: self.base_ok.size] = self.base_ok
        base_ok[slot] = False
        base_ok[gone] = False
        touched = np.union1d(slot, gone)
        kept = self.extra[~np.isin(self.extra, touched)]
        added = slot[snapped.seg >= 0].astype(np.int32)
        extra = np.unique(np.concatenate([kept, added])).astype(np.int32)
        if extra.size > COMPACT_AFTER:
            return index_places(self.net, slots)
        return PlaceIndex(
            net=self.net,
            slots=slots,
            base_ptr=self.base_ptr,
            base_slot=self.base_slot,
            base_off=self.base_off,
            seg_ptr=self.seg_ptr,
            seg_slot=self.seg_slot,
            base_ok=base_ok,
            extra=extra,
        )


def _csr(keys: NDArray[np.int64], n: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Row pointer of ``keys`` grouped into ``n`` rows, and the order that groups them."""
    order = np.argsort(keys, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=ptr[1:])
    return ptr, order


def index_places(net: WalkNetwork, snapped: Snapped) -> PlaceIndex:
    """Attach snapped places (slot ``i`` is ``snapped[i]``) to the ends of their segments.

    Parameters
    ----------
    net
        The network the places were snapped to.
    snapped
        One snap per slot, from :func:`~lifecircle.core.walk.snap.snap_points`.

    Returns
    -------
    PlaceIndex

    """
    ok = np.flatnonzero(snapped.seg >= 0)
    seg = snapped.seg[ok]
    off = snapped.offset_m[ok]
    nodes = np.concatenate([net.seg_u[seg], net.seg_v[seg]]).astype(np.int64)
    ptr, order = _csr(nodes, net.n_nodes)
    slot2 = np.concatenate([ok, ok])[order].astype(np.int32)
    off2 = np.concatenate([off + snapped.to_u_m[ok], off + snapped.to_v_m[ok]])[order]
    seg_ptr, seg_order = _csr(seg, net.n_segments)
    base_ok = np.zeros(len(snapped), dtype=bool)
    base_ok[ok] = True
    return PlaceIndex(
        net=net,
        slots=snapped,
        base_ptr=ptr,
        base_slot=slot2,
        base_off=np.ascontiguousarray(off2),
        seg_ptr=seg_ptr,
        seg_slot=ok[seg_order].astype(np.int32),
        base_ok=base_ok,
        extra=np.zeros(0, dtype=np.int32),
    )


@nb.njit(nogil=True, cache=True, boundscheck=False)
def _consider(
    slot: int,
    d: float,
    gen: int,
    slot_stamp: NDArray[np.int32],
    best: NDArray[np.float64],
    out_slot: NDArray[np.int32],
    m: int,
) -> int:
    """Record ``d`` for ``slot`` if it is its first or a shorter walk; returns the count."""
    if slot_stamp[slot] != gen:
        slot_stamp[slot] = gen
        best[slot] = d
        out_slot[m] = slot
        return m + 1
    best[slot] = min(best[slot], d)
    return m


@nb.njit(nogil=True, cache=True, boundscheck=False)
def _collect(
    reached: NDArray[np.int32],
    n_reached: int,
    dist: NDArray[np.float64],
    stamp: NDArray[np.int32],
    gen: int,
    limit: float,
    index_arrays: tuple[
        NDArray[np.int64],
        NDArray[np.int32],
        NDArray[np.float64],
        NDArray[np.int64],
        NDArray[np.int32],
        NDArray[np.bool_],
        NDArray[np.int32],
    ],
    slot_arrays: tuple[
        NDArray[np.int64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]
    ],
    seg_u: NDArray[np.int32],
    seg_v: NDArray[np.int32],
    origin: tuple[int, float, float],
    slot_stamp: NDArray[np.int32],
    best: NDArray[np.float64],
    out_slot: NDArray[np.int32],
) -> int:
    """Slots within ``limit`` after a search: attachments, changed slots, own segment."""
    base_ptr, base_slot, base_off, seg_ptr, seg_slot, base_ok, extra = index_arrays
    s_seg, s_off, s_to_u, s_to_v = slot_arrays
    o_seg, o_off, o_to_u = origin
    m = 0
    for i in range(n_reached):
        v = reached[i]
        for k in range(base_ptr[v], base_ptr[v + 1]):
            s = base_slot[k]
            d = dist[v] + base_off[k]
            if base_ok[s] and d <= limit:
                m = _consider(s, d, gen, slot_stamp, best, out_slot, m)
    for j in range(extra.shape[0]):
        s = extra[j]
        g = s_seg[s]
        u = seg_u[g]
        w = seg_v[g]
        if stamp[u] == gen:
            d = dist[u] + s_to_u[s] + s_off[s]
            if d <= limit:
                m = _consider(s, d, gen, slot_stamp, best, out_slot, m)
        if stamp[w] == gen:
            d = dist[w] + s_to_v[s] + s_off[s]
            if d <= limit:
                m = _consider(s, d, gen, slot_stamp, best, out_slot, m)
        if g == o_seg:
            d = o_off + abs(s_to_u[s] - o_to_u) + s_off[s]
            if d <= limit:
                m = _consider(s, d, gen, slot_stamp, best, out_slot, m)
    if o_seg >= 0:
        for k in range(seg_ptr[o_seg], seg_ptr[o_seg + 1]):
            s = seg_slot[k]
            d = o_off + abs(s_to_u[s] - o_to_u) + s_off[s]
            if base_ok[s] and d <= limit:
                m = _consider(s, d, gen, slot_stamp, best, out_slot, m)
    return m


class Searcher:
    """Scratch memory for repeated queries on one network; not thread-safe.

    The bounded searches are a :class:`~lifecircle.core.walk.access.Router`'s (its scratch,
    generations and kernel); this adds the slot stamps that collect places without
    clearing slot-sized arrays between queries.
    """

    def __init__(self, net: WalkNetwork) -> None:
        self.net = net
        self.router = Router(net)
        self.slot_stamp = np.zeros(0, dtype=np.int32)
        self.best = np.empty(0, dtype=np.float64)
        self.out_slot = np.empty(0, dtype=np.int32)
        self._origin: tuple[int, float, float] = (-1, 0.0, 0.0)

    @property
    def dist(self) -> NDArray[np.float64]:
        """Metres of each node reached by the last search (valid where ``stamp == gen``)."""
        return self.router.dist

    @property
    def stamp(self) -> NDArray[np.int32]:
        """Generation that last reached each node."""
        return self.router.stamp

    @property
    def pred(self) -> NDArray[np.int32]:
        """Predecessor of each reached node (``-1`` at a seed)."""
        return self.router.pred

    @property
    def reached(self) -> NDArray[np.int32]:
        """Nodes reached by the last search (the first ``n_reached``)."""
        return self.router.reached

    @property
    def gen(self) -> int:
        """The last search's generation."""
        return self.router.gen

    @property
    def n_reached(self) -> int:
        """How many nodes the last search reached."""
        return self.router.n_reached

    def _seeds(self, origin: Snapped) -> tuple[NDArray[np.int32], NDArray[np.float64]]:
        if len(origin) != 1 or not bool(origin.ok[0]):
            raise ValidationError("the origin is farther from every street than the snap limit")
        g = int(origin.seg[0])
        off = float(origin.offset_m[0])
        self._origin = (g, off, float(origin.to_u_m[0]))
        seeds = np.array([self.net.seg_u[g], self.net.seg_v[g]], dtype=np.int32)
        return seeds, np.array([off + origin.to_u_m[0], off + origin.to_v_m[0]])

    def search(
        self, origin: Snapped, limit_m: float
    ) -> tuple[NDArray[np.int32], NDArray[np.float64]]:
        """Nodes within ``limit_m`` of a snapped origin and their metres (no order)."""
        if not (np.isfinite(limit_m) and limit_m >= 0):
            raise ValidationError("the walking limit must be finite, non-negative metres")
        seeds, seed_dist = self._seeds(origin)
        before = self.router.gen
        found = self.router.search(seeds, seed_dist, float(limit_m))
        if self.router.gen <= before:  # pragma: no cover - generations wrapped (2**31 searches)
            self.slot_stamp[:] = 0
        return found

    def near(
        self, index: PlaceIndex, origin: Snapped, limit_m: float
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Slots within ``limit_m`` walking metres of the origin point, nearest first.

        Parameters
        ----------
        index
            The places (on this searcher's network).
        origin
            The origin, snapped (one point).
        limit_m
            Walking limit, metres, counted from the origin point itself.

        Returns
        -------
        (slots, metres)
            Ties keep slot order.

        """
        if index.net is not self.net:
            raise ValidationError("the index and the searcher are on different networks")
        cap = index.capacity
        if self.slot_stamp.size < cap:
            grow = max(cap, 2 * self.slot_stamp.size)
            self.slot_stamp = np.zeros(grow, dtype=np.int32)
            self.best = np.empty(grow, dtype=np.float64)
            self.out_slot = np.empty(grow, dtype=np.int32)
        self.search(origin, limit_m)
        s = index.slots
        m = _collect(
            self.reached,
            self.n_reached,
            self.dist,
            self.stamp,
            self.gen,
            float(limit_m),
            (
                index.base_ptr,
                index.base_slot,
                index.base_off,
                index.seg_ptr,
                index.seg_slot,
                index.base_ok,
                index.extra,
            ),
            (s.seg, s.offset_m, s.to_u_m, s.to_v_m),
            self.net.seg_u,
            self.net.seg_v,
            self._origin,
            self.slot_stamp,
            self.best,
            self.out_slot,
        )
        slots = self.out_slot[:m].astype(np.int64)
        metres = self.best[slots]
        order = np.lexsort((slots, metres))
        return slots[order], metres[order]

    def path(self, index: PlaceIndex, slot: int) -> tuple[float, NDArray[np.int32] | None]:
        """The walk to ``slot`` found by the last :meth:`search` or :meth:`near`.

        Returns
        -------
        (metres, nodes)
            Metres from the origin point to the place, and the network nodes walked
            from the origin's segment end to the place's (``None``: straight along the
            origin's own segment); ``inf`` and ``None`` when the search did not reach it.

        """
        s = index.slots
        g = int(s.seg[slot])
        if g < 0:
            return float("inf"), None
        o_seg, o_off, o_to_u = self._origin
        off = float(s.offset_m[slot])
        best = float("inf")
        via: int | None = None
        if g == o_seg:
            best = o_off + abs(float(s.to_u_m[slot]) - o_to_u) + off
        for node, along in (
            (self.net.seg_u[g], s.to_u_m[slot]),
            (self.net.seg_v[g], s.to_v_m[slot]),
        ):
            if self.stamp[node] == self.gen and self.dist[node] + along + off < best:
                best = float(self.dist[node] + along + off)
                via = int(node)
        if via is None:
            return best, None
        nodes = [via]
        while self.pred[nodes[-1]] >= 0:
            nodes.append(int(self.pred[nodes[-1]]))
        return best, np.asarray(nodes[::-1], dtype=np.int32)


def route_coordinates(
    index: PlaceIndex,
    *,
    origin: Snapped,
    origin_lon: float,
    origin_lat: float,
    slot: int,
    place_lon: float,
    place_lat: float,
    nodes: NDArray[np.int32] | None,
) -> NDArray[np.float64]:
    """The walk as ``(k, 2)`` lon/lat: origin, its street, the nodes, the place's street, the place.

    Consecutive repeats (a point snapped onto a node) are dropped.
    """
    net = index.net
    pts = [(origin_lon, origin_lat), (float(origin.lon[0]), float(origin.lat[0]))]
    if nodes is not None:
        pts += list(zip(net.lon[nodes].tolist(), net.lat[nodes].tolist(), strict=True))
    pts += [(float(index.slots.lon[slot]), float(index.slots.lat[slot])), (place_lon, place_lat)]
    coords = np.asarray(pts, dtype=np.float64)
    keep = np.ones(coords.shape[0], dtype=bool)
    keep[1:] = np.any(coords[1:] != coords[:-1], axis=1)
    return coords[keep]


def isochrone_from(
    net: WalkNetwork,
    *,
    origin: Snapped,
    reached: NDArray[np.int32],
    metres: NDArray[np.float64],
    limit_m: float,
    buffer_m: float = ISOCHRONE_BUFFER_M,
) -> shapely.Geometry:
    """The area reachable within ``limit_m`` of a snapped origin, from a search of its ends.

    :func:`~lifecircle.core.walk.reach.isochrone_polygon` draws what the walker covers
    from the reached nodes; the origin's own segment is added from the snap point both
    ways (as far as the time left after reaching the street allows), which the ends alone
    would miss when they lie beyond the limit. WGS-84 degrees.
    """
    area = isochrone_polygon(
        net, reached=reached, metres=metres, limit_m=limit_m, buffer_m=buffer_m
    )
    left = limit_m - float(origin.offset_m[0])
    if left <= 0:
        return area
    g = int(origin.seg[0])
    x, y = net.projected_xy()
    ax, ay = x[net.seg_u[g]], y[net.seg_u[g]]
    bx, by = x[net.seg_v[g]], y[net.seg_v[g]]
    length = float(net.seg_len[g]) or 1.0
    t = float(origin.t[0])
    reach_t = left / length
    t0, t1 = max(0.0, t - reach_t), min(1.0, t + reach_t)
    piece = shapely.LineString(
        [(ax + t0 * (bx - ax), ay + t0 * (by - ay)), (ax + t1 * (bx - ax), ay + t1 * (by - ay))]
    )
    proj = net.projection()
    own = shapely.transform(
        shapely.buffer(piece, buffer_m, quad_segs=4),
        lambda xy: np.stack(proj.inverse(xy[:, 0], xy[:, 1]), 1),
    )
    return shapely.union(area, own) if not area.is_empty else own
