"""The LP relaxation's duals beside the Lagrangian search: a valid bound, at the LP's value."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import pytest
from scipy import sparse
from scipy.optimize import linprog

from lifecircle.core.plan import lagrangian, lp_bound
from lifecircle.core.plan.lagrangian import lagrangian_set_cover
from lifecircle.core.plan.lp_bound import LpDuals, lp_duals
from tests.core.test_plan_lagrangian import check, city_instance
from tests.core.test_plan_reduce import random_instance


def lp_value(reach: sparse.csr_array, cost: np.ndarray) -> float:
    """The LP relaxation's optimum by HiGHS's dual simplex (the oracle)."""
    res = linprog(
        cost, A_ub=-reach, b_ub=-np.ones(reach.shape[0]), bounds=(0, 1), method="highs-ds"
    )
    assert res.status == 0
    return float(res.fun)


def bound_of(reach: sparse.csr_array, cost: np.ndarray, u: np.ndarray) -> float:
    """``L(u)``: a lower bound on every cover for any ``u ≥ 0``."""
    return float(u.sum() + np.minimum(cost - reach.T @ u, 0.0).sum())


def big_city(seed: int) -> tuple[sparse.csr_array, np.ndarray]:
    """A city-shaped unit-cost instance above :data:`lp_bound.MIN_LP_PAIRS` pairs."""
    rng = np.random.default_rng(seed)
    homes = rng.uniform(0, 6_000, size=(1_500, 2))
    sites = rng.uniform(0, 6_000, size=(900, 2))
    near = sparse.csr_array(
        (np.linalg.norm(homes[:, None, :] - sites[None, :, :], axis=2) <= 700.0).astype(float)
    )
    near = near[np.diff(near.indptr) > 0]
    assert near.nnz >= lp_bound.MIN_LP_PAIRS
    return sparse.csr_array(near), np.ones(sites.shape[0])


@pytest.mark.parametrize("seed", range(4))
def test_duals_bound_at_the_lp_optimum(seed: int) -> None:
    reach, cost = city_instance(seed, unit=seed % 2 == 0)
    u = lp_duals(reach, cost, time_limit_s=30.0)
    assert u is not None
    assert (u >= 0).all()
    lp = lp_value(reach, cost)
    assert bound_of(reach, cost, u) == pytest.approx(lp, rel=1e-6, abs=1e-6)


def test_no_duals_when_time_runs_out() -> None:
    reach, cost = big_city(0)
    assert lp_duals(reach, cost, time_limit_s=1e-9) is None


def test_small_instances_start_no_thread() -> None:
    reach, cost = city_instance(0, unit=True)
    lp = LpDuals(reach, cost, deadline=time.perf_counter() + 10.0)
    assert not lp.started
    assert lp.result() is None


class WaitedDuals(LpDuals):
    """The LP's duals, waited for: the search takes them at its first look."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assert self.started
        assert self._done.wait(30.0)


@pytest.mark.parametrize("unit", [True, False], ids=["unit-cost", "rent"])
@pytest.mark.parametrize("seed", range(4))
def test_covers_with_the_duals_stay_within_their_gap(
    seed: int, unit: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every instance takes the LP's duals: the bound stays below HiGHS's optimum."""
    monkeypatch.setattr(lp_bound, "MIN_LP_PAIRS", 0)
    monkeypatch.setattr(lagrangian, "LpDuals", WaitedDuals)
    reach, cost = city_instance(seed, unit=unit)
    check(reach, cost, time_limit_s=5.0)
    check(reach, cost, time_limit_s=5.0, core_share=0.0, rel_gap=0.0)
    reach, cost = random_instance(seed, unit=unit)
    check(reach, cost, time_limit_s=5.0)


def test_the_bound_reaches_the_lp_on_a_large_city(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above the threshold the reported bound is the LP's, rounded up (unit costs)."""
    reach, cost = big_city(1)
    lp = lp_value(reach, cost)
    monkeypatch.setattr(lagrangian, "MAX_CORE_NNZ", 0)  # no exact core: the bound is L(u)
    # five volume steps alone stay well below the LP: the bound is the duals'
    found = lagrangian_set_cover(reach, cost, rel_gap=0.0, time_limit_s=5.0, max_iterations=5)
    assert found.bound == math.ceil(lp - 1e-6)
    assert found.bound <= found.cost
