"""``/users``: one's own account and places; every account for administrators.

Nobody but an administrator reads another account: the ``/users/me`` routes act on the
caller only, and the ``/users/{user_id}`` routes are for administrators.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from lifecircle.api.deps import (
    AdminUser,
    ClientAddress,
    CurrentUser,
    EngineDep,
    MerchantUser,
    SettingsDep,
)
from lifecircle.api.routers.auth import user_public
from lifecircle.api.schemas.common import CityName, RowId, problems
from lifecircle.api.schemas.users import (
    MePublic,
    OwnedPlacePublic,
    PasswordChange,
    PlaceGrant,
    UserCreate,
    UserPublic,
    UserUpdate,
)
from lifecircle.services import accounts, homes, ownership
from lifecircle.store.models import Role
from lifecircle.store.owners import OwnedPlace

router = APIRouter(prefix="/users", tags=["users"])

UserId = Annotated[RowId, Path(description="An account's id.")]
PlaceId = Annotated[RowId, Path(description="A place's id.")]


def _places(places: list[OwnedPlace]) -> list[OwnedPlacePublic]:
    return [OwnedPlacePublic.model_validate(p, from_attributes=True) for p in places]


@router.get("/me", responses=problems(401))
def read_me(user: CurrentUser, engine: EngineDep) -> MePublic:
    """The caller's account, and whether they have set a home point."""
    public = user_public(user).model_dump()
    return MePublic(**public, has_home=homes.has_home(engine=engine, user_id=user.id))


@router.patch("/me", responses=problems(401, 403, 404))
def update_me(body: UserUpdate, user: CurrentUser, engine: EngineDep) -> UserPublic:
    """Change one's display name or home city (fields left out stay; ``null`` clears)."""
    changes = body.model_dump(include=body.model_fields_set)
    return user_public(accounts.update_profile(engine=engine, user_id=user.id, **changes))


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT, responses=problems(401))
def delete_me(user: CurrentUser, engine: EngineDep, settings: SettingsDep) -> None:
    """Delete one's account with its personal data (name, tokens, shop ownerships)."""
    accounts.delete_account(engine=engine, settings=settings, user_id=user.id)


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT, responses=problems(401, 429))
def change_password(
    body: PasswordChange,
    user: CurrentUser,
    engine: EngineDep,
    settings: SettingsDep,
    client: ClientAddress,
) -> None:
    """Change one's password; every token of the account ends (log in again)."""
    accounts.change_password(
        engine=engine,
        settings=settings,
        user_id=user.id,
        current=body.current_password,
        new=body.new_password,
        client=client,
    )


@router.get("/me/places", responses=problems(401, 403))
def read_my_places(user: MerchantUser, engine: EngineDep) -> list[OwnedPlacePublic]:
    """The places the calling merchant owns."""
    return _places(ownership.my_places(engine=engine, user_id=user.id))


@router.delete(
    "/me/places/{place_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 403, 404),
)
def release_my_place(place_id: PlaceId, user: MerchantUser, engine: EngineDep) -> None:
    """Give up one of one's places (404 for a place one does not own)."""
    ownership.release_place(engine=engine, user_id=user.id, place_id=place_id)


@router.get("", responses=problems(401, 403, 404))
def list_users(
    _admin: AdminUser,
    engine: EngineDep,
    role: Annotated[Role | None, Query(description="Only accounts of this role.")] = None,
    city: Annotated[CityName | None, Query(description="Only accounts of this city.")] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Accounts per page.")] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Accounts skipped.")] = 0,
) -> list[UserPublic]:
    """Every account, by user name, one page at a time (administrators)."""
    found = accounts.list_accounts(engine=engine, role=role, city=city, limit=limit, offset=offset)
    return [user_public(a) for a in found]


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems(401, 403, 404, 409))
def create_user(body: UserCreate, _admin: AdminUser, engine: EngineDep) -> UserPublic:
    """Create an account of any role (administrators): officials are made this way."""
    account = accounts.create_account(
        engine=engine,
        username=body.username,
        password=body.password,
        role=body.role,
        city=body.city,
        area=body.area,
        display_name=body.display_name,
    )
    return user_public(account)


@router.get("/{user_id}", responses=problems(401, 403, 404))
def read_user(user_id: UserId, _admin: AdminUser, engine: EngineDep) -> UserPublic:
    """One account (administrators)."""
    return user_public(accounts.get_account(engine=engine, user_id=user_id))


@router.delete(
    "/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(401, 403, 404)
)
def delete_user(
    user_id: UserId, _admin: AdminUser, engine: EngineDep, settings: SettingsDep
) -> None:
    """Delete an account with its personal data (administrators)."""
    accounts.delete_account(engine=engine, settings=settings, user_id=user_id)


@router.get("/{user_id}/places", responses=problems(401, 403, 404))
def read_user_places(
    user_id: UserId, _admin: AdminUser, engine: EngineDep
) -> list[OwnedPlacePublic]:
    """The places an account owns (administrators)."""
    accounts.get_account(engine=engine, user_id=user_id)  # 404 for an unknown account
    return _places(ownership.my_places(engine=engine, user_id=user_id))


@router.post(
    "/{user_id}/places",
    status_code=status.HTTP_201_CREATED,
    responses=problems(401, 403, 404, 409),
)
def grant_place(
    user_id: UserId, body: PlaceGrant, _admin: AdminUser, engine: EngineDep
) -> OwnedPlacePublic:
    """Give a place to a merchant (administrators); 409 if another merchant owns it."""
    place = ownership.grant_place(engine=engine, user_id=user_id, place_id=body.place_id)
    return OwnedPlacePublic.model_validate(place, from_attributes=True)


@router.delete(
    "/{user_id}/places/{place_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 403, 404),
)
def revoke_place(user_id: UserId, place_id: PlaceId, _admin: AdminUser, engine: EngineDep) -> None:
    """Take a place from a merchant (administrators)."""
    ownership.release_place(engine=engine, user_id=user_id, place_id=place_id)
