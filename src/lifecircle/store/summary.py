"""What ``lifecircle city info`` shows: counts per category, communities, population, runs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from lifecircle.store.cities import get_city
from lifecircle.store.imports import list_import_runs
from lifecircle.store.models import (
    City,
    Community,
    CommunityLevel,
    CommunityMapping,
    ImportRun,
    Place,
    PlaceCategory,
    PlaceSource,
    PopulationPoint,
)

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class ImportRunInfo:
    """One import run as reported: what was read, kept and rejected, and why."""

    id: int
    kind: str
    source_path: str
    source_sha256: str
    format: str
    options: dict[str, Any]
    status: str
    started_at: datetime
    finished_at: datetime | None
    n_rows: int
    n_imported: int
    n_rejected: int
    rejects: tuple[dict[str, Any], ...]
    message: str | None

    @classmethod
    def from_run(cls, run: ImportRun) -> ImportRunInfo:
        """Copy a stored run (so it outlives its session)."""
        return cls(
            id=run.id,
            kind=str(run.kind),
            source_path=run.source_path,
            source_sha256=run.source_sha256,
            format=run.format,
            options=dict(run.options),
            status=str(run.status),
            started_at=run.started_at,
            finished_at=run.finished_at,
            n_rows=run.n_rows,
            n_imported=run.n_imported,
            n_rejected=run.n_rejected,
            rejects=tuple(dict(r) for r in run.rejects),
            message=run.message,
        )

    def problem_counts(self) -> list[tuple[str, str, int]]:
        """``(column, problem, rows)`` of the rejects, most frequent first."""
        counts = Counter(
            (str(r.get("column", "")), str(r.get("problem", ""))) for r in self.rejects
        )
        return [(column, problem, n) for (column, problem), n in counts.most_common()]


@dataclass(frozen=True)
class CitySummary:
    """A city's contents.

    Attributes
    ----------
    places_per_category
        Category code to number of places (a place may count in several categories).
    uncategorised
        Places with no category.
    places_per_source
        Source (``Helsinki``, ``futian_amap``...) to number of source ids; a merged
        place counts once in each of its sources.
    communities_per_level
        ``community``, ``street``, ``district`` to number of rows.
    community_population
        Sum of the population of ``community``-level rows, ``None`` if none has one.
    population_points
        Method to ``(points, people)``.

    """

    name: str
    taxonomy: str
    network_path: str | None
    created_at: datetime
    n_places: int
    places_per_category: dict[str, int]
    uncategorised: int
    places_per_source: dict[str, int]
    n_communities: int
    communities_per_level: dict[str, int]
    community_population: int | None
    n_mappings: int
    population_points: dict[str, tuple[int, float]]
    import_runs: tuple[ImportRunInfo, ...]


def places_per_category(session: Session, *, city_id: int) -> dict[str, int]:
    """Category code to number of places in the city, by code."""
    query = (
        # a code two sources gave a merged place counts once
        select(PlaceCategory.code, func.count(func.distinct(PlaceCategory.place_id)))
        .join(Place, Place.id == PlaceCategory.place_id)
        .where(Place.city_id == city_id)
        .group_by(PlaceCategory.code)
        .order_by(PlaceCategory.code)
    )
    return dict(session.execute(query).all())


def city_summary(session: Session, *, name: str, max_runs: int | None = None) -> CitySummary:
    """Everything ``city info`` reports about one city.

    Parameters
    ----------
    session
        Open session.
    name
        City name.
    max_runs
        Newest import runs to include (all by default).

    Returns
    -------
    CitySummary

    Raises
    ------
    NotFoundError
        If there is no such city (the message lists those there are).

    """
    city = get_city(session, name=name)
    cid = city.id
    n_places = session.scalar(select(func.count()).select_from(Place).where(Place.city_id == cid))
    categorised = select(PlaceCategory.place_id).where(PlaceCategory.place_id == Place.id)
    uncategorised = session.scalar(
        select(func.count()).select_from(Place).where(Place.city_id == cid, ~categorised.exists())
    )
    per_source = session.execute(
        select(PlaceSource.source, func.count())
        .where(PlaceSource.city_id == cid)
        .group_by(PlaceSource.source)
        .order_by(PlaceSource.source)
    ).all()
    per_level = dict(
        session.execute(
            select(Community.level, func.count())
            .where(Community.city_id == cid)
            .group_by(Community.level)
        ).all()
    )
    population = session.scalar(
        select(func.sum(Community.population)).where(
            Community.city_id == cid, Community.level == CommunityLevel.COMMUNITY
        )
    )
    n_mappings = session.scalar(
        select(func.count()).select_from(CommunityMapping).where(CommunityMapping.city_id == cid)
    )
    points = session.execute(
        select(PopulationPoint.method, func.count(), func.sum(PopulationPoint.population))
        .where(PopulationPoint.city_id == cid)
        .group_by(PopulationPoint.method)
        .order_by(PopulationPoint.method)
    ).all()
    return CitySummary(
        name=city.name,
        taxonomy=city.taxonomy,
        network_path=city.network_path,
        created_at=city.created_at,
        n_places=n_places or 0,
        places_per_category=places_per_category(session, city_id=cid),
        uncategorised=uncategorised or 0,
        places_per_source=dict(per_source),
        n_communities=sum(per_level.values()),
        communities_per_level={str(level): n for level, n in per_level.items()},
        community_population=None if population is None else int(population),
        n_mappings=n_mappings or 0,
        population_points={method: (n, float(total or 0.0)) for method, n, total in points},
        import_runs=tuple(
            ImportRunInfo.from_run(run)
            for run in list_import_runs(session, city_id=cid, limit=max_runs)
        ),
    )


@dataclass(frozen=True)
class CityOverview:
    """One line of ``city list``: a city and how much it holds."""

    name: str
    taxonomy: str
    network_path: str | None
    created_at: datetime
    n_places: int
    n_communities: int
    n_import_runs: int


def city_overviews(session: Session) -> list[CityOverview]:
    """Every city by name, with its numbers of places, communities and import runs."""

    def per_city(model: type[Place | Community | ImportRun]) -> dict[int, int]:
        query = select(model.city_id, func.count()).group_by(model.city_id)
        return dict(session.execute(query).all())

    places, communities, runs = per_city(Place), per_city(Community), per_city(ImportRun)
    return [
        CityOverview(
            name=city.name,
            taxonomy=city.taxonomy,
            network_path=city.network_path,
            created_at=city.created_at,
            n_places=places.get(city.id, 0),
            n_communities=communities.get(city.id, 0),
            n_import_runs=runs.get(city.id, 0),
        )
        for city in session.scalars(select(City).order_by(City.name))
    ]
