"""Conversion between WGS-84 and the Chinese GCJ-02 and BD-09 coordinate systems.

Chinese map providers publish coordinates in GCJ-02 ("Mars coordinates": AMap/Gaode,
Tencent) or BD-09 (Baidu), which lie 100-700 m from the WGS-84 positions of street
networks from OpenStreetMap. The forward conversions below are the widely published
open formula (Krasovsky ellipsoid constants, ``x_pi = pi * 3000 / 180`` for BD-09).
The formula has no closed-form inverse: the usual one-step snippet is off by up to 5 m
(median 0.7 m over the China box), so the exact inverses here refine it by fixed-point
iteration until the forward conversion of the result reproduces the input to ``tol_deg``.

All functions are vectorised over broadcastable arrays of decimal degrees, longitude
first, and leave points outside the rectangular "China" box unchanged, as the published
GCJ-02 formula does. Published BD-09 snippets skip that test; applying it to every
conversion here keeps the rule simple (outside China the three systems coincide) and
changes nothing inside the box, where all the published test vectors lie.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from lifecircle.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Callable

    from numpy.typing import ArrayLike, NDArray

    LonLat = tuple[NDArray[np.float64], NDArray[np.float64]]

CRS_CHOICES: tuple[str, ...] = ("wgs84", "gcj02", "bd09")
"""Coordinate systems accepted by :func:`to_wgs84` (lower case; matching ignores case)."""

KRASOVSKY_A_M = 6378245.0
"""Semi-major axis of the Krasovsky 1940 ellipsoid used by GCJ-02, metres."""

KRASOVSKY_EE = 0.00669342162296594323
"""First eccentricity squared of the Krasovsky ellipsoid, dimensionless."""

X_PI = np.pi * 3000.0 / 180.0
"""Angular frequency of the BD-09 perturbation, radians per degree."""

CHINA_BOX_DEG = (72.004, 0.8293, 137.8347, 55.8271)
"""(min lon, min lat, max lon, max lat) of the rectangle where the offsets apply, degrees."""

TOL_DEG = 1e-10
"""Default convergence tolerance of the exact inverses, degrees (about 0.01 mm)."""

MAX_ITER = 30
"""Default iteration cap of the exact inverses (2-4 iterations usually suffice)."""


def _arrays(lon: ArrayLike, lat: ArrayLike) -> LonLat:
    x, y = np.broadcast_arrays(np.asarray(lon, np.float64), np.asarray(lat, np.float64))
    return x.copy(), y.copy()


def out_of_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """Whether points lie outside the rectangle where GCJ-02 offsets are applied.

    Parameters
    ----------
    lon, lat
        Decimal degrees, broadcastable arrays.

    Returns
    -------
    numpy.ndarray
        Boolean per point; ``nan`` coordinates count as inside (and stay ``nan``).

    """
    x, y = _arrays(lon, lat)
    min_lon, min_lat, max_lon, max_lat = CHINA_BOX_DEG
    return np.asarray((x < min_lon) | (x > max_lon) | (y < min_lat) | (y > max_lat))


def _gcj02_offset(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> LonLat:
    """GCJ-02 minus WGS-84 at WGS-84 points inside China, degrees (zero outside)."""
    x = lon - 105.0
    y = lat - 35.0
    pi = np.pi
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    dlat += common
    dlat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlon += common
    dlon += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * pi
    magic = 1.0 - KRASOVSKY_EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((KRASOVSKY_A_M * (1.0 - KRASOVSKY_EE)) / (magic * sqrtmagic) * pi)
    dlon = (dlon * 180.0) / (KRASOVSKY_A_M / sqrtmagic * np.cos(radlat) * pi)
    outside = out_of_china(lon, lat)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> LonLat:
    """Convert WGS-84 to GCJ-02 with the published open formula.

    Parameters
    ----------
    lon, lat
        WGS-84 decimal degrees, broadcastable arrays.

    Returns
    -------
    tuple of numpy.ndarray
        GCJ-02 ``(lon, lat)`` in degrees; points outside China unchanged.

    """
    x, y = _arrays(lon, lat)
    dlon, dlat = _gcj02_offset(x, y)
    return x + dlon, y + dlat


def gcj02_to_wgs84_approx(lon: ArrayLike, lat: ArrayLike) -> LonLat:
    """Convert GCJ-02 to WGS-84 with the common one-step snippet (errors up to 5 m).

    This is the approximate inverse found in most open-source snippets: it subtracts the
    offset evaluated at the GCJ-02 point instead of at the unknown WGS-84 point, i.e.
    ``2 p - f(p)``. It is kept to reproduce published outputs of that method and to show
    its error; use :func:`gcj02_to_wgs84` for real data.

    Parameters
    ----------
    lon, lat
        GCJ-02 decimal degrees, broadcastable arrays.

    Returns
    -------
    tuple of numpy.ndarray
        Approximate WGS-84 ``(lon, lat)`` in degrees; points outside China unchanged.

    """
    x, y = _arrays(lon, lat)
    dlon, dlat = _gcj02_offset(x, y)
    return x - dlon, y - dlat


def _invert(
    forward: Callable[[ArrayLike, ArrayLike], LonLat],
    target: LonLat,
    start: LonLat,
    *,
    tol_deg: float,
    max_iter: int,
) -> LonLat:
    """Solve ``forward(p) == target`` by fixed-point iteration from ``start``.

    The offsets vary slowly (their Jacobian is within about 1e-3 of the identity), so
    ``p <- p - (forward(p) - target)`` contracts by about three orders of magnitude per
    step. Points whose error stays above ``tol_deg`` after ``max_iter`` steps (possible
    only on the edge of the China box, where the forward formula jumps) keep the last
    estimate.
    """
    if not tol_deg > 0.0:
        raise ValidationError(f"tol_deg must be positive, got {tol_deg!r}")
    if max_iter < 1:
        raise ValidationError(f"max_iter must be at least 1, got {max_iter!r}")
    lon, lat = start
    for _ in range(max_iter):
        flon, flat = forward(lon, lat)
        err_lon = flon - target[0]
        err_lat = flat - target[1]
        # nan compares False, so nan inputs count as converged and stay nan
        if not np.any((np.abs(err_lon) > tol_deg) | (np.abs(err_lat) > tol_deg)):
            break
        lon = lon - err_lon
        lat = lat - err_lat
    return lon, lat


def gcj02_to_wgs84(
    lon: ArrayLike, lat: ArrayLike, *, tol_deg: float = TOL_DEG, max_iter: int = MAX_ITER
) -> LonLat:
    """Convert GCJ-02 to WGS-84 exactly, by inverting :func:`wgs84_to_gcj02`.

    Starts from :func:`gcj02_to_wgs84_approx` and corrects by the forward error until
    ``wgs84_to_gcj02`` of the result matches the input within ``tol_deg``, so the result
    lies within millimetres of the true WGS-84 point rather than metres.

    Parameters
    ----------
    lon, lat
        GCJ-02 decimal degrees, broadcastable arrays.
    tol_deg
        Convergence tolerance on the forward error, degrees (1e-10 deg is about 0.01 mm).
    max_iter
        Maximum number of corrections.

    Returns
    -------
    tuple of numpy.ndarray
        WGS-84 ``(lon, lat)`` in degrees; points outside China unchanged.

    Raises
    ------
    lifecircle.errors.ValidationError
        If ``tol_deg`` is not positive or ``max_iter`` is below 1.

    """
    target = _arrays(lon, lat)
    start = gcj02_to_wgs84_approx(*target)
    return _invert(wgs84_to_gcj02, target, start, tol_deg=tol_deg, max_iter=max_iter)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> LonLat:
    """Convert GCJ-02 to BD-09 (Baidu) with the published formula.

    Parameters
    ----------
    lon, lat
        GCJ-02 decimal degrees, broadcastable arrays.

    Returns
    -------
    tuple of numpy.ndarray
        BD-09 ``(lon, lat)`` in degrees; points outside China unchanged.

    """
    x, y = _arrays(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * X_PI)
    outside = out_of_china(x, y)
    bd_lon = np.where(outside, x, z * np.cos(theta) + 0.0065)
    bd_lat = np.where(outside, y, z * np.sin(theta) + 0.006)
    return bd_lon, bd_lat


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> LonLat:
    """Convert BD-09 to GCJ-02 with the published one-step formula.

    The published inverse evaluates the perturbation at the shifted BD-09 point, so
    ``bd09_to_gcj02(gcj02_to_bd09(p))`` differs from ``p`` by up to about 0.25 m;
    :func:`bd09_to_wgs84` removes that error by iteration.

    Parameters
    ----------
    lon, lat
        BD-09 decimal degrees, broadcastable arrays.

    Returns
    -------
    tuple of numpy.ndarray
        GCJ-02 ``(lon, lat)`` in degrees; points outside China unchanged.

    """
    bd_lon, bd_lat = _arrays(lon, lat)
    x = bd_lon - 0.0065
    y = bd_lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * X_PI)
    outside = out_of_china(bd_lon, bd_lat)
    return np.where(outside, bd_lon, z * np.cos(theta)), np.where(
        outside, bd_lat, z * np.sin(theta)
    )


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> LonLat:
    """Convert WGS-84 to BD-09 through GCJ-02.

    Parameters
    ----------
    lon, lat
        WGS-84 decimal degrees, broadcastable arrays.

    Returns
    -------
    tuple of numpy.ndarray
        BD-09 ``(lon, lat)`` in degrees.

    """
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(
    lon: ArrayLike, lat: ArrayLike, *, tol_deg: float = TOL_DEG, max_iter: int = MAX_ITER
) -> LonLat:
    """Convert BD-09 to WGS-84 exactly, by inverting :func:`wgs84_to_bd09`.

    Starts from the published one-step chain (:func:`bd09_to_gcj02`, then
    :func:`gcj02_to_wgs84_approx`) and corrects by the forward error, as in
    :func:`gcj02_to_wgs84`.

    Parameters
    ----------
    lon, lat
        BD-09 decimal degrees, broadcastable arrays.
    tol_deg
        Convergence tolerance on the forward error, degrees.
    max_iter
        Maximum number of corrections.

    Returns
    -------
    tuple of numpy.ndarray
        WGS-84 ``(lon, lat)`` in degrees.

    Raises
    ------
    lifecircle.errors.ValidationError
        If ``tol_deg`` is not positive or ``max_iter`` is below 1.

    """
    target = _arrays(lon, lat)
    start = gcj02_to_wgs84_approx(*bd09_to_gcj02(*target))
    return _invert(wgs84_to_bd09, target, start, tol_deg=tol_deg, max_iter=max_iter)


def to_wgs84(lon: ArrayLike, lat: ArrayLike, crs: str) -> LonLat:
    """Convert coordinates from a named CRS to WGS-84 (exact inverses).

    Parameters
    ----------
    lon, lat
        Decimal degrees in ``crs``, broadcastable arrays.
    crs
        One of :data:`CRS_CHOICES` (``"wgs84"``, ``"gcj02"``, ``"bd09"``), any case.

    Returns
    -------
    tuple of numpy.ndarray
        WGS-84 ``(lon, lat)`` in degrees (new arrays, also for ``"wgs84"``).

    Raises
    ------
    lifecircle.errors.ValidationError
        If ``crs`` is not one of :data:`CRS_CHOICES`.

    """
    name = crs.strip().lower()
    if name == "wgs84":
        return _arrays(lon, lat)
    if name == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if name == "bd09":
        return bd09_to_wgs84(lon, lat)
    raise ValidationError(f"unknown CRS {crs!r}: expected one of {', '.join(CRS_CHOICES)}")
