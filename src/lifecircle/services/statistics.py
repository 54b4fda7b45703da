"""The bureau's monthly statistics: every recorded indicator of a month, by district.

One row per district (区) of the scope (or the official's own area when it is a 街道 or
社区), then the scope's total. Figures (see :mod:`lifecircle.services.indicators` for
how they add up):

- shops: places in the latest assessment's units, and the platform's owned shops;
- employees: each shop's latest report up to the month, and how many shops report;
- investment (万元): the month's and the total up to the month;
- commercial and total floor area (m²) and the share; centres of the month and in all;
- satisfaction: from the surveys, through the ``satisfaction`` hook (left empty where
  no survey feature provides it);
- coverage: from the latest assessment, the units with full basic coverage and the
  share of residents living in them;
- 15-minute usage of the month, where the batch ran (small cells withheld).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lifecircle.core.assess.indicators import MIN_EVENTS, shown_share
from lifecircle.errors import NotFoundError
from lifecircle.io.export.output import atomic_binary
from lifecircle.io.export.statistics import COLUMNS, statistics_xlsx
from lifecircle.services.areas import AreaScope
from lifecircle.services.indicators import Figures, area_inside, check_period, sum_figures
from lifecircle.services.survey_results import latest_satisfaction
from lifecircle.store import indicators as store
from lifecircle.store.areas import city_area, latest_verdicts
from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from sqlalchemy.engine import Engine

FEN_PER_WAN = 1_000_000
"""Fen in 万元 (10,000 yuan)."""


def wan_from_fen(fen: int | None) -> Decimal | None:
    """Fen as 万元, exactly (``Decimal``)."""
    return None if fen is None else Decimal(fen) / FEN_PER_WAN


@dataclass(frozen=True)
class Statistics:
    """The month's table: its rows (one mapping per area, the total last) and notes."""

    city: str
    area: str | None
    month: str
    rows: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)

    def workbook(self) -> bytes:
        """The XLSX file of the table."""
        title = f"{self.city} {self.month}" + ("" if self.area is None else f" {self.area}")
        return statistics_xlsx(title=title, columns=COLUMNS, rows=self.rows, notes=self.notes)


def monthly_statistics(
    *,
    engine: Engine,
    scope: AreaScope,
    month: str,
    satisfaction: Callable[[str, str], float | None] | None = None,
) -> Statistics:
    """Every indicator of ``month`` by district of ``scope``, with the scope's total.

    Parameters
    ----------
    engine
        Database.
    scope
        The official's part of the city.
    month
        ``YYYY-MM``.
    satisfaction
        The surveys' figure of an area and month; by default the share satisfied in the
        city's latest satisfaction survey (:func:`survey_satisfaction`).

    """
    check_period(month, field="query.month")
    survey = None
    if satisfaction is None:
        latest = latest_satisfaction(engine=engine, name=scope.city)
        survey = None if latest is None else latest.describe()
        satisfaction = survey_satisfaction(engine=engine, scope=scope)
    with session_scope(engine) as session:
        inside = area_inside(session, city_id=scope.city_id)
        if scope.area is None:
            areas = store.district_names(session, city_id=scope.city_id)
        else:
            code = scope.area.code
            areas = {code: store.unit_name(session, city_id=scope.city_id, code=code) or code}
        records = store.list_indicators(session, city_id=scope.city_id, until=month)
        reports = store.latest_employees(session, city_id=scope.city_id, until=month)
        owned = store.owned_shop_communities(session, city_id=scope.city_id)
        verdicts = latest_verdicts(session, city_id=scope.city_id)
        places = {} if verdicts is None else store.unit_places(session, run_id=verdicts.run_id)
        usage = store.get_usage(session, city_id=scope.city_id, month=month)

        def row(code: str | None, name: str) -> dict[str, Any]:
            def within(unit: str | None) -> bool:
                if not unit:
                    return code is None and scope.area is None
                if code is None:
                    return scope.covers(unit)
                return unit == code or inside(unit, code)

            figures = sum_figures(
                [r for r in records if within(r.area_code)],
                [r for r in reports if within(r.community_code)],
                inside=inside,
            )
            month_figures = sum_figures(
                [r for r in records if within(r.area_code) and r.period == month],
                [],
                inside=inside,
            )
            return _row(
                code=code,
                name=name,
                figures=figures,
                month_figures=month_figures,
                units=None if verdicts is None else [u for u in verdicts.units if within(u.code)],
                places=places,
                shops=sum(within(c) for c in owned),
                usage=None if usage is None else [c for c in usage.cells if within(c[0])],
                satisfaction=None if satisfaction is None else satisfaction(code or "", month),
            )

        rows = [row(code, name) for code, name in areas.items()]
        total_name = "合计 total"
        rows.append(row(None, total_name))
    notes = [
        f"month {month}; figures up to the month's end unless marked 'month'",
        "investment in 万元 (10,000 yuan), exact; floor areas in m²",
        "shops (places): the latest assessment's places in the area's units"
        + ("" if verdicts is None else f" (run {verdicts.run_id})"),
    ]
    if satisfaction is None:
        notes.append("satisfaction: no survey results available to this export")
    elif survey is not None:
        notes.append(
            f"satisfaction: share satisfied (4 or 5 of 5) in {survey}; under 5 answers blank"
        )
    if usage is None:
        notes.append(f"15-minute usage: not computed for {month} (lifecircle usage)")
    return Statistics(
        city=scope.city,
        area=None if scope.area is None else scope.area.code,
        month=month,
        rows=rows,
        notes=notes,
    )


def _row(
    *,
    code: str | None,
    name: str,
    figures: Figures,
    month_figures: Figures,
    units: list[Any] | None,
    places: dict[str, int],
    shops: int,
    usage: list[tuple[str, str, int, int]] | None,
    satisfaction: float | None,
) -> dict[str, Any]:
    population = None if units is None else sum(u.population for u in units)
    covered = None if units is None else sum(u.population for u in units if u.basic_complete)
    events = None if usage is None else sum(c[2] for c in usage)
    within = None if usage is None else sum(c[3] for c in usage)
    return {
        "code": code,
        "name": name,
        "places": None if units is None else sum(places.get(u.code, 0) for u in units),
        "shops": shops,
        "employees": figures.employees,
        "shops_reporting": figures.shops_reporting,
        "investment_month_wan": wan_from_fen(month_figures.investment_fen),
        "investment_total_wan": wan_from_fen(figures.investment_fen),
        "commercial_floor_m2": figures.commercial_floor_m2,
        "total_floor_m2": figures.total_floor_m2,
        "floor_share": figures.floor_share,
        "centres_month": month_figures.centres,
        "centres_total": figures.centres,
        "centre_names": "、".join(month_figures.centre_names) or None,
        "satisfaction": satisfaction,
        "units": None if units is None else len(units),
        "basic_complete": None if units is None else sum(u.basic_complete for u in units),
        "covered_share": None if not population or covered is None else covered / population,
        "usage_events": None if events is None or events < MIN_EVENTS else events,
        "usage_within_share": None
        if events is None or within is None
        else shown_share(events, within),
    }


def operator_scope(*, engine: Engine, city: str, area: str | None = None) -> AreaScope:
    """The whole of ``city`` (or its ``area``) for the operator's command line.

    Raises
    ------
    NotFoundError
        If there is no such city, or no unit ``area`` in it.

    """
    with session_scope(engine) as session:
        city_id = get_city(session, name=city).id
        found = None if area is None else city_area(session, city_id=city_id, code=area)
    if found is not None and not found.known:
        raise NotFoundError(f"city {city!r} has no unit with code {area!r}", field="area")
    return AreaScope(city=city, city_id=city_id, area=found)


def survey_satisfaction(
    *, engine: Engine, scope: AreaScope
) -> Callable[[str, str], float | None] | None:
    """The share satisfied per area in the city's latest satisfaction survey, or ``None``.

    The survey of :func:`~lifecircle.services.survey_results.latest_satisfaction` (the
    latest closed one, else the one open now), whatever the month: surveys are not
    monthly. An area's figure pools the answers filed in its communities (``""``: the
    whole scope) and is ``None`` under the surveys' minimum cell of 5 answers.
    """
    counts = latest_satisfaction(engine=engine, name=scope.city)
    if counts is None:
        return None

    def figure(code: str, month: str) -> float | None:  # noqa: ARG001 - not monthly
        if not code:
            codes = None if scope.area is None else {c for c in counts.counts if scope.covers(c)}
        else:
            with session_scope(engine) as session:
                area = city_area(session, city_id=scope.city_id, code=code)
            codes = {c for c in counts.counts if area.contains(c)}
        return counts.cell(codes).share

    return figure


def write_statistics(
    *, engine: Engine, city: str, month: str, out: Path, area: str | None = None
) -> Statistics:
    """Write the month's statistics workbook of a city (or an area of it) to ``out``."""
    table = monthly_statistics(
        engine=engine, scope=operator_scope(engine=engine, city=city, area=area), month=month
    )
    with atomic_binary(out) as handle:
        handle.write(table.workbook())
    return table
