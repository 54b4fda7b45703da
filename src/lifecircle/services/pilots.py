"""The plan's pilots in the assessment document: a row per pilot and their circle types.

Shares of circle types are of all the plan's pilots (30 in Shenzhen's), matched or not: a
pilot not matched to an assessed unit, or of undetermined type, is counted as unknown,
and the type-share target stays not evaluable until the known pilots settle it
(:func:`lifecircle.core.circles.pilot_type_shares`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from lifecircle.core.circles import pilot_type_shares

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from lifecircle.core.circles import PilotMix, Verdict
    from lifecircle.core.coverage import CoverageResult
    from lifecircle.core.targets import PlanTargets
    from lifecircle.services.city_data import CityData


def _num(value: float) -> float | None:
    return round(float(value), 4) if np.isfinite(value) else None


def pilot_rows(
    data: CityData,
    targets: PlanTargets,
    found: Mapping[int, int],
    *,
    coverage: CoverageResult,
    types: Sequence[Verdict],
    grades: Sequence[Verdict],
) -> list[dict[str, Any]]:
    """One row per pilot of the plan, with its unit's figures where it was matched.

    Parameters
    ----------
    data
        The city.
    targets
        The plan, with its pilots.
    found
        Pilot ``seq`` → index of the unit it was matched to.
    coverage, types, grades
        The units' coverage, circle types and grades.

    """
    basic_cols = np.flatnonzero(np.asarray(data.groups) == "basic")
    rows = []
    for pilot in targets.pilots:
        k = found.get(pilot.seq)
        row: dict[str, Any] = {
            "seq": pilot.seq,
            "district": pilot.district,
            "name": pilot.name,
            "street": pilot.street,
            "community_code": None,
            "circle_type": None,
            "grade": None,
            "basic_complete": None,
            "coverage_basic_min": None,
        }
        if k is not None:
            row |= {
                "community_code": data.units.codes[k],
                "circle_type": types[k].value,
                "grade": grades[k].value,
                "basic_complete": bool(coverage.basic_complete[k]),
                "coverage_basic_min": _num(np.nanmin(coverage.covered[k, basic_cols]))
                if basic_cols.size and coverage.population[k] > 0
                else None,
            }
        rows.append(row)
    return rows


def pilot_mix(
    targets: PlanTargets, found: Mapping[int, int], types: Sequence[Verdict]
) -> PilotMix | None:
    """The circle types of the plan's pilots as far as matched; ``None`` without pilots."""
    if not targets.pilots:
        return None
    return pilot_type_shares(
        [types[k].value for k in found.values()],
        pilots=len(targets.pilots),
        min_share=targets.pilot_type_min_share,
    )


def mix_record(mix: PilotMix | None) -> dict[str, Any]:
    """The type members of the document's ``city.pilots`` (all ``None`` without pilots).

    ``needed`` pilots per type, ``unknown`` pilots (not matched or ``undetermined``, of
    which ``undetermined``), per type its ``type_counts``, ``type_shares`` (of all the
    plan's pilots) and ``type_met`` (true, false or null: not evaluable), and
    ``types_met`` for the three together.
    """
    keys = ("needed", "unknown", "undetermined", "type_counts", "type_shares", "type_met")
    if mix is None:
        return dict.fromkeys((*keys, "types_met"))
    return {
        "needed": mix.needed,
        "unknown": mix.unknown,
        "undetermined": mix.counts["undetermined"],
        "type_counts": {k: mix.counts[k] for k in mix.meets},
        "type_shares": {k: round(mix.shares[k], 4) for k in mix.meets},
        "type_met": dict(mix.meets),
        "types_met": mix.all_met,
    }
