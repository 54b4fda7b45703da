"""Authorisation rules of the officials' coverage by time of day, and its SYNTHETIC run.

The route is scoped like ``/assessment``: asked about the in-area official's district
(``?area=``), the out-of-area official is refused. The world's own run was not assessed
by hour, so the rule asks for a by-hour run stored beside it (dated in the past, so the
world's latest run stays the latest for the other rules).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope
from lifecircle.store.runs import save_assessment
from tests.api.authz import OFFICIALS_IN_AREA, Request, Rule, as_caller
from tests.api.world import CITY, FUTIAN, World

if TYPE_CHECKING:
    from collections.abc import Callable

CATS = ("convenience_store", "breakfast")
POPULATION = {"440304001019": 8000.0, "440304001020": 6000.0, "440305001001": 5000.0}


def _day(breakfast: Callable[[int], float | None] | float, convenience: float) -> dict[str, Any]:
    at = breakfast if callable(breakfast) else lambda _: breakfast
    return {"convenience_store": [convenience] * 24, "breakfast": [at(h) for h in range(24)]}


# SYNTHETIC curves: 沙埔头 serves breakfast to half its residents 06:00-09:59, 南园 to a
# quarter at 07:00 only and counts nobody at 03:00; 南头城 (南山区) is served at every hour
CURVES = {
    "440304001019": {
        "weekday": _day(lambda h: 0.5 if 6 <= h <= 9 else 0.0, 1.0),
        "weekend": _day(0.0, 1.0),
    },
    "440304001020": {
        "weekday": _day(lambda h: None if h == 3 else 0.25 if h == 7 else 0.0, 0.8),
        "weekend": _day(0.0, 0.8),
    },
    "440305001001": {
        "weekday": _day(1.0, 1.0),
        "weekend": _day(1.0, 1.0),
    },
}
SERVED = {
    "440304001019": {"all": 0.5, "categories": {"breakfast": 0.5, "convenience_store": 1.0}},
    "440304001020": {"all": 0.0, "categories": {"breakfast": 0.25, "convenience_store": 0.8}},
    "440305001001": {"all": 1.0, "categories": {"breakfast": 1.0, "convenience_store": 1.0}},
}
CITY_CURVES = {  # as stored (4 decimals), the whole city's
    "weekday": _day(0.12345, 0.9158),
    "weekend": _day(0.2632, 0.9158),
}


def store_by_hour_run(world: World, *, created_at: datetime) -> int:
    """A SYNTHETIC run of the world's city assessed by hour: its id."""
    names = {"440304001019": "沙埔头社区", "440304001020": "南园社区", "440305001001": "南头城社区"}
    with session_scope(world.engine, write=True) as session:
        city_id = get_city(session, name=CITY).id
        return save_assessment(
            session,
            city_id=city_id,
            document={
                "run": {
                    "created_at": created_at.isoformat(),
                    "parameters": {
                        "time": {
                            "at": None,
                            "unknown_hours": "open",
                            "by_hour": True,
                            "hours_of_need": {"breakfast": "06:30-09:00"},
                        }
                    },
                },
                "categories": [
                    {"code": "convenience_store", "name_zh": "便利店", "name_en": "Convenience"},
                    {"code": "breakfast", "name_zh": "早餐店", "name_en": "Breakfast"},
                ],
                "city": {
                    "communities": 3,
                    "population": 19000.0,
                    "served_when_needed": {"all": 0.4737, "categories": {"breakfast": 0.5}},
                },
                "communities": [
                    {
                        "code": code,
                        "name": names[code],
                        "population": pop,
                        "served_when_needed": SERVED[code],
                    }
                    for code, pop in POPULATION.items()
                ],
                "by_hour": {
                    "weekday": 0,
                    "weekend": 5,
                    "hours": list(range(24)),
                    "categories": list(CATS),
                    "unknown_hours": "open",
                    "city": CITY_CURVES,
                    "communities": CURVES,
                    "classes": 3,
                    "elapsed_s": 0.01,
                },
            },
        )


_RUNS: dict[int, tuple[World, int]] = {}
"""id(world) -> (the world, kept so that its id is not reused; its by-hour run)."""


def _by_hour_run(world: World, caller: str) -> Request:
    if id(world) not in _RUNS:
        _RUNS[id(world)] = (
            world,
            store_by_hour_run(world, created_at=datetime(2020, 1, 1, tzinfo=UTC)),
        )
    params = {"area": FUTIAN, "run": _RUNS[id(world)][1]}
    return f"/cities/{CITY}/coverage-by-hour", {"params": params}, as_caller(world, caller)


RULES = {
    ("GET", "/cities/{city}/coverage-by-hour"): Rule(_by_hour_run, OFFICIALS_IN_AREA),
}
