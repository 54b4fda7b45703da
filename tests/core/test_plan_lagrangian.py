"""The Lagrangian set-cover method: its covers are within its gap, its bound below the optimum."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from lifecircle.core.plan import LSCP
from lifecircle.core.plan.cover_search import scored_greedy, swap_search
from lifecircle.core.plan.lagrangian import LagrangianSolver, lagrangian_set_cover
from lifecircle.core.plan.split import SplitSolver
from lifecircle.core.plan.windows import improve_by_windows
from lifecircle.errors import ValidationError
from tests.core.test_plan_reduce import covers, optimum, random_instance


def city_instance(seed: int, *, unit: bool) -> tuple[sparse.csr_array, np.ndarray]:
    """Homes and candidate sites scattered over a 3 km square, reached within 600 m."""
    rng = np.random.default_rng(seed)
    homes = rng.uniform(0, 3_000, size=(int(rng.integers(60, 160)), 2))
    sites = rng.uniform(0, 3_000, size=(int(rng.integers(40, 120)), 2))
    metres = np.linalg.norm(homes[:, None, :] - sites[None, :, :], axis=2)
    reach = metres <= 600.0
    keep = reach.any(axis=1)
    cost = np.ones(len(sites)) if unit else rng.integers(1, 9, size=len(sites)).astype(float)
    return sparse.csr_array(reach[keep].astype(float)), cost


def check(reach: sparse.csr_array, cost: np.ndarray, **kwargs: float) -> None:
    found = lagrangian_set_cover(reach, cost, **kwargs)
    best = optimum(reach, cost)
    assert covers(reach, found.sites)
    assert found.cost == pytest.approx(cost[found.sites].sum())
    assert found.bound <= best + 1e-9  # never above the optimum
    assert found.cost >= best - 1e-9
    # the objective is the optimum or within the reported gap of it
    assert found.cost - best <= found.gap * found.cost + 1e-9


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), unit=st.booleans())
def test_random_covers_within_their_gap(seed: int, unit: bool) -> None:
    reach, cost = random_instance(seed, unit=unit)
    check(reach, cost, time_limit_s=5.0)


@pytest.mark.parametrize("unit", [True, False], ids=["unit-cost", "rent"])
@pytest.mark.parametrize("seed", range(6))
def test_city_shaped_covers_within_their_gap(seed: int, unit: bool) -> None:
    reach, cost = city_instance(seed, unit=unit)
    check(reach, cost, time_limit_s=5.0)
    # without the core's HiGHS run the bound and the gap still hold
    check(reach, cost, time_limit_s=5.0, core_share=0.0, rel_gap=0.0)


def test_a_gap_of_zero_is_proven_on_a_small_city() -> None:
    reach, cost = city_instance(7, unit=True)
    found = lagrangian_set_cover(reach, cost, rel_gap=0.0, time_limit_s=20.0)
    assert found.gap == 0.0
    assert found.cost == found.bound == optimum(reach, cost)


def test_swaps_replace_two_sites_by_one() -> None:
    # rows 0..3; columns 0 and 1 cover two rows each, column 2 covers all four
    dense = np.array([[1, 0, 1], [1, 0, 1], [0, 1, 1], [0, 1, 1]])
    a = sparse.csr_array(dense.astype(float))
    at = sparse.csr_array(a.T)
    args = (a.indptr.astype(np.int64), a.indices.astype(np.int64))
    targs = (at.indptr.astype(np.int64), at.indices.astype(np.int64))
    start = np.array([True, True, False])
    out = swap_search(*args, *targs, np.ones(3), start, 5)
    assert out.tolist() == [False, False, True]
    # at a cost of 2.5 the one site is dearer than the two: no swap
    out = swap_search(*args, *targs, np.array([1.0, 1.0, 2.5]), start, 5)
    assert out.tolist() == [True, True, False]
    # the scored greedy, on plain costs, takes the one site that covers everything
    chosen = scored_greedy(*args, *targs, np.ones(3), np.zeros(3, dtype=bool))
    assert chosen.tolist() == [False, False, True]


def test_solver_in_the_models_says_lagrangian() -> None:
    reach, cost = city_instance(3, unit=False)
    dense = np.where(reach.toarray() > 0, 100.0, np.inf)
    model = LSCP.from_cost_matrix(dense, limit_m=500.0, site_cost=cost)
    result = model.solve(LagrangianSolver(time_limit_s=5.0))
    assert result.method == "lagrangian"
    assert result.bound is not None
    assert result.bound <= optimum(reach, cost) <= result.objective
    # the split sends parts above max_cells to the Lagrangian method
    split = model.solve(SplitSolver(max_cells=0))
    assert "lagrangian" in split.method
    assert split.bound is not None
    assert split.bound <= optimum(reach, cost) <= split.objective


def test_refusals() -> None:
    reach, cost = city_instance(0, unit=True)
    with pytest.raises(ValidationError, match="rel_gap"):
        lagrangian_set_cover(reach, cost, rel_gap=1.5)
    with pytest.raises(ValidationError, match="time_limit_s"):
        lagrangian_set_cover(reach, cost, time_limit_s=0.0)


@pytest.mark.parametrize("seed", range(4))
def test_windows_keep_a_cover_and_never_raise_its_cost(seed: int) -> None:
    reach, cost = city_instance(seed, unit=seed % 2 == 0)
    a = sparse.csr_array(reach)
    at = sparse.csr_array(a.T)
    every = np.ones(cost.size, dtype=bool)  # the dearest cover there is
    out = improve_by_windows(a, at, cost, every, time.perf_counter() + 1.0, seed=seed)
    assert covers(reach, np.flatnonzero(out))
    assert cost[out].sum() < cost.sum()
    assert cost[out].sum() >= optimum(reach, cost) - 1e-9


def test_a_window_replaces_two_sites_by_one() -> None:
    dense = np.array([[1, 0, 1], [1, 0, 1], [0, 1, 1], [0, 1, 1]])
    a = sparse.csr_array(dense.astype(float))
    at = sparse.csr_array(a.T)
    start = np.array([True, True, False])
    out = improve_by_windows(a, at, np.ones(3), start, time.perf_counter() + 1.0)
    assert out.tolist() == [False, False, True]
    out = improve_by_windows(a, at, np.array([1.0, 1.0, 2.5]), start, time.perf_counter() + 0.5)
    assert out.tolist() == [True, True, False]
