"""A small city for the shop tests: two communities with outlines, one OSM shop, accounts.

The codes and names are real (NBS 2023); the outlines, the shop and the accounts are
SYNTHETIC, made up for these tests.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import shapely

from lifecircle.services.accounts import Account, create_account
from lifecircle.store.cities import create_city
from lifecircle.store.communities import upsert_communities
from lifecircle.store.db import session_scope
from lifecircle.store.places import replace_place_categories, upsert_places

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

CITY = "shoptown"
SHAPUTOU, NANTOUCHENG = "440304001019", "440305001001"
IN_FUTIAN = (114.0920, 22.5430)
IN_NANSHAN = (113.9200, 22.5200)
OSM_SHOP = (114.0910, 22.5420)

_names = itertools.count(1)


@dataclass
class ShopWorld:
    """The city's id, the OSM shop's id and uid, and one account of each kind."""

    engine: Engine
    city_id: int
    osm_place: int
    accounts: dict[str, Account]

    def merchant(self) -> Account:
        """A new merchant account."""
        return _account(self.engine, "merchant", None, None)


def _account(engine: Engine, role: str, city: str | None, area: str | None) -> Account:
    return create_account(
        engine=engine,
        username=f"{role}-{next(_names)}",
        password="a synthetic test password",
        role=role,
        city=city,
        area=area,
    )


def build_shop_world(engine: Engine) -> ShopWorld:
    """The city, its communities (福田区 沙埔头 and 南山区 南头城 with box outlines), a 7-Eleven."""
    with session_scope(engine) as session:
        city_id = create_city(session, name=CITY).id
        upsert_communities(
            session,
            city_id=city_id,
            rows=[
                {"code": "440304", "name": "福田区", "level": "district"},
                {
                    "code": SHAPUTOU,
                    "name": "沙埔头社区",
                    "level": "community",
                    "parent_code": "440304001",
                    "geometry": shapely.to_wkb(shapely.box(114.08, 22.53, 114.10, 22.55)),
                },
                {"code": "440305", "name": "南山区", "level": "district"},
                {
                    "code": NANTOUCHENG,
                    "name": "南头城社区",
                    "level": "community",
                    "parent_code": "440305001",
                    "geometry": shapely.to_wkb(shapely.box(113.90, 22.50, 113.95, 22.55)),
                },
            ],
        )
        placed = upsert_places(
            session,
            city_id=city_id,
            source="osm",
            rows=[
                {"source_id": "node/1", "lon": OSM_SHOP[0], "lat": OSM_SHOP[1], "name": "7-Eleven"}
            ],
        )
        osm_place = placed.place_ids["node/1"]
        replace_place_categories(
            session, categories={osm_place: [{"code": "convenience_store"}]}, source="osm"
        )
    accounts = {
        "merchant": _account(engine, "merchant", None, None),
        "resident": _account(engine, "resident", None, None),
        "official_in": _account(engine, "official", CITY, "440304"),
        "official_out": _account(engine, "official", CITY, "440305"),
        "admin": _account(engine, "admin", None, None),
    }
    return ShopWorld(engine=engine, city_id=city_id, osm_place=osm_place, accounts=accounts)
