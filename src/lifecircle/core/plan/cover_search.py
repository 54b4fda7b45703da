"""Primal set-cover heuristics (numba): a scored greedy, redundant-column removal, swaps.

The kernels work on the CSR (row → columns) and CSC (column → rows) index arrays of a
0/1 ``reach`` pattern and a positive ``cost`` per column; :mod:`lifecircle.core.plan.lagrangian`
calls them with the reduced costs of its multipliers. They follow Caprara, Fischetti and
Toth (1999, "A heuristic method for the set covering problem", *Operations Research*
47(5), section 4):

* :func:`scored_greedy` opens, until every row is covered, the column of least score
  ``γ_j / μ_j`` when ``γ_j > 0``, else ``γ_j · μ_j``, with ``γ_j`` a (reduced) cost and
  ``μ_j`` the rows it would newly cover. ``μ`` only falls, so a score only rises, and a
  lazy heap (an entry is rescored when popped) makes the run ``O(nnz log n)``;
* :func:`drop_redundant_columns` removes, dearest first, columns whose rows others cover;
* :func:`swap_search` is a local search: open one column when the columns it makes
  redundant cost more together (with unit costs: one new site replaces two or more).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba as nb
import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

_EPS = 1e-9


@nb.njit(cache=True, boundscheck=False)
def _push(
    key: NDArray[np.float64], val: NDArray[np.int64], size: int, k: float, v: int
) -> int:  # pragma: no cover - compiled
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if key[parent] <= k:
            break
        key[i] = key[parent]
        val[i] = val[parent]
        i = parent
    key[i] = k
    val[i] = v
    return size + 1


@nb.njit(cache=True, boundscheck=False)
def _pop(key: NDArray[np.float64], val: NDArray[np.int64], size: int) -> int:  # pragma: no cover
    size -= 1
    if size == 0:
        return 0
    k, v = key[size], val[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and key[child + 1] < key[child]:
            child += 1
        if key[child] >= k:
            break
        key[i] = key[child]
        val[i] = val[child]
        i = child
    key[i] = k
    val[i] = v
    return size


@nb.njit(cache=True, boundscheck=False)
def _score(gamma: float, mu: int) -> float:  # pragma: no cover - compiled
    return gamma / mu if gamma > 0.0 else gamma * mu


@nb.njit(cache=True, boundscheck=False)
def scored_greedy(
    rptr: NDArray[np.int64],
    rind: NDArray[np.int64],
    cptr: NDArray[np.int64],
    cind: NDArray[np.int64],
    gamma: NDArray[np.float64],
    start: NDArray[np.bool_],
) -> NDArray[np.bool_]:  # pragma: no cover - compiled
    """Complete the columns ``start`` to a cover, least CFT score first.

    Parameters
    ----------
    rptr, rind, cptr, cind
        CSR and CSC index arrays of the ``(m, n)`` pattern; every row has a column.
    gamma
        Score cost per column (a reduced cost; the cost itself for the plain greedy).
    start
        Columns already open (``(n,)`` bools; all False for a fresh cover).

    Returns
    -------
    NDArray[np.bool_]
        The open columns: ``start`` and those added.

    """
    m = rptr.size - 1
    n = cptr.size - 1
    chosen = start.copy()
    covered = np.zeros(m, dtype=np.bool_)
    left = m
    for j in range(n):
        if chosen[j]:
            for p in range(cptr[j], cptr[j + 1]):
                if not covered[cind[p]]:
                    covered[cind[p]] = True
                    left -= 1
    mu = np.zeros(n, dtype=np.int64)
    for i in range(m):
        if not covered[i]:
            for p in range(rptr[i], rptr[i + 1]):
                mu[rind[p]] += 1
    key = np.empty(n, dtype=np.float64)
    val = np.empty(n, dtype=np.int64)
    size = 0
    for j in range(n):
        if not chosen[j] and mu[j] > 0:
            size = _push(key, val, size, _score(gamma[j], mu[j]), j)
    while left > 0 and size > 0:
        k, j = key[0], val[0]
        size = _pop(key, val, size)
        if mu[j] == 0:
            continue
        s = _score(gamma[j], mu[j])
        if s > k + _EPS * (1.0 + abs(k)):
            size = _push(key, val, size, s, j)  # stale: rescored, back in the heap
            continue
        chosen[j] = True
        for p in range(cptr[j], cptr[j + 1]):
            i = cind[p]
            if not covered[i]:
                covered[i] = True
                left -= 1
                for q in range(rptr[i], rptr[i + 1]):
                    mu[rind[q]] -= 1
    return chosen


@nb.njit(cache=True, boundscheck=False)
def drop_redundant_columns(
    cptr: NDArray[np.int64],
    cind: NDArray[np.int64],
    m: int,
    chosen: NDArray[np.bool_],
    order: NDArray[np.int64],
) -> NDArray[np.bool_]:  # pragma: no cover - compiled
    """Close, in ``order`` (dearest first), each open column whose rows others cover."""
    out = chosen.copy()
    count = np.zeros(m, dtype=np.int64)
    for j in range(cptr.size - 1):
        if out[j]:
            for p in range(cptr[j], cptr[j + 1]):
                count[cind[p]] += 1
    for j in order:
        if not out[j]:
            continue
        needed = False
        for p in range(cptr[j], cptr[j + 1]):
            if count[cind[p]] < 2:
                needed = True
                break
        if not needed:
            out[j] = False
            for p in range(cptr[j], cptr[j + 1]):
                count[cind[p]] -= 1
    return out


@nb.njit(cache=True, boundscheck=False)
def _owner(
    rptr: NDArray[np.int64], rind: NDArray[np.int64], chosen: NDArray[np.bool_], i: int
) -> int:  # pragma: no cover - compiled
    for p in range(rptr[i], rptr[i + 1]):
        if chosen[rind[p]]:
            return int(rind[p])
    return -1


@nb.njit(cache=True, boundscheck=False)
def swap_search(
    rptr: NDArray[np.int64],
    rind: NDArray[np.int64],
    cptr: NDArray[np.int64],
    cind: NDArray[np.int64],
    cost: NDArray[np.float64],
    chosen: NDArray[np.bool_],
    max_passes: int,
) -> NDArray[np.bool_]:  # pragma: no cover - compiled
    """Open a column and close those it makes redundant, while that lowers the cost.

    A row covered once is *owned* by its column; a closed column ``j`` makes an open
    column ``s`` redundant when it covers every row ``s`` owns. The columns found so are
    closed one by one, each only if its rows are still covered twice (two of them may
    share a row no other covers), and the move is undone unless it saves more than
    ``cost[j]``. Each pass costs ``O(nnz)`` plus the moves made.

    Parameters
    ----------
    rptr, rind, cptr, cind
        CSR and CSC index arrays of the pattern.
    cost
        Cost per column.
    chosen
        A cover (``(n,)`` bools).
    max_passes
        Most passes over the closed columns (a pass without a move ends the search).

    Returns
    -------
    NDArray[np.bool_]
        A cover no dearer than ``chosen``.

    """
    m = rptr.size - 1
    n = cptr.size - 1
    out = chosen.copy()
    count = np.zeros(m, dtype=np.int64)
    for j in range(n):
        if out[j]:
            for p in range(cptr[j], cptr[j + 1]):
                count[cind[p]] += 1
    owner = np.full(m, -1, dtype=np.int64)
    owned = np.zeros(n, dtype=np.int64)
    for i in range(m):
        if count[i] == 1:
            owner[i] = _owner(rptr, rind, out, i)
            owned[owner[i]] += 1
    tally = np.zeros(n, dtype=np.int64)
    stamp = np.zeros(m, dtype=np.int64)
    tick = 0
    drop = np.empty(n, dtype=np.int64)
    for _ in range(max_passes):
        moved = False
        for j in range(n):
            if out[j]:
                continue
            gain = 0.0
            nd = 0
            for p in range(cptr[j], cptr[j + 1]):
                i = cind[p]
                if count[i] == 1:
                    s = owner[i]
                    tally[s] += 1
                    if tally[s] == owned[s]:
                        gain += cost[s]
                        drop[nd] = s
                        nd += 1
            for p in range(cptr[j], cptr[j + 1]):
                i = cind[p]
                if count[i] == 1:
                    tally[owner[i]] = 0
            if gain <= cost[j] + _EPS * (1.0 + cost[j]):
                continue
            # rows whose owner may change: forget their ownership, move, then re-own
            tick += 1
            for p in range(cptr[j], cptr[j + 1]):
                stamp[cind[p]] = tick
            for d in range(nd):
                s = drop[d]
                for p in range(cptr[s], cptr[s + 1]):
                    stamp[cind[p]] = tick
            touched = np.flatnonzero(stamp == tick)
            for t in touched:
                if count[t] == 1:
                    owned[owner[t]] -= 1
                    owner[i] = -1
            out[j] = True
            for p in range(cptr[j], cptr[j + 1]):
                count[cind[p]] += 1
            saved = 0.0
            closed = 0
            for d in range(nd):
                s = drop[d]
                ok = True
                for p in range(cptr[s], cptr[s + 1]):
                    if count[cind[p]] < 2:
                        ok = False
                        break
                if ok:
                    out[s] = False
                    saved += cost[s]
                    for p in range(cptr[s], cptr[s + 1]):
                        count[cind[p]] -= 1
                    drop[closed] = s
                    closed += 1
            if saved <= cost[j] + _EPS * (1.0 + cost[j]):  # undo
                for d in range(closed):
                    s = drop[d]
                    out[s] = True
                    for p in range(cptr[s], cptr[s + 1]):
                        count[cind[p]] += 1
                out[j] = False
                for p in range(cptr[j], cptr[j + 1]):
                    count[cind[p]] -= 1
            else:
                moved = True
            for t in touched:
                if count[t] == 1:
                    owner[t] = _owner(rptr, rind, out, int(t))
                    owned[owner[t]] += 1
        if not moved:
            break
    return out
