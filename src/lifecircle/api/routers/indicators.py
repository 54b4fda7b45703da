"""The plan's indicators: officials' records, shops' employees, usage, monthly statistics.

``/cities/{city}/indicators...``, ``/usage`` and ``/statistics.xlsx``: officials of the
area and administrators. ``/shops/{place_id}/employees``: the shop's merchant only (the
other merchant gets 404, never told whose the shop is).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Path, Query, Response

from lifecircle.api.deps import EngineDep, MerchantUser, OfficialUser, ScopeDep
from lifecircle.api.schemas.common import AreaCode, CityName, RowId, problems
from lifecircle.api.schemas.indicators import (
    CentrePublic,
    EmployeesPublic,
    EmployeesUpdate,
    FiguresPublic,
    IndicatorList,
    IndicatorPublic,
    IndicatorUpdate,
    Period,
    UsageCellPublic,
    UsagePublic,
)
from lifecircle.core.assess.indicators import floor_share
from lifecircle.services import indicators, usage
from lifecircle.services.statistics import monthly_statistics, wan_from_fen

if TYPE_CHECKING:
    from lifecircle.store.indicators import Indicator

router = APIRouter(tags=["indicators"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _wan(fen: int | None) -> str | None:
    value = wan_from_fen(fen)
    return None if value is None else f"{value:f}"


def _public(r: Indicator) -> IndicatorPublic:
    return IndicatorPublic(
        id=r.id,
        area_code=r.area_code,
        period=r.period,
        investment_fen=r.investment_fen,
        investment_wan=_wan(r.investment_fen),
        commercial_floor_m2=r.commercial_floor_m2,
        total_floor_m2=r.total_floor_m2,
        floor_share=floor_share(r.commercial_floor_m2, r.total_floor_m2),
        centres=[CentrePublic(name=c["name"], kind=c["kind"]) for c in r.centres],
        updated_at=r.updated_at,
    )


@router.put("/cities/{city}/indicators/{code}/{period}", responses=problems(401, 403, 404))
def put_indicator(
    city: Annotated[CityName, Path(description="City name.")],
    code: Annotated[AreaCode, Path(description="A community, 街道 or district code.")],
    period: Annotated[Period, Path(description="The month, `YYYY-MM`.")],
    body: IndicatorUpdate,
    user: OfficialUser,
    engine: EngineDep,
) -> IndicatorPublic:
    """Record (or replace) an area's indicators for a month; audited as `indicator`.

    For officials whose area holds `code`, and administrators.
    """
    draft = indicators.IndicatorDraft(
        investment_fen=body.investment_fen,
        commercial_floor_m2=body.commercial_floor_m2,
        total_floor_m2=body.total_floor_m2,
        centres=tuple(indicators.Centre(c.name, c.kind) for c in body.centres),
    )
    found = indicators.record_indicator(
        engine=engine, account=user, city=city, code=code, period=period, draft=draft
    )
    return _public(found)


@router.get("/cities/{city}/indicators", responses=problems(401, 403, 404))  # noqa: FAST003 - ScopeDep reads {city}
def list_indicators(
    scope: ScopeDep,
    engine: EngineDep,
    since: Annotated[
        Period | None, Query(alias="from", description="First month, `YYYY-MM`.")
    ] = None,
    until: Annotated[Period | None, Query(alias="to", description="Last month, `YYYY-MM`.")] = None,
) -> IndicatorList:
    """The records of the areas in scope and months in range, with their sums."""
    found = indicators.list_indicators(engine=engine, scope=scope, since=since, until=until)
    totals = indicators.scope_totals(engine=engine, scope=scope, records=found, until=until)
    return IndicatorList(
        city=scope.city,
        area=None if scope.area is None else scope.area.code,
        records=[_public(r) for r in found],
        totals=FiguresPublic(
            investment_fen=totals.investment_fen,
            investment_wan=_wan(totals.investment_fen),
            commercial_floor_m2=totals.commercial_floor_m2,
            total_floor_m2=totals.total_floor_m2,
            floor_share=totals.floor_share,
            centres=totals.centres,
            employees=totals.employees,
            shops_reporting=totals.shops_reporting,
        ),
    )


@router.put("/shops/{place_id}/employees", responses=problems(401, 403, 404))
def put_employees(
    place_id: Annotated[RowId, Path(description="The shop's place id (one of one's places).")],
    body: EmployeesUpdate,
    user: MerchantUser,
    engine: EngineDep,
) -> EmployeesPublic:
    """Report one's shop's employees for a month (the latest month counts)."""
    found = indicators.report_employees(
        engine=engine,
        user_id=user.id,
        place_id=place_id,
        period=body.period,
        employees=body.employees,
    )
    return EmployeesPublic(
        place_id=found.place_id,
        period=found.period,
        employees=found.employees,
        reported_at=found.reported_at,
    )


@router.get("/cities/{city}/usage", responses=problems(401, 403, 404))  # noqa: FAST003 - ScopeDep reads {city}
def read_usage(
    scope: ScopeDep,
    engine: EngineDep,
    month: Annotated[Period, Query(description="The month, `YYYY-MM`.")],
) -> UsagePublic:
    """A month's 15-minute usage per home community × shop category (computed in batch).

    Cells of fewer than `min_events` redemptions show neither count nor share.
    """
    view = usage.read_usage(engine=engine, scope=scope, month=month)
    return UsagePublic(
        city=view.city,
        area=view.area,
        month=view.month,
        computed_at=view.computed_at,
        limit_minutes=view.limit_minutes,
        min_events=view.min_events,
        events=view.events,
        within_share=view.within_share,
        cells=[
            UsageCellPublic(
                community_code=c.community_code,
                category=c.category,
                events=c.events,
                within_share=c.within_share,
            )
            for c in view.cells
        ],
    )


@router.get(
    "/cities/{city}/statistics.xlsx",  # noqa: FAST003 - ScopeDep reads {city}
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}, **problems(401, 403, 404)},
)
def statistics_xlsx(
    scope: ScopeDep,
    engine: EngineDep,
    month: Annotated[Period, Query(description="The month, `YYYY-MM`.")],
) -> Response:
    """The bureau's monthly statistics of the area, by district (XLSX)."""
    table = monthly_statistics(engine=engine, scope=scope, month=month)
    name = re.sub(r"[^A-Za-z0-9._-]", "_", f"statistics-{scope.city}-{month}.xlsx")
    return Response(
        table.workbook(),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
