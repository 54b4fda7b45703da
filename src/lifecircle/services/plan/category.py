"""One category's plan: the model of its walks, its solver, and who each site serves."""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lifecircle.core.plan import (
    LSCP,
    MCLP,
    LocateResult,
    MilpSolver,
    Solver,
    default_solver,
    milp_solver,
)
from lifecircle.core.plan.split import SplitSolver
from lifecircle.errors import InfeasibleError
from lifecircle.services.candidates import undominated
from lifecircle.services.plan.params import TOL, PlanParams

if TYPE_CHECKING:
    from collections.abc import Callable

    from numpy.typing import NDArray

    from lifecircle.services.plan.prepare import Reach

# --- one category --------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """One category's plan: the model's result and who each chosen site newly serves."""

    result: LocateResult
    sites: NDArray[np.int64]  # candidate indices (into Candidates), in plan order
    flows: list[tuple[NDArray[np.int64], NDArray[np.float64]]]  # per site: homes, residents
    n_candidates: int  # within reach of a resident to serve
    n_kept: int  # of those, not dominated by others
    unreachable: NDArray[np.bool_]


def _solver(n_pairs: int, params: PlanParams, started: float) -> Solver:
    """HiGHS with the plan's time limit, or the Lagrangian method for instances too large.

    A cover is split into its independent parts first (:class:`SplitSolver`), so a
    city-wide cover of local gaps is many small exact solves; a part, or a maximal
    covering, too large for HiGHS goes to the Lagrangian method (with its bound).

    The size is the pairs within reach, the cells the sparse instance stores: a dense
    count (homes x candidates) would send 8,000 homes and 1,400 candidates (650,000
    pairs, 3 s in HiGHS) to the greedy, whose cover took 12 sites where 10 suffice.
    HiGHS stopped by the time limit keeps the better of its answer and the greedy's.
    The split's clock starts at ``started``, before the model is built.
    """
    if params.mode == "cover":  # exact part by part where the gaps lie apart
        return SplitSolver(time_limit_s=params.time_limit_s, started=started)
    chosen = default_solver(n_pairs)
    if isinstance(chosen, MilpSolver):
        return milp_solver(time_limit_s=params.time_limit_s)
    return SplitSolver(time_limit_s=params.time_limit_s, started=started)  # Lagrangian


def _in_order(
    result: LocateResult,
    rows: NDArray[np.int64],
    cols: NDArray[np.int64],
    weight: NDArray[np.float64],
) -> tuple[NDArray[np.int64], list[tuple[NDArray[np.int64], NDArray[np.float64]]]]:
    """The chosen sites by marginal gain, each resident credited to the first that reaches it.

    Without capacity the assignment is a matter of bookkeeping (every reached resident
    counts once whichever site it walks to); ordering by gain gives the planner a
    priority list whose ``newly_covered`` adds up: open the first, then the second...
    """
    new = result.served > 0
    keep = np.isin(cols, result.sites) & new[rows]
    by_site = np.argsort(cols[keep], kind="stable")
    r, c = rows[keep][by_site], cols[keep][by_site]
    sites = np.unique(result.sites)
    lo, hi = np.searchsorted(c, sites, side="left"), np.searchsorted(c, sites, side="right")
    reach = {int(j): np.unique(r[a:b]) for j, a, b in zip(sites, lo, hi, strict=True)}
    taken = np.zeros(weight.size, dtype=bool)
    # a lazy greedy (Minoux): a gain only falls as sites open, so a popped site whose
    # gain is still its key is the best; one pass per site instead of one per pair
    heap = [(-float(weight[points].sum()), j) for j, points in reach.items()]
    heapq.heapify(heap)  # ties: the lower candidate index
    order: list[int] = []
    flows = []
    while heap:
        key, best = heapq.heappop(heap)
        points = reach[best]
        points = points[~taken[points]]
        gain = float(weight[points].sum())
        if heap and -gain > key:  # stale: back in the heap with its true gain
            heapq.heappush(heap, (-gain, best))
            continue
        taken[points] = True
        order.append(best)
        flows.append((points, weight[points]))
    return np.asarray(order, dtype=np.int64), flows


def plan_category(
    code: str,
    covered: NDArray[np.bool_],
    weight: NDArray[np.float64],
    reach: Reach,
    params: PlanParams,
    step: Callable[[str], None],
) -> Outcome:
    """The model of the walks ``reach`` (:mod:`~lifecircle.services.plan.prepare`) solved."""
    need, local, hi, ci, metres = (
        reach.need, reach.local, reach.pair_home, reach.pair_cand, reach.metres,
    )  # fmt: skip
    limit = params.limit_m
    reachable = np.zeros(weight.size, dtype=bool)
    reachable[need[hi]] = True
    unreachable = ~covered & ~reachable
    # the candidates some others make redundant cannot improve the optimum (see there)
    kept = undominated(hi, ci, local.size, copies=1 if params.capacity is None else params.k or 1)
    new = np.full(local.size, -1)
    new[kept] = np.arange(kept.size)
    use = new[ci] >= 0
    rows, ci, metres = need[hi[use]], new[ci[use]], metres[use]
    step(f"{code}: choosing the sites")
    n, m = weight.size, kept.size
    solver = _solver(int(rows.size), params, time.perf_counter())  # the model's time counts
    if params.mode == "cover":
        w = weight
        if params.share >= 1.0:  # every resident a candidate reaches; the rest reported
            w = np.where(unreachable, 0.0, weight)
        else:
            check_share(code, weight, unreachable, params)
        model: LSCP | MCLP = LSCP.from_pairs(
            n, m, rows, ci, metres, limit_m=limit, weights=w, already_covered=covered,
            share=params.share, category=code,
        )  # fmt: skip
    else:
        model = MCLP.from_pairs(
            n, m, rows, ci, metres, limit_m=limit, k=int(params.k or 0), weights=weight,
            already_covered=covered, capacity=params.capacity, category=code,
        )  # fmt: skip
    result = model.solve(solver)
    if params.capacity is None:
        order, flows = _in_order(result, rows, ci, weight)
    else:  # the capacitated assignment decides who walks where
        point, site, residents = result.flows
        order = result.sites
        flows = [(point[site == s], residents[site == s]) for s in order.tolist()]
    return Outcome(result, local[kept[order]], flows, local.size, m, unreachable)


def check_share(
    code: str,
    weight: NDArray[np.float64],
    unreachable: NDArray[np.bool_],
    params: PlanParams,
) -> None:
    """Refuse a share the candidates cannot reach, saying how far short it falls."""
    total = float(weight.sum())
    best = total - float(weight[unreachable].sum())
    wanted = params.share * total
    if wanted > best + TOL * max(total, 1.0):
        raise InfeasibleError(
            f"{code}: share {params.share:g} needs {wanted:,.0f} residents covered but only "
            f"{best:,.0f} can be reached by any candidate or existing place within "
            f"{params.minutes:g} min ({int(unreachable.sum()):,} points with "
            f"{total - best:,.0f} residents reach none): lower the share, raise the limit "
            "or add candidates"
        )
