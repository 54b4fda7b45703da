r"""Lagrangian relaxation of maximal covering: a proven upper bound and a good choice of ``k``.

Maximal covering (Church and ReVelle 1974), ``max Σ w_i x_i`` subject to
``x_i ≤ Σ_{j ∈ J_i} y_j``, ``Σ_j y_j ≤ k``, ``x, y ∈ {0, 1}``, is relaxed as Galvão and
ReVelle (1996, "A Lagrangean heuristic for the maximal covering location problem",
*European Journal of Operational Research* 88, 114–123) do: the coupling rows
``x_i ≤ Σ_j y_j`` move into the objective with multipliers :math:`0 \le u_i \le w_i`,

.. math::

    L(u) = \sum_i \max(0,\; w_i - u_i) + \text{the } k \text{ largest of }
    \max\Bigl(0,\; \sum_{i \in I_j} u_i\Bigr),

which is at least the optimum for every such :math:`u` (its maximum over ``x`` and ``y``
separates: each row alone, and the ``k`` columns of largest multiplier sums). ``L`` is
lowered by subgradient steps :math:`u \leftarrow \operatorname{clip}(u - \lambda
(L(u) - LB) / \lVert s \rVert^2 \, s, 0, w)` along :math:`s_i = \sum_{j \in J_i} y_j(u) -
x_i(u)`, with :math:`\lambda` halved when ``L`` stops falling (Beasley's control, as in
:mod:`lifecircle.core.plan.lagrangian`). Primal answers: the ``k`` columns the relaxation
opens, and the greedy's, each improved by swaps (close one site, open another, while the
residents reached grow); the best is kept. The bound reported is the smallest ``L(u)``,
also never above the greedy's own bound (:func:`~lifecircle.core.plan.greedy.greedy_max_cover`
style: value so far plus the ``k`` largest remaining gains).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numba as nb
import numpy as np
from scipy import sparse

from lifecircle.core.plan.cover_search import _pop, _push
from lifecircle.errors import ValidationError

if TYPE_CHECKING:
    from numpy.typing import NDArray

PRIMAL_EVERY = 20
"""Subgradient steps between two primal answers (a swap pass costs a few steps)."""

SWAP_PASSES = 5
"""Most swap passes per primal answer (a pass without a move ends it sooner)."""


@dataclass(frozen=True, eq=False)
class LagrangianMaxCover:
    """What :func:`lagrangian_max_cover` found.

    Attributes
    ----------
    sites
        The chosen columns (at most ``k``), sorted.
    value
        Weight they reach.
    bound
        Proven upper bound on the optimal weight reached (never below it).
    iterations
        Subgradient steps run.

    """

    sites: NDArray[np.int64]
    value: float
    bound: float
    iterations: int

    @property
    def gap(self) -> float:
        """``(bound - value) / bound``; 0 when proven optimal."""
        return 0.0 if self.bound <= 0 else max(0.0, (self.bound - self.value) / self.bound)


@nb.njit(cache=True, boundscheck=False)
def greedy_k(
    rptr: NDArray[np.int64],
    rind: NDArray[np.int64],
    cptr: NDArray[np.int64],
    cind: NDArray[np.int64],
    weight: NDArray[np.float64],
    k: int,
) -> tuple[NDArray[np.int64], float]:  # pragma: no cover - compiled
    """The greedy's ``k`` columns (largest new weight first, lazy heap) and its bound.

    A column's gain only falls as others open (coverage is submodular), so a popped
    column whose gain is still its key is the best one. The bound is the smallest, over
    the steps, of the weight reached so far plus the ``k`` largest keys in the heap
    (those keys are at least the true gains, so the sum still bounds the optimum: the
    optimum's ``k`` columns add at most their gains to what is reached so far).
    """
    m = rptr.size - 1
    n = cptr.size - 1
    covered = np.zeros(m, dtype=np.bool_)
    gain = np.zeros(n, dtype=np.float64)
    for j in range(n):
        for p in range(cptr[j], cptr[j + 1]):
            gain[j] += weight[cind[p]]
    key = np.empty(n, dtype=np.float64)
    val = np.empty(n, dtype=np.int64)
    size = 0
    for j in range(n):
        if gain[j] > 0.0:
            size = _push(key, val, size, -gain[j], j)
    chosen = np.empty(k, dtype=np.int64)
    done = 0
    value = 0.0
    top = -np.sort(key[:size])[:k]
    bound = top.sum()
    while done < k and size > 0:
        g, j = -key[0], val[0]
        size = _pop(key, val, size)
        if gain[j] < g * (1.0 - 1e-12) - 1e-12:
            if gain[j] > 0.0:
                size = _push(key, val, size, -gain[j], j)
            continue
        chosen[done] = j
        done += 1
        value += gain[j]
        for p in range(cptr[j], cptr[j + 1]):
            i = cind[p]
            if not covered[i]:
                covered[i] = True
                for q in range(rptr[i], rptr[i + 1]):
                    gain[rind[q]] -= weight[i]
        if done % 8 == 0 or done == k:  # the bound's sort costs O(heap); not every step
            bound = min(bound, value + (-np.sort(key[:size])[:k]).sum())
    # the heap's keys are at least the true gains, so an empty heap means nothing is left
    bound = min(bound, value + (-np.sort(key[:size])[:k]).sum())
    return chosen[:done], bound


@nb.njit(cache=True, boundscheck=False)
def _reached(
    cptr: NDArray[np.int64], cind: NDArray[np.int64], m: int, chosen: NDArray[np.int64]
) -> NDArray[np.int64]:  # pragma: no cover - compiled
    count = np.zeros(m, dtype=np.int64)
    for j in chosen:
        for p in range(cptr[j], cptr[j + 1]):
            count[cind[p]] += 1
    return count


@nb.njit(cache=True, boundscheck=False)
def swap_k(
    rptr: NDArray[np.int64],
    rind: NDArray[np.int64],
    cptr: NDArray[np.int64],
    cind: NDArray[np.int64],
    weight: NDArray[np.float64],
    chosen: NDArray[np.int64],
    max_passes: int,
) -> NDArray[np.int64]:  # pragma: no cover - compiled
    """Swap one chosen column for another while the weight reached grows.

    A row reached once is *owned* by its column, and ``loss[s]`` is the weight column
    ``s`` alone reaches. For a closed column ``j``: ``new`` is the weight of the rows it
    reaches that nobody does, ``tally[s]`` the weight of rows owned by ``s`` it also
    reaches; swapping ``s`` for ``j`` gains ``new - loss[s] + tally[s]``. The best
    ``s`` is taken for each ``j`` in turn (first improvement). ``O(nnz)`` per pass.
    """
    m = rptr.size - 1
    n = cptr.size - 1
    k = chosen.size
    is_open = np.zeros(n, dtype=np.bool_)
    for j in chosen:
        is_open[j] = True
    out = chosen.copy()
    slot = np.full(n, -1, dtype=np.int64)
    for t in range(k):
        slot[out[t]] = t
    count = _reached(cptr, cind, m, out)
    owner = np.full(m, -1, dtype=np.int64)
    loss = np.zeros(n, dtype=np.float64)
    for i in range(m):
        if count[i] == 1:
            for p in range(rptr[i], rptr[i + 1]):
                if is_open[rind[p]]:
                    owner[i] = rind[p]
                    loss[rind[p]] += weight[i]
                    break
    tally = np.zeros(n, dtype=np.float64)
    eps = 1e-9 * (1.0 + weight.sum())
    for _ in range(max_passes):
        moved = False
        for j in range(n):
            if is_open[j]:
                continue
            new = 0.0
            for p in range(cptr[j], cptr[j + 1]):
                i = cind[p]
                if count[i] == 0:
                    new += weight[i]
                elif count[i] == 1:
                    tally[owner[i]] += weight[i]
            best, drop = eps, -1
            for t in range(k):  # k is small (a plan's budget): a scan beats a heap
                s = out[t]
                net = new - loss[s] + tally[s]
                if net > best:
                    best, drop = net, s
            for p in range(cptr[j], cptr[j + 1]):
                i = cind[p]
                if count[i] == 1:
                    tally[owner[i]] = 0.0
            if drop < 0:
                continue
            moved = True
            # forget ownership of the rows the move touches, move, then re-own them
            for c in (j, drop):
                for p in range(cptr[c], cptr[c + 1]):
                    i = cind[p]
                    if count[i] == 1 and owner[i] >= 0:
                        loss[owner[i]] -= weight[i]
                        owner[i] = -1
            for p in range(cptr[j], cptr[j + 1]):
                count[cind[p]] += 1
            for p in range(cptr[drop], cptr[drop + 1]):
                count[cind[p]] -= 1
            is_open[j], is_open[drop] = True, False
            out[slot[drop]] = j
            slot[j], slot[drop] = slot[drop], -1
            loss[drop] = 0.0
            for c in (j, drop):
                for p in range(cptr[c], cptr[c + 1]):
                    i = cind[p]
                    if count[i] == 1 and owner[i] < 0:
                        for q in range(rptr[i], rptr[i + 1]):
                            if is_open[rind[q]]:
                                owner[i] = rind[q]
                                loss[rind[q]] += weight[i]
                                break
        if not moved:
            break
    return out


def lagrangian_max_cover(
    reach: sparse.sparray | sparse.spmatrix,
    weight: NDArray[np.float64],
    k: int,
    *,
    rel_gap: float = 0.01,
    time_limit_s: float = 60.0,
    max_iterations: int = 100_000,
) -> LagrangianMaxCover:
    """At most ``k`` columns reaching the most weight, and an upper bound (module docstring).

    Parameters
    ----------
    reach
        ``(m, n)`` sparse pattern: row ``i`` is reached by column ``j``.
    weight
        Positive weight (residents) per row, ``(m,)``.
    k
        Most columns to choose (positive).
    rel_gap
        Stop once ``(bound - value) / bound`` is at most this (default 1 %).
    time_limit_s
        Wall-clock limit, seconds, for all the work (the last step may end a little later).
    max_iterations
        Most subgradient steps.

    Returns
    -------
    LagrangianMaxCover

    Raises
    ------
    ValidationError
        A gap, time limit, ``k`` or weight vector out of range.

    """
    started = time.perf_counter()
    a = sparse.csr_array(reach, dtype=np.float64)
    a.sum_duplicates()
    a.data[:] = 1.0
    m, n = a.shape
    w = np.asarray(weight, dtype=np.float64).ravel()
    problems = []
    if not 0.0 <= rel_gap < 1.0:
        problems.append(f"rel_gap {rel_gap} is outside [0, 1)")
    if not 0.0 < time_limit_s < math.inf:
        problems.append(f"time_limit_s {time_limit_s} must be positive and finite")
    if k < 1:
        problems.append(f"k {k} must be positive")
    if w.shape != (m,) or (w.size and not (np.isfinite(w).all() and (w > 0).all())):
        problems.append(f"weight must be {m} positive finite values")
    if problems:
        raise ValidationError("Lagrangian maximal covering: " + "; ".join(problems))
    at = sparse.csr_array(a.T)
    idx = (
        a.indptr.astype(np.int64),
        a.indices.astype(np.int64),
        at.indptr.astype(np.int64),
        at.indices.astype(np.int64),
    )
    k = min(int(k), n)
    sites, greedy_bound = greedy_k(*idx, w, k)
    sites = swap_k(*idx, w, sites, SWAP_PASSES)
    best_sites, lb = sites, _value(idx, w, sites)
    whole = bool(np.all(w == np.round(w)))
    ub = min(float(greedy_bound), float(w.sum()))
    deadline = started + time_limit_s
    u = w.copy()  # L(w): the k largest column weights, the greedy's first bound
    lam, history, iterations = 1.0, [], 0
    while iterations < max_iterations and _rounded(ub, whole=whole) - lb > rel_gap * ub + 1e-9:
        if time.perf_counter() > deadline:
            break
        iterations += 1
        sums = at @ u
        top = np.argpartition(-sums, k - 1)[:k] if k < n else np.arange(n)
        top = top[sums[top] > 0.0]
        value = float(np.maximum(w - u, 0.0).sum() + sums[top].sum())
        ub = min(ub, value)
        history.append(value)
        if iterations % PRIMAL_EVERY == 1:
            candidate = swap_k(*idx, w, top.astype(np.int64), SWAP_PASSES)
            reached = _value(idx, w, candidate)
            if reached > lb:
                best_sites, lb = candidate, reached
        s = _reached(idx[2], idx[3], m, top).astype(np.float64) - (w > u)
        s[((u <= 0.0) & (s > 0.0)) | ((u >= w) & (s < 0.0))] = 0.0
        norm = float(np.multiply(s, s).sum())  # not BLAS: its threads stall under load
        if norm == 0.0:
            break
        u = np.clip(u - lam * max(value - lb, 1e-9 * value) / norm * s, 0.0, w)
        if len(history) == 20:
            spread = (max(history) - min(history)) / max(abs(min(history)), 1e-12)
            lam = lam / 2.0 if spread > 0.01 else (lam * 1.5 if spread < 0.001 else lam)
            history = []
            if lam < 1e-5:
                break
    sites = np.sort(best_sites).astype(np.int64)
    return LagrangianMaxCover(sites, lb, max(_rounded(ub, whole=whole), lb), iterations)


def _rounded(bound: float, *, whole: bool) -> float:
    """A bound on whole weights rounded down to a whole number (sums of floats: a hair)."""
    return float(math.floor(bound + 1e-6 * max(1.0, abs(bound)))) if whole else bound


def _value(
    idx: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]],
    w: NDArray[np.float64],
    sites: NDArray[np.int64],
) -> float:
    count = _reached(idx[2], idx[3], w.size, sites.astype(np.int64))
    return float(w[count > 0].sum())
