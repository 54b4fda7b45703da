"""Set covering split into independent parts equals the whole instance solved at once."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from lifecircle.core.plan import LSCP, milp_solver
from lifecircle.core.plan.solvers import SetCoverInstance
from lifecircle.core.plan.split import SplitSolver, components


def blocks(seed: int, n_blocks: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """A cost matrix of separate neighbourhoods (metres), and residents per point."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(3, 9, size=(n_blocks, 2))
    m, n = sizes.sum(axis=0)
    cost = np.full((m, n), 5_000.0)
    r = c = 0
    for rows, cols in sizes:
        cost[r : r + rows, c : c + cols] = rng.uniform(0, 1_600, size=(rows, cols))
        # every point reaches at least one candidate of its neighbourhood
        pick = c + rng.integers(0, cols, size=rows)
        cost[np.arange(r, r + rows), pick] = rng.uniform(0, 1_000, size=rows)
        r, c = r + rows, c + cols
    return cost, rng.integers(1, 50, size=m).astype(float)


def test_components_of_a_block_matrix() -> None:
    reach = sparse.csr_array(np.array([[1, 1, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1]]))
    rows, cols, count = components(reach)
    assert rows[0] == rows[1] == cols[0] == cols[1]
    assert rows[2] == cols[3] != rows[0]
    assert count == 3  # candidate 2 reaches nobody: a part of its own


@pytest.mark.parametrize("seed", range(8))
def test_split_cover_equals_the_whole_milp(seed: int) -> None:
    cost, weight = blocks(seed)
    model = LSCP.from_cost_matrix(cost, limit_m=1_000.0, weights=weight)
    whole = model.solve(milp_solver())
    split = model.solve(SplitSolver())
    assert split.objective == whole.objective
    assert split.optimal
    assert split.covered_weight == pytest.approx(whole.covered_weight)


# PuLP 3.3 deprecates what spopt calls; the warnings are PuLP's to fix, not ours
@pytest.mark.filterwarnings("ignore:Constructing LpVariable:DeprecationWarning")
@pytest.mark.filterwarnings("ignore:PULP_CBC_CMD is deprecated:DeprecationWarning")
def test_split_matches_spopt() -> None:
    spopt = pytest.importorskip("spopt.locate")
    pulp = pytest.importorskip("pulp")
    cost, _ = blocks(3)
    ours = LSCP.from_cost_matrix(cost, limit_m=1_000.0).solve(SplitSolver())
    theirs = spopt.LSCP.from_cost_matrix(cost, service_radius=1_000.0)
    theirs = theirs.solve(pulp.PULP_CBC_CMD(msg=False))
    assert ours.optimal
    assert ours.objective == pulp.value(theirs.problem.objective)


def test_partial_cover_is_not_split() -> None:
    cost, weight = blocks(1)
    reach = sparse.csr_array((cost <= 1_000.0).astype(np.int8))
    keep = np.flatnonzero(np.asarray(reach.sum(axis=1)).ravel() > 0)
    instance = SetCoverInstance(
        sparse.csr_array(reach[keep]), weight[keep], np.ones(cost.shape[1]), 0.5 * weight.sum()
    )
    split = SplitSolver().set_cover(instance)
    whole = milp_solver().set_cover(instance)
    assert split.sites.size == whole.sites.size
