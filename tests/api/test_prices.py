"""Published prices through the API: items, exact money, history, audit, who sees what."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from lifecircle.errors import ConflictError
from lifecircle.services.ownership import grant_place
from lifecircle.services.prices import ItemDraft, publish_item, shop_items, update_item
from lifecircle.store import owners
from lifecircle.store.audit import changes_of
from lifecircle.store.db import session_scope
from lifecircle.store.prices import item_history
from tests.api.world import CITY, World

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

API = "/api/v1"
UID = "osm:node/1"  # the merchant's place in the test world (a `/` in it, unescaped)


def _shop(world: World) -> str:
    return f"{API}/shops/{world.place_ids['owned']}/prices"


def _publish(client: TestClient, world: World, **body: Any) -> dict[str, Any]:
    response = client.post(_shop(world), json=body, headers=world.principals["merchant"].headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_publish_in_fen_or_exact_yuan(world: World, client: TestClient) -> None:
    eggs = _publish(client, world, name="鸡蛋", spec="500g", price_fen=650, category="蛋奶")
    assert (eggs["price_fen"], eggs["price_yuan"]) == (650, "6.50")
    rice = _publish(client, world, name=" 大米 ", spec="斤", price_yuan="0.1")
    assert (rice["name"], rice["price_fen"], rice["price_yuan"]) == ("大米", 10, "0.10")
    cut = _publish(client, world, name="理发", spec="次", price_yuan="0.30", barcode="12345678")
    assert cut["price_fen"] == rice["price_fen"] + 20  # "0.10" + "0.20": exactly 30 fen
    assert cut["updated_at"].endswith("+08:00")
    listed = client.get(_shop(world), headers=world.principals["merchant"].headers).json()
    assert [i["name"] for i in listed] == ["大米", "理发", "鸡蛋"]  # no category first, then 蛋奶


def test_bad_prices_name_the_field(world: World, client: TestClient) -> None:
    merchant = world.principals["merchant"].headers
    cases = [
        ({"name": "a", "spec": "b"}, "body.price_fen"),  # no price
        ({"name": "a", "spec": "b", "price_fen": 1, "price_yuan": "1"}, "body.price_fen"),
        ({"name": "a", "spec": "b", "price_yuan": "3.505"}, "body.price_yuan"),
        ({"name": "a", "spec": "b", "price_yuan": "٣"}, "body.price_yuan"),
        ({"name": "a", "spec": "b", "price_yuan": "0"}, "body.price_fen"),  # zero is no price
        ({"name": "a", "spec": "b", "price_fen": 0}, "body.price_fen"),
        ({"name": "a", "spec": "b", "price_fen": 100_000_000}, "body.price_fen"),
        ({"name": "a", "spec": "b", "price_fen": 3.5}, "body.price_fen"),  # no floats
        ({"name": "  ", "spec": "b", "price_fen": 1}, "body.name"),
        ({"name": "a", "spec": "b", "price_fen": 1, "barcode": "12ab"}, "body.barcode"),
    ]
    for body, field in cases:
        response = client.post(_shop(world), json=body, headers=merchant)
        assert response.status_code == 422, (body, response.text)
        fields = [e["field"] for e in response.json()["errors"]]
        assert field in fields, (body, fields)
    assert client.get(_shop(world), headers=merchant).json() == []


def test_same_item_twice_is_a_conflict(world: World, client: TestClient) -> None:
    _publish(client, world, name="牛奶", spec="1L", price_fen=1200)
    again = client.post(
        _shop(world),
        json={"name": "牛奶", "spec": "1L", "price_fen": 1100},
        headers=world.principals["merchant"].headers,
    )
    assert again.status_code == 409
    _publish(client, world, name="牛奶", spec="250ml", price_fen=400)  # another spec is fine


def test_history_is_kept_in_order_and_public(world: World, client: TestClient) -> None:
    merchant = world.principals["merchant"].headers
    item = _publish(client, world, name="白菜", spec="斤", price_fen=250)
    path = f"{_shop(world)}/{item['id']}"
    for fen in (280, 280, 330):  # the repeated price changes nothing
        response = client.patch(path, json={"price_fen": fen}, headers=merchant)
        assert response.status_code == 200, response.text
    renamed = client.patch(path, json={"category": "蔬菜"}, headers=merchant).json()
    assert (renamed["category"], renamed["price_fen"]) == ("蔬菜", 330)
    public = f"{API}/cities/{CITY}/places/{UID}/prices"
    history = client.get(f"{public}/{item['id']}/history").json()  # anonymous
    periods = history["periods"]
    assert [p["price_fen"] for p in periods] == [250, 280, 330]
    assert [p["price_yuan"] for p in periods] == ["2.50", "2.80", "3.30"]
    assert periods[-1]["until"] is None
    for before, after in itertools.pairwise(periods):
        assert before["until"] == after["since"]  # no gap, no overlap
    # withdrawn: gone from the list, history still there and closed
    assert client.delete(path, headers=merchant).status_code == 204
    assert client.delete(path, headers=merchant).status_code == 404
    assert client.patch(path, json={"price_fen": 1}, headers=merchant).status_code == 404
    assert client.get(public).json()["items"] == []
    closed = client.get(f"{public}/{item['id']}/history").json()
    assert closed["periods"][-1]["until"] is not None
    assert closed["item"]["withdrawn_at"] is not None
    # a new item of the same name is a new item with its own history
    again = _publish(client, world, name="白菜", spec="斤", price_fen=300)
    assert again["id"] != item["id"]
    assert client.get(public).json()["items"][0]["price_fen"] == 300


def test_every_change_is_audited_in_fen(world: World, client: TestClient) -> None:
    merchant = world.principals["merchant"]
    place = world.place_ids["owned"]
    with session_scope(world.engine) as session:
        owners.set_community(session, place_id=place, community_code="440304001019")
    item = _publish(client, world, name="豆腐", spec="块", price_yuan="1.50")
    path = f"{_shop(world)}/{item['id']}"
    client.patch(path, json={"price_yuan": "1.80", "spec": "300g"}, headers=merchant.headers)
    client.delete(path, headers=merchant.headers)
    with session_scope(world.engine) as session:
        log = changes_of(session, entity="price", entity_id=item["id"])
    assert [c.action for c in log] == ["create", "update", "delete"]
    assert [(c.before or {}).get("price_fen") for c in log] == [None, 150, 180]
    assert [(c.after or {}).get("price_fen") for c in log] == [150, 180, None]
    assert log[1].before["spec"] == "块"
    assert log[1].after["spec"] == "300g"
    assert {c.place_id for c in log} == {place}
    assert {c.community_code for c in log} == {"440304001019"}
    assert {(c.actor_id, c.actor_role) for c in log} == {(merchant.account.id, "merchant")}
    # the officials of the area read it through the audit route
    official = world.principals["official_in"].headers
    page = client.get(
        f"{API}/cities/{CITY}/audit", params={"entity": "price"}, headers=official
    ).json()
    assert page["total"] == 3


def test_bulk_replacement(world: World, client: TestClient) -> None:
    merchant = world.principals["merchant"].headers
    _publish(client, world, name="面条", spec="斤", price_fen=400)
    _publish(client, world, name="酱油", spec="500ml", price_fen=900)
    _publish(client, world, name="盐", spec="包", price_fen=200)
    body = {
        "items": [
            {"name": "面条", "spec": "斤", "price_fen": 450},  # updated
            {"name": "盐", "spec": "包", "price_yuan": "2"},  # unchanged
            {"name": "醋", "spec": "500ml", "price_yuan": "6.8"},  # new
        ]  # 酱油 withdrawn
    }
    done = client.put(_shop(world), json=body, headers=merchant).json()
    assert (done["created"], done["updated"], done["withdrawn"], done["unchanged"]) == (1, 1, 1, 1)
    assert {(i["name"], i["price_fen"]) for i in done["items"]} == {
        ("面条", 450),
        ("盐", 200),
        ("醋", 680),
    }
    # one bad line refuses the whole list, naming it
    bad = {"items": [*body["items"], {"name": "糖", "spec": "斤", "price_yuan": "1.234"}]}
    response = client.put(_shop(world), json=bad, headers=merchant)
    assert response.status_code == 422
    assert "body.items.3.price_yuan" in [e["field"] for e in response.json()["errors"]]
    twice = {"items": [body["items"][0], body["items"][0]]}
    response = client.put(_shop(world), json=twice, headers=merchant)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.items.1.name"
    assert len(client.get(_shop(world), headers=merchant).json()) == 3
    everything = client.get(_shop(world), params={"withdrawn": True}, headers=merchant).json()
    assert [i["name"] for i in everything][-1] == "酱油"


def test_other_merchants_learn_nothing(world: World, client: TestClient) -> None:
    item = _publish(client, world, name="苹果", spec="斤", price_fen=700)
    other = world.principals["other_merchant"]
    grant_place(engine=world.engine, user_id=other.account.id, place_id=world.place_ids["free"])
    theirs = f"{API}/shops/{world.place_ids['free']}/prices"
    mine = _shop(world)
    for method, path, body in [
        ("GET", mine, None),
        ("POST", mine, {"name": "x", "spec": "y", "price_fen": 1}),
        ("PATCH", f"{mine}/{item['id']}", {"price_fen": 1}),
        ("DELETE", f"{mine}/{item['id']}", None),
        # the item through their own shop's path: not an item of that shop
        ("PATCH", f"{theirs}/{item['id']}", {"price_fen": 1}),
        ("DELETE", f"{theirs}/{item['id']}", None),
    ]:
        response = client.request(method, path, json=body, headers=other.headers)
        assert response.status_code == 404, (method, path, response.text)
        assert "苹果" not in response.text
    listed = client.get(f"{API}/cities/{CITY}/places/{UID}/prices").json()["items"]
    assert [(i["name"], i["price_fen"]) for i in listed] == [("苹果", 700)]


def test_public_view_of_unknown_places(world: World, client: TestClient) -> None:
    assert client.get(f"{API}/cities/{CITY}/places/osm:node/999/prices").status_code == 404
    assert client.get(f"{API}/cities/nowhere/places/{UID}/prices").status_code == 404
    free = client.get(f"{API}/cities/{CITY}/places/osm:node/2/prices").json()
    assert free["items"] == []
    item = _publish(client, world, name="梨", spec="斤", price_fen=500)
    # an item asked for through another place is not found
    path = f"{API}/cities/{CITY}/places/osm:node/2/prices/{item['id']}/history"
    assert client.get(path).status_code == 404


def test_concurrent_changes_keep_the_invariants(world: World) -> None:
    merchant = world.principals["merchant"].account.id
    place = world.place_ids["owned"]

    def publish(fen: int) -> str:
        try:
            publish_item(
                engine=world.engine,
                user_id=merchant,
                place_id=place,
                draft=ItemDraft(name="同一件", spec="个", price_fen=fen),
            )
        except ConflictError:
            return "conflict"
        return "published"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(publish, range(100, 116)))
    assert sorted(set(outcomes)) == ["conflict", "published"]
    assert outcomes.count("published") == 1
    (item,) = shop_items(engine=world.engine, user_id=merchant, place_id=place)

    def change(fen: int) -> None:
        update_item(
            engine=world.engine,
            user_id=merchant,
            place_id=place,
            item_id=item.id,
            changes={"price_fen": fen},
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(change, range(200, 224)))
    with session_scope(world.engine) as session:
        periods = item_history(session, item_id=item.id)
        log = changes_of(session, entity="price", entity_id=item.id)
    assert len(periods) == 25  # the first price and 24 different ones
    assert [p.until is None for p in periods].count(True) == 1
    for before, after in itertools.pairwise(periods):
        assert before.until == after.since
    # each audited update's "before" is the price the previous one set: none was lost
    updates = [c for c in log if c.action == "update"]
    assert len(updates) == 24
    for earlier, later in itertools.pairwise(updates):
        assert earlier.after["price_fen"] == later.before["price_fen"]
