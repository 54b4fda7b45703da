"""Coverage by time of day as the officials' console reads it (``/coverage-by-hour``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from lifecircle.api.schemas.common import DisplayTime


class HourCategoryPublic(BaseModel):
    """A basic category of the curves."""

    code: str
    name_zh: str
    name_en: str
    hours_of_need: str | None = Field(
        description="Its hours of need (`06:30-09:00`); `null`: none recorded with the run."
    )
    served_when_needed: float | None = Field(
        description="Share of the residents served at every check moment of those hours, 0..1."
    )


class HourCurvesPublic(BaseModel):
    """Per category code, the share of residents within reach at HH:00, hours 0..23."""

    weekday: dict[str, list[float | None]]
    weekend: dict[str, list[float | None]]


class HourRunPublic(BaseModel):
    """The run the curves come from."""

    id: int
    created_at: DisplayTime


class HourlyCoveragePublic(BaseModel):
    """The basic categories' coverage at each hour of a weekday and a weekend day.

    Of the whole city, of an area (the communities' curves weighted by their residents,
    as the city's are) or of one community (`?community=`). Shares 0..1, 3 decimals;
    `null` at an hour where nobody is counted.
    """

    city: str
    area: str | None = Field(description="The area the curves cover; `null`: the whole city.")
    community: str | None = Field(description="The community asked for, else `null`.")
    name: str | None = Field(description="That community's name.")
    run: HourRunPublic
    at: str | None = Field(description="The moment the run's other figures were assessed at.")
    weekday: int = Field(ge=0, le=6, description="The weekday of the curves, 0 = Monday.")
    weekend: int = Field(ge=0, le=6, description="The weekend day of the curves, 0 = Monday.")
    unknown_hours: Literal["open", "closed", "exclude"] = Field(
        description="What places of unknown opening hours counted as."
    )
    hours: list[int] = Field(description="The hours of the curves, 0..23.")
    population: float = Field(description="Residents of the communities the curves are of.")
    communities: int = Field(description="How many communities those are.")
    categories: list[HourCategoryPublic]
    curves: HourCurvesPublic
    served_all: float | None = Field(
        description="Share served in every category with hours of need, 0..1."
    )
