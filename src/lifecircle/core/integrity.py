"""A shop's integrity grade (诚信等级) from its record, and small-cell suppression of tallies.

Both are pure rules on counts, documented in docs/residents.md.

**The grade.** Over the last 12 months a shop collects *marks*: one per complaint
upheld against it, one per stock lapse (a batch that expired while still in stock),
and one if it publishes no prices (明码标价). Complaints that were not upheld, or are
still open, give no mark: a complaint is an allegation until an official upholds it.

=====  ========  ====================================================
grade  marks     meaning
=====  ========  ====================================================
A      0         no upheld complaint, no lapse, prices published
B      1–2       minor
C      3–5       repeated problems
D      6 or more the regulator's attention
=====  ========  ====================================================

A place nobody runs on the platform has no price list and no stock record to judge:
it is not graded (``None``), whatever its complaints.

**Suppression.** A tally of fewer than :data:`MIN_CELL` stances is shown as "too few",
never as a figure, so that nobody's stance can be told from a small count.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_CELL = 5
"""The smallest count of answers a shown cell may hold."""

GRADE_BANDS = (("A", 0), ("B", 2), ("C", 5))
"""``(grade, most marks)`` in order; more marks than the last band is ``D``."""


def integrity_marks(*, upheld: int, lapses: int, publishes_prices: bool) -> int:
    """The marks of a record: upheld complaints, lapses and 1 for no published prices.

    >>> integrity_marks(upheld=1, lapses=2, publishes_prices=False)
    4

    """
    if upheld < 0 or lapses < 0:
        raise ValueError("counts cannot be negative")
    return upheld + lapses + (0 if publishes_prices else 1)


def integrity_grade(marks: int) -> str:
    """The grade of a number of marks.

    >>> [integrity_grade(m) for m in (0, 1, 2, 3, 5, 6, 40)]
    ['A', 'B', 'B', 'C', 'C', 'D', 'D']

    """
    if marks < 0:
        raise ValueError("marks cannot be negative")
    for grade, most in GRADE_BANDS:
        if marks <= most:
            return grade
    return "D"


@dataclass(frozen=True)
class Tally:
    """Support and oppose counts of one cell; ``None`` both when suppressed."""

    support: int | None
    oppose: int | None
    too_few: bool


def tally(support: int, oppose: int, *, min_cell: int = MIN_CELL) -> Tally:
    """A cell of ``support`` and ``oppose`` stances, suppressed under ``min_cell`` in all.

    An empty cell (no stances) is shown as zeros: there is nobody to identify.

    >>> tally(3, 1), tally(3, 2)
    (Tally(support=None, oppose=None, too_few=True), Tally(support=3, oppose=2, too_few=False))

    """
    answers = support + oppose
    if 0 < answers < min_cell:
        return Tally(None, None, too_few=True)
    return Tally(support, oppose, too_few=False)
