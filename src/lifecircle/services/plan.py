"""The gap-filling plan (缺什么补什么, 一圈一策): where to open new places, per category.

For each category asked, the residents of the planned area (one community, or every
community of the city) who reach no existing place of it within the walking limit are
the demand; candidate sites are points along the streets within their reach or a
user's list of shop units (:mod:`lifecircle.services.candidates`). The walks between
them come from bounded network searches, and ``core.plan`` chooses the sites:

* ``cover`` (LSCP): the fewest new places so that every resident a candidate can reach
  (``share = 1``), or a share of all the area's residents, existing places counted,
  reaches one within the limit;
* ``max`` (MCLP): the ``k`` new places reaching the most residents not yet covered,
  optionally at most ``capacity`` residents each.

:func:`plan` is pure computation over a :class:`~lifecircle.services.city.data.CityData`
and returns the plan document of docs/assessment.md; :func:`run_plan` loads the city,
plans and stores the document.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from lifecircle import __version__
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
from lifecircle.core.walk.impedance import DEFAULT_MINUTES, MAX_SNAP_M, WALK_SPEED_KMH
from lifecircle.core.walk.impedance import metres_from_minutes as _metres
from lifecircle.core.walk.insert import insert_points
from lifecircle.core.walk.snap import Snapped, snap_points
from lifecircle.errors import DataError, InfeasibleError, NotFoundError, ValidationError
from lifecircle.services.candidates import (
    Candidates,
    file_candidates,
    near_demand,
    network_candidates,
    pairs_within,
    undominated,
    within,
)
from lifecircle.services.city.data import CityData, load_compute_store
from lifecircle.store import cities as city_store
from lifecircle.store.db import session_scope
from lifecircle.store.runs import get_plan, save_plan

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from numpy.typing import NDArray
    from sqlalchemy.engine import Engine

    from lifecircle.core.walk.network import WalkNetwork

MODES = ("cover", "max")
"""Plan modes: set covering (fewest places) and maximal covering (best ``k`` places)."""

SOLVER_NAMES = {
    "milp": "highs",
    "greedy": "greedy",
    "greedy+milp": "highs+greedy",
    "none": "none",
}
"""The ``solver`` of the document for each :class:`~lifecircle.core.plan.LocateResult` method."""

_TOL = 1e-9
"""Relative slack on residents (sums of floats), as in ``core.plan``."""


@dataclass(frozen=True)
class PlanParams:
    """Parameters of a plan.

    Attributes
    ----------
    categories
        Category codes to plan for, each solved on its own (duplicates are dropped).
    community
        Code of the one community to plan for; ``None`` for every community.
    mode
        ``"cover"`` (fewest places) or ``"max"`` (the best ``k`` places).
    k
        Places to open per category in ``max`` mode (required there, refused in cover).
    share
        ``cover``: share (0..1] of the area's residents to reach, existing places
        counted; 1 means every resident any candidate can reach.
    capacity
        ``max``: residents one new place can serve; ``None`` for no limit.
    minutes, speed_kmh
        The walking limit, minutes at km/h.
    spacing_m
        Distance between network candidates along a street, metres.
    candidates
        A CSV of candidate sites (``id,lon,lat[,rent]``); ``None`` for network points.
    candidates_crs
        Coordinate system of that file: ``wgs84``, ``gcj02`` or ``bd09``.
    max_snap_m
        Homes, places and file candidates farther than this from every street are left
        out (and reported).
    time_limit_s
        Wall-clock limit of each MILP, seconds; on reaching it the better of HiGHS's
        incumbent and the greedy answer is kept, with its gap.

    """

    categories: tuple[str, ...]
    community: str | None = None
    mode: str = "cover"
    k: int | None = None
    share: float = 1.0
    capacity: float | None = None
    minutes: float = DEFAULT_MINUTES
    speed_kmh: float = WALK_SPEED_KMH
    spacing_m: float = 100.0
    candidates: Path | None = None
    candidates_crs: str = "wgs84"
    max_snap_m: float = MAX_SNAP_M
    time_limit_s: float | None = 60.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "categories", tuple(dict.fromkeys(self.categories)))
        problems = []
        if not self.categories:
            problems.append("at least one category is needed")
        if self.mode not in MODES:
            problems.append(f"mode {self.mode!r} is not one of {', '.join(MODES)}")
        if self.mode == "max":
            if self.k is None or isinstance(self.k, bool) or not int(self.k) == self.k >= 1:
                problems.append(f"max mode needs k, the places to open, at least 1 (got {self.k})")
            if self.share != 1.0:
                problems.append("share applies to cover mode only")
        elif self.mode == "cover":
            if self.k is not None:
                problems.append("k applies to max mode only (cover finds the fewest places)")
            if self.capacity is not None:
                problems.append("capacity applies to max mode only")
        if not 0.0 < self.share <= 1.0:
            problems.append(f"share {self.share} is outside (0, 1]")
        if self.capacity is not None and not 0.0 < self.capacity < math.inf:
            problems.append(f"capacity {self.capacity} must be positive")
        if not 0.0 < self.minutes <= 240.0:
            problems.append(f"minutes {self.minutes} is outside (0, 240]")
        if not 1.0 <= self.spacing_m <= 100_000.0:
            problems.append(f"spacing_m {self.spacing_m} is outside 1-100,000 m")
        if not 0.0 < self.max_snap_m < math.inf:
            problems.append(f"max_snap_m {self.max_snap_m} must be positive")
        if self.time_limit_s is not None and not 0.0 < self.time_limit_s < math.inf:
            problems.append(f"time_limit_s {self.time_limit_s} must be positive")
        if problems:
            raise ValidationError("plan: " + "; ".join(problems))
        self.limit_m  # noqa: B018 - checks the speed with impedance's own message

    @property
    def limit_m(self) -> float:
        """The walking limit, metres."""
        return _metres(self.minutes, speed_kmh=self.speed_kmh)

    def as_dict(self) -> dict[str, Any]:
        """The ``plan.parameters`` member of the document."""
        return {
            "mode": self.mode,
            "categories": list(self.categories),
            "community": self.community,
            "k": self.k,
            "share": self.share,
            "capacity": self.capacity,
            "minutes": self.minutes,
            "speed_kmh": self.speed_kmh,
            "limit_m": self.limit_m,
            "candidates": "network" if self.candidates is None else str(self.candidates),
            "candidates_crs": None if self.candidates is None else self.candidates_crs,
            "spacing_m": self.spacing_m if self.candidates is None else None,
            "max_snap_m": self.max_snap_m,
            "time_limit_s": self.time_limit_s,
        }


# --- inputs ------------------------------------------------------------------------------


def expand_groups(data: CityData, codes: tuple[str, ...]) -> tuple[str, ...]:
    """Category codes, with a group name (``basic``, ``quality``) standing for its members."""
    out: list[str] = []
    for code in codes:
        members = [c.code for c in data.taxonomy.in_group(code)] if code in GROUPS else []
        out.extend(members or [code])
    return tuple(dict.fromkeys(out))


def _columns(data: CityData, codes: tuple[str, ...]) -> list[int]:
    """Taxonomy columns of the categories asked, refusing unknown codes."""
    unknown = [c for c in codes if c not in data.categories]
    if unknown:
        raise ValidationError(
            f"unknown categor{'ies' if len(unknown) > 1 else 'y'} "
            f"{', '.join(repr(c) for c in unknown)}: taxonomy {data.taxonomy.name!r} has "
            + ", ".join(data.categories)
        )
    return [data.categories.index(c) for c in codes]


def _area(data: CityData, community: str | None) -> NDArray[np.int64]:
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


def _existing(
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


def _candidates(data: CityData, params: PlanParams) -> Candidates:
    if params.candidates is None:
        return network_candidates(data.net, spacing_m=params.spacing_m)
    return file_candidates(
        data.net, params.candidates, crs=params.candidates_crs, max_snap_m=params.max_snap_m
    )


# --- one category --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Outcome:
    """One category's plan: the model's result and who each chosen site newly serves."""

    result: LocateResult
    sites: NDArray[np.int64]  # candidate indices (into Candidates), in plan order
    flows: list[tuple[NDArray[np.int64], NDArray[np.float64]]]  # per site: homes, residents
    n_candidates: int  # within reach of a resident to serve
    n_kept: int  # of those, not dominated by others
    unreachable: NDArray[np.bool_]


def _solver(n_pairs: int, params: PlanParams) -> Solver:
    """HiGHS with the plan's time limit, or the greedy for instances too large for it.

    A cover is split into its independent parts first (:class:`SplitSolver`), so a
    city-wide cover of local gaps is many small exact solves.

    The size is the pairs within reach, the cells the sparse instance stores: a dense
    count (homes x candidates) would send 8,000 homes and 1,400 candidates (650,000
    pairs, 3 s in HiGHS) to the greedy, whose cover took 12 sites where 10 suffice.
    HiGHS stopped by the time limit keeps the better of its answer and the greedy's.
    """
    if params.mode == "cover":  # exact part by part where the gaps lie apart
        return SplitSolver(time_limit_s=params.time_limit_s)
    chosen = default_solver(n_pairs)
    if isinstance(chosen, MilpSolver):
        return milp_solver(time_limit_s=params.time_limit_s)
    return chosen


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
    r, c = rows[keep], cols[keep]
    taken = np.zeros(weight.size, dtype=bool)
    left = sorted(result.sites.tolist())
    order: list[int] = []
    flows = []
    while left:
        live = ~taken[r]
        gain = np.bincount(c[live], weights=weight[r[live]], minlength=max(left) + 1)[left]
        best = left.pop(int(np.argmax(gain)))  # ties: the lower candidate index
        points = np.unique(r[live & (c == best)])
        taken[points] = True
        order.append(best)
        flows.append((points, weight[points]))
    return np.asarray(order, dtype=np.int64), flows


def _plan_category(
    code: str,
    covered: NDArray[np.bool_],
    weight: NDArray[np.float64],
    graph_net: WalkNetwork,
    home: tuple[NDArray[np.int64], NDArray[np.float64]],
    cand: tuple[NDArray[np.int64], NDArray[np.float64]],
    params: PlanParams,
    step: Callable[[str], None],
) -> _Outcome:
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
    solver = _solver(int(rows.size), params)
    if params.mode == "cover":
        w = weight
        if params.share >= 1.0:  # every resident a candidate reaches; the rest reported
            w = np.where(unreachable, 0.0, weight)
        else:
            _check_share(code, weight, unreachable, params)
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
    return _Outcome(result, local[kept[order]], flows, local.size, m, unreachable)


def _check_share(
    code: str,
    weight: NDArray[np.float64],
    unreachable: NDArray[np.bool_],
    params: PlanParams,
) -> None:
    """Refuse a share the candidates cannot reach, saying how far short it falls."""
    total = float(weight.sum())
    best = total - float(weight[unreachable].sum())
    wanted = params.share * total
    if wanted > best + _TOL * max(total, 1.0):
        raise InfeasibleError(
            f"{code}: share {params.share:g} needs {wanted:,.0f} residents covered but only "
            f"{best:,.0f} can be reached by any candidate or existing place within "
            f"{params.minutes:g} min ({int(unreachable.sum()):,} points with "
            f"{total - best:,.0f} residents reach none): lower the share, raise the limit "
            "or add candidates"
        )


# --- the document --------------------------------------------------------------------------


def _pop(value: float) -> float:
    return round(float(value), 2)


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole > 0 else None


def _note(
    out: _Outcome, weight: NDArray[np.float64], h_ok: NDArray[np.bool_], params: PlanParams
) -> str | None:
    bad = out.unreachable
    if not bad.any():
        return None
    off = int((bad & ~h_ok).sum())
    text = (
        f"{weight[bad].sum():,.0f} residents at {int(bad.sum()):,} points reach no "
        f"candidate within {params.minutes:g} min"
    )
    if off:
        text += f" ({off:,} of the points are farther than {params.max_snap_m:g} m from any street)"
    return text


def plan(
    data: CityData, params: PlanParams, *, progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Plan new places for a city or one community: the plan document, not yet stored.

    Parameters
    ----------
    data
        The city's network, units, population and places.
    params
        Categories, area, mode and limits.
    progress
        Called with the name of each step as it starts.

    Returns
    -------
    dict
        The plan document (docs/assessment.md, "Plan"), ``plan.id`` ``None``.

    Raises
    ------
    ValidationError
        For categories not in the city's taxonomy (listing the valid ones).
    NotFoundError
        For an unknown community code.
    InfeasibleError
        When a cover ``share`` below 1 exceeds what the candidates can reach.

    """
    step = progress or (lambda _: None)
    started = time.perf_counter()
    params = replace(params, categories=expand_groups(data, params.categories))
    cols = _columns(data, params.categories)
    homes = _area(data, params.community)
    weight = data.homes.weight[homes]
    zone = data.homes.zone[homes]
    step("attaching residents to the streets")
    h_snap = snap_points(
        data.net, data.homes.lon[homes], data.homes.lat[homes], max_snap_m=params.max_snap_m
    )
    step("walks to the existing places")
    covered0 = _existing(data, h_snap, cols, params.limit_m, params.max_snap_m)
    step("candidate sites")
    cands = _candidates(data, params)
    demand = ~covered0.all(axis=1)  # homes some planned category does not reach yet
    cands = near_demand(data.net, cands, h_snap.take(np.flatnonzero(demand)), params.limit_m)
    graph = insert_points(data.net, Snapped.concat([h_snap, cands.snapped]))
    n = homes.size
    home = (graph.node[:n].astype(np.int64), graph.offset_m[:n])
    cand = (graph.node[n:].astype(np.int64), graph.offset_m[n:])
    outcomes = [
        _plan_category(code, covered0[:, j], weight, graph.net, home, cand, params, step)
        for j, code in enumerate(params.categories)
    ]

    step("the plan document")
    codes, names = data.units.codes, data.units.names
    sites: list[dict[str, Any]] = []
    category_rows: list[dict[str, Any]] = []
    after = covered0 * weight[:, None]
    serving: dict[int, list[str]] = {}
    for j, (code, out) in enumerate(zip(params.categories, outcomes, strict=True)):
        r = out.result
        for rank, (idx, (points, residents)) in enumerate(zip(out.sites, out.flows, strict=True)):
            after[points, j] += residents
            by_zone = np.bincount(zone[points], weights=residents, minlength=len(codes))
            served_zones = [int(z) for z in np.argsort(-by_zone, kind="stable") if by_zone[z] > 0]
            for z in served_zones:
                serving.setdefault(z, []).append(cands.ids[idx])
            rent = float(cands.rent[idx])
            sites.append(
                {
                    "id": cands.ids[idx],
                    "lon": round(float(cands.lon[idx]), 7),
                    "lat": round(float(cands.lat[idx]), 7),
                    "category": code,
                    "rank": rank + 1,
                    "newly_covered_population": _pop(residents.sum()),
                    "communities": [codes[z] for z in served_zones],
                    "rent": rent if math.isfinite(rent) else None,
                }
            )
        total = float(weight.sum())
        category_rows.append(
            {
                "category": code,
                "name_zh": data.taxonomy.by_code[code].name_zh,
                "sites": int(out.sites.size),
                "before_population": _pop(weight[covered0[:, j]].sum()),
                "covered_population": _pop(after[:, j].sum()),
                "total_population": _pop(total),
                "optimal": r.optimal,
                "gap": 0.0 if r.optimal else (None if r.gap is None else round(r.gap, 6)),
                "solver": SOLVER_NAMES.get(r.method, r.method),
                "candidates": out.n_candidates,
                "candidates_kept": out.n_kept,
                "unreachable_population": _pop(weight[out.unreachable].sum()),
                "unreachable_points": int(out.unreachable.sum()),
                "note": _note(out, weight, h_snap.ok, params),
                "objective": round(r.objective, 4),
                "bound": None if r.bound is None else round(r.bound, 4),
            }
        )
    communities = []
    pop_by_zone = np.bincount(zone, weights=weight, minlength=len(codes))
    for z in np.flatnonzero(pop_by_zone > 0).tolist():
        inside = zone == z
        pop = float(pop_by_zone[z])
        before = {
            c: _share(float(weight[inside & covered0[:, j]].sum()), pop)
            for j, c in enumerate(params.categories)
        }
        communities.append(
            {
                "code": codes[z],
                "name": names[z],
                "street": data.units.streets[z],
                "district": data.units.districts[z],
                "population": _pop(pop),
                "gaps": [c for c, s in before.items() if s is not None and s < 1.0 - _TOL],
                "before": before,
                "after": {
                    c: _share(float(after[inside, j].sum()), pop)
                    for j, c in enumerate(params.categories)
                },
                "sites": list(dict.fromkeys(serving.get(z, []))),
            }
        )
    optimal = all(o.result.optimal for o in outcomes)
    gaps = [row["gap"] for row in category_rows]
    return {
        "plan": {
            "id": None,
            "city": data.name,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "elapsed_s": round(time.perf_counter() - started, 3),
            "lifecircle_version": __version__,
            "parameters": params.as_dict(),
            "data": {
                **data.versions,
                "population_points": int(n),
                "unsnapped_points": int((~h_snap.ok).sum()),
                "places": len(data.places),
            },
        },
        "sites": sites,
        "covered_population": _pop(after.sum()),
        "total_population": _pop(weight.sum() * len(cols)),
        "optimal": optimal,
        "gap": 0.0 if optimal else (None if None in gaps else max(gaps)),
        "candidates": {
            "source": cands.source,
            "path": cands.path,
            "count": len(cands),
            "left_out": cands.left_out,
        },
        "categories": category_rows,
        "communities": communities,
    }


def run_plan(
    *,
    engine: Engine,
    name: str,
    params: PlanParams,
    save: bool = True,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Load a city, plan and (unless ``save`` is false) store the plan.

    Returns
    -------
    dict
        The plan document, ``plan.id`` set when stored.

    """
    return load_compute_store(
        engine=engine,
        name=name,
        compute=lambda data: plan(data, params, progress=progress),
        key="plan",
        store=(lambda s, city_id, doc: save_plan(s, city_id=city_id, document=doc))
        if save
        else None,
        progress=progress,
    )


def stored_plan(*, engine: Engine, name: str, plan_id: int | None = None) -> dict[str, Any]:
    """A stored plan document (the latest when ``plan_id`` is None)."""
    with session_scope(engine) as session:
        city_id = city_store.get_city(session, name=name).id
        return get_plan(session, city_id=city_id, city=name, plan_id=plan_id)
