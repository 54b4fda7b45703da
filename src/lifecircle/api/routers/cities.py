"""``/cities``: the stored cities for anyone; an official's view of their area's assessment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from lifecircle.api.deps import EngineDep, ScopeDep
from lifecircle.api.schemas.cities import (
    AreaAssessmentPublic,
    CategoryPublic,
    CityListItem,
    CityPublic,
    LatestRunPublic,
    UnitVerdictPublic,
)
from lifecircle.api.schemas.common import CityName, problems
from lifecircle.services.areas import area_assessment
from lifecircle.services.city.summary import public_cities, public_city

router = APIRouter(prefix="/cities", tags=["cities"])

CityPath = Annotated[CityName, Path(description="City name.")]


@router.get("")
def list_cities(engine: EngineDep) -> list[CityListItem]:
    """Every city, by name, with its numbers of places and communities (free, no login)."""
    return [
        CityListItem(name=c.name, places=c.n_places, communities=c.n_communities)
        for c in public_cities(engine=engine)
    ]


@router.get("/{city}", responses=problems(404))
def read_city(city: CityPath, engine: EngineDep) -> CityPublic:
    """A city in brief: places per category, units per level, population, latest run."""
    found = public_city(engine=engine, name=city)
    latest = found.latest_assessment
    return CityPublic(
        name=found.name,
        taxonomy=found.taxonomy,
        places=found.places,
        categories=[
            CategoryPublic.model_validate(c, from_attributes=True) for c in found.categories
        ],
        communities_per_level=found.communities_per_level,
        population=found.community_population,
        latest_assessment=None
        if latest is None
        else LatestRunPublic.model_validate(latest, from_attributes=True),
    )


@router.get("/{city}/assessment", responses=problems(401, 403, 404))  # noqa: FAST003 - ScopeDep reads {city}
def read_area_assessment(scope: ScopeDep, engine: EngineDep) -> AreaAssessmentPublic:
    """The latest assessment of the city, its units limited to what the caller may see.

    Officials and administrators: an official sees their own city, and within it their
    district or 街道; ``?area=`` narrows further (403 outside one's area).
    """
    result = area_assessment(engine=engine, scope=scope)
    return AreaAssessmentPublic(
        city=result.city,
        area=result.area,
        run_id=result.run_id,
        created_at=result.created_at,
        population=result.population,
        basic_complete=result.basic_complete,
        by_hour=result.by_hour,
        units=[UnitVerdictPublic.model_validate(u, from_attributes=True) for u in result.units],
    )
