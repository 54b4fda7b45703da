"""Authorisation rules of near-expiry stock: merchants' batches, residents' offers, officials.

The merchant's shop (``world.place_ids["owned"]``) gets a fresh batch for each cell;
the other merchant asking about it gets 404 (nothing is said of another's shop), as do
officials and admins 403 (the routes are for merchants).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from lifecircle.services.stock.batches import create_batch, today_local
from tests.api.authz import ALL, OFFICIALS_IN_AREA, Request, Rule, as_caller, row, simple
from tests.api.world import CITY, FUTIAN, World

if TYPE_CHECKING:
    from collections.abc import Callable

MERCHANT_OWN = row(401, 403, 200, 404, 403, 403, 403)
"""The merchant's own shop: theirs 200, the other merchant 404, other roles 403."""


def _batch(world: World, *, days: int = 1) -> tuple[int, int]:
    """A new batch in the merchant's shop expiring in ``days`` (near expiry for yoghurt)."""
    place = world.place_ids["owned"]
    made = create_batch(
        engine=world.engine,
        user_id=world.principals["merchant"].account.id,
        place_id=place,
        product="SYNTHETIC 酸奶",
        quantity=6,
        food_class="yoghurt",
        expiry_date=today_local() + timedelta(days=days),
    )
    return place, made.batch.id


def _shop(suffix: str, **kwargs: object) -> Callable[[World, str], Request]:
    return lambda w, c: (f"/shops/{w.place_ids['owned']}{suffix}", kwargs, as_caller(w, c))


def _on_batch(suffix: str, **kwargs: object) -> Callable[[World, str], Request]:
    def request(world: World, caller: str) -> Request:
        place, batch = _batch(world)
        return f"/shops/{place}/batches/{batch}{suffix}", kwargs, as_caller(world, caller)

    return request


def _create(world: World, caller: str) -> Request:
    body = {"product": "SYNTHETIC 面包", "quantity": 3, "food_class": "bread_pastry"}
    body["expiry_date"] = (today_local() + timedelta(days=2)).isoformat()
    return f"/shops/{world.place_ids['owned']}/batches", {"json": body}, as_caller(world, caller)


def _place_offers(world: World, caller: str) -> Request:
    return f"/cities/{CITY}/places/osm:node/1/offers", {}, as_caller(world, caller)


RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/stock/food-classes"): Rule(simple("/stock/food-classes"), ALL),
    ("POST", "/shops/{place_id}/batches"): Rule(_create, row(401, 403, 201, 404, 403, 403, 403)),
    ("GET", "/shops/{place_id}/batches"): Rule(_shop("/batches"), MERCHANT_OWN),
    ("PATCH", "/shops/{place_id}/batches/{batch_id}"): Rule(
        _on_batch("", json={"state": "sold"}), MERCHANT_OWN
    ),
    ("GET", "/shops/{place_id}/expiry"): Rule(_shop("/expiry"), MERCHANT_OWN),
    ("POST", "/shops/{place_id}/batches/{batch_id}/offer"): Rule(
        _on_batch("/offer", json={"regular_price_fen": 650}), MERCHANT_OWN
    ),
    # the residents' offers are free: every caller gets the same answer
    ("GET", "/cities/{city}/places/{uid}/offers"): Rule(_place_offers, ALL),
    # the test city has no walking network: 422 (saying so) to everyone, as /nearby
    ("GET", "/cities/{city}/offers/nearby"): Rule(
        simple(f"/cities/{CITY}/offers/nearby", params={"lon": 114.06, "lat": 22.54}),
        row(422, 422, 422, 422, 422, 422, 422),
    ),
    ("GET", "/cities/{city}/expiry/summary"): Rule(
        simple(f"/cities/{CITY}/expiry/summary", params={"area": FUTIAN}), OFFICIALS_IN_AREA
    ),
}
