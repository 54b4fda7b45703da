"""``/auth``: register (residents, merchants), log in for a bearer token, log out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Response, status

from lifecircle.api.deps import BearerToken, ClientAddress, EngineDep, SettingsDep
from lifecircle.api.schemas.auth import LoginForm, TokenPublic
from lifecircle.api.schemas.common import problems
from lifecircle.api.schemas.users import UserPublic, UserRegister
from lifecircle.services import accounts

router = APIRouter(prefix="/auth", tags=["auth"])


def user_public(account: accounts.Account) -> UserPublic:
    """The public schema of an account."""
    return UserPublic.model_validate(account, from_attributes=True)


@router.post("/register", status_code=status.HTTP_201_CREATED, responses=problems(404, 409, 429))
def register(
    body: UserRegister, engine: EngineDep, settings: SettingsDep, client: ClientAddress
) -> UserPublic:
    """Create a resident or merchant account (officials are made by an administrator).

    409 if the name is taken: a name has to be unique, so registration says so; it is
    limited per client address so that names cannot be listed quickly this way.
    """
    account = accounts.register(
        engine=engine,
        settings=settings,
        username=body.username,
        password=body.password,
        role=body.role,
        city=body.city,
        display_name=body.display_name,
        client=client,
    )
    return user_public(account)


@router.post("/login", responses=problems(401, 429))
def login(
    form: Annotated[LoginForm, Form()],
    engine: EngineDep,
    settings: SettingsDep,
    client: ClientAddress,
    response: Response,
) -> TokenPublic:
    """Log in with the OAuth2 password form (``username``, ``password``) for a bearer token.

    Every failure is the same 401, whatever was wrong; too many failures for one name
    or from one address within the window answer 429 with ``Retry-After``.
    """
    issued = accounts.login(
        engine=engine,
        settings=settings,
        username=form.username,
        password=form.password,
        client=client,
    )
    response.headers["Cache-Control"] = "no-store"  # RFC 6749 5.1: tokens are not cached
    return TokenPublic(
        access_token=issued.token,
        expires_in=settings.token_lifetime_minutes * 60,
        expires_at=issued.expires_at,
        user=user_public(issued.account),
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=problems(401))
def logout(engine: EngineDep, token: BearerToken) -> None:
    """End this token (other logins of the account go on)."""
    accounts.account_for_token(engine=engine, token=token)  # 401 for a token that is not valid
    accounts.logout(engine=engine, token=token)
