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

MILP_PART_PAIRS = 200_000
"""Largest part (reach pairs) HiGHS is given; the Lagrangian method takes larger ones.

HiGHS's LP relaxation of a 17,000-row city part with a million pairs had not finished
after 100 s, and its MILP stopped at 60 s with a gap of 99 %.
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

    """

    time_limit_s: float | None = 60.0
    max_cells: int | None = None
    rel_gap: float = 0.01

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
        """The union of each part's cover; bound the sum of the parts' bounds."""
        if instance.target is not None:
            return self._one(instance, self.time_limit_s)
        reach = sparse.csr_array(instance.reach)
        row_label, col_label, _ = components(reach)
        parts = np.unique(row_label)
        if parts.size <= 1:
            return self._one(instance, self.time_limit_s)
        started = time.perf_counter()
        pairs = np.bincount(row_label, weights=np.diff(reach.indptr), minlength=parts.max() + 1)
        pairs_left = float(pairs[parts].sum())
        sites: list[NDArray[np.int64]] = []
        bound: float | None = 0.0
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
                instance.weight[rows],
                instance.site_cost[cols],
                None,
            )
            share = None
            if self.time_limit_s is not None:
                left = self.time_limit_s - (time.perf_counter() - started)
                share = max(MIN_PART_S, left * pairs[parts[k]] / max(pairs_left, 1.0))
            pairs_left -= float(pairs[parts[k]])
            solution = self._one(sub, share)
            sites.append(cols[solution.sites])
            optimal &= solution.optimal
            methods.add(solution.method)
            bound = None if bound is None or solution.bound is None else bound + solution.bound
        method = "milp" if methods <= {"milp"} else "+".join(sorted(methods))
        chosen = np.unique(np.concatenate(sites)) if sites else np.zeros(0, dtype=np.int64)
        return Solution(chosen.astype(np.int64), bound, optimal, method)

    def max_cover(self, instance: MaxCoverInstance) -> Solution:
        """Maximal covering is not split (the budget couples the parts).

        Up to :data:`~lifecircle.core.plan.solvers.MAX_MILP_CELLS` pairs (or
        :attr:`max_cells`) HiGHS solves it; larger ones go to the Lagrangian method.
        """
        cells = solvers.MAX_MILP_CELLS if self.max_cells is None else self.max_cells
        if instance.reach.nnz <= cells:
            return milp_solver(time_limit_s=self.time_limit_s).max_cover(instance)
        limit = UNLIMITED_S if self.time_limit_s is None else self.time_limit_s
        return LagrangianSolver(time_limit_s=limit, rel_gap=self.rel_gap).max_cover(instance)
