"""Gap-filling plans (LSCP, MCLP): hand-made optima, invariants, validation, spopt oracle."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from lifecircle.core.plan import (
    LSCP,
    MAX_MILP_CELLS,
    MCLP,
    GreedySolver,
    MaxCoverInstance,
    MilpSolver,
    SetCoverInstance,
    Solution,
    default_solver,
    greedy_solver,
    milp_solver,
    solvers,
)
from lifecircle.errors import InfeasibleError, LifecircleError, ValidationError

INF = math.inf

# One street, positions in metres; residents r0..r5 and candidates A..D:
#
#   0     100    150    200    300    350    400         1000
#   r0----r1-----B------r2-----r3-----C------r4 ........ r5
#   A                                                    D
#
# With a 160 m limit: A reaches r0 r1; B reaches r0..r3; C reaches r2 r3 r4; D only r5.
RESIDENTS = np.array([0.0, 100.0, 200.0, 300.0, 400.0, 1000.0])
CANDIDATES = np.array([0.0, 150.0, 350.0, 1000.0])
COST = np.abs(RESIDENTS[:, None] - CANDIDATES[None, :])
WEIGHTS = np.array([10.0, 20.0, 30.0, 40.0, 50.0, 5.0])
LIMIT = 160.0
A, B, C, D = range(4)

SOLVERS = [
    pytest.param(milp_solver(), id="milp"),
    pytest.param(greedy_solver(), id="greedy"),
    pytest.param(greedy_solver(lp_bound=True), id="greedy-lp"),
]


class BruteForce:
    """Exact by enumeration, for tiny instances: the injected-solver path of STYLE habit 3."""

    def set_cover(self, instance: SetCoverInstance) -> Solution:
        reach = instance.reach.toarray() > 0
        n = reach.shape[1]
        best: tuple[float, tuple[int, ...]] = (INF, ())
        for size in range(n + 1):
            for combo in itertools.combinations(range(n), size):
                hit = reach[:, list(combo)].any(axis=1)
                if instance.target is None:
                    ok = bool(hit.all())
                else:
                    ok = instance.weight[hit].sum() >= instance.target - 1e-9
                cost = float(instance.site_cost[list(combo)].sum())
                if ok and cost < best[0]:
                    best = (cost, combo)
        return Solution(np.array(best[1], dtype=np.int64), best[0], optimal=True, method="brute")

    def max_cover(self, instance: MaxCoverInstance) -> Solution:
        reach = instance.reach.toarray() > 0
        n = reach.shape[1]
        best: tuple[float, tuple[int, ...]] = (-1.0, ())
        for size in range(min(instance.k, n) + 1):
            for combo in itertools.combinations(range(n), size):
                value = _served(reach, instance.weight, list(combo), instance.capacity)
                if value > best[0] + 1e-9:
                    best = (value, combo)
        return Solution(np.array(best[1], dtype=np.int64), best[0], optimal=True, method="brute")


def _served(reach, weight, combo, capacity) -> float:
    if capacity is None:
        return float(weight[reach[:, combo].any(axis=1)].sum())
    pairs = [(i, j) for j in combo for i in np.flatnonzero(reach[:, j])]
    if not pairs:
        return 0.0
    a = np.zeros((reach.shape[0] + len(combo), len(pairs)))
    for e, (i, j) in enumerate(pairs):
        a[i, e] = 1.0
        a[reach.shape[0] + combo.index(j), e] = 1.0
    b = np.concatenate([weight, capacity[combo]])
    return -float(linprog(-np.ones(len(pairs)), A_ub=a, b_ub=b, method="highs").fun)


# --------------------------------------------------------------------------- hand-made


def test_lscp_fewest_sites_and_who_they_serve():
    r = LSCP.from_cost_matrix(COST, limit_m=LIMIT, weights=WEIGHTS, category="菜市场").solve(
        milp_solver()
    )
    # r5 needs D, r4 needs C, and r0 r1 need A or B: B covers r0..r3 with C, so 3.
    assert r.objective == 3.0
    assert r.optimal
    assert r.gap == 0.0
    assert r.method == "milp"
    assert r.category == "菜市场"
    # Nearest open site: r0 r1 r2 -> B (60), r3 r4 -> C (90), r5 -> D (5); most first.
    np.testing.assert_array_equal(r.sites, [C, B, D])
    np.testing.assert_allclose(r.newly_covered, [90.0, 60.0, 5.0])
    np.testing.assert_array_equal(r.assignment, [B, B, B, C, C, D])
    assert r.covered_weight == r.total_weight == 155.0
    assert r.covered_share == 1.0


@pytest.mark.parametrize("solver", SOLVERS)
def test_lscp_all_solvers_find_three(solver):
    r = LSCP.from_cost_matrix(COST, limit_m=LIMIT, weights=WEIGHTS).solve(solver)
    assert r.objective == 3.0
    assert r.bound is not None
    assert r.bound <= 3.0


def test_lscp_existing_places_count():
    covered = np.array([False, False, False, False, True, True])
    r = LSCP.from_cost_matrix(COST, limit_m=LIMIT, weights=WEIGHTS, already_covered=covered)
    res = r.solve(milp_solver())
    np.testing.assert_array_equal(res.sites, [B])
    np.testing.assert_allclose(res.newly_covered, [100.0])
    assert res.existing_weight == 55.0
    assert res.covered_weight == 155.0
    np.testing.assert_array_equal(res.assignment, [B, B, B, B, -1, -1])


@pytest.mark.parametrize(
    ("share", "n_sites"),
    [(0.0, 0), (0.5, 1), (0.77, 1), (0.9, 2), (155 / 155, 3)],
    ids=["none", "half", "c-alone", "b-and-c", "all"],
)
def test_lscp_partial_share(share, n_sites):
    # C alone reaches 120 of 155 residents (77.4 %); B and C 150 (96.8 %).
    r = LSCP.from_cost_matrix(COST, limit_m=LIMIT, weights=WEIGHTS, share=share).solve()
    assert r.sites.size == n_sites
    assert r.covered_weight >= share * r.total_weight - 1e-9
    assert r.optimal


def test_lscp_share_counts_existing_residents():
    covered = np.array([False, False, False, False, True, False])  # r4's 50 residents
    r = LSCP.from_cost_matrix(
        COST, limit_m=LIMIT, weights=WEIGHTS, already_covered=covered, share=0.5
    ).solve()
    # 50 reached already; 77.5 needed, so 27.5 more: any single site of A, B or C.
    assert r.sites.size == 1
    assert r.covered_weight >= 77.5


def test_lscp_site_cost_prefers_cheap_sites():
    rent = np.array([1.0, 10.0, 1.0, 1.0])
    r = LSCP.from_cost_matrix(COST, limit_m=LIMIT, site_cost=rent).solve(milp_solver())
    assert set(r.sites.tolist()) == {A, C, D}
    assert r.objective == 3.0


def test_lscp_infeasible_names_the_points():
    cost = COST.copy()
    cost[:, D] = INF  # r5 reaches nothing
    with pytest.raises(InfeasibleError, match=r"1 point \(indices 5\).*within 160 m for 药店"):
        LSCP.from_cost_matrix(cost, limit_m=LIMIT, category="药店").solve()
    with pytest.raises(InfeasibleError, match=r"at most 96\.77% .* share 99\.00%"):
        LSCP.from_cost_matrix(cost, limit_m=LIMIT, weights=WEIGHTS, share=0.99).solve()
    # A share within reach, and an unreachable point without residents, are both fine.
    r = LSCP.from_cost_matrix(cost, limit_m=LIMIT, weights=WEIGHTS, share=0.95).solve()
    np.testing.assert_array_equal(r.unreachable, [5])
    zero = WEIGHTS.copy()
    zero[5] = 0.0
    assert LSCP.from_cost_matrix(cost, limit_m=LIMIT, weights=zero).solve().objective == 2.0


def test_lscp_many_unreachable_points_are_abbreviated():
    cost = np.full((12, 2), INF)
    with pytest.raises(InfeasibleError, match=r"12 points \(indices 0, 1, .*, 9, …\)"):
        LSCP.from_cost_matrix(cost, limit_m=100.0).solve()


def test_inf_is_unreachable_and_limit_is_inclusive():
    cost = np.array([[100.0, INF], [INF, 100.0]])
    r = LSCP.from_cost_matrix(cost, limit_m=100.0).solve()
    np.testing.assert_array_equal(np.sort(r.sites), [0, 1])
    assert MCLP.from_cost_matrix(cost, limit_m=99.9, k=2, weights=None).solve().sites.size == 0


@pytest.mark.parametrize(("k", "best"), [(0, 0.0), (1, 120.0), (2, 150.0), (3, 155.0), (9, 155.0)])
@pytest.mark.parametrize("solver", SOLVERS)
def test_mclp_hand_optimum(k, best, solver):
    r = MCLP.from_cost_matrix(COST, limit_m=LIMIT, k=k, weights=WEIGHTS).solve(solver)
    assert r.objective == best
    assert r.sites.size <= k
    assert r.covered_weight == best
    if k == 1:
        np.testing.assert_array_equal(r.sites, [C])


def test_mclp_leaves_out_sites_serving_nobody():
    covered = np.array([True, True, True, True, True, False])
    r = MCLP.from_cost_matrix(
        COST, limit_m=LIMIT, k=3, weights=WEIGHTS, already_covered=covered
    ).solve(milp_solver())
    np.testing.assert_array_equal(r.sites, [D])
    assert r.objective == 5.0
    assert r.existing_weight == 150.0


def test_mclp_capacity():
    # Each place serves 60: B and C together 120, though they reach 150.
    r = MCLP.from_cost_matrix(COST, limit_m=LIMIT, k=2, weights=WEIGHTS, capacity=60.0)
    res = r.solve(milp_solver())
    assert res.objective == pytest.approx(120.0)
    assert set(res.sites.tolist()) == {B, C}
    np.testing.assert_allclose(res.newly_covered, [60.0, 60.0])
    np.testing.assert_allclose(res.served.sum(), 120.0)
    assert (res.served <= WEIGHTS + 1e-9).all()
    # Shortest walks among the best: r4's 50 walk 50 m to C, r0's 10 stay unserved by C.
    assert res.assignment[4] == C
    greedy = r.solve(greedy_solver())
    assert greedy.objective == pytest.approx(120.0)
    assert greedy.optimal


def test_mclp_per_site_capacity():
    cap = np.array([100.0, 100.0, 10.0, 100.0])
    r = MCLP.from_cost_matrix(COST, limit_m=LIMIT, k=1, weights=WEIGHTS, capacity=cap).solve()
    np.testing.assert_array_equal(r.sites, [B])
    assert r.objective == pytest.approx(100.0)


def test_greedy_mclp_suboptimal_within_its_bound():
    # M reaches r0..r3, L r0 r1 r4, R r2 r3 r5: greedy takes M then one side (5 of 6),
    # the optimum is L and R (6); the greedy's own bound proves 6 at most.
    reach = np.array([[1, 1, 0], [1, 1, 0], [1, 0, 1], [1, 0, 1], [0, 1, 0], [0, 0, 1]], dtype=bool)
    cost = np.where(reach, 10.0, INF)
    model = MCLP.from_cost_matrix(cost, limit_m=50.0, k=2, weights=None)
    greedy = model.solve(greedy_solver())
    assert greedy.objective == 5.0
    assert greedy.bound == 6.0
    assert greedy.gap == pytest.approx(1 / 6)
    assert not greedy.optimal
    exact = model.solve(milp_solver())
    assert exact.objective == 6.0
    np.testing.assert_array_equal(np.sort(exact.sites), [1, 2])


def test_greedy_lscp_drops_redundant_sites():
    # Greedy takes M (4 points) first, then needs L and R, making M redundant.
    reach = np.array([[1, 1, 0], [1, 1, 0], [1, 0, 1], [1, 0, 1], [0, 1, 0], [0, 0, 1]], dtype=bool)
    cost = np.where(reach, 10.0, INF)
    r = LSCP.from_cost_matrix(cost, limit_m=50.0).solve(greedy_solver())
    np.testing.assert_array_equal(np.sort(r.sites), [1, 2])
    assert r.objective == 2.0


def test_nothing_to_do():
    covered = np.ones(6, dtype=bool)
    r = LSCP.from_cost_matrix(COST, limit_m=LIMIT, already_covered=covered).solve()
    assert r.sites.size == 0
    assert r.optimal
    assert r.method == "none"
    empty = MCLP.from_cost_matrix(np.zeros((3, 0)), limit_m=10.0, k=2, weights=None).solve()
    assert empty.sites.size == 0
    np.testing.assert_array_equal(empty.unreachable, [0, 1, 2])


# --------------------------------------------------------------------------- solvers


def test_brute_force_solver_is_accepted():
    r = LSCP.from_cost_matrix(COST, limit_m=LIMIT).solve(BruteForce())
    assert r.objective == 3.0
    assert r.method == "brute"


def test_default_solver_by_size():
    assert isinstance(default_solver(MAX_MILP_CELLS), MilpSolver)
    assert isinstance(default_solver(MAX_MILP_CELLS + 1), GreedySolver)


def test_milp_solver_validates():
    with pytest.raises(ValidationError, match=r"time_limit_s -1.*mip_rel_gap 2"):
        milp_solver(time_limit_s=-1.0, mip_rel_gap=2.0)


class _Broken:
    def __init__(self, sites):
        self.sites = np.array(sites, dtype=np.int64)

    # The Solver protocol names the argument, so it keeps its name though unused.
    def set_cover(self, instance):  # noqa: ARG002
        return Solution(self.sites, None, optimal=False, method="broken")

    def max_cover(self, instance):  # noqa: ARG002
        return Solution(self.sites, None, optimal=False, method="broken")


@pytest.mark.parametrize(
    ("sites", "message"),
    [([7], "invalid candidate"), ([1, 1], "invalid candidate"), ([B], "do not cover")],
)
def test_a_broken_solver_is_refused(sites, message):
    with pytest.raises(LifecircleError, match=message):
        LSCP.from_cost_matrix(COST, limit_m=LIMIT).solve(_Broken(sites))


def test_mclp_refuses_over_budget_and_keeps_unknown_bound():
    model = MCLP.from_cost_matrix(COST, limit_m=LIMIT, k=1, weights=WEIGHTS)
    with pytest.raises(LifecircleError, match="2 sites for a budget of 1"):
        model.solve(_Broken([A, B]))
    r = model.solve(_Broken([C]))
    assert r.bound is None
    assert r.gap is None
    assert not r.optimal


class _TimedOut:
    """What scipy's milp returns when HiGHS stops at its time limit."""

    status = 1
    message = "Time limit reached"

    def __init__(self, x, fun, dual):
        self.x, self.fun, self.mip_dual_bound = x, fun, dual


@pytest.mark.parametrize(
    ("incumbent", "method", "sites"),
    [
        (None, "greedy", [C, B, D]),  # no incumbent yet
        ([1.0, 1.0, 1.0, 1.0], "greedy", [C, B, D]),  # 4 sites: the greedy's 3 win
        ([0.0, 1.0, 1.0, 1.0], "milp", [C, B, D]),  # as good: HiGHS's are kept
    ],
    ids=["none", "worse", "as-good"],
)
def test_milp_time_limit_keeps_the_better_answer(monkeypatch, incumbent, method, sites):
    x = None if incumbent is None else np.array(incumbent)
    fun = None if incumbent is None else float(sum(incumbent))
    monkeypatch.setattr(solvers, "milp", lambda *_args, **_kwargs: _TimedOut(x, fun, 2.5))
    r = LSCP.from_cost_matrix(COST, limit_m=LIMIT, weights=WEIGHTS).solve(milp_solver())
    assert r.method == method
    np.testing.assert_array_equal(r.sites, sites)
    assert r.objective == 3.0
    assert r.bound == 3.0  # HiGHS's 2.5 rounded up, as site counts are whole
    assert r.optimal  # that bound proves it


def test_milp_time_limit_mclp_takes_tighter_bound(monkeypatch):
    # HiGHS's incumbent (A alone, 30) and bound (999) are both worse than the greedy's.
    x = np.array([1.0, 0, 0, 0, *np.zeros(6)])
    monkeypatch.setattr(solvers, "milp", lambda *_args, **_kwargs: _TimedOut(x, -30.0, -999.0))
    r = MCLP.from_cost_matrix(COST, limit_m=LIMIT, k=1, weights=WEIGHTS).solve(milp_solver())
    assert r.method == "greedy"
    np.testing.assert_array_equal(r.sites, [C])
    assert r.objective == 120.0
    assert r.bound == 120.0


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cost": np.array([[1.0, np.nan]])}, r"1 NaN values, first at \[0, 1\]; mark"),
        ({"cost": np.array([[1.0], [-2.0]])}, r"1 negative values, first at \[1, 0\]"),
        ({"cost": np.array([[1.0], [-INF]])}, r"negative values"),
        ({"cost": np.ones(3)}, r"must be 2-D .* shape \(3,\)"),
        ({"cost": [["a"]]}, "not numeric"),
        ({"weights": np.ones(5)}, r"weights has shape \(5,\), expected \(6,\)"),
        ({"weights": -WEIGHTS}, "weights must be finite and non-negative: 6 are not, first at 0"),
        ({"weights": WEIGHTS * np.nan}, "weights must be finite"),
        ({"already_covered": np.zeros(2, dtype=bool)}, r"already_covered has shape \(2,\)"),
        ({"already_covered": np.full(6, 2)}, "booleans"),
        ({"limit_m": -1.0}, "limit_m -1.0 must be finite"),
        ({"limit_m": INF}, "limit_m inf"),
        ({"share": 1.5}, "share 1.5 is outside"),
        ({"site_cost": np.zeros(4)}, "site_cost must be finite and positive"),
        ({"site_cost": np.ones(3)}, r"site_cost has shape \(3,\)"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_lscp_validation(kwargs, message):
    args = {"cost": COST, "limit_m": LIMIT, "weights": WEIGHTS} | kwargs
    with pytest.raises(ValidationError, match=message):
        LSCP.from_cost_matrix(args.pop("cost"), **args)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": -1}, "k -1 must be"),
        ({"k": True}, "k True must be"),
        ({"capacity": 0.0}, "capacity must be finite and positive"),
        ({"capacity": np.ones(2)}, r"capacity has shape \(2,\)"),
    ],
)
def test_mclp_validation(kwargs, message):
    args = {"limit_m": LIMIT, "k": 2, "weights": WEIGHTS} | kwargs
    with pytest.raises(ValidationError, match=message):
        MCLP.from_cost_matrix(COST, **args)


def test_validation_gathers_every_problem():
    with pytest.raises(ValidationError) as err:
        MCLP.from_cost_matrix(
            np.array([[np.nan, -1.0]]), limit_m=-5.0, k=-1, weights=np.ones(3), capacity=-1.0
        )
    text = str(err.value)
    for part in ("NaN", "negative", "limit_m", "weights has shape", "capacity", "k -1"):
        assert part in text


# --------------------------------------------------------------------------- invariants


@st.composite
def instances(draw, max_demand=8, max_candidates=6):
    """Small cost matrices in 100 m steps, some pairs unreachable, some points covered."""
    m = draw(st.integers(1, max_demand))
    n = draw(st.integers(1, max_candidates))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    cost = rng.integers(0, 10, (m, n)).astype(np.float64) * 100.0
    cost[rng.random((m, n)) < 0.2] = INF
    weights = rng.integers(0, 20, m).astype(np.float64)
    covered = rng.random(m) < 0.2
    limit = draw(st.sampled_from([200.0, 400.0, 600.0]))
    return cost, weights, covered, limit


@given(instances(), st.one_of(st.none(), st.sampled_from([5.0, 15.0, 40.0])))
@settings(max_examples=40, deadline=None)
def test_mclp_coverage_never_falls_with_k(inst, capacity):
    cost, weights, covered, limit = inst
    values = [
        MCLP.from_cost_matrix(
            cost, limit_m=limit, k=k, weights=weights, already_covered=covered, capacity=capacity
        )
        .solve(milp_solver())
        .objective
        for k in range(cost.shape[1] + 2)
    ]
    assert all(b >= a - 1e-6 for a, b in itertools.pairwise(values))


@given(instances(), st.integers(1, 4), st.one_of(st.none(), st.sampled_from([5.0, 15.0, 40.0])))
@settings(max_examples=60, deadline=None)
def test_mclp_greedy_le_exact_le_bounds(inst, k, capacity):
    cost, weights, covered, limit = inst
    model = MCLP.from_cost_matrix(
        cost, limit_m=limit, k=k, weights=weights, already_covered=covered, capacity=capacity
    )
    exact = model.solve(milp_solver())
    brute = model.solve(BruteForce())
    assert exact.optimal
    assert exact.objective == pytest.approx(brute.objective, abs=1e-6)
    for solver in (greedy_solver(), greedy_solver(lp_bound=True)):
        greedy = model.solve(solver)
        assert greedy.objective <= exact.objective + 1e-6
        assert greedy.bound is not None
        assert exact.objective <= greedy.bound + 1e-6
        if capacity is None:
            assert greedy.objective >= (1 - 1 / math.e) * exact.objective - 1e-6
        assert greedy.sites.size <= k
        assert (greedy.newly_covered > 0).all()


@given(instances(), st.sampled_from([1.0, 0.9, 0.6]), st.booleans())
@settings(max_examples=60, deadline=None)
def test_lscp_bounds_and_full_coverage(inst, share, rent):
    cost, weights, covered, limit = inst
    site_cost = np.arange(1.0, cost.shape[1] + 1.0) if rent else None
    model = LSCP.from_cost_matrix(
        cost,
        limit_m=limit,
        weights=weights,
        already_covered=covered,
        share=share,
        site_cost=site_cost,
    )
    try:
        exact = model.solve(milp_solver())
    except InfeasibleError:
        with pytest.raises(InfeasibleError):
            model.solve(greedy_solver())
        return
    assert exact.optimal
    assert exact.objective == pytest.approx(model.solve(BruteForce()).objective)
    assert exact.covered_weight >= share * exact.total_weight - 1e-6
    if share == 1.0:
        reached = (weights == 0) | covered | (exact.served > 0)
        assert reached.all()
        assert exact.covered_weight == pytest.approx(exact.total_weight)
    for solver in (greedy_solver(), greedy_solver(lp_bound=True)):
        greedy = model.solve(solver)
        assert greedy.bound is not None
        assert greedy.bound - 1e-6 <= exact.objective <= greedy.objective + 1e-6
        assert greedy.covered_weight >= share * greedy.total_weight - 1e-6
    # Every site newly serves someone, and the per-site sums add up.
    assert (exact.newly_covered > 0).all()
    assert exact.newly_covered.sum() == pytest.approx(exact.served.sum())


# --------------------------------------------------------------------------- spopt oracle

# PuLP 3.3 deprecates the LpVariable constructor spopt uses and PULP_CBC_CMD, which
# still solves; both warnings are PuLP's to fix, not ours.
PULP_VARIABLE = pytest.mark.filterwarnings("ignore:Constructing LpVariable:DeprecationWarning")
PULP_CBC = pytest.mark.filterwarnings("ignore:PULP_CBC_CMD is deprecated:DeprecationWarning")


def _oracle_matrix(seed: int, m: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    cost = np.round(rng.random((m, n)) * 2000.0, 1)
    cost[rng.random((m, n)) < 0.05] = INF
    return cost


@PULP_VARIABLE
@PULP_CBC
@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize(("m", "n"), [(30, 10), (120, 25)])
def test_lscp_matches_spopt(seed, m, n):
    spopt_locate = pytest.importorskip("spopt.locate")
    pulp = pytest.importorskip("pulp")
    cost = _oracle_matrix(seed, m, n)
    # Just wide enough that every point reaches some candidate, then a bit more.
    radius = float(np.min(cost, axis=1).max()) + 50.0 * (seed % 3)
    theirs = spopt_locate.LSCP.from_cost_matrix(cost, service_radius=radius)
    theirs = theirs.solve(pulp.PULP_CBC_CMD(msg=False))
    ours = LSCP.from_cost_matrix(cost, limit_m=radius).solve(milp_solver())
    assert ours.optimal
    assert ours.objective == pulp.value(theirs.problem.objective)
    assert ours.covered_weight == m


@PULP_VARIABLE
@PULP_CBC
@pytest.mark.parametrize(
    ("seed", "m", "n", "p"),
    [(seed, 30, 10, 2) for seed in range(8)] + [(seed, 120, 25, 5) for seed in range(4)],
)
def test_mclp_matches_spopt(seed, m, n, p):
    spopt_locate = pytest.importorskip("spopt.locate")
    pulp = pytest.importorskip("pulp")
    cost = _oracle_matrix(seed, m, n)
    weights = np.random.default_rng(seed + 100).integers(1, 50, m)
    radius = 300.0 + 100.0 * (seed % 4)
    theirs = spopt_locate.MCLP.from_cost_matrix(
        cost, weights, service_radius=radius, p_facilities=p
    )
    theirs = theirs.solve(pulp.PULP_CBC_CMD(msg=False))
    ours = MCLP.from_cost_matrix(cost, limit_m=radius, k=p, weights=weights).solve(milp_solver())
    assert ours.optimal
    assert ours.objective == pytest.approx(pulp.value(theirs.problem.objective), abs=1e-6)
    greedy = MCLP.from_cost_matrix(cost, limit_m=radius, k=p, weights=weights).solve(
        greedy_solver()
    )
    assert greedy.objective <= ours.objective <= greedy.bound
