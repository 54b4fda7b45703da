"""The audit log as officials read it, and one's notifications, through the API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lifecircle.api.app import API_PREFIX
from lifecircle.store.audit import Actor, record_change
from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope
from lifecircle.store.notifications import notify
from tests.api.world import CITY, FUTIAN

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.api.world import World


def test_officials_read_their_areas_changes_only(world: World, client: TestClient) -> None:
    merchant = world.principals["merchant"].account
    with session_scope(world.engine) as session:
        city_id = get_city(session, name=CITY).id
        for code, price in (("440304001019", 500), ("440305001001", 900)):
            record_change(
                session, city_id=city_id, actor=Actor(merchant.id, "merchant"),
                entity="price", entity_id=code, action="update",
                before={"price_fen": 100}, after={"price_fen": price}, community_code=code,
            )  # fmt: skip
    url = f"{API_PREFIX}/cities/{CITY}/audit"
    futian = client.get(url, headers=world.principals["official_in"].headers).json()
    assert futian["total"] == 1
    (item,) = futian["items"]
    assert item["community_code"] == "440304001019"
    assert item["after"] == {"price_fen": 500}
    assert item["actor_id"] == merchant.id
    assert item["at"].endswith("+08:00")
    whole = client.get(url, headers=world.principals["admin"].headers).json()
    assert whole["total"] == 2
    narrowed = client.get(url, params={"area": FUTIAN, "entity": "price"},
                          headers=world.principals["admin"].headers).json()  # fmt: skip
    assert narrowed["total"] == 1
    nanshan = client.get(url, headers=world.principals["official_out"].headers).json()
    assert [i["community_code"] for i in nanshan["items"]] == ["440305001001"]
    bad = client.get(url, params={"since": "yesterday"}, headers=world.principals["admin"].headers)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.since"


def test_one_reads_and_marks_ones_own_notifications(world: World, client: TestClient) -> None:
    resident = world.principals["resident"]
    other = world.principals["merchant"]
    with session_scope(world.engine) as session:
        mine = notify(
            session, user_id=resident.account.id, kind="coupon_expiring", title="券将到期"
        )
        theirs = notify(session, user_id=other.account.id, kind="redemption", title="核销")
    url = f"{API_PREFIX}/users/me/notifications"
    page = client.get(url, headers=resident.headers).json()
    assert (page["total"], page["unread"]) == (1, 1)
    assert page["items"][0]["title"] == "券将到期"
    marked = client.post(f"{url}/read", json={"ids": [theirs, mine]}, headers=resident.headers)
    assert marked.json() == {"marked": 1}
    assert client.get(url, params={"unread": True}, headers=resident.headers).json()["total"] == 0
    assert client.get(url, headers=other.headers).json()["unread"] == 1
