"""``/cities/{city}/coverage-by-hour``: the officials' coverage by time of day.

Scoped like the dashboard's other figures: an official of the whole city (or an
administrator) reads the city's curves, an official of a district or 街道 (or
``?area=``) the area's, weighted by the communities' residents; ``?community=`` one
community's, inside the caller's area (403 outside it, 404 when the run has none).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from lifecircle.api.deps import EngineDep, ScopeDep
from lifecircle.api.schemas.common import AreaCode, RowId, problems
from lifecircle.api.schemas.hours import (
    HourCategoryPublic,
    HourCurvesPublic,
    HourlyCoveragePublic,
    HourRunPublic,
)
from lifecircle.services.coverage_by_hour import hourly_coverage

router = APIRouter(prefix="/cities", tags=["planning"])


@router.get("/{city}/coverage-by-hour", responses=problems(401, 403, 404))  # noqa: FAST003 - ScopeDep reads {city}
def read_coverage_by_hour(
    scope: ScopeDep,
    engine: EngineDep,
    run: Annotated[
        RowId | None, Query(description="An assessment run of the city (default: the latest).")
    ] = None,
    community: Annotated[
        AreaCode | None, Query(description="One community's curves (a code of the run).")
    ] = None,
) -> HourlyCoveragePublic:
    """Coverage of the basic categories at each hour of a weekday and a weekend day.

    From a run assessed `--by-hour` (an assess job with `by_hour`); 404 naming `run`
    otherwise. The whole city's curves as stored; an area's weighted by the residents of
    its communities; `?community=` one community's. With each category its hours of
    need and the share of residents served then.
    """
    found = hourly_coverage(engine=engine, scope=scope, run_id=run, community=community)
    return HourlyCoveragePublic(
        city=found.city,
        area=found.area,
        community=found.community,
        name=found.name,
        run=HourRunPublic(id=found.run_id, created_at=found.created_at),
        at=found.at,
        weekday=found.weekday,
        weekend=found.weekend,
        unknown_hours=found.unknown_hours,  # type: ignore[arg-type]  # a run stores one of the three
        hours=list(range(24)),
        population=found.population,
        communities=found.communities,
        categories=[
            HourCategoryPublic.model_validate(c, from_attributes=True) for c in found.categories
        ],
        curves=HourCurvesPublic(**found.curves),
        served_all=found.served_all,
    )
