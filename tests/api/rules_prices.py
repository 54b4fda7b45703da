"""Authorisation rules of the published prices (明码标价).

A merchant's ``/shops/{place_id}/prices`` routes are theirs alone: the other merchant
gets 404 (never told whose the shop is), other roles 403. Anyone reads a place's prices
and their history; the summary is for the officials of the area.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lifecircle.services.prices import ItemDraft, publish_item
from tests.api.authz import ALL, OFFICIALS_IN_AREA, Rule, as_caller, row, simple
from tests.api.world import CITY, FUTIAN, World, unique

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.api.authz import Request

MERCHANT_OWN = row(401, 403, 200, 404, 403, 403, 403)
"""The owning merchant gets through; the other merchant 404; other roles 403."""

UID = "osm:node/1"
"""The uid of the merchant's place (``world.place_ids["owned"]``)."""


def _shop(world: World) -> str:
    return f"/shops/{world.place_ids['owned']}/prices"


def _item(world: World) -> int:
    """A new item of the merchant's shop, for one call."""
    item = publish_item(
        engine=world.engine,
        user_id=world.principals["merchant"].account.id,
        place_id=world.place_ids["owned"],
        draft=ItemDraft(name=unique("item"), spec="斤", price_fen=350),
    )
    return item.id


def _on_item(suffix: str = "", **kwargs: object) -> Callable[[World, str], Request]:
    return lambda w, c: (f"{_shop(w)}/{_item(w)}{suffix}", dict(kwargs), as_caller(w, c))


def _new_item(world: World, caller: str) -> Request:
    body = {"name": unique("new"), "spec": "500g", "price_yuan": "3.50"}
    return _shop(world), {"json": body}, as_caller(world, caller)


def _price_list(world: World, caller: str) -> Request:
    body = {"items": [{"name": "鸡蛋", "spec": "500g", "price_fen": 650}]}
    return _shop(world), {"json": body}, as_caller(world, caller)


def _history(world: World, caller: str) -> Request:
    path = f"/cities/{CITY}/places/{UID}/prices/{_item(world)}/history"
    return path, {}, as_caller(world, caller)


RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/shops/{place_id}/prices"): Rule(
        lambda w, c: (_shop(w), {}, as_caller(w, c)), MERCHANT_OWN
    ),
    ("POST", "/shops/{place_id}/prices"): Rule(_new_item, MERCHANT_OWN | {"merchant": 201}),
    ("PUT", "/shops/{place_id}/prices"): Rule(_price_list, MERCHANT_OWN),
    ("PATCH", "/shops/{place_id}/prices/{item_id}"): Rule(
        _on_item(json={"price_fen": 400}), MERCHANT_OWN
    ),
    ("DELETE", "/shops/{place_id}/prices/{item_id}"): Rule(
        _on_item(), MERCHANT_OWN | {"merchant": 204}
    ),
    # the free services: signed in or not, everyone reads the same prices
    ("GET", "/cities/{city}/places/{uid}/prices"): Rule(
        simple(f"/cities/{CITY}/places/{UID}/prices"), ALL
    ),
    ("GET", "/cities/{city}/places/{uid}/prices/{item_id}/history"): Rule(_history, ALL),
    ("GET", "/cities/{city}/prices/summary"): Rule(
        simple(f"/cities/{CITY}/prices/summary", params={"area": FUTIAN}), OFFICIALS_IN_AREA
    ),
}
