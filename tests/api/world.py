"""A small platform world for the API tests: two cities, units, an assessment, accounts.

The administrative codes and names are real (NBS 2023, ../shared/data); the places,
populations and assessment verdicts are SYNTHETIC, made up for these tests.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lifecircle.services.accounts import Account, create_account, issue_token
from lifecircle.services.ownership import grant_place
from lifecircle.store.cities import create_city
from lifecircle.store.communities import upsert_communities
from lifecircle.store.db import session_scope
from lifecircle.store.places import replace_place_categories, upsert_places
from lifecircle.store.runs import save_assessment

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from lifecircle.config import Settings

CITY = "shenzhen-test"
OTHER_CITY = "othertown"
FUTIAN, NANSHAN = "440304", "440305"
NANYUAN = "440304001"  # 南园街道, in 福田区

UNITS = [
    # code, name, level, parent
    (FUTIAN, "福田区", "district", None),
    (NANYUAN, "南园街道", "street", FUTIAN),
    ("440304001019", "沙埔头社区", "community", NANYUAN),
    ("440304001020", "南园社区", "community", NANYUAN),
    (NANSHAN, "南山区", "district", None),
    # no 街道 row for 南头街道: the prefix rule places this one in 南山区
    ("440305001001", "南头城社区", "community", "440305001"),
]
ASSESSED = {  # SYNTHETIC verdicts: code -> (population, basic_complete, grade)
    "440304001019": (8000.0, True, "A"),
    "440304001020": (6000.0, False, "C"),
    "440305001001": (5000.0, True, "B"),
}

PASSWORD = "a synthetic test password"
"""Every principal's password (the tests' accounts are throwaway)."""

ROLES = {
    "resident": ("resident", None, None),
    "merchant": ("merchant", None, None),
    "other_merchant": ("merchant", None, None),
    "official_in": ("official", CITY, FUTIAN),
    "official_out": ("official", CITY, NANSHAN),
    "admin": ("admin", None, None),
}
"""Principal name -> (role, city, area); ``official_in`` is the area the tests ask about."""

_numbers = itertools.count(1)


def unique(prefix: str) -> str:
    """A user name no other test call has used."""
    return f"{prefix}-{next(_numbers)}"


@dataclass
class Principal:
    """An account with its password and a bearer token."""

    account: Account
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """The ``Authorization`` header of its token."""
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class World:
    """What the API tests work on."""

    engine: Engine
    settings: Settings
    principals: dict[str, Principal] = field(default_factory=dict)
    place_ids: dict[str, int] = field(default_factory=dict)

    def add_principal(self, name: str, role: str, city: str | None, area: str | None) -> Principal:
        """A new account (a unique name starting with ``name``) with a token."""
        account = create_account(
            engine=self.engine,
            username=unique(name.replace("_", "-")),
            password=PASSWORD,
            role=role,
            city=city,
            area=area,
        )
        return Principal(account, PASSWORD, self.token_for(account.id))

    def token_for(self, user_id: int) -> str:
        """A new bearer token of an account (as a login would issue)."""
        return issue_token(engine=self.engine, settings=self.settings, user_id=user_id).token


def build_world(engine: Engine, settings: Settings, *, principals: bool = True) -> World:
    """Cities, units, places and an assessment run; with ``principals``, one account each."""
    with session_scope(engine) as session:
        city_id = create_city(session, name=CITY).id
        create_city(session, name=OTHER_CITY)
        upsert_communities(
            session,
            city_id=city_id,
            rows=[
                {"code": code, "name": name, "level": level, "parent_code": parent}
                for code, name, level, parent in UNITS
            ],
        )
        placed = upsert_places(
            session,
            city_id=city_id,
            source="osm",
            rows=[
                {"source_id": "node/1", "lon": 114.0910, "lat": 22.5420, "name": "SYNTHETIC shop"},
                {"source_id": "node/2", "lon": 114.0920, "lat": 22.5430, "name": "SYNTHETIC kiosk"},
            ],
        )
        ids = placed.place_ids
        replace_place_categories(
            session,
            categories={ids["node/1"]: [{"code": "convenience_store"}], ids["node/2"]: []},
        )
        save_assessment(
            session,
            city_id=city_id,
            document={
                "run": {"parameters": {"minutes": 15}},
                "city": {"communities": len(ASSESSED), "basic_complete": 2, "population": 19000.0},
                "communities": [
                    {
                        "code": code,
                        "name": name,
                        "population": ASSESSED[code][0],
                        "basic_complete": ASSESSED[code][1],
                        "grade": ASSESSED[code][2],
                        "circle_type": "街区式",
                    }
                    for code, name, _, _ in UNITS
                    if code in ASSESSED
                ],
            },
        )
    world = World(engine=engine, settings=settings)
    world.place_ids = {"owned": ids["node/1"], "free": ids["node/2"]}
    if principals:
        for name, (role, city, area) in ROLES.items():
            world.principals[name] = world.add_principal(name, role, city, area)
        grant_place(
            engine=engine,
            user_id=world.principals["merchant"].account.id,
            place_id=world.place_ids["owned"],
        )
    return world
