"""Authorisation rules of the plan's indicators, the usage and the monthly statistics.

Officials record and read their own area's figures (the official of 南山区 gets 403 on
福田区), administrators everything; a shop's employees are its merchant's alone (the
other merchant gets 404, never told whose the shop is).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope
from lifecircle.store.indicators import save_usage
from tests.api.authz import OFFICIALS_IN_AREA, Rule, as_caller, row, simple
from tests.api.world import CITY, FUTIAN, World

if TYPE_CHECKING:
    from tests.api.authz import Request

MERCHANT_OWN = row(401, 403, 200, 404, 403, 403, 403)
"""The owning merchant gets through; the other merchant 404; other roles 403."""

OFFICIALS_OF_THE_AREA = row(401, 403, 403, 403, 200, 403, 200)
"""Officials whose area holds the code, and administrators."""


def _record(world: World, caller: str) -> Request:
    path = f"/cities/{CITY}/indicators/440304001019/2026-11"
    return (
        path,
        {"json": {"investment_fen": 100, "commercial_floor_m2": 10}},
        as_caller(world, caller),
    )


def _employees(world: World, caller: str) -> Request:
    path = f"/shops/{world.place_ids['owned']}/employees"
    return path, {"json": {"period": "2026-11", "employees": 3}}, as_caller(world, caller)


def _usage(world: World, caller: str) -> Request:
    with session_scope(world.engine) as session:
        city_id = get_city(session, name=CITY).id
        save_usage(
            session,
            city_id=city_id,
            month="2026-10",
            limit_minutes=15,
            redemptions=6,
            with_home=6,
            walked=6,
            cells={("440304001019", "convenience_store"): (6, 4)},
        )
    path = f"/cities/{CITY}/usage"
    return path, {"params": {"month": "2026-10", "area": FUTIAN}}, as_caller(world, caller)


RULES: dict[tuple[str, str], Rule] = {
    ("PUT", "/cities/{city}/indicators/{code}/{period}"): Rule(_record, OFFICIALS_OF_THE_AREA),
    ("GET", "/cities/{city}/indicators"): Rule(
        simple(f"/cities/{CITY}/indicators", params={"area": FUTIAN}), OFFICIALS_IN_AREA
    ),
    ("PUT", "/shops/{place_id}/employees"): Rule(_employees, MERCHANT_OWN),
    ("GET", "/cities/{city}/usage"): Rule(_usage, OFFICIALS_IN_AREA),
    ("GET", "/cities/{city}/statistics.xlsx"): Rule(
        simple(f"/cities/{CITY}/statistics.xlsx", params={"month": "2026-11", "area": FUTIAN}),
        OFFICIALS_IN_AREA,
    ),
}
