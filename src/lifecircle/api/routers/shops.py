"""Merchants' shops: register or claim (merchants), decide (officials), page and edits.

A merchant's application waits for an official of the area its position lies in (by
community code) or an administrator. The place page is public; the phone shows only
for a shop with an owner. ``PATCH /shops/{place_id}`` is for the owner (404 for
another's shop).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, status
from pydantic import AwareDatetime

from lifecircle.api.deps import EngineDep, MerchantUser, OfficialUser, ScopeDep
from lifecircle.api.schemas.common import CityName, RowId, problems
from lifecircle.api.schemas.shops import (
    ApplicationPage,
    ApplicationPublic,
    Crs,
    NamedPublic,
    PlacePagePublic,
    Rejection,
    ShopCreate,
    ShopUpdate,
)
from lifecircle.errors import ValidationError
from lifecircle.services import shop_profiles, shops
from lifecircle.services.shop_profiles import ShopChanges, services_named
from lifecircle.store.shops import Application, ApplicationStatus

router = APIRouter(tags=["shops"])

place_router = APIRouter(tags=["shops"])
"""The place page, ``/cities/{city}/places/{uid}``: a uid may hold ``/`` (``osm:node/1``),
so its path parameter takes the rest of the path, and the app includes this router after
every other, whose ``/places/{uid}/...`` routes (prices, offers, coupons) match first."""

CityPath = Annotated[CityName, Path(description="City name.")]
Uid = Annotated[
    str,
    Path(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$", description="Place uid."),
]
ApplicationId = Annotated[RowId, Path(description="A shop application's id.")]
PlaceId = Annotated[RowId, Path(description="The shop's place id.")]


def _weekly(form: dict[Any, list[str]] | None) -> dict[str, list[str]] | None:
    return None if form is None else {str(day): spans for day, spans in form.items()}


def _public(application: Application) -> ApplicationPublic:
    return ApplicationPublic(
        id=application.id,
        kind=application.kind,  # type: ignore[arg-type]
        status=application.status,  # type: ignore[arg-type]
        applicant_id=application.applicant_id,
        place_id=application.place_id,
        name=application.name,
        address=application.address,
        lon=application.lon,
        lat=application.lat,
        opening_hours=application.opening_hours,
        categories=list(application.categories),
        services=[
            NamedPublic.model_validate(s, from_attributes=True)
            for s in services_named(application.services)
        ],
        community_code=application.community_code,
        created_at=application.created_at,
        decided_at=application.decided_at,
        reason=application.reason,
    )


@router.post(
    "/cities/{city}/shops",
    status_code=status.HTTP_201_CREATED,
    responses=problems(401, 403, 404),
)
def register_shop(
    city: CityPath, body: ShopCreate, user: MerchantUser, engine: EngineDep
) -> ApplicationPublic:
    """Register a new shop: a pending application for the officials of its area."""
    shop = shops.NewShop(
        name=body.name,
        categories=body.categories,
        lon=body.lon,
        lat=body.lat,
        crs=body.crs,
        address=body.address,
        phone=body.phone,
        opening_hours=body.opening_hours,
        weekly_hours=_weekly(body.weekly_hours),
        services=body.services,
    )
    return _public(shops.apply_for_shop(engine=engine, account=user, city=city, shop=shop))


@router.post(
    "/cities/{city}/places/{uid:path}/claims",
    status_code=status.HTTP_201_CREATED,
    responses=problems(401, 403, 404, 409),
)
def claim_place(
    city: CityPath, uid: Uid, user: MerchantUser, engine: EngineDep
) -> ApplicationPublic:
    """Claim an imported place: a pending application (409 if it has an owner)."""
    return _public(shops.claim_place(engine=engine, account=user, city=city, uid=uid))


@place_router.get("/cities/{city}/places/{uid:path}", responses=problems(404))
def read_place(
    city: CityPath,
    uid: Uid,
    engine: EngineDep,
    crs: Annotated[Crs, Query(description="Coordinate system of the answer.")] = "wgs84",
    at: Annotated[
        AwareDatetime | None, Query(description="Moment for `open_now` (default: now).")
    ] = None,
) -> PlacePagePublic:
    """A place's public page: categories, hours and whether open now, services, phone."""
    page = shop_profiles.place_page(engine=engine, city=city, uid=uid, crs=crs, at=at)
    return PlacePagePublic.model_validate(page, from_attributes=True)


@router.get("/cities/{city}/shop-applications", responses=problems(401, 403, 404))  # noqa: FAST003 - ScopeDep reads {city}
def list_applications(
    scope: ScopeDep,
    engine: EngineDep,
    status: Annotated[
        Literal["pending", "approved", "rejected"] | None, Query(description="Only these.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size.")] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Rows to skip.")] = 0,
) -> ApplicationPage:
    """The shop applications of the official's area (narrowed by ``?area=``), newest first."""
    found, total = shops.applications_in(
        engine=engine,
        scope=scope,
        status=None if status is None else ApplicationStatus(status),
        limit=limit,
        offset=offset,
    )
    return ApplicationPage(total=total, items=[_public(a) for a in found])


@router.post("/shop-applications/{application_id}/approve", responses=problems(401, 403, 404, 409))
def approve_application(
    application_id: ApplicationId, user: OfficialUser, engine: EngineDep
) -> ApplicationPublic:
    """Approve: a new shop becomes a place of source ``merchant``, a claim gives the owner."""
    return _public(shops.approve(engine=engine, account=user, application_id=application_id))


@router.post("/shop-applications/{application_id}/reject", responses=problems(401, 403, 404, 409))
def reject_application(
    application_id: ApplicationId, body: Rejection, user: OfficialUser, engine: EngineDep
) -> ApplicationPublic:
    """Reject with a reason the merchant is told."""
    decided = shops.reject(
        engine=engine, account=user, application_id=application_id, reason=body.reason
    )
    return _public(decided)


@router.get("/users/me/shop-applications", responses=problems(401, 403))
def my_applications(user: MerchantUser, engine: EngineDep) -> list[ApplicationPublic]:
    """The calling merchant's applications, newest first."""
    return [_public(a) for a in shops.my_applications(engine=engine, user_id=user.id)]


@router.patch("/shops/{place_id}", responses=problems(401, 403, 404))
def update_shop(
    place_id: PlaceId, body: ShopUpdate, user: MerchantUser, engine: EngineDep
) -> PlacePagePublic:
    """Change one's shop (404 for a shop one does not own); nearby search follows at once."""
    given = body.model_fields_set
    position = None
    if "lon" in given or "lat" in given:
        if body.lon is None or body.lat is None:
            raise ValidationError("lon, lat: give both to move the shop", field="lon")
        position = (body.lon, body.lat, body.crs)
    cleared = frozenset(
        f for f in ("address", "phone", "opening_hours") if f in given and getattr(body, f) is None
    )
    for field in ("name", "services", "categories"):
        if field in given and getattr(body, field) is None:
            raise ValidationError(f"{field}: cannot be cleared", field=field)
    changes = ShopChanges(
        name=body.name,
        address=body.address,
        phone=body.phone,
        opening_hours=body.opening_hours,
        weekly_hours=_weekly(body.weekly_hours),
        services=body.services,
        categories=body.categories,
        position=position,
        cleared=cleared,
    )
    page = shop_profiles.update_shop(
        engine=engine, account=user, place_id=place_id, changes=changes
    )
    return PlacePagePublic.model_validate(page, from_attributes=True)
