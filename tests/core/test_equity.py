"""Gini coefficient and F15: known values, a pairwise oracle and Hypothesis invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lifecircle.core.assess.coverage import CoverageRules, community_coverage
from lifecircle.core.assess.equity import (
    MIN_KNOWN_SHARE,
    basic_minutes,
    community_equity,
    f15,
    gini,
)
from lifecircle.errors import ValidationError

NAN = math.nan


def pairwise_gini(x, w):
    """The definition, O(n^2): sum of w_i w_j |x_i - x_j| over 2 W^2 mu."""
    x, w = np.asarray(x, float), np.asarray(w, float)
    w = w / w.max()  # scale-free; keeps W^2 from underflowing
    total = w.sum()
    mean = (w * x).sum() / total
    return (np.outer(w, w) * np.abs(x[:, None] - x[None, :])).sum() / (2 * total**2 * mean)


@pytest.mark.parametrize("n", [1, 2, 3, 10])
def test_gini_known_values(n):
    assert gini(np.full(n, 7.0)) == 0.0
    one_holds_all = np.zeros(n)
    one_holds_all[0] = 5.0
    assert gini(one_holds_all) == pytest.approx((n - 1) / n)


def test_gini_edge_cases():
    assert gini([0.0, 0.0]) == 0.0  # all equal, even at zero
    assert math.isnan(gini([]))
    assert math.isnan(gini([1.0, 2.0], [0.0, 0.0]))
    assert gini([1.0, 3.0]) == pytest.approx(0.25)  # |1-3| * 2 / (2 * 4 * 2)
    assert gini([0.0, 1.0], [3.0, 1.0]) == pytest.approx(0.75)
    for bad in ([-1.0, 2.0], [NAN, 1.0], [math.inf, 1.0]):
        with pytest.raises(ValidationError, match="non-negative"):
            gini(bad)
    with pytest.raises(ValidationError, match="same length"):
        gini([1.0, 2.0], [1.0])
    with pytest.raises(ValidationError, match="weights"):
        gini([1.0, 2.0], [1.0, -1.0])


# minutes and residents to three decimals: scaling subnormal floats would lose the digits
# the invariants compare, which no walking time or population has
minutes_st = st.floats(0.0, 60.0).map(lambda v: round(v, 3))
residents_st = st.floats(0.0, 100.0).map(lambda v: round(v, 3))
values_weights = st.integers(1, 30).flatmap(
    lambda n: st.tuples(
        st.lists(minutes_st, min_size=n, max_size=n),
        st.lists(residents_st, min_size=n, max_size=n),
    )
)


@settings(max_examples=200, deadline=None)
@given(vw=values_weights, scale=st.floats(0.01, 100.0))
def test_gini_invariants(vw, scale):
    x, w = np.array(vw[0]), np.array(vw[1])
    g = gini(x, w)
    if w.sum() <= 0:
        assert math.isnan(g)
        return
    # the largest coefficient: the lightest resident holds everything
    assert 0.0 <= g <= 1.0 - w[w > 0].min() / w.sum() + 1e-12
    assert g < 1.0 or w[w > 0].min() / w.sum() < 1e-15
    assert gini(x * scale, w) == pytest.approx(g, abs=1e-9)
    assert gini(x, w * scale) == pytest.approx(g, abs=1e-9)
    if (w * x).sum() > 0:
        assert g == pytest.approx(pairwise_gini(x, w), abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(vw=values_weights)
def test_gini_integer_weights_repeat_values(vw):
    x = np.array(vw[0])
    w = np.array([int(v) % 4 + 1 for v in vw[1]])
    assert gini(x, w) == pytest.approx(gini(np.repeat(x, w)), abs=1e-9)


def test_basic_minutes_and_f15():
    metres = np.array(
        [
            [100.0, 900.0, NAN],  # farthest basic 900 m = 13.5 min; quality column ignored
            [100.0, NAN, 50.0],  # a basic category unreached
            [1100.0, 200.0, 0.0],  # 16.5 min
        ]
    )
    t = basic_minutes(metres, basic=[True, True, False])
    np.testing.assert_allclose(t, [13.5, NAN, 16.5])
    assert f15(t, [1.0, 1.0, 2.0]) == pytest.approx(0.25)
    assert f15(t, [1.0, 1.0, 2.0], limit_minutes=20.0) == pytest.approx(0.75)
    assert math.isnan(f15([], []))
    assert np.isnan(basic_minutes(metres, basic=[False] * 3)).all()
    with pytest.raises(ValidationError, match="basic one per column"):
        basic_minutes(metres, basic=[True])


def test_community_equity_hand():
    metres = np.array(
        [
            [0.0, 0.0],  # zone 0: 0 min
            [500.0, 1000.0],  # zone 0: 15 min, within
            [NAN, 100.0],  # zone 1: unreached -> beyond 15 min, time not known
            [200.0, 300.0],  # zone 1: 4.5 min
            [10.0, 10.0],  # outside
        ]
    )
    r = community_equity(
        metres=metres,
        weights=[1.0, 1.0, 1.0, 3.0, 50.0],
        zone=[0, 0, 1, 1, -1],
        n_zones=3,
        groups=["basic", "basic"],
    )
    np.testing.assert_allclose(r.population, [2.0, 4.0, 0.0])
    np.testing.assert_allclose(r.f15[:2], [1.0, 0.75])
    np.testing.assert_allclose(r.known_share[:2], [1.0, 0.75])
    assert r.gini[0] == pytest.approx(0.5)  # (0, 15): one holds all
    # over the residents with a known time only: 3 residents at 4.5 min are equal
    assert r.gini[1] == 0.0
    assert math.isnan(r.f15[2])
    assert math.isnan(r.gini[2])
    assert math.isnan(r.known_share[2])
    assert r.f15_all == pytest.approx(5 / 6)
    assert r.known_share_all == pytest.approx(5 / 6)
    assert r.gini_all == pytest.approx(pairwise_gini([0.0, 15.0, 4.5], [1, 1, 3]))
    assert r.min_known_share == MIN_KNOWN_SHARE == 0.5


def test_gini_is_not_known_when_too_few_times_are():
    """Nobody reaches the second basic category: the Gini coefficient is nan, never 0."""
    metres = np.array([[100.0, NAN], [900.0, NAN], [300.0, NAN], [50.0, 80.0]])
    args = {"zone": [0, 0, 0, 1], "n_zones": 2, "groups": ["basic", "basic"]}
    r = community_equity(metres=metres, weights=[10.0, 20.0, 30.0, 1.0], **args)
    assert r.known_share[0] == 0.0
    assert math.isnan(r.gini[0])  # was 0.0: every unknown time entered at the same cap
    assert r.f15[0] == 0.0  # known: nobody has every basic category within 15 min
    assert r.known_share_all == pytest.approx(1 / 61)
    assert math.isnan(r.gini_all)
    assert r.gini[1] == 0.0  # one resident point, a known time: all equal
    # the threshold is a parameter: half known is enough, less is not
    half = np.array([[100.0, 100.0], [900.0, 900.0], [300.0, NAN], [50.0, NAN]])
    r = community_equity(metres=half, weights=[1.0, 1.0, 1.0, 1.0], **(args | {"zone": [0] * 4}))
    assert r.known_share[0] == 0.5
    assert r.gini[0] == pytest.approx(pairwise_gini([1.5, 13.5], [1.0, 1.0]))
    strict = community_equity(
        metres=half, weights=[1.0] * 4, min_known_share=0.75, **(args | {"zone": [0] * 4})
    )
    assert math.isnan(strict.gini[0])
    assert strict.f15[0] == r.f15[0] == 0.5


def test_f15_needs_a_search_that_reaches_its_limit():
    args = {
        "metres": np.array([[100.0]]),
        "weights": [1.0],
        "zone": [0],
        "n_zones": 1,
        "groups": ["basic"],
    }
    r = community_equity(**args, searched_m=1000.0)  # 15 min at 4 km/h: just enough
    assert r.f15[0] == 1.0
    community_equity(**args, searched_m=1000.0, speed_kmh=3.2)  # 18.75 min at 3.2
    with pytest.raises(ValidationError, match="beyond the search"):
        community_equity(**args, searched_m=999.0)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"zone": [0, 2]}, "zone"),
        ({"limit_minutes": 0.0}, "240"),
        ({"min_known_share": 1.5}, "min_known_share"),
        ({"weights": [1.0]}, "same length"),
    ],
)
def test_community_equity_invalid(kw, match):
    args = {
        "metres": np.zeros((2, 1)),
        "weights": [1.0, 1.0],
        "zone": [0, 0],
        "n_zones": 2,
        "groups": ["basic"],
    }
    with pytest.raises(ValidationError, match=match):
        community_equity(**(args | kw))


@st.composite
def cases(draw):
    n_points = draw(st.integers(1, 25))
    n_cat = draw(st.integers(1, 4))
    cell = st.one_of(st.just(NAN), st.floats(0.0, 1500.0))
    metres = np.array(
        draw(st.lists(cell, min_size=n_points * n_cat, max_size=n_points * n_cat))
    ).reshape(n_points, n_cat)
    weights = np.array(draw(st.lists(st.floats(0.0, 50.0), min_size=n_points, max_size=n_points)))
    zone = np.array(draw(st.lists(st.integers(-1, 2), min_size=n_points, max_size=n_points)))
    groups = draw(
        st.lists(st.sampled_from(["basic", "quality"]), min_size=n_cat, max_size=n_cat).filter(
            lambda g: "basic" in g
        )
    )
    return metres, weights, zone, groups


@settings(max_examples=150, deadline=None)
@given(case=cases(), minutes=st.floats(1.0, 20.0))
def test_f15_at_most_every_basic_coverage(case, minutes):
    metres, weights, zone, groups = case
    eq = community_equity(
        metres=metres,
        weights=weights,
        zone=zone,
        n_zones=3,
        groups=groups,
        limit_minutes=minutes,
    )
    cov = community_coverage(
        metres=metres,
        weights=weights,
        zone=zone,
        n_zones=3,
        categories=[f"c{i}" for i in range(len(groups))],
        groups=groups,
        rules=CoverageRules(limit_minutes={"basic": minutes}),
    )
    basic = np.asarray(groups) == "basic"
    has = eq.population > 0
    np.testing.assert_allclose(eq.population, cov.population)
    assert (eq.f15[has] <= cov.covered[has][:, basic].min(axis=1) + 1e-12).all()
    assert ((eq.f15[has] >= 0) & (eq.f15[has] <= 1 + 1e-12)).all()
    assert ((eq.known_share[has] >= 0) & (eq.known_share[has] <= 1 + 1e-12)).all()
    known = has & (eq.known_share >= eq.min_known_share)
    assert ((eq.gini[known] >= 0) & (eq.gini[known] <= 1)).all()
    assert np.isnan(eq.gini[~known]).all()  # too few known times: not known, never 0
