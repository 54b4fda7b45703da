"""Authorisation of the campaigns: officials of the area run them, merchants join, residents claim.

A draft is seen by merchants and the officials who manage it only; an open campaign by
everyone. The official of another district gets 403 on an open campaign of 福田区; the
other merchant 404 on the merchant's shop. Each request acts on a campaign made for it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from lifecircle.services.campaign_changes import join_campaign, update_campaign
from lifecircle.services.campaigns import CampaignSpec, create_campaign
from lifecircle.store.db import session_scope
from lifecircle.store.owners import set_community
from tests.api.authz import ALL, Rule, as_caller, row
from tests.api.rules_coupons import _shop
from tests.api.world import CITY

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.api.authz import Request
    from tests.api.world import World

OFFICIALS_OF_AREA = row(401, 403, 403, 403, 200, 403, 200)
"""An open campaign of 福田区: its official and administrators; the 南山区 official 403."""
MERCHANT_OWN = row(401, 403, 201, 404, 403, 403, 403)
"""The merchant's own shop joins; another merchant's is 404; other roles 403."""


def _campaign(world: World, *, by: str = "official_in", status: str | None = "open") -> int:
    now = datetime.now(UTC)
    spec = CampaignSpec(
        name="SYNTHETIC 消费券",
        budget_fen=100_000,
        kind="threshold",
        amount_off_fen=1000,
        min_spend_fen=5000,
        per_resident=100,
        valid_from=now - timedelta(hours=1),
        valid_until=now + timedelta(days=1),
    )
    account = world.principals[by].account
    view = create_campaign(engine=world.engine, account=account, city=CITY, spec=spec)
    if status is not None:
        update_campaign(
            engine=world.engine, account=account, campaign_id=view.campaign.id, status=status
        )
    return view.campaign.id


def _create(world: World, caller: str) -> Request:
    now = datetime.now(UTC)
    body = {
        "name": "SYNTHETIC 满50减10",
        "budget_fen": 10_000,
        "kind": "threshold",
        "amount_off_fen": 1000,
        "min_spend_fen": 5000,
        "valid_from": now.isoformat(),
        "valid_until": (now + timedelta(days=1)).isoformat(),
    }
    return f"/cities/{CITY}/campaigns", {"json": body}, as_caller(world, caller)


def _read(world: World, caller: str) -> Request:
    return f"/campaigns/{_campaign(world)}", {}, as_caller(world, caller)


def _close(world: World, caller: str) -> Request:
    return (
        f"/campaigns/{_campaign(world)}",
        {"json": {"status": "closed"}},
        as_caller(world, caller),
    )


def _join(world: World, caller: str) -> Request:
    campaign = _campaign(world, by="admin")
    return (
        f"/campaigns/{campaign}/shops",
        {"json": {"place_id": _shop(world)}},
        as_caller(world, caller),
    )


def _filed_shop(world: World) -> int:
    """The merchant's shop, filed in 沙埔头社区 of 福田区 (the campaigns' area)."""
    place = _shop(world)
    with session_scope(world.engine) as session:
        set_community(session, place_id=place, community_code="440304001019")
    return place


def _remove(world: World, caller: str) -> Request:
    """The merchant's shop in an open campaign of 福田区 (its merchant or officials take it out)."""
    campaign = _campaign(world)
    place = _filed_shop(world)
    join_campaign(
        engine=world.engine,
        account=world.principals["merchant"].account,
        campaign_id=campaign,
        place_id=place,
    )
    return f"/campaigns/{campaign}/shops/{place}", {}, as_caller(world, caller)


def _enrol(world: World, caller: str) -> Request:
    path = f"/campaigns/{_campaign(world)}/shops/{_filed_shop(world)}"
    return path, {}, as_caller(world, caller)


def _claim(world: World, caller: str) -> Request:
    return f"/campaigns/{_campaign(world)}/claims", {}, as_caller(world, caller)


def _report(suffix: str) -> Callable[[World, str], Request]:
    return lambda w, c: (
        f"/cities/{CITY}/campaigns/{_campaign(w)}/report{suffix}",
        {},
        as_caller(w, c),
    )


RULES: dict[tuple[str, str], Rule] = {
    ("POST", "/cities/{city}/campaigns"): Rule(_create, row(401, 403, 403, 403, 201, 201, 201)),
    ("GET", "/cities/{city}/campaigns"): Rule(
        lambda w, c: (f"/cities/{CITY}/campaigns", {}, as_caller(w, c)), ALL
    ),
    ("GET", "/campaigns/{campaign_id}"): Rule(_read, ALL),
    ("PATCH", "/campaigns/{campaign_id}"): Rule(_close, OFFICIALS_OF_AREA),
    ("POST", "/campaigns/{campaign_id}/shops"): Rule(_join, MERCHANT_OWN),
    # a merchant takes their own shop out (another's: 404); officials of the area any shop
    ("DELETE", "/campaigns/{campaign_id}/shops/{place_id}"): Rule(
        _remove, row(401, 403, 204, 404, 204, 403, 204)
    ),
    ("PUT", "/campaigns/{campaign_id}/shops/{place_id}"): Rule(_enrol, OFFICIALS_OF_AREA),
    ("GET", "/campaigns/{campaign_id}/shops"): Rule(
        lambda w, c: (f"/campaigns/{_campaign(w)}/shops", {}, as_caller(w, c)), OFFICIALS_OF_AREA
    ),
    # claims are the residents': merchants, officials and administrators are refused
    ("POST", "/campaigns/{campaign_id}/claims"): Rule(
        _claim, row(401, 201, 403, 403, 403, 403, 403)
    ),
    ("GET", "/cities/{city}/campaigns/{campaign_id}/report"): Rule(_report(""), OFFICIALS_OF_AREA),
    ("GET", "/cities/{city}/campaigns/{campaign_id}/report.xlsx"): Rule(
        _report(".xlsx"), OFFICIALS_OF_AREA
    ),
}
