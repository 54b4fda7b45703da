"""One category's plan: demand, candidates, the model and its solver, and who each site serves."""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lifecircle.core.assess.categories import GROUPS
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
from lifecircle.core.walk.access import accessibility
from lifecircle.core.walk.snap import Snapped, snap_points
from lifecircle.errors import DataError, InfeasibleError, NotFoundError, ValidationError
from lifecircle.services.candidates import (
    Candidates,
    file_candidates,
    network_candidates,
    pairs_within,
    undominated,
    within,
)
from lifecircle.services.plan.params import TOL, PlanParams

if TYPE_CHECKING:
    from collections.abc import Callable

    from numpy.typing import NDArray

    from lifecircle.core.assess.categories import Taxonomy
    from lifecircle.core.walk.network import WalkNetwork
    from lifecircle.services.city.data import CityData

# --- inputs ------------------------------------------------------------------------------


def expand_groups(data: CityData, codes: tuple[str, ...]) -> tuple[str, ...]:
    """Category codes, with a group name (``basic``, ``quality``) standing for its members."""
    return expand_codes(data.taxonomy, codes)


def expand_codes(taxonomy: Taxonomy, codes: tuple[str, ...]) -> tuple[str, ...]:
    """:func:`expand_groups` in a taxonomy: each group name replaced by its members' codes."""
    out: list[str] = []
    for code in codes:
        members = [c.code for c in taxonomy.in_group(code)] if code in GROUPS else []
        out.extend(members or [code])
    return tuple(dict.fromkeys(out))


def planned_columns(data: CityData, codes: tuple[str, ...]) -> list[int]:
    """Taxonomy columns of the categories asked, refusing unknown codes."""
    unknown = [c for c in codes if c not in data.categories]
    if unknown:
        raise ValidationError(
            f"unknown categor{'ies' if len(unknown) > 1 else 'y'} "
            f"{', '.join(repr(c) for c in unknown)}: taxonomy {data.taxonomy.name!r} has "
            + ", ".join(data.categories)
        )
    return [data.categories.index(c) for c in codes]


def area_homes(data: CityData, community: str | None) -> NDArray[np.int64]:
    """The homes of the planned area (with residents), refusing unknown communities."""
    zone = data.homes.zone
    if community is None:
        inside = zone >= 0
        where = f"city {data.name!r}"
    else:
        codes = data.units.codes
        if community not in codes:
            by_name = [c for c, n in zip(codes, data.units.names, strict=True) if n == community]
            hint = f" (the code of {community!r} is {by_name[0]!r})" if len(by_name) == 1 else ""
            shown = ", ".join(codes[:5]) + (", …" if len(codes) > 5 else "")
            raise NotFoundError(
                f"city {data.name!r} has no community {community!r}{hint}; "
                f"its {len(codes)} {data.units.level or 'unit'} codes include {shown}"
            )
        inside = zone == codes.index(community)
        where = f"community {community!r}"
    homes = np.flatnonzero(inside & (data.homes.weight > 0))
    if homes.size == 0:
        raise DataError(f"{where} has no residents: nothing to plan")
    return homes


def existing_places(
    data: CityData, homes: Snapped, cols: list[int], limit_m: float, max_snap_m: float
) -> NDArray[np.bool_]:
    """Per home and planned category: an existing place lies within the limit."""
    column = np.full(len(data.categories), -1)
    column[cols] = np.arange(len(cols))
    pair = np.flatnonzero(column[data.places.pair_category] >= 0)
    rows = data.places.pair_place[pair]  # only the places of the planned categories
    result = accessibility(
        data.net,
        origins=homes,
        places=snap_points(
            data.net, data.places.lon[rows], data.places.lat[rows], max_snap_m=max_snap_m
        ),
        place_category=column[data.places.pair_category[pair]],
        categories=[data.categories[c] for c in cols],
        limit_m=limit_m,
        with_counts=False,
    )
    return np.isfinite(result.metres)


def planned_candidates(data: CityData, params: PlanParams) -> Candidates:
    """The plan's candidate sites: points along the streets, or the user's file."""
    if params.candidates is None:
        return network_candidates(data.net, spacing_m=params.spacing_m)
    return file_candidates(
        data.net, params.candidates, crs=params.candidates_crs, max_snap_m=params.max_snap_m
    )


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
    graph_net: WalkNetwork,
    home: tuple[NDArray[np.int64], NDArray[np.float64]],
    cand: tuple[NDArray[np.int64], NDArray[np.float64]],
    params: PlanParams,
    step: Callable[[str], None],
) -> Outcome:
    """Candidates within reach, their pairs with the uncovered homes, the model solved."""
    (h_node, h_off), (c_node, c_off), limit = home, cand, params.limit_m
    need = np.flatnonzero(~covered & (h_node >= 0))
    step(f"{code}: walks from the candidates")
    near = within(
        graph_net,
        seed_node=h_node[need],
        seed_offset_m=h_off[need],
        node=c_node,
        offset_m=c_off,
        limit_m=limit,
    )
    local = np.flatnonzero(near)
    hi, ci, metres = pairs_within(
        graph_net,
        a_node=h_node[need],
        a_offset_m=h_off[need],
        b_node=c_node[local],
        b_offset_m=c_off[local],
        limit_m=limit,
    )
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
