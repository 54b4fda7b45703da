"""The plan's targets: met, missed, or not measurable when nothing is recorded."""

from __future__ import annotations

import re

import pytest

from lifecircle.core.assess.circles import pilot_type_shares
from lifecircle.core.assess.targets import CityFigures, Pilot, PlanTargets, evaluate_targets
from lifecircle.errors import DataError, NotFoundError, ValidationError
from lifecircle.io.targets import load_targets, targets_from_toml


def rows(targets: PlanTargets, **figures: object) -> dict[str, object]:
    return {r.code: r for r in evaluate_targets(targets, CityFigures(**figures))}  # type: ignore[arg-type]


def test_packaged_shenzhen_targets_are_the_plans_numbers() -> None:
    t = load_targets()
    assert t.communities_total == 682
    assert len(t.pilots) == 30
    assert t.pilot_type_min_share == 0.2
    assert (t.pilot_satisfaction, t.national_satisfaction) == (0.95, 0.90)
    assert t.commercial_floor_share == 0.10
    assert t.pilots[0] == Pilot(1, "福田区", "巴登社区", "南园街道")
    assert "682" in t.sources["basic_full_coverage"]


def test_targets_met_missed_and_unknown() -> None:
    t = load_targets()
    r = rows(t, communities=682, basic_complete=682, shops=10)
    assert r["basic_full_coverage"].met is True
    assert r["basic_full_coverage"].note == ""
    assert r["pilot_satisfaction"].met is None  # no survey yet: neither met nor missed
    assert r["pilots_complete"].actual is None
    assert r["shops"].actual == 10.0
    assert r["employees"].actual is None
    r = rows(t, communities=30, basic_complete=3, satisfaction_pilots=0.96)
    assert r["basic_full_coverage"].met is False
    assert "30 units assessed" in r["basic_full_coverage"].note
    assert r["pilot_satisfaction"].met is True


def test_pilot_type_share_target() -> None:
    t = load_targets()
    mix = pilot_type_shares(["clustered"] * 2 + ["street"] * 2 + ["distributed"], pilots=5)
    r = rows(t, communities=5, basic_complete=0, pilots_matched=5, pilot_mix=mix)
    assert r["pilot_type_share"].actual == pytest.approx(0.2)
    assert r["pilot_type_share"].met is True
    mix = pilot_type_shares(["clustered"] * 9 + ["street"], pilots=10)
    r = rows(t, communities=5, basic_complete=0, pilots_matched=10, pilot_mix=mix)
    assert r["pilot_type_share"].met is False


def test_pilot_type_share_target_counts_all_30_pilots() -> None:
    """Three matched pilots of three types: not evaluable, with 27 of 30 unknown."""
    t = load_targets()
    mix = pilot_type_shares(["clustered", "street", "distributed"], pilots=len(t.pilots))
    r = rows(t, communities=3, basic_complete=0, pilots_matched=3, pilot_mix=mix)[
        "pilot_type_share"
    ]
    assert r.met is None
    assert r.actual == pytest.approx(1 / 30)
    assert "of 30 pilots" in r.note
    assert "27 unknown (27 not matched, 0 type undetermined)" in r.note
    assert "not evaluable" in r.note
    assert "clustered 5" in r.note  # still missing
    mix = pilot_type_shares(["street"] * 26 + ["undetermined"] * 2, pilots=30)
    r = rows(t, communities=28, basic_complete=0, pilots_matched=28, pilot_mix=mix)
    assert r["pilot_type_share"].met is False
    assert "4 unknown (2 not matched, 2 type undetermined)" in r["pilot_type_share"].note
    assert "clustered, distributed cannot reach 6" in r["pilot_type_share"].note
    nothing = pilot_type_shares([], pilots=30)
    r = rows(t, communities=3, basic_complete=0, pilot_mix=nothing)["pilot_type_share"]
    assert (r.actual, r.met) == (None, None)  # nothing known is not 0 %


def test_every_note_is_said_in_chinese_too() -> None:
    """A note in English has its Chinese twin (the report and the console are Chinese first)."""
    t = load_targets()
    mix = pilot_type_shares(["clustered", "street", "distributed"], pilots=len(t.pilots))
    found = rows(t, communities=3, basic_complete=0, pilots_matched=3, pilot_mix=mix)
    assert all(bool(r.note) == bool(r.note_zh) for r in found.values()), found
    han = re.compile(r"[\u4e00-\u9fff]")
    assert all(han.search(r.note_zh) for r in found.values() if r.note_zh)
    types = found["pilot_type_share"].note_zh
    assert "共 30 个试点：集聚式 1、街区式 1、分布式 1，未知 27 个" in types
    assert "暂无法判定" in types
    assert "集聚式 5" in types  # still missing, as in English
    assert found["basic_full_coverage"].note_zh == "本次评估 3 个单元；规划共计 682 个社区"
    assert found["satisfaction"].note_zh == "尚未记录"


def test_full_coverage_targets_carry_their_threshold() -> None:
    t = load_targets()
    r = rows(t, communities=682, basic_complete=600, basic_share=0.9)
    assert r["basic_full_coverage"].threshold == 0.9
    assert r["pilots_complete"].threshold == 0.9
    assert r["pilot_satisfaction"].threshold is None


def test_bad_targets_file_names_every_problem(tmp_path) -> None:
    text = 'name = "x"\ncommunities_total = "many"\npilot_satisfaction = 1.5\n'
    with pytest.raises(DataError) as info:
        targets_from_toml(text, source="mine.toml")
    message = str(info.value)
    assert message.startswith("mine.toml:")
    for key in ("communities_total", "basic_coverage_due", "pilot_type_min_share"):
        assert key in message
    with pytest.raises(DataError, match="not valid TOML"):
        targets_from_toml("= =", source="broken.toml")
    with pytest.raises(NotFoundError, match="shenzhen-2023"):
        load_targets(tmp_path / "missing.toml")


def test_out_of_range_share_is_refused() -> None:
    with pytest.raises(ValidationError, match="pilot_satisfaction"):
        PlanTargets(
            name="x",
            document="",
            communities_total=1,
            basic_coverage_due="2025-12-31",
            pilots_due="2023-12-31",
            pilot_type_min_share=0.2,
            pilot_satisfaction=95,
            national_satisfaction=0.9,
            commercial_floor_share=0.1,
            commercial_centres=50,
            pilots=(),
        )


def test_a_targets_file_of_ones_own(tmp_path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        'name = "mine"\ncommunities_total = 10\nbasic_coverage_due = "2026-12-31"\n'
        'pilots_due = "2026-06-30"\npilot_type_min_share = 0.25\npilot_satisfaction = 0.9\n'
        "national_satisfaction = 0.9\ncommercial_floor_share = 0.1\ncommercial_centres = 2\n"
        '[[pilot]]\nseq = 1\nname = "甲社区"\n',
        encoding="utf-8",
    )
    t = load_targets(path)
    assert (t.name, t.communities_total, t.pilots[0].name) == ("mine", 10, "甲社区")
