"""The plan's pilots in the assessment document: a row per pilot and their circle types.

Shares of circle types are of all the plan's pilots (30 in Shenzhen's), matched or not: a
pilot not matched to an assessed unit, or of undetermined type, is counted as unknown,
and the type-share target stays not evaluable until the known pilots settle it
(:func:`lifecircle.core.assess.circles.pilot_type_shares`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lifecircle.core.assess.circles import pilot_type_shares
from lifecircle.io.units.assessment_units import name_key

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from lifecircle.core.assess.circles import PilotMix
    from lifecircle.core.assess.targets import PlanTargets


def match_pilots(
    targets: PlanTargets,
    names: Sequence[str],
    streets: Sequence[str],
    districts: Sequence[str],
) -> dict[int, int]:
    """Pilot seq → index of the unit it names, by name (and 街道 / 区 where both give one).

    A pilot is matched only when exactly one unit fits: a name found twice in the same
    街道 and 区 (or with neither known) stays unmatched rather than guessed.
    """
    by_name: dict[str, list[int]] = {}
    for i, n in enumerate(names):
        by_name.setdefault(name_key(n), []).append(i)
    found: dict[int, int] = {}
    for pilot in targets.pilots:

        def agrees(i: int, pilot: Any = pilot) -> bool:
            street, district = streets[i], districts[i]
            return (not street or name_key(street) == name_key(pilot.street)) and (
                not district or name_key(district) == name_key(pilot.district)
            )

        fitting = [i for i in by_name.get(name_key(pilot.name), []) if agrees(i)]
        if len(fitting) == 1:
            found[pilot.seq] = fitting[0]
    return found


def pilot_rows(
    targets: PlanTargets,
    found: Mapping[int, int],
    communities: Sequence[Mapping[str, Any]],
    *,
    basic: Sequence[str],
) -> list[dict[str, Any]]:
    """One row per pilot of the plan, with its community's figures where it was matched.

    Parameters
    ----------
    targets
        The plan, with its pilots.
    found
        Pilot ``seq`` → index of the unit it was matched to.
    communities
        The document's community records, one per unit.
    basic
        The basic category codes.

    """
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
            c = communities[k]
            shares = [c["coverage"][b] for b in basic if c["coverage"][b] is not None]
            row |= {
                "community_code": c["code"],
                "circle_type": c["circle_type"],
                "grade": c["grade"],
                "basic_complete": c["basic_complete"],
                "coverage_basic_min": min(shares) if shares else None,  # None: no residents
            }
        rows.append(row)
    return rows


def pilot_mix(
    targets: PlanTargets, found: Mapping[int, int], communities: Sequence[Mapping[str, Any]]
) -> PilotMix | None:
    """The circle types of the plan's pilots as far as matched; ``None`` without pilots."""
    if not targets.pilots:
        return None
    return pilot_type_shares(
        [communities[k]["circle_type"] for k in found.values()],
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
