r"""Gap-filling plans from walking metres: the fewest new places, or the best k.

The input is walking metres, never a network: ``cost[i, j]`` is the walk from resident
point ``i`` to candidate site ``j`` (a network point or an available shop unit), for one
missing category at a time, given as a dense matrix (``from_cost_matrix``) or, for a
city, as the pairs a bounded network search finds (``from_pairs``). Point ``i`` is
*reached* by site ``j`` when ``cost[i, j] <= limit_m`` (limit included, as spopt counts).

Metres must be free of NaN and of negative values. In a matrix ``inf`` is accepted, and
only as the explicit marker of an unreachable pair (beyond a Dijkstra cutoff, another
network component); it is never within any limit. A pair list simply leaves such pairs
out, so there ``inf`` is refused too. Points already reached by an existing place
(``already_covered``) need no new site, and points of weight 0 take no part.

:class:`LSCP` (set covering) finds the fewest, or cheapest, new sites so that every
resident point, or a configured share of the residents, is reached; :class:`MCLP`
(maximal covering) finds the ``k`` sites reaching the most residents not yet covered,
optionally with a capacity per site. Both are solved exactly with HiGHS through
:func:`scipy.optimize.milp` (:func:`milp_solver`) or, for instances too large, by greedy
heuristics that report the bound they prove (:func:`greedy_solver`); the solvers live in
:mod:`lifecircle.core.locate_milp` and every public name is importable from here. The
solver is a parameter: any object with the two methods of :class:`Solver` will do. By
default the MILP takes instances of up to :data:`MAX_MILP_CELLS` cells and the greedy
larger ones; a MILP stopped by its time limit returns the better of its incumbent and
the greedy sites.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from scipy.optimize import milp

from lifecircle.core.locate_greedy import drop_redundant
from lifecircle.core.locate_milp import (
    _TOL,
    MAX_MILP_CELLS,
    Assignment,
    GreedySolver,
    MaxCoverInstance,
    MilpSolver,
    ReachPairs,
    SetCoverInstance,
    Solution,
    Solver,
    _mask,
    _vector,
    capacitated_assignment,
    default_solver,
    greedy_solver,
    is_integral,
    milp_solver,
    nearest_assignment,
    pairs_from_lists,
    pairs_from_matrix,
    relative_gap,
)
from lifecircle.errors import InfeasibleError, LifecircleError, ValidationError

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

__all__ = [
    "LSCP",
    "MAX_MILP_CELLS",
    "MCLP",
    "Assignment",
    "GreedySolver",
    "LocateResult",
    "MaxCoverInstance",
    "MilpSolver",
    "ReachPairs",
    "SetCoverInstance",
    "Solution",
    "Solver",
    "default_solver",
    "greedy_solver",
    "milp",
    "milp_solver",
]


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
    flows
        Every positive (point, site, residents) of that assignment, as an
        :class:`Assignment`'s ``flow_*`` arrays (under capacity a point may split).
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
    flows: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]
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


# --------------------------------------------------------------------------- validation


def _common(
    pairs: ReachPairs,
    weights: ArrayLike | None,
    already_covered: ArrayLike | None,
    problems: list[str],
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    w = _vector("weights", weights, pairs.n_demand, 1.0, problems)
    return w, _mask(already_covered, pairs.n_demand, problems)


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
        served: Assignment,
        objective: float,
        unreachable: NDArray[np.int64],
        solution: Solution,
        *,
        whole: bool,
    ) -> LocateResult:
        by_point, by_candidate = served.served, served.by_site
        sites = sites[np.lexsort((sites, -by_candidate[sites]))]
        bound = solution.bound
        # An optimum known to be whole (integer costs; integer residents and capacities)
        # lets a fractional bound be rounded towards the objective.
        if bound is not None and model == "lscp":
            bound = min(float(math.ceil(bound - 1e-6)) if whole else bound, objective)
        elif bound is not None:
            bound = max(float(math.floor(bound + 1e-6)) if whole else bound, objective)
        gap = None if bound is None else relative_gap(objective, bound)
        existing = float(self.weights[self.already_covered].sum())
        return LocateResult(
            model=model,
            category=self.category,
            sites=sites,
            newly_covered=by_candidate[sites],
            assignment=served.site,
            served=by_point,
            flows=(served.flow_point, served.flow_site, served.flow_residents),
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
        pairs = pairs_from_matrix(cost, limit_m, problems)
        return cls._make(pairs, problems, weights, already_covered, share, site_cost, category)

    @classmethod
    def from_pairs(
        cls,
        n_demand: int,
        n_candidates: int,
        rows: ArrayLike,
        cols: ArrayLike,
        metres: ArrayLike,
        *,
        limit_m: float,
        weights: ArrayLike | None = None,
        already_covered: ArrayLike | None = None,
        share: float = 1.0,
        site_cost: ArrayLike | None = None,
        category: str | None = None,
    ) -> LSCP:
        """Set covering from the pairs within reach: for cities, where a matrix is too big.

        Parameters
        ----------
        n_demand, n_candidates
            Numbers of resident points and of candidate sites (the matrix's shape).
        rows, cols, metres
            One entry per (point, candidate) pair a bounded network search found: point
            index, candidate index, walking metres (finite, non-negative). Pairs beyond
            ``limit_m`` are ignored, pairs not listed are unreachable, and a pair listed
            twice counts with its shortest metres.
        limit_m, weights, already_covered, share, site_cost, category
            As in :meth:`from_cost_matrix`.

        Returns
        -------
        LSCP
            The model :meth:`from_cost_matrix` builds from the equivalent matrix.

        Raises
        ------
        ValidationError
            Naming every problem: those of :meth:`from_cost_matrix`, lists of unequal
            length, indices out of range, NaN, infinite or negative metres.

        """
        problems: list[str] = []
        pairs = pairs_from_lists(n_demand, n_candidates, rows, cols, metres, limit_m, problems)
        return cls._make(pairs, problems, weights, already_covered, share, site_cost, category)

    @classmethod
    def _make(
        cls,
        pairs: ReachPairs,
        problems: list[str],
        weights: ArrayLike | None,
        already_covered: ArrayLike | None,
        share: float,
        site_cost: ArrayLike | None,
        category: str | None,
    ) -> LSCP:
        w, covered = _common(pairs, weights, already_covered, problems)
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
        served = nearest_assignment(self.pairs, rows, self.weights, sites)
        objective = float(self.site_cost[sites].sum())
        whole = is_integral(self.site_cost)
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
        pairs = pairs_from_matrix(cost, limit_m, problems)
        return cls._make(pairs, problems, k, weights, already_covered, capacity, category)

    @classmethod
    def from_pairs(
        cls,
        n_demand: int,
        n_candidates: int,
        rows: ArrayLike,
        cols: ArrayLike,
        metres: ArrayLike,
        *,
        limit_m: float,
        k: int,
        weights: ArrayLike | None,
        already_covered: ArrayLike | None = None,
        capacity: ArrayLike | None = None,
        category: str | None = None,
    ) -> MCLP:
        """Maximal covering from the pairs within reach (see :meth:`LSCP.from_pairs`).

        Parameters
        ----------
        n_demand, n_candidates, rows, cols, metres
            As in :meth:`LSCP.from_pairs`.
        limit_m, k, weights, already_covered, capacity, category
            As in :meth:`from_cost_matrix`.

        Returns
        -------
        MCLP

        Raises
        ------
        ValidationError
            Naming every problem, as :meth:`LSCP.from_pairs` and :meth:`from_cost_matrix`.

        """
        problems: list[str] = []
        pairs = pairs_from_lists(n_demand, n_candidates, rows, cols, metres, limit_m, problems)
        return cls._make(pairs, problems, k, weights, already_covered, capacity, category)

    @classmethod
    def _make(
        cls,
        pairs: ReachPairs,
        problems: list[str],
        k: int,
        weights: ArrayLike | None,
        already_covered: ArrayLike | None,
        capacity: ArrayLike | None,
        category: str | None,
    ) -> MCLP:
        w, covered = _common(pairs, weights, already_covered, problems)
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
            served = nearest_assignment(self.pairs, rows, self.weights, sites)
        else:
            served = capacitated_assignment(self.pairs, rows, self.weights, sites, self.capacity)
        tol = _TOL * max(float(self.weights.sum()), 1.0)
        sites = sites[served.by_site[sites] > tol]  # a site serving nobody is left out
        cap = self.capacity
        whole = is_integral(self.weights) and (cap is None or is_integral(cap))
        objective = float(served.served.sum())
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
