"""Cities: the list, one city in brief, and an official's view of its latest assessment."""

from __future__ import annotations

from pydantic import BaseModel, Field

from lifecircle.api.schemas.common import DisplayTime


class CityListItem(BaseModel):
    """A city and how much it holds."""

    name: str
    places: int
    communities: int


class CategoryPublic(BaseModel):
    """Places of one category in a city."""

    code: str
    group: str = Field(description="`basic`, `quality` or another group of the taxonomy.")
    name_zh: str
    name_en: str
    places: int


class LatestRunPublic(BaseModel):
    """The city's latest assessment run, in brief."""

    id: int
    created_at: DisplayTime
    communities: int
    basic_complete: int = Field(description="Units whose basic coverage is complete.")


class CityPublic(BaseModel):
    """A city in brief: places per category, units per level, population, latest run."""

    name: str
    taxonomy: str = Field(description="`shenzhen`, `mofcom` or `custom`.")
    places: int
    categories: list[CategoryPublic]
    communities_per_level: dict[str, int]
    population: int | None = Field(description="Residents of its communities, if known.")
    latest_assessment: LatestRunPublic | None


class UnitVerdictPublic(BaseModel):
    """One unit's headline result."""

    code: str
    name: str
    population: float
    basic_complete: bool
    grade: str
    circle_type: str


class AreaAssessmentPublic(BaseModel):
    """The latest assessment of the part of a city the caller may see."""

    city: str
    area: str | None = Field(description="The area code shown; `null`: the whole city.")
    run_id: int
    created_at: DisplayTime
    population: float
    basic_complete: int
    by_hour: bool = Field(
        default=False,
        description="Whether the run was assessed by hour: its coverage by hour can be read "
        "at /cities/{city}/coverage-by-hour.",
    )
    units: list[UnitVerdictPublic]
