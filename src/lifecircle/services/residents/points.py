"""Points in the caller's coordinate system, walking profiles, and the moment asked about.

Mini-program maps (WeChat, Amap, Tencent) give and draw GCJ-02, Baidu BD-09; the
network and the stored places are WGS-84. A request's point is converted in with the
exact inverses of :mod:`lifecircle.io.coords` and every position is converted back out,
so a place returned in GCJ-02 lies where the caller's map puts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from lifecircle.core.assess.opening_hours import open_state
from lifecircle.core.walk.impedance import PROFILES, WalkProfile
from lifecircle.errors import ValidationError
from lifecircle.io.coords import CRS_CHOICES, to_wgs84, wgs84_to_bd09, wgs84_to_gcj02

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from numpy.typing import ArrayLike, NDArray

YEARS = (1900, 2200)
"""Years a moment for opening hours may lie in (weekly hours have no calendar)."""

RESIDENT_PROFILES = ("adult", "elderly")
"""Walking profiles a resident may choose (4.0 and 3.2 km/h)."""


def checked_crs(crs: str) -> str:
    """``crs`` lower-cased, if it is one of ``wgs84``, ``gcj02``, ``bd09``."""
    name = crs.strip().lower()
    if name not in CRS_CHOICES:
        raise ValidationError(f"crs: unknown {crs!r}; expected one of {', '.join(CRS_CHOICES)}")
    return name


def point_in(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """A point of the caller's CRS as WGS-84 degrees.

    Raises
    ------
    ValidationError
        If the CRS is unknown or the point is not a longitude/latitude pair.

    """
    if not (np.isfinite(lon) and np.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationError(f"lon, lat: {lon},{lat} is not a longitude and latitude in degrees")
    x, y = to_wgs84(np.array([lon]), np.array([lat]), checked_crs(crs))
    return float(x[0]), float(y[0])


def points_out(
    lon: ArrayLike, lat: ArrayLike, crs: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """WGS-84 degrees in the caller's CRS."""
    name = checked_crs(crs)
    x = np.asarray(lon, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    if name == "gcj02":
        return wgs84_to_gcj02(x, y)
    if name == "bd09":
        return wgs84_to_bd09(x, y)
    return x.copy(), y.copy()


def parse_lon_lat(text: str, *, field: str) -> tuple[float, float]:
    """``"lon,lat"`` as two floats.

    Raises
    ------
    ValidationError
        Naming ``field`` when the text is not two numbers separated by a comma.

    """
    problem = ValidationError(f"{field}: {text[:40]!r} is not 'lon,lat' in degrees")
    parts = text.split(",")
    if len(parts) != 2:
        raise problem
    try:
        lon, lat = float(parts[0]), float(parts[1])
    except ValueError:
        raise problem from None
    if not (np.isfinite(lon) and np.isfinite(lat)):
        raise problem
    return lon, lat


def walking_profile(name: str) -> WalkProfile:
    """The resident's walking profile: ``adult`` (4.0 km/h) or ``elderly`` (3.2 km/h)."""
    if name not in RESIDENT_PROFILES:
        raise ValidationError(
            f"profile: unknown {name!r}; expected one of {', '.join(RESIDENT_PROFILES)}"
        )
    return PROFILES[name]


def local_moment(at: datetime | None, zone: ZoneInfo) -> datetime:
    """The moment asked about in the city's time zone, to the minute (default: now).

    Raises
    ------
    ValidationError
        If ``at`` has no time zone (a wall-clock time of which place?) or lies outside
        the years :data:`YEARS`.

    """
    if at is None:
        at = datetime.now(UTC)
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValidationError(
            "at: give a time zone, e.g. 2026-12-01T18:30:00+08:00 (a time without one is ambiguous)"
        )
    try:
        local = at.astimezone(zone)
    except (OverflowError, ValueError):
        local = None
    if local is None or not YEARS[0] <= local.year <= YEARS[1]:
        raise ValidationError(f"at: {at.isoformat()} is not a time in {YEARS[0]}-{YEARS[1]}")
    return local.replace(second=0, microsecond=0)


@dataclass(frozen=True)
class Opening:
    """Opening state at a moment: open now, and when it next opens or closes (local time)."""

    open_now: bool | None
    next_opening: datetime | None
    closes_at: datetime | None


UNKNOWN = Opening(open_now=None, next_opening=None, closes_at=None)


def opening(spans: tuple[tuple[int, int], ...] | None, moment: datetime) -> Opening:
    """Whether a place open at these week spans is open at ``moment`` (local, to the minute).

    ``spans`` are :func:`~lifecircle.core.assess.opening_hours.week_spans` of the place's
    weekly hours; ``None`` (not recorded, or not a weekly pattern) gives :data:`UNKNOWN`.
    Times are wall-clock times of the moment's zone (a shop opening at 08:00 opens at
    08:00 local time, also across a daylight-saving change).
    """
    if spans is None:
        return UNKNOWN
    state = open_state((), moment.weekday(), moment.hour * 60 + moment.minute, spans=spans)
    return Opening(
        open_now=state.open_now,
        next_opening=None
        if state.opens_in_min is None
        else moment + timedelta(minutes=state.opens_in_min),
        closes_at=None
        if state.closes_in_min is None
        else moment + timedelta(minutes=state.closes_in_min),
    )
