"""Walking time and distance: minutes are the public unit, metres the internal one.

Defaults follow the Shenzhen plan and national standards: a 15-minute circle at
4.0 km/h is 1,000 m, the upper end of GB 50180-2018's 800-1,000 m for a 15-minute
residential circle; elderly walkers are modelled at 3.2 km/h; 4.8 km/h (1,200 m in
15 minutes) is the usual international figure used to compare with other tools.
"""

from __future__ import annotations

from dataclasses import dataclass

from lifecircle.errors import ValidationError

DEFAULT_MINUTES = 15.0
"""The quarter-hour circle."""

WALK_SPEED_KMH = 4.0
"""Adult walking speed: 15 minutes = 1,000 m (GB 50180-2018 upper bound)."""

ELDERLY_SPEED_KMH = 3.2
"""Elderly walking speed: 15 minutes = 800 m."""

INTERNATIONAL_SPEED_KMH = 4.8
"""Common international figure (1.33 m/s): 15 minutes = 1,200 m."""

MAX_SNAP_M = 300.0
"""Default largest distance from a point to its street before it is left out."""


@dataclass(frozen=True)
class WalkProfile:
    """A named walking speed."""

    name: str
    speed_kmh: float

    def metres(self, minutes: float) -> float:
        """Metres walked in ``minutes`` at this profile's speed."""
        return metres_from_minutes(minutes, speed_kmh=self.speed_kmh)


PROFILES = {
    "adult": WalkProfile("adult", WALK_SPEED_KMH),
    "elderly": WalkProfile("elderly", ELDERLY_SPEED_KMH),
    "international": WalkProfile("international", INTERNATIONAL_SPEED_KMH),
}


def _check_speed(speed_kmh: float) -> None:
    if not 0.5 <= speed_kmh <= 30.0:
        raise ValidationError(f"walking speed {speed_kmh} km/h is outside 0.5-30 km/h")


def metres_from_minutes(minutes: float, *, speed_kmh: float = WALK_SPEED_KMH) -> float:
    """Distance in metres covered in ``minutes`` at ``speed_kmh``.

    >>> metres_from_minutes(15, speed_kmh=4.0)
    1000.0
    >>> metres_from_minutes(15, speed_kmh=4.8)
    1200.0
    """
    _check_speed(speed_kmh)
    if not 0.0 <= minutes <= 240.0:
        raise ValidationError(f"time limit {minutes} minutes is outside 0-240 minutes")
    return round(minutes * speed_kmh * 1000.0 / 60.0, 9)


def minutes_from_metres(metres: float, *, speed_kmh: float = WALK_SPEED_KMH) -> float:
    """Minutes needed to walk ``metres`` at ``speed_kmh``.

    >>> minutes_from_metres(1000.0, speed_kmh=4.0)
    15.0
    """
    _check_speed(speed_kmh)
    return metres * 60.0 / (speed_kmh * 1000.0)
