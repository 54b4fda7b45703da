"""Authorisation rules of the coupons: a merchant's own shop only, a resident's own claims only.

Another merchant gets 404 on the merchant's shop, coupons and redemptions (as for a shop
that does not exist); officials and administrators do not act for shops. Every request
that changes something acts on a coupon, claim or redemption made for that one call.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from lifecircle.services.coupon_claims import claim_coupon
from lifecircle.services.coupons import CouponSpec, create_coupon
from lifecircle.services.ownership import grant_place
from lifecircle.services.redemptions import redeem
from lifecircle.store.db import session_scope
from lifecircle.store.owners import owner_of
from tests.api.authz import ALL, SIGNED_IN, Rule, as_caller, row, simple
from tests.api.world import CITY

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.api.authz import Request
    from tests.api.world import World

MERCHANT_OWN = row(401, 403, 200, 404, 403, 403, 403)
"""The merchant's own shop: other merchants 404, other roles 403."""
RESIDENT_OWN = row(401, 200, 404, 404, 404, 404, 404)
"""The resident's own claim: every other account 404 (never told it exists)."""


def _shop(world: World) -> int:
    place = world.place_ids["owned"]
    merchant = world.principals["merchant"].account.id
    with session_scope(world.engine) as session:
        owner = owner_of(session, place_id=place)
    if owner != merchant:  # the core rules give up and re-take this place
        grant_place(engine=world.engine, user_id=merchant, place_id=place)
    return place


def _coupon(world: World) -> int:
    now = datetime.now(UTC)
    spec = CouponSpec(
        title="SYNTHETIC 满50减10",
        kind="threshold",
        amount_off_fen=1000,
        min_spend_fen=5000,
        quantity=100,
        per_person_limit=100,
        valid_from=now - timedelta(hours=1),
        valid_until=now + timedelta(days=1),
    )
    merchant = world.principals["merchant"].account.id
    return create_coupon(engine=world.engine, user_id=merchant, place_id=_shop(world), spec=spec).id


def _claim(world: World) -> tuple[int, str]:
    resident = world.principals["resident"].account.id
    item = claim_coupon(engine=world.engine, user_id=resident, coupon_id=_coupon(world))
    return item.claim.id, item.claim.code


def _shop_path(suffix: str, **kwargs: object) -> Callable[[World, str], Request]:
    return lambda w, c: (f"/shops/{_shop(w)}{suffix}", dict(kwargs), as_caller(w, c))


def _patch(world: World, caller: str) -> Request:
    path = f"/shops/{_shop(world)}/coupons/{_coupon(world)}"
    return path, {"json": {"quantity": 50}}, as_caller(world, caller)


def _claims(world: World, caller: str) -> Request:
    return f"/coupons/{_coupon(world)}/claims", {}, as_caller(world, caller)


def _my_claim(suffix: str) -> Callable[[World, str], Request]:
    return lambda w, c: (f"/users/me/coupons/{_claim(w)[0]}{suffix}", {}, as_caller(w, c))


def _redeem(world: World, caller: str) -> Request:
    body = {"code": _claim(world)[1], "spent_fen": 6000}
    return f"/shops/{_shop(world)}/redemptions", {"json": body}, as_caller(world, caller)


def _undo(world: World, caller: str) -> Request:
    merchant = world.principals["merchant"].account.id
    done = redeem(
        engine=world.engine,
        user_id=merchant,
        place_id=_shop(world),
        code=_claim(world)[1],
        spent_fen=6000,
    )
    path = f"/shops/{_shop(world)}/redemptions/{done.redemption.id}/undo"
    return path, {}, as_caller(world, caller)


def _create(world: World, caller: str) -> Request:
    now = datetime.now(UTC)
    body = {
        "title": "SYNTHETIC 9折",
        "kind": "percent",
        "percent_off": 10,
        "quantity": 10,
        "valid_from": now.isoformat(),
        "valid_until": (now + timedelta(days=1)).isoformat(),
    }
    return f"/shops/{_shop(world)}/coupons", {"json": body}, as_caller(world, caller)


RULES: dict[tuple[str, str], Rule] = {
    ("POST", "/shops/{place_id}/coupons"): Rule(_create, MERCHANT_OWN | {"merchant": 201}),
    ("GET", "/shops/{place_id}/coupons"): Rule(_shop_path("/coupons"), MERCHANT_OWN),
    ("PATCH", "/shops/{place_id}/coupons/{coupon_id}"): Rule(_patch, MERCHANT_OWN),
    ("GET", "/cities/{city}/places/{uid}/coupons"): Rule(
        simple(f"/cities/{CITY}/places/osm:node/1/coupons"), ALL
    ),
    ("GET", "/coupons/{coupon_id}"): Rule(
        lambda w, c: (f"/coupons/{_coupon(w)}", {}, as_caller(w, c)), ALL
    ),
    # claims are the residents': merchants, officials and administrators are refused
    ("POST", "/coupons/{coupon_id}/claims"): Rule(_claims, row(401, 201, 403, 403, 403, 403, 403)),
    ("GET", "/users/me/coupons"): Rule(simple("/users/me/coupons"), SIGNED_IN),
    ("GET", "/users/me/coupons/{claim_id}"): Rule(_my_claim(""), RESIDENT_OWN),
    ("GET", "/users/me/coupons/{claim_id}/qr.svg"): Rule(_my_claim("/qr.svg"), RESIDENT_OWN),
    ("GET", "/users/me/coupons/{claim_id}/qr.png"): Rule(_my_claim("/qr.png"), RESIDENT_OWN),
    ("POST", "/shops/{place_id}/redemptions"): Rule(_redeem, MERCHANT_OWN | {"merchant": 201}),
    ("POST", "/shops/{place_id}/redemptions/{redemption_id}/undo"): Rule(_undo, MERCHANT_OWN),
}
