r"""Solving the covering models: reach pairs, solvers, the HiGHS MILPs, assignment.

This is the machinery behind :mod:`lifecircle.core.locate`, which re-exports every
public name here (import from there). :class:`ReachPairs` holds the (demand point,
candidate) pairs within the walking limit; the models reduce them to a 0/1 pattern of
the points still to serve (:class:`SetCoverInstance`, :class:`MaxCoverInstance`), which
a :class:`Solver` answers: exactly with HiGHS through :func:`scipy.optimize.milp`
(:class:`MilpSolver`, whose MILP formulations are those in the docstrings of
:class:`~lifecircle.core.locate.LSCP` and :class:`~lifecircle.core.locate.MCLP`), or by
the greedy heuristics of :mod:`lifecircle.core.locate_greedy` with the bound each run
proves (:class:`GreedySolver`). Once sites are chosen, residents are assigned to them:
each point to its nearest open site, or, under a capacity, by two HiGHS transportation
LPs.

HiGHS is called as ``lifecircle.core.locate.milp`` (see :func:`_highs`), the name the
public module exports, so that replacing it there, as the tests do to simulate a time
limit, reaches every call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog

from lifecircle.core.locate_greedy import greedy_max_cover, greedy_set_cover
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
        return Solution(sites, bound, relative_gap(value, bound) <= _TOL, "greedy")

    def max_cover(self, instance: MaxCoverInstance) -> Solution:
        """Largest marginal gain first; upper bound from the remaining top-k gains."""
        sites, value, bound = greedy_max_cover(
            instance.reach, instance.weight, instance.k, instance.capacity
        )
        if self.lp_bound:
            bound = min(bound, -_relaxation(_max_cover_model(instance)))
        return Solution(sites, bound, relative_gap(value, bound) <= _TOL, "greedy")


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
        if relative_gap(greedy[1], greedy[2]) <= _TOL:
            return Solution(greedy[0], greedy[2], optimal=True, method="greedy")
        res = self._run(_max_cover_model(instance))
        if res.status == 0:
            return _from_milp(res, instance.reach.shape[1], minimise=False)
        return _best_of(res, greedy, instance.reach.shape[1], minimise=False)

    def _run(self, model: _Model) -> Any:
        options: dict[str, Any] = {"disp": False, "mip_rel_gap": self.mip_rel_gap}
        if self.time_limit_s is not None:
            options["time_limit"] = self.time_limit_s
        res = _highs()(
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


def _highs() -> Any:
    """:func:`scipy.optimize.milp`, looked up as ``lifecircle.core.locate.milp``.

    The public module imports this one, so the lookup happens at call time, when both
    are loaded; replacing ``locate.milp`` (tests simulate HiGHS's time limit so) then
    reaches every MILP and LP relaxation solved here.
    """
    from lifecircle.core import locate  # noqa: PLC0415 - locate imports this module

    return locate.milp


def _relaxation(model: _Model) -> float:
    """Optimum of the LP relaxation (integrality dropped): a bound on the MILP's."""
    res = _highs()(model.c, bounds=model.bounds, constraints=model.constraints)
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


# --------------------------------------------------------------------------- pairs


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

    @classmethod
    def from_pairs(
        cls,
        n_demand: int,
        n_candidates: int,
        row: NDArray[np.int64],
        col: NDArray[np.int64],
        metres: NDArray[np.float64],
        limit_m: float,
    ) -> ReachPairs:
        """Pairs from lists the caller has checked (indices in range, metres finite).

        Pairs beyond ``limit_m`` are dropped, the rest put in row-major order, and a
        pair listed twice keeps its shortest metres.
        """
        keep = metres <= limit_m
        row, col, metres = row[keep], col[keep], metres[keep]
        order = np.lexsort((metres, col, row))
        row, col, metres = row[order], col[order], metres[order]
        first = np.ones(row.size, dtype=bool)
        first[1:] = (row[1:] != row[:-1]) | (col[1:] != col[:-1])
        return cls(row[first], col[first], metres[first], n_demand, n_candidates, float(limit_m))

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


# --------------------------------------------------------------------------- inputs


def pairs_from_matrix(cost: ArrayLike, limit_m: float, problems: list[str]) -> ReachPairs:
    """The pairs of a dense ``(n_demand, n_candidates)`` matrix, its problems appended.

    NaN and negative metres are problems; ``inf`` marks an unreachable pair.
    """
    limit = _limit(limit_m, problems)
    try:
        c = np.asarray(cost, dtype=np.float64)
    except (TypeError, ValueError):
        problems.append("cost matrix is not numeric")
        c = np.zeros((0, 0))
    if c.ndim != 2:
        problems.append(f"cost matrix must be 2-D (n_demand, n_candidates), got shape {c.shape}")
        c = np.zeros((0, 0))
    for name, bad, hint in (
        ("NaN", np.isnan(c), "; mark unreachable pairs with inf"),
        ("negative", c < 0, ""),
    ):
        if bad.any():
            i, j = np.argwhere(bad)[0]
            problems.append(
                f"cost matrix has {int(bad.sum())} {name} values, first at [{i}, {j}]{hint}"
            )
    return ReachPairs.from_cost_matrix(c, limit)


def pairs_from_lists(
    n_demand: int,
    n_candidates: int,
    rows: ArrayLike,
    cols: ArrayLike,
    metres: ArrayLike,
    limit_m: float,
    problems: list[str],
) -> ReachPairs:
    """The pairs of three aligned lists (point, candidate, metres), problems appended.

    NaN, infinite and negative metres are problems (an unreachable pair is left out),
    as are indices outside ``0..n-1`` and lists of unequal length.
    """
    limit = _limit(limit_m, problems)
    sizes = []
    for name, n in (("n_demand", n_demand), ("n_candidates", n_candidates)):
        ok = isinstance(n, int | np.integer) and not isinstance(n, bool) and n >= 0
        if not ok:
            problems.append(f"{name} {n!r} must be a non-negative integer")
        sizes.append(int(n) if ok else 0)
    try:
        r = np.asarray(rows, dtype=np.float64).ravel()
        c = np.asarray(cols, dtype=np.float64).ravel()
        d = np.asarray(metres, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        problems.append("rows, cols and metres must be numeric")
        r = c = d = np.zeros(0)
    if not r.size == c.size == d.size:
        problems.append(f"rows, cols and metres differ in length: {r.size}, {c.size}, {d.size}")
        r = c = d = np.zeros(0)
    for name, idx, n in (("rows", r, sizes[0]), ("cols", c, sizes[1])):
        bad = ~((idx >= 0) & (idx < n) & (idx == np.round(idx)))
        if bad.any():
            first = int(np.argmax(bad))
            problems.append(
                f"{name} must be integers in 0..{n - 1}: {int(bad.sum())} are not, "
                f"first {float(idx[first]):g} at {first}"
            )
    for name, bad, hint in (
        ("NaN", np.isnan(d), ""),
        ("infinite", np.isinf(d), "; leave unreachable pairs out"),
        ("negative", d < 0, ""),
    ):
        if bad.any():
            problems.append(
                f"metres has {int(bad.sum())} {name} values, first at {int(np.argmax(bad))}{hint}"
            )
    if problems:
        r = c = d = np.zeros(0)
    return ReachPairs.from_pairs(
        sizes[0], sizes[1], r.astype(np.int64), c.astype(np.int64), d, limit
    )


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


def _limit(limit_m: float, problems: list[str]) -> float:
    if not (isinstance(limit_m, int | float | np.number) and 0.0 <= float(limit_m) < math.inf):
        problems.append(f"limit_m {limit_m!r} must be finite and non-negative")
        return 0.0
    return float(limit_m)


# --------------------------------------------------------------------------- assignment


@dataclass(frozen=True, eq=False)
class Assignment:
    """Whom the open sites serve: per point, per site and per (point, site) flow.

    Attributes
    ----------
    site
        Per demand point, the site serving it (under capacity, serving most of it),
        ``-1`` for none.
    served
        Per demand point, the residents served.
    by_site
        Per candidate, the residents it serves.
    flow_point, flow_site, flow_residents
        Every positive (point, site) flow: without capacity one per served point (all
        its residents), under capacity a point's residents may split between sites.

    """

    site: NDArray[np.int64]
    served: NDArray[np.float64]
    by_site: NDArray[np.float64]
    flow_point: NDArray[np.int64]
    flow_site: NDArray[np.int64]
    flow_residents: NDArray[np.float64]


def open_pairs(
    pairs: ReachPairs, rows: NDArray[np.int64], sites: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """Point, site and metres of the pairs within the limit from ``rows`` to ``sites``."""
    todo = np.zeros(pairs.n_demand, dtype=bool)
    todo[rows] = True
    is_open = np.zeros(pairs.n_candidates, dtype=bool)
    is_open[sites] = True
    keep = todo[pairs.row] & is_open[pairs.col]
    return pairs.row[keep], pairs.col[keep], pairs.metres[keep]


def nearest_assignment(
    pairs: ReachPairs,
    rows: NDArray[np.int64],
    weights: NDArray[np.float64],
    sites: NDArray[np.int64],
) -> Assignment:
    """Each point of ``rows`` goes to its nearest open site (ties: lower index)."""
    r, c, d = open_pairs(pairs, rows, sites)
    order = np.lexsort((c, d, r))
    r, c = r[order], c[order]
    first = np.ones(r.size, dtype=bool)
    first[1:] = r[1:] != r[:-1]
    r, c = r[first], c[first]
    assignment = np.full(pairs.n_demand, -1, dtype=np.int64)
    assignment[r] = c
    served = np.zeros(pairs.n_demand)
    served[r] = weights[r]
    by_site = np.bincount(c, weights=weights[r], minlength=pairs.n_candidates)
    return Assignment(assignment, served, by_site.astype(np.float64), r, c, weights[r])


def capacitated_assignment(
    pairs: ReachPairs,
    rows: NDArray[np.int64],
    weights: NDArray[np.float64],
    sites: NDArray[np.int64],
    capacity: NDArray[np.float64],
) -> Assignment:
    """Residents to open sites under capacity: the most served, then the shortest walks.

    Two transportation LPs (HiGHS): the first maximises the residents served, the second
    keeps that number and minimises the resident-metres walked.
    """
    r, c, d = open_pairs(pairs, rows, sites)
    if r.size == 0:  # nobody to serve: nothing to split
        return nearest_assignment(pairs, rows, weights, sites)
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
    assignment = np.full(pairs.n_demand, -1, dtype=np.int64)
    assignment[r[top]] = c[top]
    by_site = np.bincount(c, weights=z, minlength=pairs.n_candidates).astype(np.float64)
    flows = z > 0
    return Assignment(assignment, served, by_site, r[flows], c[flows], z[flows])
