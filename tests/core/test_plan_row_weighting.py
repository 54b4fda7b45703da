"""Row-weighting local search: covers stay covers, never grow, and reach the optimum."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from lifecircle.core.plan import LSCP, lagrangian
from lifecircle.core.plan.cover_search import scored_greedy
from lifecircle.core.plan.lagrangian import lagrangian_set_cover
from lifecircle.core.plan.row_weighting import row_weighting_search
from lifecircle.core.plan.split import SplitSolver
from tests.core.test_plan_lagrangian import city_instance
from tests.core.test_plan_reduce import covers, optimum, random_instance


def index_arrays(reach: sparse.csr_array) -> tuple[np.ndarray, ...]:
    a = sparse.csr_array(reach)
    a.sort_indices()
    at = sparse.csr_array(a.T)
    at.sort_indices()
    return (
        a.indptr.astype(np.int64),
        a.indices.astype(np.int64),
        at.indptr.astype(np.int64),
        at.indices.astype(np.int64),
    )


def search(reach: sparse.csr_array, start: np.ndarray, **kwargs: int) -> Any:
    return row_weighting_search(*index_arrays(reach), start, **kwargs)


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_random_covers_stay_covers_and_never_grow(seed: int) -> None:
    reach, _ = random_instance(seed, unit=True)
    every = np.ones(reach.shape[1], dtype=bool)  # the largest cover there is
    out, steps = search(reach, every, max_steps=2_000, seed=seed % 7)
    assert covers(reach, np.flatnonzero(out))
    assert out.sum() <= every.sum()
    assert out.sum() >= optimum(reach, np.ones(reach.shape[1])) - 1e-9
    assert steps <= 2_000


@pytest.mark.parametrize("seed", range(6))
def test_city_shaped_covers_reach_the_optimum(seed: int) -> None:
    reach, _ = city_instance(seed, unit=True)
    cost = np.ones(reach.shape[1])
    idx = index_arrays(reach)
    greedy = scored_greedy(*idx, cost, np.zeros(cost.size, dtype=bool))
    best = optimum(reach, cost)
    out, steps = row_weighting_search(*idx, greedy, max_steps=20_000, floor=int(best))
    assert covers(reach, np.flatnonzero(out))
    assert out.sum() == best  # these small cities are solved, and the floor stops it
    assert steps < 20_000 or greedy.sum() == best


def test_the_search_is_deterministic_for_a_seed_and_a_step_count() -> None:
    reach, _ = city_instance(11, unit=True)
    start = np.ones(reach.shape[1], dtype=bool)
    first, _ = search(reach, start, max_steps=500, seed=3)
    again, _ = search(reach, start, max_steps=500, seed=3)
    assert np.array_equal(first, again)


def test_it_leaves_a_two_site_local_minimum() -> None:
    # rows 0..5 in a ring of pairs; columns cover consecutive pairs; 3 sites are needed
    # and swaps of one site for one site cannot get there from 4 redundant-free ones
    dense = np.zeros((6, 6))
    for j in range(6):
        dense[j, j] = dense[(j + 1) % 6, j] = 1.0
    reach = sparse.csr_array(dense)
    start = np.array([True, False, True, True, False, True])  # a cover of 4
    assert covers(reach, np.flatnonzero(start))
    out, _ = search(reach, start, max_steps=1_000, floor=3)
    assert out.sum() == 3
    assert covers(reach, np.flatnonzero(out))


def test_a_start_that_is_no_cover_is_returned_unchanged() -> None:
    reach = sparse.csr_array(np.array([[1.0, 0.0], [0.0, 1.0]]))
    start = np.array([True, False])
    out, steps = search(reach, start, max_steps=100)
    assert out.tolist() == [True, False]
    assert steps == 0


def test_the_deadline_stops_it() -> None:
    reach, _ = city_instance(2, unit=True)
    start = np.ones(reach.shape[1], dtype=bool)
    search(reach, start, max_steps=10)  # compiled before the clock starts
    t0 = time.perf_counter()
    out, _ = row_weighting_search(*index_arrays(reach), start, deadline=t0 + 0.2, max_steps=10**12)
    assert time.perf_counter() - t0 < 2.0
    assert covers(reach, np.flatnonzero(out))


@pytest.mark.parametrize("seed", range(4))
def test_the_lagrangian_method_with_the_search_stays_within_its_gap(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # no core fits HiGHS, and core_share 0.9 stops the volume steps early: the local
    # search improves the cover in the time left
    monkeypatch.setattr(lagrangian, "MAX_CORE_NNZ", 0)
    reach, cost = city_instance(seed + 20, unit=True)
    found = lagrangian_set_cover(reach, cost, time_limit_s=2.0, core_share=0.9, rel_gap=0.0)
    best = optimum(reach, cost)
    assert covers(reach, found.sites)
    assert found.bound <= best + 1e-9
    assert found.cost - best <= found.gap * found.cost + 1e-9


def town(seed: int) -> np.ndarray:
    """Walking metres from 400 homes to 300 sites over 4 km, ``inf`` beyond 500 m."""
    rng = np.random.default_rng(seed)
    homes = rng.uniform(0, 4_000, size=(400, 2))
    sites = rng.uniform(0, 4_000, size=(300, 2))
    metres = np.linalg.norm(homes[:, None, :] - sites[None, :, :], axis=2)
    metres = metres[(metres <= 500.0).any(axis=1)]
    return np.where(metres <= 500.0, metres, np.inf)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])  # towns whose bound the volume steps leave open
def test_the_count_of_sites_in_the_models_stays_within_its_gap(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # every part to the Lagrangian method (max_cells=0) and no HiGHS core, sites of equal
    # cost: the local search runs, its cover reaches the model, the bound stays below
    monkeypatch.setattr(lagrangian, "MAX_CORE_NNZ", 0)
    calls: list[int] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        found = row_weighting_search(*args, **kwargs)
        calls.append(found[1])
        return found

    monkeypatch.setattr(lagrangian, "row_weighting_search", counted)
    metres = town(seed)
    result = LSCP.from_cost_matrix(metres, limit_m=500.0).solve(
        SplitSolver(max_cells=0, time_limit_s=3.0)
    )
    reach = sparse.csr_array(np.isfinite(metres).astype(float))
    best = optimum(reach, np.ones(reach.shape[1]))
    assert calls  # the search ran
    assert "lagrangian" in result.method
    assert covers(reach, result.sites)
    assert result.bound is not None
    assert result.gap is not None
    assert result.bound <= best + 1e-9
    assert result.objective - best <= result.gap * result.objective + 1e-9
