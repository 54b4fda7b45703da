"""A resident's home point: what one sets and what one reads back."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from lifecircle.api.schemas.common import CityName, DisplayTime
from lifecircle.api.schemas.residents import Crs


class HomeSet(BaseModel):
    """Where one lives: a city and a point in it (any of the three CRSs)."""

    model_config = ConfigDict(extra="forbid")

    city: CityName
    lon: float = Field(ge=-180, le=180, description="Longitude, degrees.")
    lat: float = Field(ge=-90, le=90, description="Latitude, degrees.")
    crs: Crs = Field(default="wgs84", description="`wgs84`, `gcj02` (WeChat, Amap) or `bd09`.")


class HomePublic(BaseModel):
    """One's home, and the community it lies in (``null``: in no stored boundary)."""

    city: str
    lon: float
    lat: float
    crs: str
    community_code: str | None
    community_name: str | None
    updated_at: DisplayTime
