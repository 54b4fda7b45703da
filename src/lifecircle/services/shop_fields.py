"""A shop's fields as a merchant gives them, checked: categories, position, hours, services.

Shared by new-shop applications (:mod:`lifecircle.services.shops`) and shop edits
(:mod:`lifecircle.services.shop_profiles`). Every problem is a ``ValidationError``
naming the field (``categories``, ``opening_hours``, ``weekly_hours``, ``services``,
``lon``...), which the API answers 422.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lifecircle.core.assess.opening_hours import DAYS, parse_opening_hours
from lifecircle.errors import ValidationError
from lifecircle.io.places.taxonomy import load_taxonomy
from lifecircle.services.residents.points import point_in

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from lifecircle.core.assess.categories import Taxonomy

SERVICES: dict[str, str] = {
    "bill_payment": "代收代缴",
    "parcel_collection": "代收快递",
    "home_service": "上门服务",
    "rental": "租赁",
    "pickup": "取货",
    "open_24h": "24小时营业",
}
"""Services a shop may offer (一店多能), code to Chinese name."""

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Keys of the weekly form and of stored weekly hours (Monday first)."""

MAX_CATEGORIES = 10
"""Most categories one shop may list."""

_SPAN = re.compile(r"^([01]\d|2[0-4]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")
"""One span of the weekly form: ``HH:MM-HH:MM`` (an end at or before the start runs past
midnight)."""


@dataclass(frozen=True)
class Hours:
    """Opening hours checked: the OSM text and the weekly intervals as places store them."""

    text: str
    weekly: dict[str, list[list[int]]]


def checked_categories(taxonomy_name: str, codes: Sequence[str]) -> tuple[str, ...]:
    """Category codes of the city's taxonomy, in the order given, each once.

    Raises
    ------
    ValidationError
        If there are none, too many, or one the taxonomy lacks (named).

    """
    unique = tuple(dict.fromkeys(code.strip() for code in codes))
    if not unique:
        raise ValidationError("categories: give at least one category code", field="categories")
    if len(unique) > MAX_CATEGORIES:
        raise ValidationError(
            f"categories: at most {MAX_CATEGORIES} categories", field="categories"
        )
    taxonomy: Taxonomy = load_taxonomy(taxonomy_name)
    unknown = [code for code in unique if code not in taxonomy.by_code]
    if unknown:
        raise ValidationError(
            f"categories: {', '.join(repr(c[:40]) for c in unknown[:5])} not in the city's "
            f"taxonomy {taxonomy.name!r} (e.g. {', '.join(taxonomy.codes[:3])})",
            field="categories",
        )
    return unique


def checked_services(codes: Iterable[str]) -> tuple[str, ...]:
    """Service codes of :data:`SERVICES`, each once.

    Raises
    ------
    ValidationError
        For a code not in the list (named, with the list).

    """
    unique = tuple(dict.fromkeys(codes))
    unknown = [code for code in unique if code not in SERVICES]
    if unknown:
        raise ValidationError(
            f"services: {unknown[0][:40]!r} is not one of {', '.join(SERVICES)}", field="services"
        )
    return unique


def checked_position(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """A position in the caller's CRS as WGS-84 degrees (``lon`` named when it is bad)."""
    try:
        return point_in(lon, lat, crs)
    except ValidationError as exc:
        field = "crs" if str(exc).startswith("crs") else "lon"
        raise ValidationError(str(exc), field=field) from None


def weekly_text(form: Mapping[str, Sequence[str]]) -> str:
    """The weekly form (day to ``HH:MM-HH:MM`` spans) as OSM ``opening_hours`` text.

    A day left out or given no spans is closed.

    >>> weekly_text({"mon": ["08:00-12:00", "13:00-18:00"], "sun": []})
    'Mo 08:00-12:00,13:00-18:00; Su off'

    Raises
    ------
    ValidationError
        For an unknown day or a span that is not ``HH:MM-HH:MM``.

    """
    rules = []
    for day, spans in form.items():
        if day not in WEEKDAYS:
            raise ValidationError(
                f"weekly_hours: unknown day {day[:10]!r}; expected {', '.join(WEEKDAYS)}",
                field="weekly_hours",
            )
        bad = [s for s in spans if not _SPAN.match(s)]
        if bad:
            raise ValidationError(
                f"weekly_hours.{day}: {bad[0][:20]!r} is not a span HH:MM-HH:MM",
                field="weekly_hours",
            )
    for index, day in enumerate(WEEKDAYS):
        if day in form:
            spans = form[day]
            rules.append(f"{DAYS[index]} {','.join(spans) if spans else 'off'}")
    return "; ".join(rules)


def checked_hours(text: str | None, form: Mapping[str, Sequence[str]] | None) -> Hours | None:
    """Opening hours from OSM text or the weekly form (not both); ``None`` if neither.

    Raises
    ------
    ValidationError
        If both are given, or the hours are not a weekly pattern our parser reads
        (the reason named, e.g. ``opening_hours: months are not a weekly pattern``).

    """
    if text is not None and form is not None:
        raise ValidationError("give opening_hours or weekly_hours, not both", field="weekly_hours")
    field = "opening_hours"
    if form is not None:
        text, field = weekly_text(form), "weekly_hours"
    if text is None or not text.strip():
        return None
    parsed = parse_opening_hours(text)
    if parsed.intervals is None:
        raise ValidationError(f"{field}: {text[:80]!r}: {parsed.reason}", field=field)
    weekly: dict[str, list[list[int]]] = {day: [] for day in WEEKDAYS}
    for day, start, end in parsed.intervals:
        weekly[WEEKDAYS[day]].append([start, end])
    return Hours(text=text.strip(), weekly=weekly)


def weekly_intervals(stored: Any) -> tuple[tuple[int, int, int], ...] | None:
    """Stored weekly hours (``{"mon": [[start, end]], ...}``) as intervals (``None``: unknown)."""
    if not stored:
        return None
    return tuple(
        (day, int(start), int(end))
        for day, key in enumerate(WEEKDAYS)
        for start, end in stored.get(key, [])
    )
