r"""Lagrangian relaxation of weighted set cover: a proven lower bound and a good cover.

For the set-cover problem ``min c·x  s.t.  A x ≥ 1, x ∈ {0, 1}^n`` the cover rows are
relaxed with multipliers :math:`u \ge 0`:

.. math::

    L(u) = \sum_i u_i + \sum_j \min\bigl(0,\; c_j - \sum_{i \in I_j} u_i\bigr)

(:math:`I_j` the rows column :math:`j` covers). For every :math:`u \ge 0`, :math:`L(u)`
is at most the optimum, and its maximum equals the LP relaxation's optimum. The
multipliers are found by the volume algorithm (Barahona and Anbil 2000, "The volume
algorithm: producing primal solutions with a subgradient method", *Mathematical
Programming* 87, 385–399), a subgradient method whose direction
:math:`1 - A \bar x` is taken at a running average :math:`\bar x` of the relaxation's
answers :math:`x(u)`: it zigzags far less than the plain subgradient steps of Beasley
(1990, "A Lagrangian heuristic for set-covering problems", *Naval Research Logistics*
37, 151–164), and :math:`\bar x` approaches an LP solution. The step is
:math:`\lambda (1.05\,UB - L(\bar u)) / \lVert v \rVert^2`, with :math:`\lambda` cut by a
third after 20 steps without a better :math:`L` and raised after an improving step; a
component with :math:`u_i = 0` and :math:`v_i < 0` is set to 0 (Beasley). On the
synthetic city's largest part (16,759 rows, a million pairs) it reached 1,179 in 15 s
where the plain subgradient had 1,115 after 30 s; the LP optimum is 1,187.

Covers come from the greedy of Caprara, Fischetti and Toth (1999, "A heuristic method
for the set covering problem", *Operations Research* 47(5), 730–743) scored on the
reduced costs of the current multipliers, alternately less :math:`c_j \bar x_j`,
cleaned of redundant columns and improved by swaps
(:mod:`lifecircle.core.plan.cover_search`). After the volume phase, columns that cannot
be in a cover cheaper than the best one are fixed to 0 by their reduced cost
(:math:`L(u) + \max(0, c_j - u \cdot a_j)` is a lower bound on every cover holding
:math:`j`), and when what is left (the *core*) is small enough HiGHS solves it within
the remaining time: its answer, and its bound, hold for the whole instance. When it is
not, the remaining time improves the cover: when every column costs the same (the count
of sites) by the row-weighting local search of Gao, Weise and Li (2015,
:mod:`lifecircle.core.plan.row_weighting`) on a core of the columns of small reduced
cost, before HiGHS's turn (it may reach the bound and so prove its cover optimal);
otherwise by re-solving windows of nearby sites exactly
(:mod:`lifecircle.core.plan.windows`). Before all this the instance is reduced
(:func:`lifecircle.core.plan.reduce.reduce_cover`).

Meanwhile, on instances of :data:`~lifecircle.core.plan.lp_bound.MIN_LP_PAIRS` pairs or
more, HiGHS's interior point solves the LP relaxation in a thread on the other core
(:mod:`lifecircle.core.plan.lp_bound`); when its duals arrive the volume steps stop, and
their :math:`L(u)`, the LP's optimum, gives the bound and the reduced costs of the cores
(on the synthetic city's two largest parts 1,187 and 667 where the steps had 1,177 and
661).

The bound reported is the best :math:`L(u)` (or the core's proof), rounded up when every
cost is a whole number; it never exceeds the optimum.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numba as nb
import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from lifecircle.core.plan.cover_search import drop_redundant_columns, scored_greedy, swap_search
from lifecircle.core.plan.lp_bound import LpDuals
from lifecircle.core.plan.max_cover import lagrangian_max_cover
from lifecircle.core.plan.reduce import reduce_cover
from lifecircle.core.plan.row_weighting import row_weighting_search
from lifecircle.core.plan.solvers import (
    TOL,
    MaxCoverInstance,
    SetCoverInstance,
    Solution,
    greedy_solver,
)
from lifecircle.core.plan.windows import improve_by_windows
from lifecircle.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Callable

    from numpy.typing import NDArray

MAX_CORE_NNZ = 400_000
"""Largest core (non-zeros) HiGHS is given; beyond it, the volume steps go on instead."""

RED_STEPS = 20
"""Volume steps without a better ``L(u)`` after which the step factor shrinks by a third."""

TARGET_ABOVE_UB = 0.05
"""The step aims at ``L = UB (1 + this)``: the best cover's cost, a little above it."""

SEARCH_REDUCED_COST = 0.1
"""Columns of reduced cost below this share of their cost join the local search's core."""

SEARCH_PER_ROW = 5
"""Columns of least reduced cost each row brings to the local search's core."""

HEURISTIC_SHARE = 0.25
"""Most share of the stepping time spent on guided covers (one costs 20-50 steps)."""


@dataclass(frozen=True, eq=False)
class LagrangianCover:
    """What :func:`lagrangian_set_cover` found.

    Attributes
    ----------
    sites
        The cover: original column indices, sorted.
    cost
        Its total cost.
    bound
        Proven lower bound on the optimal cost (never above it).
    iterations
        Subgradient iterations run.
    reduced_shape
        ``(rows, columns)`` left after the reductions.
    core_exact
        HiGHS solved a core that holds every column that could improve the cover.

    """

    sites: NDArray[np.int64]
    cost: float
    bound: float
    iterations: int
    reduced_shape: tuple[int, int]
    core_exact: bool

    @property
    def gap(self) -> float:
        """``(cost - bound) / cost``; 0 when proven optimal."""
        return 0.0 if self.cost <= 0 else max(0.0, (self.cost - self.bound) / self.cost)


@dataclass
class _Arrays:
    """CSR and CSC index arrays of the reduced instance (int64 for the kernels)."""

    a: sparse.csr_array
    at: sparse.csr_array
    rptr: NDArray[np.int64]
    rind: NDArray[np.int64]
    cptr: NDArray[np.int64]
    cind: NDArray[np.int64]
    cost: NDArray[np.float64]

    @classmethod
    def of(cls, a: sparse.csr_array, cost: NDArray[np.float64]) -> _Arrays:
        at = sparse.csr_array(a.T)
        at.sort_indices()
        return cls(
            a,
            at,
            a.indptr.astype(np.int64),
            a.indices.astype(np.int64),
            at.indptr.astype(np.int64),
            at.indices.astype(np.int64),
            cost,
        )

    def cover(self, gamma: NDArray[np.float64], passes: int = 3) -> NDArray[np.bool_]:
        """CFT greedy on ``gamma``, redundant columns dropped, then swaps."""
        start = np.zeros(self.cost.size, dtype=np.bool_)
        chosen = scored_greedy(self.rptr, self.rind, self.cptr, self.cind, gamma, start)
        return self.clean(chosen, gamma, passes)

    def clean(
        self, chosen: NDArray[np.bool_], gamma: NDArray[np.float64], passes: int
    ) -> NDArray[np.bool_]:
        """Drop redundant columns (dearest, then worst reduced cost first), then swap."""
        open_ = np.flatnonzero(chosen)
        order = open_[np.lexsort((-gamma[open_], -self.cost[open_]))].astype(np.int64)
        chosen = drop_redundant_columns(self.cptr, self.cind, self.a.shape[0], chosen, order)
        return swap_search(self.rptr, self.rind, self.cptr, self.cind, self.cost, chosen, passes)


def lagrangian_set_cover(
    reach: sparse.sparray | sparse.spmatrix,
    cost: NDArray[np.float64],
    *,
    rel_gap: float = 0.01,
    time_limit_s: float = 60.0,
    core_share: float = 0.4,
    max_iterations: int = 100_000,
) -> LagrangianCover:
    """A cover and a lower bound for full weighted set cover (see the module docstring).

    Parameters
    ----------
    reach
        ``(m, n)`` sparse pattern: row ``i`` is covered by column ``j``; every row has one.
    cost
        Positive cost per column, ``(n,)``.
    rel_gap
        Stop once ``(cost - bound) / cost`` is at most this (default 1 %).
    time_limit_s
        Wall-clock limit, seconds (the reductions and the core's HiGHS run included;
        the answer may come a little later, after the step that was running).
    core_share
        Share of the time kept for HiGHS on the core and the local search, when the
        subgradient has not closed the gap by itself.
    max_iterations
        Most subgradient iterations.

    Returns
    -------
    LagrangianCover

    Raises
    ------
    ValidationError
        A gap, time limit or share out of range, or a bad cost vector.
    InfeasibleError
        A row no column covers.

    """
    problems = []
    if not 0.0 <= rel_gap < 1.0:
        problems.append(f"rel_gap {rel_gap} is outside [0, 1)")
    if not 0.0 < time_limit_s < math.inf:
        problems.append(f"time_limit_s {time_limit_s} must be positive and finite")
    if not 0.0 <= core_share < 1.0:
        problems.append(f"core_share {core_share} is outside [0, 1)")
    if problems:
        raise ValidationError("Lagrangian set cover: " + "; ".join(problems))
    started = time.perf_counter()
    red = reduce_cover(reach, cost)
    c = np.asarray(cost, dtype=np.float64)
    whole = bool(np.all(c == np.round(c)))
    m, n = red.reach.shape
    if m == 0:
        sites = red.expand(np.zeros(0, dtype=np.int64))
        return LagrangianCover(sites, red.forced_cost, red.forced_cost, 0, (m, n), core_exact=True)
    arrays = _Arrays.of(red.reach, red.cost)
    search = _Subgradient(arrays, whole=whole, rel_gap=rel_gap)
    deadline = started + time_limit_s
    lp = LpDuals(arrays.a, arrays.cost, deadline=deadline)  # on the other core meanwhile
    search.run(deadline - core_share * time_limit_s, max_iterations, solved=lp.result)
    search.take(lp.result())
    core_exact = False
    if search.equal_costs and not search.closed():
        # the local search first (it may reach the bound and prove the cover optimal),
        # then HiGHS on the core, which is smaller below a better cover, when one fits
        now = time.perf_counter()
        search.improve(now + (deadline - now) / 2 if search.core_fits() else deadline)
        if not search.closed():
            core_exact = search.core(deadline)
    elif not search.closed():
        core_exact = search.core(deadline)
        if not search.closed() and not core_exact:  # no exact core fits: better covers
            search.improve(deadline)
    search.take(lp.result())  # when the LP ended during the covers' search
    chosen = np.flatnonzero(search.best_cover)
    total = red.forced_cost + float(red.cost[chosen].sum())
    bound = min(red.forced_cost + search.bound(), total)
    return LagrangianCover(red.expand(chosen), total, bound, search.iterations, (m, n), core_exact)


class _Subgradient:
    """The multipliers, the best bound and cover so far, and the volume step control."""

    def __init__(self, arrays: _Arrays, *, whole: bool, rel_gap: float) -> None:
        self.x = arrays
        self.whole = whole
        self.rel_gap = rel_gap
        a, c = arrays.a, arrays.cost
        # CFT's start: each row priced at its cheapest cost per row covered
        per_row = c / np.maximum(np.diff(arrays.cptr), 1)
        u = np.full(a.shape[0], np.inf)
        row_of = np.repeat(np.arange(a.shape[0]), np.diff(arrays.rptr))
        np.minimum.at(u, row_of, per_row[arrays.rind])
        self.u = u
        self.best_u = u.copy()
        self.best_l = -math.inf
        self.best_cover = arrays.cover(c)  # the plain greedy, cleaned
        self.ub = float(c[self.best_cover].sum())
        self.iterations = 0
        self._gamma_best = c.copy()
        self.x_bar = np.zeros(c.size)  # the volume algorithm's primal average
        self._lam, self._alpha_max = 0.1, 0.1  # its step factor and largest weight
        self._stepping_s = self._heuristic_s = 0.0  # time in run(), and in covers there
        self._turn = 0

    def bound(self) -> float:
        """The best L(u), rounded up to a whole number when every cost is one."""
        if self.best_l == -math.inf:
            return 0.0
        slack = 1e-6 * max(1.0, abs(self.best_l))  # floating sums over millions of terms
        return float(math.ceil(self.best_l - slack)) if self.whole else self.best_l

    def closed(self) -> bool:
        return self.ub - self.bound() <= self.rel_gap * self.ub + 1e-9

    def _try(self, gamma: NDArray[np.float64]) -> None:
        chosen = self.x.cover(gamma)
        value = float(self.x.cost[chosen].sum())
        if value < self.ub - 1e-9:
            self.ub, self.best_cover = value, chosen

    def run(
        self,
        until: float,
        max_iterations: int,
        solved: Callable[[], NDArray[np.float64] | None] = lambda: None,
    ) -> None:
        """Volume steps until the gap closes, the step vanishes or time runs out.

        They stop as well once the LP relaxation's duals arrive (``solved()`` not None):
        no step can beat them.

        The volume algorithm (Barahona and Anbil 2000) steps along ``1 - A x̄``, the
        subgradient at a running average ``x̄`` of the relaxation's answers ``x(u)``,
        instead of at the last ``x(u)`` alone: the steps zigzag far less than plain
        subgradient ones, and ``x̄`` tends to a near-optimal LP solution, whose large
        entries guide the covers. The centre ``ū`` moves only when ``L`` improves; the
        step factor shrinks after :data:`RED_STEPS` steps without improvement and grows
        after an improvement in a direction that still agrees with ``1 - A x(u)``.
        """
        a, c = self.x.a, self.x.cost
        u_bar = self.u
        if self.iterations == 0:
            value, x_t, gamma = self._relax(u_bar)
            self._improve(value, u_bar, gamma)
            self.x_bar = x_t
        x_bar = self.x_bar
        lam, alpha_max, red, checkpoint = self._lam, self._alpha_max, 0, self.best_l
        begun = time.perf_counter() - self._stepping_s
        while self.iterations < max_iterations and not self.closed():
            if time.perf_counter() > until or (self.iterations % 10 == 0 and solved() is not None):
                break
            self.iterations += 1
            v = 1.0 - a @ x_bar
            v[(u_bar <= 0.0) & (v < 0.0)] = 0.0
            norm = _dot(v, v)
            if norm == 0.0 or lam < 1e-6:
                break
            target = max(self.ub * (1.0 + TARGET_ABOVE_UB) - self.best_l, 1e-9 * self.ub)
            u = np.maximum(u_bar + lam * target / norm * v, 0.0)
            value, x_t, gamma = self._relax(u)
            v_t = 1.0 - a @ x_t
            dv = v_t - v
            den = _dot(dv, dv)
            alpha = alpha_max if den == 0.0 else -_dot(v, dv) / den
            alpha = min(alpha_max, max(alpha_max / 10.0, alpha))
            x_bar = alpha * x_t + (1.0 - alpha) * x_bar
            if self._improve(value, u, gamma):
                u_bar, red = u, 0
                if _dot(v, v_t) >= 0.0:
                    lam = min(2.0 * lam if lam < 0.01 else 1.1 * lam, 2.0)
            else:
                red += 1
                if red >= RED_STEPS:
                    lam, red = lam * 0.66, 0
            if self.iterations % 100 == 0:  # L stalls: trust the newest x(u) less
                if self.best_l - checkpoint < 0.01 * abs(checkpoint) and alpha_max > 1e-5:
                    alpha_max /= 2.0
                checkpoint = self.best_l
            now = time.perf_counter()
            if self.iterations % 10 == 0 and self._heuristic_s < HEURISTIC_SHARE * (now - begun):
                # alternately on the reduced costs, and on them less the LP-like x̄
                self._turn += 1
                self._try(self._gamma_best - (c * x_bar if self._turn % 2 else 0.0))
                self._heuristic_s += time.perf_counter() - now
        self.u, self.x_bar, self._lam, self._alpha_max = u_bar, x_bar, lam, alpha_max
        self._stepping_s = time.perf_counter() - begun
        self._try(self._gamma_best - c * x_bar)
        self._try(self._gamma_best)

    def _relax(
        self, u: NDArray[np.float64]
    ) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
        """``L(u)``, the relaxation's answer ``x(u)`` (columns of negative γ) and ``γ``."""
        gamma = self.x.cost - self.x.at @ u
        negative = gamma < 0.0
        return float(u.sum() + gamma[negative].sum()), negative.astype(np.float64), gamma

    def take(self, u: NDArray[np.float64] | None) -> None:
        """Use multipliers found elsewhere (the LP's duals): their bound, core and cover."""
        if u is None or u.size != self.x.a.shape[0]:
            return
        value, _, gamma = self._relax(u)
        if self._improve(value, u, gamma):
            self.u = u
            self._try(gamma)

    def _improve(self, value: float, u: NDArray[np.float64], gamma: NDArray[np.float64]) -> bool:
        if value <= self.best_l:
            return False
        self.best_l, self.best_u, self._gamma_best = value, u, gamma
        return True

    def improve(self, deadline: float) -> None:
        """Improve the best cover until ``deadline``: by RWLS when every cost is equal.

        Row-weighting local search (:mod:`lifecircle.core.plan.row_weighting`) for
        the count of sites: on the synthetic city's largest part it went from the
        greedy's 1,429 sites to 1,250 in 15 s, where the windows had reached 1,288 from
        the guided covers; for other costs, windows of nearby sites re-solved by HiGHS
        (:mod:`lifecircle.core.plan.windows`).
        """
        x, c = self.x, self.x.cost
        if self.equal_costs:
            cols = self._search_columns()
            sub = _Arrays.of(sparse.csr_array(x.a[:, cols]), c[cols])
            floor = math.ceil(self.bound() / c[0] - 1e-9)
            found, _ = row_weighting_search(
                sub.rptr, sub.rind, sub.cptr, sub.cind, self.best_cover[cols],
                deadline=deadline, floor=floor,
            )  # fmt: skip
            chosen = np.zeros(c.size, dtype=np.bool_)
            chosen[cols[found]] = True
        else:
            chosen = improve_by_windows(x.a, x.at, c, self.best_cover, deadline)
        value = float(c[chosen].sum())
        if value < self.ub - 1e-9:
            self.ub, self.best_cover = value, chosen

    def _search_columns(self) -> NDArray[np.int64]:
        """The columns the local search may open: a core, as CFT (1999) restrict theirs.

        Those of reduced cost below :data:`SEARCH_REDUCED_COST` (relative to the cost)
        at the best multipliers, each row's :data:`SEARCH_PER_ROW` of least reduced cost,
        and the best cover's: on the largest part of the synthetic city 20,000 of 45,000
        columns, and 1,239 sites in 15 s where all columns gave 1,246.
        """
        x, gamma = self.x, self._gamma_best
        keep = gamma < SEARCH_REDUCED_COST * x.cost
        keep |= self.best_cover
        keep[_least_per_row(x.rptr, x.rind, gamma, SEARCH_PER_ROW)] = True
        return np.flatnonzero(keep).astype(np.int64)

    @property
    def equal_costs(self) -> bool:
        """Whether every column costs the same (the count of sites)."""
        c = self.x.cost
        return bool(c.size) and bool(np.all(c == c[0]))

    def _core_columns(self) -> NDArray[np.bool_]:
        """Columns that may be in a cover cheaper than the best (see :meth:`core`)."""
        slack = 1e-6 * max(1.0, self.ub)  # floating sums: keep a column in doubt
        step = 1.0 if self.whole else 0.0
        return self.best_l + np.maximum(self._gamma_best, 0.0) <= self.ub - step + slack

    def core_fits(self) -> bool:
        """Whether the core is small enough for :meth:`core` to give it to HiGHS."""
        return int(np.diff(self.x.cptr)[self._core_columns()].sum()) <= MAX_CORE_NNZ

    def core(self, deadline: float) -> bool:
        """HiGHS on the columns that could still improve the cover; True when exact.

        A column ``j`` with ``L(u) + max(0, γ_j) > UB - step`` (``step`` 1 for whole
        costs, else a relative hair) cannot be in a cover cheaper than the best one, so
        fixing it to 0 keeps every improving cover: HiGHS's answer on the rest, and its
        bound, then hold for the whole instance. A rest of more than
        :data:`MAX_CORE_NNZ` pairs is left alone (False): on a 17,000-row city part HiGHS
        found no cover better than three times the greedy's in 60 s even on CFT's core
        of each row's cheapest columns, where further volume steps still help.
        """
        left = deadline - time.perf_counter()
        if left <= 0.5:
            return False
        a, c, gamma = self.x.a, self.x.cost, self._gamma_best
        keep = self._core_columns()
        rows_ok = (a @ keep.astype(np.float64)) > 0
        if not rows_ok.all():  # some row has no improving column: the best cover is optimal
            self.best_l = max(self.best_l, self.ub)
            return True
        if int(np.diff(self.x.cptr)[keep].sum()) > MAX_CORE_NNZ:
            return False
        cols = np.flatnonzero(keep)
        sub = sparse.csr_array(a[:, cols])
        res = milp(
            c[cols],
            integrality=np.ones(cols.size),
            bounds=Bounds(0.0, 1.0),
            constraints=[LinearConstraint(sub, 1.0, np.inf)],
            options={"time_limit": left, "mip_rel_gap": self.rel_gap / 2, "disp": False},
        )
        if res.x is not None:
            chosen = np.zeros(c.size, dtype=np.bool_)
            chosen[cols[np.asarray(res.x) > 0.5]] = True
            chosen = self.x.clean(chosen, gamma, 3)
            value = float(c[chosen].sum())
            if value < self.ub - 1e-9:
                self.ub, self.best_cover = value, chosen
        dual = getattr(res, "mip_dual_bound", None)
        if dual is not None and math.isfinite(dual):
            # every cover cheaper than UB lies in the core, so min(UB, core bound) bounds all
            self.best_l = max(self.best_l, min(self.ub, float(dual)))
        return bool(res.status == 0)


@nb.njit(cache=True, boundscheck=False)
def _least_per_row(
    rptr: NDArray[np.int64], rind: NDArray[np.int64], gamma: NDArray[np.float64], k: int
) -> NDArray[np.int64]:  # pragma: no cover - compiled
    """Each row's ``k`` columns of least ``gamma`` (fewer when the row has fewer)."""
    out = np.empty(min(rind.size, k * (rptr.size - 1)), dtype=np.int64)
    size = 0
    for i in range(rptr.size - 1):
        cols = rind[rptr[i] : rptr[i + 1]]
        for j in cols[np.argsort(gamma[cols])[:k]]:
            out[size] = j
            size += 1
    return out[:size]


def _dot(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    """``a · b`` without BLAS.

    On a loaded machine BLAS's threads wait on each other, and a dot of 17,000 entries
    then cost as much as a sparse product of a million.
    """
    return float(np.multiply(a, b).sum())


@dataclass(frozen=True)
class LagrangianSolver:
    """A :class:`~lifecircle.core.plan.solvers.Solver` for covers too large for the MILP.

    Full set covers go to :func:`lagrangian_set_cover`, maximal covering without a
    capacity to :func:`~lifecircle.core.plan.max_cover.lagrangian_max_cover`; a partial
    cover (a ``target``) and capacitated maximal covering go to the greedy heuristics,
    with their bounds.

    Attributes
    ----------
    time_limit_s
        Wall-clock limit per instance, seconds.
    rel_gap
        Relative gap at which the search stops (default 1 %).

    """

    time_limit_s: float = 60.0
    rel_gap: float = 0.01

    def set_cover(self, instance: SetCoverInstance) -> Solution:
        """The Lagrangian cover of every row; the greedy for a partial cover."""
        if instance.target is not None:
            return greedy_solver().set_cover(instance)
        found = lagrangian_set_cover(
            instance.reach,
            instance.site_cost,
            rel_gap=self.rel_gap,
            time_limit_s=self.time_limit_s,
        )
        return Solution(found.sites, found.bound, found.gap <= TOL, "lagrangian")

    def max_cover(self, instance: MaxCoverInstance) -> Solution:
        """Galvão and ReVelle's Lagrangian maximal covering; the greedy under a capacity."""
        if instance.capacity is not None or instance.k == 0 or instance.reach.shape[0] == 0:
            return greedy_solver().max_cover(instance)
        found = lagrangian_max_cover(
            instance.reach,
            instance.weight,
            instance.k,
            rel_gap=self.rel_gap,
            time_limit_s=self.time_limit_s,
        )
        return Solution(found.sites, found.bound, found.gap <= TOL, "lagrangian")
