"""Coverage by time of day: moments of the week, who is open then, nearest open place per moment.

A *moment* is a weekday and a minute (city time). A place is open at a moment when one
of its weekly intervals (:mod:`lifecircle.core.assess.opening_hours`) holds it; a place
whose hours are unknown is open, closed or left out as the caller chooses
(:data:`UNKNOWN_MODES`).

Many moments need not cost many network searches. Places of a category that are open
at exactly the same moments form one *hour class* (in practice a handful per category:
unknown, 24 hours, 7-22...), and one search per class (:func:`hour_classes`, then the
walking engine's multi-source search with the classes as its groups) gives every
resident's walk to the nearest place of each class. The nearest place open at a moment
is the nearest of the classes open then (:func:`nearest_open`): exact, and one network
pass for any number of moments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lifecircle.core.assess.opening_hours import MINUTES_PER_DAY
from lifecircle.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

    from lifecircle.core.assess.opening_hours import Interval

UNKNOWN_MODES = ("open", "closed", "exclude")
"""What a place of unknown opening hours is at any moment.

``open``: it serves (the classic assessment, which ignores hours); ``closed``: it does
not; ``exclude``: a resident whose answer depends on such places (none known open within
the limit, but one of unknown hours is) takes no part in that category's share.
"""

DEFAULT_UNKNOWN = "open"
"""The default: open, so a city without recorded hours keeps its usual figures."""

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

_DAY_WORDS: dict[str, int] = {}
for _i, _names in enumerate(
    (
        ("mon", "monday", "mo", "周一", "星期一", "礼拜一"),
        ("tue", "tuesday", "tu", "周二", "星期二", "礼拜二"),
        ("wed", "wednesday", "we", "周三", "星期三", "礼拜三"),
        ("thu", "thursday", "th", "周四", "星期四", "礼拜四"),
        ("fri", "friday", "fr", "周五", "星期五", "礼拜五"),
        ("sat", "saturday", "sa", "周六", "星期六", "礼拜六"),
        ("sun", "sunday", "su", "周日", "星期日", "星期天", "周天", "礼拜天", "礼拜日"),
    )
):
    for _name in _names:
        _DAY_WORDS[_name] = _i

_MOMENT = re.compile(r"^\s*(?P<day>\S+?)\s*(?P<h>\d{1,2}):(?P<m>\d{2})\s*$")


def day_from_text(text: str) -> int:
    """Weekday index (0 = Monday) of ``Mon``, ``monday``, ``Mo`` or ``周一``.

    >>> day_from_text("Sat"), day_from_text("周日")
    (5, 6)
    """
    day = _DAY_WORDS.get(text.strip().lower())
    if day is None:
        raise ValidationError(f"{text!r} is not a weekday (Mon..Sun or 周一..周日)", field="day")
    return day


@dataclass(frozen=True)
class Moment:
    """A weekday (0 = Monday) and a minute after midnight, city time."""

    day: int
    minute: int

    def __post_init__(self) -> None:
        if not (0 <= self.day <= 6 and 0 <= self.minute < MINUTES_PER_DAY):
            raise ValidationError(
                f"moment day {self.day}, minute {self.minute}: need day 0-6, minute 0-1439",
                field="at",
            )

    @property
    def label(self) -> str:
        """``Mon 07:30``."""
        return f"{DAY_NAMES[self.day]} {self.minute // 60:02d}:{self.minute % 60:02d}"


def moment_from_text(text: str) -> Moment:
    """A moment from ``"Mon 07:30"`` (also ``mon 7:30``, ``周一 07:30``).

    >>> moment_from_text("Fri 22:15")
    Moment(day=4, minute=1335)
    """
    found = _MOMENT.match(text)
    if found is None:
        raise ValidationError(
            f"{text!r} is not a moment: expected WEEKDAY HH:MM such as 'Mon 07:30'", field="at"
        )
    hours, minutes = int(found["h"]), int(found["m"])
    if hours > 23 or minutes > 59:
        raise ValidationError(f"{text!r}: {hours}:{minutes:02d} is not a time of day", field="at")
    return Moment(day_from_text(found["day"]), hours * 60 + minutes)


def hourly_moments(day: int) -> tuple[Moment, ...]:
    """The 24 whole hours of a day, 00:00 to 23:00."""
    return tuple(Moment(day, h * 60) for h in range(24))


def open_at_moments(
    hours: Sequence[tuple[Interval, ...] | None], moments: Sequence[Moment]
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Which places are open at which moments.

    Parameters
    ----------
    hours
        Weekly intervals of each place; ``None`` when unknown (an empty tuple is a place
        closed all week).
    moments
        The moments asked about.

    Returns
    -------
    tuple
        ``(is_open, known)``: ``(n_places, n_moments)`` booleans (``False`` for unknown
        hours) and whether each place's hours are known.

    """
    is_open = np.zeros((len(hours), len(moments)), dtype=bool)
    known = np.array([h is not None for h in hours], dtype=bool)
    seen: dict[tuple[Interval, ...], NDArray[np.bool_]] = {}
    for i, h in enumerate(hours):
        if h is None:
            continue
        row = seen.get(h)
        if row is None:  # hours repeat (24/7, 07:00-22:00...): evaluate each pattern once
            row = np.array(
                [any(d == t.day and s <= t.minute < e for d, s, e in h) for t in moments],
                dtype=bool,
            )
            seen[h] = row
        is_open[i] = row
    return is_open, known


@dataclass(frozen=True)
class HourClasses:
    """Place-category pairs grouped by the moments they are open at.

    Attributes
    ----------
    of_pair
        Class of each pair (the group code for the network search).
    category
        Category column of each class.
    known
        Whether the class's places have known hours (one unknown class per category).
    is_open
        ``(n_classes, n_moments)``: whether the class is open at each moment (``False``
        for an unknown class).

    """

    of_pair: NDArray[np.int64]
    category: NDArray[np.int64]
    known: NDArray[np.bool_]
    is_open: NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.category.shape[0])


def hour_classes(
    *,
    pair_place: NDArray[np.int64],
    pair_category: NDArray[np.int64],
    is_open: NDArray[np.bool_],
    known: NDArray[np.bool_],
) -> HourClasses:
    """Group place-category pairs by category, known hours and open moments.

    Parameters
    ----------
    pair_place, pair_category
        Place row and category column of each pair.
    is_open, known
        Per place, as :func:`open_at_moments` gives them.

    """
    key = np.column_stack(
        [
            pair_category.astype(np.int64),
            known[pair_place].astype(np.int64),
            is_open[pair_place].astype(np.int64),
        ]
    )
    if key.shape[0] == 0:
        return HourClasses(
            of_pair=np.zeros(0, dtype=np.int64),
            category=np.zeros(0, dtype=np.int64),
            known=np.zeros(0, dtype=bool),
            is_open=np.zeros((0, is_open.shape[1]), dtype=bool),
        )
    rows, inverse = np.unique(key, axis=0, return_inverse=True)
    return HourClasses(
        of_pair=inverse.ravel().astype(np.int64),
        category=rows[:, 0].copy(),
        known=rows[:, 1].astype(bool),
        is_open=rows[:, 2:].astype(bool),
    )


def nearest_open(
    metres: NDArray[np.float64],
    classes: HourClasses,
    *,
    moment: int,
    categories: Sequence[int],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Walks to the nearest place known open at a moment, and to the nearest of unknown hours.

    Parameters
    ----------
    metres
        ``(n_points, n_classes)`` walking metres to the nearest place of each class
        (``nan`` beyond the search limit).
    classes
        The classes.
    moment
        Column of ``classes.is_open``.
    categories
        Category columns wanted.

    Returns
    -------
    tuple
        ``(open_m, unknown_m)``, each ``(n_points, len(categories))``, ``nan`` for none.

    """
    n = metres.shape[0]
    open_m = np.full((n, len(categories)), np.nan)
    unknown_m = np.full((n, len(categories)), np.nan)
    for j, c in enumerate(categories):
        mine = classes.category == c
        now = np.flatnonzero(mine & classes.known & classes.is_open[:, moment])
        unknown = np.flatnonzero(mine & ~classes.known)
        if now.size:
            open_m[:, j] = np.fmin.reduce(metres[:, now], axis=1)
        if unknown.size:
            unknown_m[:, j] = np.fmin.reduce(metres[:, unknown], axis=1)
    return open_m, unknown_m


def metres_for_mode(
    open_m: NDArray[np.float64], unknown_m: NDArray[np.float64], mode: str
) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
    """The metres coverage reads, and the uncertain metres (``exclude`` only), for a mode."""
    if mode not in UNKNOWN_MODES:
        raise ValidationError(
            f"unknown-hours choice {mode!r}: expected one of {', '.join(UNKNOWN_MODES)}",
            field="unknown_hours",
        )
    if mode == "open":
        return np.fmin(open_m, unknown_m), None
    return open_m, (unknown_m if mode == "exclude" else None)
