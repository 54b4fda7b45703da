"""Sparse LSCP/MCLP constructors: the same models as the dense ones, checked against spopt."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lifecircle.core.plan import LSCP, MCLP, ReachPairs, greedy_solver, milp_solver
from lifecircle.errors import ValidationError

INF = math.inf

# PuLP 3.3 deprecates what spopt calls (see test_locate.py); the warnings are PuLP's.
PULP_VARIABLE = pytest.mark.filterwarnings("ignore:Constructing LpVariable:DeprecationWarning")
PULP_CBC = pytest.mark.filterwarnings("ignore:PULP_CBC_CMD is deprecated:DeprecationWarning")


def _instance(seed: int, m: int, n: int) -> tuple[np.ndarray, float, np.ndarray]:
    """A random matrix with unreachable pairs, a limit every point meets, and weights."""
    rng = np.random.default_rng(seed)
    cost = np.round(rng.random((m, n)) * 2000.0, 1)
    cost[rng.random((m, n)) < 0.1] = INF
    cost[:, 0] = 50.0  # candidate 0 reaches everyone, so full cover is feasible
    limit = 400.0 + 100.0 * (seed % 4)
    return cost, limit, rng.integers(1, 60, m).astype(float)


def _as_pairs(cost: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The finite pairs of a matrix, shuffled, with some listed twice (longer the 2nd time)."""
    rng = np.random.default_rng(seed + 1000)
    rows, cols = np.nonzero(np.isfinite(cost))
    metres = cost[rows, cols]
    twice = rng.random(rows.size) < 0.2
    rows = np.concatenate([rows, rows[twice]])
    cols = np.concatenate([cols, cols[twice]])
    metres = np.concatenate([metres, metres[twice] + rng.random(int(twice.sum())) * 500.0])
    order = rng.permutation(rows.size)
    return rows[order], cols[order], metres[order]


def _same_pairs(a: ReachPairs, b: ReachPairs) -> None:
    for name in ("row", "col", "metres"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert (a.n_demand, a.n_candidates, a.limit_m) == (b.n_demand, b.n_candidates, b.limit_m)


@pytest.mark.parametrize("seed", range(6))
def test_sparse_lscp_equals_dense(seed):
    cost, limit, weights = _instance(seed, 40, 12)
    covered = np.random.default_rng(seed).random(40) < 0.2
    rows, cols, metres = _as_pairs(cost, seed)
    dense = LSCP.from_cost_matrix(
        cost, limit_m=limit, weights=weights, already_covered=covered, share=0.9
    )
    sparse = LSCP.from_pairs(
        40, 12, rows, cols, metres, limit_m=limit, weights=weights, already_covered=covered,
        share=0.9,
    )  # fmt: skip
    _same_pairs(dense.pairs, sparse.pairs)
    for solver in (milp_solver(), greedy_solver()):
        a, b = dense.solve(solver), sparse.solve(solver)
        np.testing.assert_array_equal(a.sites, b.sites)
        assert (a.objective, a.covered_weight, a.optimal) == (
            b.objective,
            b.covered_weight,
            b.optimal,
        )
        np.testing.assert_array_equal(a.assignment, b.assignment)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("capacity", [None, 150.0])
def test_sparse_mclp_equals_dense(seed, capacity):
    cost, limit, weights = _instance(seed, 40, 12)
    rows, cols, metres = _as_pairs(cost, seed)
    dense = MCLP.from_cost_matrix(cost, limit_m=limit, k=3, weights=weights, capacity=capacity)
    sparse = MCLP.from_pairs(
        40, 12, rows, cols, metres, limit_m=limit, k=3, weights=weights, capacity=capacity
    )
    _same_pairs(dense.pairs, sparse.pairs)
    a, b = dense.solve(milp_solver()), sparse.solve(milp_solver())
    assert a.objective == pytest.approx(b.objective)
    assert a.optimal
    assert b.optimal
    np.testing.assert_allclose(a.served, b.served, atol=1e-6)


def test_flows_add_up_to_what_each_site_serves():
    cost, limit, weights = _instance(3, 40, 12)
    for model in (
        LSCP.from_cost_matrix(cost, limit_m=limit, weights=weights),
        MCLP.from_cost_matrix(cost, limit_m=limit, k=2, weights=weights, capacity=100.0),
    ):
        r = model.solve(milp_solver())
        point, site, residents = r.flows
        np.testing.assert_allclose(
            np.bincount(site, weights=residents, minlength=12)[r.sites], r.newly_covered
        )
        np.testing.assert_allclose(np.bincount(point, weights=residents, minlength=40), r.served)
        assert (cost[point, site] <= limit).all()


def test_pairs_beyond_the_limit_or_unlisted_are_unreachable():
    # point 0 reaches candidate 1 at exactly the limit; point 1 only beyond it; point 2
    # is in no pair at all
    r = MCLP.from_pairs(
        3, 2, [0, 1], [1, 0], [100.0, 100.5], limit_m=100.0, k=2, weights=[5.0, 6.0, 7.0]
    ).solve()
    np.testing.assert_array_equal(r.sites, [1])
    np.testing.assert_array_equal(r.unreachable, [1, 2])
    assert r.objective == 5.0


def test_a_pair_listed_twice_keeps_its_shortest_walk():
    pairs = LSCP.from_pairs(1, 1, [0, 0, 0], [0, 0, 0], [900.0, 300.0, 600.0], limit_m=500.0).pairs
    np.testing.assert_array_equal(pairs.metres, [300.0])


def test_empty_pairs():
    r = LSCP.from_pairs(0, 0, [], [], [], limit_m=100.0).solve()
    assert r.sites.size == 0
    assert r.optimal
    model = MCLP.from_pairs(2, 3, [], [], [], limit_m=100.0, k=1, weights=None)
    np.testing.assert_array_equal(model.solve().unreachable, [0, 1])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((2, 2, [0], [0], [np.nan]), "metres has 1 NaN values, first at 0"),
        ((2, 2, [0, 1], [0, 1], [1.0, INF]), "1 infinite values, first at 1; leave unreachable"),
        ((2, 2, [0], [0], [-1.0]), "metres has 1 negative values"),
        ((2, 2, [2], [0], [1.0]), r"rows must be integers in 0..1: 1 are not, first 2 at 0"),
        ((2, 2, [0], [-1], [1.0]), "cols must be integers in 0..1"),
        ((2, 2, [0.5], [0], [1.0]), "rows must be integers"),
        ((2, 2, [0, 1], [0], [1.0]), "differ in length: 2, 1, 1"),
        ((-1, 2, [], [], []), "n_demand -1 must be a non-negative integer"),
        ((2, 2.5, [], [], []), "n_candidates 2.5 must be"),
        ((2, 2, [["a"]], [0], [1.0]), "must be numeric"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_pair_validation(args, message):
    with pytest.raises(ValidationError, match=message):
        LSCP.from_pairs(*args, limit_m=10.0)


def test_pair_validation_gathers_every_problem():
    with pytest.raises(ValidationError) as err:
        MCLP.from_pairs(2, 2, [0, 5], [0, 0], [np.nan, 1.0], limit_m=-1.0, k=-1, weights=np.ones(3))
    text = str(err.value)
    for part in ("MCLP:", "limit_m -1.0", "rows must be", "NaN", "weights has shape", "k -1"):
        assert part in text


@PULP_VARIABLE
@PULP_CBC
@pytest.mark.parametrize("seed", range(4))
def test_sparse_instances_match_spopt(seed):
    spopt_locate = pytest.importorskip("spopt.locate")
    pulp = pytest.importorskip("pulp")
    m, n = 60, 15
    cost, limit, weights = _instance(seed, m, n)
    rows, cols, metres = _as_pairs(cost, seed)
    # spopt takes the dense matrix; ours only the pairs a network search would find
    theirs = spopt_locate.LSCP.from_cost_matrix(cost, service_radius=limit)
    theirs = theirs.solve(pulp.PULP_CBC_CMD(msg=False))
    ours = LSCP.from_pairs(m, n, rows, cols, metres, limit_m=limit).solve(milp_solver())
    assert ours.optimal
    assert ours.objective == pulp.value(theirs.problem.objective)
    theirs = spopt_locate.MCLP.from_cost_matrix(
        cost, weights, service_radius=limit, p_facilities=3
    ).solve(pulp.PULP_CBC_CMD(msg=False))
    ours = MCLP.from_pairs(m, n, rows, cols, metres, limit_m=limit, k=3, weights=weights).solve(
        milp_solver()
    )
    assert ours.optimal
    assert ours.objective == pytest.approx(pulp.value(theirs.problem.objective), abs=1e-6)
