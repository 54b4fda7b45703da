"""A resident's community: which one a point lies in, and its card from the latest assessment.

The card is what the report's community card shows, from stored runs (no computing):
coverage per category, gaps (缺什么补什么), circle type and grade with the rules that gave
them, and the 一圈一策 sheet of the latest plan with its planned sites.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from lifecircle.core.walk.geodesy import LocalProjection, utm_epsg
from lifecircle.errors import NotFoundError
from lifecircle.services.city.cities import drawn_units, stored_units
from lifecircle.services.residents.points import point_in, points_out
from lifecircle.store import cities as city_store
from lifecircle.store.db import session_scope
from lifecircle.store.runs import get_plan, latest_assessment_community

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.engine import Engine

NEAREST_CANDIDATES = 8
"""Boundaries measured in metres when the point lies in none (nearest in degrees first)."""


@dataclass(frozen=True)
class CommunityFound:
    """The community a point lies in (``inside``), or the nearest one and how far it is."""

    code: str
    name: str
    street: str
    district: str
    level: str
    inside: bool
    distance_m: float


def community_near(
    *, engine: Engine, city: str, lon: float, lat: float, crs: str = "wgs84"
) -> CommunityFound:
    """The community whose boundary holds a point, else the nearest boundary.

    Among the units the assessment uses (the finest level with boundaries).

    Raises
    ------
    NotFoundError
        If the city does not exist or has no community boundaries.

    """
    w_lon, w_lat = point_in(lon, lat, crs)
    with session_scope(engine) as session:
        city_id = city_store.get_city(session, name=city).id
        units = drawn_units(stored_units(session, city_id=city_id))
    if not units:
        raise NotFoundError(
            f"city {city!r} has no community boundaries: import --communities or make units "
            "with --units h3"
        )
    shapes = [u.geometry for u in units]
    point = shapely.Point(w_lon, w_lat)
    tree = shapely.STRtree(shapes)
    holding = tree.query(point, predicate="intersects")
    if holding.size:
        k = int(holding.min())
        distance = 0.0
    else:
        # degrees are not metres: measure the few nearest in degrees in metres
        candidates = np.argsort(shapely.distance(shapes, point))[:NEAREST_CANDIDATES].tolist()
        proj = LocalProjection(utm_epsg(w_lon, w_lat))

        def metric(geom: Any) -> Any:
            return shapely.transform(geom, lambda xy: np.stack(proj.forward(xy[:, 0], xy[:, 1]), 1))

        here = metric(point)
        metres = [float(shapely.distance(metric(shapes[i]), here)) for i in candidates]
        best = int(np.argmin(metres))
        k, distance = candidates[best], metres[best]
    unit = units[k]
    return CommunityFound(
        code=unit.code,
        name=unit.name,
        street=unit.street,
        district=unit.district,
        level=unit.level,
        inside=bool(holding.size),
        distance_m=distance,
    )


def community_at(*, engine: Engine, city: str, lon: float, lat: float) -> str | None:
    """The code of the community whose boundary holds a WGS-84 point, or ``None``.

    ``None`` when the point lies in no boundary, or the city has none: such a shop is
    seen by the city-wide officials only.
    """
    try:
        found = community_near(engine=engine, city=city, lon=lon, lat=lat)
    except NotFoundError:
        return None
    return found.code if found.inside else None


@dataclass(frozen=True)
class CategoryCoverage:
    """One category of the card: who reaches it within its limit, and how far they walk."""

    code: str
    name_zh: str
    name_en: str
    group: str
    coverage: float | None
    minutes_mean: float | None
    minutes_p90: float | None
    elderly_coverage: float | None
    missing: bool
    weak: bool


@dataclass(frozen=True)
class PlannedSite:
    """A new place the latest plan puts where this community's residents reach it."""

    id: str
    category: str
    lon: float
    lat: float
    newly_covered_population: float | None
    unit: int | None = None
    hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class CommunityPlan:
    """The community's 一圈一策 sheet of a plan: gaps, coverage before and after, sites."""

    id: int | None
    created_at: str | None
    gaps: tuple[str, ...]
    before: dict[str, float | None]
    after: dict[str, float | None]
    sites: tuple[PlannedSite, ...]
    joint: bool = False


@dataclass(frozen=True)
class CommunityCard:
    """A community as the latest assessment saw it (docs/assessment.md, community object)."""

    city: str
    code: str
    name: str
    street: str
    district: str
    population: float | None
    is_pilot: bool
    run_id: int
    assessed_at: datetime
    categories: tuple[CategoryCoverage, ...]
    basic_complete: bool
    missing: tuple[str, ...]
    weak: tuple[str, ...]
    quality_present: int | None
    places: int | None
    f15: float | None
    circle_type: str
    circle_type_zh: str
    circle_type_rule: str
    grade: str
    grade_zh: str
    grade_rule: str
    plan: CommunityPlan | None


def _plan_sheet(plan: dict[str, Any] | None, code: str, crs: str) -> CommunityPlan | None:
    if plan is None:
        return None
    sheet = next((c for c in plan.get("communities", []) if c.get("code") == code), None)
    if sheet is None:
        return None
    # a site entry per category it opens (a joint unit: one per category it hosts), kept
    # when it serves this community's residents
    sites = [s for s in plan.get("sites", []) if code in s.get("communities", [])]
    x, y = points_out([s["lon"] for s in sites], [s["lat"] for s in sites], crs)
    info = plan.get("plan", {})
    return CommunityPlan(
        id=info.get("id"),
        created_at=info.get("created_at"),
        gaps=tuple(sheet.get("gaps", [])),
        before=dict(sheet.get("before", {})),
        after=dict(sheet.get("after", {})),
        sites=tuple(
            PlannedSite(
                id=str(s["id"]),
                category=str(s.get("category", "")),
                lon=float(x[i]),
                lat=float(y[i]),
                newly_covered_population=s.get("newly_covered_population"),
                unit=s.get("unit"),
                hosts=tuple(s.get("hosts", ())),
            )
            for i, s in enumerate(sites)
        ),
        joint="joint" in plan,
    )


def community_card(*, engine: Engine, city: str, code: str, crs: str = "wgs84") -> CommunityCard:
    """The card of community ``code`` from the city's latest assessment and latest plan.

    Raises
    ------
    NotFoundError
        If the city, its assessment or the community in it does not exist.

    """
    with session_scope(engine) as session:
        city_id = city_store.get_city(session, name=city).id
        stored = latest_assessment_community(session, city_id=city_id, city=city, code=code)
        try:
            plan = get_plan(session, city_id=city_id, city=city)
        except NotFoundError:
            plan = None
    rec = stored.record
    missing, weak = list(rec.get("missing", [])), list(rec.get("weak", []))
    elderly = rec.get("elderly") or {}
    cover = rec.get("coverage") or {}
    categories = tuple(
        CategoryCoverage(
            code=c["code"],
            name_zh=c.get("name_zh", c["code"]),
            name_en=c.get("name_en", c["code"]),
            group=c.get("group", ""),
            coverage=cover.get(c["code"]),
            minutes_mean=(rec.get("minutes_mean") or {}).get(c["code"]),
            minutes_p90=(rec.get("minutes_p90") or {}).get(c["code"]),
            elderly_coverage=(elderly.get("coverage") or {}).get(c["code"]),
            missing=c["code"] in missing,
            weak=c["code"] in weak,
        )
        for c in stored.categories
    )
    return CommunityCard(
        city=city,
        code=code,
        name=str(rec.get("name") or ""),
        street=str(rec.get("street") or ""),
        district=str(rec.get("district") or ""),
        population=rec.get("population"),
        is_pilot=bool(rec.get("is_pilot")),
        run_id=stored.run_id,
        assessed_at=stored.created_at,
        categories=categories,
        basic_complete=bool(rec.get("basic_complete")),
        missing=tuple(missing),
        weak=tuple(weak),
        quality_present=rec.get("quality_present"),
        places=rec.get("places"),
        f15=rec.get("f15"),
        circle_type=str(rec.get("circle_type", "")),
        circle_type_zh=str(rec.get("circle_type_zh", "")),
        circle_type_rule=str(rec.get("circle_type_rule", "")),
        grade=str(rec.get("grade", "")),
        grade_zh=str(rec.get("grade_zh", "")),
        grade_rule=str(rec.get("grade_rule", "")),
        plan=_plan_sheet(plan, code, crs),
    )
