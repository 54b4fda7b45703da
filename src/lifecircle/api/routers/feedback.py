"""Missing-service reports: residents file, officials read counts beside the computed gaps.

``POST /cities/{city}/feedback``: residents. ``GET /cities/{city}/feedback/summary`` and
``/feedback/map``: officials of the area, administrators (counts only, never a point or
an account).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from lifecircle.api.deps import EngineDep, ScopeDep, require_roles
from lifecircle.api.schemas.common import CityName, problems
from lifecircle.api.schemas.feedback import (
    FeedbackCellPublic,
    FeedbackMap,
    FeedbackSummaryPublic,
    ReportCreate,
    ReportPublic,
)
from lifecircle.services import feedback
from lifecircle.services.accounts import Account
from lifecircle.store.models import Role

router = APIRouter(tags=["feedback"])

ResidentUser = Annotated[Account, require_roles(Role.RESIDENT)]
City = Annotated[CityName, Path(description="City name.")]


@router.post(
    "/cities/{city}/feedback",
    status_code=status.HTTP_201_CREATED,
    responses=problems(401, 403, 404),
)
def report_missing(
    city: City, body: ReportCreate, user: ResidentUser, engine: EngineDep
) -> ReportPublic:
    """Report a service missing near a point; it is filed under the point's community."""
    filed = feedback.file_report(
        engine=engine,
        user_id=user.id,
        city=city,
        category=body.category,
        lon=body.lon,
        lat=body.lat,
        crs=body.crs,
        note=body.note,
    )
    return ReportPublic(**filed.__dict__)


@router.get("/cities/{city}/feedback/summary", responses=problems(401, 403, 404))  # noqa: FAST003 - ScopeDep reads {city}
def read_feedback_summary(scope: ScopeDep, engine: EngineDep) -> FeedbackSummaryPublic:
    """Reports per community × category, beside the latest assessment's gaps there."""
    summary = feedback.feedback_summary(engine=engine, scope=scope)
    return FeedbackSummaryPublic(
        city=summary.city,
        area=summary.area,
        run_id=summary.run_id,
        assessed_at=summary.assessed_at,
        reports=summary.reports,
        cells=[
            FeedbackCellPublic(
                community_code=c.code,
                community_name=c.name,
                category=c.category,
                reports=c.reports,
                residents=c.residents,
                coverage=c.coverage,
                missing=c.missing,
                weak=c.weak,
                gap=c.gap,
            )
            for c in summary.cells
        ],
    )


@router.get("/cities/{city}/feedback/map", responses=problems(401, 403, 404))  # noqa: FAST003 - ScopeDep reads {city}
def read_feedback_map(scope: ScopeDep, engine: EngineDep) -> FeedbackMap:
    """The reports as GeoJSON: a point per community (inside its boundary), counts per category."""
    return FeedbackMap.model_validate(feedback.feedback_map(engine=engine, scope=scope))
