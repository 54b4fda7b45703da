"""``/cities/{city}/runs`` and ``/cities/{city}/what-if``: officials' trend and what-if.

The trend lists the city's assessment runs with their headline figures, of the part of
the city the caller sees (an area official: the area's communities only). What-if
re-scores the communities one added, moved or removed place can affect, from the
latest run: a whole-city planning tool, like plans, for the city's officials and
administrators (an official of one district or 街道 gets 403).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from lifecircle.api.deps import EngineDep, OfficialUser, ScopeDep
from lifecircle.api.schemas.common import CityName, RowId, problems
from lifecircle.api.schemas.planning import (
    RunTrendPoint,
    RunTrendPublic,
    WhatIfCreate,
    WhatIfPublic,
)
from lifecircle.errors import PermissionDeniedError
from lifecircle.services.areas import area_scope
from lifecircle.services.residents.points import point_in
from lifecircle.services.trend import MAX_RUNS, run_trend
from lifecircle.services.whatif import Change, what_if

router = APIRouter(prefix="/cities", tags=["planning"])

CityPath = Annotated[CityName, Path(description="City name.")]


@router.get("/{city}/runs", responses=problems(401, 403, 404))  # noqa: FAST003 - ScopeDep reads {city}
def list_city_runs(
    scope: ScopeDep,
    engine: EngineDep,
    limit: Annotated[int, Query(ge=1, le=MAX_RUNS, description="Runs on the page.")] = 50,
    before: Annotated[
        RowId | None, Query(description="Only runs older than this run (`next_before`).")
    ] = None,
) -> RunTrendPublic:
    """The city's assessment runs, newest first, with their headline figures.

    Each run: when, the walking limit and profile it used, its basic-complete communities
    and their share, F15 and coverage per category. An official of a district or 街道
    (or `?area=`) gets the figures of that area's communities only.
    """
    trend = run_trend(engine=engine, scope=scope, limit=limit, before=before)
    return RunTrendPublic(
        city=trend.city,
        area=trend.area,
        data=[RunTrendPoint.model_validate(r, from_attributes=True) for r in trend.runs],
        count=len(trend.runs),
        next_before=trend.next_before,
    )


@router.post("/{city}/what-if", responses=problems(401, 403, 404))
def post_what_if(
    city: CityPath, body: WhatIfCreate, user: OfficialUser, engine: EngineDep
) -> WhatIfPublic:
    """What if one place were added, moved or removed: before and after, where it matters.

    Only the communities within the place's walking reach are re-scored, from the city's
    latest assessment run (which is not changed). A position may be given in `gcj02` or
    `bd09` (`crs`); the answer is in WGS-84. 404 names `uid` for an unknown place, 422
    names `category` for a category the city's taxonomy lacks.

    With `at` only the places open at that moment count, before and after; an added
    shop's `hours` (OSM or Amap text) say when it is open (422 naming `hours` when they
    cannot be read, or are given for a move or removal).
    """
    scope = area_scope(engine=engine, account=user, city=city, area=None)
    if scope.area is not None:
        raise PermissionDeniedError(
            f"what-if re-scores the whole city; an official of area {scope.area.code} "
            f"sees the area's figures at /cities/{scope.city}/assessment",
            field="city",
        )
    lon, lat = body.lon, body.lat
    if lon is not None and lat is not None:
        lon, lat = point_in(lon, lat, body.crs)
    change = Change(
        op=body.op, uid=body.uid, category=body.category, lon=lon, lat=lat, hours=body.hours
    )
    result = what_if(
        engine=engine, name=scope.city, change=change, at=body.at, unknown=body.unknown_hours
    )
    return WhatIfPublic.model_validate(result)
