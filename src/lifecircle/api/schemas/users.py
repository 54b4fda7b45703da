"""Accounts: what a user registers with, what an admin creates, what anyone is shown."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from lifecircle.api.schemas.common import AreaCode, CityName, DisplayTime, PlainText, RowId
from lifecircle.services.security import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    USERNAME_PATTERN,
)
from lifecircle.store.models import Role

Username = Field(
    min_length=3, max_length=32, pattern=USERNAME_PATTERN, examples=["li-hua", "shop.88"]
)
Password = Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)
DisplayName = Field(default=None, max_length=100, examples=["李华"])


class UserRegister(BaseModel):
    """A self-service registration: residents and merchants only."""

    model_config = ConfigDict(extra="forbid")

    username: str = Username
    password: str = Password
    role: Literal["resident", "merchant"] = "resident"
    city: CityName | None = Field(default=None, description="Home city (optional).")
    display_name: PlainText | None = DisplayName


class UserCreate(BaseModel):
    """An account made by an administrator: any role; an official needs a city."""

    model_config = ConfigDict(extra="forbid")

    username: str = Username
    password: str = Password
    role: Role
    city: CityName | None = Field(
        default=None, description="The city an official acts for; others: home city."
    )
    area: AreaCode | None = Field(
        default=None, description="An official's district or 街道 code within the city."
    )
    display_name: PlainText | None = DisplayName


class UserUpdate(BaseModel):
    """What a user may change themselves; a field left out stays as it is, ``null`` clears."""

    model_config = ConfigDict(extra="forbid")

    display_name: PlainText | None = DisplayName
    city: CityName | None = Field(default=None, description="Home city (not for officials).")


class PasswordChange(BaseModel):
    """The current password and the new one; every token of the account ends."""

    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)
    new_password: str = Password


class UserPublic(BaseModel):
    """An account as its owner and administrators see it (never the password hash)."""

    id: int
    username: str
    role: Role
    city: str | None
    area_code: str | None
    display_name: str | None
    created_at: DisplayTime


class MePublic(UserPublic):
    """One's own account, with what the apps need to know before asking more."""

    has_home: bool = Field(description="Whether a home point is set (`/users/me/home`).")


class PlaceGrant(BaseModel):
    """The place an administrator gives to a merchant."""

    model_config = ConfigDict(extra="forbid")

    place_id: RowId


class OwnedPlacePublic(BaseModel):
    """A place a merchant owns."""

    id: int = Field(description="The place's id (as in search results).")
    uid: str = Field(description="The place's id within its city, e.g. `Helsinki:n123`.")
    city: str
    name: str | None
    lon: float = Field(description="WGS-84 longitude, degrees.")
    lat: float = Field(description="WGS-84 latitude, degrees.")
    categories: list[str]
    since: DisplayTime
