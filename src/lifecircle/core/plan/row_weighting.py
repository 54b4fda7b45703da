"""Row-weighting local search for unit-cost set covers (RWLS, numba).

Gao, Weise and Li (2015, "An efficient local search heuristic with row weighting for
the unicost set covering problem", *European Journal of Operational Research* 246(3),
750–761) search among *almost*-covers of one column fewer than the best cover found:

* whenever the open columns cover every row, the cover is kept as the best and the open
  column that loses the least is closed (repeatedly, while the columns still cover);
* otherwise one step closes the open column of highest score (not the one just opened)
  and opens, for a random uncovered row, the column covering it of highest score that
  *configuration checking* allows (a column just closed may reopen only once one of its
  neighbours, columns sharing a row, has changed); ties go to the column that has
  waited longest;
* then every uncovered row's weight grows by one, so rows that stay uncovered pull ever
  harder, and the search leaves the local minima of plain swap moves.

A column's *score* is the weight of the uncovered rows it would cover (closed columns),
or minus the weight of the rows only it covers (open columns); each move updates the
scores of the columns sharing a row with the moved one, so a step costs the non-zeros
of the rows the moved columns touch. On the synthetic city's largest cover part (16,759
rows, 45,098 columns, a million pairs) the search runs some hundred thousand steps a
second. The costs must all be equal (the count of sites): a cover one column short is
always a cheaper cover than the best then.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numba as nb
import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

CHECK_EVERY = 2048
"""Steps between two looks at the clock (a look costs a call into the interpreter)."""


@nb.njit(cache=True, boundscheck=False)
def _flip(
    j: int,
    rptr: NDArray[np.int64],
    rind: NDArray[np.int64],
    cptr: NDArray[np.int64],
    cind: NDArray[np.int64],
    weight: NDArray[np.int64],
    count: NDArray[np.int64],
    score: NDArray[np.int64],
    is_open: NDArray[np.bool_],
    can_add: NDArray[np.bool_],
    uncovered: NDArray[np.int64],
    where: NDArray[np.int64],
    n_unc: int,
) -> int:  # pragma: no cover - compiled
    """Open or close column ``j``, keeping counts, scores and the uncovered list.

    Returns the new number of uncovered rows.
    """
    opening = not is_open[j]
    for p in range(cptr[j], cptr[j + 1]):
        i = cind[p]
        w = weight[i]
        if opening:
            count[i] += 1
            if count[i] == 1:  # newly covered: no closed column gains it any more
                for q in range(rptr[i], rptr[i + 1]):
                    k = rind[q]
                    if k != j:
                        score[k] -= w
                last = uncovered[n_unc - 1]  # out of the uncovered list
                uncovered[where[i]] = last
                where[last] = where[i]
                where[i] = -1
                n_unc -= 1
            elif count[i] == 2:  # its former only column no longer loses it
                for q in range(rptr[i], rptr[i + 1]):
                    k = rind[q]
                    if k != j and is_open[k]:
                        score[k] += w
        else:
            count[i] -= 1
            if count[i] == 0:  # uncovered: every other column would gain it
                for q in range(rptr[i], rptr[i + 1]):
                    k = rind[q]
                    if k != j:
                        score[k] += w
                uncovered[n_unc] = i
                where[i] = n_unc
                n_unc += 1
            elif count[i] == 1:  # its one remaining column now loses it alone
                for q in range(rptr[i], rptr[i + 1]):
                    k = rind[q]
                    if k != j and is_open[k]:
                        score[k] -= w
    is_open[j] = opening
    score[j] = -score[j]
    can_add[j] = opening
    for p in range(cptr[j], cptr[j + 1]):  # configuration checking: neighbours may return
        for q in range(rptr[cind[p]], rptr[cind[p] + 1]):
            if rind[q] != j:
                can_add[rind[q]] = True
    return n_unc


@nb.njit(cache=True, boundscheck=False)
def _best_open(
    open_list: NDArray[np.int64],
    n_open: int,
    score: NDArray[np.int64],
    stamp: NDArray[np.int64],
    tabu: int,
) -> int:  # pragma: no cover - compiled
    """Position in ``open_list`` of the open column of highest score, oldest first."""
    best = -1
    for t in range(n_open):
        j = open_list[t]
        if j == tabu:
            continue
        if best < 0:
            best = t
            continue
        b = open_list[best]
        if score[j] > score[b] or (score[j] == score[b] and stamp[j] < stamp[b]):
            best = t
    return best


@nb.njit(cache=True, boundscheck=False)
def _close_at(
    t: int,
    step: int,
    rptr: NDArray[np.int64],
    rind: NDArray[np.int64],
    cptr: NDArray[np.int64],
    cind: NDArray[np.int64],
    s: tuple[NDArray[np.int64], ...],
    b: tuple[NDArray[np.bool_], ...],
    ctr: NDArray[np.int64],
) -> int:  # pragma: no cover - compiled
    """Close the open column at position ``t`` of the open list; returns it."""
    weight, count, score, stamp, uncovered, where, open_list = s
    is_open, can_add, _ = b
    j = open_list[t]
    ctr[0] = _flip(
        j, rptr, rind, cptr, cind, weight, count, score, is_open, can_add,
        uncovered, where, ctr[0],
    )  # fmt: skip
    ctr[1] -= 1
    open_list[t] = open_list[ctr[1]]
    stamp[j] = step
    return int(j)


@nb.njit(cache=True, boundscheck=False)
def _steps(
    rptr: NDArray[np.int64],
    rind: NDArray[np.int64],
    cptr: NDArray[np.int64],
    cind: NDArray[np.int64],
    s: tuple[NDArray[np.int64], ...],
    b: tuple[NDArray[np.bool_], ...],
    ctr: NDArray[np.int64],
    steps: int,
) -> bool:  # pragma: no cover - compiled
    """Run up to ``steps`` RWLS steps on the state; False when no step can be made.

    ``ctr`` holds ``[uncovered rows, open columns, best size, tabu column, step, random
    state]``.
    """
    weight, count, score, stamp, uncovered, where, open_list = s
    is_open, can_add, best = b
    for _ in range(steps):
        ctr[4] += 1
        step = ctr[4]
        while ctr[0] == 0:  # a cover: keep it, then close the column losing least
            if ctr[1] < ctr[2]:
                best[:] = is_open
                ctr[2] = ctr[1]
            t = _best_open(open_list, ctr[1], score, stamp, -1)
            if t < 0:
                return False  # no rows at all
            j = _close_at(t, step, rptr, rind, cptr, cind, s, b, ctr)
            can_add[j] = True
        t = _best_open(open_list, ctr[1], score, stamp, ctr[3])
        if t >= 0:
            _close_at(t, step, rptr, rind, cptr, cind, s, b, ctr)
        # xorshift64 (Marsaglia 2003) in ctr[5]: the search's own reproducible stream
        r = ctr[5]
        r ^= r << 13
        r ^= (r >> 7) & 0x01FFFFFFFFFFFFFF  # logical shift of the signed word
        r ^= r << 17
        ctr[5] = r
        row = uncovered[(r & 0x7FFFFFFFFFFFFFFF) % ctr[0]]
        pick = -1
        for q in range(rptr[row], rptr[row + 1]):
            k = rind[q]
            if not can_add[k]:
                continue
            if (
                pick < 0
                or score[k] > score[pick]
                or (score[k] == score[pick] and stamp[k] < stamp[pick])
            ):
                pick = k
        if pick < 0:  # every column of the row waits on its neighbours: the oldest
            for q in range(rptr[row], rptr[row + 1]):
                k = rind[q]
                if pick < 0 or stamp[k] < stamp[pick]:
                    pick = k
        ctr[0] = _flip(
            pick, rptr, rind, cptr, cind, weight, count, score, is_open, can_add,
            uncovered, where, ctr[0],
        )  # fmt: skip
        open_list[ctr[1]] = pick
        ctr[1] += 1
        stamp[pick] = step
        ctr[3] = pick
        for u in range(ctr[0]):  # uncovered rows weigh more: their columns score higher
            i = uncovered[u]
            weight[i] += 1
            for q in range(rptr[i], rptr[i + 1]):
                score[rind[q]] += 1
    return True


@nb.njit(cache=True, boundscheck=False)
def _start(
    rptr: NDArray[np.int64],
    rind: NDArray[np.int64],
    cptr: NDArray[np.int64],
    cind: NDArray[np.int64],
    start: NDArray[np.bool_],
    seed: int,
) -> tuple[tuple[NDArray[np.int64], ...], tuple[NDArray[np.bool_], ...], NDArray[np.int64]]:
    """The search's state with the columns ``start`` open, every weight 1."""
    m = rptr.size - 1
    n = cptr.size - 1
    weight = np.ones(m, dtype=np.int64)
    count = np.zeros(m, dtype=np.int64)
    score = np.zeros(n, dtype=np.int64)
    stamp = np.zeros(n, dtype=np.int64)
    uncovered = np.empty(max(m, 1), dtype=np.int64)
    where = np.full(m, -1, dtype=np.int64)
    open_list = np.empty(max(n, 1), dtype=np.int64)
    is_open = np.zeros(n, dtype=np.bool_)
    can_add = np.ones(n, dtype=np.bool_)
    for i in range(m):  # every row uncovered: every column gains its rows
        uncovered[i] = i
        where[i] = i
        for q in range(rptr[i], rptr[i + 1]):
            score[rind[q]] += 1
    n_unc = m
    n_open = 0
    for j in range(n):
        if start[j]:
            n_unc = _flip(
                j, rptr, rind, cptr, cind, weight, count, score, is_open, can_add,
                uncovered, where, n_unc,
            )  # fmt: skip
            open_list[n_open] = j
            n_open += 1
    can_add[:] = True
    rng = (seed * 2654435761 + 88172645463325252) & 0x7FFFFFFFFFFFFFFF or 1
    ctr = np.array([n_unc, n_open, n_open if n_unc == 0 else n + 1, -1, 0, rng], dtype=np.int64)
    s = (weight, count, score, stamp, uncovered, where, open_list)
    return s, (is_open, can_add, is_open.copy()), ctr


def row_weighting_search(
    rptr: NDArray[np.int64],
    rind: NDArray[np.int64],
    cptr: NDArray[np.int64],
    cind: NDArray[np.int64],
    chosen: NDArray[np.bool_],
    *,
    deadline: float = np.inf,
    max_steps: int = 10_000_000,
    floor: int = 0,
    seed: int = 0,
) -> tuple[NDArray[np.bool_], int]:
    """The fewest columns covering every row RWLS finds from the cover ``chosen``.

    Parameters
    ----------
    rptr, rind, cptr, cind
        CSR (row → columns) and CSC (column → rows) index arrays of the ``(m, n)``
        pattern; every row has a column.
    chosen
        A cover to start from (``(n,)`` bools).
    deadline
        When to stop, in :func:`time.perf_counter` seconds (looked at every
        :data:`CHECK_EVERY` steps).
    max_steps
        Most steps; with an infinite ``deadline`` the search is deterministic for a
        ``seed``.
    floor
        Stop once the best cover has at most this many columns (a proven lower bound
        on the fewest: no better cover exists).
    seed
        Seed of the random choice of uncovered rows.

    Returns
    -------
    tuple
        The best cover (``(n,)`` bools, never more columns than ``chosen``) and the
        steps run.

    """
    s, b, ctr = _start(rptr, rind, cptr, cind, chosen.astype(np.bool_), seed)
    if ctr[2] > chosen.size:  # not a cover: nothing to search from
        return chosen.copy(), 0
    while ctr[2] > floor and ctr[4] < max_steps and time.perf_counter() < deadline:
        if not _steps(rptr, rind, cptr, cind, s, b, ctr, min(CHECK_EVERY, max_steps - ctr[4])):
            break
    return b[2].copy(), int(ctr[4])
