"""Accessibility measures: nearest place and place counts per category, and one-point reach.

Node-level functions (``*_at_nodes``) take seeds as node indices plus a starting offset in
metres and are what the benchmarks call; :func:`accessibility` and :func:`reach` take
snapped points, insert them into the network and return typed results per point.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numba as nb
import numpy as np

from lifecircle.core.walk import kernels
from lifecircle.core.walk.insert import insert_points
from lifecircle.core.walk.snap import Snapped
from lifecircle.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import ArrayLike, NDArray

    from lifecircle.core.walk.network import WalkNetwork


def _limits(limit_m: float | ArrayLike, n_groups: int) -> NDArray[np.float64]:
    limits = np.broadcast_to(np.asarray(limit_m, dtype=np.float64), (n_groups,)).copy()
    if np.any(~np.isfinite(limits)) or np.any(limits < 0):
        raise ValidationError("limits must be finite, non-negative metres")
    return limits


def _groups(
    category: NDArray[np.int64], n_groups: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Order that sorts seeds by group, and the group pointer into that order."""
    category = np.asarray(category, dtype=np.int64)
    if category.size and (category.min() < 0 or category.max() >= n_groups):
        raise ValidationError(f"category codes must lie in 0..{n_groups - 1}")
    order = np.argsort(category, kind="stable")
    ptr = np.zeros(n_groups + 1, dtype=np.int64)
    np.cumsum(np.bincount(category, minlength=n_groups), out=ptr[1:])
    return order, ptr


def lpt_schedule(
    work: NDArray[np.float64], n_workers: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Longest-processing-time-first assignment of tasks to workers.

    Returns ``(ptr, tasks)``: worker ``w`` runs ``tasks[ptr[w]:ptr[w+1]]``. Categories
    differ tenfold in size (0.2 % to 2 % of nodes), so an even split by count would leave
    one core idle.
    """
    n_workers = max(1, min(n_workers, max(1, work.size)))
    load = np.zeros(n_workers)
    owner = np.empty(work.size, dtype=np.int64)
    for task in np.argsort(-work, kind="stable"):
        w = int(np.argmin(load))
        owner[task] = w
        load[w] += work[task]
    tasks = np.argsort(owner, kind="stable").astype(np.int64)
    ptr = np.zeros(n_workers + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=n_workers), out=ptr[1:])
    return ptr, tasks


MAX_BUCKETS = 1 << 22
"""Upper bound on bucket-queue buckets (memory: 16 MiB of int32 per thread)."""


def bucket_inv_width(net: WalkNetwork, limit_m: float) -> float:
    """Inverse bucket width (1/metres) of the bucket queue for searches up to ``limit_m``.

    A quarter of the median segment, within 0.5-50 m: narrow enough that a node is rarely
    filed twice, wide enough that few buckets are empty. Any width gives exact results.
    """
    cached = net._cache.get("bucket_width")  # noqa: SLF001 - the network owns its caches
    if not isinstance(cached, float):
        med = float(np.median(net.weights)) if net.weights.size else 1.0
        cached = float(np.clip(med / 4.0, 0.5, 50.0))
        net._cache["bucket_width"] = cached  # noqa: SLF001
    return float(min(1.0 / cached, MAX_BUCKETS / max(limit_m, 1.0) * 0.999))


def _pool(net: WalkNetwork, seeds: int) -> int:
    """Entry pool of the bucket queue: one per edge and seed (overflow falls back to a heap)."""
    return int(net.indices.size + seeds + 16)


def _workers(workers: int | None) -> int:
    return int(nb.get_num_threads()) if workers is None else max(1, int(workers))


def nearest_at_nodes(
    net: WalkNetwork,
    *,
    source_node: ArrayLike,
    source_category: ArrayLike,
    n_categories: int,
    limit_m: float | ArrayLike,
    source_offset_m: ArrayLike | None = None,
    workers: int | None = None,
) -> NDArray[np.float64]:
    """Walking metres from every node to the nearest source of each category.

    Parameters
    ----------
    net
        The network.
    source_node
        Node index of each source (place).
    source_category
        Category code ``0..n_categories-1`` of each source.
    n_categories
        Number of categories (rows of the result).
    limit_m
        Search limit in metres, one for all or one per category.
    source_offset_m
        Metres already walked at the source (from the place to its street); default 0.
    workers
        Threads (default: numba's thread count).

    Returns
    -------
    numpy.ndarray
        ``(n_categories, n_nodes)`` metres; ``inf`` where nothing lies within the limit.

    """
    node = np.asarray(source_node, dtype=np.int32)
    offset = (
        np.zeros(node.size)
        if source_offset_m is None
        else np.asarray(source_offset_m, dtype=np.float64)
    )
    order, ptr = _groups(np.asarray(source_category), n_categories)
    limits = _limits(limit_m, n_categories)
    # every category's search may sweep the whole reachable area: balance by limit area
    sizes = np.diff(ptr)
    sched_ptr, sched = lpt_schedule(limits**2 * (sizes > 0), _workers(workers))
    return kernels.nearest_by_group(
        net.indptr,
        net.indices,
        net.weights,
        ptr,
        np.ascontiguousarray(node[order]),
        np.ascontiguousarray(offset[order]),
        limits,
        bucket_inv_width(net, float(limits.max(initial=0.0))),
        _pool(net, int(sizes.max(initial=0))),
        sched_ptr,
        sched,
    )


def counts_at_nodes(
    net: WalkNetwork,
    *,
    source_node: ArrayLike,
    source_category: ArrayLike,
    n_categories: int,
    limit_m: float | ArrayLike,
    source_offset_m: ArrayLike | None = None,
    node_offset_m: ArrayLike | None = None,
    workers: int | None = None,
) -> NDArray[np.int32]:
    """How many sources of each category lie within the limit of every node.

    Parameters are those of :func:`nearest_at_nodes`, plus ``node_offset_m``: metres a
    node must still walk to its own point (for inserted origins), default 0. Sources of
    one category that share a node and an offset are searched once.

    Returns
    -------
    numpy.ndarray
        ``(n_categories, n_nodes)`` int32 counts.

    """
    node = np.asarray(source_node, dtype=np.int64)
    offset = (
        np.zeros(node.size)
        if source_offset_m is None
        else np.asarray(source_offset_m, dtype=np.float64)
    )
    category = np.asarray(source_category, dtype=np.int64)
    limits = _limits(limit_m, n_categories)
    node_off = (
        np.zeros(net.n_nodes)
        if node_offset_m is None
        else np.asarray(node_offset_m, dtype=np.float64)
    )
    # merge identical seeds: one search serves every place at the same spot
    if node.size:
        keys = np.stack([category.astype(np.float64), node.astype(np.float64), offset], 1)
        uniq, weight = np.unique(keys, axis=0, return_counts=True)
        category = uniq[:, 0].astype(np.int64)
        node = uniq[:, 1].astype(np.int64)
        offset = uniq[:, 2]
    else:
        weight = np.zeros(0, dtype=np.int64)
    order, ptr = _groups(category, n_categories)
    sched_ptr, sched = lpt_schedule(np.diff(ptr).astype(np.float64) * limits**2, _workers(workers))
    return kernels.counts_by_group(
        net.indptr,
        net.indices,
        net.weights,
        ptr,
        np.ascontiguousarray(node[order], dtype=np.int32),
        np.ascontiguousarray(offset[order]),
        np.ascontiguousarray(weight[order], dtype=np.int32),
        limits,
        node_off,
        bucket_inv_width(net, float(limits.max(initial=0.0))),
        _pool(net, 1),
        sched_ptr,
        sched,
    )


@dataclass(frozen=True)
class AccessResult:
    """Nearest-place metres and counts per origin and category.

    Attributes
    ----------
    categories
        Category names, in the order of the result's columns.
    limit_m
        Limit per category in metres.
    metres
        ``(n_origins, n_categories)`` walking metres to the nearest place, ``nan`` when
        none lies within the limit or the origin could not be snapped.
    counts
        ``(n_origins, n_categories)`` places within the limit.
    origin_ok
        Whether each origin was attached to the network.

    """

    categories: tuple[str, ...]
    limit_m: NDArray[np.float64]
    metres: NDArray[np.float64]
    counts: NDArray[np.int32]
    origin_ok: NDArray[np.bool_]


def accessibility(
    net: WalkNetwork,
    *,
    origins: Snapped,
    places: Snapped,
    place_category: ArrayLike,
    categories: Sequence[str],
    limit_m: float | ArrayLike,
    workers: int | None = None,
    with_counts: bool = True,
) -> AccessResult:
    """Nearest place and count of places of every category, for every origin.

    Origins and places are inserted into the network where they snapped, so the metres
    from origin O to place Q are ``|O S_O| + path(S_O, S_Q) + |S_Q Q|`` exactly, also
    when both lie on one segment. Unsnapped places are ignored; unsnapped origins get
    ``nan`` and zero counts.

    Parameters
    ----------
    net
        The network.
    origins, places
        Snapped points.
    place_category
        Code ``0..len(categories)-1`` per place.
    categories
        Category names.
    limit_m
        Limit in metres, one for all or one per category.
    workers
        Threads (default: numba's thread count).
    with_counts
        Whether to count the places within the limit (a second, costlier pass); when
        ``False`` the counts are all zero.

    Returns
    -------
    AccessResult

    """
    n_cat = len(categories)
    limits = _limits(limit_m, n_cat)
    category = np.asarray(place_category, dtype=np.int64)
    graph = insert_points(net, Snapped.concat([origins, places]))
    n_o = len(origins)
    o_node, p_node = graph.node[:n_o], graph.node[n_o:]
    o_off, p_off = graph.offset_m[:n_o], graph.offset_m[n_o:]
    p_ok = p_node >= 0
    o_ok = o_node >= 0
    dist = nearest_at_nodes(
        graph.net,
        source_node=p_node[p_ok],
        source_offset_m=p_off[p_ok],
        source_category=category[p_ok],
        n_categories=n_cat,
        limit_m=limits,
        workers=workers,
    )
    node_off = np.zeros(graph.net.n_nodes)
    node_off[o_node[o_ok]] = o_off[o_ok]
    counts = (
        counts_at_nodes(
            graph.net,
            source_node=p_node[p_ok],
            source_offset_m=p_off[p_ok],
            source_category=category[p_ok],
            n_categories=n_cat,
            limit_m=limits,
            node_offset_m=node_off,
            workers=workers,
        )
        if with_counts
        else np.zeros((n_cat, graph.net.n_nodes), dtype=np.int32)
    )
    metres = np.full((n_o, n_cat), np.nan)
    cnt = np.zeros((n_o, n_cat), dtype=np.int32)
    idx = np.flatnonzero(o_ok)
    m = dist[:, o_node[idx]].T + o_off[idx, None]
    metres[idx] = np.where(m <= limits[None, :], m, np.nan)
    cnt[idx] = counts[:, o_node[idx]].T
    return AccessResult(
        categories=tuple(categories), limit_m=limits, metres=metres, counts=cnt, origin_ok=o_ok
    )


class Router:
    """Repeated bounded searches on one network with reusable scratch memory.

    Each search costs time in proportion to what it reaches (generation stamps replace
    clearing an n-sized array). Not thread-safe: give each thread its own Router.

    Parameters
    ----------
    net
        The network.
    place_node
        Node index of each place (``-1`` for places to ignore).
    place_offset_m
        Metres from each place to its node.

    """

    def __init__(
        self,
        net: WalkNetwork,
        *,
        place_node: ArrayLike | None = None,
        place_offset_m: ArrayLike | None = None,
    ) -> None:
        self.net = net
        n = net.n_nodes
        pn = np.asarray([] if place_node is None else place_node, dtype=np.int64)
        self.place_offset = (
            np.zeros(pn.size)
            if place_offset_m is None
            else np.asarray(place_offset_m, dtype=np.float64)
        )
        ok = np.flatnonzero(pn >= 0)
        order = ok[np.argsort(pn[ok], kind="stable")]
        self.place_ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(pn[ok], minlength=n), out=self.place_ptr[1:])
        self.place_of_node = order.astype(np.int32)
        self.dist = np.empty(n, dtype=np.float64)
        self.stamp = np.zeros(n, dtype=np.int32)
        self.pred = np.empty(n, dtype=np.int32)
        self.reached = np.empty(n, dtype=np.int32)
        self._pool_for(1)
        self.head = np.empty(1, dtype=np.int32)
        self._out_place = np.empty(max(pn.size, 1), dtype=np.int32)
        self._out_dist = np.empty(max(pn.size, 1), dtype=np.float64)
        self.gen = 0
        self.n_reached = 0
        self._inv_width: dict[float, float] = {}
        self._seed = np.zeros(1, dtype=np.int32)
        self._seed_dist = np.zeros(1, dtype=np.float64)

    def _pool_for(self, seeds: int) -> None:
        size = _pool(self.net, seeds)
        if getattr(self, "e_node", np.empty(0)).size < size:
            self.e_node = np.empty(size, dtype=np.int32)
            self.e_dist = np.empty(size, dtype=np.float64)
            self.e_next = np.empty(size, dtype=np.int32)

    def _start(self, n_seeds: int, limit: float) -> float:
        """Size the scratch for a search and open a new generation; returns 1/bucket width."""
        inv = self._inv_width.get(limit)
        if inv is None or n_seeds > 1:
            if not (np.isfinite(limit) and limit >= 0):
                raise ValidationError("limits must be finite, non-negative metres")
            self._pool_for(n_seeds)
            inv = bucket_inv_width(self.net, limit)
            if self.head.size < int(limit * inv) + 1:
                self.head = np.empty(int(limit * inv) + 1, dtype=np.int32)
            self._inv_width[limit] = inv
        self.gen += 1
        if self.gen == np.iinfo(np.int32).max:  # pragma: no cover - after 2**31 searches
            self.stamp[:] = 0
            self.gen = 1
        return inv

    def search(
        self, seed_node: ArrayLike, seed_dist_m: ArrayLike, limit_m: float
    ) -> tuple[NDArray[np.int32], NDArray[np.float64]]:
        """Nodes within ``limit_m`` of the seeds with their metres (in no particular order)."""
        seeds = np.atleast_1d(np.asarray(seed_node, dtype=np.int32))
        sdist = np.atleast_1d(np.asarray(seed_dist_m, dtype=np.float64))
        limit = float(limit_m)
        inv = self._start(seeds.size, limit)
        self.n_reached = kernels.search_from(
            self.net.indptr,
            self.net.indices,
            self.net.weights,
            seeds,
            sdist,
            limit,
            inv,
            self.dist,
            self.stamp,
            self.gen,
            self.pred,
            self.head,
            self.e_node,
            self.e_dist,
            self.e_next,
            self.reached,
        )
        nodes = self.reached[: self.n_reached]
        return nodes, self.dist[nodes]

    def places_within(
        self, seed_node: ArrayLike, seed_dist_m: ArrayLike, limit_m: float
    ) -> tuple[NDArray[np.int32], NDArray[np.float64]]:
        """Places within ``limit_m`` of the seeds, nearest first, with their metres."""
        if isinstance(seed_node, int | np.integer):  # one seed: no array conversions
            seeds, sdist = self._seed, self._seed_dist
            seeds[0] = seed_node
            sdist[0] = seed_dist_m
        else:
            seeds = np.atleast_1d(np.asarray(seed_node, dtype=np.int32))
            sdist = np.atleast_1d(np.asarray(seed_dist_m, dtype=np.float64))
        limit = float(limit_m)
        inv = self._start(seeds.size, limit)
        self.n_reached, m = kernels.query_places(
            self.net.indptr,
            self.net.indices,
            self.net.weights,
            seeds,
            sdist,
            limit,
            inv,
            self.dist,
            self.stamp,
            self.gen,
            self.pred,
            self.head,
            self.e_node,
            self.e_dist,
            self.e_next,
            self.reached,
            self.place_ptr,
            self.place_of_node,
            self.place_offset,
            self._out_place,
            self._out_dist,
        )
        return self._out_place[:m].copy(), self._out_dist[:m].copy()

    def path_to(self, node: int) -> NDArray[np.int32]:
        """Nodes from the last search's seed to ``node`` (which it must have reached)."""
        if self.stamp[node] != self.gen:
            raise ValidationError(f"node {node} was not reached by the last search")
        path = [node]
        while self.pred[path[-1]] >= 0:
            path.append(int(self.pred[path[-1]]))
        return np.asarray(path[::-1], dtype=np.int32)
