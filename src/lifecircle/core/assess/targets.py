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
    note_zh: str = ""


NOT_RECORDED = ("not recorded yet", "尚未记录")
"""The note of a figure nobody has recorded (English, Chinese)."""

TYPE_ZH = {"clustered": "集聚式", "street": "街区式", "distributed": "分布式"}
"""The circle types' Chinese names, for the notes."""


def _at_least(actual: float | None, target: float) -> bool | None:
    return None if actual is None else actual >= target - 1e-12


def survey_note(cell: ShareCell | None, survey: str, lang: str = "en") -> str:
    """A satisfaction row's note: answers and interval, too few, or not recorded yet.

    ``lang`` ``"en"`` or ``"zh"``.
    """
    zh = lang == "zh"
    if cell is None:
        if zh:
            return NOT_RECORDED[1] + (f"（{survey}）" if survey else "")
        return NOT_RECORDED[0] + (f" ({survey})" if survey else "")
    if cell.share is None:
        if zh:
            return f"回答过少（{cell.n} 份，少于 5 份）：不给出数值；{survey}"
        return f"too few answers ({cell.n}, fewer than 5): no figure; {survey}"
    assert cell.low is not None
    assert cell.high is not None
    interval = f"{100 * cell.low:.1f}–{100 * cell.high:.1f} %"
    if zh:
        return f"{cell.n} 份回答，95 % Wilson 区间 {interval}；{survey}"
    return f"{cell.n} answers, 95 % Wilson interval {interval}; " + survey


def pilot_mix_note(mix: PilotMix, lang: str = "en") -> str:
    """Why the pilots' type-share target is met, not met or not evaluable, in numbers.

    For example, with three matched pilots of three types out of 30: "of 30 pilots:
    clustered 1, street 1, distributed 1, 27 unknown (27 not matched, 0 type
    undetermined); each type needs 6 (20 %); not evaluable until more pilots are known
    (still missing: clustered 5, street 5, distributed 5)". ``lang`` ``"zh"`` says it
    in Chinese.
    """
    if lang == "zh":
        return _pilot_mix_note_zh(mix)
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


def _pilot_mix_note_zh(mix: PilotMix) -> str:
    def name(k: str) -> str:
        return TYPE_ZH.get(k, k)

    text = (
        f"共 {mix.pilots} 个试点："
        + "、".join(f"{name(k)} {mix.counts[k]}" for k in mix.meets)
        + f"，未知 {mix.unknown} 个（未匹配 {mix.pilots - mix.matched} 个，类型未定 "
        f"{mix.counts['undetermined']} 个）；"
        f"每种类型需 {mix.needed} 个（{100 * mix.min_share:g} %）"
    )
    missing = "、".join(f"{name(k)} {mix.shortfall(k)}" for k in mix.meets if mix.shortfall(k))
    if mix.all_met is True:
        return text + "；达标"
    if mix.all_met is None:
        return f"{text}；已知试点不足，暂无法判定（仍缺：{missing}）"
    if hopeless := [k for k, met in mix.meets.items() if met is False]:
        who = "、".join(name(k) for k in hopeless)
        return f"{text}；未达标：{who}即使计入全部未知试点也达不到 {mix.needed} 个"
    return f"{text}；未达标：{mix.unknown} 个未知试点不足以补齐 {missing}"


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
    scope_zh = (
        ""
        if n == total
        else f"本次评估 {n} 个单元；规划共计 {total} 个社区" + ("" if n else "（未评估任何单元）")
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
            note_zh=scope_zh,
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
            note_zh=f"评估单元中找到 {figures.pilots_matched}/{listed} 个试点",
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
            note_zh="目标未列出试点" if mix is None else pilot_mix_note(mix, "zh"),
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
        noted = surveyed and (cell is not None or bool(figures.satisfaction_survey))
        unrecorded = ("", "") if value is not None else NOT_RECORDED
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
                survey_note(cell, figures.satisfaction_survey) if noted else unrecorded[0],
                src.get(key, targets.document),
                n=None if cell is None else cell.n,
                low=None if cell is None else cell.low,
                high=None if cell is None else cell.high,
                note_zh=survey_note(cell, figures.satisfaction_survey, "zh")
                if noted
                else unrecorded[1],
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
            NOT_RECORDED[0] if centres is None else "",
            src.get("commercial_centres", targets.document),
            note_zh=NOT_RECORDED[1] if centres is None else "",
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
                note_zh="需记录的指标（无目标值）" + ("；尚未记录" if value is None else ""),
            )
        )
    return tuple(rows)
