r"""Gap-filling plans from a walking-metres matrix: the fewest new places, or the best k.

The input is a cost matrix, never a network: ``cost[i, j]`` is the walk in metres from
resident point ``i`` to candidate site ``j`` (a network node or an available shop unit),
for one missing category at a time. Point ``i`` is *reached* by site ``j`` when
``cost[i, j] <= limit_m`` (limit included, as spopt counts it).

The matrix must be free of NaN and of negative values. ``inf`` is accepted, and only as
the explicit marker of an unreachable pair (beyond a Dijkstra cutoff, another network
component); it is never within any limit. Points already reached by an existing place
(``already_covered``) need no new site, and points of weight 0 take no part.

:class:`LSCP` (set covering) finds the fewest, or cheapest, new sites so that every
resident point, or a configured share of the residents, is reached; :class:`MCLP`
(maximal covering) finds the ``k`` sites reaching the most residents not yet covered,
optionally with a capacity per site. Both are solved exactly with HiGHS through
:func:`scipy.optimize.milp` (:func:`milp_solver`) or, for instances too large, by greedy
heuristics that report the bound they prove (:func:`greedy_solver`). The solver is a
parameter: any object with the two methods of :class:`Solver` will do. By default the
MILP takes matrices of up to :data:`MAX_MILP_CELLS` cells and the greedy larger ones; a
MILP stopped by its time limit returns the better of its incumbent and the greedy sites.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from lifecircle.core.locate_greedy import drop_redundant, greedy_max_cover, greedy_set_cover
from lifecircle.errors import InfeasibleError, LifecircleError, ValidationError

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

MAX_MILP_CELLS = 2_000_000
"""Largest ``n_demand * n_candidates`` the default solver gives the MILP; greedy beyond."""

_TOL = 1e-9
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
    """Greedy heuristics of :mod:`lifecircle.core.locate_greedy`, with their proven bound.

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
        return Solution(sites, bound, _gap(value, bound) <= _TOL, "greedy")

    def max_cover(self, instance: MaxCoverInstance) -> Solution:
        """Largest marginal gain first; upper bound from the remaining top-k gains."""
        sites, value, bound = greedy_max_cover(
            instance.reach, instance.weight, instance.k, instance.capacity
        )
        if self.lp_bound:
            bound = min(bound, -_relaxation(_max_cover_model(instance)))
        return Solution(sites, bound, _gap(value, bound) <= _TOL, "greedy")


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
        """Solve the (capacitated) maximal-covering MILP of :class:`MCLP`."""
        res = self._run(_max_cover_model(instance))
        if res.status == 0:
            return _from_milp(res, instance.reach.shape[1], minimise=False)
        greedy = greedy_max_cover(instance.reach, instance.weight, instance.k, instance.capacity)
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


def _integral(values: NDArray[np.float64]) -> bool:
    return bool(np.all(values == np.round(values)))


def _gap(value: float, bound: float | None) -> float:
    """``|value - bound|`` relative to the larger of both (0 when both are 0)."""
    if bound is None:
        return math.inf
    scale = max(abs(value), abs(bound))
    return 0.0 if scale == 0.0 else abs(value - bound) / scale


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, eq=False)
class LocateResult:
    """A gap-filling plan for one category: the new sites and whom they serve.

    Attributes
    ----------
    model
        ``"lscp"`` or ``"mclp"``.
    category
        The category the sites are for, as passed to ``from_cost_matrix``.
    sites
        Chosen candidate indices, most newly served residents first.
    newly_covered
        Per site, the residents it newly serves: those assigned to it among the points
        not covered before (nearest new site; under capacity, the optimal assignment).
    assignment
        Per demand point, the candidate newly serving it (under capacity, the one serving
        most of it), ``-1`` when no new site does.
    served
        Per demand point, the residents newly served (all or nothing without capacity).
    unreachable
        Points with residents, not already covered, that no candidate reaches.
    total_weight, existing_weight, covered_weight
        Residents in all, reached by existing places, and reached after the plan
        (existing plus newly served).
    objective
        LSCP: total site cost (the number of sites without ``site_cost``). MCLP: the
        residents newly served.
    bound
        Proven bound on the optimal objective (lower for LSCP, upper for MCLP), or
        ``None`` when the solver proved none.
    gap
        ``|objective - bound| / max(objective, bound)``; 0 when proven optimal.
    optimal
        The objective is proven optimal (within the MILP gap tolerance).
    method
        ``"milp"`` or ``"greedy"`` (or a custom solver's name); ``"none"`` when nothing
        was left to solve (everyone covered already, ``k = 0``, a share already met).
    limit_m
        The walking limit, metres.

    """

    model: Literal["lscp", "mclp"]
    category: str | None
    sites: NDArray[np.int64]
    newly_covered: NDArray[np.float64]
    assignment: NDArray[np.int64]
    served: NDArray[np.float64]
    unreachable: NDArray[np.int64]
    total_weight: float
    existing_weight: float
    covered_weight: float
    objective: float
    bound: float | None
    gap: float | None
    optimal: bool
    method: str
    limit_m: float

    @property
    def covered_share(self) -> float:
        """Share (0..1) of the residents reached after the plan; ``nan`` without any."""
        return self.covered_weight / self.total_weight if self.total_weight > 0 else math.nan


@dataclass(frozen=True, eq=False)
class ReachPairs:
    """The (demand point, candidate) pairs within the walking limit, in row-major order.

    Attributes
    ----------
    row, col, metres
        Point index, candidate index and walking metres of each pair.
    n_demand, n_candidates
        Shape of the cost matrix.
    limit_m
        The limit, metres.

    """

    row: NDArray[np.int64]
    col: NDArray[np.int64]
    metres: NDArray[np.float64]
    n_demand: int
    n_candidates: int
    limit_m: float

    @classmethod
    def from_cost_matrix(cls, cost: NDArray[np.float64], limit_m: float) -> ReachPairs:
        """Pairs with ``cost <= limit_m`` (``inf`` never qualifies)."""
        row, col = np.nonzero(cost <= limit_m)
        m, n = cost.shape
        return cls(row.astype(np.int64), col.astype(np.int64), cost[row, col], m, n, limit_m)

    def reaches_any(self) -> NDArray[np.bool_]:
        """Per demand point, whether some candidate lies within the limit."""
        return np.bincount(self.row, minlength=self.n_demand) > 0

    def pattern(self, rows: NDArray[np.int64]) -> sparse.csr_array:
        """0/1 matrix of the given (ascending) demand points against every candidate."""
        new = np.full(self.n_demand, -1)
        new[rows] = np.arange(rows.size)
        keep = new[self.row] >= 0
        indptr = np.concatenate(
            [[0], np.cumsum(np.bincount(new[self.row[keep]], minlength=rows.size))]
        )
        shape = (rows.size, self.n_candidates)
        return sparse.csr_array((np.ones(int(keep.sum())), self.col[keep], indptr), shape=shape)


# --------------------------------------------------------------------------- validation


def _matrix(cost: ArrayLike, problems: list[str]) -> NDArray[np.float64]:
    try:
        c = np.asarray(cost, dtype=np.float64)
    except (TypeError, ValueError):
        problems.append("cost matrix is not numeric")
        return np.zeros((0, 0))
    if c.ndim != 2:
        problems.append(f"cost matrix must be 2-D (n_demand, n_candidates), got shape {c.shape}")
        return np.zeros((0, 0))
    for name, bad, hint in (
        ("NaN", np.isnan(c), "; mark unreachable pairs with inf"),
        ("negative", c < 0, ""),
    ):
        if bad.any():
            i, j = np.argwhere(bad)[0]
            problems.append(
                f"cost matrix has {int(bad.sum())} {name} values, first at [{i}, {j}]{hint}"
            )
    return c


def _vector(
    name: str,
    values: ArrayLike | None,
    n: int,
    default: float,
    problems: list[str],
    *,
    positive: bool = False,
) -> NDArray[np.float64]:
    if values is None:
        return np.full(n, default)
    try:
        v = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        problems.append(f"{name} is not numeric")
        return np.full(n, default)
    if v.ndim == 0:
        v = np.full(n, float(v))
    if v.shape != (n,):
        problems.append(f"{name} has shape {v.shape}, expected ({n},)")
        return np.full(n, default)
    bad = ~np.isfinite(v) | ((v <= 0) if positive else (v < 0))
    if bad.any():
        kind = "positive" if positive else "non-negative"
        first = int(np.argmax(bad))
        problems.append(
            f"{name} must be finite and {kind}: {int(bad.sum())} are not, first at {first}"
        )
    return v


def _mask(values: ArrayLike | None, n: int, problems: list[str]) -> NDArray[np.bool_]:
    if values is None:
        return np.zeros(n, dtype=bool)
    v = np.asarray(values)
    if v.shape != (n,):
        problems.append(f"already_covered has shape {v.shape}, expected ({n},)")
        return np.zeros(n, dtype=bool)
    if v.dtype != np.bool_ and not np.isin(v, (0, 1)).all():
        problems.append("already_covered must be booleans (or 0/1)")
        return np.zeros(n, dtype=bool)
    return v.astype(bool)


def _common(
    cost: ArrayLike,
    limit_m: float,
    weights: ArrayLike | None,
    already_covered: ArrayLike | None,
    problems: list[str],
) -> tuple[ReachPairs, NDArray[np.float64], NDArray[np.bool_]]:
    c = _matrix(cost, problems)
    if not (isinstance(limit_m, (int, float, np.number)) and 0.0 <= float(limit_m) < math.inf):
        problems.append(f"limit_m {limit_m!r} must be finite and non-negative")
        limit_m = 0.0
    w = _vector("weights", weights, c.shape[0], 1.0, problems)
    covered = _mask(already_covered, c.shape[0], problems)
    return ReachPairs.from_cost_matrix(c, float(limit_m)), w, covered


def _raise(problems: list[str], model: str) -> None:
    if problems:
        raise ValidationError(f"{model}: " + "; ".join(problems))


def _points(idx: NDArray[np.int64], shown: int = 10) -> str:
    head = ", ".join(str(i) for i in idx[:shown]) + (", …" if idx.size > shown else "")
    return f"{idx.size} point{'s' if idx.size != 1 else ''} (indices {head})"


# --------------------------------------------------------------------------- models


@dataclass(frozen=True, eq=False)
class _Plan:
    pairs: ReachPairs
    weights: NDArray[np.float64]
    already_covered: NDArray[np.bool_]
    category: str | None

    @property
    def n_demand(self) -> int:
        """Number of resident points (rows of the cost matrix)."""
        return self.pairs.n_demand

    @property
    def n_candidates(self) -> int:
        """Number of candidate sites (columns of the cost matrix)."""
        return self.pairs.n_candidates

    def _demand(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Points to serve (residents, not covered, reachable) and the unreachable ones."""
        needs = (self.weights > 0) & ~self.already_covered
        reach = self.pairs.reaches_any()
        return np.flatnonzero(needs & reach), np.flatnonzero(needs & ~reach)

    def _result(
        self,
        model: Literal["lscp", "mclp"],
        sites: NDArray[np.int64],
        served: tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]],
        objective: float,
        unreachable: NDArray[np.int64],
        solution: Solution,
        *,
        whole: bool,
    ) -> LocateResult:
        assignment, by_point, by_candidate = served
        sites = sites[np.lexsort((sites, -by_candidate[sites]))]
        bound = solution.bound
        # An optimum known to be whole (integer costs; integer residents and capacities)
        # lets a fractional bound be rounded towards the objective.
        if bound is not None and model == "lscp":
            bound = min(float(math.ceil(bound - 1e-6)) if whole else bound, objective)
        elif bound is not None:
            bound = max(float(math.floor(bound + 1e-6)) if whole else bound, objective)
        gap = None if bound is None else _gap(objective, bound)
        existing = float(self.weights[self.already_covered].sum())
        return LocateResult(
            model=model,
            category=self.category,
            sites=sites,
            newly_covered=by_candidate[sites],
            assignment=assignment,
            served=by_point,
            unreachable=unreachable,
            total_weight=float(self.weights.sum()),
            existing_weight=existing,
            covered_weight=existing + float(by_point.sum()),
            objective=objective,
            bound=bound,
            gap=gap,
            optimal=solution.optimal or (gap is not None and gap <= _TOL),
            method=solution.method,
            limit_m=self.pairs.limit_m,
        )


@dataclass(frozen=True, eq=False)
class LSCP(_Plan):
    r"""Location set covering: the fewest (or cheapest) new sites reaching the residents.

    Build with :meth:`from_cost_matrix`, solve with :meth:`solve`. Only points with
    residents that no existing place reaches take part; the residents existing places
    reach count as covered. With ``share = 1`` every such point must be reached:

    .. math::

        \begin{array}{lll}
        \textbf{minimise}   & \sum_{j \in J} c_j y_j     &                  \\
        \textbf{subject to} & \sum_{j \in N_i} y_j \ge 1 & \forall i \in I  \\
                            & y_j \in \{0, 1\}           & \forall j \in J
        \end{array}

    With ``share < 1`` (partial set cover) at least that share of *all* residents must be
    reached, existing places counted:

    .. math::

        \begin{array}{lll}
        \textbf{minimise}   & \sum_{j \in J} c_j y_j                  &                  \\
        \textbf{subject to} & x_i \le \sum_{j \in N_i} y_j            & \forall i \in I  \\
                            & \sum_{i \in I} a_i x_i \ge s A - A_0    &                  \\
                            & 0 \le x_i \le 1                         & \forall i \in I  \\
                            & y_j \in \{0, 1\}                        & \forall j \in J
        \end{array}

    where :math:`I` are the resident points with :math:`a_i > 0` residents not reached by
    an existing place; :math:`J` the candidates, each of cost :math:`c_j` (``site_cost``,
    1 by default, so the objective is the number of new places); :math:`N_i = \{j :
    d_{ij} \le S\}` the candidates within the walking limit :math:`S` (``limit_m``) of
    :math:`i`; :math:`y_j = 1` when a new place opens at :math:`j`; :math:`x_i` is 1 when
    :math:`i` is reached by a new place (continuous: for integer :math:`y` its optimum is
    0 or 1 anyway, which keeps the integer variables to the sites); :math:`s` the share,
    :math:`A` all residents and :math:`A_0` those reached by existing places.

    Attributes
    ----------
    pairs
        Point-candidate pairs within the limit, with their metres.
    weights, already_covered
        Residents per point and points reached by an existing place.
    category
        The category the plan is for (carried into the result).
    share
        Share (0..1) of all residents to reach.
    site_cost
        Cost of each candidate (1 for the plain count).

    """

    share: float
    site_cost: NDArray[np.float64]

    @classmethod
    def from_cost_matrix(
        cls,
        cost: ArrayLike,
        *,
        limit_m: float,
        weights: ArrayLike | None = None,
        already_covered: ArrayLike | None = None,
        share: float = 1.0,
        site_cost: ArrayLike | None = None,
        category: str | None = None,
    ) -> LSCP:
        """Set covering from walking metres.

        Parameters
        ----------
        cost
            ``(n_demand, n_candidates)`` walking metres, non-negative; ``inf`` marks an
            unreachable pair, NaN is refused.
        limit_m
            Walking limit in metres (a pair within it, limit included, is reached).
        weights
            Residents per point, ``(n_demand,)``, non-negative; default 1 each.
        already_covered
            Points reached by an existing place of the category, ``(n_demand,)`` bools.
        share
            Share (0..1) of all residents to reach; 1 (default) means every point.
        site_cost
            Positive cost per candidate (rent, say), ``(n_candidates,)`` or a scalar;
            default 1, which minimises the number of new places.
        category
            Label of the category the plan is for.

        Returns
        -------
        LSCP

        Raises
        ------
        ValidationError
            Naming every problem: NaN or negative metres, a matrix not 2-D, a negative
            or non-finite limit, weights, mask or costs of the wrong shape or range,
            a share outside 0..1.

        """
        problems: list[str] = []
        pairs, w, covered = _common(cost, limit_m, weights, already_covered, problems)
        c = _vector("site_cost", site_cost, pairs.n_candidates, 1.0, problems, positive=True)
        if not 0.0 <= share <= 1.0:
            problems.append(f"share {share} is outside 0..1")
        _raise(problems, "LSCP")
        return cls(pairs, w, covered, category, float(share), c)

    def solve(self, solver: Solver | None = None) -> LocateResult:
        """The cheapest new sites reaching the residents (or the share) within the limit.

        Parameters
        ----------
        solver
            :func:`milp_solver`, :func:`greedy_solver` or any :class:`Solver`; default
            :func:`default_solver` by matrix size (MILP up to :data:`MAX_MILP_CELLS`).

        Returns
        -------
        LocateResult
            Sites no one of which can be dropped without breaking the cover.

        Raises
        ------
        InfeasibleError
            With ``share = 1`` when points with residents reach no candidate (naming how
            many and which); with ``share < 1`` when even every candidate together cannot
            reach the share.

        """
        rows, unreachable = self._demand()
        total, existing = float(self.weights.sum()), float(self.weights[self.already_covered].sum())
        tol = _TOL * max(total, 1.0)
        best = (existing + float(self.weights[rows].sum())) / total if total > 0 else 1.0
        where = f"within {self.pairs.limit_m:g} m" + (
            f" for {self.category}" if self.category else ""
        )
        target: float | None = None
        if self.share >= 1.0 and unreachable.size:
            raise InfeasibleError(
                f"LSCP: {_points(unreachable)} with residents reach no candidate {where}, so "
                f"not every point can be covered: add candidates near them, raise the limit, "
                f"or ask for a share of at most {best:.4f}"
            )
        if self.share < 1.0:
            target = self.share * total - existing
            if target > total * best - existing + tol:
                raise InfeasibleError(
                    f"LSCP: at most {best:.2%} of the residents can be reached {where}, below "
                    f"the share {self.share:.2%}; {_points(unreachable)} reach no candidate"
                )
        instance = SetCoverInstance(
            self.pairs.pattern(rows), self.weights[rows], self.site_cost, target
        )
        if rows.size == 0 or (target is not None and target <= tol):
            solution = Solution(np.zeros(0, dtype=np.int64), 0.0, optimal=True, method="none")
        else:
            solver = solver or default_solver(self.n_demand * self.n_candidates)
            solution = solver.set_cover(instance)
        sites = _checked(solution.sites, self.n_candidates, None)
        sites = drop_redundant(instance.reach, instance.weight, self.site_cost, target, sites)
        served = _nearest(self.pairs, rows, self.weights, sites)
        objective = float(self.site_cost[sites].sum())
        whole = _integral(self.site_cost)
        return self._result("lscp", sites, served, objective, unreachable, solution, whole=whole)


@dataclass(frozen=True, eq=False)
class MCLP(_Plan):
    r"""Maximal covering: the ``k`` new sites reaching the most residents not yet covered.

    Build with :meth:`from_cost_matrix`, solve with :meth:`solve`. Without capacity:

    .. math::

        \begin{array}{lll}
        \textbf{maximise}   & \sum_{i \in I} a_i x_i        &                  \\
        \textbf{subject to} & x_i \le \sum_{j \in N_i} y_j  & \forall i \in I  \\
                            & \sum_{j \in J} y_j \le k      &                  \\
                            & 0 \le x_i \le 1               & \forall i \in I  \\
                            & y_j \in \{0, 1\}              & \forall j \in J
        \end{array}

    With a capacity :math:`C_j` (residents one place can serve), residents are assigned
    to open sites within the limit, and a point's residents may split between sites
    (continuous :math:`z`, which keeps the integer variables to the sites):

    .. math::

        \begin{array}{lll}
        \textbf{maximise}   & \sum_{i \in I} \sum_{j \in N_i} z_{ij}  &                       \\
        \textbf{subject to} & \sum_{j \in N_i} z_{ij} \le a_i         & \forall i \in I       \\
                            & \sum_{i : j \in N_i} z_{ij} \le C_j y_j & \forall j \in J       \\
                            & z_{ij} \le a_i y_j                      & \forall i, j \in N_i  \\
                            & \sum_{j \in J} y_j \le k                &                       \\
                            & z_{ij} \ge 0, \; y_j \in \{0, 1\}       &
        \end{array}

    where :math:`I` are the resident points with :math:`a_i > 0` residents not reached by
    an existing place; :math:`J` the candidates; :math:`N_i = \{j : d_{ij} \le S\}` those
    within the walking limit :math:`S` (``limit_m``) of :math:`i`; :math:`y_j = 1` when a
    new place opens at :math:`j`; :math:`x_i` is 1 when :math:`i` is reached (continuous,
    0 or 1 at the optimum anyway); :math:`z_{ij}` the residents of :math:`i` served at
    :math:`j`. The third capacitated constraint is implied by the second for integer
    :math:`y` and only tightens the LP relaxation. The budget is ":math:`\le k`" where
    spopt writes ":math:`= p`": the optimum is the same (another site never lowers the
    coverage), and the plan leaves out sites that would add nobody.

    Attributes
    ----------
    pairs, weights, already_covered, category
        As in :class:`LSCP`.
    k
        Most new places.
    capacity
        Residents each candidate can serve, or ``None`` for no limit.

    """

    k: int
    capacity: NDArray[np.float64] | None

    @classmethod
    def from_cost_matrix(
        cls,
        cost: ArrayLike,
        *,
        limit_m: float,
        k: int,
        weights: ArrayLike | None,
        already_covered: ArrayLike | None = None,
        capacity: ArrayLike | None = None,
        category: str | None = None,
    ) -> MCLP:
        """Maximal covering from walking metres.

        Parameters
        ----------
        cost, limit_m, already_covered, category
            As in :meth:`LSCP.from_cost_matrix`.
        k
            Budget: most new places to open (0 or more).
        weights
            Residents per point, ``(n_demand,)``, non-negative; ``None`` for 1 each.
        capacity
            Residents one place can serve: a positive scalar or ``(n_candidates,)``;
            ``None`` (default) for no limit.

        Returns
        -------
        MCLP

        Raises
        ------
        ValidationError
            Naming every problem, as :meth:`LSCP.from_cost_matrix`, and a negative or
            non-integer ``k`` or a non-positive capacity.

        """
        problems: list[str] = []
        pairs, w, covered = _common(cost, limit_m, weights, already_covered, problems)
        cap = None
        if capacity is not None:
            cap = _vector("capacity", capacity, pairs.n_candidates, 1.0, problems, positive=True)
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
            problems.append(f"k {k!r} must be a non-negative integer")
        _raise(problems, "MCLP")
        return cls(pairs, w, covered, category, int(k), cap)

    def solve(self, solver: Solver | None = None) -> LocateResult:
        """The at most ``k`` new sites serving the most residents not yet covered.

        Parameters
        ----------
        solver
            As in :meth:`LSCP.solve`.

        Returns
        -------
        LocateResult
            Sites that each serve someone; points no candidate reaches are listed in
            ``unreachable``.

        """
        rows, unreachable = self._demand()
        instance = MaxCoverInstance(
            self.pairs.pattern(rows), self.weights[rows], self.k, self.capacity
        )
        if rows.size == 0 or self.k == 0:
            solution = Solution(np.zeros(0, dtype=np.int64), 0.0, optimal=True, method="none")
        else:
            solver = solver or default_solver(self.n_demand * self.n_candidates)
            solution = solver.max_cover(instance)
        sites = _checked(solution.sites, self.n_candidates, self.k)
        if self.capacity is None:
            served = _nearest(self.pairs, rows, self.weights, sites)
        else:
            served = _capacitated(self.pairs, rows, self.weights, sites, self.capacity)
        tol = _TOL * max(float(self.weights.sum()), 1.0)
        sites = sites[served[2][sites] > tol]  # a site serving nobody is left out
        cap = self.capacity
        whole = _integral(self.weights) and (cap is None or _integral(cap))
        objective = float(served[1].sum())
        return self._result("mclp", sites, served, objective, unreachable, solution, whole=whole)


# --------------------------------------------------------------------------- assignment


def _checked(sites: ArrayLike, n: int, k: int | None) -> NDArray[np.int64]:
    """A solver's sites as sorted unique candidate indices, refusing impossible ones."""
    s = np.asarray(sites, dtype=np.int64).ravel()
    if s.size and (s.min() < 0 or s.max() >= n or np.unique(s).size != s.size):
        raise LifecircleError(f"solver returned invalid candidate indices {s.tolist()[:10]}")
    if k is not None and s.size > k:
        raise LifecircleError(f"solver returned {s.size} sites for a budget of {k}")
    return np.sort(s)


def _open_pairs(
    pairs: ReachPairs, rows: NDArray[np.int64], sites: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """Point, site and metres of the pairs within the limit from ``rows`` to ``sites``."""
    todo = np.zeros(pairs.n_demand, dtype=bool)
    todo[rows] = True
    is_open = np.zeros(pairs.n_candidates, dtype=bool)
    is_open[sites] = True
    keep = todo[pairs.row] & is_open[pairs.col]
    return pairs.row[keep], pairs.col[keep], pairs.metres[keep]


def _nearest(
    pairs: ReachPairs,
    rows: NDArray[np.int64],
    weights: NDArray[np.float64],
    sites: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """Each point to serve goes to its nearest open site (ties: lower index).

    Returns per point the site (-1 for none) and residents served, and per candidate
    the residents it newly serves.
    """
    r, c, d = _open_pairs(pairs, rows, sites)
    order = np.lexsort((c, d, r))
    r, c = r[order], c[order]
    first = np.ones(r.size, dtype=bool)
    first[1:] = r[1:] != r[:-1]
    assignment = np.full(pairs.n_demand, -1, dtype=np.int64)
    assignment[r[first]] = c[first]
    served = np.zeros(pairs.n_demand)
    served[r[first]] = weights[r[first]]
    by_site = np.bincount(c[first], weights=weights[r[first]], minlength=pairs.n_candidates)
    return assignment, served, by_site.astype(np.float64)


def _capacitated(
    pairs: ReachPairs,
    rows: NDArray[np.int64],
    weights: NDArray[np.float64],
    sites: NDArray[np.int64],
    capacity: NDArray[np.float64],
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """Residents to open sites under capacity: the most served, then the shortest walks.

    Two transportation LPs (HiGHS): the first maximises the residents served, the second
    keeps that number and minimises the resident-metres walked.
    """
    assignment = np.full(pairs.n_demand, -1, dtype=np.int64)
    r, c, d = _open_pairs(pairs, rows, sites)
    if r.size == 0:
        return assignment, np.zeros(pairs.n_demand), np.zeros(pairs.n_candidates)
    ur, ri = np.unique(r, return_inverse=True)
    uc, ci = np.unique(c, return_inverse=True)
    e = np.arange(r.size)
    a_ub = sparse.vstack(
        [
            sparse.csr_array((np.ones(r.size), (ri, e)), shape=(ur.size, r.size)),
            sparse.csr_array((np.ones(r.size), (ci, e)), shape=(uc.size, r.size)),
        ],
        format="csr",
    )
    b_ub = np.concatenate([weights[ur], capacity[uc]])
    most = linprog(-np.ones(r.size), A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
    floor = -float(most.fun)
    a_ub = sparse.vstack([a_ub, sparse.csr_array(-np.ones((1, r.size)))], format="csr")
    near = linprog(d, A_ub=a_ub, b_ub=np.append(b_ub, -floor), bounds=(0, None), method="highs")
    z = np.asarray(near.x if near.status == 0 else most.x, dtype=np.float64)
    z[z < _TOL * max(float(weights.max(initial=0.0)), 1.0)] = 0.0
    served = np.bincount(r, weights=z, minlength=pairs.n_demand).astype(np.float64)
    order = np.lexsort((c, -z, r))
    first = np.ones(r.size, dtype=bool)
    first[1:] = r[order][1:] != r[order][:-1]
    top = order[first & (z[order] > 0)]
    assignment[r[top]] = c[top]
    by_site = np.bincount(c, weights=z, minlength=pairs.n_candidates).astype(np.float64)
    return assignment, served, by_site
