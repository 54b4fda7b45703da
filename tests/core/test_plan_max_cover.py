"""Lagrangian maximal covering: its choice is within its gap, its bound above the optimum."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from lifecircle.core.plan import MCLP
from lifecircle.core.plan.lagrangian import LagrangianSolver
from lifecircle.core.plan.max_cover import greedy_k, lagrangian_max_cover, swap_k
from lifecircle.core.plan.split import SplitSolver
from lifecircle.errors import ValidationError


def optimum(reach: sparse.csr_array, weight: np.ndarray, k: int) -> float:
    """The exact maximal-covering optimum by HiGHS."""
    m, n = reach.shape
    link = sparse.hstack([-reach, sparse.eye_array(m)], format="csr")
    budget = np.concatenate([np.ones(n), np.zeros(m)])[np.newaxis, :]
    res = milp(
        np.concatenate([np.zeros(n), -weight]),
        integrality=np.concatenate([np.ones(n), np.zeros(m)]),
        bounds=Bounds(0.0, 1.0),
        constraints=[LinearConstraint(link, -np.inf, 0.0), LinearConstraint(budget, 0.0, k)],
        options={"mip_rel_gap": 0.0},
    )
    assert res.status == 0
    return -float(res.fun)


def city_instance(seed: int, *, whole: bool) -> tuple[sparse.csr_array, np.ndarray, int]:
    """Homes with residents and candidate sites over a 3 km square, reached within 600 m."""
    rng = np.random.default_rng(seed)
    homes = rng.uniform(0, 3_000, size=(int(rng.integers(60, 160)), 2))
    sites = rng.uniform(0, 3_000, size=(int(rng.integers(40, 120)), 2))
    reach = np.linalg.norm(homes[:, None, :] - sites[None, :, :], axis=2) <= 600.0
    reach = reach[reach.any(axis=1)]
    m = reach.shape[0]
    weight = rng.integers(1, 60, size=m).astype(float) if whole else rng.uniform(0.5, 60, m)
    return sparse.csr_array(reach.astype(float)), weight, int(rng.integers(1, 9))


def random_instance(seed: int) -> tuple[sparse.csr_array, np.ndarray, int]:
    """A small random instance (rows may share every column; columns may be empty)."""
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(1, 30)), int(rng.integers(1, 20))
    dense = rng.random((m, n)) < rng.uniform(0.05, 0.5)
    dense[np.arange(m), rng.integers(0, n, size=m)] = True
    weight = rng.integers(1, 20, size=m).astype(float)
    return sparse.csr_array(dense.astype(float)), weight, int(rng.integers(1, n + 1))


def reached(reach: sparse.csr_array, weight: np.ndarray, sites: np.ndarray) -> float:
    x = np.zeros(reach.shape[1])
    x[sites] = 1.0
    return float(weight[(reach @ x) > 0].sum())


def check(reach: sparse.csr_array, weight: np.ndarray, k: int, **kwargs: float) -> None:
    found = lagrangian_max_cover(reach, weight, k, **kwargs)
    best = optimum(reach, weight, k)
    assert found.sites.size <= k
    assert np.unique(found.sites).size == found.sites.size
    assert found.value == pytest.approx(reached(reach, weight, found.sites))
    assert found.bound >= best - 1e-6 * max(best, 1.0)  # never below the optimum
    assert found.value <= best + 1e-6 * max(best, 1.0)
    # the choice is the optimum or within the reported gap of it
    assert best - found.value <= found.gap * found.bound + 1e-6 * max(best, 1.0)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_random_choices_within_their_gap(seed: int) -> None:
    reach, weight, k = random_instance(seed)
    check(reach, weight, k, time_limit_s=1.0, rel_gap=0.0)


@pytest.mark.parametrize("whole", [True, False], ids=["residents", "fractional"])
@pytest.mark.parametrize("seed", range(6))
def test_city_shaped_choices_within_their_gap(seed: int, whole: bool) -> None:
    reach, weight, k = city_instance(seed, whole=whole)
    check(reach, weight, k, time_limit_s=1.0, rel_gap=0.0)
    check(reach, weight, k, time_limit_s=3.0)


def test_greedy_and_swaps_on_a_hand_drawn_instance() -> None:
    # rows 0..5 (weights below); column 0 reaches 0-3, column 1 rows 0-1 and 4,
    # column 2 rows 2-3 and 5: the greedy takes 0 first, the best pair is 1 and 2
    dense = np.array([[1, 1, 0], [1, 1, 0], [1, 0, 1], [1, 0, 1], [0, 1, 0], [0, 0, 1]])
    weight = np.array([1.0, 1.0, 1.0, 1.0, 1.5, 1.5])
    a = sparse.csr_array(dense.astype(float))
    at = sparse.csr_array(a.T)
    idx = (
        a.indptr.astype(np.int64),
        a.indices.astype(np.int64),
        at.indptr.astype(np.int64),
        at.indices.astype(np.int64),
    )
    sites, bound = greedy_k(*idx, weight, 2)
    assert sites.tolist() == [0, 1] or sites.tolist() == [0, 2]
    assert reached(a, weight, sites) == 5.5
    assert bound >= 7.0  # the optimum, 1 and 2 together
    swapped = swap_k(*idx, weight, sites, 5)
    assert sorted(swapped.tolist()) == [1, 2]
    found = lagrangian_max_cover(a, weight, 2, rel_gap=0.0, time_limit_s=5.0)
    assert found.sites.tolist() == [1, 2]
    assert found.value == 7.0
    assert found.gap == pytest.approx(0.0)


def test_solver_in_the_models_says_lagrangian() -> None:
    reach, weight, k = city_instance(3, whole=True)
    dense = np.where(reach.toarray() > 0, 100.0, np.inf)
    model = MCLP.from_cost_matrix(dense, limit_m=500.0, k=k, weights=weight)
    best = optimum(reach, weight, k)
    result = model.solve(LagrangianSolver(time_limit_s=5.0))
    assert result.method == "lagrangian"
    assert result.bound is not None
    assert result.objective <= best + 1e-9 <= result.bound + 1e-9
    # maximal covering above max_cells goes to the Lagrangian method too
    split = model.solve(SplitSolver(max_cells=0, time_limit_s=5.0))
    assert split.method == "lagrangian"
    assert split.bound is not None
    assert split.objective <= best + 1e-9 <= split.bound + 1e-9
    # with a capacity the greedy answers (the relaxation here has no capacity)
    capped = MCLP.from_cost_matrix(dense, limit_m=500.0, k=k, weights=weight, capacity=50.0)
    assert capped.solve(LagrangianSolver(time_limit_s=5.0)).method == "greedy"


def test_refusals() -> None:
    reach, weight, _ = city_instance(0, whole=True)
    with pytest.raises(ValidationError, match="rel_gap"):
        lagrangian_max_cover(reach, weight, 3, rel_gap=1.5)
    with pytest.raises(ValidationError, match="time_limit_s"):
        lagrangian_max_cover(reach, weight, 3, time_limit_s=0.0)
    with pytest.raises(ValidationError, match="k 0"):
        lagrangian_max_cover(reach, weight, 0)
    with pytest.raises(ValidationError, match="weight"):
        lagrangian_max_cover(reach, -weight, 3)
