"""Coupons through the API: issue, claim, redeem exactly once, undo, limits, notices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient

from lifecircle.api.app import API_PREFIX, create_app
from lifecircle.core.coupons import luhn_valid
from lifecircle.services.coupons import send_expiry_notices
from lifecircle.services.ownership import grant_place
from lifecircle.store.audit import changes_of
from lifecircle.store.db import session_scope
from tests.api.conftest import api_settings
from tests.api.world import CITY, World

if TYPE_CHECKING:
    from pathlib import Path

    from lifecircle.config import Settings

NOW = datetime.now(UTC)


def _when(delta: timedelta) -> str:
    return (NOW + delta).isoformat()


def _coupon(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "满50减10",
        "kind": "threshold",
        "amount_off_fen": 1000,
        "min_spend_fen": 5000,
        "quantity": 5,
        "per_person_limit": 1,
        "valid_from": _when(timedelta(hours=-1)),
        "valid_until": _when(timedelta(days=7)),
    }
    return body | overrides


def _as(world: World, who: str) -> dict[str, str]:
    return world.principals[who].headers


def _create(client: TestClient, world: World, **overrides: Any) -> dict[str, Any]:
    shop = world.place_ids["owned"]
    response = client.post(
        f"{API_PREFIX}/shops/{shop}/coupons",
        json=_coupon(**overrides),
        headers=_as(world, "merchant"),
    )
    assert response.status_code == 201, response.text
    return response.json()


def _claim(client: TestClient, world: World, coupon_id: int, who: str = "resident", **body: Any):
    return client.post(
        f"{API_PREFIX}/coupons/{coupon_id}/claims", json=body or None, headers=_as(world, who)
    )


def _redeem(client: TestClient, world: World, code: str, spent: int, who: str = "merchant"):
    shop = world.place_ids["owned"]
    return client.post(
        f"{API_PREFIX}/shops/{shop}/redemptions",
        json={"code": code, "spent_fen": spent},
        headers=_as(world, who),
    )


def test_issue_claim_redeem_once_and_undo(world: World, client: TestClient) -> None:
    coupon = _create(client, world)
    assert coupon["remaining"] == 5
    assert coupon["claimed"] == 0
    assert coupon["valid_until"].endswith("+08:00")
    public = client.get(f"{API_PREFIX}/cities/{CITY}/places/osm:node/1/coupons").json()
    assert [c["id"] for c in public] == [coupon["id"]]
    assert "claimed" not in public[0]

    claimed = _claim(client, world, coupon["id"])
    assert claimed.status_code == 201, claimed.text
    code = claimed.json()["code"]
    assert len(code) == 12
    assert code.isdigit()
    assert luhn_valid(code)
    assert claimed.json()["state"] == "claimed"
    assert client.get(f"{API_PREFIX}/coupons/{coupon['id']}").json()["remaining"] == 4

    mine = client.get(f"{API_PREFIX}/users/me/coupons", headers=_as(world, "resident")).json()
    assert mine["total"] == 1
    claim_id = mine["items"][0]["id"]
    svg = client.get(
        f"{API_PREFIX}/users/me/coupons/{claim_id}/qr.svg", headers=_as(world, "resident")
    )
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content
    png = client.get(
        f"{API_PREFIX}/users/me/coupons/{claim_id}/qr.png", headers=_as(world, "resident")
    )
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")

    below = _redeem(client, world, code, 4999)
    assert below.status_code == 422
    assert below.json()["errors"][0]["field"] == "spent_fen"
    assert "minimum spend" in below.json()["detail"]
    typo = code[:-1] + str((int(code[-1]) + 1) % 10)
    assert "check digit" in _redeem(client, world, typo, 6000).json()["detail"]

    done = _redeem(client, world, code, 5600)
    assert done.status_code == 201, done.text
    assert (done.json()["discount_fen"], done.json()["pay_fen"]) == (1000, 4600)
    again = _redeem(client, world, code, 5600)
    assert again.status_code == 409
    assert "used already" in again.json()["detail"]
    mine = client.get(f"{API_PREFIX}/users/me/coupons", headers=_as(world, "resident")).json()
    assert mine["items"][0]["state"] == "redeemed"

    owner_view = client.get(
        f"{API_PREFIX}/shops/{world.place_ids['owned']}/coupons", headers=_as(world, "merchant")
    ).json()
    assert (owner_view[0]["claimed"], owner_view[0]["redeemed"]) == (1, 1)
    notes = client.get(
        f"{API_PREFIX}/users/me/notifications", headers=_as(world, "merchant")
    ).json()
    assert [n["kind"] for n in notes["items"]] == ["redemption"]
    assert notes["items"][0]["data"]["redemption_id"] == done.json()["id"]

    shop = world.place_ids["owned"]
    undo = client.post(
        f"{API_PREFIX}/shops/{shop}/redemptions/{done.json()['id']}/undo",
        headers=_as(world, "merchant"),
    )
    assert undo.status_code == 200, undo.text
    assert undo.json()["undone_at"] is not None
    twice = client.post(
        f"{API_PREFIX}/shops/{shop}/redemptions/{done.json()['id']}/undo",
        headers=_as(world, "merchant"),
    )
    assert twice.status_code == 409
    redone = _redeem(client, world, code, 8000)  # the code works again after an undo
    assert redone.status_code == 201
    with session_scope(world.engine) as session:
        actions = [
            c.action for c in changes_of(session, entity="redemption", entity_id=done.json()["id"])
        ]
        assert actions == ["redeem", "undo"]
        created = changes_of(session, entity="coupon", entity_id=coupon["id"])
        assert created[0].after is not None
        assert created[0].after["amount_off_fen"] == 1000
        assert created[0].place_id == shop


def test_undo_window_is_a_setting(world: World, engine: Any, tmp_path: Path) -> None:
    settings = api_settings(engine, tmp_path, redemption_undo_minutes=0)
    with TestClient(create_app(settings)) as client:
        coupon = _create(client, world, kind="fixed", amount_off_fen=300, min_spend_fen=0)
        code = _claim(client, world, coupon["id"]).json()["code"]
        done = _redeem(client, world, code, 200)
        assert done.json()["discount_fen"] == 200  # never more than the spend
        undo = client.post(
            f"{API_PREFIX}/shops/{world.place_ids['owned']}/redemptions/{done.json()['id']}/undo",
            headers=_as(world, "merchant"),
        )
        assert undo.status_code == 409
        assert "within 0 minutes" in undo.json()["detail"]


def test_limits_quantity_and_status(world: World, client: TestClient) -> None:
    coupon = _create(client, world, quantity=3, per_person_limit=2)
    assert _claim(client, world, coupon["id"]).status_code == 201
    assert _claim(client, world, coupon["id"]).status_code == 201
    third = _claim(client, world, coupon["id"])
    assert third.status_code == 409
    assert "per-person limit (2)" in third.json()["detail"]
    other = world.add_principal("resident", "resident", None, None)
    headers = other.headers
    url = f"{API_PREFIX}/coupons/{coupon['id']}/claims"
    assert client.post(url, headers=headers).status_code == 201
    gone = client.post(url, headers=world.add_principal("resident", "resident", None, None).headers)
    assert gone.status_code == 409
    assert "all of this coupon's quantity" in gone.json()["detail"]

    shop = world.place_ids["owned"]
    patch = f"{API_PREFIX}/shops/{shop}/coupons/{coupon['id']}"
    low = client.patch(patch, json={"quantity": 2}, headers=_as(world, "merchant"))
    assert low.status_code == 409
    assert "below the 3 already claimed" in low.json()["detail"]
    more = client.patch(patch, json={"quantity": 10}, headers=_as(world, "merchant"))
    assert more.json()["remaining"] == 7
    paused = client.patch(patch, json={"status": "paused"}, headers=_as(world, "merchant"))
    assert paused.json()["status"] == "paused"
    assert _claim(client, world, coupon["id"], "resident").status_code == 409
    assert client.get(f"{API_PREFIX}/cities/{CITY}/places/osm:node/1/coupons").json() == []
    assert (
        client.patch(patch, json={"status": "ended"}, headers=_as(world, "merchant")).status_code
        == 200
    )
    resumed = client.patch(patch, json={"status": "active"}, headers=_as(world, "merchant"))
    assert resumed.status_code == 409
    assert client.patch(patch, json={}, headers=_as(world, "merchant")).status_code == 422


def test_valid_only_at_its_shop_and_in_its_window(world: World, client: TestClient) -> None:
    coupon = _create(
        client,
        world,
        kind="percent",
        amount_off_fen=None,
        percent_off=15,
        max_discount_fen=500,
        min_spend_fen=0,
    )
    code = _claim(client, world, coupon["id"]).json()["code"]
    other = world.principals["other_merchant"]
    grant_place(engine=world.engine, user_id=other.account.id, place_id=world.place_ids["free"])
    elsewhere = client.post(
        f"{API_PREFIX}/shops/{world.place_ids['free']}/redemptions",
        json={"code": code, "spent_fen": 1999},
        headers=other.headers,
    )
    assert elsewhere.status_code == 422
    assert "not valid at this shop" in elsewhere.json()["detail"]
    done = _redeem(client, world, code, 1999)
    assert done.json()["discount_fen"] == 299  # 15 % rounded down

    later = _create(client, world, valid_from=_when(timedelta(days=1)))
    code = _claim(client, world, later["id"]).json()["code"]
    early = _redeem(client, world, code, 6000)
    assert early.status_code == 422
    assert "valid from" in early.json()["detail"]
    unknown = _redeem(client, world, "000000000000", 6000)
    assert unknown.status_code == 404


def test_communities_and_bad_rules(world: World, client: TestClient) -> None:
    coupon = _create(client, world, communities=["440304001019"])
    assert _claim(client, world, coupon["id"]).status_code == 422
    wrong = _claim(client, world, coupon["id"], community="440305001001")
    assert wrong.status_code == 403
    assert "440304001019" in wrong.json()["detail"]
    assert _claim(client, world, coupon["id"], community="440304001019").status_code == 201

    shop = world.place_ids["owned"]
    url = f"{API_PREFIX}/shops/{shop}/coupons"
    for bad, field in (
        (_coupon(communities=["999"]), "communities"),
        (_coupon(kind="percent"), "percent_off"),
        (_coupon(min_spend_fen=500), "min_spend_fen"),
        (_coupon(valid_until=_when(timedelta(hours=-2))), "valid_until"),
        (_coupon(per_person_limit=9), "per_person_limit"),
    ):
        response = client.post(url, json=bad, headers=_as(world, "merchant"))
        assert response.status_code == 422, bad
        assert response.json()["errors"][0]["field"] == field, response.text
    naive = client.post(
        url, json=_coupon(valid_from="2026-01-01T00:00:00"), headers=_as(world, "merchant")
    )
    assert naive.status_code == 422


def test_expiry_notices_are_sent_once(world: World, client: TestClient, settings: Settings) -> None:
    soon = _create(client, world, valid_until=_when(timedelta(hours=5)))
    later = _create(client, world)
    _claim(client, world, soon["id"])
    _claim(client, world, later["id"])
    assert send_expiry_notices(engine=world.engine, now=NOW, hours=24) == 1
    assert send_expiry_notices(engine=world.engine, now=NOW, hours=24) == 0
    notes = client.get(
        f"{API_PREFIX}/users/me/notifications", headers=_as(world, "resident")
    ).json()
    assert [n["kind"] for n in notes["items"]] == ["coupon_expiring"]
    assert notes["items"][0]["data"]["coupon_id"] == soon["id"]
    assert settings.coupon_expiry_notice_hours == 24


def test_a_resident_never_sees_another_residents_claim(world: World, client: TestClient) -> None:
    coupon = _create(client, world)
    claim_id = _claim(client, world, coupon["id"]).json()["id"]
    stranger = world.add_principal("resident", "resident", None, None)
    for suffix in ("", "/qr.svg", "/qr.png"):
        seen = client.get(
            f"{API_PREFIX}/users/me/coupons/{claim_id}{suffix}", headers=stranger.headers
        )
        assert seen.status_code == 404
    assert (
        client.get(f"{API_PREFIX}/users/me/coupons", headers=stranger.headers).json()["total"] == 0
    )
