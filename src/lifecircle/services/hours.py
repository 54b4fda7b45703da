"""Time as a dimension of the assessment: ``--at``, ``--unknown-hours`` and ``--by-hour``.

:func:`open_places` is the place filtering step the assessment, the what-if and the plan
share: the city with only the places open at a moment (places of unknown hours kept,
dropped, or kept aside as *uncertain* for the ``exclude`` choice). :func:`assess_in_time`
assesses that city and adds what the time options say: the moment, the choice for
unknown hours and the share of places of unknown hours per category, and with
``by_hour`` the hourly curves and "served when needed" (:mod:`lifecircle.services.hourly`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from lifecircle.core.assess.hours import (
    DAY_NAMES,
    DEFAULT_UNKNOWN,
    UNKNOWN_MODES,
    Moment,
    moment_from_text,
    open_at_moments,
)
from lifecircle.errors import ValidationError
from lifecircle.services.assess import AssessParams, assess, num
from lifecircle.services.city.data import load_compute_store
from lifecircle.services.hourly import by_hour_section, hours_of
from lifecircle.services.survey_results import latest_satisfaction
from lifecircle.store.runs import save_assessment

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.engine import Engine

    from lifecircle.core.assess.need import NeedWindow
    from lifecircle.core.assess.targets import PlanTargets
    from lifecircle.services.city.data import CityData
    from lifecircle.services.survey_results import SatisfactionCounts

_WEEKDAY_FORM = re.compile(r"^\s*\S+\s+\d{1,2}:\d{2}\s*$")


@dataclass(frozen=True)
class TimeOptions:
    """The time options of an assessment (and of a what-if or plan: ``at``, ``unknown``).

    Attributes
    ----------
    at
        The moment assessed, as given: ``"Mon 07:30"`` (city time) or an ISO date-time
        (``2025-03-03T07:30``, city time; with an offset, converted to city time).
        ``None``: every place counts whatever its hours.
    unknown
        What places of unknown hours are: ``open`` (default), ``closed`` or ``exclude``.
    by_hour
        Add the hourly curves of the basic categories and "served when needed".
    weekday, weekend
        The two days of the hourly curves (0 = Monday).
    need
        The hours of need: ``default`` (packaged), a TOML file, or the windows themselves
        (an assess job's ``hours_of_need``).

    """

    at: str | None = None
    unknown: str = DEFAULT_UNKNOWN
    by_hour: bool = False
    weekday: int = 0
    weekend: int = 5
    need: str | tuple[NeedWindow, ...] = "default"

    def __post_init__(self) -> None:
        if self.unknown not in UNKNOWN_MODES:
            raise ValidationError(
                f"unknown-hours choice {self.unknown!r}: expected one of "
                f"{', '.join(UNKNOWN_MODES)}",
                field="unknown_hours",
            )
        for name in ("weekday", "weekend"):
            if not 0 <= getattr(self, name) <= 6:
                raise ValidationError(f"{name} must be a day 0-6", field=name)

    @property
    def active(self) -> bool:
        """Whether the options change anything (an assessment without them is the classic one)."""
        return self.at is not None or self.by_hour


def check_moment_text(text: str) -> None:
    """Refuse an ``--at`` value that is neither ``WEEKDAY HH:MM`` nor an ISO date-time.

    The check needs no city (the time zone only converts a valid value), so requests
    and job options are refused up front; :func:`moment_at` reads the value.
    """
    if _WEEKDAY_FORM.match(text):
        moment_from_text(text)
        return
    try:
        datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            f"--at {text!r}: expected WEEKDAY HH:MM ('Mon 07:30') or an ISO date-time "
            "('2025-03-03T07:30', '2025-03-03T07:30+08:00')",
            field="at",
        ) from None


def moment_at(text: str, data: CityData) -> tuple[Moment, str]:
    """The moment of an ``--at`` value in the city's time, and how it reads.

    ``"Mon 07:30"`` is taken as city time. An ISO date-time without an offset is city
    time too; with an offset it is converted to the time zone at the city's centre.
    """
    if _WEEKDAY_FORM.match(text):
        moment = moment_from_text(text)
        return moment, moment.label
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            f"--at {text!r}: expected WEEKDAY HH:MM ('Mon 07:30') or an ISO date-time "
            "('2025-03-03T07:30', '2025-03-03T07:30+08:00')",
            field="at",
        ) from None
    if when.tzinfo is not None:
        from lifecircle.services.residents.index import city_timezone  # noqa: PLC0415

        zone = city_timezone(float(np.mean(data.net.lon)), float(np.mean(data.net.lat)))
        when = when.astimezone(zone)
    moment = Moment(when.weekday(), when.hour * 60 + when.minute)
    return moment, f"{moment.label} ({when.isoformat(timespec='minutes')})"


def open_places(data: CityData, moment: Moment, unknown: str) -> CityData:
    """The city with only the places open at ``moment``: the place filtering step.

    A place closed then loses its category pairs (its row stays, so snaps still match
    rows, and it still counts in the place statistics). Places of unknown hours keep
    their pairs (``open``), lose them (``closed``), or lose them and are kept as
    uncertain pairs (``exclude``), which the assessment reads as "might be open".
    """
    if unknown not in UNKNOWN_MODES:
        raise ValidationError(f"unknown-hours choice {unknown!r}", field="unknown_hours")
    is_open, known = open_at_moments(hours_of(data), [moment])
    places = data.places
    pair_known = known[places.pair_place]
    keep = is_open[places.pair_place, 0] | (~pair_known & (unknown == "open"))
    aside = ~pair_known if unknown == "exclude" else None
    return replace(
        data,
        places=replace(
            places,
            pair_place=places.pair_place[keep],
            pair_category=places.pair_category[keep],
            uncertain_place=None if aside is None else places.pair_place[aside],
            uncertain_category=None if aside is None else places.pair_category[aside],
        ),
    )


def unknown_shares(data: CityData) -> dict[str, float | None]:
    """Per category, the share of its places whose opening hours are unknown."""
    _, known = open_at_moments(hours_of(data), [])
    pl = data.places
    n_cat = len(data.categories)
    total = np.bincount(pl.pair_category, minlength=n_cat)
    unknown = np.bincount(pl.pair_category[~known[pl.pair_place]], minlength=n_cat)
    return {
        c: (num(unknown[j] / total[j]) if total[j] else None) for j, c in enumerate(data.categories)
    }


def assess_in_time(
    data: CityData,
    params: AssessParams | None = None,
    options: TimeOptions | None = None,
    *,
    targets: PlanTargets | None = None,
    progress: Callable[[str], None] | None = None,
    satisfaction: SatisfactionCounts | None = None,
) -> dict[str, Any]:
    """Assess a city at a moment (or regardless of time) and by hour, as the options say.

    Returns the assessment document (docs/assessment.md) with ``run.parameters.time``,
    ``city.hours_unknown`` and, with ``by_hour``, ``by_hour`` and the "served when
    needed" members; without active options, exactly :func:`assess`'s document.
    """
    params = AssessParams() if params is None else params
    options = TimeOptions() if options is None else options
    step = progress or (lambda _: None)
    moment, label = (None, None) if options.at is None else moment_at(options.at, data)
    chosen = data if moment is None else open_places(data, moment, options.unknown)
    document = assess(chosen, params, targets=targets, progress=progress, satisfaction=satisfaction)
    if not options.active:
        return document
    time_params: dict[str, Any] = {
        "at": label,
        "at_day": None if moment is None else DAY_NAMES[moment.day],
        "at_minute": None if moment is None else moment.minute,
        "unknown_hours": options.unknown,
        "unknown_hours_default": DEFAULT_UNKNOWN,
        "by_hour": options.by_hour,
    }
    document["city"]["hours_unknown"] = unknown_shares(data)
    if options.by_hour:
        step("coverage by hour")
        section = by_hour_section(
            data,
            params,
            unknown=options.unknown,
            weekday=options.weekday,
            weekend=options.weekend,
            need=options.need,
        )
        time_params |= {
            "weekday": DAY_NAMES[options.weekday],
            "weekend": DAY_NAMES[options.weekend],
            "hours_of_need": section.pop("hours_of_need"),
        }
        served = section.pop("served_communities")
        for record in document["communities"]:
            record["served_when_needed"] = served[record["code"]]
        document["city"]["served_when_needed"] = section.pop("served_city")
        document["by_hour"] = section
    document["run"]["parameters"]["time"] = time_params
    return document


def run_timed_assessment(
    *,
    engine: Engine,
    name: str,
    params: AssessParams | None = None,
    options: TimeOptions | None = None,
    save: bool = True,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Load a city, assess it with the time options and (unless ``save`` is false) store it."""
    return load_compute_store(
        engine=engine,
        name=name,
        compute=lambda data: assess_in_time(
            data,
            params,
            options,
            progress=progress,
            satisfaction=latest_satisfaction(engine=engine, name=name),
        ),
        key="run",
        store=(lambda s, city_id, doc: save_assessment(s, city_id=city_id, document=doc))
        if save
        else None,
        progress=progress,
    )
