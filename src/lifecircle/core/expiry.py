"""Near-expiry (临期) rules: lead days by food class or shelf-life band, markdown ladders, dates.

Pure functions over the table of :mod:`lifecircle.io.expiry` (packaged as
``data/expiry/default.toml``). Dates are local calendar dates (Asia/Shanghai for the
programme's cities): ``expiry_date`` is the last day a product is within its shelf life,
so a batch is *near expiry* from ``expiry_date - lead_days`` through ``expiry_date``
and *expired* from the next day. All arithmetic is on whole days and integer percents;
money is integer fen.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from lifecircle.errors import ValidationError

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
"""The zone of the dates merchants record (China Standard Time, no daylight saving)."""


class Stage(enum.StrEnum):
    """Where a batch stands on a day."""

    FRESH = "fresh"
    NEAR_EXPIRY = "near_expiry"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Step:
    """One rung of a ladder: from ``at_lead_pct`` % of the lead left, ``discount_pct`` % off."""

    at_lead_pct: int
    discount_pct: int


@dataclass(frozen=True)
class Ladder:
    """A markdown ladder: steps ever closer to expiry, ever deeper (checked when read)."""

    name: str
    steps: tuple[Step, ...]

    def discount_pct(self, *, days_left: int, lead_days: int) -> int:
        """The suggested discount, percent, with ``days_left`` of a ``lead_days`` window.

        A step applies once ``days_left <= at_lead_pct % x lead_days`` (exact integer
        arithmetic); the deepest step that applies wins; 0 before the first and after
        expiry (``days_left < 0``: an expired batch is not to be sold at any price).

        >>> ladder = Ladder("x", (Step(100, 30), Step(50, 50), Step(0, 70)))
        >>> [ladder.discount_pct(days_left=d, lead_days=4) for d in (5, 4, 3, 2, 1, 0, -1)]
        [0, 30, 30, 50, 50, 70, 0]
        """
        if days_left < 0:
            return 0
        pct = 0
        for step in self.steps:
            if days_left * 100 <= step.at_lead_pct * lead_days:
                pct = max(pct, step.discount_pct)
        return pct


@dataclass(frozen=True)
class Band:
    """A shelf-life band (inclusive days; ``max_days`` ``None``: no upper end)."""

    min_days: int
    max_days: int | None
    lead_min: int
    lead_max: int
    ladder: str
    examples: str = ""

    def holds(self, shelf_life_days: int) -> bool:
        """Whether a shelf life falls in this band."""
        return self.min_days <= shelf_life_days and (
            self.max_days is None or shelf_life_days <= self.max_days
        )

    def lead_days(self, shelf_life_days: int) -> int:
        """The band's lead for a shelf life: a quarter of it, kept within the band's range."""
        return min(self.lead_max, max(self.lead_min, shelf_life_days // 4))


@dataclass(frozen=True)
class FoodClass:
    """A food class of the table: its names, warning lead days and ladder."""

    code: str
    name_zh: str
    name_en: str
    lead_days: int
    ladder: str
    note: str = ""


@dataclass(frozen=True)
class Lead:
    """The warning lead of one batch and where it comes from.

    ``basis``: ``class`` (the table's class), ``city`` (the city's override of the
    class), or ``band`` (the shelf-life band, for a batch without a class).
    """

    lead_days: int
    ladder: Ladder
    basis: str


@dataclass(frozen=True)
class ExpiryTable:
    """The whole table: ladders, bands, classes, cities' overrides, and where it came from."""

    source: str
    name: str
    basis: str
    ladders: dict[str, Ladder]
    bands: tuple[Band, ...]
    classes: dict[str, FoodClass]
    cities: dict[str, dict[str, int]] = field(default_factory=dict)

    def band_for(self, shelf_life_days: int) -> Band:
        """The band of a shelf life.

        Raises
        ------
        ValidationError
            If no band holds it (a table's bands cover every day count from 0).

        """
        for band in self.bands:
            if band.holds(shelf_life_days):
                return band
        raise ValidationError(
            f"shelf_life_days: {shelf_life_days} lies in no shelf-life band of {self.source}",
            field="shelf_life_days",
        )

    def lead_for(
        self, *, food_class: str | None, shelf_life_days: int | None, city: str | None = None
    ) -> Lead:
        """The lead of a batch: its class's (a city's override first), else its band's.

        Raises
        ------
        ValidationError
            For an unknown class, or a batch with neither a class nor a shelf life.

        """
        if food_class is not None:
            found = self.classes.get(food_class)
            if found is None:
                raise ValidationError(
                    f"food_class: unknown {food_class!r}; expected one of "
                    + ", ".join(sorted(self.classes)),
                    field="food_class",
                )
            ladder = self.ladders[found.ladder]
            override = self.cities.get(city or "", {}).get(food_class)
            if override is not None:
                return Lead(override, ladder, "city")
            return Lead(found.lead_days, ladder, "class")
        if shelf_life_days is None:
            raise ValidationError(
                "food_class: give a food class, or the shelf life (shelf_life_days or a "
                "production date), to know when the batch is near expiry",
                field="food_class",
            )
        band = self.band_for(shelf_life_days)
        return Lead(band.lead_days(shelf_life_days), self.ladders[band.ladder], "band")


def expiry_from_production(production: date, shelf_life_days: int) -> date:
    """The last day within shelf life: the production day is day 1.

    >>> expiry_from_production(date(2026, 12, 1), 7)
    datetime.date(2026, 12, 7)
    """
    if shelf_life_days < 1:
        raise ValidationError(
            f"shelf_life_days: {shelf_life_days} must be at least 1", field="shelf_life_days"
        )
    return production + timedelta(days=shelf_life_days - 1)


def days_left(expiry: date, today: date) -> int:
    """Days from ``today`` to the expiry date: 0 on the last day, negative once expired."""
    return (expiry - today).days


def warn_from(expiry: date, lead_days: int) -> date:
    """The first day of the warning window."""
    return expiry - timedelta(days=lead_days)


def stage_on(*, expiry: date, lead_days: int, today: date) -> Stage:
    """Where a batch stands on ``today``."""
    left = days_left(expiry, today)
    if left < 0:
        return Stage.EXPIRED
    if left <= lead_days:
        return Stage.NEAR_EXPIRY
    return Stage.FRESH


def local_date(moment: datetime) -> date:
    """The Asia/Shanghai calendar date of an aware moment."""
    if moment.tzinfo is None:
        raise ValidationError(f"naive time {moment!r}: give a time-zone aware time")
    return moment.astimezone(LOCAL_ZONE).date()


def day_start(day: date) -> datetime:
    """00:00 Asia/Shanghai of a local date, as an aware UTC time."""
    return datetime.combine(day, time(0), tzinfo=LOCAL_ZONE).astimezone(UTC)


def expires_at(expiry: date) -> datetime:
    """The moment a batch becomes expired: 00:00 local of the day after its expiry date."""
    return day_start(expiry + timedelta(days=1))


def discounted_fen(price_fen: int, discount_pct: int) -> int:
    """A price after ``discount_pct`` percent off, in whole fen (half a fen rounds up).

    >>> discounted_fen(350, 30), discounted_fen(99, 50), discounted_fen(1, 70)
    (245, 50, 0)
    """
    return (price_fen * (100 - discount_pct) + 50) // 100


_EAN_LENGTHS = (8, 13)


def checked_barcode(text: str) -> str:
    """An EAN-13 or EAN-8 barcode, if its digits and check digit are right.

    Raises
    ------
    ValidationError
        Naming ``barcode`` and the problem (not digits, wrong length, wrong check digit).

    >>> checked_barcode("6901234567892")
    '6901234567892'
    """
    code = text.strip()
    if not code.isascii() or not code.isdigit():
        raise ValidationError(f"barcode: {text[:20]!r} is not all digits", field="barcode")
    if len(code) not in _EAN_LENGTHS:
        raise ValidationError(
            f"barcode: {len(code)} digits; an EAN-13 has 13, an EAN-8 has 8", field="barcode"
        )
    digits = [int(c) for c in code]
    body, check = digits[:-1], digits[-1]
    # weights 3, 1, 3, ... from the digit next to the check digit, leftwards
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    expected = (10 - total % 10) % 10
    if check != expected:
        raise ValidationError(
            f"barcode: check digit {check} is wrong for {code} (expected {expected})",
            field="barcode",
        )
    return code
