"""Set covering split into independent parts: a city-wide cover solved exactly, part by part.

Demand points and candidates that share no reach pair cannot affect each other's choice
when every point must be covered: the set-cover instance falls apart into the connected
components of its bipartite reach graph, and the optimum is the sum of the parts'
optima. Gaps in a city are usually local (a few communities without a pharmacy), so a
city-wide instance far too large for one MILP is many small ones HiGHS proves optimal
in a moment; a part too large for HiGHS goes to the Lagrangian method
(:mod:`lifecircle.core.plan.lagrangian`: reductions, a subgradient bound, guided covers
and HiGHS on a core), whose bound then enters the sum of bounds. A partial cover (a
``target`` share) couples the parts and is solved whole.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from lifecircle.core.plan import solvers
from lifecircle.core.plan.lagrangian import LagrangianSolver
from lifecircle.core.plan.reduce import reduce_cover
from lifecircle.core.plan.solvers import (
    MaxCoverInstance,
    SetCoverInstance,
    Solution,
    milp_solver,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray

MIN_PART_S = 1.0
"""The least time a part's MILP gets, seconds (most parts are solved in far less)."""

MILP_PART_PAIRS = 20_000
"""Largest part (reach pairs) HiGHS is given; the Lagrangian method takes larger ones.

HiGHS's LP relaxation of a 17,000-row city part with a million pairs had not finished
after 100 s, and its MILP stopped at 60 s with a gap of 99 %. Smaller parts of the
synthetic city (400-900 rows, 30,000-100,000 pairs) stopped at their 1-2 s share with
the greedy's covers (46 sites, bound 33), where the Lagrangian method, whose exact core
HiGHS then solves, proved 34 and 33 in the same time.
"""

UNLIMITED_S = 600.0
"""The Lagrangian method's time per part when the split has no time limit, seconds."""


def components(reach: sparse.csr_array) -> tuple[NDArray[np.int64], NDArray[np.int64], int]:
    """Component label of each demand row and each candidate column, and their number.

    Candidates reaching no row get components of their own (they are never chosen).
    """
    m = reach.shape[0]
    a = sparse.csr_array(reach, dtype=np.int8)
    graph = sparse.block_array([[None, a], [a.T, None]], format="csr")
    count, labels = csgraph.connected_components(graph, directed=False)
    return labels[:m].astype(np.int64), labels[m:].astype(np.int64), int(count)


@dataclass(frozen=True)
class SplitSolver:
    """Solve full set covers component by component; everything else as :attr:`whole`.

    Attributes
    ----------
    time_limit_s
        Time for all the parts together, seconds. Parts are solved smallest first, each
        given its share of the time left in proportion to its reach pairs (at least
        :data:`MIN_PART_S`). A MILP stopped by its share keeps the better of HiGHS's
        answer and the greedy's, so the split is never worse than the greedy alone.
    max_cells
        Parts with more reach pairs than this go to the Lagrangian method (default the
        smaller of :data:`MILP_PART_PAIRS` and
        :data:`~lifecircle.core.plan.solvers.MAX_MILP_CELLS`, read at each solve).
    rel_gap
        Relative gap at which the Lagrangian method stops (default 1 %).
    started
        :func:`time.perf_counter` when the time limit began, so that work before the
        solver (building the model and its pattern) counts; ``None`` (default): when
        :meth:`set_cover` or :meth:`max_cover` is called.

    """

    time_limit_s: float | None = 60.0
    max_cells: int | None = None
    rel_gap: float = 0.01
    started: float | None = None

    def _left(self, now: float) -> float | None:
        """Seconds of the time limit left at ``now`` (at least :data:`MIN_PART_S`)."""
        if self.time_limit_s is None:
            return None
        begun = now if self.started is None else self.started
        return max(MIN_PART_S, self.time_limit_s - (time.perf_counter() - begun))

    @property
    def _cells(self) -> int:
        if self.max_cells is not None:
            return self.max_cells
        return min(MILP_PART_PAIRS, solvers.MAX_MILP_CELLS)

    def _one(self, instance: SetCoverInstance, time_limit_s: float | None) -> Solution:
        if instance.reach.nnz <= self._cells:
            return milp_solver(time_limit_s=time_limit_s).set_cover(instance)
        limit = UNLIMITED_S if time_limit_s is None else time_limit_s
        return LagrangianSolver(time_limit_s=limit, rel_gap=self.rel_gap).set_cover(instance)

    def set_cover(self, instance: SetCoverInstance) -> Solution:
        """The union of each part's cover; bound the sum of the parts' bounds.

        The whole instance is reduced first (:func:`~lifecircle.core.plan.reduce.reduce_cover`:
        forced sites, dominated rows and columns), which also cuts it into more and
        smaller parts; the time limit counts the reductions and the split.
        """
        started = time.perf_counter() if self.started is None else self.started
        if instance.target is not None:
            return self._one(instance, self._left(started))
        red = reduce_cover(instance.reach, instance.site_cost)
        reach = red.reach
        row_label, col_label, _ = components(reach)
        parts = np.unique(row_label)
        pairs = np.bincount(row_label, weights=np.diff(reach.indptr), minlength=parts.size)
        pairs_left = float(pairs[parts].sum())
        sites: list[NDArray[np.int64]] = [red.forced]
        bound: float | None = red.forced_cost
        optimal = True
        methods: set[str] = set()
        row_order = np.argsort(row_label, kind="stable")
        col_order = np.argsort(col_label, kind="stable")
        row_cut = np.searchsorted(row_label[row_order], parts)
        col_cut_lo = np.searchsorted(col_label[col_order], parts, side="left")
        col_cut_hi = np.searchsorted(col_label[col_order], parts, side="right")
        row_end = np.append(row_cut[1:], row_order.size)
        for k in np.argsort(pairs[parts], kind="stable").tolist():
            rows = row_order[row_cut[k] : row_end[k]]
            cols = col_order[col_cut_lo[k] : col_cut_hi[k]]
            sub = SetCoverInstance(
                sparse.csr_array(reach[rows][:, cols]),
                instance.weight[red.rows[rows]],
                red.cost[cols],
                None,
            )
            share = None
            if self.time_limit_s is not None:
                left = self.time_limit_s - (time.perf_counter() - started)
                share = max(MIN_PART_S, left * pairs[parts[k]] / max(pairs_left, 1.0))
            pairs_left -= float(pairs[parts[k]])
            solution = self._one(sub, share)
            sites.append(red.cols[cols[solution.sites]])
            optimal &= solution.optimal
            methods.add(solution.method)
            bound = None if bound is None or solution.bound is None else bound + solution.bound
        method = "milp" if methods <= {"milp"} else "+".join(sorted(methods))
        chosen = np.unique(np.concatenate(sites))
        return Solution(chosen.astype(np.int64), bound, optimal, method)

    def max_cover(self, instance: MaxCoverInstance) -> Solution:
        """Maximal covering is not split (the budget couples the parts).

        Up to :data:`~lifecircle.core.plan.solvers.MAX_MILP_CELLS` pairs (or
        :attr:`max_cells`) HiGHS solves it; larger ones go to the Lagrangian method.
        """
        cells = solvers.MAX_MILP_CELLS if self.max_cells is None else self.max_cells
        if instance.reach.nnz <= cells:
            return milp_solver(time_limit_s=self._left(time.perf_counter())).max_cover(instance)
        left = self._left(time.perf_counter())
        limit = UNLIMITED_S if left is None else left
        return LagrangianSolver(time_limit_s=limit, rel_gap=self.rel_gap).max_cover(instance)
