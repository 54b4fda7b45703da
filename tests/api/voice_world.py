"""The API tests' world with drawn communities, for the residents' voice tests.

The test world's units have no boundaries; these tests give its three 社区 SYNTHETIC
square outlines (real codes, made-up shapes) so that points are filed under them, and
make residents with homes in them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import shapely

from lifecircle.store.cities import get_city
from lifecircle.store.communities import upsert_communities
from lifecircle.store.db import session_scope
from lifecircle.store.homes import set_home
from tests.api.world import CITY, Principal, World

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

SHAPUTOU, NANYUAN_C, NANTOUCHENG = "440304001019", "440304001020", "440305001001"
BOXES = {  # SYNTHETIC outlines: code -> (min lon, min lat, max lon, max lat)
    SHAPUTOU: (114.080, 22.535, 114.095, 22.545),
    NANYUAN_C: (114.095, 22.535, 114.110, 22.545),
    NANTOUCHENG: (113.900, 22.530, 113.920, 22.550),
}
INSIDE = {  # a point in each outline
    SHAPUTOU: (114.0880, 22.5400),
    NANYUAN_C: (114.1000, 22.5400),
    NANTOUCHENG: (113.9100, 22.5400),
}
API = "/api/v1"


def draw_communities(world: World) -> None:
    """Give the test city's 社区 their SYNTHETIC outlines."""
    with session_scope(world.engine) as session:
        upsert_communities(
            session,
            city_id=get_city(session, name=CITY).id,
            rows=[
                {"code": code, "geometry": shapely.to_wkb(shapely.box(*box))}
                for code, box in BOXES.items()
            ],
        )


@dataclass
class Voice:
    """The world, a client, and a way to make residents living in a community."""

    world: World
    client: TestClient

    def resident(self, community: str | None = None) -> Principal:
        """A new resident; with ``community``, their home is a point inside it."""
        who = self.world.add_principal("voter", "resident", None, None)
        if community is not None:
            lon, lat = INSIDE[community]
            with session_scope(self.world.engine) as session:
                set_home(
                    session,
                    user_id=who.account.id,
                    city_id=get_city(session, name=CITY).id,
                    lon=lon,
                    lat=lat,
                    community_code=community,
                )
        return who

    def as_(self, name: str) -> dict[str, str]:
        """The headers of one of the world's principals."""
        return self.world.principals[name].headers
