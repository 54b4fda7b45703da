"""A city in brief, for anyone: what it holds and when it was last assessed.

Unlike ``city info`` (for operators) it leaves out what only the operator should see:
the server's file paths and the import runs with their rejected rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lifecircle.errors import DataError, NotFoundError
from lifecircle.io.places.taxonomy import PROFILES, load_taxonomy
from lifecircle.services.city.cities import CategoryCount
from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope
from lifecircle.store.runs import list_assessments
from lifecircle.store.summary import CityOverview, city_overviews, city_summary

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.engine import Engine


@dataclass(frozen=True)
class LatestRun:
    """The latest assessment run in brief."""

    id: int
    created_at: datetime
    communities: int
    basic_complete: int


@dataclass(frozen=True)
class PublicCity:
    """What :func:`public_city` tells about a city."""

    name: str
    taxonomy: str
    places: int
    categories: tuple[CategoryCount, ...]
    communities_per_level: dict[str, int]
    community_population: int | None
    latest_assessment: LatestRun | None


def public_cities(*, engine: Engine) -> list[CityOverview]:
    """Every city by name, with its numbers of places and communities."""
    with session_scope(engine) as session:
        return city_overviews(session)


def public_city(*, engine: Engine, name: str) -> PublicCity:
    """A city in brief, for anyone.

    Places per category (taxonomy order, names in Chinese and English), communities per
    level, population and the latest assessment run.

    Raises
    ------
    NotFoundError
        If there is no such city (the message lists the cities there are).

    """
    with session_scope(engine) as session:
        try:
            city_id = get_city(session, name=name).id
        except NotFoundError as exc:
            raise NotFoundError(str(exc), field="city") from None
        summary = city_summary(session, name=name, max_runs=0)
        runs = list_assessments(session, city_id=city_id)
    counts = summary.places_per_category
    rows: list[CategoryCount] = []
    try:
        taxonomy = load_taxonomy(summary.taxonomy)
    except (NotFoundError, DataError):
        taxonomy = None
    if taxonomy is not None:
        rows = [
            CategoryCount(c.group, c.code, c.name_zh, c.name_en, counts.get(c.code, 0))
            for c in taxonomy.categories
        ]
    listed = {row.code for row in rows}
    rows += [CategoryCount("", code, "", "", n) for code, n in counts.items() if code not in listed]
    latest = runs[-1] if runs else None
    return PublicCity(
        name=summary.name,
        # a taxonomy file is named by its path on the server: not for the public
        taxonomy=summary.taxonomy if summary.taxonomy in PROFILES else "custom",
        places=summary.n_places,
        categories=tuple(rows),
        communities_per_level=summary.communities_per_level,
        community_population=summary.community_population,
        latest_assessment=None
        if latest is None
        else LatestRun(latest.id, latest.created_at, latest.communities, latest.basic_complete),
    )
