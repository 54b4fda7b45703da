"""The plan's targets and where a city stands against them.

The Shenzhen plan (深商务建设字〔2023〕240号) sets: every one of the city's 682 communities
with full basic coverage by the end of 2025; 30 pilot circles by the end of 2023, each of
the three circle types at least 20 % of them; resident satisfaction of at least 95 % in
the pilots (90 % in the national action plan); new community commerce at least 10 % of
the floor area; 50 new or renovated community commercial centres. It also asks for
statistics of shop counts, employees, satisfaction and investment. The numbers live in a
targets file (``data/targets/shenzhen-2023.toml``), read by :mod:`lifecircle.io.targets`;
this module only compares. A figure that is not recorded is ``None`` and its target is
neither met nor missed (``met`` is ``None``, not evaluable): no survey is not 0 %
satisfaction. Likewise the pilots' type shares are shares of all the plan's pilots, and
a pilot not matched to an assessed community (or of undetermined type) is unknown: the
target is met or missed only once the known pilots settle it, whatever the unknown ones
turn out to be (:func:`lifecircle.core.assess.circles.pilot_type_shares`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from lifecircle.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from lifecircle.core.assess.circles import PilotMix
    from lifecircle.core.surveys import ShareCell


STATUSES: Mapping[bool | None, tuple[str, str]] = MappingProxyType(
    {True: ("达标", "met"), False: ("未达标", "not met"), None: ("无法判定", "not evaluable")}
)
"""A target's ``met`` in words, Chinese and English: met, not met, not evaluable."""


@dataclass(frozen=True)
class Pilot:
    """A pilot circle of the plan's annex: order, 区, name (mostly a 社区) and 街道."""

    seq: int
    district: str
    name: str
    street: str


@dataclass(frozen=True)
class PlanTargets:
    """The numbers of a plan (see the module docstring); shares are 0..1, dates ISO."""

    name: str
    document: str
    communities_total: int
    basic_coverage_due: str
    pilots_due: str
    pilot_type_min_share: float
    pilot_satisfaction: float
    national_satisfaction: float
    commercial_floor_share: float
    commercial_centres: int
    pilots: tuple[Pilot, ...]
    sources: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = [
            f"{k} {v} is outside 0..1"
            for k, v in (
                ("pilot_type_min_share", self.pilot_type_min_share),
                ("pilot_satisfaction", self.pilot_satisfaction),
                ("national_satisfaction", self.national_satisfaction),
                ("commercial_floor_share", self.commercial_floor_share),
            )
            if not 0.0 <= v <= 1.0
        ]
        if self.communities_total < 0 or self.commercial_centres < 0:
            problems.append("counts must not be negative")
        seqs = [p.seq for p in self.pilots]
        if len(set(seqs)) != len(seqs):
            problems.append("pilot seq numbers repeat")
        if problems:
            raise ValidationError(f"targets {self.name}: " + "; ".join(problems))
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))


@dataclass(frozen=True)
class CityFigures:
    """What is known of a city, for the comparison; ``None`` where nothing is recorded.

    Attributes
    ----------
    communities
        Units assessed.
    basic_complete
        Units with full basic coverage.
    pilots_matched, pilots_complete
        Pilots found among the units, and those of them with full basic coverage.
    pilot_mix
        Circle types of the plan's pilots, as far as matched (``None`` when the plan
        lists no pilots).
    basic_share
        The full-coverage threshold the counts were made with: a unit has full basic
        coverage when every basic category reaches this share (0..1) of its residents.
    satisfaction_pilots, satisfaction_all
        Survey satisfaction (0..1) in the pilots and city-wide.
    satisfaction_pilots_cell, satisfaction_all_cell, satisfaction_survey
        The cells those shares come from (answers, 95 % Wilson interval; a cell of too
        few answers has no share), and which survey they are of.
    commercial_floor_share
        Community commerce and services as a share of floor area.
    commercial_centres
        New or renovated community commercial centres.
    shops, employees, investment_cny
        Shop count, people employed and investment (yuan).

    """

    communities: int
    basic_complete: int
    pilots_matched: int = 0
    pilots_complete: int = 0
    pilot_mix: PilotMix | None = None
    basic_share: float | None = None
    satisfaction_pilots: float | None = None
    satisfaction_all: float | None = None
    commercial_floor_share: float | None = None
    commercial_centres: int | None = None
    shops: int | None = None
    employees: int | None = None
    investment_cny: float | None = None
    satisfaction_pilots_cell: ShareCell | None = None
    satisfaction_all_cell: ShareCell | None = None
    satisfaction_survey: str = ""


@dataclass(frozen=True)
class TargetRow:
    """One target and where the city stands.

    ``met`` is ``True`` (met), ``False`` (not met) or ``None`` (not evaluable: not
    recorded, or too little known to tell). ``threshold`` is the share of residents
    (0..1) every basic category must reach for a unit to count as fully covered, on the
    rows that count such units; ``None`` on the others. ``n``, ``low`` and ``high`` are a
    survey figure's answers and 95 % Wilson interval (satisfaction rows).
    """

    code: str
    label_zh: str
    label_en: str
    target: float | None
    actual: float | None
    unit: str
    due: str | None
    met: bool | None
    note: str
    source: str
    threshold: float | None = None
    n: int | None = None
    low: float | None = None
    high: float | None = None


def _at_least(actual: float | None, target: float) -> bool | None:
    return None if actual is None else actual >= target - 1e-12


def survey_note(cell: ShareCell | None, survey: str) -> str:
    """A satisfaction row's note: answers and interval, too few, or not recorded yet."""
    if cell is None:
        return "not recorded yet" + (f" ({survey})" if survey else "")
    if cell.share is None:
        return f"too few answers ({cell.n}, fewer than 5): no figure; {survey}"
    assert cell.low is not None
    assert cell.high is not None
    return (
        f"{cell.n} answers, 95 % Wilson interval {100 * cell.low:.1f}–{100 * cell.high:.1f} %; "
        + survey
    )


def pilot_mix_note(mix: PilotMix) -> str:
    """Why the pilots' type-share target is met, not met or not evaluable, in numbers.

    For example, with three matched pilots of three types out of 30: "of 30 pilots:
    clustered 1, street 1, distributed 1, 27 unknown (27 not matched, 0 type
    undetermined); each type needs 6 (20 %); not evaluable until more pilots are known
    (still missing: clustered 5, street 5, distributed 5)".
    """
    text = (
        f"of {mix.pilots} pilots: "
        + ", ".join(f"{k} {mix.counts[k]}" for k in mix.meets)
        + f", {mix.unknown} unknown ({mix.pilots - mix.matched} not matched, "
        f"{mix.counts['undetermined']} type undetermined); each type needs {mix.needed} "
        f"({100 * mix.min_share:g} %)"
    )
    missing = ", ".join(f"{k} {mix.shortfall(k)}" for k in mix.meets if mix.shortfall(k))
    if mix.all_met is True:
        return text + "; met"
    if mix.all_met is None:
        return f"{text}; not evaluable until more pilots are known (still missing: {missing})"
    if hopeless := [k for k, met in mix.meets.items() if met is False]:
        who = ", ".join(hopeless)
        return f"{text}; not met: {who} cannot reach {mix.needed} even with every unknown pilot"
    return f"{text}; not met: the {mix.unknown} unknown pilots cannot make up {missing}"


def evaluate_targets(targets: PlanTargets, figures: CityFigures) -> tuple[TargetRow, ...]:
    """Every target of the plan with the city's figure, whether it is met, and why not.

    Parameters
    ----------
    targets
        The plan's numbers.
    figures
        The city's figures.

    Returns
    -------
    tuple of TargetRow
        Targets first, then the indicators the plan asks to record (no target).

    """
    src = targets.sources
    rows: list[TargetRow] = []
    n, total = figures.communities, targets.communities_total
    scope = (
        ""
        if n == total
        else f"{n} units assessed here; the plan counts {total} communities"
        + ("" if n else " (none assessed)")
    )
    rows.append(
        TargetRow(
            "basic_full_coverage",
            "基本保障类业态全覆盖的社区",
            "Communities with full basic coverage",
            float(total),
            float(figures.basic_complete),
            "communities",
            targets.basic_coverage_due,
            figures.basic_complete >= total,
            scope,
            src.get("basic_full_coverage", targets.document),
            figures.basic_share,
        )
    )
    listed = len(targets.pilots)
    rows.append(
        TargetRow(
            "pilots_complete",
            "基本保障类业态全覆盖的试点",
            "Pilots with full basic coverage",
            float(listed),
            float(figures.pilots_complete) if figures.pilots_matched else None,
            "pilots",
            targets.pilots_due,
            (figures.pilots_complete >= listed) if figures.pilots_matched else None,
            f"{figures.pilots_matched} of {listed} pilots found among the assessed units",
            src.get("pilots", targets.document),
            figures.basic_share,
        )
    )
    mix = figures.pilot_mix
    known = mix is not None and mix.matched > mix.counts["undetermined"]
    rows.append(
        TargetRow(
            "pilot_type_share",
            "每种生活圈类型占试点比例(最低)",
            "Smallest share of a circle type among the plan's pilots",
            targets.pilot_type_min_share,
            min(mix.shares[k] for k in mix.meets) if mix is not None and known else None,
            "share",
            targets.pilots_due,
            None if mix is None else mix.all_met,
            "the targets list no pilots" if mix is None else pilot_mix_note(mix),
            src.get("pilot_types", targets.document),
        )
    )
    for code, zh, en, value, goal, key, cell in (
        (
            "pilot_satisfaction",
            "试点区域居民满意度",
            "Resident satisfaction in the pilots",
            figures.satisfaction_pilots,
            targets.pilot_satisfaction,
            "pilot_satisfaction",
            figures.satisfaction_pilots_cell,
        ),
        (
            "satisfaction",
            "居民满意度(全国目标)",
            "Resident satisfaction (national target)",
            figures.satisfaction_all,
            targets.national_satisfaction,
            "national_satisfaction",
            figures.satisfaction_all_cell,
        ),
        (
            "commercial_floor_share",
            "社区商业和综合服务设施面积占比",
            "Community commerce share of floor area",
            figures.commercial_floor_share,
            targets.commercial_floor_share,
            "commercial_floor_share",
            None,
        ),
    ):
        surveyed = code in {"pilot_satisfaction", "satisfaction"}
        rows.append(
            TargetRow(
                code,
                zh,
                en,
                goal,
                value,
                "share",
                None,
                _at_least(value, goal),
                survey_note(cell, figures.satisfaction_survey)
                if surveyed and (cell is not None or figures.satisfaction_survey)
                else ("not recorded yet" if value is None else ""),
                src.get(key, targets.document),
                n=None if cell is None else cell.n,
                low=None if cell is None else cell.low,
                high=None if cell is None else cell.high,
            )
        )
    centres = figures.commercial_centres
    rows.append(
        TargetRow(
            "commercial_centres",
            "新建和改造社区商业中心",
            "New or renovated community commercial centres",
            float(targets.commercial_centres),
            None if centres is None else float(centres),
            "centres",
            targets.basic_coverage_due,
            _at_least(centres, targets.commercial_centres),
            "not recorded yet" if centres is None else "",
            src.get("commercial_centres", targets.document),
        )
    )
    for code, zh, en, value, unit in (
        ("shops", "店铺数量", "Shops", figures.shops, "shops"),
        ("employees", "从业人数", "Employees", figures.employees, "people"),
        ("investment", "建设改造投资额", "Investment", figures.investment_cny, "CNY"),
    ):
        rows.append(
            TargetRow(
                code,
                zh,
                en,
                None,
                None if value is None else float(value),
                unit,
                None,
                None,
                "indicator to record (no target)" + ("; not recorded yet" if value is None else ""),
                src.get("indicators", targets.document),
            )
        )
    return tuple(rows)
