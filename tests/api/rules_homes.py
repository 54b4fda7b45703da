"""Authorisation rules of one's home point: every signed-in account, its own only."""

from __future__ import annotations

from lifecircle.services.homes import set_my_home
from tests.api.authz import SIGNED_IN, Request, Rule, as_caller, row, simple
from tests.api.world import CITY, World


def _with_home(world: World, caller: str) -> Request:
    who = as_caller(world, caller)
    if who is not None:  # a home to read or forget, set before every call
        set_my_home(engine=world.engine, user_id=who.account.id, city=CITY, lon=114.06, lat=22.54)
    return "/users/me/home", {}, who


RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/users/me/home"): Rule(_with_home, SIGNED_IN),
    ("PUT", "/users/me/home"): Rule(
        simple("/users/me/home", json={"city": CITY, "lon": 114.06, "lat": 22.54}), SIGNED_IN
    ),
    ("DELETE", "/users/me/home"): Rule(_with_home, row(401, 204, 204, 204, 204, 204, 204)),
}
