"""The joint plan (一点多用): every missing category at once, units hosting allowed combinations.

The demand, candidates and walks are those of the per-category plan, computed once
(:mod:`lifecircle.services.plan.prepare`): each category's walks are solved as its own
plan (:func:`~lifecircle.services.plan.category.plan_category`), so the document
compares the units both need (``joint.per_category_sites``), and the same pairs are
the category's rows of :class:`~lifecircle.core.plan.joint.JointCover`, with the
combinations of the packaged (or the user's) table.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse

from lifecircle import __version__
from lifecircle.core.plan.joint import Combination, JointCover
from lifecircle.io.combinations import load_combinations
from lifecircle.services.plan.category import plan_category
from lifecircle.services.plan.params import (
    TOL,
    PlanParams,
    rounded_pop,
    rounded_share,
    solver_name,
)
from lifecircle.services.plan.prepare import (
    category_reach,
    expand_groups,
    planned_columns,
    prepare,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from numpy.typing import NDArray

    from lifecircle.services.city.data import CityData


def joint_plan(
    data: CityData, params: PlanParams, *, progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Plan units hosting combinations of the categories with gaps: the plan document.

    Returns
    -------
    dict
        The plan document of docs/assessment.md with a ``units`` list and a ``joint``
        member (method, bound, gap, and the per-category plans' site count).

    Raises
    ------
    ValidationError, NotFoundError
        As :func:`~lifecircle.services.plan.plan`.
    DataError
        For a combinations file with problems (file, line and field named).
    InfeasibleError
        When ``units_per_site`` leaves a gap no unit can close.

    """
    step = progress or (lambda _: None)
    started = time.perf_counter()
    # the categories first, then the combinations, then the area: the errors' order
    planned_columns(data, expand_groups(data, params.categories))
    source, rows = load_combinations(params.combinations, known=tuple(data.categories))
    prep = prepare(data, params, step)
    params, weight, zone = prep.params, prep.weight, prep.zone
    gap = np.asarray(~prep.covered.all(axis=0), dtype=bool)
    codes = tuple(c for j, c in enumerate(params.categories) if gap[j])
    covered0 = prep.covered[:, gap]
    if codes:  # the parameters name the categories planned (all asked when none has a gap)
        params = replace(params, categories=codes)

    # per category: the walks once, its own plan (the comparison, and the method the
    # city would use without joint), and its rows of the joint cover
    per_params = replace(params, joint=False, combinations=None, units_per_site=None)
    outcomes, pairs, demand_rows = [], [], []
    for j, code in enumerate(codes):
        reach = category_reach(prep, covered0[:, j], code, step)
        outcomes.append(plan_category(code, covered0[:, j], weight, reach, per_params, step))
        pairs.append(reach.pairs())
        demand_rows.append(np.unique(pairs[-1][0]))
    unreachable = [o.unreachable for o in outcomes]
    cands = prep.cands
    used = np.unique(np.concatenate([c for _, c in pairs] or [np.zeros(0, np.int64)]))
    col_of = np.full(len(cands), -1)
    col_of[used] = np.arange(used.size)
    patterns = [
        sparse.csr_array(
            (np.ones(h.size), (np.searchsorted(r, h), col_of[c])), shape=(r.size, used.size)
        )
        for (h, c), r in zip(pairs, demand_rows, strict=True)
    ]
    index = {code: j for j, code in enumerate(codes)}
    combos = [
        Combination(
            tuple(index[c] for c in row.categories if c in index),
            row.site_cost,
            row.category_cost,
            row.name,
        )
        for row in rows
    ]
    combos = [c for c in combos if len(c.categories) >= 2]
    step("joint: choosing the units")
    if codes:
        model = JointCover.from_patterns(
            patterns, combinations=combos, units_per_site=params.units_per_site
        )
        result = model.solve(time_limit_s=params.time_limit_s)
    else:
        result = None
    step("the plan document")
    return _document(
        data, params, source, cands, prep.homes.size, prep.snapped.ok, weight, zone, covered0,
        codes, demand_rows, unreachable, used, result, outcomes, started,
    )  # fmt: skip


def _document(
    data: CityData,
    params: PlanParams,
    source: str,
    cands: Any,
    n: int,
    h_ok: NDArray[np.bool_],
    weight: NDArray[np.float64],
    zone: NDArray[np.int64],
    covered0: NDArray[np.bool_],
    codes: tuple[str, ...],
    demand_rows: list[NDArray[np.int64]],
    unreachable: list[NDArray[np.bool_]],
    used: NDArray[np.int64],
    result: Any,
    outcomes: list[Any],
    started: float,
) -> dict[str, Any]:
    units_out: list[dict[str, Any]] = []
    sites: list[dict[str, Any]] = []
    after = covered0[:, : len(codes)] * weight[:, None]
    serving: dict[int, list[str]] = {}
    zcodes, names = data.units.codes, data.units.names
    if result is not None:
        for u, (site, hosts) in enumerate(zip(result.sites, result.hosts, strict=True)):
            idx = int(used[site])
            rent = float(cands.rent[idx])
            newly: dict[str, float] = {}
            closes: dict[str, list[str]] = {}
            for k in hosts:
                mine = (result.flow_unit == u) & (result.flow_category == k)
                points = demand_rows[k][result.flow_row[mine]]
                after[points, k] += weight[points]
                by_zone = np.bincount(zone[points], weights=weight[points], minlength=len(zcodes))
                zs = [int(z) for z in np.argsort(-by_zone, kind="stable") if by_zone[z] > 0]
                for z in zs:
                    serving.setdefault(z, []).append(cands.ids[idx])
                newly[codes[k]] = rounded_pop(weight[points].sum())
                closes[codes[k]] = [zcodes[z] for z in zs]
                sites.append(
                    {
                        "id": cands.ids[idx],
                        "lon": round(float(cands.lon[idx]), 7),
                        "lat": round(float(cands.lat[idx]), 7),
                        "category": codes[k],
                        "rank": u + 1,
                        "newly_covered_population": newly[codes[k]],
                        "communities": closes[codes[k]],
                        "rent": rent if math.isfinite(rent) else None,
                        "unit": u + 1,
                        "hosts": [codes[h] for h in hosts],
                    }
                )
            units_out.append(
                {
                    "rank": u + 1,
                    "id": cands.ids[idx],
                    "lon": round(float(cands.lon[idx]), 7),
                    "lat": round(float(cands.lat[idx]), 7),
                    "hosts": [codes[h] for h in hosts],
                    "combination": result.names[u] or None,
                    "cost": round(float(result.costs[u]), 4),
                    "newly_covered": newly,
                    "closes": closes,
                    "rent": rent if math.isfinite(rent) else None,
                }
            )
    total = float(weight.sum())
    category_rows = []
    for j, code in enumerate(codes):
        out = outcomes[j].result
        category_rows.append(
            {
                "category": code,
                "name_zh": data.taxonomy.by_code[code].name_zh,
                "sites": sum(code in unit["hosts"] for unit in units_out),
                "per_category_sites": int(outcomes[j].sites.size),
                "per_category_solver": solver_name(out.method),
                "per_category_optimal": out.optimal,
                "before_population": rounded_pop(weight[covered0[:, j]].sum()),
                "covered_population": rounded_pop(after[:, j].sum()),
                "total_population": rounded_pop(total),
                "unreachable_population": rounded_pop(weight[unreachable[j]].sum()),
                "unreachable_points": int(unreachable[j].sum()),
                "optimal": None if result is None else result.optimal,
                "gap": None if result is None else result.gap,
                "solver": "joint",
                "objective": None,
                "bound": None,
                "note": None,
            }
        )
    communities = []
    pop_by_zone = np.bincount(zone, weights=weight, minlength=len(zcodes))
    for z in np.flatnonzero(pop_by_zone > 0).tolist():
        inside = zone == z
        pop = float(pop_by_zone[z])
        before = {
            c: rounded_share(float(weight[inside & covered0[:, j]].sum()), pop)
            for j, c in enumerate(codes)
        }
        communities.append(
            {
                "code": zcodes[z],
                "name": names[z],
                "street": data.units.streets[z],
                "district": data.units.districts[z],
                "population": rounded_pop(pop),
                "gaps": [c for c, s in before.items() if s is not None and s < 1.0 - TOL],
                "before": before,
                "after": {
                    c: rounded_share(float(after[inside, j].sum()), pop)
                    for j, c in enumerate(codes)
                },
                "sites": list(dict.fromkeys(serving.get(z, []))),
            }
        )
    per_category = {code: int(o.sites.size) for code, o in zip(codes, outcomes, strict=True)}
    optimal = True if result is None else result.optimal
    gap = 0.0 if result is None or result.optimal else result.gap
    if not codes and result is None:
        note = "every category asked is already within reach of every resident"
    else:
        note = None
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
                "unsnapped_points": int((~h_ok).sum()),
                "places": len(data.places),
            },
        },
        "sites": sites,
        "units": units_out,
        "covered_population": rounded_pop(after.sum()),
        "total_population": rounded_pop(total * len(codes)),
        "optimal": optimal,
        "gap": None if gap is None else round(gap, 6),
        "candidates": {
            "source": cands.source,
            "path": cands.path,
            "count": len(cands),
            "left_out": cands.left_out,
        },
        "categories": category_rows,
        "communities": communities,
        "joint": {
            "combinations": source,
            "units": len(units_out),
            "objective": None if result is None else round(result.objective, 4),
            "bound": None if result is None or result.bound is None else round(result.bound, 4),
            "gap": None if gap is None else round(gap, 6),
            "optimal": optimal,
            "solver": "none" if result is None else solver_name(result.method),
            "columns": 0 if result is None else result.n_columns,
            "per_category_sites": sum(per_category.values()),
            "per_category": per_category,
            "per_category_optimal": all(o.result.optimal for o in outcomes),
            "saved_units": sum(per_category.values()) - len(units_out),
            "note": note,
        },
    }
