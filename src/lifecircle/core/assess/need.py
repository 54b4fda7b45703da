"""Hours of need: when each category matters, and who is served then ("served when needed").

A category's *hours of need* are one daily window (``06:30-09:00`` for breakfast,
``00:00-24:00`` for 24-hour convenience). The window is checked at its *check moments*:
its start and every whole hour after the start before its end (breakfast 06:30-09:00 is
checked at 06:30, 07:00 and 08:00; 00:00-24:00 at the 24 whole hours), on the assessed
weekday and on the weekend day.

A resident is **served when needed** for a category when, at every check moment of both
days, a place of the category open at that moment lies within the walking limit. So a
breakfast shop that opens at 09:00 serves no commuter, and a convenience store serves
"24-hour" needs only if it is open through the night. With unknown hours counted as
``exclude``, a resident is left out of the share when the answer depends on a place of
unknown hours (not served at some check moment by places known open, yet never out of
reach of a place that might be open).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lifecircle.core.assess.hours import Moment
from lifecircle.core.assess.opening_hours import MINUTES_PER_DAY
from lifecircle.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class NeedWindow:
    """One category's daily hours of need, minutes after midnight (``end`` up to 1440)."""

    category: str
    start_min: int
    end_min: int

    def __post_init__(self) -> None:
        if not 0 <= self.start_min < self.end_min <= MINUTES_PER_DAY:
            raise ValidationError(
                f"hours of need of {self.category!r}: need 00:00 <= start < end <= 24:00",
                field="hours_of_need",
            )

    @property
    def label(self) -> str:
        """``06:30-09:00``."""
        s, e = self.start_min, self.end_min
        return f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}"

    def check_minutes(self) -> tuple[int, ...]:
        """The start and every whole hour after it, before the end.

        >>> NeedWindow("breakfast", 390, 540).check_minutes()
        (390, 420, 480)
        """
        after = (self.start_min // 60 + 1) * 60
        return (self.start_min, *range(after, self.end_min, 60))

    def moments(self, days: Sequence[int]) -> tuple[Moment, ...]:
        """The check moments on each of ``days``."""
        return tuple(Moment(d, m) for d in days for m in self.check_minutes())


def window_from_text(category: str, text: str) -> NeedWindow:
    """``NeedWindow`` from ``"06:30-09:00"`` (``24:00`` allowed as an end).

    >>> window_from_text("convenience_store", "0:00-24:00").label
    '00:00-24:00'
    """
    found = _WINDOW.match(text)
    if found is None:
        raise ValidationError(
            f"hours of need of {category!r}: {text!r} is not HH:MM-HH:MM", field="hours_of_need"
        )
    sh, sm, eh, em = (int(g) for g in found.groups())
    if sm > 59 or em > 59 or sh > 23 or eh > 24 or (eh == 24 and em):
        raise ValidationError(
            f"hours of need of {category!r}: {text!r} is not a time range", field="hours_of_need"
        )
    return NeedWindow(category, sh * 60 + sm, eh * 60 + em)


@dataclass(frozen=True)
class ServedResult:
    """Served when needed, per community (rows) and category (columns).

    Attributes
    ----------
    share
        Population-weighted share (0..1) of the counted residents served at every check
        moment; ``nan`` where nobody is counted.
    counted
        Residents counted (all, unless unknown hours are excluded).
    all_share, all_counted
        Per community, the share of residents served in every category given, and the
        residents it is over (those counted in all of them).

    """

    share: NDArray[np.float64]
    counted: NDArray[np.float64]
    all_share: NDArray[np.float64]
    all_counted: NDArray[np.float64]


def served_when_needed(
    *,
    reached: NDArray[np.bool_],
    possible: NDArray[np.bool_] | None,
    weights: NDArray[np.float64],
    zone: NDArray[np.int64],
    n_zones: int,
) -> ServedResult:
    """Share of residents reached at every check moment of each category.

    Parameters
    ----------
    reached
        ``(n_points, n_categories, n_checks_max)`` whether a place known open (or
        counted open) lies within the limit at each check moment; pad a category's
        unused checks with ``True``.
    possible
        The same for "known open, or of unknown hours" (``exclude`` only; ``None``
        otherwise). A resident reached at every check is served, one out of reach of
        any possible place at some check is not, and the rest are left out.
    weights, zone, n_zones
        Residents per point and their community (``-1``: none).

    """
    served: NDArray[np.bool_] = np.asarray(reached.all(axis=2), dtype=bool)
    counted: NDArray[np.bool_] = (
        np.ones_like(served) if possible is None else served | ~possible.all(axis=2)
    )
    keep = (zone >= 0) & (weights > 0)
    w, z = weights[keep], zone[keep]
    served, counted = served[keep], counted[keep]
    n_cat = served.shape[1]
    total = np.zeros((n_zones, n_cat))
    yes = np.zeros((n_zones, n_cat))
    for c in range(n_cat):
        total[:, c] = np.bincount(z[counted[:, c]], weights=w[counted[:, c]], minlength=n_zones)
        hit = served[:, c] & counted[:, c]
        yes[:, c] = np.bincount(z[hit], weights=w[hit], minlength=n_zones)
    every = counted.all(axis=1)
    all_total = np.bincount(z[every], weights=w[every], minlength=n_zones)
    all_yes = np.bincount(
        z[every & served.all(axis=1)], weights=w[every & served.all(axis=1)], minlength=n_zones
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, yes / total, np.nan)
        all_share = np.where(all_total > 0, all_yes / all_total, np.nan)
    return ServedResult(
        share=share, counted=total, all_share=all_share, all_counted=all_total.astype(np.float64)
    )
