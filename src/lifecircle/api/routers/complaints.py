"""Complaints about shops and the shops' integrity view (诚信).

``POST /cities/{city}/places/{uid}/complaints``: residents. ``GET /cities/{city}/complaints``,
``/complaints/summary`` and ``POST /complaints/{id}/assign|resolve|reject``: officials
of the shop's area, administrators. ``GET /users/me/complaints``: one's own.
``GET /cities/{city}/places/{uid}/integrity``: anyone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from lifecircle.api.deps import CurrentUser, EngineDep, OfficialUser, ScopeDep, require_roles
from lifecircle.api.schemas.common import NO_CONTROL, CityName, RowId, problems
from lifecircle.api.schemas.complaints import (
    AssignBody,
    CommunityComplaintsPublic,
    ComplaintCreate,
    ComplaintList,
    ComplaintPublic,
    ComplaintsSummaryPublic,
    DecisionBody,
    IntegrityPublic,
)
from lifecircle.services import complaints
from lifecircle.services.accounts import Account
from lifecircle.services.integrity import complaints_summary, place_integrity
from lifecircle.store.complaints import ComplaintStatus
from lifecircle.store.models import UID_LENGTH, Role

router = APIRouter(tags=["complaints"])

ResidentUser = Annotated[Account, require_roles(Role.RESIDENT)]
City = Annotated[CityName, Path(description="City name.")]
ComplaintId = Annotated[RowId, Path(description="A complaint's id.")]
Uid = Annotated[
    str,
    Path(
        min_length=1,
        max_length=UID_LENGTH,
        pattern=NO_CONTROL,
        description="The place's uid (`osm:node/123`; its `/` may stay unescaped).",
    ),
]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


def complaint_public(view: complaints.ComplaintView) -> ComplaintPublic:
    """The API's view of a complaint."""
    return ComplaintPublic.model_validate(view.__dict__)


@router.post(
    "/cities/{city}/places/{uid:path}/complaints",
    status_code=status.HTTP_201_CREATED,
    responses=problems(401, 403, 404),
)
def file_complaint(
    city: City, uid: Uid, body: ComplaintCreate, user: ResidentUser, engine: EngineDep
) -> ComplaintPublic:
    """Complain about a place: received, for the officials of its area."""
    view = complaints.file_complaint(
        engine=engine,
        account=user,
        city=city,
        uid=uid,
        kind=body.kind,
        description=body.description,
    )
    return complaint_public(view)


@router.get("/cities/{city}/places/{uid:path}/integrity", responses=problems(404))
def read_integrity(city: City, uid: Uid, engine: EngineDep) -> IntegrityPublic:
    """A place's integrity view: complaints, published prices, stock lapses and a grade."""
    found = place_integrity(engine=engine, city=city, uid=uid)
    return IntegrityPublic.model_validate(found.__dict__)


@router.get("/cities/{city}/complaints", responses=problems(401, 403, 404))  # noqa: FAST003 - ScopeDep reads {city}
def list_complaints(
    scope: ScopeDep,
    engine: EngineDep,
    state: Annotated[ComplaintStatus | None, Query(alias="status")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> ComplaintList:
    """The complaints of one's area, newest first (without who made them)."""
    views, total = complaints.area_complaints(
        engine=engine, scope=scope, status=state, limit=limit, offset=offset
    )
    return ComplaintList(total=total, items=[complaint_public(v) for v in views])


@router.get("/cities/{city}/complaints/summary", responses=problems(401, 403, 404))  # noqa: FAST003 - ScopeDep reads {city}
def read_complaints_summary(
    scope: ScopeDep,
    engine: EngineDep,
    since: Annotated[
        datetime | None, Query(description="Period start, with its zone (default: 12 months ago).")
    ] = None,
    until: Annotated[
        datetime | None, Query(description="Period end, excluded (default: now).")
    ] = None,
) -> ComplaintsSummaryPublic:
    """Per community: complaints filed in the period, upheld, and per 1,000 residents."""
    found = complaints_summary(engine=engine, scope=scope, since=since, until=until)
    return ComplaintsSummaryPublic(
        city=found.city,
        area=found.area,
        since=found.since,
        until=found.until,
        run_id=found.run_id,
        complaints=found.complaints,
        upheld=found.upheld,
        communities=[CommunityComplaintsPublic(**c.__dict__) for c in found.communities],
    )


@router.post("/complaints/{complaint_id}/assign", responses=problems(401, 403, 404, 409))
def assign_complaint(
    complaint_id: ComplaintId, body: AssignBody, user: OfficialUser, engine: EngineDep
) -> ComplaintPublic:
    """Take (or give to another official of its area) a received or assigned complaint."""
    view = complaints.assign(
        engine=engine, account=user, complaint_id=complaint_id, assignee_id=body.assignee_id
    )
    return complaint_public(view)


@router.post("/complaints/{complaint_id}/resolve", responses=problems(401, 403, 404, 409))
def resolve_complaint(
    complaint_id: ComplaintId, body: DecisionBody, user: OfficialUser, engine: EngineDep
) -> ComplaintPublic:
    """Uphold an assigned complaint, saying what was done (409 unless assigned)."""
    view = complaints.decide(
        engine=engine, account=user, complaint_id=complaint_id, upheld=True, reply=body.reply
    )
    return complaint_public(view)


@router.post("/complaints/{complaint_id}/reject", responses=problems(401, 403, 404, 409))
def reject_complaint(
    complaint_id: ComplaintId, body: DecisionBody, user: OfficialUser, engine: EngineDep
) -> ComplaintPublic:
    """Reject an assigned complaint, saying why (409 unless assigned)."""
    view = complaints.decide(
        engine=engine, account=user, complaint_id=complaint_id, upheld=False, reply=body.reply
    )
    return complaint_public(view)


@router.get("/users/me/complaints", responses=problems(401))
def read_my_complaints(
    user: CurrentUser, engine: EngineDep, limit: Limit = 100, offset: Offset = 0
) -> ComplaintList:
    """One's own complaints and where they stand."""
    views, total = complaints.my_complaints(
        engine=engine, user_id=user.id, limit=limit, offset=offset
    )
    return ComplaintList(total=total, items=[complaint_public(v) for v in views])
