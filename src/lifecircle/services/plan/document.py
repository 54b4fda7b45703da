"""The plan document of docs/assessment.md: every category asked, stored as a plan run."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from lifecircle import __version__
from lifecircle.errors import ValidationError
from lifecircle.services.city.data import CityData, load_compute_store
from lifecircle.services.hours import moment_at, open_places
from lifecircle.services.plan.category import Outcome, plan_category
from lifecircle.services.plan.joint import joint_plan
from lifecircle.services.plan.params import (
    TOL,
    PlanParams,
    rounded_pop,
    rounded_share,
    solver_name,
)
from lifecircle.services.plan.prepare import category_reach, prepare
from lifecircle.store import cities as city_store
from lifecircle.store.db import session_scope
from lifecircle.store.runs import get_plan, save_plan

if TYPE_CHECKING:
    from collections.abc import Callable

    from numpy.typing import NDArray
    from sqlalchemy.engine import Engine


# --- the document --------------------------------------------------------------------------


def _note(
    out: Outcome, weight: NDArray[np.float64], h_ok: NDArray[np.bool_], params: PlanParams
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
    prep = prepare(data, params, step)
    params, weight, zone = prep.params, prep.weight, prep.zone
    covered0, cands, n = prep.covered, prep.cands, prep.homes.size
    outcomes = []
    for j, code in enumerate(params.categories):  # each category's walks, then its model
        reach = category_reach(prep, covered0[:, j], code, step)
        outcomes.append(plan_category(code, covered0[:, j], weight, reach, params, step))

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
                    "newly_covered_population": rounded_pop(residents.sum()),
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
                "before_population": rounded_pop(weight[covered0[:, j]].sum()),
                "covered_population": rounded_pop(after[:, j].sum()),
                "total_population": rounded_pop(total),
                "optimal": r.optimal,
                "gap": 0.0 if r.optimal else (None if r.gap is None else round(r.gap, 6)),
                "solver": solver_name(r.method),
                "candidates": out.n_candidates,
                "candidates_kept": out.n_kept,
                "unreachable_population": rounded_pop(weight[out.unreachable].sum()),
                "unreachable_points": int(out.unreachable.sum()),
                "note": _note(out, weight, prep.snapped.ok, params),
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
            c: rounded_share(float(weight[inside & covered0[:, j]].sum()), pop)
            for j, c in enumerate(params.categories)
        }
        communities.append(
            {
                "code": codes[z],
                "name": names[z],
                "street": data.units.streets[z],
                "district": data.units.districts[z],
                "population": rounded_pop(pop),
                "gaps": [c for c, s in before.items() if s is not None and s < 1.0 - TOL],
                "before": before,
                "after": {
                    c: rounded_share(float(after[inside, j].sum()), pop)
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
                "unsnapped_points": int((~prep.snapped.ok).sum()),
                "places": len(data.places),
            },
        },
        "sites": sites,
        "covered_population": rounded_pop(after.sum()),
        "total_population": rounded_pop(weight.sum() * len(params.categories)),
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
    at: str | None = None,
    unknown: str = "open",
) -> dict[str, Any]:
    """Load a city, plan and (unless ``save`` is false) store the plan.

    With ``at`` (``"Mon 07:30"`` or an ISO date-time, city time) only the places open
    then cover residents (:func:`lifecircle.services.hours.open_places`; places of
    unknown hours count as ``unknown``: ``open`` or ``closed``); ``plan.parameters.at``
    records the moment.

    Returns
    -------
    dict
        The plan document, ``plan.id`` set when stored.

    """
    return load_compute_store(
        engine=engine,
        name=name,
        compute=lambda data: _plan_at(data, params, progress, at, unknown),
        key="plan",
        store=(lambda s, city_id, doc: save_plan(s, city_id=city_id, document=doc))
        if save
        else None,
        progress=progress,
    )


def _plan_at(
    data: CityData,
    params: PlanParams,
    progress: Callable[[str], None] | None,
    at: str | None,
    unknown: str,
) -> dict[str, Any]:
    """:func:`plan` (or the joint plan) of the places open at ``at`` (all when ``None``)."""
    planner = joint_plan if params.joint else plan
    if at is None:
        return planner(data, params, progress=progress)
    if unknown not in {"open", "closed"}:
        raise ValidationError(
            f"plan: unknown hours count as open or closed, not {unknown!r}", field="unknown_hours"
        )
    moment, label = moment_at(at, data)
    document = planner(open_places(data, moment, unknown), params, progress=progress)
    document["plan"]["parameters"] |= {"at": label, "unknown_hours": unknown}
    return document


def stored_plan(*, engine: Engine, name: str, plan_id: int | None = None) -> dict[str, Any]:
    """A stored plan document (the latest when ``plan_id`` is None)."""
    with session_scope(engine) as session:
        city_id = city_store.get_city(session, name=name).id
        return get_plan(session, city_id=city_id, city=name, plan_id=plan_id)
