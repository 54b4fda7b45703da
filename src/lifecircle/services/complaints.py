"""Complaints about shops: a resident files, officials of the shop's area handle.

The workflow is received → assigned → resolved (upheld) or rejected, the last two with
the official's reply. The complaint is filed under the shop's community (the owned
shop's ``place_owners.community_code``; for a place nobody runs on the platform, the
community whose boundary holds it), and only officials of that area (and
administrators, and the city-wide officials) handle it. Officials see the complaint,
never who made it. The complainant sees their own complaints and is notified of each
step. Every step is in the audit log (entity ``complaint``), the filing with no actor
id: the log is read by officials.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from lifecircle.errors import NotFoundError, PermissionDeniedError, ValidationError
from lifecircle.services.accounts import Account, plain_text
from lifecircle.services.areas import area_scope
from lifecircle.services.residents.communities import community_at
from lifecircle.store import complaints as store
from lifecircle.store.accounts import get_user
from lifecircle.store.audit import Actor, record_change
from lifecircle.store.cities import get_city
from lifecircle.store.complaints import ComplaintKind, ComplaintRow, ComplaintStatus
from lifecircle.store.db import session_scope
from lifecircle.store.models import City, Place, Role, utc_now
from lifecircle.store.notifications import notify
from lifecircle.store.owners import shop_of

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from lifecircle.services.areas import AreaScope

ENTITY = "complaint"
"""The audit log's entity of a complaint."""
MAX_DESCRIPTION = 2000
"""Longest description of a complaint, in characters."""
MAX_REPLY = 2000
"""Longest reply of an official, in characters."""

KIND_NAMES = {
    ComplaintKind.OVERCHARGING: "价格欺诈",
    ComplaintKind.EXPIRED_GOODS: "过期商品",
    ComplaintKind.NO_PRICE_TAGS: "未明码标价",
    ComplaintKind.FALSE_ADVERTISING: "虚假宣传",
    ComplaintKind.OTHER: "其他",
}
"""The Chinese name of each kind (notifications are in the deployment's language)."""

_STEP_TITLES = {
    ComplaintStatus.RECEIVED: "投诉已受理",
    ComplaintStatus.ASSIGNED: "投诉已分派处理",
    ComplaintStatus.RESOLVED: "投诉已办结（成立）",
    ComplaintStatus.REJECTED: "投诉未予支持",
}


@dataclass(frozen=True)
class ComplaintView:
    """A complaint as officials and its complainant see it: no complainant in it."""

    id: int
    city: str
    place_id: int
    uid: str
    place_name: str | None
    community_code: str | None
    kind: str
    description: str
    status: str
    assignee_id: int | None
    reply: str | None
    created_at: datetime
    assigned_at: datetime | None
    decided_at: datetime | None


def _view(row: ComplaintRow, city: str) -> ComplaintView:
    return ComplaintView(
        id=row.id,
        city=city,
        place_id=row.place_id,
        uid=row.uid,
        place_name=row.place_name,
        community_code=row.community_code,
        kind=row.kind,
        description=row.description,
        status=row.status,
        assignee_id=row.assignee_id,
        reply=row.reply,
        created_at=row.created_at,
        assigned_at=row.assigned_at,
        decided_at=row.decided_at,
    )


def _text(value: str, *, field: str, longest: int) -> str:
    clean = value.strip()
    if not clean:
        raise ValidationError(f"{field} must not be empty", field=field)
    if len(clean) > longest or not plain_text(clean):
        raise ValidationError(
            f"{field} has at most {longest} characters, none of them a control character",
            field=field,
        )
    return clean


def _city_name(session: Session, city_id: int) -> str:
    found = session.get(City, city_id)
    assert found is not None  # a complaint's city is deleted with it
    return found.name


def _notify(session: Session, row: ComplaintRow, step: ComplaintStatus) -> None:
    if row.user_id is None:  # the complainant's account is gone
        return
    name = row.place_name or row.uid
    body = f"{name}：{KIND_NAMES[ComplaintKind(row.kind)]}"
    if row.reply:
        body += f"。答复：{row.reply}"
    notify(
        session,
        user_id=row.user_id,
        kind="complaint",
        title=_STEP_TITLES[step],
        body=body,
        data={"complaint_id": row.id, "status": row.status, "place_id": row.place_id},
        key=f"complaint:{row.id}:{step.value}",
    )


def _audit(
    session: Session, row: ComplaintRow, actor: Actor, action: str, before: ComplaintRow | None
) -> None:
    record_change(
        session,
        city_id=row.city_id,
        actor=actor,
        entity=ENTITY,
        entity_id=row.id,
        action=action,
        before=None if before is None else before.snapshot(),
        after=row.snapshot(),
        place_id=row.place_id,
        community_code=row.community_code,
    )


def file_complaint(
    *, engine: Engine, account: Account, city: str, uid: str, kind: ComplaintKind, description: str
) -> ComplaintView:
    """A resident's complaint about the place ``uid`` of ``city``: received.

    Raises
    ------
    NotFoundError
        If the city or the place does not exist.
    ValidationError
        If the description is empty or too long.

    """
    text = _text(description, field="body.description", longest=MAX_DESCRIPTION)
    with session_scope(engine) as session:
        try:
            city_id = get_city(session, name=city).id
        except NotFoundError as exc:
            raise NotFoundError(str(exc), field="city") from None
        place = session.execute(
            select(Place.id, Place.lon, Place.lat).where(Place.city_id == city_id, Place.uid == uid)
        ).first()
        if place is None:
            raise NotFoundError(f"city {city!r} has no place {uid!r}", field="uid")
        shop = shop_of(session, place_id=place.id)
        city_name = _city_name(session, city_id)
    if shop is not None:
        code = shop.community_code
    else:
        code = community_at(engine=engine, city=city_name, lon=place.lon, lat=place.lat)
    with session_scope(engine) as session:
        row = store.add_complaint(
            session,
            city_id=city_id,
            place_id=place.id,
            community_code=code,
            user_id=account.id,
            kind=kind.value,
            description=text,
        )
        # the log is read by officials: the filing names the role, never the complainant
        _audit(session, row, Actor(id=None, role=Role.RESIDENT.value), "create", None)
        _notify(session, row, ComplaintStatus.RECEIVED)
    return _view(row, city_name)


def area_complaints(
    *,
    engine: Engine,
    scope: AreaScope,
    status: ComplaintStatus | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[ComplaintView], int]:
    """The complaints of an official's area, newest first, and how many match."""
    members = None if scope.area is None else scope.area.members
    with session_scope(engine) as session:
        rows, total = store.list_complaints(
            session,
            city_id=scope.city_id,
            communities=members,
            status=status,
            limit=limit,
            offset=offset,
        )
    return [_view(r, scope.city) for r in rows], total


def my_complaints(
    *, engine: Engine, user_id: int, limit: int = 100, offset: int = 0
) -> tuple[list[ComplaintView], int]:
    """One's own complaints, newest first."""
    with session_scope(engine) as session:
        rows, total = store.list_complaints(session, user_id=user_id, limit=limit, offset=offset)
        cities = {r.city_id: _city_name(session, r.city_id) for r in rows}
    return [_view(r, cities[r.city_id]) for r in rows], total


def _may_handle(engine: Engine, account: Account, row: ComplaintRow, city: str) -> None:
    """Officials of the complaint's area (city-wide ones too) and administrators."""
    scope = area_scope(engine=engine, account=account, city=city, area=None)
    code = row.community_code
    if scope.area is not None and (code is None or not scope.covers(code)):
        raise PermissionDeniedError(
            f"complaint {row.id} lies outside your area {scope.area.code}", field="complaint_id"
        )


def _handled(engine: Engine, account: Account, complaint_id: int) -> tuple[ComplaintRow, str]:
    with session_scope(engine) as session:
        row = store.get_complaint(session, complaint_id=complaint_id)
        city = _city_name(session, row.city_id)
    _may_handle(engine, account, row, city)
    return row, city


def _actor(account: Account) -> Actor:
    return Actor(id=account.id, role=account.role.value)


def assign(
    *, engine: Engine, account: Account, complaint_id: int, assignee_id: int | None = None
) -> ComplaintView:
    """Assign a received (or reassign an assigned) complaint: to ``assignee_id`` or oneself.

    Raises
    ------
    NotFoundError
        If there is no such complaint.
    PermissionDeniedError
        For an official of another area.
    ValidationError
        If the assignee is not an official who may handle it (or an administrator).
    ConflictError
        If it was decided already.

    """
    before, city = _handled(engine, account, complaint_id)
    target = account.id if assignee_id is None else assignee_id
    if target != account.id:
        try:
            with session_scope(engine) as session:
                other = Account.from_user(get_user(session, user_id=target))
            _may_handle(engine, other, before, city)  # refuses other roles too
        except (NotFoundError, PermissionDeniedError):
            raise ValidationError(
                f"account {target} is not an official who may handle complaint {complaint_id}",
                field="body.assignee_id",
            ) from None
    with session_scope(engine, write=True) as session:
        row = store.move(
            session,
            complaint_id=complaint_id,
            from_states=(ComplaintStatus.RECEIVED, ComplaintStatus.ASSIGNED),
            to=ComplaintStatus.ASSIGNED,
            values={"assignee_id": target, "assigned_at": utc_now()},
        )
        _audit(session, row, _actor(account), "assign", before)
        _notify(session, row, ComplaintStatus.ASSIGNED)
    return _view(row, city)


def decide(
    *, engine: Engine, account: Account, complaint_id: int, upheld: bool, reply: str
) -> ComplaintView:
    """Resolve (``upheld``) or reject an assigned complaint, with the reply the complainant reads.

    Raises
    ------
    NotFoundError, PermissionDeniedError
        As :func:`assign`.
    ValidationError
        If the reply is empty or too long.
    ConflictError
        If it is not assigned (received: assign it first; or decided already).

    """
    text = _text(reply, field="body.reply", longest=MAX_REPLY)
    before, city = _handled(engine, account, complaint_id)
    to = ComplaintStatus.RESOLVED if upheld else ComplaintStatus.REJECTED
    with session_scope(engine, write=True) as session:
        row = store.move(
            session,
            complaint_id=complaint_id,
            from_states=(ComplaintStatus.ASSIGNED,),
            to=to,
            values={"reply": text, "decided_at": utc_now(), "decided_by": account.id},
        )
        _audit(session, row, _actor(account), "resolve" if upheld else "reject", before)
        _notify(session, row, to)
    return _view(row, city)
