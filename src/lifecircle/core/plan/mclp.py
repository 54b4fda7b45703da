"""Maximal covering (MCLP): the ``k`` new sites reaching the most residents not yet served."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lifecircle.core.plan.assign import (
    capacitated_assignment,
    nearest_assignment,
)
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
    raise_problems,
)
from lifecircle.core.plan.solvers import (
    TOL,
    MaxCoverInstance,
    Solution,
    Solver,
    default_solver,
    is_integral,
)

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray


@dataclass(frozen=True, eq=False)
class MCLP(PlanModel):
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
        w, covered = common_inputs(pairs, weights, already_covered, problems)
        cap = None
        if capacity is not None:
            cap = checked_vector(
                "capacity", capacity, pairs.n_candidates, 1.0, problems, positive=True
            )
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
            problems.append(f"k {k!r} must be a non-negative integer")
        raise_problems(problems, "MCLP")
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
        sites = checked_sites(solution.sites, self.n_candidates, self.k)
        if self.capacity is None:
            served = nearest_assignment(self.pairs, rows, self.weights, sites)
        else:
            served = capacitated_assignment(self.pairs, rows, self.weights, sites, self.capacity)
        tol = TOL * max(float(self.weights.sum()), 1.0)
        sites = sites[served.by_site[sites] > tol]  # a site serving nobody is left out
        cap = self.capacity
        whole = is_integral(self.weights) and (cap is None or is_integral(cap))
        objective = float(served.served.sum())
        return self._result("mclp", sites, served, objective, unreachable, solution, whole=whole)
