"""Dependencies routes declare with ``Annotated``: settings, database, caller, role, scope.

Audiences differ by dependency, not by router: a route for officials takes
``OfficialUser`` (or ``ScopeDep``), one for anyone takes ``OptionalUser`` or nothing.
Every check raises an error of ours, which ``api/errors.py`` turns into 401 or 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Path, Query, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from lifecircle.api.schemas.common import AreaCode, CityName
from lifecircle.config import Settings
from lifecircle.errors import AuthenticationError, PermissionDeniedError
from lifecircle.services.accounts import Account, account_for_token
from lifecircle.services.areas import AreaScope, area_scope
from lifecircle.store.db import session_scope
from lifecircle.store.models import Role

if TYPE_CHECKING:
    from collections.abc import Iterator

LOGIN_PATH = "/api/v1/auth/login"

_bearer = OAuth2PasswordBearer(tokenUrl=LOGIN_PATH, auto_error=False)


# the trivial dependencies are coroutines: FastAPI runs a plain function in the thread
# pool, a hop that costs more than reading the attribute
async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


SettingsDep = Annotated[Settings, Depends(_settings)]
"""The validated settings the app was made with."""

EngineDep = Annotated[Engine, Depends(_engine)]
"""The app's engine (made from the settings when the app starts); services take it."""


def _session(engine: EngineDep) -> Iterator[Session]:
    with session_scope(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(_session)]
"""One transaction for the request, committed when the route returns (for store calls)."""


async def _client(request: Request) -> str:
    # the peer address; behind a reverse proxy uvicorn puts X-Forwarded-For here when
    # the proxy is trusted (`--forwarded-allow-ips`), see docs/api.md
    return request.client.host if request.client is not None else "unknown"


ClientAddress = Annotated[str, Depends(_client)]
"""The client's address, for the per-address limits."""


async def _token(token: Annotated[str | None, Depends(_bearer)]) -> str:
    if not token:
        raise AuthenticationError("this needs a bearer token: log in first")
    return token


BearerToken = Annotated[str, Depends(_token)]
"""The request's bearer token (401 if there is none)."""


def _current_user(engine: EngineDep, token: BearerToken) -> Account:
    return account_for_token(engine=engine, token=token)


CurrentUser = Annotated[Account, Depends(_current_user)]
"""The logged-in caller (401 without a valid token)."""


def _optional_user(
    engine: EngineDep, token: Annotated[str | None, Depends(_bearer)]
) -> Account | None:
    if not token:
        return None
    try:
        return account_for_token(engine=engine, token=token)
    except AuthenticationError:
        # the free services must not fail for a stale token: the caller is anonymous
        return None


OptionalUser = Annotated[Account | None, Depends(_optional_user)]
"""The caller if a valid token came with the request, else ``None`` (never 401)."""


def require_roles(*roles: Role) -> Any:
    """A dependency that lets through callers of these roles only (others: 403).

    Examples
    --------
    >>> MerchantUser = Annotated[Account, require_roles(Role.MERCHANT)]  # doctest: +SKIP

    """
    allowed = ", ".join(role.value for role in roles)

    async def _check(user: CurrentUser) -> Account:
        if user.role not in roles:
            raise PermissionDeniedError(f"this is for accounts of role {allowed}")
        return user

    return Depends(_check)


AdminUser = Annotated[Account, require_roles(Role.ADMIN)]
MerchantUser = Annotated[Account, require_roles(Role.MERCHANT)]
OfficialUser = Annotated[Account, require_roles(Role.OFFICIAL, Role.ADMIN)]


def _scope(
    engine: EngineDep,
    user: OfficialUser,
    city: Annotated[CityName, Path(description="City name.")],
    area: Annotated[
        AreaCode | None,
        Query(description="Narrow to this district, 街道 or community code."),
    ] = None,
) -> AreaScope:
    return area_scope(engine=engine, account=user, city=city, area=area)


ScopeDep = Annotated[AreaScope, Depends(_scope)]
"""The part of the path's ``{city}`` an official or admin may see, narrowed by ``?area=``.

An official sees their own city only, and within it their area; 403 otherwise.
"""
