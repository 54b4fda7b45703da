"""Equity of walking access: the Gini coefficient of walking time and F15.

Each resident's walking time here is the walk to the *farthest* of the basic categories'
nearest places, i.e. the minutes within which every basic need can be met (separately,
not as one tour). F15 is the population-weighted share of residents for whom that time
is within 15 minutes (or another limit): every basic category within reach.

Unreached categories (``nan`` metres) count as beyond the limit. A walking time that is
not known (``nan``) or exceeds ``cap_minutes`` enters the Gini coefficient at the cap,
by default the F15 limit: beyond the search limit we only know that the walk is longer,
so everything beyond is treated alike. The Gini coefficient is then one of censored
times, a lower bound of the spread of the true times when many residents are capped;
pass a larger cap (at most the search limit) for more resolution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lifecircle.core.walk.impedance import DEFAULT_MINUTES, WALK_SPEED_KMH, minutes_from_metres
from lifecircle.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import ArrayLike, NDArray


def _values_weights(
    values: ArrayLike, weights: ArrayLike | None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    x = np.asarray(values, dtype=np.float64).ravel()
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    if w.shape != x.shape:
        raise ValidationError("values and weights must have the same length")
    if np.any(~np.isfinite(w)) or np.any(w < 0):
        raise ValidationError("weights must be finite and non-negative")
    return x, w


def _unit(a: NDArray[np.float64]) -> NDArray[np.float64]:
    """``a`` scaled by a power of two (exactly) so that its largest value lies in [0.5, 1)."""
    return np.asarray(np.ldexp(a, -np.frexp(a.max())[1]), dtype=np.float64)


def gini(values: ArrayLike, weights: ArrayLike | None = None) -> float:
    """The (population-weighted) Gini coefficient of non-negative values.

    ``G = sum_i sum_j w_i w_j |x_i - x_j| / (2 W^2 mu)``, with ``W`` the total weight and
    ``mu`` the weighted mean: 0 when all are equal, ``1 - w_k / W`` when one resident
    ``k`` holds all, so below 1 (in floating point it rounds to 1 when ``w_k / W`` is
    below 1e-16). Integer weights act as repeated values. Without
    weight the result is ``nan``; when every value is 0 it is 0 (all equal).

    >>> gini([3.0, 3.0, 3.0])
    0.0
    >>> gini([0.0, 0.0, 0.0, 1.0])
    0.75
    >>> gini([0.0, 1.0], [3, 1])
    0.75

    Raises
    ------
    ValidationError
        On negative or non-finite values (cap them first) or weights.

    """
    x, w = _values_weights(values, weights)
    if np.any(~np.isfinite(x)) or np.any(x < 0):
        raise ValidationError("Gini needs finite, non-negative values")
    if not np.any(w > 0):
        return float("nan")
    # the coefficient is scale-free: scaling by powers of two (exact) keeps tiny weights and
    # times from underflowing; weights below 1e-308 of the largest count as none
    w = _unit(w)
    x, w = x[w > 0], w[w > 0]
    if x.max() <= 0:
        return 0.0
    x = _unit(x)
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    total, mass = float(w.sum()), float(np.dot(w, x))
    below = np.cumsum(w) - w  # weight of the values sorted before each one
    # sum over pairs j<i of w_i w_j (x_i - x_j), computed once per value; ties add 0
    pairs = float(np.dot(w * x, 2.0 * below + w - total))
    return float(np.clip(pairs / (total * mass), 0.0, 1.0))


def basic_minutes(
    metres: ArrayLike, *, basic: ArrayLike, speed_kmh: float = WALK_SPEED_KMH
) -> NDArray[np.float64]:
    """Minutes to the farthest basic category's nearest place, per resident point.

    Parameters
    ----------
    metres
        ``(n_points, n_categories)`` walking metres to the nearest place per category,
        ``nan`` when not reached.
    basic
        Boolean mask of the basic columns.
    speed_kmh
        Walking speed.

    Returns
    -------
    numpy.ndarray
        Minutes per point; ``nan`` when a basic category is not reached (or there is no
        basic category).

    """
    m = np.asarray(metres, dtype=np.float64)
    mask = np.asarray(basic, dtype=bool)
    if m.ndim != 2 or mask.shape != (m.shape[1],):
        raise ValidationError("metres must be (n_points, n_categories), basic one per column")
    if not mask.any():
        return np.full(m.shape[0], np.nan)
    worst = np.max(m[:, mask], axis=1)  # nan propagates: one unreached basic category
    return np.asarray(worst * minutes_from_metres(1.0, speed_kmh=speed_kmh), dtype=np.float64)


def f15(
    minutes: ArrayLike, weights: ArrayLike | None = None, *, limit_minutes: float = DEFAULT_MINUTES
) -> float:
    """Weighted share of residents whose walking time is within the limit.

    Given :func:`basic_minutes`, this is F15: the share of residents with every basic
    category within ``limit_minutes`` (15). ``nan`` times count as beyond the limit.
    Without weight the result is ``nan``.

    >>> f15([5.0, 14.0, 16.0, float("nan")], [1, 1, 1, 1])
    0.5
    """
    x, w = _values_weights(minutes, weights)
    if not np.any(w > 0):
        return float("nan")
    w = _unit(w)  # scale-free: keeps tiny weights from underflowing
    return float(w[x <= limit_minutes].sum() / w.sum())


@dataclass(frozen=True)
class EquityResult:
    """F15 and the Gini coefficient of walking time, per community and city-wide.

    Attributes
    ----------
    limit_minutes, cap_minutes, speed_kmh
        The F15 limit, the cap of walking times in the Gini coefficient, the speed.
    population
        Residents per community.
    f15
        Share of residents with every basic category within the limit; ``nan`` for
        communities without residents.
    gini
        Gini coefficient of capped walking time across residents; ``nan`` without
        residents.
    f15_all, gini_all
        The same over all residents inside any community.

    """

    limit_minutes: float
    cap_minutes: float
    speed_kmh: float
    population: NDArray[np.float64]
    f15: NDArray[np.float64]
    gini: NDArray[np.float64]
    f15_all: float
    gini_all: float


def community_equity(
    *,
    metres: ArrayLike,
    weights: ArrayLike,
    zone: ArrayLike,
    n_zones: int,
    groups: Sequence[str],
    limit_minutes: float = DEFAULT_MINUTES,
    cap_minutes: float | None = None,
    speed_kmh: float = WALK_SPEED_KMH,
) -> EquityResult:
    """F15 and the Gini coefficient of walking time of every community.

    Parameters
    ----------
    metres
        ``(n_points, n_categories)`` walking metres to the nearest place, ``nan`` when
        not reached.
    weights
        Residents per point.
    zone
        Community index per point, ``-1`` outside all (left out).
    n_zones
        Number of communities.
    groups
        Group per column; the ``"basic"`` columns make up the walking time.
    limit_minutes
        The F15 limit, minutes.
    cap_minutes
        Walking times above this (and unknown ones) enter the Gini coefficient at it;
        default ``limit_minutes``.
    speed_kmh
        Walking speed.

    Returns
    -------
    EquityResult

    """
    cap = limit_minutes if cap_minutes is None else cap_minutes
    if not (0.0 < limit_minutes <= 240.0 and 0.0 < cap <= 240.0):
        raise ValidationError("limit and cap must lie in (0, 240] minutes")
    x, w = _values_weights(
        basic_minutes(metres, basic=np.asarray(groups) == "basic", speed_kmh=speed_kmh), weights
    )
    z = np.asarray(zone, dtype=np.int64)
    if z.shape != x.shape or (z.size and (z.min() < -1 or z.max() >= n_zones)):
        raise ValidationError(f"zone must give an index in -1..{n_zones - 1} per point")
    capped = np.fmin(np.nan_to_num(x, nan=cap), cap)
    inside = z >= 0
    order = np.argsort(z[inside], kind="stable")
    zs, xs, ws, cs = z[inside][order], x[inside][order], w[inside][order], capped[inside][order]
    bounds = np.searchsorted(zs, np.arange(n_zones + 1))
    f = np.full(n_zones, np.nan)
    g = np.full(n_zones, np.nan)
    for k in range(n_zones):
        part = slice(bounds[k], bounds[k + 1])
        f[k] = f15(xs[part], ws[part], limit_minutes=limit_minutes)
        g[k] = gini(cs[part], ws[part])
    return EquityResult(
        limit_minutes=float(limit_minutes),
        cap_minutes=float(cap),
        speed_kmh=float(speed_kmh),
        population=np.bincount(zs, weights=ws, minlength=n_zones).astype(np.float64),
        f15=f,
        gini=g,
        f15_all=f15(xs, ws, limit_minutes=limit_minutes),
        gini_all=gini(cs, ws),
    )
