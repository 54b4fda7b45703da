"""``/users/me/home``: one's home point, which files one's answers and votes by community.

Only its owner reads or changes it; officials see the communities' aggregates, never a
home (docs/api.md, "Personal data").
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from lifecircle.api.deps import CurrentUser, EngineDep
from lifecircle.api.schemas.common import problems
from lifecircle.api.schemas.homes import HomePublic, HomeSet
from lifecircle.api.schemas.residents import Crs
from lifecircle.services import homes

router = APIRouter(prefix="/users/me/home", tags=["users"])


@router.get("", responses=problems(401, 404))
def read_my_home(
    user: CurrentUser,
    engine: EngineDep,
    crs: Annotated[Crs, Query(description="The CRS of the point in the answer.")] = "wgs84",
) -> HomePublic:
    """One's home point and community (404 if none is set)."""
    home = homes.my_home(engine=engine, user_id=user.id, crs=crs)
    return HomePublic.model_validate(home, from_attributes=True)


@router.put("", responses=problems(401, 404))
def set_my_home(body: HomeSet, user: CurrentUser, engine: EngineDep) -> HomePublic:
    """Set where one lives; the answer names the community it lies in."""
    home = homes.set_my_home(
        engine=engine, user_id=user.id, city=body.city, lon=body.lon, lat=body.lat, crs=body.crs
    )
    return HomePublic.model_validate(home, from_attributes=True)


@router.delete("", status_code=status.HTTP_204_NO_CONTENT, responses=problems(401, 404))
def forget_my_home(user: CurrentUser, engine: EngineDep) -> None:
    """Forget one's home point (404 if none is set)."""
    homes.forget_my_home(engine=engine, user_id=user.id)
