"""Consultations (听取意见建议): officials publish, residents support, oppose and comment.

``POST /cities/{city}/consultations``: officials of the area of its community.
``GET /cities/{city}/consultations`` and ``GET /consultations/{id}``: anyone (open and
closed ones; upcoming ones for the officials of their area). ``PUT .../stance`` and
``POST .../comments``: residents, while it is open. ``POST .../close``: its officials end
an open one early.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from lifecircle.api.deps import EngineDep, OfficialUser, OptionalUser, require_roles
from lifecircle.api.schemas.common import AreaCode, CityName, RowId, problems
from lifecircle.api.schemas.consultations import (
    CommentCreate,
    CommentPublic,
    CommunityTallyPublic,
    ConsultationCreate,
    ConsultationList,
    ConsultationPage,
    ConsultationPublic,
    StancePublic,
    StanceSet,
    TalliesPublic,
    TallyPublic,
)
from lifecircle.api.schemas.residents import Crs
from lifecircle.core.integrity import Tally
from lifecircle.services import consultations
from lifecircle.services.accounts import Account
from lifecircle.store.consultations import ConsultationStatus
from lifecircle.store.models import Role

router = APIRouter(tags=["consultations"])

ResidentUser = Annotated[Account, require_roles(Role.RESIDENT)]
City = Annotated[CityName, Path(description="City name.")]
ConsultationId = Annotated[RowId, Path(description="A consultation's id.")]
CrsQuery = Annotated[Crs, Query(description="The CRS of points in the answer.")]


def consultation_public(view: consultations.ConsultationView) -> ConsultationPublic:
    """The API's view of a consultation."""
    return ConsultationPublic(**view.__dict__)


def _tally(cell: Tally) -> TallyPublic:
    return TallyPublic(support=cell.support, oppose=cell.oppose, too_few=cell.too_few)


@router.post(
    "/cities/{city}/consultations",
    status_code=status.HTTP_201_CREATED,
    responses=problems(401, 403, 404),
)
def publish_consultation(
    city: City, body: ConsultationCreate, user: OfficialUser, engine: EngineDep
) -> ConsultationPublic:
    """Publish a proposal at a point (officials of its community's area, administrators)."""
    draft = consultations.ConsultationDraft(**body.model_dump())
    view = consultations.publish(engine=engine, account=user, city=city, draft=draft)
    return consultation_public(view)


@router.get("/cities/{city}/consultations", responses=problems(403, 404))
def list_consultations(
    city: City,
    engine: EngineDep,
    user: OptionalUser,
    area: Annotated[
        AreaCode | None, Query(description="Only those about this district, 街道 or community.")
    ] = None,
    state: Annotated[
        ConsultationStatus | None,
        Query(alias="status", description="`open` for everyone; others for the officials."),
    ] = None,
    crs: CrsQuery = "wgs84",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ConsultationList:
    """Open consultations for everyone; all of their area for the city's officials."""
    views, total = consultations.consultations(
        engine=engine,
        city=city,
        viewer=user,
        area=area,
        status=state,
        crs=crs,
        limit=limit,
        offset=offset,
    )
    return ConsultationList(total=total, items=[consultation_public(v) for v in views])


@router.get("/consultations/{consultation_id}", responses=problems(404))
def read_consultation(
    consultation_id: ConsultationId, engine: EngineDep, user: OptionalUser, crs: CrsQuery = "wgs84"
) -> ConsultationPage:
    """A consultation with tallies per community (under 5 stances: too few) and comments."""
    page = consultations.consultation_page(
        engine=engine, consultation_id=consultation_id, viewer=user, crs=crs
    )
    return ConsultationPage(
        consultation=consultation_public(page.consultation),
        tallies=TalliesPublic(
            communities=[
                CommunityTallyPublic(
                    code=c.code,
                    name=c.name,
                    support=c.tally.support,
                    oppose=c.tally.oppose,
                    too_few=c.tally.too_few,
                )
                for c in page.tallies.communities
            ],
            suppressed=_tally(page.tallies.suppressed),
            total=_tally(page.tallies.total),
        ),
        comments=[CommentPublic(**c.__dict__) for c in page.comments],
        comments_total=page.comments_total,
        my_stance=page.my_stance,
    )


@router.post("/consultations/{consultation_id}/close", responses=problems(401, 403, 404, 409))
def close_consultation(
    consultation_id: ConsultationId,
    user: OfficialUser,
    engine: EngineDep,
    crs: CrsQuery = "wgs84",
) -> ConsultationPublic:
    """End an open consultation now (officials of its area); its tallies stay as they are."""
    view = consultations.close_consultation(
        engine=engine, account=user, consultation_id=consultation_id, crs=crs
    )
    return consultation_public(view)


@router.put("/consultations/{consultation_id}/stance", responses=problems(401, 403, 404, 409))
def set_stance(
    consultation_id: ConsultationId, body: StanceSet, user: ResidentUser, engine: EngineDep
) -> StancePublic:
    """Support or oppose an open consultation (one stance per account; this replaces it)."""
    mine = consultations.take_stance(
        engine=engine, account=user, consultation_id=consultation_id, stance=body.stance
    )
    return StancePublic(**mine.__dict__)


@router.post(
    "/consultations/{consultation_id}/comments",
    status_code=status.HTTP_201_CREATED,
    responses=problems(401, 403, 404, 409),
)
def add_comment(
    consultation_id: ConsultationId, body: CommentCreate, user: ResidentUser, engine: EngineDep
) -> CommentPublic:
    """Comment on an open consultation (shown without one's name)."""
    made = consultations.comment(
        engine=engine, account=user, consultation_id=consultation_id, text=body.text
    )
    return CommentPublic(**made.__dict__)
