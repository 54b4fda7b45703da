"""Communities with WKB boundaries, plan-to-NBS mappings, and population points."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import shapely
from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import func, select

from lifecircle.errors import ValidationError
from lifecircle.store.communities import (
    add_community_mappings,
    list_communities,
    list_community_mappings,
    replace_population_points,
    upsert_communities,
)
from lifecircle.store.db import session_scope
from lifecircle.store.models import CommunityLevel, PopulationPoint

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

SQUARE = Polygon([(114.0, 22.5), (114.01, 22.5), (114.01, 22.51), (114.0, 22.51)])
WITH_HOLE = Polygon(
    SQUARE.exterior.coords,
    [[(114.002, 22.502), (114.004, 22.502), (114.004, 22.504), (114.002, 22.504)]],
)


def test_geometry_wkb_round_trip(engine: Engine, city_id: int) -> None:
    shapes = {"a": WITH_HOLE, "b": MultiPolygon([SQUARE, affinity.translate(SQUARE, 0.02)])}
    with session_scope(engine) as session:
        upsert_communities(
            session,
            city_id=city_id,
            rows=[
                {"code": code, "name": code, "geometry": shapely.to_wkb(shape), "area_m2": 1.5e6}
                for code, shape in shapes.items()
            ],
        )
    with session_scope(engine) as session:
        stored = {c.code: c for c in list_communities(session, city_id=city_id)}
    for code, shape in shapes.items():
        geometry = stored[code].geometry
        assert geometry is not None
        back = shapely.from_wkb(geometry)
        assert back.equals_exact(shape, tolerance=0)
        assert shapely.to_wkb(back) == shapely.to_wkb(shape)
    assert stored["a"].area_m2 == 1.5e6


def test_upsert_by_code(engine: Engine, city_id: int) -> None:
    with session_scope(engine) as session:
        first = upsert_communities(
            session,
            city_id=city_id,
            rows=[
                {"code": "440304001", "name": "福田街道", "level": "street", "district": "福田区"},
                {
                    "code": "440304001001",
                    "name": "岗厦社区",
                    "street": "福田街道",
                    "parent_code": "440304001",
                    "population": 20000,
                },
            ],
        )
        assert (first.inserted, first.updated) == (2, 0)
    with session_scope(engine) as session:
        again = upsert_communities(
            session,
            city_id=city_id,
            rows=[
                {"code": "440304001001", "name": "岗厦社区", "population": 21000},
                {"code": "440304001002", "name": "福安社区", "population": 15000},
            ],
        )
        assert (again.inserted, again.updated) == (1, 1)
    with session_scope(engine) as session:
        communities = {c.code: c for c in list_communities(session, city_id=city_id)}
        assert len(communities) == 3
        gangxia = communities["440304001001"]
        assert (gangxia.population, gangxia.street) == (21000, "福田街道")  # street kept
        assert gangxia.level is CommunityLevel.COMMUNITY
        assert communities["440304001"].level is CommunityLevel.STREET
        streets = list_communities(session, city_id=city_id, level="street")
        assert [c.code for c in streets] == ["440304001"]


def test_bad_community_rows(engine: Engine, city_id: int) -> None:
    with session_scope(engine) as session:
        with pytest.raises(ValidationError, match="level 'village' is not one of"):
            upsert_communities(
                session, city_id=city_id, rows=[{"code": "x", "name": "x", "level": "village"}]
            )
        with pytest.raises(ValidationError, match="more than once"):
            upsert_communities(
                session,
                city_id=city_id,
                rows=[{"code": "x", "name": "x"}, {"code": "x", "name": "y"}],
            )


def test_mappings_are_pairs_added_once(engine: Engine, city_id: int) -> None:
    rows = [
        {"plan_code": "P1", "nbs_code": "440304001001"},
        {"plan_code": "P1", "nbs_code": "440304001002", "note": "合并"},
        {"plan_code": "P2", "nbs_code": "440304001003"},
    ]
    with session_scope(engine) as session:
        first = add_community_mappings(session, city_id=city_id, rows=rows)  # type: ignore[arg-type]
        assert (first.inserted, first.updated) == (3, 0)
    with session_scope(engine) as session:
        again = add_community_mappings(
            session,
            city_id=city_id,
            rows=[{"plan_code": "P2", "nbs_code": "440304001003", "note": "拆分"}],
        )
        assert (again.inserted, again.updated) == (0, 1)
        stored = [
            (m.plan_code, m.nbs_code, m.note)
            for m in list_community_mappings(session, city_id=city_id)
        ]
    assert stored == [
        ("P1", "440304001001", None),
        ("P1", "440304001002", "合并"),
        ("P2", "440304001003", "拆分"),
    ]


def test_population_replaced_per_method(engine: Engine, city_id: int) -> None:
    def totals() -> dict[str, tuple[int, float]]:
        with session_scope(engine) as session:
            query = select(
                PopulationPoint.method, func.count(), func.sum(PopulationPoint.population)
            ).group_by(PopulationPoint.method)
            return {m: (n, float(t)) for m, n, t in session.execute(query)}

    points = [
        {"lon": 114.0 + i * 1e-4, "lat": 22.5, "population": 2.5, "community_code": "c1"}
        for i in range(4000)
    ]
    with session_scope(engine) as session:
        assert (
            replace_population_points(
                session,
                city_id=city_id,
                method="buildings",
                rows=points,  # type: ignore[arg-type]
            )
            == 4000
        )
        replace_population_points(
            session,
            city_id=city_id,
            method="worldpop",
            rows=[{"lon": 114.0, "lat": 22.5, "population": 100.0}],
        )
    assert totals() == {"buildings": (4000, 10000.0), "worldpop": (1, 100.0)}
    with session_scope(engine) as session:
        replace_population_points(
            session,
            city_id=city_id,
            method="buildings",
            rows=points[:10],  # type: ignore[arg-type]
        )
    assert totals() == {"buildings": (10, 25.0), "worldpop": (1, 100.0)}
    with session_scope(engine) as session, pytest.raises(ValidationError, match="negative"):
        replace_population_points(
            session,
            city_id=city_id,
            method="x",
            rows=[{"lon": 114.0, "lat": 22.5, "population": -1.0}],
        )
