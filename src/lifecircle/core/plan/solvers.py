r"""Solvers of the covering instances: HiGHS MILPs and greedy heuristics with bounds.

The models (:class:`~lifecircle.core.plan.lscp.LSCP`, :class:`~lifecircle.core.plan.mclp.MCLP`)
reduce their reach pairs to a 0/1 pattern of the points still to serve
(:class:`SetCoverInstance`, :class:`MaxCoverInstance`), which a :class:`Solver` answers:
exactly with HiGHS through :func:`scipy.optimize.milp` (:class:`MilpSolver`, whose MILP
formulations are those in the docstrings of the models), or by the greedy heuristics of
:mod:`lifecircle.core.plan.greedy` with the bound each run proves (:class:`GreedySolver`).
The models import this module, never the reverse.

HiGHS is called through this module's name ``milp`` (looked up at call time), so that
replacing ``lifecircle.core.plan.solvers.milp``, as the tests do to simulate a time
limit, reaches every MILP and LP relaxation solved here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from lifecircle.core.plan.greedy import greedy_max_cover, greedy_set_cover
from lifecircle.errors import InfeasibleError, LifecircleError, ValidationError

if TYPE_CHECKING:
    from numpy.typing import NDArray

MAX_MILP_CELLS = 2_000_000
"""Largest ``n_demand * n_candidates`` the default solver gives the MILP; greedy beyond."""

TOL = 1e-9
"""Relative slack on weights and objectives (``0.9 * 10`` may round a hair above 9)."""

# --------------------------------------------------------------------------- solvers


@dataclass(frozen=True, eq=False)
class SetCoverInstance:
    """The reduced set-cover instance a :class:`Solver` sees.

    Attributes
    ----------
    reach
        ``(m, n)`` sparse 0/1 matrix: demand row ``i`` reaches candidate ``j``. Rows are
        only the points still to serve (positive weight, not already covered, reachable).
    weight
        Residents per row, all positive.
    site_cost
        Cost of opening each candidate, all positive (1 for the plain count).
    target
        ``None``: every row must be reached. Otherwise the residents (sum of ``weight``)
        the new sites must reach at least.

    """

    reach: sparse.csr_array
    weight: NDArray[np.float64]
    site_cost: NDArray[np.float64]
    target: float | None


@dataclass(frozen=True, eq=False)
class MaxCoverInstance:
    """The reduced maximal-covering instance a :class:`Solver` sees.

    Attributes
    ----------
    reach, weight
        As in :class:`SetCoverInstance`.
    k
        Most sites to open.
    capacity
        Residents each candidate can serve, or ``None`` for no limit.

    """

    reach: sparse.csr_array
    weight: NDArray[np.float64]
    k: int
    capacity: NDArray[np.float64] | None


@dataclass(frozen=True, eq=False)
class Solution:
    """What a solver returns: sites, a bound on the optimum and how it was found.

    Attributes
    ----------
    sites
        Chosen candidate indices.
    bound
        Proven bound on the optimal objective (lower for set cover, upper for maximal
        covering), or ``None`` when the solver proved none.
    optimal
        The solver proved the sites optimal (within its gap tolerance).
    method
        ``"milp"``, ``"greedy"`` or a custom solver's name.

    """

    sites: NDArray[np.int64]
    bound: float | None
    optimal: bool
    method: str


class Solver(Protocol):
    """Anything that solves both reduced instances (tests pass a brute-force one)."""

    def set_cover(self, instance: SetCoverInstance) -> Solution:
        """Cheapest sites reaching every row, or ``instance.target`` residents."""
        ...

    def max_cover(self, instance: MaxCoverInstance) -> Solution:
        """At most ``instance.k`` sites serving the most residents."""
        ...


@dataclass(frozen=True)
class GreedySolver:
    """Greedy heuristics of :mod:`lifecircle.core.plan.greedy`, with their proven bound.

    Attributes
    ----------
    lp_bound
        Also solve the LP relaxation (HiGHS) and report the tighter bound, usually far
        tighter than the combinatorial ones for set cover. Off by default: the greedy
        takes well under a second where the LP takes minutes (20,000 points x 800
        candidates, 557,000 pairs within the limit: 2 minutes for LSCP, 10 for MCLP).

    """

    lp_bound: bool = False

    def set_cover(self, instance: SetCoverInstance) -> Solution:
        """Cheapest-per-newly-covered first; lower bound by dual fitting and knapsack."""
        sites, bound = greedy_set_cover(
            instance.reach, instance.weight, instance.site_cost, instance.target
        )
        if self.lp_bound:
            bound = max(bound, _relaxation(_set_cover_model(instance)))
        value = float(instance.site_cost[sites].sum())
        return Solution(sites, bound, relative_gap(value, bound) <= TOL, "greedy")

    def max_cover(self, instance: MaxCoverInstance) -> Solution:
        """Largest marginal gain first; upper bound from the remaining top-k gains."""
        sites, value, bound = greedy_max_cover(
            instance.reach, instance.weight, instance.k, instance.capacity
        )
        if self.lp_bound:
            bound = min(bound, -_relaxation(_max_cover_model(instance)))
        return Solution(sites, bound, relative_gap(value, bound) <= TOL, "greedy")


@dataclass(frozen=True)
class MilpSolver:
    """Exact solution with HiGHS through :func:`scipy.optimize.milp`.

    Attributes
    ----------
    time_limit_s
        Wall-clock limit in seconds, ``None`` for none. On reaching it, the greedy
        heuristic also runs and the better sites (HiGHS's incumbent or the greedy's) are
        returned with the tighter of both bounds and ``optimal=False``, unless that
        bound closes the gap.
    mip_rel_gap
        Relative gap at which HiGHS stops and calls the answer optimal; 0 (default)
        proves optimality, as the spopt comparison expects.

    """

    time_limit_s: float | None = 60.0
    mip_rel_gap: float = 0.0

    def __post_init__(self) -> None:
        problems = []
        if self.time_limit_s is not None and not 0.0 < self.time_limit_s < math.inf:
            problems.append(f"time_limit_s {self.time_limit_s} must be positive and finite")
        if not 0.0 <= self.mip_rel_gap < 1.0:
            problems.append(f"mip_rel_gap {self.mip_rel_gap} is outside [0, 1)")
        if problems:
            raise ValidationError("MILP solver: " + "; ".join(problems))

    def set_cover(self, instance: SetCoverInstance) -> Solution:
        """Solve the (partial) set-cover MILP of :class:`LSCP`."""
        res = self._run(_set_cover_model(instance))
        if res.status == 0:
            return _from_milp(res, instance.reach.shape[1], minimise=True)
        sites, bound = greedy_set_cover(
            instance.reach, instance.weight, instance.site_cost, instance.target
        )
        greedy = (sites, float(instance.site_cost[sites].sum()), bound)
        return _best_of(res, greedy, instance.reach.shape[1], minimise=True)

    def max_cover(self, instance: MaxCoverInstance) -> Solution:
        """Solve the (capacitated) maximal-covering MILP of :class:`MCLP`.

        The greedy runs first (a fraction of a second): when its own bound already
        proves its sites optimal, HiGHS is not called. Under a capacity that is common
        (``k`` sites each filled to capacity) and saves the most: the capacitated MILP
        has a variable per pair, and 2 sites among 2,000 candidates took HiGHS 48 s.
        """
        greedy = greedy_max_cover(instance.reach, instance.weight, instance.k, instance.capacity)
        if relative_gap(greedy[1], greedy[2]) <= TOL:
            return Solution(greedy[0], greedy[2], optimal=True, method="greedy")
        res = self._run(_max_cover_model(instance))
        if res.status == 0:
            return _from_milp(res, instance.reach.shape[1], minimise=False)
        return _best_of(res, greedy, instance.reach.shape[1], minimise=False)

    def _run(self, model: _Model) -> Any:
        options: dict[str, Any] = {"disp": False, "mip_rel_gap": self.mip_rel_gap}
        if self.time_limit_s is not None:
            options["time_limit"] = self.time_limit_s
        res = milp(
            model.c,
            integrality=model.integrality,
            bounds=model.bounds,
            constraints=model.constraints,
            options=options,
        )
        if res.status == 2:  # screened out beforehand, so a bug if it happens
            raise InfeasibleError(f"HiGHS found the instance infeasible: {res.message}")
        if res.x is None and res.status != 1:
            raise LifecircleError(f"HiGHS failed: {res.message}")
        return res


@dataclass(frozen=True, eq=False)
class _Model:
    """A MILP in :func:`scipy.optimize.milp` form (minimise; sites are the first ``n``)."""

    c: NDArray[np.float64]
    integrality: NDArray[np.float64]
    bounds: Bounds
    constraints: list[LinearConstraint]


def _set_cover_model(instance: SetCoverInstance) -> _Model:
    reach, (m, n) = instance.reach, instance.reach.shape
    if instance.target is None:
        cover = LinearConstraint(reach, 1.0, np.inf)
        return _Model(instance.site_cost, np.ones(n), Bounds(0.0, 1.0), [cover])
    # x_i <= sum_{j in N_i} y_j and sum_i w_i x_i >= target, x continuous.
    link = sparse.hstack([-reach, sparse.eye_array(m)], format="csr")
    total = np.concatenate([np.zeros(n), instance.weight])[np.newaxis, :]
    return _Model(
        np.concatenate([instance.site_cost, np.zeros(m)]),
        np.concatenate([np.ones(n), np.zeros(m)]),
        Bounds(0.0, 1.0),
        [LinearConstraint(link, -np.inf, 0.0), LinearConstraint(total, instance.target, np.inf)],
    )


def _max_cover_model(instance: MaxCoverInstance) -> _Model:
    reach, (m, n), w = instance.reach, instance.reach.shape, instance.weight
    if instance.capacity is None:
        # x_i <= sum_{j in N_i} y_j, x continuous.
        link = sparse.hstack([-reach, sparse.eye_array(m)], format="csr")
        c = np.concatenate([np.zeros(n), -w])
        bounds = Bounds(0.0, 1.0)
        constraints = [LinearConstraint(link, -np.inf, 0.0)]
    else:
        e = reach.nnz
        row, col, pair = np.repeat(np.arange(m), np.diff(reach.indptr)), reach.indices, np.arange(e)
        c = np.concatenate([np.zeros(n), -np.ones(e)])
        bounds = Bounds(np.zeros(n + e), np.concatenate([np.ones(n), w[row]]))
        by_row = sparse.csr_array((np.ones(e), (row, pair)), shape=(m, e))
        by_col = sparse.csr_array((np.ones(e), (col, pair)), shape=(n, e))
        opens = sparse.csr_array((w[row], (pair, col)), shape=(e, n))
        constraints = [
            LinearConstraint(sparse.hstack([sparse.csr_array((m, n)), by_row]), -np.inf, w),
            LinearConstraint(
                sparse.hstack([-sparse.diags_array(instance.capacity), by_col]), -np.inf, 0.0
            ),
            # z_ij <= w_i y_j: implied for integer y, tightens the LP relaxation.
            LinearConstraint(sparse.hstack([-opens, sparse.eye_array(e)]), -np.inf, 0.0),
        ]
    budget = np.concatenate([np.ones(n), np.zeros(c.size - n)])[np.newaxis, :]
    constraints.append(LinearConstraint(budget, 0.0, float(instance.k)))
    integrality = np.concatenate([np.ones(n), np.zeros(c.size - n)])
    return _Model(c, integrality, bounds, constraints)


def _relaxation(model: _Model) -> float:
    """Optimum of the LP relaxation (integrality dropped): a bound on the MILP's."""
    res = milp(model.c, bounds=model.bounds, constraints=model.constraints)
    return float(res.fun) if res.status == 0 else -math.inf


def milp_solver(*, time_limit_s: float | None = 60.0, mip_rel_gap: float = 0.0) -> MilpSolver:
    """The exact HiGHS solver (see :class:`MilpSolver` for the parameters)."""
    return MilpSolver(time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)


def greedy_solver(*, lp_bound: bool = False) -> GreedySolver:
    """The greedy solver for instances too large for the MILP (see :class:`GreedySolver`)."""
    return GreedySolver(lp_bound=lp_bound)


def default_solver(n_cells: int) -> Solver:
    """The MILP for up to :data:`MAX_MILP_CELLS` matrix cells, greedy beyond."""
    return milp_solver() if n_cells <= MAX_MILP_CELLS else greedy_solver()


def _dual_bound(res: Any, *, minimise: bool) -> float | None:
    """HiGHS's bound on the optimum, in the model's own sense (``None`` if unknown)."""
    dual = getattr(res, "mip_dual_bound", None)
    if dual is None or not math.isfinite(dual):
        return None
    return float(dual) if minimise else -float(dual)


def _from_milp(res: Any, n: int, *, minimise: bool) -> Solution:
    sites = np.flatnonzero(np.asarray(res.x)[:n] > 0.5).astype(np.int64)
    return Solution(sites, _dual_bound(res, minimise=minimise), bool(res.status == 0), "milp")


def _best_of(
    res: Any, greedy: tuple[NDArray[np.int64], float, float], n: int, *, minimise: bool
) -> Solution:
    """After a time limit: the better of HiGHS's incumbent and the greedy sites.

    HiGHS's incumbent at a time limit can be far worse than the greedy answer on large
    instances (a third of its coverage in our 5,000 x 400 trials), and its dual bound
    looser; the greedy costs a fraction of a second, so both are kept and compared.
    """
    sites, value, bound = greedy
    dual = _dual_bound(res, minimise=minimise)
    if dual is not None:
        bound = max(bound, dual) if minimise else min(bound, dual)
    if res.x is not None:
        incumbent = float(res.fun) if minimise else -float(res.fun)
        if (incumbent <= value) if minimise else (incumbent >= value):
            milp_sites = _from_milp(res, n, minimise=minimise).sites
            return Solution(milp_sites, bound, optimal=False, method="milp")
    return Solution(sites, bound, optimal=False, method="greedy")


def is_integral(values: NDArray[np.float64]) -> bool:
    """Whether every value is a whole number (then so is any optimum built from them)."""
    return bool(np.all(values == np.round(values)))


def relative_gap(value: float, bound: float | None) -> float:
    """``|value - bound|`` relative to the larger of both (0 when both are 0)."""
    if bound is None:
        return math.inf
    scale = max(abs(value), abs(bound))
    return 0.0 if scale == 0.0 else abs(value - bound) / scale
