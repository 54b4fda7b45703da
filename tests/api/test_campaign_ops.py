"""Campaign operations: pause and resume, officials enrolling and removing shops."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lifecircle.api.app import API_PREFIX
from lifecircle.services.ownership import grant_place
from lifecircle.store.audit import changes_of
from lifecircle.store.db import session_scope
from lifecircle.store.owners import set_community
from tests.api.test_campaigns import NANYUAN_C, SHAPUTOU, _create, _h, _home, _notices
from tests.api.world import CITY, NANSHAN

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.api.world import World


def _shops(world: World) -> tuple[int, int]:
    """The merchant's shop and the other merchant's, both in 沙埔头社区 (福田区)."""
    mine, theirs = world.place_ids["owned"], world.place_ids["free"]
    grant_place(
        engine=world.engine, user_id=world.principals["other_merchant"].account.id, place_id=theirs
    )
    with session_scope(world.engine) as session:
        set_community(session, place_id=mine, community_code=SHAPUTOU)
        set_community(session, place_id=theirs, community_code=SHAPUTOU)
    return mine, theirs


def _actions(world: World, cid: int) -> list[str]:
    with session_scope(world.engine) as session:
        return [c.action for c in changes_of(session, entity="campaign", entity_id=cid)]


def _status(client: TestClient, world: World, cid: int, status: str, who: str = "official_in"):
    return client.patch(
        f"{API_PREFIX}/campaigns/{cid}", json={"status": status}, headers=_h(world, who)
    )


def _redeem(client: TestClient, world: World, who: str, place: int, code: str) -> Any:
    return client.post(
        f"{API_PREFIX}/shops/{place}/redemptions",
        json={"code": code, "spent_fen": 6000},
        headers=_h(world, who),
    )


def test_pause_and_resume(world: World, client: TestClient) -> None:
    mine, _ = _shops(world)
    cid = _create(client, world, budget_fen=10_000)["id"]
    enrol = client.put(f"{API_PREFIX}/campaigns/{cid}/shops/{mine}", headers=_h(world, "admin"))
    assert enrol.status_code == 200, enrol.text
    assert _status(client, world, cid, "paused").status_code == 409  # a draft does not pause
    assert _status(client, world, cid, "open").status_code == 200
    _home(world, "resident", SHAPUTOU)
    claims = f"{API_PREFIX}/campaigns/{cid}/claims"
    held = client.post(claims, headers=_h(world, "resident"))
    assert held.status_code == 201, held.text

    paused = _status(client, world, cid, "paused")
    assert paused.status_code == 200, paused.text
    assert paused.json()["status"] == "paused"
    assert _status(client, world, cid, "paused", "official_out").status_code == 403
    refused = client.post(claims, headers=_h(world, "resident"))
    assert refused.status_code == 409
    assert "paused" in refused.json()["detail"]
    used = _redeem(client, world, "merchant", mine, held.json()["code"])
    assert used.status_code == 409
    assert "paused" in used.json()["detail"]
    # a paused campaign is still listed (residents see why they cannot claim)
    listed = client.get(f"{API_PREFIX}/cities/{CITY}/campaigns").json()
    assert {c["id"]: c["status"] for c in listed}[cid] == "paused"
    assert _notices(world, "merchant", "campaign_pause") == 1

    resumed = _status(client, world, cid, "open")
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["opened_at"] == paused.json()["opened_at"]  # the first opening
    assert _notices(world, "merchant", "campaign_resume") == 1
    assert _redeem(client, world, "merchant", mine, held.json()["code"]).status_code == 201
    assert client.post(claims, headers=_h(world, "resident")).status_code == 201

    # pausing again notifies again; a paused campaign closes (final)
    assert _status(client, world, cid, "paused").status_code == 200
    assert _notices(world, "merchant", "campaign_pause") == 2
    assert _status(client, world, cid, "closed").status_code == 200
    again = _status(client, world, cid, "open")
    assert again.status_code == 409
    assert "closed" in again.json()["detail"]
    assert _actions(world, cid) == [
        "create",
        "enrol",
        "open",
        "pause",
        "resume",
        "pause",
        "closed",
    ]


def test_officials_enrol_and_remove_shops(world: World, client: TestClient) -> None:
    mine, theirs = _shops(world)
    cid = _create(client, world, budget_fen=10_000)["id"]
    shop_path = f"{API_PREFIX}/campaigns/{cid}/shops"

    # the area's shops, searched by name; none enrolled yet
    found = client.get(shop_path, params={"q": "synthetic"}, headers=_h(world, "official_in"))
    assert found.status_code == 200, found.text
    assert {s["place_id"]: s["enrolled"] for s in found.json()} == {mine: False, theirs: False}
    assert client.get(shop_path, headers=_h(world, "official_out")).status_code == 404  # a draft
    assert client.get(shop_path, headers=_h(world, "merchant")).status_code == 403

    first = client.put(f"{shop_path}/{mine}", headers=_h(world, "official_in"))
    assert first.status_code == 200, first.text
    assert first.json()["shop_ids"] == [mine]
    again = client.put(f"{shop_path}/{mine}", headers=_h(world, "official_in"))
    assert again.status_code == 200  # idempotent: no second audit entry nor notice
    assert _notices(world, "merchant", "campaign_enrolled") == 1
    assert client.put(f"{shop_path}/{theirs}", headers=_h(world, "official_in")).status_code == 200
    listed = client.get(shop_path, params={"enrolled": "true"}, headers=_h(world, "official_in"))
    assert {s["place_id"] for s in listed.json()} == {mine, theirs}

    # outside the campaign's communities: 422 naming place_id; no such shop: 404
    with session_scope(world.engine) as session:
        set_community(session, place_id=theirs, community_code=NANYUAN_C)
    outside = client.put(f"{shop_path}/{theirs}", headers=_h(world, "official_in"))
    assert outside.status_code == 200  # already in: nothing to check, nothing changes
    client.delete(f"{shop_path}/{theirs}", headers=_h(world, "official_in"))
    outside = client.put(f"{shop_path}/{theirs}", headers=_h(world, "official_in"))
    assert outside.status_code == 422
    assert outside.json()["errors"][0]["field"] == "place_id"
    assert NANYUAN_C in outside.json()["detail"]
    missing = client.put(f"{shop_path}/999999", headers=_h(world, "official_in"))
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["field"] == "place_id"
    with session_scope(world.engine) as session:
        set_community(session, place_id=theirs, community_code=SHAPUTOU)
    assert client.put(f"{shop_path}/{theirs}", headers=_h(world, "official_in")).status_code == 200

    # open; a voucher claimed; one shop removed: it redeems no more, the other does
    assert _status(client, world, cid, "open").status_code == 200
    _home(world, "resident", SHAPUTOU)
    code = client.post(f"{API_PREFIX}/campaigns/{cid}/claims", headers=_h(world, "resident"))
    assert code.status_code == 201, code.text
    removed = client.delete(f"{shop_path}/{mine}", headers=_h(world, "official_in"))
    assert removed.status_code == 204
    assert client.delete(f"{shop_path}/{mine}", headers=_h(world, "official_in")).status_code == 204
    assert _notices(world, "merchant", "campaign_removed") == 1
    gone = _redeem(client, world, "merchant", mine, code.json()["code"])
    assert gone.status_code == 422
    assert _redeem(client, world, "other_merchant", theirs, code.json()["code"]).status_code == 201
    assert client.delete(f"{shop_path}/{theirs}", headers=_h(world, "resident")).status_code == 403
    assert (
        client.delete(f"{shop_path}/{theirs}", headers=_h(world, "official_out")).status_code == 403
    )
    assert _actions(world, cid) == ["create", "enrol", "enrol", "remove", "enrol", "open", "remove"]

    # the merchant cannot opt the removed shop in again; an official's enrolment lifts it
    rejoin = client.post(shop_path, json={"place_id": mine}, headers=_h(world, "merchant"))
    assert rejoin.status_code == 409, rejoin.text
    assert rejoin.json()["errors"][0]["field"] == "place_id"
    assert "only the campaign's officials can enrol it again" in rejoin.json()["detail"]
    assert client.put(f"{shop_path}/{mine}", headers=_h(world, "official_in")).status_code == 200
    left = client.delete(f"{shop_path}/{mine}", headers=_h(world, "merchant"))
    assert left.status_code == 204  # the merchant may take it out themselves...
    rejoin = client.post(shop_path, json={"place_id": mine}, headers=_h(world, "merchant"))
    assert rejoin.status_code == 201, rejoin.text  # ...and opt it in again
    assert client.delete(f"{shop_path}/{mine}", headers=_h(world, "official_in")).status_code == 204

    # a closed campaign takes no shop
    assert _status(client, world, cid, "closed").status_code == 200
    closed = client.put(f"{shop_path}/{mine}", headers=_h(world, "official_in"))
    assert closed.status_code == 409


def test_an_official_enrols_only_inside_their_area(world: World, client: TestClient) -> None:
    mine, _ = _shops(world)
    cid = _create(client, world, communities=[])["id"]  # all of 福田区
    with session_scope(world.engine) as session:
        set_community(session, place_id=mine, community_code=f"{NANSHAN}001001")
    path = f"{API_PREFIX}/campaigns/{cid}/shops/{mine}"
    south = client.put(path, headers=_h(world, "official_in"))
    assert south.status_code == 403
    assert south.json()["errors"][0]["field"] == "place_id"
    admin = client.put(path, headers=_h(world, "admin"))
    assert admin.status_code == 422  # outside the campaign's area
    assert "outside the campaign's area" in admin.json()["detail"]
    assert client.put(path, headers=_h(world, "official_out")).status_code == 404  # a draft
