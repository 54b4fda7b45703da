"""Officials' planning tools: the trend across assessment runs, and what-if on the map."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator

from lifecircle.api.schemas.common import DisplayTime, PlainText
from lifecircle.api.schemas.residents import Crs
from lifecircle.services.job_options import AtText, checked_at


class RunTrendPoint(BaseModel):
    """One assessment run, with the figures a trend needs (of the caller's part of the city)."""

    id: int
    created_at: DisplayTime
    minutes: float | None = Field(description="The basic categories' walking limit, minutes.")
    limit_minutes: dict[str, float] = Field(description="Each category group's limit, minutes.")
    profile: str | None = Field(description="`standard` (4.0 km/h) or `elderly` (3.2 km/h).")
    speed_kmh: float | None = Field(description="The headline walking speed, km/h.")
    communities: int = Field(description="Communities in the caller's scope.")
    basic_complete: int = Field(description="Those with complete basic coverage.")
    basic_complete_share: float | None = Field(
        description="`basic_complete` / `communities`, 0..1 (`null` without communities)."
    )
    population: float = Field(description="Residents of those communities.")
    f15: float | None = Field(
        description="Share of the residents with every basic category within the limit, 0..1."
    )
    coverage: dict[str, float | None] = Field(
        description="Population-weighted coverage per category code, 0..1."
    )


class RunTrendPublic(BaseModel):
    """A page of a city's assessment runs, newest first.

    For the whole city (administrators, officials of the whole city) a run's figures are
    the run's city figures; for an official of a district or 街道, or with `?area=`, they
    are summed over that area's communities only (population-weighted coverage and F15).
    """

    city: str
    area: str | None = Field(description="The area the figures cover; `null`: the whole city.")
    data: list[RunTrendPoint]
    count: int
    next_before: int | None = Field(
        description="Pass as `before` for the next (older) page; `null`: this is the last."
    )


class WhatIfCreate(BaseModel):
    """One change of the city's places: add a proposed one, move or remove an existing one."""

    op: Literal["add", "move", "remove"] = Field(
        description="`add` (category, lon, lat), `move` (uid, lon, lat) or `remove` (uid)."
    )
    uid: Annotated[PlainText, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="The place's uid (`osm:node/1`), for `move` and `remove`."
    )
    category: Annotated[PlainText, Field(min_length=1, max_length=64)] | None = Field(
        default=None, description="A category code of the city's taxonomy, for `add`."
    )
    lon: float | None = Field(default=None, ge=-180, le=180, description="Longitude, degrees.")
    lat: float | None = Field(default=None, ge=-90, le=90, description="Latitude, degrees.")
    crs: Crs = Field(default="wgs84", description="`wgs84`, `gcj02` (WeChat, Amap) or `bd09`.")
    hours: Annotated[PlainText, Field(min_length=1, max_length=200)] | None = Field(
        default=None,
        description="The added shop's opening hours: OSM `opening_hours` or Amap 营业时间 "
        "text (`Mo-Fr 07:00-10:00`, `周一至周五 07:00-10:00`); unknown when not given. "
        "With `at`, the shop fills a gap only while it is open.",
    )
    at: AtText | None = Field(
        default=None,
        description="Count only the places open at this moment, before and after "
        "(`Mon 07:30`, city time, or an ISO date-time); default: whatever the time.",
    )
    unknown_hours: Literal["open", "closed"] = Field(
        default="open", description="With `at`: places of unknown hours count as open or closed."
    )

    @field_validator("at")
    @classmethod
    def _moment(cls, value: str | None) -> str | None:
        return checked_at(value)


class WhatIfCity(BaseModel):
    """The city's figures before or after the change."""

    basic_complete: int
    f15: float | None
    coverage: dict[str, float | None]


class WhatIfCityChange(BaseModel):
    """The city before and after."""

    before: WhatIfCity
    after: WhatIfCity


class WhatIfCommunity(BaseModel):
    """A community the change can affect: its assessment record before and after.

    `before` and `after` are community objects of the assessment document
    (docs/assessment.md): `coverage`, `basic_complete`, `missing`, `grade`, ...
    """

    code: str
    name: str
    before: dict[str, Any]
    after: dict[str, Any]


class WhatIfRun(BaseModel):
    """The stored run the what-if starts from."""

    id: int
    created_at: DisplayTime


class WhatIfPublic(BaseModel):
    """Before and after one change (the run is not changed)."""

    change: dict[str, Any] = Field(description="The change made, in WGS-84 degrees.")
    run: WhatIfRun
    stale: bool = Field(description="Whether the city's data changed since that run.")
    affected_points: int = Field(description="Resident points within reach of the change.")
    communities: list[WhatIfCommunity]
    city: WhatIfCityChange
    elapsed_s: float
    at: str | None = Field(
        default=None, description="The moment counted (`Mon 07:30`); `null`: whatever the time."
    )
    unknown_hours: Literal["open", "closed"] | None = Field(
        default=None, description="With `at`: what places of unknown hours counted as."
    )
    at_run: str | None = Field(
        default=None,
        description="The moment the stored run was assessed at (`null`: whatever the time). "
        "The city's figures are of `at` only where it equals `at_run`: they merge the "
        "re-scored communities into the run's.",
    )
