"""Logging in: the OAuth2 password form and the bearer token it returns."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from lifecircle.api.schemas.common import DisplayTime
from lifecircle.api.schemas.users import UserPublic
from lifecircle.services.security import MAX_PASSWORD_LENGTH


class LoginForm(BaseModel):
    """OAuth2 password grant (``application/x-www-form-urlencoded``), as RFC 6749 4.3."""

    model_config = ConfigDict(extra="ignore")  # scope, client_id... are not used

    grant_type: Literal["password"] | None = None
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class TokenPublic(BaseModel):
    """A bearer token: send it as ``Authorization: Bearer <access_token>``."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type, no secret
    expires_in: int = Field(description="Seconds until the token expires.")
    expires_at: DisplayTime
    user: UserPublic
