"""Parameters of a gap-filling plan (:class:`PlanParams`) and the plan's vocabularies."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lifecircle.core.walk.impedance import DEFAULT_MINUTES, MAX_SNAP_M, WALK_SPEED_KMH
from lifecircle.core.walk.impedance import metres_from_minutes as _metres
from lifecircle.errors import ValidationError

if TYPE_CHECKING:
    from pathlib import Path


MODES = ("cover", "max")
"""Plan modes: set covering (fewest places) and maximal covering (best ``k`` places)."""

SOLVER_NAMES = {
    "milp": "highs",
    "greedy": "greedy",
    "lagrangian": "lagrangian",
    "none": "none",
}
"""The ``solver`` of the document for each :class:`~lifecircle.core.plan.LocateResult` method."""


def solver_name(method: str) -> str:
    """The document's ``solver`` for a method; a split's ``greedy+milp`` is ``highs+greedy``.

    >>> solver_name("lagrangian+milp")
    'highs+lagrangian'
    """
    names = dict.fromkeys(SOLVER_NAMES.get(part, part) for part in method.split("+"))
    return "+".join(sorted(names, key=lambda name: (name != "highs", name)))


def rounded_pop(value: float) -> float:
    """Residents as the plan documents show them (two decimals: spread population)."""
    return round(float(value), 2)


def rounded_share(part: float, whole: float) -> float | None:
    """``part / whole`` to four decimals, ``None`` when there is no whole."""
    return round(part / whole, 4) if whole > 0 else None


TOL = 1e-9
"""Relative slack on residents (sums of floats), as in ``core.plan``."""


@dataclass(frozen=True)
class PlanParams:
    """Parameters of a plan.

    Attributes
    ----------
    categories
        Category codes to plan for, each solved on its own (duplicates are dropped).
    community
        Code of the one community to plan for; ``None`` for every community.
    mode
        ``"cover"`` (fewest places) or ``"max"`` (the best ``k`` places).
    k
        Places to open per category in ``max`` mode (required there, refused in cover).
    share
        ``cover``: share (0..1] of the area's residents to reach, existing places
        counted; 1 means every resident any candidate can reach.
    capacity
        ``max``: residents one new place can serve; ``None`` for no limit.
    minutes, speed_kmh
        The walking limit, minutes at km/h.
    spacing_m
        Distance between network candidates along a street, metres.
    candidates
        A CSV of candidate sites (``id,lon,lat[,rent]``); ``None`` for network points.
    candidates_crs
        Coordinate system of that file: ``wgs84``, ``gcj02`` or ``bd09``.
    max_snap_m
        Homes, places and file candidates farther than this from every street are left
        out (and reported).
    time_limit_s
        Wall-clock limit of each category's solve, seconds, from the model's building
        on (for a city-wide cover: the reductions, the split and every part). A MILP
        that reaches it keeps the better of HiGHS's incumbent and the greedy answer; the
        Lagrangian method its best answer; both with the gap they prove.
    joint
        Plan the categories together (一点多用): units hosting allowed combinations;
        categories default to ``basic``, and only those with a gap take part.
    combinations
        ``joint``: a CSV of allowed combinations; ``None`` for the packaged table.
    units_per_site
        ``joint``: most units one candidate site may hold; ``None`` for no limit.

    """

    categories: tuple[str, ...]
    community: str | None = None
    mode: str = "cover"
    k: int | None = None
    share: float = 1.0
    capacity: float | None = None
    minutes: float = DEFAULT_MINUTES
    speed_kmh: float = WALK_SPEED_KMH
    spacing_m: float = 100.0
    candidates: Path | None = None
    candidates_crs: str = "wgs84"
    max_snap_m: float = MAX_SNAP_M
    time_limit_s: float | None = 60.0
    joint: bool = False
    combinations: Path | None = None
    units_per_site: int | None = None

    def __post_init__(self) -> None:
        categories = self.categories or (("basic",) if self.joint else ())
        object.__setattr__(self, "categories", tuple(dict.fromkeys(categories)))
        problems = []
        if self.joint and (self.mode != "cover" or self.share != 1.0):
            problems.append("joint plans close every gap: cover mode with share 1 only")
        if not self.joint and (self.combinations is not None or self.units_per_site is not None):
            problems.append("combinations and units_per_site apply to joint plans only")
        if self.units_per_site is not None and not 1 <= self.units_per_site <= 100:
            problems.append(f"units_per_site {self.units_per_site} is outside 1-100")
        if not self.categories:
            problems.append("at least one category is needed")
        if self.mode not in MODES:
            problems.append(f"mode {self.mode!r} is not one of {', '.join(MODES)}")
        if self.mode == "max":
            if self.k is None or isinstance(self.k, bool) or not int(self.k) == self.k >= 1:
                problems.append(f"max mode needs k, the places to open, at least 1 (got {self.k})")
            if self.share != 1.0:
                problems.append("share applies to cover mode only")
        elif self.mode == "cover":
            if self.k is not None:
                problems.append("k applies to max mode only (cover finds the fewest places)")
            if self.capacity is not None:
                problems.append("capacity applies to max mode only")
        if not 0.0 < self.share <= 1.0:
            problems.append(f"share {self.share} is outside (0, 1]")
        if self.capacity is not None and not 0.0 < self.capacity < math.inf:
            problems.append(f"capacity {self.capacity} must be positive")
        if not 0.0 < self.minutes <= 240.0:
            problems.append(f"minutes {self.minutes} is outside (0, 240]")
        if not 1.0 <= self.spacing_m <= 100_000.0:
            problems.append(f"spacing_m {self.spacing_m} is outside 1-100,000 m")
        if not 0.0 < self.max_snap_m < math.inf:
            problems.append(f"max_snap_m {self.max_snap_m} must be positive")
        if self.time_limit_s is not None and not 0.0 < self.time_limit_s < math.inf:
            problems.append(f"time_limit_s {self.time_limit_s} must be positive")
        if problems:
            raise ValidationError("plan: " + "; ".join(problems))
        self.limit_m  # noqa: B018 - checks the speed with impedance's own message

    @property
    def limit_m(self) -> float:
        """The walking limit, metres."""
        return _metres(self.minutes, speed_kmh=self.speed_kmh)

    def as_dict(self) -> dict[str, Any]:
        """The ``plan.parameters`` member of the document."""
        return {
            "mode": self.mode,
            "categories": list(self.categories),
            "community": self.community,
            "k": self.k,
            "share": self.share,
            "capacity": self.capacity,
            "minutes": self.minutes,
            "speed_kmh": self.speed_kmh,
            "limit_m": self.limit_m,
            "candidates": "network" if self.candidates is None else str(self.candidates),
            "candidates_crs": None if self.candidates is None else self.candidates_crs,
            "spacing_m": self.spacing_m if self.candidates is None else None,
            "max_snap_m": self.max_snap_m,
            "time_limit_s": self.time_limit_s,
        } | (
            {
                "joint": True,
                "combinations": "packaged" if self.combinations is None else str(self.combinations),
                "units_per_site": self.units_per_site,
            }
            if self.joint
            else {}
        )
