"""A resident's home point: set, read and forget one's own.

The home decides the community of one's survey answers and consultation votes, and
whether a redeemed coupon's shop lay within a 15-minute walk (the plan's usage figure).
It is personal data: only its owner reads it; it goes with the account.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from lifecircle.errors import NotFoundError
from lifecircle.services.residents.communities import community_at
from lifecircle.services.residents.points import point_in, points_out
from lifecircle.store import homes
from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope
from lifecircle.store.models import Community

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.engine import Engine


@dataclass(frozen=True)
class MyHome:
    """One's home: city, point (in the CRS asked for), community code and name if any."""

    city: str
    lon: float
    lat: float
    crs: str
    community_code: str | None
    community_name: str | None
    updated_at: datetime


def _community_name(engine: Engine, city_id: int, code: str | None) -> str | None:
    if code is None:
        return None
    with session_scope(engine) as session:
        name = session.scalar(
            select(Community.name).where(Community.city_id == city_id, Community.code == code)
        )
    return None if name is None else str(name)


def _mine(engine: Engine, home: homes.Home, crs: str) -> MyHome:
    x, y = points_out([home.lon], [home.lat], crs)
    return MyHome(
        city=home.city,
        lon=float(x[0]),
        lat=float(y[0]),
        crs=crs,
        community_code=home.community_code,
        community_name=_community_name(engine, home.city_id, home.community_code),
        updated_at=home.updated_at,
    )


def set_my_home(
    *, engine: Engine, user_id: int, city: str, lon: float, lat: float, crs: str = "wgs84"
) -> MyHome:
    """Set one's home; its community is the one whose boundary holds the point (or none).

    Raises
    ------
    NotFoundError
        If the city does not exist.
    ValidationError
        If the CRS is unknown or the point is not a longitude and latitude.

    """
    w_lon, w_lat = point_in(lon, lat, crs)
    with session_scope(engine) as session:
        try:
            city_id = get_city(session, name=city).id
        except NotFoundError as exc:
            raise NotFoundError(str(exc), field="city") from None
    code = community_at(engine=engine, city=city, lon=w_lon, lat=w_lat)
    with session_scope(engine, write=True) as session:
        homes.set_home(
            session, user_id=user_id, city_id=city_id, lon=w_lon, lat=w_lat, community_code=code
        )
        home = homes.get_home(session, user_id=user_id)
    assert home is not None  # just written
    return _mine(engine, home, crs)


def my_home(*, engine: Engine, user_id: int, crs: str = "wgs84") -> MyHome:
    """One's home.

    Raises
    ------
    NotFoundError
        If none is set.

    """
    with session_scope(engine) as session:
        home = homes.get_home(session, user_id=user_id)
    if home is None:
        raise NotFoundError("no home is set: PUT /users/me/home", field="home")
    return _mine(engine, home, crs)


def forget_my_home(*, engine: Engine, user_id: int) -> None:
    """Delete one's home.

    Raises
    ------
    NotFoundError
        If none is set.

    """
    with session_scope(engine) as session:
        if not homes.delete_home(session, user_id=user_id):
            raise NotFoundError("no home is set", field="home")


def has_home(*, engine: Engine, user_id: int) -> bool:
    """Whether one has set a home point (a client asks before reading it)."""
    with session_scope(engine) as session:
        return homes.get_home(session, user_id=user_id) is not None
