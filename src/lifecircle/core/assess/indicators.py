"""The plan's recorded indicators, summed: shares, suppressed cells, outermost totals.

Pure arithmetic on numbers the services read: the commercial floor share of an area,
the share of redemptions within a walk with small cells withheld, and which recorded
totals to add without counting an area twice (a district's total floor area already
holds its communities').
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

MIN_EVENTS = 5
"""Cells with fewer events than this are shown as too few, never as a figure."""


def outermost(codes: Iterable[str], *, inside: Callable[[str, str], bool]) -> list[str]:
    """The codes not inside another of them (``inside(a, b)``: ``a`` lies in ``b``).

    >>> outermost(["440304", "440304001", "440305001001"], inside=lambda a, b: a.startswith(b))
    ['440304', '440305001001']

    """
    unique = sorted(set(codes))
    return [a for a in unique if not any(b != a and inside(a, b) for b in unique)]


def floor_share(commercial_m2: int | None, total_m2: int | None) -> float | None:
    """Commercial floor area as a share of the total (``None`` when either is unknown or 0).

    >>> floor_share(1200, 10000), floor_share(5, 0), floor_share(None, 100)
    (0.12, None, None)

    """
    if commercial_m2 is None or not total_m2:
        return None
    return commercial_m2 / total_m2


def shown_share(events: int, within: int, *, min_events: int = MIN_EVENTS) -> float | None:
    """``within / events``, or ``None`` when the cell has fewer than ``min_events`` events.

    >>> shown_share(4, 4), shown_share(8, 6)
    (None, 0.75)

    """
    if events < min_events:
        return None
    return within / events
