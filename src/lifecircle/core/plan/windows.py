"""Large-neighbourhood search for set covers: re-solve a window of nearby sites exactly.

A city cover's sites interact only with their neighbours, so a cover can be improved
piece by piece: take a few open columns that share rows (a *window*, grown breadth-first
from a random site), close them, and let HiGHS cover the rows only they covered, using
any column, at least cost. When HiGHS needs fewer (or cheaper) columns than were closed,
the cover improves; otherwise it is left as it was. This is the destroy-and-repair
scheme of Shaw (1998, "Using constraint programming and local search methods to solve
vehicle routing problems", *CP-98*, LNCS 1520, 417–431) with an exact repair, as Pisinger
and Ropke (2010, "Large neighborhood search", *Handbook of Metaheuristics*) describe; the
Lagrangian method (:mod:`lifecircle.core.plan.lagrangian`) runs it in the time its
multipliers no longer use when the sites' costs differ (for equal costs the row-weighting
search of :mod:`lifecircle.core.plan.row_weighting` finds better covers: windows of 14
or 30 sites found nothing to improve on its 1,255-site cover of the synthetic city's
largest part in 15 s).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

if TYPE_CHECKING:
    from numpy.typing import NDArray

WINDOW_SITES = 14
"""Open columns closed per window (HiGHS re-covers their rows in well under a second)."""

WINDOW_S = 2.0
"""Most seconds HiGHS gets per window."""


def improve_by_windows(
    a: sparse.csr_array,
    at: sparse.csr_array,
    cost: NDArray[np.float64],
    chosen: NDArray[np.bool_],
    deadline: float,
    *,
    seed: int = 0,
) -> NDArray[np.bool_]:
    """Re-solve windows of nearby open columns until ``deadline`` (``perf_counter`` s).

    Parameters
    ----------
    a, at
        The ``(m, n)`` 0/1 pattern as CSR, and its transpose as CSR (column → rows).
    cost
        Positive cost per column.
    chosen
        A cover (``(n,)`` bools).
    deadline
        When to stop, in :func:`time.perf_counter` seconds.
    seed
        Seed of the random window centres.

    Returns
    -------
    NDArray[np.bool_]
        A cover no dearer than ``chosen``.

    """
    rng = np.random.default_rng(seed)
    out = chosen.copy()
    count = np.asarray(a @ out.astype(np.float64)).round().astype(np.int64)
    tries = 0
    while time.perf_counter() < deadline - 0.1:
        open_ = np.flatnonzero(out)
        if open_.size == 0:
            break
        tries += 1
        window = _window(a, at, out, int(rng.choice(open_)))
        inside = np.zeros(count.size, dtype=np.int64)
        for j in window:
            inside[at.indices[at.indptr[j] : at.indptr[j + 1]]] += 1
        rows = np.flatnonzero((inside > 0) & (count == inside))  # only the window covers
        if rows.size == 0:  # the window is redundant as it stands: close it all
            _apply(at, out, count, window, np.zeros(0, dtype=np.int64))
            continue
        sub_rows = a[rows]
        cols = np.unique(sub_rows.indices)
        sub = sparse.csr_array(sub_rows[:, cols])
        left = deadline - time.perf_counter()
        if left <= 0.05:
            break
        res = milp(
            cost[cols],
            integrality=np.ones(cols.size),
            bounds=Bounds(0.0, 1.0),
            constraints=[LinearConstraint(sub, 1.0, np.inf)],
            options={"time_limit": min(WINDOW_S, left), "disp": False},
        )
        if res.x is None:
            continue
        new = cols[np.asarray(res.x) > 0.5]
        if float(cost[new].sum()) < float(cost[window].sum()) - 1e-9:
            _apply(at, out, count, window, new)
    return out


def _window(
    a: sparse.csr_array, at: sparse.csr_array, out: NDArray[np.bool_], start: int
) -> NDArray[np.int64]:
    """Up to :data:`WINDOW_SITES` open columns near ``start``, breadth first.

    Neighbours share a row; when those run out, open columns that share a row with a
    column reaching one of the window's rows (rivals for the same rows) are added.
    """
    seen = {start}
    order = [start]
    for hops in (1, 2):
        head = 0
        while head < len(order) and len(order) < WINDOW_SITES:
            j = order[head]
            head += 1
            near = np.unique(a[at.indices[at.indptr[j] : at.indptr[j + 1]]].indices)
            if hops == 2:
                near = np.unique(a[np.unique(at[near].indices)].indices)
            for o in near[out[near]].tolist():
                if o not in seen:
                    seen.add(o)
                    order.append(o)
                    if len(order) == WINDOW_SITES:
                        break
    return np.asarray(order, dtype=np.int64)


def _apply(
    at: sparse.csr_array,
    out: NDArray[np.bool_],
    count: NDArray[np.int64],
    close: NDArray[np.int64],
    open_: NDArray[np.int64],
) -> None:
    """Close ``close`` and open ``open_`` (in place), keeping the row counts."""
    for j in close:
        out[j] = False
        count[at.indices[at.indptr[j] : at.indptr[j + 1]]] -= 1
    for j in open_:
        out[j] = True
        count[at.indices[at.indptr[j] : at.indptr[j + 1]]] += 1
