"""Set-cover reductions: forced columns, dominated rows and columns, to a fixed point.

A weighted set-cover instance (``reach``: row ``i`` can be covered by column ``j``;
``cost`` per column) shrinks without changing its optimum by the classic tests of
Caprara, Fischetti and Toth (1999, "A heuristic method for the set covering problem",
*Operations Research* 47(5), section 2) and Beasley (1987, 1990):

* a row that only one column covers forces that column into every cover: the column is
  fixed, its cost counted, and every row it covers dropped;
* a row whose columns include all those of another row is covered whenever the other is,
  so it is dropped (duplicates keep the lowest index);
* a column whose rows are a subset of another column's, no cheaper than it, can be
  replaced by that column in any cover, so it is dropped (equal sets at equal cost keep
  the lowest index); a column left covering no row is dropped too.

Each test can enable the others, so they repeat until nothing changes. Dominance is
checked through each row's (column's) rarest entry, as CFT do: a row ``k`` can only lie
inside rows that share its column with the fewest rows, so only those are compared, and
each comparison stops at the first entry of ``k`` the other lacks (binary search in the
sorted index lists), which keeps the pass close to linear in the non-zeros on sparse
city instances.

``optimum(original) = optimum(reduced) + forced_cost``, and any cover of the reduced
instance, mapped back by :meth:`Reduction.expand`, plus the forced columns, covers the
original.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numba as nb
import numpy as np
from scipy import sparse

from lifecircle.errors import InfeasibleError, ValidationError

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray


@dataclass(frozen=True, eq=False)
class Reduction:
    """A set-cover instance after reduction, with the maps back to the original.

    Attributes
    ----------
    reach
        ``(len(rows), len(cols))`` 0/1 pattern of the rows and columns kept.
    cost
        Cost of each kept column.
    rows
        Original index of each kept row.
    cols
        Original index of each kept column.
    forced
        Original indices of the columns every cover needs (fixed by the reduction).
    forced_cost
        Their total cost.
    shape
        The original ``(rows, columns)``.

    """

    reach: sparse.csr_array
    cost: NDArray[np.float64]
    rows: NDArray[np.int64]
    cols: NDArray[np.int64]
    forced: NDArray[np.int64]
    forced_cost: float
    shape: tuple[int, int]

    def expand(self, sites: ArrayLike) -> NDArray[np.int64]:
        """Original column indices of a reduced cover's ``sites``, forced columns added."""
        chosen = self.cols[np.asarray(sites, dtype=np.int64)]
        return np.unique(np.concatenate([chosen, self.forced])).astype(np.int64)


def reduce_cover(reach: sparse.sparray | sparse.spmatrix, cost: ArrayLike) -> Reduction:
    """Reduce a full weighted set-cover instance to a fixed point.

    Parameters
    ----------
    reach
        ``(m, n)`` sparse pattern (non-zero: row ``i`` is covered by column ``j``).
    cost
        Positive cost of each column, ``(n,)``.

    Returns
    -------
    Reduction
        The reduced instance and the maps back (see the module docstring).

    Raises
    ------
    ValidationError
        A cost vector of the wrong shape, or a cost not positive and finite.
    InfeasibleError
        A row no column covers (no cover exists).

    """
    a = sparse.csr_array(reach, dtype=np.int8)
    a.sum_duplicates()
    a.sort_indices()
    m, n = a.shape
    c = np.asarray(cost, dtype=np.float64).ravel()
    if c.shape != (n,):
        raise ValidationError(f"cost has shape {c.shape}, expected ({n},)", field="cost")
    if c.size and not (np.isfinite(c).all() and (c > 0).all()):
        raise ValidationError("every cost must be positive and finite", field="cost")
    empty = np.flatnonzero(np.diff(a.indptr) == 0)
    if empty.size:
        raise InfeasibleError(f"{empty.size} rows reach no column (first {empty[:5].tolist()})")
    csc = a.tocsc()
    csc.sort_indices()
    row_alive, col_alive, forced = _reduce(
        a.indptr.astype(np.int64),
        a.indices.astype(np.int64),
        csc.indptr.astype(np.int64),
        csc.indices.astype(np.int64),
        c,
    )
    rows = np.flatnonzero(row_alive).astype(np.int64)
    cols = np.flatnonzero(col_alive).astype(np.int64)
    fixed = np.flatnonzero(forced).astype(np.int64)
    sub = sparse.csr_array(a[rows][:, cols], dtype=np.float64)
    sub.sort_indices()
    return Reduction(sub, c[cols], rows, cols, fixed, float(c[fixed].sum()), (m, n))


# --------------------------------------------------------------------------- kernels


@nb.njit(cache=True, boundscheck=False)
def _contains(
    indices: NDArray[np.int64], lo: int, hi: int, value: int
) -> bool:  # pragma: no cover - compiled
    """Whether the sorted ``indices[lo:hi]`` holds ``value`` (binary search)."""
    while lo < hi:
        mid = (lo + hi) >> 1
        v = indices[mid]
        if v == value:
            return True
        if v < value:
            lo = mid + 1
        else:
            hi = mid
    return False


@nb.njit(cache=True, boundscheck=False)
def _reduce(
    rptr: NDArray[np.int64],
    rind: NDArray[np.int64],
    cptr: NDArray[np.int64],
    cind: NDArray[np.int64],
    cost: NDArray[np.float64],
) -> tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.bool_]]:  # pragma: no cover
    m = rptr.size - 1
    n = cptr.size - 1
    row_alive = np.ones(m, dtype=np.bool_)
    col_alive = np.ones(n, dtype=np.bool_)
    forced = np.zeros(n, dtype=np.bool_)
    deg_r = (rptr[1:] - rptr[:-1]).copy()  # alive columns per alive row
    deg_c = (cptr[1:] - cptr[:-1]).copy()  # alive rows per alive column
    for j in range(n):
        if deg_c[j] == 0:
            col_alive[j] = False
    changed = True
    while changed:
        changed = False
        # forced columns: a row only one alive column covers
        for i in range(m):
            if not row_alive[i] or deg_r[i] != 1:
                continue
            j = -1
            for p in range(rptr[i], rptr[i + 1]):
                if col_alive[rind[p]]:
                    j = rind[p]
                    break
            forced[j] = True
            col_alive[j] = False
            for p in range(cptr[j], cptr[j + 1]):
                r = cind[p]
                if row_alive[r]:
                    row_alive[r] = False
                    for q in range(rptr[r], rptr[r + 1]):
                        deg_c[rind[q]] -= 1
            for p in range(cptr[j], cptr[j + 1]):
                deg_r[cind[p]] -= 1
            changed = True
        for j in range(n):
            if col_alive[j] and deg_c[j] == 0:
                col_alive[j] = False
                for p in range(cptr[j], cptr[j + 1]):
                    deg_r[cind[p]] -= 1
        # dominated rows: row i holds every alive column of row k
        for k in range(m):
            if not row_alive[k]:
                continue
            rare, best = -1, 1 << 62
            for p in range(rptr[k], rptr[k + 1]):
                j = rind[p]
                if col_alive[j] and deg_c[j] < best:
                    rare, best = j, deg_c[j]
            for p in range(cptr[rare], cptr[rare + 1]):
                i = cind[p]
                if i == k or not row_alive[i] or deg_r[i] < deg_r[k]:
                    continue
                if deg_r[i] == deg_r[k] and i < k:
                    continue  # a duplicate keeps the lowest index
                inside = True
                for q in range(rptr[k], rptr[k + 1]):
                    j = rind[q]
                    if col_alive[j] and not _contains(rind, rptr[i], rptr[i + 1], j):
                        inside = False
                        break
                if inside:
                    row_alive[i] = False
                    for q in range(rptr[i], rptr[i + 1]):
                        deg_c[rind[q]] -= 1
                    changed = True
        # dominated columns: column j' no dearer holds every alive row of column j
        for j in range(n):
            if col_alive[j] and deg_c[j] == 0:
                col_alive[j] = False
                for p in range(cptr[j], cptr[j + 1]):
                    deg_r[cind[p]] -= 1
                changed = True
        for j in range(n):
            if not col_alive[j]:
                continue
            rare, best = -1, 1 << 62
            for p in range(cptr[j], cptr[j + 1]):
                i = cind[p]
                if row_alive[i] and deg_r[i] < best:
                    rare, best = i, deg_r[i]
            if best == 1:
                continue  # j alone covers that row: it will be forced
            for p in range(rptr[rare], rptr[rare + 1]):
                o = rind[p]
                if o == j or not col_alive[o] or cost[o] > cost[j] or deg_c[o] < deg_c[j]:
                    continue
                if deg_c[o] == deg_c[j] and cost[o] == cost[j] and o > j:
                    continue  # equal set and cost: the lowest index stays
                inside = True
                for q in range(cptr[j], cptr[j + 1]):
                    i = cind[q]
                    if row_alive[i] and not _contains(cind, cptr[o], cptr[o + 1], i):
                        inside = False
                        break
                if inside:
                    col_alive[j] = False
                    for q in range(cptr[j], cptr[j + 1]):
                        deg_r[cind[q]] -= 1
                    changed = True
                    break
    return row_alive, col_alive, forced
