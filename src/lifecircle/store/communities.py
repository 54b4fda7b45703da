"""Communities (社区, 街道, 区), the plan-to-NBS code mapping, and population points."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import delete, func, insert, select, update

from lifecircle.errors import ValidationError
from lifecircle.store._bulk import CHUNK, MAX_LISTED, chunks, insert_rows, update_rows
from lifecircle.store.models import (
    Base,
    Community,
    CommunityLevel,
    CommunityMapping,
    PopulationPoint,
)
from lifecircle.store.rows import UpsertCounts

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sqlalchemy.orm import Session

    from lifecircle.store.rows import CommunityRow, MappingRow, PopulationRow

COMMUNITY_FIELDS = (
    "name",
    "street",
    "district",
    "level",
    "parent_code",
    "population",
    "geometry",
    "area_m2",
)


def _repeated(keys: Sequence[object], what: str) -> None:
    repeated = [k for k, n in Counter(keys).items() if n > 1]
    if repeated:
        raise ValidationError(
            f"{len(repeated)} {what} occur more than once in one import: {repeated[:MAX_LISTED]}"
        )


def _community_values(row: CommunityRow) -> dict[str, Any]:
    given = cast("Mapping[str, Any]", row)
    values = {k: given[k] for k in COMMUNITY_FIELDS if k in given}
    if "level" in values:
        try:
            values["level"] = CommunityLevel(values["level"])
        except ValueError:
            levels = ", ".join(level.value for level in CommunityLevel)
            raise ValidationError(
                f"community {row['code']!r}: level {values['level']!r} is not one of {levels}"
            ) from None
    return values


def upsert_communities(
    session: Session, *, city_id: int, rows: Sequence[CommunityRow]
) -> UpsertCounts:
    """Insert new communities and update known ones, found by ``code`` within the city.

    Parameters
    ----------
    session
        Open session.
    city_id
        City the communities belong to.
    rows
        One dict per community; see :class:`~lifecircle.store.rows.CommunityRow`. On
        update, keys left out keep their stored values.

    Returns
    -------
    UpsertCounts

    Raises
    ------
    ValidationError
        If a code repeats within ``rows`` or a level is unknown.

    """
    _repeated([row["code"] for row in rows], "community codes")
    known = dict(
        session.execute(
            select(Community.code, Community.id).where(Community.city_id == city_id)
        ).all()
    )
    updates: list[dict[str, Any]] = []
    inserts: list[dict[str, Any]] = []
    for row in rows:
        values = _community_values(row)
        if row["code"] in known:
            updates.append({"id": known[row["code"]]} | values)
        else:
            values.setdefault("level", CommunityLevel.COMMUNITY)
            inserts.append({"city_id": city_id, "code": row["code"]} | values)
    update_rows(session, Base.metadata.tables["communities"], updates)
    for part in chunks(inserts, CHUNK):  # few rows with big geometries: no COPY needed
        session.execute(insert(Community), list(part))
    return UpsertCounts(inserted=len(inserts), updated=len(updates))


def list_communities(
    session: Session, *, city_id: int, level: CommunityLevel | str | None = None
) -> list[Community]:
    """A city's communities by code, optionally of one level only."""
    query = select(Community).where(Community.city_id == city_id)
    if level is not None:
        query = query.where(Community.level == CommunityLevel(level))
    return list(session.scalars(query.order_by(Community.code)))


def add_community_mappings(
    session: Session, *, city_id: int, rows: Sequence[MappingRow]
) -> UpsertCounts:
    """Add plan-to-NBS code pairs; a pair already stored only has its note updated.

    Returns
    -------
    UpsertCounts
        Pairs inserted, and pairs already there (counted as updated).

    """
    pairs = [(row["plan_code"], row["nbs_code"]) for row in rows]
    _repeated(pairs, "(plan_code, nbs_code) pairs")
    query = select(CommunityMapping.plan_code, CommunityMapping.nbs_code).where(
        CommunityMapping.city_id == city_id
    )
    known = {(plan, nbs) for plan, nbs in session.execute(query)}
    inserts = [
        {"city_id": city_id, "plan_code": p, "nbs_code": n, "note": row.get("note")}
        for (p, n), row in zip(pairs, rows, strict=True)
        if (p, n) not in known
    ]
    updates = [
        {"city_id": city_id, "plan_code": p, "nbs_code": n, "note": row["note"]}
        for (p, n), row in zip(pairs, rows, strict=True)
        if (p, n) in known and "note" in row
    ]
    for part in chunks(inserts, CHUNK):
        session.execute(insert(CommunityMapping), list(part))
    for part in chunks(updates, CHUNK):
        session.execute(update(CommunityMapping), list(part))
    return UpsertCounts(inserted=len(inserts), updated=len(pairs) - len(inserts))


def list_community_mappings(session: Session, *, city_id: int) -> list[CommunityMapping]:
    """A city's plan-to-NBS pairs, by plan code then NBS code."""
    query = (
        select(CommunityMapping)
        .where(CommunityMapping.city_id == city_id)
        .order_by(CommunityMapping.plan_code, CommunityMapping.nbs_code)
    )
    return list(session.scalars(query))


def replace_population_points(
    session: Session,
    *,
    city_id: int,
    method: str,
    rows: Sequence[PopulationRow],
    import_run_id: int | None = None,
) -> int:
    """Replace a city's population points of one estimation method.

    Points of other methods (``worldpop``, ``buildings``...) stay, so estimates can be
    compared; importing the same method again replaces, never adds.

    Parameters
    ----------
    session
        Open session.
    city_id
        City.
    method
        How the points were estimated, e.g. ``buildings-floor-area``.
    rows
        WGS-84 points with ``population`` (may be fractional: people per cell).
    import_run_id
        Run that brought them.

    Returns
    -------
    int
        Points stored.

    Raises
    ------
    ValidationError
        If ``method`` is empty or a population is negative.

    """
    if not method.strip():
        raise ValidationError("a population method name cannot be empty")
    negative = [i for i, row in enumerate(rows) if row["population"] < 0]
    if negative:
        raise ValidationError(
            f"{len(negative)} population points have a negative population "
            f"(rows {negative[:MAX_LISTED]})"
        )
    session.execute(
        delete(PopulationPoint).where(
            PopulationPoint.city_id == city_id, PopulationPoint.method == method
        )
    )
    values = [
        {
            "city_id": city_id,
            "method": method,
            "import_run_id": import_run_id,
            "lon": row["lon"],
            "lat": row["lat"],
            "population": row["population"],
            "community_code": row.get("community_code"),
        }
        for row in rows
    ]
    insert_rows(session, Base.metadata.tables["population_points"], values)
    return len(values)


def count_communities(session: Session, *, city_id: int) -> int:
    """Number of a city's communities, all levels together."""
    query = select(func.count()).select_from(Community).where(Community.city_id == city_id)
    return int(session.scalar(query) or 0)


def delete_communities(session: Session, *, city_id: int) -> int:
    """Delete every community (all levels) of a city; mappings and population stay.

    Returns
    -------
    int
        Rows deleted.

    """
    result = session.execute(
        delete(Community)
        .where(Community.city_id == city_id)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def population_methods(session: Session, *, city_id: int) -> list[str]:
    """The methods a city's population points were estimated by, sorted."""
    query = select(PopulationPoint.method).where(PopulationPoint.city_id == city_id).distinct()
    return sorted(session.scalars(query))


def latest_population_method(session: Session, *, city_id: int) -> str | None:
    """The method of the most recently imported population points (``None``: none)."""
    query = (
        select(PopulationPoint.method)
        .where(PopulationPoint.city_id == city_id)
        .order_by(PopulationPoint.import_run_id.desc().nulls_last(), PopulationPoint.id.desc())
        .limit(1)
    )
    return session.scalar(query)


def population_points(
    session: Session, *, city_id: int, method: str
) -> list[tuple[float, float, float, str | None]]:
    """``(lon, lat, population, community_code)`` of one method's points, in id order."""
    query = (
        select(
            PopulationPoint.lon,
            PopulationPoint.lat,
            PopulationPoint.population,
            PopulationPoint.community_code,
        )
        .where(PopulationPoint.city_id == city_id, PopulationPoint.method == method)
        .order_by(PopulationPoint.id)
    )
    return [(r[0], r[1], r[2], r[3]) for r in session.execute(query)]
