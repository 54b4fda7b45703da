"""Location set covering (LSCP): the fewest, or cheapest, new sites reaching everyone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lifecircle.core.plan.assign import (
    nearest_assignment,
)
from lifecircle.core.plan.greedy import drop_redundant
from lifecircle.core.plan.pairs import (
    ReachPairs,
    checked_vector,
    pairs_from_lists,
    pairs_from_matrix,
)
from lifecircle.core.plan.result import (
    LocateResult,
    PlanModel,
    checked_sites,
    common_inputs,
    describe_points,
    raise_problems,
)
from lifecircle.core.plan.solvers import (
    TOL,
    SetCoverInstance,
    Solution,
    Solver,
    default_solver,
    is_integral,
)
from lifecircle.errors import InfeasibleError

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray


@dataclass(frozen=True, eq=False)
class LSCP(PlanModel):
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
        w, covered = common_inputs(pairs, weights, already_covered, problems)
        c = checked_vector("site_cost", site_cost, pairs.n_candidates, 1.0, problems, positive=True)
        if not 0.0 <= share <= 1.0:
            problems.append(f"share {share} is outside 0..1")
        raise_problems(problems, "LSCP")
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
        tol = TOL * max(total, 1.0)
        best = (existing + float(self.weights[rows].sum())) / total if total > 0 else 1.0
        where = f"within {self.pairs.limit_m:g} m" + (
            f" for {self.category}" if self.category else ""
        )
        target: float | None = None
        if self.share >= 1.0 and unreachable.size:
            raise InfeasibleError(
                f"LSCP: {describe_points(unreachable)} with residents reach no candidate {where}, "
                f"so "
                f"not every point can be covered: add candidates near them, raise the limit, "
                f"or ask for a share of at most {best:.4f}"
            )
        if self.share < 1.0:
            target = self.share * total - existing
            if target > total * best - existing + tol:
                raise InfeasibleError(
                    f"LSCP: at most {best:.2%} of the residents can be reached {where}, below "
                    f"the share {self.share:.2%}; {describe_points(unreachable)} reach no candidate"
                )
        instance = SetCoverInstance(
            self.pairs.pattern(rows), self.weights[rows], self.site_cost, target
        )
        if rows.size == 0 or (target is not None and target <= tol):
            solution = Solution(np.zeros(0, dtype=np.int64), 0.0, optimal=True, method="none")
        else:
            solver = solver or default_solver(self.n_demand * self.n_candidates)
            solution = solver.set_cover(instance)
        sites = checked_sites(solution.sites, self.n_candidates, None)
        sites = drop_redundant(instance.reach, instance.weight, self.site_cost, target, sites)
        served = nearest_assignment(self.pairs, rows, self.weights, sites)
        objective = float(self.site_cost[sites].sum())
        whole = is_integral(self.site_cost)
        return self._result("lscp", sites, served, objective, unreachable, solution, whole=whole)
