"""Equity of walking access: the Gini coefficient of walking time and F15.

Each resident's walking time here is the walk to the *farthest* of the basic categories'
nearest places, i.e. the minutes within which every basic need can be met (separately,
not as one tour). The network search stops at a limit, so a time is *known* only when
every basic category was reached within it; otherwise (``nan``) we only know that the
walk is longer than the search went (or that the home lies off the network).

F15 is the population-weighted share of *all* residents whose time is within 15 minutes
(or another limit): every basic category within reach. A resident whose time is
unknown because it lies beyond the search is known *not* to be within the limit, as long
as the search went at least as far as the limit (:func:`community_equity` checks it), so
F15 is known for every resident. (Taken over the residents with a known time only it
would be 100 % by construction whenever the search stops at the limit.)

The Gini coefficient is taken over the residents whose time is known, and only when they
are at least ``min_known_share`` (:data:`MIN_KNOWN_SHARE`, half) of the residents;
otherwise it is ``nan`` (not known). ``known_share``, the share of residents with a known
time, goes beside it: the coefficient describes how unequal the walks are among those
who reach every basic category within the search, not among everyone. Treating unknown
times as equal to a cap would make a city where nobody reaches a basic category look
perfectly equal (a Gini coefficient of 0).
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

MIN_KNOWN_SHARE = 0.5
"""A Gini coefficient of walking time needs a known time for at least half the residents."""


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
    limit_minutes, speed_kmh
        The F15 limit and the walking speed.
    min_known_share
        The least share of residents with a known time for a Gini coefficient.
    population
        Residents per community.
    known_share
        Share of residents whose walking time is known (every basic category reached
        within the search); ``nan`` for communities without residents.
    f15
        Share of all residents with every basic category within the limit; ``nan`` for
        communities without residents.
    gini
        Gini coefficient of walking time across the residents with a known time; ``nan``
        without residents or when ``known_share`` is below ``min_known_share``.
    known_share_all, f15_all, gini_all
        The same over all residents inside any community.

    """

    limit_minutes: float
    speed_kmh: float
    min_known_share: float
    population: NDArray[np.float64]
    known_share: NDArray[np.float64]
    f15: NDArray[np.float64]
    gini: NDArray[np.float64]
    known_share_all: float
    f15_all: float
    gini_all: float


def _known(
    x: NDArray[np.float64], w: NDArray[np.float64], min_known_share: float
) -> tuple[float, float]:
    """Share of the weight with a finite time, and the Gini coefficient over it (or nan)."""
    if not np.any(w > 0):
        return float("nan"), float("nan")
    known = np.isfinite(x)
    u = _unit(w)  # scale-free like gini and f15: tiny weights must not underflow
    share = float(u[known].sum() / u.sum())
    if share < min_known_share or not known.any():
        return share, float("nan")
    return share, gini(x[known], w[known])


def community_equity(
    *,
    metres: ArrayLike,
    weights: ArrayLike,
    zone: ArrayLike,
    n_zones: int,
    groups: Sequence[str],
    limit_minutes: float = DEFAULT_MINUTES,
    speed_kmh: float = WALK_SPEED_KMH,
    searched_m: float | None = None,
    min_known_share: float = MIN_KNOWN_SHARE,
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
    speed_kmh
        Walking speed.
    searched_m
        The limit, in metres, ``metres`` was searched with. When given, an F15 limit
        beyond it (at ``speed_kmh``) raises: a place not found might then lie within the
        limit, and F15 would not be known.
    min_known_share
        The least share (0..1) of a community's residents with a known time for its Gini
        coefficient (default :data:`MIN_KNOWN_SHARE`).

    Returns
    -------
    EquityResult

    """
    if not 0.0 < limit_minutes <= 240.0:
        raise ValidationError("the limit must lie in (0, 240] minutes")
    if not 0.0 <= min_known_share <= 1.0:
        raise ValidationError(f"min_known_share {min_known_share} is outside 0..1")
    if searched_m is not None:
        searched = minutes_from_metres(searched_m, speed_kmh=speed_kmh)
        if limit_minutes > searched * (1 + 1e-9):
            raise ValidationError(
                f"the F15 limit of {limit_minutes:g} min lies beyond the search "
                f"({searched:.4g} min at {speed_kmh:g} km/h): F15 would not be known"
            )
    x, w = _values_weights(
        basic_minutes(metres, basic=np.asarray(groups) == "basic", speed_kmh=speed_kmh), weights
    )
    z = np.asarray(zone, dtype=np.int64)
    if z.shape != x.shape or (z.size and (z.min() < -1 or z.max() >= n_zones)):
        raise ValidationError(f"zone must give an index in -1..{n_zones - 1} per point")
    inside = z >= 0
    order = np.argsort(z[inside], kind="stable")
    zs, xs, ws = z[inside][order], x[inside][order], w[inside][order]
    bounds = np.searchsorted(zs, np.arange(n_zones + 1))
    f = np.full(n_zones, np.nan)
    g = np.full(n_zones, np.nan)
    k_share = np.full(n_zones, np.nan)
    for k in range(n_zones):
        part = slice(bounds[k], bounds[k + 1])
        f[k] = f15(xs[part], ws[part], limit_minutes=limit_minutes)
        k_share[k], g[k] = _known(xs[part], ws[part], min_known_share)
    share_all, gini_all = _known(xs, ws, min_known_share)
    return EquityResult(
        limit_minutes=float(limit_minutes),
        speed_kmh=float(speed_kmh),
        min_known_share=float(min_known_share),
        population=np.bincount(zs, weights=ws, minlength=n_zones).astype(np.float64),
        known_share=k_share,
        f15=f,
        gini=g,
        known_share_all=share_all,
        f15_all=f15(xs, ws, limit_minutes=limit_minutes),
        gini_all=gini_all,
    )
