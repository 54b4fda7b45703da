"""Community coverage from a metres matrix: hand-computed cases and Hypothesis invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lifecircle.core.assess.coverage import (
    CoverageRules,
    _grouped_quantile,
    community_coverage,
    place_stats,
    weighted_quantile,
)
from lifecircle.core.walk.impedance import ELDERLY_SPEED_KMH
from lifecircle.errors import ValidationError

NAN = math.nan
CATS = ("shop", "pharmacy", "gym")
GROUPS = ("basic", "basic", "quality")

# Four resident points, two communities, one point outside (zone -1). At 4 km/h,
# 15 minutes = 1,000 m, so metres / 1000 * 15 = minutes.
METRES = np.array(
    [
        [100.0, 500.0, NAN],  # zone 0, 10 residents
        [400.0, NAN, 200.0],  # zone 0, 30 residents
        [1200.0, 800.0, 600.0],  # zone 1, 20 residents: shop beyond 1,000 m
        [0.0, 0.0, 0.0],  # outside every community
    ]
)
WEIGHTS = np.array([10.0, 30.0, 20.0, 99.0])
ZONE = np.array([0, 0, 1, -1])


def _cov(**kw):
    args = {
        "metres": METRES,
        "weights": WEIGHTS,
        "zone": ZONE,
        "n_zones": 3,
        "categories": CATS,
        "groups": GROUPS,
    }
    return community_coverage(**(args | kw))


def test_hand_computed_shares_and_minutes():
    r = _cov()
    np.testing.assert_allclose(r.population, [40.0, 20.0, 0.0])
    np.testing.assert_allclose(r.covered[:2], [[1.0, 0.25, 0.75], [0.0, 1.0, 1.0]])
    # zone 0 shop: 10 at 1.5 min, 30 at 6 min
    assert r.mean_minutes[0, 0] == pytest.approx((10 * 1.5 + 30 * 6.0) / 40)
    assert r.p90_minutes[0, 0] == pytest.approx(6.0)
    # zone 0 pharmacy: only the 10 residents at 7.5 min reach it
    assert r.mean_minutes[0, 1] == pytest.approx(7.5)
    assert r.mean_minutes_capped[0, 1] == pytest.approx((10 * 7.5 + 30 * 15.0) / 40)
    # zone 1 shop: nobody within the limit
    assert math.isnan(r.mean_minutes[1, 0])
    assert math.isnan(r.p90_minutes[1, 0])
    assert r.mean_minutes_capped[1, 0] == pytest.approx(15.0)
    np.testing.assert_allclose(r.limit_m, [1000.0] * 3)


def test_verdicts_missing_weak_quality():
    r = _cov()
    assert r.basic_complete.tolist() == [False, False, False]
    assert r.missing[:2] == ((), ("shop",))
    assert r.weak[:2] == (("pharmacy",), ())
    assert r.quality_present.tolist() == [1, 1, 0]
    lenient = _cov(rules=CoverageRules(basic_share=0.2, weak_share=0.5, quality_share=0.8))
    assert lenient.basic_complete.tolist() == [True, False, False]
    assert lenient.weak[0] == ("pharmacy",)  # 25% < weak_share 50% though basic_share is met
    assert lenient.quality_present.tolist() == [0, 1, 0]
    both = _cov(rules=CoverageRules(gap_groups=("basic", "quality")))
    assert both.weak[0] == ("pharmacy", "gym")


def test_empty_zone_is_nan_and_not_complete():
    r = _cov()
    assert np.isnan(r.covered[2]).all()
    assert np.isnan(r.mean_minutes_capped[2]).all()
    assert not r.basic_complete[2]
    assert r.missing[2] == ()
    assert r.weak[2] == ()


def test_group_limits_and_elderly_speed():
    # basic 10 minutes = 666.7 m at 4 km/h: zone 0 pharmacy at 500 m stays, shop 400 m stays
    r = _cov(rules=CoverageRules(limit_minutes={"basic": 10, "quality": 15}))
    np.testing.assert_allclose(r.limit_minutes, [10.0, 10.0, 15.0])
    np.testing.assert_allclose(r.covered[1], [0.0, 0.0, 1.0])  # 800 m > 666.7 m
    # elderly: 15 minutes = 800 m, so zone 1's pharmacy at 800 m is just reached
    e = _cov(speed_kmh=ELDERLY_SPEED_KMH)
    np.testing.assert_allclose(e.limit_m, [800.0] * 3)
    np.testing.assert_allclose(e.covered[1], [0.0, 1.0, 1.0])
    assert e.mean_minutes[1, 1] == pytest.approx(15.0)
    # facility has no limit of its own: the 15-minute default
    f = _cov(groups=("basic", "basic", "facility"))
    assert f.limit_minutes[2] == 15.0
    assert f.quality_present.tolist() == [0, 0, 0]


def test_zero_weight_points_take_no_part():
    w = WEIGHTS.copy()
    w[1] = 0.0
    r = _cov(weights=w)
    np.testing.assert_allclose(r.covered[0], [1.0, 1.0, 0.0])
    assert r.missing[0] == ()


def test_inf_is_not_reached_like_nan():
    m = METRES.copy()
    m[np.isnan(m)] = np.inf
    r = _cov(metres=m)
    np.testing.assert_array_equal(r.covered, _cov().covered)


def test_search_limit_guard():
    _cov(searched_m=1000.0)
    with pytest.raises(ValidationError, match="search limit"):
        _cov(searched_m=[1000.0, 900.0, 1000.0])


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"metres": METRES[:, :2]}, "n_categories"),
        ({"weights": WEIGHTS[:3]}, "one value per point"),
        ({"weights": -WEIGHTS}, "non-negative"),
        ({"zone": np.array([0, 0, 3, -1])}, "-1..2"),
        ({"zone": np.array([0, 0, -2, -1])}, "-1..2"),
        ({"groups": ("basic", "basic", "luxury")}, "unknown groups"),
        ({"metres": -METRES}, "non-negative"),
    ],
    ids=["columns", "weights-length", "weights-negative", "zone-high", "zone-low", "group", "neg"],
)
def test_invalid_inputs(kw, match):
    with pytest.raises(ValidationError, match=match):
        _cov(**kw)


def test_rules_validation_gathers_every_problem():
    with pytest.raises(ValidationError) as err:
        CoverageRules(basic_share=1.5, weak_share=-0.1, limit_minutes={"basic": 300, "x": 5})
    text = str(err.value)
    for part in ("basic_share", "weak_share", "300", "'x'"):
        assert part in text
    with pytest.raises(ValidationError, match="gap group"):
        CoverageRules(gap_groups=("nope",))
    rules = CoverageRules()
    assert rules.weak_below == 0.9
    assert rules.minutes_for("facility") == 15.0


def test_weighted_quantile_cases():
    assert weighted_quantile([1.0, 2.0, 3.0, 4.0], [1, 1, 1, 1], 0.5) == 2.0
    assert weighted_quantile([1.0, 2.0, 3.0, 4.0], [1, 1, 1, 1], 0.0) == 1.0
    assert weighted_quantile([1.0, 2.0, 3.0, 4.0], [1, 1, 1, 1], 1.0) == 4.0
    assert weighted_quantile([3.0, NAN, 1.0], [1, 5, 0], 0.5) == 3.0
    # ten residents of 0.1 each: the 0.9 quantile is the ninth value despite rounding
    assert weighted_quantile(np.arange(10.0), np.full(10, 0.1), 0.9) == 8.0
    assert math.isnan(weighted_quantile([], [], 0.5))
    with pytest.raises(ValidationError):
        weighted_quantile([1.0], [1.0], 1.5)
    with pytest.raises(ValidationError):
        weighted_quantile([1.0, 2.0], [1.0], 0.5)


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.integers(0, 20), min_size=1, max_size=30),
    data=st.data(),
    q=st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]),
)
def test_weighted_quantile_matches_numpy(values, data, q):
    w = data.draw(st.lists(st.integers(1, 5), min_size=len(values), max_size=len(values)))
    x = np.array(values, dtype=np.float64)
    expected = np.quantile(x, q, weights=np.array(w, dtype=np.float64), method="inverted_cdf")
    assert weighted_quantile(x, w, q) == expected
    # and integer weights act as repeated values
    assert weighted_quantile(np.repeat(x, w), np.ones(sum(w)), q) == expected


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 3), st.floats(0, 100), st.floats(0.01, 50)), max_size=40
    ),
    q=st.floats(0, 1),
)
def test_grouped_quantile_matches_scalar(rows, q):
    g = np.array([r[0] for r in rows], dtype=np.int64)
    x = np.array([r[1] for r in rows])
    w = np.array([r[2] for r in rows])
    got = _grouped_quantile(x, w, g, 4, q)
    for k in range(4):
        expected = weighted_quantile(x[g == k], w[g == k], q)
        assert got[k] == expected or (math.isnan(got[k]) and math.isnan(expected))


def test_place_stats_hand():
    s = place_stats(
        zone_of_place=[0, 0, 0, 1, -1],
        has_brand=[True, False, True, False, True],
        open_24h=[True, False, False, False, True],
        zone_population=[20_000.0, 5_000.0, 0.0],
    )
    assert s.places.tolist() == [3, 1, 0]
    np.testing.assert_allclose(s.per_10k[:2], [1.5, 2.0])
    assert math.isnan(s.per_10k[2])
    np.testing.assert_allclose(s.chain_share[:2], [2 / 3, 0.0])
    assert math.isnan(s.chain_share[2])
    assert s.open_24h.tolist() == [1, 0, 0]
    with pytest.raises(ValidationError, match="one value per place"):
        place_stats(zone_of_place=[0], has_brand=[], open_24h=[True], zone_population=[1.0])


# --- invariants -------------------------------------------------------------------------


@st.composite
def matrices(draw):
    n_points = draw(st.integers(1, 25))
    n_cat = draw(st.integers(1, 4))
    n_zones = draw(st.integers(1, 4))
    cell = st.one_of(st.just(NAN), st.floats(0.0, 2000.0))
    metres = np.array(
        draw(st.lists(cell, min_size=n_points * n_cat, max_size=n_points * n_cat))
    ).reshape(n_points, n_cat)
    weights = np.array(draw(st.lists(st.floats(0.0, 100.0), min_size=n_points, max_size=n_points)))
    zone = np.array(
        draw(st.lists(st.integers(-1, n_zones - 1), min_size=n_points, max_size=n_points))
    )
    groups = tuple(
        draw(st.lists(st.sampled_from(["basic", "quality"]), min_size=n_cat, max_size=n_cat))
    )
    return metres, weights, zone, n_zones, groups


def _run(metres, weights, zone, n_zones, groups, minutes=15.0):
    return community_coverage(
        metres=metres,
        weights=weights,
        zone=zone,
        n_zones=n_zones,
        categories=[f"c{i}" for i in range(len(groups))],
        groups=groups,
        rules=CoverageRules(limit_minutes={"basic": minutes, "quality": minutes}),
    )


@settings(max_examples=150, deadline=None)
@given(case=matrices(), minutes=st.floats(1.0, 30.0), more=st.floats(0.0, 30.0))
def test_coverage_bounded_and_monotone_in_limit(case, minutes, more):
    small = _run(*case, minutes=minutes)
    large = _run(*case, minutes=minutes + more)
    has = small.population > 0
    assert np.isnan(small.covered[~has]).all()
    c = small.covered[has]
    assert ((c >= 0) & (c <= 1 + 1e-12)).all()
    assert (large.covered[has] >= c - 1e-12).all()
    assert (large.quality_present >= small.quality_present).all()
    assert (large.basic_complete >= small.basic_complete).all()
    reached = ~np.isnan(small.mean_minutes)
    assert (small.p90_minutes <= small.limit_minutes + 1e-9)[reached].all()
    assert (small.mean_minutes_capped[has] <= minutes + 1e-9).all()


@settings(max_examples=150, deadline=None)
@given(case=matrices(), data=st.data())
def test_adding_a_place_never_lowers_coverage(case, data):
    metres, weights, zone, n_zones, groups = case
    n_points, n_cat = metres.shape
    col = data.draw(st.integers(0, n_cat - 1))
    new = np.array(
        data.draw(st.lists(st.floats(0.0, 2000.0), min_size=n_points, max_size=n_points))
    )
    more = metres.copy()
    more[:, col] = np.fmin(more[:, col], new)  # nearest place: the old one or the new one
    before = _run(metres, weights, zone, n_zones, groups)
    after = _run(more, weights, zone, n_zones, groups)
    has = before.population > 0
    assert (after.covered[has] >= before.covered[has] - 1e-12).all()
    assert (after.basic_complete >= before.basic_complete).all()
    for b, a in zip(before.missing, after.missing, strict=True):
        assert set(a) <= set(b)
