"""Reach pairs: the (demand point, candidate) pairs within the walking limit, checked.

:class:`ReachPairs` is what the covering models take, built from a dense cost matrix or
from the pairs a bounded network search finds; the ``checked_*`` functions validate the
models' other inputs, gathering every problem before one error is raised.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

# --------------------------------------------------------------------------- pairs


@dataclass(frozen=True, eq=False)
class ReachPairs:
    """The (demand point, candidate) pairs within the walking limit, in row-major order.

    Attributes
    ----------
    row, col, metres
        Point index, candidate index and walking metres of each pair.
    n_demand, n_candidates
        Shape of the cost matrix.
    limit_m
        The limit, metres.

    """

    row: NDArray[np.int64]
    col: NDArray[np.int64]
    metres: NDArray[np.float64]
    n_demand: int
    n_candidates: int
    limit_m: float

    @classmethod
    def from_cost_matrix(cls, cost: NDArray[np.float64], limit_m: float) -> ReachPairs:
        """Pairs with ``cost <= limit_m`` (``inf`` never qualifies)."""
        row, col = np.nonzero(cost <= limit_m)
        m, n = cost.shape
        return cls(row.astype(np.int64), col.astype(np.int64), cost[row, col], m, n, limit_m)

    @classmethod
    def from_pairs(
        cls,
        n_demand: int,
        n_candidates: int,
        row: NDArray[np.int64],
        col: NDArray[np.int64],
        metres: NDArray[np.float64],
        limit_m: float,
    ) -> ReachPairs:
        """Pairs from lists the caller has checked (indices in range, metres finite).

        Pairs beyond ``limit_m`` are dropped, the rest put in row-major order, and a
        pair listed twice keeps its shortest metres.
        """
        keep = metres <= limit_m
        row, col, metres = row[keep], col[keep], metres[keep]
        order = np.lexsort((metres, col, row))
        row, col, metres = row[order], col[order], metres[order]
        first = np.ones(row.size, dtype=bool)
        first[1:] = (row[1:] != row[:-1]) | (col[1:] != col[:-1])
        return cls(row[first], col[first], metres[first], n_demand, n_candidates, float(limit_m))

    def reaches_any(self) -> NDArray[np.bool_]:
        """Per demand point, whether some candidate lies within the limit."""
        return np.bincount(self.row, minlength=self.n_demand) > 0

    def pattern(self, rows: NDArray[np.int64]) -> sparse.csr_array:
        """0/1 matrix of the given (ascending) demand points against every candidate."""
        new = np.full(self.n_demand, -1)
        new[rows] = np.arange(rows.size)
        keep = new[self.row] >= 0
        indptr = np.concatenate(
            [[0], np.cumsum(np.bincount(new[self.row[keep]], minlength=rows.size))]
        )
        shape = (rows.size, self.n_candidates)
        return sparse.csr_array((np.ones(int(keep.sum())), self.col[keep], indptr), shape=shape)


# --------------------------------------------------------------------------- inputs


def pairs_from_matrix(cost: ArrayLike, limit_m: float, problems: list[str]) -> ReachPairs:
    """The pairs of a dense ``(n_demand, n_candidates)`` matrix, its problems appended.

    NaN and negative metres are problems; ``inf`` marks an unreachable pair.
    """
    limit = checked_limit(limit_m, problems)
    try:
        c = np.asarray(cost, dtype=np.float64)
    except (TypeError, ValueError):
        problems.append("cost matrix is not numeric")
        c = np.zeros((0, 0))
    if c.ndim != 2:
        problems.append(f"cost matrix must be 2-D (n_demand, n_candidates), got shape {c.shape}")
        c = np.zeros((0, 0))
    for name, bad, hint in (
        ("NaN", np.isnan(c), "; mark unreachable pairs with inf"),
        ("negative", c < 0, ""),
    ):
        if bad.any():
            i, j = np.argwhere(bad)[0]
            problems.append(
                f"cost matrix has {int(bad.sum())} {name} values, first at [{i}, {j}]{hint}"
            )
    return ReachPairs.from_cost_matrix(c, limit)


def pairs_from_lists(
    n_demand: int,
    n_candidates: int,
    rows: ArrayLike,
    cols: ArrayLike,
    metres: ArrayLike,
    limit_m: float,
    problems: list[str],
) -> ReachPairs:
    """The pairs of three aligned lists (point, candidate, metres), problems appended.

    NaN, infinite and negative metres are problems (an unreachable pair is left out),
    as are indices outside ``0..n-1`` and lists of unequal length.
    """
    limit = checked_limit(limit_m, problems)
    sizes = []
    for name, n in (("n_demand", n_demand), ("n_candidates", n_candidates)):
        ok = isinstance(n, int | np.integer) and not isinstance(n, bool) and n >= 0
        if not ok:
            problems.append(f"{name} {n!r} must be a non-negative integer")
        sizes.append(int(n) if ok else 0)
    try:
        r = np.asarray(rows, dtype=np.float64).ravel()
        c = np.asarray(cols, dtype=np.float64).ravel()
        d = np.asarray(metres, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        problems.append("rows, cols and metres must be numeric")
        r = c = d = np.zeros(0)
    if not r.size == c.size == d.size:
        problems.append(f"rows, cols and metres differ in length: {r.size}, {c.size}, {d.size}")
        r = c = d = np.zeros(0)
    for name, idx, n in (("rows", r, sizes[0]), ("cols", c, sizes[1])):
        bad = ~((idx >= 0) & (idx < n) & (idx == np.round(idx)))
        if bad.any():
            first = int(np.argmax(bad))
            problems.append(
                f"{name} must be integers in 0..{n - 1}: {int(bad.sum())} are not, "
                f"first {float(idx[first]):g} at {first}"
            )
    for name, bad, hint in (
        ("NaN", np.isnan(d), ""),
        ("infinite", np.isinf(d), "; leave unreachable pairs out"),
        ("negative", d < 0, ""),
    ):
        if bad.any():
            problems.append(
                f"metres has {int(bad.sum())} {name} values, first at {int(np.argmax(bad))}{hint}"
            )
    if problems:
        r = c = d = np.zeros(0)
    return ReachPairs.from_pairs(
        sizes[0], sizes[1], r.astype(np.int64), c.astype(np.int64), d, limit
    )


def checked_vector(
    name: str,
    values: ArrayLike | None,
    n: int,
    default: float,
    problems: list[str],
    *,
    positive: bool = False,
) -> NDArray[np.float64]:
    """``values`` as a float vector of length ``n`` (``default`` when ``None``), checked."""
    if values is None:
        return np.full(n, default)
    try:
        v = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        problems.append(f"{name} is not numeric")
        return np.full(n, default)
    if v.ndim == 0:
        v = np.full(n, float(v))
    if v.shape != (n,):
        problems.append(f"{name} has shape {v.shape}, expected ({n},)")
        return np.full(n, default)
    bad = ~np.isfinite(v) | ((v <= 0) if positive else (v < 0))
    if bad.any():
        kind = "positive" if positive else "non-negative"
        first = int(np.argmax(bad))
        problems.append(
            f"{name} must be finite and {kind}: {int(bad.sum())} are not, first at {first}"
        )
    return v


def checked_mask(values: ArrayLike | None, n: int, problems: list[str]) -> NDArray[np.bool_]:
    """``values`` as a boolean mask of length ``n`` (all false when ``None``), checked."""
    if values is None:
        return np.zeros(n, dtype=bool)
    v = np.asarray(values)
    if v.shape != (n,):
        problems.append(f"already_covered has shape {v.shape}, expected ({n},)")
        return np.zeros(n, dtype=bool)
    if v.dtype != np.bool_ and not np.isin(v, (0, 1)).all():
        problems.append("already_covered must be booleans (or 0/1)")
        return np.zeros(n, dtype=bool)
    return v.astype(bool)


def checked_limit(limit_m: float, problems: list[str]) -> float:
    """The walking limit in metres, checked to be finite and non-negative."""
    if not (isinstance(limit_m, int | float | np.number) and 0.0 <= float(limit_m) < math.inf):
        problems.append(f"limit_m {limit_m!r} must be finite and non-negative")
        return 0.0
    return float(limit_m)
