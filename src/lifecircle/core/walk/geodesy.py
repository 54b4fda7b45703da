"""Geodesic lengths on the WGS-84 ellipsoid and the local metric projection used for snapping."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from pyproj import CRS, Geod, Transformer

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

WGS84_GEOD = Geod(ellps="WGS84")


def geodesic_m(
    lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike
) -> NDArray[np.float64]:
    """Geodesic distance in metres between point pairs on the WGS-84 ellipsoid.

    Parameters
    ----------
    lon1, lat1, lon2, lat2
        Degrees, broadcastable arrays.

    Returns
    -------
    numpy.ndarray
        Metres (Karney's algorithm through pyproj.Geod).

    """
    a1, b1, a2, b2 = (np.asarray(v, dtype=np.float64) for v in (lon1, lat1, lon2, lat2))
    a1, b1, a2, b2 = np.broadcast_arrays(a1, b1, a2, b2)
    if a1.size == 0:
        return np.zeros(a1.shape, dtype=np.float64)
    _, _, dist = WGS84_GEOD.inv(a1.ravel(), b1.ravel(), a2.ravel(), b2.ravel())
    return np.asarray(dist, dtype=np.float64).reshape(a1.shape)


def utm_epsg(lon: float, lat: float) -> int:
    """EPSG code of the WGS-84 UTM zone containing a point (the city's metric projection)."""
    zone = min(max(math.floor((lon + 180.0) / 6.0) + 1, 1), 60)
    return (32600 if lat >= 0 else 32700) + zone


class LocalProjection:
    """Forward and inverse transform between lon/lat and a metric CRS (UTM by default).

    Snapping measures perpendicular distances in this plane, where a straight segment
    between two nodes stays straight; lengths themselves are always geodesic.
    """

    def __init__(self, epsg: int) -> None:
        self.epsg = epsg
        crs = CRS.from_epsg(epsg)
        self._fwd = Transformer.from_crs(CRS.from_epsg(4326), crs, always_xy=True)
        self._inv = Transformer.from_crs(crs, CRS.from_epsg(4326), always_xy=True)

    def forward(
        self, lon: ArrayLike, lat: ArrayLike
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Project degrees to metres."""
        x, y = self._fwd.transform(np.asarray(lon, np.float64), np.asarray(lat, np.float64))
        return np.asarray(x, np.float64), np.asarray(y, np.float64)

    def inverse(
        self, x: ArrayLike, y: ArrayLike
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Unproject metres to degrees."""
        lon, lat = self._inv.transform(np.asarray(x, np.float64), np.asarray(y, np.float64))
        return np.asarray(lon, np.float64), np.asarray(lat, np.float64)
