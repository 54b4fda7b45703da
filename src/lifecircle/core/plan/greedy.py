"""Greedy set cover and maximal covering with the bound each run proves on the optimum.

These are the heuristics :func:`lifecircle.core.plan.greedy_solver` runs on instances too
large for the exact MILP. They work on the reduced 0/1 instance (a sparse ``reach``
pattern: row ``i`` reaches column ``j`` within the walking limit) and never see metres.

Each returns the chosen columns in selection order and a bound on the optimum, computed
from the run itself, so a caller can state how far from optimal the answer can be:

* set cover (minimise cost): a *lower* bound, the largest of dual fitting (the greedy
  prices scaled into a feasible LP dual; never weaker than the classic ``H(d)`` ≤
  ``ln d + 1`` guarantee), the fractional knapsack relaxation, and, for full cover, the
  cheapest site of the hardest-to-reach row;
* maximal covering (maximise weight): an *upper* bound, the smallest over the run of
  "weight covered so far plus the ``k`` largest remaining marginal gains", which is valid
  because coverage (with or without capacity) cannot gain more from ``k`` new sites than
  the sum of what each could add alone; without capacity also ``value / (1 - 1/e)``.

:func:`drop_redundant` then removes any site a cover can do without (reverse delete),
for greedy and time-limited MILP answers alike.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from lifecircle.errors import LifecircleError

if TYPE_CHECKING:
    from numpy.typing import NDArray
    from scipy.sparse import csr_array

_EPS = 1e-12
"""Relative slack on accumulated weights (sums of floats round a hair off)."""


def greedy_set_cover(
    reach: csr_array,
    weight: NDArray[np.float64],
    site_cost: NDArray[np.float64],
    target: float | None,
) -> tuple[NDArray[np.int64], float]:
    """Greedy (partial) weighted set cover.

    Parameters
    ----------
    reach
        ``(m, n)`` pattern (values 1.0): demand row ``i`` reaches candidate ``j``.
    weight
        Residents per demand row, all positive, shape ``(m,)``.
    site_cost
        Cost of opening each candidate, all positive, shape ``(n,)``.
    target
        ``None`` to cover every row (each row must reach some candidate); otherwise the
        weight to cover, which the caller has checked to be attainable.

    Returns
    -------
    sites, lower_bound
        Chosen candidates in selection order and a lower bound on the optimal cost.

    """
    m = reach.shape[0]
    cols = reach.T.tocsr()
    uncovered = np.ones(m, dtype=bool)
    full = target is None
    # Full cover counts rows (the classic set cover whose H(d) bound we report); partial
    # cover counts residents, each pick's gain capped at what is still missing.
    value = np.ones(m) if full else weight
    need = float(m) if target is None else float(target)
    gain = np.asarray(cols @ value, dtype=np.float64)
    initial_gain = gain.copy()
    price = np.zeros(m)
    chosen: list[int] = []
    done = 0.0
    while done < need - _EPS * max(need, 1.0) and gain.max(initial=0.0) > 0.0:
        effective = np.minimum(gain, need - done)
        j = int(np.argmax(effective / site_cost))
        rows = cols.indices[cols.indptr[j] : cols.indptr[j + 1]]
        rows = rows[uncovered[rows]]
        price[rows] = site_cost[j] / gain[j]
        uncovered[rows] = False
        done += float(value[rows].sum())
        gain -= _column_sums(reach, rows, value[rows])
        gain[gain < _EPS] = 0.0
        chosen.append(j)
    total = float(site_cost[chosen].sum())
    bound = _knapsack_bound(np.minimum(initial_gain, need), site_cost, need)
    if full and m > 0:
        # Dual fitting: prices scaled by the worst column ratio are feasible for the dual
        # of the LP relaxation, so their sum bounds the optimum from below.
        alpha = float((np.asarray(cols @ price) / site_cost).max())
        bound = max(bound, total / alpha if alpha > 0 else 0.0)
        cheapest = np.full(m, np.inf)
        row_of = np.repeat(np.arange(m), np.diff(reach.indptr))
        np.minimum.at(cheapest, row_of, site_cost[reach.indices])
        bound = max(bound, float(cheapest.max()))
    return np.asarray(chosen, dtype=np.int64), min(bound, total)


def greedy_max_cover(
    reach: csr_array,
    weight: NDArray[np.float64],
    k: int,
    capacity: NDArray[np.float64] | None,
) -> tuple[NDArray[np.int64], float, float]:
    """Greedy maximal covering with an optional capacity per site.

    Each step opens the candidate adding the most weight: without capacity, the residents
    it reaches not yet covered; with capacity, ``min(capacity, residual weight it
    reaches)``, served from its residents with the fewest other candidates first.

    Parameters
    ----------
    reach
        ``(m, n)`` pattern (values 1.0): demand row ``i`` reaches candidate ``j``.
    weight
        Residents per demand row, all positive, shape ``(m,)``.
    k
        Most sites to open.
    capacity
        Residents each candidate can serve, shape ``(n,)``, or ``None`` for no limit.

    Returns
    -------
    sites, served, upper_bound
        Chosen candidates in selection order, the residents they serve, and an upper
        bound on the optimal residents served.

    """
    cols = reach.T.tocsr()
    degree = np.diff(reach.indptr)
    residual = weight.astype(np.float64, copy=True)
    reached = np.asarray(cols @ residual, dtype=np.float64)
    served = 0.0
    chosen: list[int] = []
    is_open = np.zeros(reach.shape[1], dtype=bool)
    bound = math.inf
    for _ in range(k + 1):
        gain = reached if capacity is None else np.minimum(reached, capacity)
        top = np.sort(gain)[::-1][:k]
        bound = min(bound, served + float(top.sum()))
        if len(chosen) == k or top.size == 0 or top[0] <= _EPS * max(served, 1.0):
            break
        # An open site may still reach residual residents (capacity full), so never pick
        # it again; it stays in the bound above, where it is harmless.
        j = int(np.argmax(np.where(is_open, -1.0, gain)))
        if is_open[j] or gain[j] <= _EPS * max(served, 1.0):
            break
        is_open[j] = True
        rows = cols.indices[cols.indptr[j] : cols.indptr[j + 1]]
        rows = rows[residual[rows] > 0.0]
        if capacity is None:
            take = residual[rows]
        else:
            rows = rows[np.argsort(degree[rows], kind="stable")]
            before = np.concatenate(([0.0], np.cumsum(residual[rows])[:-1]))
            take = np.minimum(residual[rows], np.maximum(capacity[j] - before, 0.0))
        residual[rows] -= take
        residual[residual < _EPS * max(1.0, float(weight.max(initial=0.0)))] = 0.0
        reached -= _column_sums(reach, rows, take)
        reached[reached < 0.0] = 0.0
        served += float(take.sum())
        chosen.append(j)
    bound = min(bound, float(weight.sum()))  # nobody is served twice
    if capacity is None:
        bound = min(bound, served / (1.0 - 1.0 / math.e))
    return np.asarray(chosen, dtype=np.int64), served, max(bound, served)


def drop_redundant(
    reach: csr_array,
    weight: NDArray[np.float64],
    site_cost: NDArray[np.float64],
    target: float | None,
    sites: NDArray[np.int64],
) -> NDArray[np.int64]:
    """Drop sites, dearest first, while the cover still holds (reverse delete).

    A proven optimum has nothing to drop; greedy and time-limited answers often do.

    Parameters
    ----------
    reach, weight, site_cost, target
        As in :func:`greedy_set_cover`.
    sites
        A cover: candidate indices reaching every row, or ``target`` residents.

    Returns
    -------
    NDArray[np.int64]
        The sites kept, in the given order.

    Raises
    ------
    LifecircleError
        When ``sites`` is not a cover (a solver's answer is checked here).

    """
    cols = reach.T.tocsr()
    chosen = np.zeros(reach.shape[1])
    chosen[sites] = 1.0
    count = np.rint(np.asarray(reach @ chosen)).astype(np.int64)
    covered = float(weight[count > 0].sum())
    slack = 1e-9 * max(float(weight.sum()), 1.0)  # solver tolerances, as locate._TOL
    if (count == 0).any() if target is None else covered < target - slack:
        raise LifecircleError("solver returned sites that do not cover the demand")
    keep = np.ones(sites.size, dtype=bool)
    for pos in np.lexsort((-sites, -site_cost[sites])):
        rows = cols.indices[cols.indptr[sites[pos]] : cols.indptr[sites[pos] + 1]]
        alone = float(weight[rows[count[rows] == 1]].sum())
        if alone == 0.0 if target is None else covered - alone >= target - slack:
            keep[pos] = False
            count[rows] -= 1
            covered -= alone
    return sites[keep]


def _column_sums(
    reach: csr_array, rows: NDArray[np.int64], amount: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Per column, the sum of ``amount`` (aligned with ``rows``) over the rows reaching it."""
    # Slicing the rows first keeps each step proportional to the rows it touches.
    return np.asarray(reach[rows].T @ amount, dtype=np.float64)


def _knapsack_bound(gain: NDArray[np.float64], cost: NDArray[np.float64], need: float) -> float:
    """Cheapest fractional choice of sites whose gains sum to ``need``: a relaxation.

    Any cover's sites have gains summing to at least what they cover together, so the
    fractional knapsack filled by best gain-per-cost first never costs more than it.
    """
    if need <= 0.0:
        return 0.0
    useful = gain > 0.0
    g, c = gain[useful], cost[useful]
    order = np.argsort(-g / c, kind="stable")
    g, c = g[order], c[order]
    before = np.concatenate(([0.0], np.cumsum(g)))
    last = int(np.searchsorted(before[1:], need * (1.0 - _EPS)))
    if last >= g.size:
        return float(c.sum())
    return float(c[:last].sum() + c[last] * (need - before[last]) / g[last])
