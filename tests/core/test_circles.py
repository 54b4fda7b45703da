"""Circle types, grades and the pilot mix: hand-drawn point patterns with known verdicts."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import box

from lifecircle.core.assess.circles import (
    CircleRules,
    GradeRules,
    circle_type,
    grade,
    pilot_type_shares,
)
from lifecircle.errors import ValidationError

# Metres in a projected CRS. A tight cluster: six places within 60 m of (0, 0), plus two
# far away, so 6/8 = 75 % >= 60 %.
CLUSTER_X = np.array([0.0, 30.0, -30.0, 0.0, 0.0, 40.0, 900.0, -800.0])
CLUSTER_Y = np.array([0.0, 0.0, 0.0, 30.0, -30.0, 40.0, 900.0, 600.0])
# Eight places every 120 m along one street (id 7), two elsewhere: no 150 m disc holds
# more than 3 (a place and its neighbours), but the street holds 8/10.
STREET_X = np.r_[np.arange(8) * 120.0, -700.0, 300.0]
STREET_Y = np.r_[np.zeros(8), 500.0, -900.0]
STREET_ID = np.array([7] * 8 + [3, 4])
# A 4 x 4 grid 400 m apart, every place on its own street.
GRID_X, GRID_Y = (a.ravel() * 400.0 for a in np.meshgrid(np.arange(4), np.arange(4)))


def test_tight_cluster():
    v = circle_type(x=CLUSTER_X, y=CLUSTER_Y)
    assert v.value == "clustered"
    assert v.label == "集聚式"
    assert "6 of 8" in v.rule
    assert "150 m" in v.rule
    assert v.evidence["cluster_places"] == 6
    assert v.evidence["cluster_centre"] == 0


def test_single_street():
    v = circle_type(x=STREET_X, y=STREET_Y, street=STREET_ID)
    assert v.value == "street"
    assert v.label == "街区式"
    assert "8 of 10" in v.rule
    assert "street(s) 7 " in v.rule  # one street is enough: the fewest are reported
    assert v.evidence["streets"] == (7,)
    assert v.evidence["street_places"] == 8
    assert v.evidence["cluster_places"] == 3


def test_two_streets_count_but_not_three():
    street = np.array([1, 1, 1, 2, 2, 2, 3, 3, 3, 4])
    rules = CircleRules(street_share=0.6, max_streets=2)
    v = circle_type(x=STREET_X, y=STREET_Y, street=street, rules=rules)
    assert v.value == "street"
    assert v.evidence["streets"] == (1, 2)
    assert "6 of 10 basic places (60%) lie on street(s) 1, 2 (≥ 60% on at most 2)" in v.rule
    one = CircleRules(street_share=0.6, max_streets=1)
    v = circle_type(x=STREET_X, y=STREET_Y, street=street, rules=one)
    assert v.value == "distributed"
    assert "3 of 10" in v.rule


def test_street_verdict_names_the_streets():
    names = ["", "", "", "an unnamed way (OSM way 123456)", "深南中路", "", "", "华强北路"]
    v = circle_type(x=STREET_X, y=STREET_Y, street=STREET_ID, street_names=names)
    assert v.rule == "8 of 10 basic places (80%) lie on 华强北路 (≥ 60% on at most 2)"
    assert v.evidence["streets"] == (7,)
    assert v.evidence["street_names"] == ("华强北路",)
    street = np.array([1, 1, 1, 2, 2, 2, 3, 3, 3, 4])
    labels = ["", "Mannerheimintie", "an unnamed way (OSM way 26703660)", "Bulevardi", "Kaivokatu"]
    v = circle_type(x=STREET_X, y=STREET_Y, street=street, street_names=labels)
    assert v.value == "street"
    assert "lie on Mannerheimintie and an unnamed way (OSM way 26703660) (≥ 60%" in v.rule
    three = circle_type(
        x=STREET_X,
        y=STREET_Y,
        street=street,
        street_names=labels,
        rules=CircleRules(street_share=0.95, max_streets=3),
    )
    assert three.value == "distributed"
    assert "lie on Mannerheimintie, an unnamed way (OSM way 26703660) and Bulevardi" in three.rule
    nowhere = circle_type(x=STREET_X, y=STREET_Y, street=np.full(10, -1), street_names=labels)
    assert "0 of 10 basic places (0%) lie on no known street" in nowhere.rule
    with pytest.raises(ValidationError, match="street id 7 has no name"):
        circle_type(x=STREET_X, y=STREET_Y, street=STREET_ID, street_names=labels)


def test_cluster_verdict_names_the_centre_place():
    labels = [f"shop {k} (osm:n{1000 + k})" for k in range(8)]
    labels[0] = "7-Eleven 华强店 (osm:n123)"
    v = circle_type(x=CLUSTER_X, y=CLUSTER_Y, place_labels=labels)
    assert v.rule == (
        "6 of 8 basic places (75%) lie within 150 m of 7-Eleven 华强店 (osm:n123) (≥ 60%)"
    )
    assert v.evidence["cluster_centre"] == 0
    assert v.evidence["cluster_centre_label"] == "7-Eleven 华强店 (osm:n123)"
    with pytest.raises(ValidationError, match="7 place labels for 8 places"):
        circle_type(x=CLUSTER_X, y=CLUSTER_Y, place_labels=labels[:7])


def test_the_reason_for_skipping_the_street_rule_is_the_callers():
    v = circle_type(x=STREET_X, y=STREET_Y, no_street_reason="the network carries no streets")
    assert v.rule.endswith("the network carries no streets, so the street rule was skipped")


def test_scattered_grid_is_distributed():
    v = circle_type(x=GRID_X, y=GRID_Y, street=np.arange(16))
    assert v.value == "distributed"
    assert v.label == "分布式"
    assert "at most 1 of 16" in v.rule
    assert "2 of 16" in v.rule


def test_without_street_ids_the_street_rule_is_skipped():
    v = circle_type(x=STREET_X, y=STREET_Y)
    assert v.value == "distributed"
    assert "skipped" in v.rule
    assert "streets" not in v.evidence


def test_unknown_streets_count_as_none():
    street = np.array([-1] * 8 + [3, 4])
    v = circle_type(x=STREET_X, y=STREET_Y, street=street)
    assert v.value == "distributed"
    assert v.evidence["street_places"] == 2


@pytest.mark.parametrize("n", [0, 1, 2])
def test_too_few_places(n):
    v = circle_type(x=CLUSTER_X[:n], y=CLUSTER_Y[:n])
    assert v.value == "undetermined"
    assert f"only {n}" in v.rule
    assert "min_places 3" in v.rule


def test_non_finite_coordinates_are_dropped_and_indices_kept():
    x = np.r_[np.nan, CLUSTER_X]
    y = np.r_[0.0, CLUSTER_Y]
    v = circle_type(x=x, y=y)
    assert v.evidence["places"] == 8
    assert v.evidence["cluster_centre"] == 1  # index into the places given
    two = circle_type(x=[0.0, 1.0, np.inf], y=[0.0, 1.0, 2.0])
    assert two.value == "undetermined"


def test_footprint():
    # the grid's lower-left 2 x 3 block (400 m apart: no cluster) lies in one mall footprint
    mall = box(-10.0, -10.0, 410.0, 810.0)
    other = box(5000.0, 5000.0, 5100.0, 5100.0)
    rules = CircleRules(cluster_share=0.35)
    v = circle_type(x=GRID_X, y=GRID_Y, footprints=[other, mall], rules=rules)
    assert v.value == "clustered"
    assert v.evidence["footprint"] == 1
    assert v.evidence["footprint_places"] == 6
    assert "footprint #1" in v.rule
    named = circle_type(
        x=GRID_X, y=GRID_Y, footprints=[other, mall], footprint_names=["A", "万象城"], rules=rules
    )
    assert "inside footprint 万象城" in named.rule
    # the boundary counts as inside
    edge = box(0.0, 0.0, 400.0, 800.0)
    assert circle_type(x=GRID_X, y=GRID_Y, footprints=[edge], rules=rules).value == "clustered"
    # too small a share: the footprint is reported among the reasons
    w = circle_type(x=GRID_X, y=GRID_Y, footprints=[mall])
    assert w.value == "distributed"
    assert "6 of 16 basic places (37.5%) lie inside footprint #0 (< 60%)" in w.rule


def test_footprint_wins_over_street():
    mall = box(-10.0, -10.0, 850.0, 10.0)  # seven of the eight street places
    v = circle_type(x=STREET_X, y=STREET_Y, street=STREET_ID, footprints=[mall])
    assert v.value == "clustered"


def test_share_threshold_is_inclusive_despite_rounding():
    # 7 of 10 at 70 %: 0.7 * 10 is 7.000000000000001 in floats
    x = np.r_[np.zeros(7), np.arange(1, 4) * 1000.0]
    v = circle_type(x=x, y=np.zeros(10), rules=CircleRules(cluster_share=0.7))
    assert v.value == "clustered"
    assert "(≥ 70%)" in v.rule


def test_circle_rules_validation():
    with pytest.raises(ValidationError) as err:
        CircleRules(cluster_radius_m=0.0, cluster_share=2.0, max_streets=0, min_places=0)
    for part in ("cluster_radius_m", "cluster_share", "max_streets", "min_places"):
        assert part in str(err.value)
    with pytest.raises(ValidationError, match="one value per place"):
        circle_type(x=[0.0, 1.0], y=[0.0])
    with pytest.raises(ValidationError, match="one value per place"):
        circle_type(x=[0.0, 1.0, 2.0], y=[0.0, 1.0, 2.0], street=[1, 2])


def test_verdict_evidence_is_read_only():
    v = circle_type(x=CLUSTER_X, y=CLUSTER_Y)
    with pytest.raises(TypeError):
        v.evidence["places"] = 0  # type: ignore[index]


# --- grades -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("complete", "quality", "chain", "h24", "expected", "phrase"),
    [
        (False, 8, 0.9, 5, "below_basic", "not complete"),
        (True, 3, 0.9, 5, "basic", "3 quality categories < 4"),
        (True, 4, 0.0, 0, "enhanced", "4 quality categories ≥ 4"),
        (True, 6, 0.1, 0, "enhanced", "needs ≥ 6 and chain share ≥ 30% or ≥ 1 24-hour places"),
        (True, 6, 0.3, 0, "premium", "chain share 30% ≥ 30%"),
        (True, 7, 0.0, 2, "premium", "2 24-hour places ≥ 1"),
        (True, 6, float("nan"), 0, "enhanced", "needs ≥ 6"),
    ],
    ids=["incomplete", "basic", "enhanced", "no-extra", "chain", "24h", "no-places"],
)
def test_grades(complete, quality, chain, h24, expected, phrase):
    v = grade(basic_complete=complete, quality_present=quality, chain_share=chain, open_24h=h24)
    assert v.value == expected
    assert phrase in v.rule
    assert v.evidence["quality_present"] == quality


def test_grade_labels_and_configurable_rules():
    labels = {
        grade(basic_complete=c, quality_present=q, chain_share=1.0, open_24h=1).label
        for c, q in [(False, 0), (True, 0), (True, 4), (True, 6)]
    }
    assert labels == {"未达基础型", "基础型", "提升型", "品质型"}
    count_only = GradeRules(premium_min_chain_share=None, premium_min_24h=None)
    v = grade(basic_complete=True, quality_present=6, chain_share=0.0, open_24h=0, rules=count_only)
    assert v.value == "premium"
    strict = GradeRules(enhanced_min_quality=5, premium_min_quality=8, premium_min_24h=None)
    v = grade(basic_complete=True, quality_present=7, chain_share=1.0, open_24h=9, rules=strict)
    assert v.value == "enhanced"
    with pytest.raises(ValidationError) as err:
        GradeRules(enhanced_min_quality=7, premium_min_quality=6, premium_min_chain_share=1.5)
    assert "premium_min_chain_share" in str(err.value)
    assert "enhanced_min_quality" in str(err.value)
    with pytest.raises(ValidationError, match="negative"):
        GradeRules(premium_min_24h=-1)


# --- pilots -----------------------------------------------------------------------------


def test_pilot_mix_meets_the_plan():
    mix = pilot_type_shares(["clustered"] * 10 + ["street"] * 8 + ["distributed"] * 12, pilots=30)
    assert mix.pilots == 30
    assert mix.all_met
    assert mix.shares["street"] == pytest.approx(8 / 30)
    assert mix.counts["undetermined"] == 0
    assert (mix.unknown, mix.needed) == (0, 6)


def test_pilot_mix_falls_short_and_counts_undetermined():
    # an undetermined pilot may be of any type: 5 clustered + 1 unknown might still make 6
    types = ["集聚式"] * 5 + ["街区式"] * 18 + ["分布式"] * 6 + ["undetermined"]
    mix = pilot_type_shares(types, pilots=30)
    assert mix.counts == {"clustered": 5, "street": 18, "distributed": 6, "undetermined": 1}
    assert mix.unknown == 1
    assert dict(mix.meets) == {"clustered": None, "street": True, "distributed": True}
    assert mix.all_met is None
    assert mix.shares["distributed"] == pytest.approx(0.2)  # 6 of 30 meets 20 % exactly
    assert pilot_type_shares(types, pilots=30, min_share=0.1).all_met
    types = ["集聚式"] * 4 + ["街区式"] * 19 + ["分布式"] * 6 + ["undetermined"]
    mix = pilot_type_shares(types, pilots=30)
    assert dict(mix.meets) == {"clustered": False, "street": True, "distributed": True}
    assert mix.all_met is False


def test_pilot_mix_is_of_all_the_plans_pilots():
    """Three matched pilots of three types out of 30 are not 'each type ≥ 20 %'."""
    mix = pilot_type_shares(["clustered", "street", "distributed"], pilots=30)
    assert dict(mix.shares) == {
        "clustered": 1 / 30,
        "street": 1 / 30,
        "distributed": 1 / 30,
        "undetermined": 0.0,
    }
    assert (mix.matched, mix.unknown, mix.needed) == (3, 27, 6)
    assert set(mix.meets.values()) == {None}
    assert mix.all_met is None  # not evaluable, not met
    # met as soon as the known pilots alone reach 6 of 30, whatever the others are
    mix = pilot_type_shares(["clustered"] * 6 + ["street"] * 6 + ["distributed"] * 6, pilots=30)
    assert mix.all_met is True
    assert mix.unknown == 12
    # not met once a type cannot reach 6 even if every unknown pilot were of it
    mix = pilot_type_shares(["street"] * 22 + ["distributed"] * 4, pilots=30)
    assert dict(mix.meets) == {"clustered": False, "street": True, "distributed": None}
    assert mix.all_met is False
    # each type could still make it alone, but the 6 unknown cannot fill both gaps of 6
    mix = pilot_type_shares(["distributed"] * 24, pilots=30)
    assert dict(mix.meets) == {"clustered": None, "street": None, "distributed": True}
    assert mix.all_met is False
    # nothing matched: everything unknown
    mix = pilot_type_shares([], pilots=30)
    assert (mix.unknown, mix.all_met) == (30, None)


def test_pilot_mix_invalid():
    with pytest.raises(ValidationError, match="unknown"):
        pilot_type_shares(["clustered", "mall"], pilots=30)
    with pytest.raises(ValidationError, match="at least one pilot"):
        pilot_type_shares([], pilots=0)
    with pytest.raises(ValidationError, match="lists only 1"):
        pilot_type_shares(["street", "street"], pilots=1)
    with pytest.raises(ValidationError, match="min_share"):
        pilot_type_shares(["street"], pilots=30, min_share=1.2)
