"""Officials' scope: the part of a city an account may see, and the latest assessment of it.

An official acts for one city and, optionally, one district or 街道 of it (the area
code of their account): they see that area's units only. An administrator sees every
city whole. Both may narrow a request to an area inside what they see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lifecircle.errors import NotFoundError, PermissionDeniedError
from lifecircle.store.areas import Area, UnitVerdict, city_area, latest_verdicts
from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope
from lifecircle.store.models import Role

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.engine import Engine

    from lifecircle.services.accounts import Account

OFFICIAL_ROLES = (Role.OFFICIAL, Role.ADMIN)
"""Roles that see officials' views (assessments, later jobs)."""


@dataclass(frozen=True)
class AreaScope:
    """A city, and the area of it a request covers (``area`` ``None``: the whole city)."""

    city: str
    city_id: int
    area: Area | None

    def covers(self, code: str) -> bool:
        """Whether the unit ``code`` lies in the scope."""
        return self.area is None or self.area.contains(code)


def area_scope(*, engine: Engine, account: Account, city: str, area: str | None) -> AreaScope:
    """What part of ``city`` ``account`` may see, narrowed to ``area`` when asked.

    Parameters
    ----------
    engine
        Database.
    account
        The caller: an official (of this city) or an administrator.
    city
        City name.
    area
        A district, 街道 or community code inside the caller's scope, or ``None`` for
        all of it.

    Returns
    -------
    AreaScope

    Raises
    ------
    PermissionDeniedError
        For other roles, an official of another city, or an area outside the
        official's own.
    NotFoundError
        If the city does not exist, or the area names no stored unit of it.

    """
    if account.role not in OFFICIAL_ROLES:
        raise PermissionDeniedError("this is for officials and administrators")
    if account.role == Role.OFFICIAL and account.city != city.strip():
        raise PermissionDeniedError(
            f"your account acts for {account.city or 'no city'}, not {city!r}", field="city"
        )
    with session_scope(engine) as session:
        try:
            city_id = get_city(session, name=city).id
        except NotFoundError as exc:
            raise NotFoundError(str(exc), field="city") from None
        own = None
        if account.role == Role.OFFICIAL and account.area_code is not None:
            own = city_area(session, city_id=city_id, code=account.area_code)
        if area is None:
            return AreaScope(city=city.strip(), city_id=city_id, area=own)
        asked = city_area(session, city_id=city_id, code=area.strip())
    if not asked.known:
        raise NotFoundError(f"city {city!r} has no unit with code {area!r}", field="area")
    if own is not None and not own.contains(asked.code):
        raise PermissionDeniedError(
            f"area {asked.code} is outside your area {own.code}", field="area"
        )
    return AreaScope(city=city.strip(), city_id=city_id, area=asked)


@dataclass(frozen=True)
class AreaAssessment:
    """The latest assessment run of a city, restricted to a scope.

    ``units`` are the run's units inside the scope, in run order; ``population`` and
    ``basic_complete`` their residents and how many have complete basic coverage.
    """

    city: str
    area: str | None
    run_id: int
    created_at: datetime
    units: tuple[UnitVerdict, ...]
    population: float
    basic_complete: int
    by_hour: bool = False


def area_assessment(*, engine: Engine, scope: AreaScope) -> AreaAssessment:
    """The headline results of the latest assessment, for the units in ``scope``.

    Raises
    ------
    NotFoundError
        If the city has no assessment run yet.

    """
    with session_scope(engine) as session:
        verdicts = latest_verdicts(session, city_id=scope.city_id)
    if verdicts is None:
        raise NotFoundError(
            f"city {scope.city!r} has no assessment run yet: run `lifecircle assess`",
            field="city",
        )
    units = tuple(u for u in verdicts.units if scope.covers(u.code))
    return AreaAssessment(
        city=scope.city,
        area=None if scope.area is None else scope.area.code,
        run_id=verdicts.run_id,
        created_at=verdicts.created_at,
        units=units,
        population=sum(u.population for u in units),
        basic_complete=sum(u.basic_complete for u in units),
        by_hour=verdicts.by_hour,
    )
