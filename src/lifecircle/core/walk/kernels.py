"""Compiled shortest-path kernels (numba) over CSR arrays: bounded multi-source searches.

The kernels see only integer node indices and float64 metres. Every search is bounded by
a walking limit and uses generation stamps instead of clearing n-sized arrays, so its cost
follows the nodes it reaches, never the size of the network.

The priority queue is a bucket queue (sequential delta-stepping): bucket ``b`` holds
the nodes whose tentative distance lies in ``[b*delta, (b+1)*delta)``. Buckets are
emptied in order; a node whose distance improves is filed again, so the result is the
exact shortest distance, while pushes and pops cost O(1) instead of a heap's O(log n).
On city networks this halves the time of a 4-ary heap. Should the entry pool ever run
out (it holds one entry per successful relaxation still waiting), the search reruns with
the heap, which never needs more than one entry per edge.

Parallel kernels split whole categories between threads (each category owns its output
row), so no two threads ever write the same memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba as nb
import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray


# A 4-ary heap: half the depth of a binary heap, and the four children of a node share
# a cache line; measured 30 % faster than a binary heap on city grids.
@nb.njit(nogil=True, cache=True, boundscheck=False)
def _heap_push(
    hkey: NDArray[np.float64], hval: NDArray[np.int32], size: int, key: float, val: int
) -> int:
    i = size
    while i > 0:
        parent = (i - 1) >> 2
        if hkey[parent] <= key:
            break
        hkey[i] = hkey[parent]
        hval[i] = hval[parent]
        i = parent
    hkey[i] = key
    hval[i] = val
    return size + 1


@nb.njit(nogil=True, cache=True, boundscheck=False)
def _heap_pop(hkey: NDArray[np.float64], hval: NDArray[np.int32], size: int) -> int:
    """Remove the root (read it before calling); returns the new size."""
    size -= 1
    if size == 0:
        return 0
    key = hkey[size]
    val = hval[size]
    i = 0
    while True:
        child = 4 * i + 1
        if child >= size:
            break
        best = child
        best_key = hkey[child]
        stop = min(child + 4, size)
        for c in range(child + 1, stop):
            if hkey[c] < best_key:
                best_key = hkey[c]
                best = c
        if best_key >= key:
            break
        hkey[i] = best_key
        hval[i] = hval[best]
        i = best
    hkey[i] = key
    hval[i] = val
    return size


@nb.njit(nogil=True, cache=True, boundscheck=False)
def _heap_search(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    weights: NDArray[np.float64],
    seed_node: NDArray[np.int32],
    seed_dist: NDArray[np.float64],
    limit: float,
    dist: NDArray[np.float64],
    stamp: NDArray[np.int32],
    gen: int,
    pred: NDArray[np.int32],
    hkey: NDArray[np.float64],
    hval: NDArray[np.int32],
    reached: NDArray[np.int32],
) -> int:
    """Dijkstra (4-ary heap, lazy deletion) from seeds up to ``limit`` metres.

    ``dist[v]`` and ``pred[v]`` are valid only where ``stamp[v] == gen``; ``pred`` is -1
    at seeds. Reached nodes are listed in ``reached``; returns how many. A node is pushed
    only when its distance strictly improves, so exactly one heap entry per node carries
    its final distance. ``hkey``/``hval`` need ``len(indices) + len(seed_node)`` entries.
    """
    size = 0
    n_reached = 0
    for k in range(seed_node.shape[0]):
        s = seed_node[k]
        d = seed_dist[k]
        if d > limit:
            continue
        if stamp[s] != gen:
            stamp[s] = gen
            reached[n_reached] = s
            n_reached += 1
        elif d >= dist[s]:
            continue
        dist[s] = d
        pred[s] = -1
        size = _heap_push(hkey, hval, size, d, s)
    while size > 0:
        d = hkey[0]
        v = hval[0]
        size = _heap_pop(hkey, hval, size)
        if d > dist[v]:
            continue
        for e in range(indptr[v], indptr[v + 1]):
            u = indices[e]
            nd = d + weights[e]
            if nd > limit:
                continue
            if stamp[u] != gen:
                stamp[u] = gen
                reached[n_reached] = u
                n_reached += 1
            elif nd >= dist[u]:
                continue
            dist[u] = nd
            pred[u] = v
            size = _heap_push(hkey, hval, size, nd, u)
    return n_reached


@nb.njit(nogil=True, cache=True, boundscheck=False)
def _bucket_search(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    weights: NDArray[np.float64],
    seed_node: NDArray[np.int32],
    seed_dist: NDArray[np.float64],
    limit: float,
    inv_delta: float,
    dist: NDArray[np.float64],
    stamp: NDArray[np.int32],
    gen: int,
    pred: NDArray[np.int32],
    head: NDArray[np.int32],
    e_node: NDArray[np.int32],
    e_dist: NDArray[np.float64],
    e_next: NDArray[np.int32],
    reached: NDArray[np.int32],
) -> int:
    """Bucket-queue search with the contract of :func:`_heap_search`.

    ``head`` needs ``int(limit * inv_delta) + 1`` buckets. Returns the number of reached
    nodes, or -1 when the entry pool (``e_node``/``e_dist``/``e_next``) overflowed.
    """
    n_buckets = int(limit * inv_delta) + 1
    for b in range(n_buckets):
        head[b] = -1
    cap = e_node.shape[0]
    top = 0  # next never-used entry
    free = -1  # entries popped and ready for reuse
    n_reached = 0
    for k in range(seed_node.shape[0]):
        s = seed_node[k]
        d = seed_dist[k]
        if d > limit:
            continue
        if stamp[s] != gen:
            stamp[s] = gen
            reached[n_reached] = s
            n_reached += 1
        elif d >= dist[s]:
            continue
        dist[s] = d
        pred[s] = -1
        if free >= 0:
            e = free
            free = e_next[e]
        elif top < cap:
            e = top
            top += 1
        else:
            return -1
        b = int(d * inv_delta)
        e_node[e] = s
        e_dist[e] = d
        e_next[e] = head[b]
        head[b] = e
    for b in range(n_buckets):
        while head[b] >= 0:
            e = head[b]
            head[b] = e_next[e]
            v = e_node[e]
            d = e_dist[e]
            e_next[e] = free
            free = e
            if d > dist[v]:
                continue  # stale: v was filed again with a shorter distance
            for x in range(indptr[v], indptr[v + 1]):
                u = indices[x]
                nd = d + weights[x]
                if nd > limit:
                    continue
                if stamp[u] != gen:
                    stamp[u] = gen
                    reached[n_reached] = u
                    n_reached += 1
                elif nd >= dist[u]:
                    continue
                dist[u] = nd
                pred[u] = v
                if free >= 0:
                    f = free
                    free = e_next[f]
                elif top < cap:
                    f = top
                    top += 1
                else:
                    return -1
                bb = int(nd * inv_delta)
                e_node[f] = u
                e_dist[f] = nd
                e_next[f] = head[bb]
                head[bb] = f
    return n_reached


@nb.njit(nogil=True, cache=True, boundscheck=False)
def search_from(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    weights: NDArray[np.float64],
    seed_node: NDArray[np.int32],
    seed_dist: NDArray[np.float64],
    limit: float,
    inv_delta: float,
    dist: NDArray[np.float64],
    stamp: NDArray[np.int32],
    gen: int,
    pred: NDArray[np.int32],
    head: NDArray[np.int32],
    e_node: NDArray[np.int32],
    e_dist: NDArray[np.float64],
    e_next: NDArray[np.int32],
    reached: NDArray[np.int32],
) -> int:
    """One bounded search: the bucket queue, or the heap if its pool overflows.

    Returns the number of nodes listed in ``reached``; ``gen`` must be fresh.
    """
    m = _bucket_search(
        indptr,
        indices,
        weights,
        seed_node,
        seed_dist,
        limit,
        inv_delta,
        dist,
        stamp,
        gen,
        pred,
        head,
        e_node,
        e_dist,
        e_next,
        reached,
    )
    if m >= 0:
        return m
    # rerun from scratch under a generation no node carries yet
    for i in range(stamp.shape[0]):
        if stamp[i] == gen:
            stamp[i] = gen - 1 if gen > 1 else 0
    cap = indices.shape[0] + seed_node.shape[0] + 1
    hkey = np.empty(cap, dtype=np.float64)
    hval = np.empty(cap, dtype=np.int32)
    return _heap_search(
        indptr,
        indices,
        weights,
        seed_node,
        seed_dist,
        limit,
        dist,
        stamp,
        gen,
        pred,
        hkey,
        hval,
        reached,
    )


@nb.njit(parallel=True, nogil=True, cache=True, boundscheck=False)
def nearest_by_group(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    weights: NDArray[np.float64],
    group_ptr: NDArray[np.int64],
    seed_node: NDArray[np.int32],
    seed_dist: NDArray[np.float64],
    limits: NDArray[np.float64],
    inv_delta: float,
    pool: int,
    schedule_ptr: NDArray[np.int64],
    schedule: NDArray[np.int64],
) -> NDArray[np.float64]:
    """Distance from every node to the nearest seed of each group, up to that group's limit.

    Seeds of group ``g`` are ``seed_node[group_ptr[g]:group_ptr[g+1]]`` with starting
    metres ``seed_dist`` (the walk from the place to its street). Worker ``w`` runs the
    groups ``schedule[schedule_ptr[w]:schedule_ptr[w+1]]``; ``pool`` sizes each worker's
    bucket entry pool. Returns a (groups, nodes) array of metres, ``inf`` beyond the limit.
    """
    n = indptr.shape[0] - 1
    n_groups = group_ptr.shape[0] - 1
    out = np.full((n_groups, n), np.inf)
    n_workers = schedule_ptr.shape[0] - 1
    n_buckets = int(limits.max() * inv_delta) + 1 if n_groups > 0 else 1
    for w in nb.prange(n_workers):
        dist = np.empty(n, dtype=np.float64)
        stamp = np.zeros(n, dtype=np.int32)
        pred = np.empty(n, dtype=np.int32)
        reached = np.empty(n, dtype=np.int32)
        head = np.empty(n_buckets, dtype=np.int32)
        e_node = np.empty(pool, dtype=np.int32)
        e_dist = np.empty(pool, dtype=np.float64)
        e_next = np.empty(pool, dtype=np.int32)
        gen = 0
        for j in range(schedule_ptr[w], schedule_ptr[w + 1]):
            g = schedule[j]
            a, b = group_ptr[g], group_ptr[g + 1]
            gen += 1  # noqa: SIM113 - a generation stamp, not a loop index
            m = search_from(
                indptr,
                indices,
                weights,
                seed_node[a:b],
                seed_dist[a:b],
                limits[g],
                inv_delta,
                dist,
                stamp,
                gen,
                pred,
                head,
                e_node,
                e_dist,
                e_next,
                reached,
            )
            row = out[g]
            for i in range(m):
                v = reached[i]
                row[v] = dist[v]
    return out


@nb.njit(parallel=True, nogil=True, cache=True, boundscheck=False)
def counts_by_group(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    weights: NDArray[np.float64],
    group_ptr: NDArray[np.int64],
    seed_node: NDArray[np.int32],
    seed_dist: NDArray[np.float64],
    seed_weight: NDArray[np.int32],
    limits: NDArray[np.float64],
    node_offset: NDArray[np.float64],
    inv_delta: float,
    pool: int,
    schedule_ptr: NDArray[np.int64],
    schedule: NDArray[np.int64],
) -> NDArray[np.int32]:
    """For every node, how many seeds of each group lie within the group's limit.

    One bounded search runs per seed (a place), and every node it reaches at ``d`` with
    ``d + node_offset[node] <= limit`` gains ``seed_weight`` (places sharing a seed).
    Returns a (groups, nodes) int32 array.
    """
    n = indptr.shape[0] - 1
    n_groups = group_ptr.shape[0] - 1
    out = np.zeros((n_groups, n), dtype=np.int32)
    n_workers = schedule_ptr.shape[0] - 1
    n_buckets = int(limits.max() * inv_delta) + 1 if n_groups > 0 else 1
    for w in nb.prange(n_workers):
        dist = np.empty(n, dtype=np.float64)
        stamp = np.zeros(n, dtype=np.int32)
        pred = np.empty(n, dtype=np.int32)
        reached = np.empty(n, dtype=np.int32)
        head = np.empty(n_buckets, dtype=np.int32)
        e_node = np.empty(pool, dtype=np.int32)
        e_dist = np.empty(pool, dtype=np.float64)
        e_next = np.empty(pool, dtype=np.int32)
        seeds = np.empty(1, dtype=np.int32)
        sdist = np.empty(1, dtype=np.float64)
        gen = 0
        for j in range(schedule_ptr[w], schedule_ptr[w + 1]):
            g = schedule[j]
            limit = limits[g]
            row = out[g]
            for k in range(group_ptr[g], group_ptr[g + 1]):
                gen += 1
                seeds[0] = seed_node[k]
                sdist[0] = seed_dist[k]
                m = search_from(
                    indptr,
                    indices,
                    weights,
                    seeds,
                    sdist,
                    limit,
                    inv_delta,
                    dist,
                    stamp,
                    gen,
                    pred,
                    head,
                    e_node,
                    e_dist,
                    e_next,
                    reached,
                )
                wk = seed_weight[k]
                for i in range(m):
                    v = reached[i]
                    if dist[v] + node_offset[v] <= limit:
                        row[v] += wk
    return out


@nb.njit(nogil=True, cache=True, boundscheck=False)
def places_within(
    reached: NDArray[np.int32],
    n_reached: int,
    dist: NDArray[np.float64],
    place_ptr: NDArray[np.int64],
    place_of_node: NDArray[np.int32],
    place_offset: NDArray[np.float64],
    limit: float,
    out_place: NDArray[np.int32],
    out_dist: NDArray[np.float64],
) -> int:
    """Collect the places attached to reached nodes within ``limit`` (unsorted)."""
    m = 0
    for i in range(n_reached):
        v = reached[i]
        for k in range(place_ptr[v], place_ptr[v + 1]):
            p = place_of_node[k]
            d = dist[v] + place_offset[p]
            if d <= limit:
                out_place[m] = p
                out_dist[m] = d
                m += 1
    return m


@nb.njit(nogil=True, cache=True, boundscheck=False)
def query_places(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    weights: NDArray[np.float64],
    seed_node: NDArray[np.int32],
    seed_dist: NDArray[np.float64],
    limit: float,
    inv_delta: float,
    dist: NDArray[np.float64],
    stamp: NDArray[np.int32],
    gen: int,
    pred: NDArray[np.int32],
    head: NDArray[np.int32],
    e_node: NDArray[np.int32],
    e_dist: NDArray[np.float64],
    e_next: NDArray[np.int32],
    reached: NDArray[np.int32],
    place_ptr: NDArray[np.int64],
    place_of_node: NDArray[np.int32],
    place_offset: NDArray[np.float64],
    out_place: NDArray[np.int32],
    out_dist: NDArray[np.float64],
) -> tuple[int, int]:
    """Search, then the places within ``limit`` sorted nearest first, in one call.

    A "what is near me" query is a few hundred nodes of work: one compiled call instead
    of several keeps the Python overhead below the search itself. Returns
    ``(n_reached, n_places)``; the places are in ``out_place[:n]``/``out_dist[:n]``.
    """
    n_reached = search_from(
        indptr,
        indices,
        weights,
        seed_node,
        seed_dist,
        limit,
        inv_delta,
        dist,
        stamp,
        gen,
        pred,
        head,
        e_node,
        e_dist,
        e_next,
        reached,
    )
    m = places_within(
        reached,
        n_reached,
        dist,
        place_ptr,
        place_of_node,
        place_offset,
        limit,
        out_place,
        out_dist,
    )
    if m <= 64:  # insertion sort: stable, in place, no allocation
        for i in range(1, m):
            d = out_dist[i]
            p = out_place[i]
            j = i - 1
            while j >= 0 and out_dist[j] > d:
                out_dist[j + 1] = out_dist[j]
                out_place[j + 1] = out_place[j]
                j -= 1
            out_dist[j + 1] = d
            out_place[j + 1] = p
    else:
        order = np.argsort(out_dist[:m], kind="mergesort")
        sorted_place = out_place[:m][order]
        sorted_dist = out_dist[:m][order]
        out_place[:m] = sorted_place
        out_dist[:m] = sorted_dist
    return n_reached, m
