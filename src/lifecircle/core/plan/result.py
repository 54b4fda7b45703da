"""Plan results and the shared part of the covering models (:class:`LocateResult`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from lifecircle.core.plan.pairs import checked_mask, checked_vector
from lifecircle.core.plan.solvers import TOL, relative_gap
from lifecircle.errors import LifecircleError, ValidationError

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    from lifecircle.core.plan.assign import Assignment
    from lifecircle.core.plan.pairs import ReachPairs
    from lifecircle.core.plan.solvers import Solution

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


def common_inputs(
    pairs: ReachPairs,
    weights: ArrayLike | None,
    already_covered: ArrayLike | None,
    problems: list[str],
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """The checked weights and already-covered mask of a model's demand points."""
    w = checked_vector("weights", weights, pairs.n_demand, 1.0, problems)
    return w, checked_mask(already_covered, pairs.n_demand, problems)


def raise_problems(problems: list[str], model: str) -> None:
    """Raise one :class:`ValidationError` naming the model and every problem, if any."""
    if problems:
        raise ValidationError(f"{model}: " + "; ".join(problems))


def describe_points(idx: NDArray[np.int64], shown: int = 10) -> str:
    """``"3 points (indices 0, 4, 9)"``: a count and the first ``shown`` indices."""
    head = ", ".join(str(i) for i in idx[:shown]) + (", …" if idx.size > shown else "")
    return f"{idx.size} point{'s' if idx.size != 1 else ''} (indices {head})"


# --------------------------------------------------------------------------- models


@dataclass(frozen=True, eq=False)
class PlanModel:
    """What LSCP and MCLP share: reach pairs, weights, covered points, category."""

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
            optimal=solution.optimal or (gap is not None and gap <= TOL),
            method=solution.method,
            limit_m=self.pairs.limit_m,
        )


# --------------------------------------------------------------------------- assignment


def checked_sites(sites: ArrayLike, n: int, k: int | None) -> NDArray[np.int64]:
    """A solver's sites as sorted unique candidate indices, refusing impossible ones."""
    s = np.asarray(sites, dtype=np.int64).ravel()
    if s.size and (s.min() < 0 or s.max() >= n or np.unique(s).size != s.size):
        raise LifecircleError(f"solver returned invalid candidate indices {s.tolist()[:10]}")
    if k is not None and s.size > k:
        raise LifecircleError(f"solver returned {s.size} sites for a budget of {k}")
    return np.sort(s)
