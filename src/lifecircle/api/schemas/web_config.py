"""Response model of the web application's run-time settings."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class TilesPublic(BaseModel):
    """The deployment's basemap tiles (the map reads without them)."""

    url: str = Field(description="Leaflet tile template with {z}/{x}/{y}, http(s)")
    crs: Literal["wgs84", "gcj02"] = Field(
        description="The tiles' coordinates: gcj02 (Amap, Tencent) means shifted data is asked for"
    )
    attribution: str = Field(description="The tiles' credit line, shown on the map")


class WebConfigPublic(BaseModel):
    """What the web application reads once when it starts: public, no secrets."""

    tiles: TilesPublic | None = Field(
        description="The basemap; null: none set here (the build's own, if any, applies)"
    )
