"""Joint multi-category sites: the MILP against a brute force, bounds, allowed hostings."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import sparse

from lifecircle.core.plan import LSCP, milp_solver
from lifecircle.core.plan.joint import Combination, JointCover, _greedy_limited, closed_offers
from lifecircle.errors import InfeasibleError, ValidationError


def instance(seed: int, n_cat: int = 3, n_sites: int = 5) -> list[np.ndarray]:
    """Per category a random 0/1 pattern in which every row reaches some site."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_cat):
        m = int(rng.integers(1, 6))
        a = (rng.random((m, n_sites)) < 0.3).astype(float)
        a[np.arange(m), rng.integers(0, n_sites, size=m)] = 1.0
        out.append(a)
    return out


def combos(seed: int, n_cat: int) -> list[Combination]:
    rng = np.random.default_rng(1000 + seed)
    out = []
    for _ in range(int(rng.integers(0, 3))):
        size = int(rng.integers(2, n_cat + 1))
        cats = tuple(sorted(rng.choice(n_cat, size=size, replace=False).tolist()))
        out.append(Combination(cats, float(rng.integers(1, 3)), float(rng.integers(0, 2))))
    return out


def brute_force(reach: list[np.ndarray], model: JointCover, units_per_site: int | None) -> float:
    """Cheapest choice of (site, hosting) units covering every (row, category)."""
    n = reach[0].shape[1]
    offers = model.offers
    best = math.inf
    per_site = units_per_site or len(offers)
    # per site: a set of at most `per_site` distinct offers
    choices = [
        c for size in range(per_site + 1) for c in itertools.combinations(range(len(offers)), size)
    ]
    for pick in itertools.product(choices, repeat=n):
        cost = sum(offers[o].cost for site in pick for o in site)
        if cost >= best:
            continue
        ok = all(
            all(
                any(a[i, s] and k in offers[o].categories for s in range(n) for o in pick[s])
                for i in range(a.shape[0])
            )
            for k, a in enumerate(reach)
        )
        if ok:
            best = cost
    return best


@pytest.mark.parametrize("units", [1, None], ids=["one-unit", "no-limit"])
@pytest.mark.parametrize("seed", range(10))
def test_milp_equals_brute_force(seed: int, units: int | None) -> None:
    # without a limit a site may hold any set of units: 2 sites keep the brute force small
    reach = instance(seed, n_cat=3, n_sites=2 if units is None else 4)
    model = JointCover.from_patterns(reach, combinations=combos(seed, 3), units_per_site=units)
    expected = brute_force(reach, model, units)
    if expected == math.inf:
        with pytest.raises(InfeasibleError):
            model.solve()
        return
    result = model.solve()
    assert result.objective == pytest.approx(expected)
    assert result.optimal
    assert result.bound == pytest.approx(result.objective)
    assert_valid(reach, model, result, units)


def assert_valid(reach, model, result, units) -> None:
    """Every pair covered, only allowed hostings, the per-site limit kept."""
    allowed = {o.categories for o in model.offers}
    for hosts in result.hosts:
        assert hosts in allowed
    if units is not None:
        assert np.bincount(result.sites).max(initial=0) <= units
    for k, a in enumerate(reach):
        hosting = [s for s, h in zip(result.sites, result.hosts, strict=True) if k in h]
        assert (a[:, hosting].sum(axis=1) > 0).all() if a.shape[0] else True
        # the flows credit each row of k once, to a unit hosting k that reaches it
        mine = result.flow_category == k
        rows, unit = result.flow_row[mine], result.flow_unit[mine]
        assert sorted(rows.tolist()) == list(range(a.shape[0]))
        for r, u in zip(rows, unit, strict=True):
            assert k in result.hosts[u]
            assert a[r, result.sites[u]]
    assert result.objective == pytest.approx(float(result.costs.sum()))


@pytest.mark.parametrize("seed", range(12))
def test_joint_never_needs_more_units_than_the_per_category_plans(seed: int) -> None:
    reach = instance(seed, n_cat=4, n_sites=8)
    combo = [Combination((0, 1, 2)), Combination((2, 3))]
    joint = JointCover.from_patterns(reach, combinations=combo).solve()
    per_category = sum(
        LSCP.from_cost_matrix(np.where(a > 0, 0.0, np.inf), limit_m=1.0)
        .solve(milp_solver())
        .objective
        for a in reach
    )
    assert joint.optimal
    assert joint.objective <= per_category
    assert_valid(reach, JointCover.from_patterns(reach, combinations=combo), joint, None)


def test_one_unit_hosting_three_categories_closes_three_gaps() -> None:
    # one site reaches every row of three categories: one unit instead of three
    reach = [np.array([[1.0, 0.0]]), np.array([[1.0, 1.0]]), np.array([[1.0, 0.0], [1.0, 0.0]])]
    alone = JointCover.from_patterns(reach).solve()
    assert alone.objective == 3
    joint = JointCover.from_patterns(reach, combinations=[Combination((0, 1, 2), name="c+p+x")])
    result = joint.solve()
    assert result.objective == 1
    assert result.hosts == ((0, 1, 2),)
    assert result.names == ("c+p+x",)
    assert result.sites.tolist() == [0]


def test_costs_per_site_and_per_added_category() -> None:
    reach = [np.array([[1.0]]), np.array([[1.0]]), np.array([[1.0]])]
    dear = Combination((0, 1, 2), site_cost=2.0, category_cost=1.5)  # 2 + 2 x 1.5 = 5
    result = JointCover.from_patterns(reach, combinations=[dear], units_per_site=None).solve()
    assert result.objective == pytest.approx(3.0)  # three single units are cheaper
    # pairs of the combination cost 3.5: one pair + one single = 4.5 > 3
    cheap = Combination((0, 1, 2), site_cost=1.0, category_cost=0.5)  # triple costs 2
    result = JointCover.from_patterns(reach, combinations=[cheap]).solve()
    assert result.objective == pytest.approx(2.0)
    assert result.hosts == ((0, 1, 2),)


def test_closed_offers_are_the_subsets_at_their_cheapest() -> None:
    offers = closed_offers([Combination((0, 1, 2), 1.0, 1.0, "a"), Combination((1, 2), 1.5)], 4)
    by = {o.categories: o.cost for o in offers}
    assert by == {
        (0,): 1.0, (1,): 1.0, (2,): 1.0, (3,): 1.0,
        (0, 1): 2.0, (0, 2): 2.0, (1, 2): 1.5, (0, 1, 2): 3.0,
    }  # fmt: skip


def test_the_one_unit_limit_can_make_the_joint_plan_infeasible() -> None:
    # both categories' only row is reached by site 0 alone, and they may not share a unit
    reach = [np.array([[1.0, 0.0]]), np.array([[1.0, 0.0]])]
    with pytest.raises(InfeasibleError, match="unit"):
        JointCover.from_patterns(reach, units_per_site=1).solve()
    assert JointCover.from_patterns(reach).solve().objective == 2  # two units side by side


def test_unreachable_rows_are_refused() -> None:
    with pytest.raises(InfeasibleError, match="reach no candidate"):
        JointCover.from_patterns([np.array([[1.0, 0.0], [0.0, 0.0]])]).solve()


def test_bad_inputs_are_named() -> None:
    with pytest.raises(ValidationError) as err:
        JointCover.from_patterns(
            [np.ones((2, 3)), np.ones((1, 4)) * 2],
            combinations=[Combination((0, 5), site_cost=0.0, category_cost=-1.0)],
            units_per_site=0,
        )
    text = str(err.value)
    for part in ("0 and 1", "differing", "[5]", "site_cost", "category_cost", "units_per_site"):
        assert part in text


@pytest.mark.parametrize("units", [2, None], ids=["greedy", "split"])
@pytest.mark.parametrize("seed", range(4))
def test_beyond_the_milp_size_the_bound_never_exceeds_the_optimum(
    seed: int, units: int | None
) -> None:
    rng = np.random.default_rng(seed)
    reach = [
        (rng.random((40, 30)) < 0.08).astype(float) + np.eye(40, 30)[rng.permutation(40)]
        for _ in range(3)
    ]
    reach = [np.minimum(a, 1.0) for a in reach]
    for a in reach:  # every row reaches a site
        a[a.sum(axis=1) == 0, 0] = 1.0
    model = JointCover.from_patterns(
        reach, combinations=[Combination((0, 1)), Combination((1, 2))], units_per_site=units
    )
    exact = model.solve()
    large = model.solve(max_pairs=0)
    assert exact.optimal
    assert large.bound is not None
    assert large.bound <= exact.objective + 1e-9
    assert large.objective >= exact.objective - 1e-9
    assert large.gap == pytest.approx((large.objective - large.bound) / large.objective)
    assert_valid(reach, model, large, units)


def test_sparse_and_dense_patterns_agree() -> None:
    reach = instance(3)
    dense = JointCover.from_patterns(reach, combinations=[Combination((0, 1, 2))]).solve()
    sp = JointCover.from_patterns(
        [sparse.csr_array(a) for a in reach], combinations=[Combination((0, 1, 2))]
    ).solve()
    assert dense.objective == sp.objective


@pytest.mark.parametrize("seed", range(6))
def test_the_limited_greedy_keeps_the_limit_and_its_bound_holds(seed: int) -> None:
    reach = instance(seed, n_cat=3, n_sites=6)
    model = JointCover.from_patterns(reach, combinations=combos(seed, 3), units_per_site=2)
    a, site_of, offer_of = model.columns()
    cost = np.array([model.offers[o].cost for o in offer_of])
    exact = model.solve()
    try:
        chosen, bound = _greedy_limited(a, site_of, cost, 2)
    except InfeasibleError:  # a corner the greedy ran into: HiGHS takes over
        large = model.solve(max_pairs=0)
        assert large.objective == exact.objective
        assert np.bincount(large.sites).max() <= 2
        return
    assert (sparse.csr_array(a)[:, chosen].sum(axis=1) > 0).all()
    assert np.bincount(site_of[chosen]).max() <= 2
    assert bound <= exact.objective + 1e-9 <= float(cost[chosen].sum()) + 1e-9
