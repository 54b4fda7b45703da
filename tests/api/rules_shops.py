"""Authorisation rules of the merchants' shops: register, claim, decide, page, edit.

Applications to decide are made for each call, filed under a community of 福田区 (the
in-area official's district), straight in the store: the test city's units have no
outlines, so a position would find no community.
"""

from __future__ import annotations

import itertools

from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope
from lifecircle.store.places import upsert_places
from lifecircle.store.shops import add_application
from tests.api.authz import (
    ALL,
    MERCHANTS_ONLY,
    OFFICIALS_IN_AREA,
    Request,
    Rule,
    as_caller,
    row,
    simple,
)
from tests.api.world import CITY, FUTIAN, World

_numbers = itertools.count(1)

SHAPUTOU = "440304001019"
"""A community of 福田区 in the test world."""


def _fresh_place(world: World) -> str:
    """A new unowned place of the test city; its uid."""
    source_id = f"shop-rule-{next(_numbers)}"
    with session_scope(world.engine) as session:
        city_id = get_city(session, name=CITY).id
        upsert_places(
            session,
            city_id=city_id,
            source="osm",
            rows=[{"source_id": source_id, "lon": 114.2, "lat": 22.6, "name": "SYNTHETIC 小卖部"}],
        )
    return f"osm:{source_id}"


def _claim(world: World, caller: str) -> Request:
    return f"/cities/{CITY}/places/{_fresh_place(world)}/claims", {}, as_caller(world, caller)


def _pending(world: World) -> int:
    """A new shop application of the merchant, pending, in 沙埔头社区 (福田区)."""
    n = next(_numbers)
    with session_scope(world.engine) as session:
        app = add_application(
            session,
            city_id=get_city(session, name=CITY).id,
            kind="new",
            applicant_id=world.principals["merchant"].account.id,
            name=f"SYNTHETIC 申请 {n}",
            lon=114.3 + n * 0.001,  # far from every stored place: no duplicate
            lat=22.7,
            categories=["convenience_store"],
            services=[],
            community_code=SHAPUTOU,
        )
    return app.id


def _decide(action: str, **kwargs: object) -> object:
    return lambda w, c: (f"/shop-applications/{_pending(w)}/{action}", kwargs, as_caller(w, c))


def _patch(world: World, caller: str) -> Request:
    place = world.place_ids["owned"]
    return f"/shops/{place}", {"json": {"services": ["pickup"]}}, as_caller(world, caller)


DECIDERS = OFFICIALS_IN_AREA
"""Officials of the application's area and administrators."""

SHOP_JSON = {
    "name": "SYNTHETIC 新店",
    "categories": ["convenience_store"],
    "lon": 114.1,
    "lat": 22.5,
}

RULES: dict[tuple[str, str], Rule] = {
    ("POST", "/cities/{city}/shops"): Rule(
        simple(f"/cities/{CITY}/shops", json=SHOP_JSON),
        MERCHANTS_ONLY | {"merchant": 201, "other_merchant": 201},
    ),
    ("POST", "/cities/{city}/places/{uid}/claims"): Rule(
        _claim, MERCHANTS_ONLY | {"merchant": 201, "other_merchant": 201}
    ),
    ("GET", "/cities/{city}/places/{uid}"): Rule(simple(f"/cities/{CITY}/places/osm:node/1"), ALL),
    ("GET", "/cities/{city}/shop-applications"): Rule(
        simple(f"/cities/{CITY}/shop-applications", params={"area": FUTIAN}), OFFICIALS_IN_AREA
    ),
    ("POST", "/shop-applications/{application_id}/approve"): Rule(_decide("approve"), DECIDERS),
    ("POST", "/shop-applications/{application_id}/reject"): Rule(
        _decide("reject", json={"reason": "SYNTHETIC 理由"}), DECIDERS
    ),
    ("GET", "/users/me/shop-applications"): Rule(
        simple("/users/me/shop-applications"), MERCHANTS_ONLY
    ),
    # another merchant's shop is not theirs: 404, as for a shop that does not exist
    ("PATCH", "/shops/{place_id}"): Rule(_patch, row(401, 403, 200, 404, 403, 403, 403)),
}
