"""Shop applications: merchants register new shops or claim places; officials decide.

A merchant's application waits (``pending``) for an official whose area holds its
community, or an administrator (or the operator's CLI). Approving

* a **claim** makes the merchant the place's owner; the place also gets the source id
  ``merchant``/``<application id>``, so a later re-import of the source it came from
  that no longer lists it does not delete a claimed shop;
* a **new shop** first looks for a stored place the import dedupe would merge it with
  (:func:`lifecircle.core.assess.dedupe.find_duplicates`: similar name within 30 m).
  Found and nobody owns it: the application becomes a claim of that place, approved,
  the merchant's details filling what the place lacks. Found and owned: 409 naming the
  place, and the application stays pending (the official rejects it or the owner
  gives the place up). Not found: a place of source ``merchant`` (source id the
  application id, uid ``merchant:<id>``) is made with its categories and owner, and
  the city's places version goes up, so nearby search in every worker sees it at once.

The decision is one conditional ``UPDATE`` in the transaction that makes the place and
the owner: two decisions of one application, or approvals of two claims of one place,
give one success and a 409, whatever the concurrency. Every application and decision is
in the audit log and the merchant is notified (``claim_decision``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lifecircle.core.assess.dedupe import WITHIN_M, find_duplicates
from lifecircle.errors import ConflictError, PermissionDeniedError, ValidationError
from lifecircle.services.areas import area_scope
from lifecircle.services.residents.communities import community_at
from lifecircle.services.shop_fields import (
    checked_categories,
    checked_hours,
    checked_position,
    checked_services,
)
from lifecircle.store import owners, shops
from lifecircle.store.audit import SYSTEM, Actor, record_change
from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope
from lifecircle.store.models import City, Place, Role
from lifecircle.store.notifications import notify
from lifecircle.store.places import (
    attach_place_source,
    list_places,
    replace_place_categories,
    upsert_places,
)
from lifecircle.store.shops import Application, ApplicationKind, ApplicationStatus

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from lifecircle.services.accounts import Account
    from lifecircle.services.areas import AreaScope

MERCHANT_SOURCE = "merchant"
"""The source of the places merchants register (source id: the application's id)."""

ENTITY = "shop_application"


@dataclass(frozen=True)
class NewShop:
    """A new shop as a merchant describes it (position in ``crs``)."""

    name: str
    categories: Sequence[str]
    lon: float
    lat: float
    crs: str = "wgs84"
    address: str | None = None
    phone: str | None = None
    opening_hours: str | None = None
    weekly_hours: Mapping[str, Sequence[str]] | None = None
    services: Sequence[str] = ()


def _actor(account: Account | None) -> Actor:
    return SYSTEM if account is None else Actor(id=account.id, role=account.role.value)


def _merchant(account: Account) -> None:
    if account.role != Role.MERCHANT:
        raise PermissionDeniedError("only a merchant's account registers or claims shops")


def apply_for_shop(*, engine: Engine, account: Account, city: str, shop: NewShop) -> Application:
    """Register a new shop: a pending application for the officials of its area.

    Raises
    ------
    NotFoundError
        If there is no such city.
    ValidationError
        Naming the field: an unknown category or service, bad hours or position.

    """
    _merchant(account)
    with session_scope(engine) as session:
        found = get_city(session, name=city)
        city_id, city_name, taxonomy = found.id, found.name, found.taxonomy
    categories = checked_categories(taxonomy, shop.categories)
    services = checked_services(shop.services)
    hours = checked_hours(shop.opening_hours, shop.weekly_hours)
    lon, lat = checked_position(shop.lon, shop.lat, shop.crs)
    if not shop.name.strip():
        raise ValidationError("name: a shop needs a name", field="name")
    code = community_at(engine=engine, city=city_name, lon=lon, lat=lat)
    with session_scope(engine) as session:
        application = shops.add_application(
            session,
            city_id=city_id,
            kind=ApplicationKind.NEW.value,
            applicant_id=account.id,
            name=shop.name.strip(),
            address=shop.address,
            phone=shop.phone,
            lon=lon,
            lat=lat,
            opening_hours=None if hours is None else hours.text,
            categories=list(categories),
            services=list(services),
            community_code=code,
        )
        _record(session, application, _actor(account), "apply", None)
    return application


def claim_place(*, engine: Engine, account: Account, city: str, uid: str) -> Application:
    """Claim a stored place: a pending application for the officials of its area.

    Raises
    ------
    NotFoundError
        If the city or the place does not exist.
    ConflictError
        If the place has an owner, or the merchant already has a pending claim of it.

    """
    _merchant(account)
    with session_scope(engine) as session:
        found = get_city(session, name=city)
        city_id, city_name = found.id, found.name
        place_id = owners.place_id_by_uid(session, city_id=city_id, uid=uid)
        place = session.get(Place, place_id)
        assert place is not None
        name, lon, lat, address = place.name, place.lon, place.lat, place.address
        if owners.owner_of(session, place_id=place_id) is not None:
            raise ConflictError(f"place {uid!r} already has an owner", field="uid")
    code = community_at(engine=engine, city=city_name, lon=lon, lat=lat)
    with session_scope(engine, write=True) as session:
        if owners.owner_of(session, place_id=place_id) is not None:
            raise ConflictError(f"place {uid!r} already has an owner", field="uid")
        application = shops.add_application(
            session,
            city_id=city_id,
            kind=ApplicationKind.CLAIM.value,
            applicant_id=account.id,
            place_id=place_id,
            name=name,
            address=address,
            lon=lon,
            lat=lat,
            community_code=code,
        )
        _record(session, application, _actor(account), "apply", None)
    return application


def my_applications(*, engine: Engine, user_id: int) -> list[Application]:
    """A merchant's applications, newest first."""
    with session_scope(engine) as session:
        found, _ = shops.list_applications(session, applicant_id=user_id, limit=1000)
    return found


def applications_in(
    *,
    engine: Engine,
    scope: AreaScope,
    status: ApplicationStatus | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Application], int]:
    """The applications of an official's area (by their community), newest first."""
    communities = None if scope.area is None else scope.area.members
    with session_scope(engine) as session:
        return shops.list_applications(
            session,
            city_id=scope.city_id,
            status=None if status is None else status.value,
            communities=communities,
            limit=limit,
            offset=offset,
        )


def pending_applications(*, engine: Engine, city: str) -> list[Application]:
    """Every pending application of a city (the operator's list), newest first."""
    with session_scope(engine) as session:
        city_id = get_city(session, name=city).id
        found, _ = shops.list_applications(
            session, city_id=city_id, status=ApplicationStatus.PENDING.value, limit=100_000
        )
    return found


def _may_decide(engine: Engine, account: Account | None, application: Application) -> None:
    """Officials of the application's area and administrators decide (``None``: the CLI)."""
    if account is None or account.role == Role.ADMIN:
        return
    if account.role != Role.OFFICIAL:
        raise PermissionDeniedError("officials and administrators decide shop applications")
    with session_scope(engine) as session:
        city = session.get(City, application.city_id)
        assert city is not None
        city_name = city.name
    scope = area_scope(engine=engine, account=account, city=city_name, area=None)
    code = application.community_code
    if scope.area is not None and (code is None or not scope.covers(code)):
        raise PermissionDeniedError(
            f"shop application {application.id} lies outside your area {scope.area.code}"
        )


def _read(engine: Engine, application_id: int) -> Application:
    with session_scope(engine) as session:
        return shops.get_application(session, application_id=application_id)


def approve(*, engine: Engine, account: Account | None, application_id: int) -> Application:
    """Approve an application (see the module's notes); ``account`` ``None``: the operator.

    Raises
    ------
    NotFoundError
        If there is no such application.
    PermissionDeniedError
        For an official of another area, or an account that is not an official.
    ConflictError
        If it was decided already, the place has an owner, or (a new shop) the place it
        duplicates has an owner (named).

    """
    application = _read(engine, application_id)
    _may_decide(engine, account, application)
    actor = _actor(account)
    with session_scope(engine, write=True) as session:
        duplicate = None
        if application.kind == ApplicationKind.NEW.value:
            duplicate = _duplicate_of(session, application)
        if duplicate is None and application.kind == ApplicationKind.NEW.value:
            decided = _approve_new(session, application, actor)
        else:
            place_id = duplicate if duplicate is not None else application.place_id
            assert place_id is not None
            decided = _approve_claim(session, application, place_id, actor)
        _notify(session, decided)
    return decided


def reject(
    *, engine: Engine, account: Account | None, application_id: int, reason: str
) -> Application:
    """Reject an application with a reason the merchant reads.

    Raises
    ------
    NotFoundError, PermissionDeniedError, ConflictError
        As :func:`approve` (no such application, not the caller's area, decided already).
    ValidationError
        If the reason is empty.

    """
    if not reason.strip():
        raise ValidationError("reason: say why the application is rejected", field="reason")
    application = _read(engine, application_id)
    _may_decide(engine, account, application)
    actor = _actor(account)
    with session_scope(engine, write=True) as session:
        decided = shops.decide(
            session,
            application_id=application_id,
            status=ApplicationStatus.REJECTED,
            decided_by=actor.id,
            reason=reason.strip(),
        )
        _record(session, decided, actor, "reject", application)
        _notify(session, decided)
    return decided


def _duplicate_of(session: Session, application: Application) -> int | None:
    """The stored place the import dedupe would merge a new shop with, if any.

    Raises
    ------
    ConflictError
        If that place has an owner (named: uid and name).

    """
    assert application.lon is not None
    assert application.lat is not None
    places = list_places(session, city_id=application.city_id)
    if not places:
        return None
    pairs = find_duplicates(
        [application.lon],
        [application.lat],
        [application.name or ""],
        [p.lon for p in places],
        [p.lat for p in places],
        [str(p.name or p.brand or p.operator or "") for p in places],
        within_m=WITHIN_M,
    )
    if not len(pairs):
        return None
    place = places[int(pairs.b[0])]
    owner = owners.owner_of(session, place_id=place.id)
    if owner is not None and owner != application.applicant_id:
        raise ConflictError(
            f"the shop duplicates place {place.uid!r} ({place.name or 'no name'}, "
            f"{float(pairs.distance_m[0]):.0f} m away), which has an owner: reject this "
            "application",
            field="id",
        )
    return place.id


def _approve_new(session: Session, application: Application, actor: Actor) -> Application:
    """Make the place of an approved new shop, its categories, owner and profile."""
    hours = checked_hours(application.opening_hours, None)
    assert application.lon is not None
    assert application.lat is not None
    upsert = upsert_places(
        session,
        city_id=application.city_id,
        source=MERCHANT_SOURCE,
        rows=[
            {
                "source_id": str(application.id),
                "lon": application.lon,
                "lat": application.lat,
                "name": application.name,
                "address": application.address,
                "opening_hours": None if hours is None else hours.text,
                "opening_hours_weekly": None if hours is None else hours.weekly,
            }
        ],
    )
    place_id = upsert.place_ids[str(application.id)]
    decided = shops.decide(
        session,
        application_id=application.id,
        status=ApplicationStatus.APPROVED,
        decided_by=actor.id,
        place_id=place_id,
    )
    replace_place_categories(
        session,
        categories={place_id: [{"code": c, "rule": "merchant"} for c in application.categories]},
        source=MERCHANT_SOURCE,
    )
    _own(session, decided, application, actor, action="create")
    return decided


def _approve_claim(
    session: Session, application: Application, place_id: int, actor: Actor
) -> Application:
    """Give a claimed (or duplicated) place to the merchant."""
    decided = shops.decide(
        session,
        application_id=application.id,
        status=ApplicationStatus.APPROVED,
        decided_by=actor.id,
        place_id=place_id,
        kind=ApplicationKind.CLAIM,
    )
    if application.kind == ApplicationKind.NEW.value:  # a duplicate: fill what it lacks
        place = session.get(Place, place_id)
        assert place is not None
        hours = checked_hours(application.opening_hours, None)
        if not place.address and application.address:
            place.address = application.address
        if hours is not None and not place.opening_hours:
            place.opening_hours, place.opening_hours_weekly = hours.text, hours.weekly
        session.flush()
        replace_place_categories(
            session,
            categories={
                place_id: [{"code": c, "rule": "merchant"} for c in application.categories]
            },
            source=MERCHANT_SOURCE,
        )
    attach_place_source(
        session, place_id=place_id, source=MERCHANT_SOURCE, source_id=str(application.id)
    )
    _own(session, decided, application, actor, action="claim")
    return decided


def _own(
    session: Session, decided: Application, before: Application, actor: Actor, *, action: str
) -> None:
    """Owner, community and profile of an approved shop, and the audit entries."""
    place_id = decided.place_id
    assert place_id is not None
    owners.set_owner(session, place_id=place_id, user_id=decided.applicant_id)
    owners.set_community(session, place_id=place_id, community_code=decided.community_code)
    if decided.phone is not None or decided.services:
        shops.set_profile(
            session, place_id=place_id, phone=decided.phone, services=decided.services
        )
    place = session.get(Place, place_id)
    assert place is not None
    record_change(
        session,
        city_id=decided.city_id,
        actor=actor,
        entity="shop",
        entity_id=place_id,
        action=action,
        before=None,
        after={
            "uid": place.uid,
            "name": place.name,
            "owner_id": decided.applicant_id,
            "application_id": decided.id,
        },
        place_id=place_id,
        community_code=decided.community_code,
    )
    _record(session, decided, actor, "approve", before)


def _record(
    session: Session,
    application: Application,
    actor: Actor,
    action: str,
    before: Application | None,
) -> None:
    record_change(
        session,
        city_id=application.city_id,
        actor=actor,
        entity=ENTITY,
        entity_id=application.id,
        action=action,
        before=None if before is None else before.record(),
        after=application.record(),
        place_id=application.place_id,
        community_code=application.community_code,
    )


def _notify(session: Session, decided: Application) -> None:
    approved = decided.status == ApplicationStatus.APPROVED.value
    what = decided.name or f"#{decided.id}"
    data: dict[str, Any] = {
        "application_id": decided.id,
        "status": decided.status,
        "place_id": decided.place_id,
    }
    notify(
        session,
        user_id=decided.applicant_id,
        kind="claim_decision",
        title=f"店铺申请已通过：{what}" if approved else f"店铺申请未通过：{what}",
        body="" if approved else (decided.reason or ""),
        data=data,
        key=f"shop_application:{decided.id}",
    )
