"""Set-cover reductions keep the optimum: reduced optimum plus forced cost equals the original."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from lifecircle.core.plan.reduce import reduce_cover
from lifecircle.errors import InfeasibleError, ValidationError


def optimum(reach: sparse.csr_array, cost: np.ndarray) -> float:
    """The exact set-cover optimum by HiGHS (0 for no rows)."""
    if reach.shape[0] == 0:
        return 0.0
    res = milp(
        cost,
        integrality=np.ones(cost.size),
        bounds=Bounds(0.0, 1.0),
        constraints=[LinearConstraint(reach, 1.0, np.inf)],
        options={"mip_rel_gap": 0.0},
    )
    assert res.status == 0
    return float(res.fun)


def random_instance(seed: int, *, unit: bool) -> tuple[sparse.csr_array, np.ndarray]:
    """A small random cover: every row reaches at least one column; duplicates likely."""
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(1, 25)), int(rng.integers(1, 18))
    dense = rng.random((m, n)) < rng.uniform(0.05, 0.5)
    dense[np.arange(m), rng.integers(0, n, size=m)] = True
    if m > 2:  # copy a row and a column now and then, so duplicates occur
        dense[rng.integers(0, m)] = dense[rng.integers(0, m)]
        dense[:, rng.integers(0, n)] |= dense[:, rng.integers(0, n)]
        dense[np.arange(m), rng.integers(0, n, size=m)] = True
    cost = np.ones(n) if unit else rng.integers(1, 6, size=n).astype(float)
    return sparse.csr_array(dense.astype(float)), cost


def covers(reach: sparse.csr_array, sites: np.ndarray) -> bool:
    x = np.zeros(reach.shape[1])
    x[sites] = 1.0
    return bool((reach @ x >= 1.0).all())


@settings(max_examples=120, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), unit=st.booleans())
def test_reduction_keeps_the_optimum(seed: int, unit: bool) -> None:
    reach, cost = random_instance(seed, unit=unit)
    red = reduce_cover(reach, cost)
    assert optimum(red.reach, red.cost) + red.forced_cost == pytest.approx(optimum(reach, cost))
    # an optimal cover of the reduced instance, mapped back, covers the original
    if red.reach.shape[0]:
        res = milp(
            red.cost,
            integrality=np.ones(red.cost.size),
            bounds=Bounds(0.0, 1.0),
            constraints=[LinearConstraint(red.reach, 1.0, np.inf)],
        )
        sites = np.flatnonzero(res.x > 0.5)
    else:
        sites = np.zeros(0, dtype=np.int64)
    full = red.expand(sites)
    assert covers(reach, full)
    assert cost[full].sum() == pytest.approx(optimum(reach, cost))


def test_forced_column_and_dominated_rows_and_columns() -> None:
    # row 0 only column 0 covers (forced, and covers row 1 too); row 3 holds row 2's
    # columns (dropped); column 3 covers a subset of column 2's rows at the same cost.
    dense = np.array(
        [
            [1, 0, 0, 0],
            [1, 1, 0, 0],
            [0, 1, 1, 0],
            [0, 1, 1, 1],
            [0, 0, 1, 1],
        ]
    )
    red = reduce_cover(sparse.csr_array(dense), np.ones(4))
    assert red.forced.tolist() == [0, 2]  # column 2 is forced once column 3 is dropped
    assert red.forced_cost == 2.0
    assert red.reach.shape == (0, 0)
    assert covers(sparse.csr_array(dense.astype(float)), red.expand([]))


def test_a_cheaper_subset_column_stays() -> None:
    # columns 0 and 2 each cover a subset of column 1's rows, but cost less: all stay
    dense = np.array([[1, 1, 0], [0, 1, 1]])
    red = reduce_cover(sparse.csr_array(dense), np.array([1.0, 3.0, 1.0]))
    assert red.forced.size == 0
    assert red.cols.tolist() == [0, 1, 2]
    assert red.rows.tolist() == [0, 1]
    # the same columns at equal cost: column 1 dominates both, then is forced
    red = reduce_cover(sparse.csr_array(dense), np.ones(3))
    assert red.forced.tolist() == [1]


def test_duplicates_keep_one() -> None:
    dense = np.array([[1, 1, 1], [1, 1, 1], [1, 1, 1]])
    red = reduce_cover(sparse.csr_array(dense), np.array([2.0, 2.0, 2.0]))
    assert red.forced.tolist() == [0]
    assert red.forced_cost == 2.0


def test_refusals() -> None:
    with pytest.raises(InfeasibleError, match="reach no column"):
        reduce_cover(sparse.csr_array(np.array([[1, 0], [0, 0]])), np.ones(2))
    with pytest.raises(ValidationError, match="positive") as info:
        reduce_cover(sparse.csr_array(np.eye(2)), np.array([1.0, 0.0]))
    assert info.value.field == "cost"
    with pytest.raises(ValidationError, match="shape"):
        reduce_cover(sparse.csr_array(np.eye(2)), np.ones(3))
