"""Accounts through the API: tokens end when they should, limits hold, names do not leak.

Every test runs on a SQLite file and on PostgreSQL.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta
from typing import TYPE_CHECKING

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from lifecircle.api.app import create_app
from lifecircle.services import security
from lifecircle.store.db import session_scope
from lifecircle.store.models import AccessToken, AuthAttempt, Base, Place, PlaceOwner, utc_now
from tests.api.conftest import api_settings
from tests.api.world import PASSWORD, World, build_world, unique

if TYPE_CHECKING:
    from pathlib import Path

    import httpx
    from sqlalchemy.engine import Engine

    from lifecircle.config import Settings

API = "/api/v1"


def register(client: TestClient, username: str, **extra: object) -> httpx.Response:
    return client.post(
        f"{API}/auth/register", json={"username": username, "password": PASSWORD, **extra}
    )


def login(client: TestClient, username: str, password: str = PASSWORD) -> httpx.Response:
    return client.post(f"{API}/auth/login", data={"username": username, "password": password})


def bearer(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_register_login_and_read_oneself(client: TestClient, settings: Settings) -> None:
    made = register(client, "li-hua", display_name="李华")
    assert made.status_code == 201, made.text
    assert made.json()["role"] == "resident"
    assert made.json()["created_at"].endswith("+08:00")  # shown in China Standard Time
    answer = login(client, "LI-HUA ")  # names are normalised: case and spaces
    token = answer.json()
    assert token["token_type"] == "bearer"
    assert token["access_token"].startswith("lct_")
    assert token["expires_in"] == settings.token_lifetime_minutes * 60
    assert answer.headers["Cache-Control"] == "no-store"
    me = client.get(f"{API}/users/me", headers=bearer(answer)).json()
    assert (me["username"], me["display_name"]) == ("li-hua", "李华")


def test_the_token_is_stored_only_as_its_digest(client: TestClient, engine: Engine) -> None:
    register(client, "digest-check")
    token = login(client, "digest-check").json()["access_token"]
    with session_scope(engine) as session:
        stored = session.scalars(select(AccessToken.token_hash)).all()
    assert stored == [security.token_digest(token)]
    assert token not in stored


def test_registration_refuses_taken_and_reserved_names_and_other_roles(
    client: TestClient,
) -> None:
    assert register(client, "taken").status_code == 201
    again = register(client, "taken")
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "username"
    reserved = register(client, "demo-resident")
    assert reserved.status_code == 422
    assert "demo-" in reserved.json()["detail"]
    official = register(client, unique("self-made"), role="official")
    assert official.status_code == 422
    assert official.json()["errors"][0]["field"] == "body.role"


def test_logout_ends_that_token_only(client: TestClient) -> None:
    register(client, "two-phones")
    first, second = bearer(login(client, "two-phones")), bearer(login(client, "two-phones"))
    assert client.post(f"{API}/auth/logout", headers=first).status_code == 204
    assert client.get(f"{API}/users/me", headers=first).status_code == 401
    assert client.post(f"{API}/auth/logout", headers=first).status_code == 401
    assert client.get(f"{API}/users/me", headers=second).status_code == 200


def test_a_password_change_ends_every_token(client: TestClient) -> None:
    register(client, "changer")
    first, second = bearer(login(client, "changer")), bearer(login(client, "changer"))
    wrong = client.post(
        f"{API}/users/me/password",
        json={"current_password": "not the password", "new_password": "a new password"},
        headers=first,
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "current_password"
    assert client.get(f"{API}/users/me", headers=first).status_code == 200  # still valid
    changed = client.post(
        f"{API}/users/me/password",
        json={"current_password": PASSWORD, "new_password": "a new password"},
        headers=first,
    )
    assert changed.status_code == 204
    for headers in (first, second):
        assert client.get(f"{API}/users/me", headers=headers).status_code == 401
    assert login(client, "changer").status_code == 401
    assert login(client, "changer", "a new password").status_code == 200


def test_tokens_expire(client: TestClient, engine: Engine) -> None:
    register(client, "expiring")
    headers = bearer(login(client, "expiring"))
    assert client.get(f"{API}/users/me", headers=headers).status_code == 200
    with session_scope(engine) as session:
        session.execute(update(AccessToken).values(expires_at=utc_now() - timedelta(seconds=1)))
    expired = client.get(f"{API}/users/me", headers=headers)
    assert expired.status_code == 401
    assert expired.headers["WWW-Authenticate"] == "Bearer"
    # the next login removes expired tokens from the table
    login(client, "expiring")
    with session_scope(engine) as session:
        assert len(session.scalars(select(AccessToken)).all()) == 1


def test_a_stale_token_leaves_the_free_routes_open(client: TestClient) -> None:
    assert client.get(f"{API}/cities", headers={"Authorization": "Bearer lct_x"}).status_code == 200
    malformed = client.get(f"{API}/users/me", headers={"Authorization": "Basic abc"})
    assert malformed.status_code == 401


def test_no_user_enumeration_through_login(client: TestClient) -> None:
    register(client, "real-user")
    unknown = login(client, "no-such-user")
    wrong = login(client, "real-user", "wrong password")
    invalid = login(client, "Not a valid name!")
    assert unknown.status_code == wrong.status_code == invalid.status_code == 401
    assert unknown.json() == wrong.json() == invalid.json()
    # the same argon2 work for an unknown name as for a wrong password (a decoy hash):
    # medians of interleaved attempts, each a different name so no limit is reached
    times: dict[str, list[float]] = {"unknown": [], "wrong": []}
    for i in range(4):
        for kind, name in (("unknown", unique("ghost")), ("wrong", "real-user")):
            start = time.perf_counter()
            assert login(client, name, f"guess {i}").status_code == 401
            times[kind].append(time.perf_counter() - start)
    ratio = statistics.median(times["unknown"]) / statistics.median(times["wrong"])
    assert 0.5 < ratio < 2.0, times


def test_failed_logins_are_limited_per_account(client: TestClient, settings: Settings) -> None:
    register(client, "target")
    limit = settings.login_max_failures_per_account
    for i in range(limit):
        assert login(client, "target", f"guess {i}").status_code == 401
    blocked = login(client, "target")  # even the right password, until the window passes
    assert blocked.status_code == 429
    retry = int(blocked.headers["Retry-After"])
    assert 0 < retry <= settings.login_window_seconds
    assert blocked.json()["status"] == 429
    # an unknown name is limited the same way (no difference to tell)
    for i in range(limit):
        assert login(client, "ghost-account", f"guess {i}").status_code == 401
    assert login(client, "ghost-account").status_code == 429


def test_a_successful_login_resets_the_account_count(
    client: TestClient, settings: Settings
) -> None:
    register(client, "forgetful")
    for _ in range(settings.login_max_failures_per_account - 1):
        assert login(client, "forgetful", "wrong").status_code == 401
    assert login(client, "forgetful").status_code == 200
    for _ in range(settings.login_max_failures_per_account - 1):
        assert login(client, "forgetful", "wrong").status_code == 401
    assert login(client, "forgetful").status_code == 200


def test_limits_hold_across_two_app_instances(engine: Engine, tmp_path: Path) -> None:
    """Two apps (as two worker processes would be) share the counts through the database."""
    settings = api_settings(
        engine, tmp_path, login_max_failures_per_account=4, login_max_failures_per_address=6
    )
    build_world(engine, settings, principals=False)
    with (
        TestClient(create_app(settings)) as one,
        TestClient(create_app(settings)) as two,
    ):
        assert register(one, "shared").status_code == 201
        for i in range(4):
            assert login((one, two)[i % 2], "shared", f"guess {i}").status_code == 401
        for client in (one, two):
            answer = login(client, "shared")
            assert answer.status_code == 429
            assert int(answer.headers["Retry-After"]) > 0
        # per address: other names from the same client, over both apps
        assert login(one, "another-name", "guess").status_code == 401
        assert login(two, "third-name", "guess").status_code == 401
        over = login(one, "fourth-name", "guess")
        assert over.status_code == 429
        assert int(over.headers["Retry-After"]) > 0
    with session_scope(engine) as session:
        keys = session.scalars(select(AuthAttempt.key)).all()
    # counted under keyed pseudonyms: no name or address is stored
    assert keys
    assert all(len(key) == 64 and "shared" not in key for key in keys)


def test_registrations_are_limited_per_address(engine: Engine, tmp_path: Path) -> None:
    settings = api_settings(engine, tmp_path, registrations_per_address=2)
    with TestClient(create_app(settings)) as client:
        assert register(client, "first-one").status_code == 201
        assert register(client, "first-one").status_code == 409  # counted too
        refused = register(client, "third-one")
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 0


def _every_text(engine: Engine) -> str:
    """Every value of every table, as one text (to look for personal data)."""
    parts = []
    with session_scope(engine) as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                parts.extend(repr(value) for value in row)
    return "\n".join(parts)


def test_deleting_an_account_deletes_its_personal_data(world: World, client: TestClient) -> None:
    register(client, "leaving-user", display_name="张三的小号")
    headers = bearer(login(client, "leaving-user"))
    login(client, "leaving-user", "a wrong guess")  # counted under the name's pseudonym
    client.patch(f"{API}/users/me", json={"city": "shenzhen-test"}, headers=headers)
    merchant = world.principals["merchant"]
    before = _every_text(world.engine)
    assert "leaving-user" in before
    assert "张三的小号" in before

    assert client.delete(f"{API}/users/me", headers=headers).status_code == 204
    assert client.delete(f"{API}/users/me", headers=merchant.headers).status_code == 204
    after = _every_text(world.engine)
    for personal in ("leaving-user", "张三的小号", merchant.account.username):
        assert personal not in after
    with session_scope(world.engine) as session:
        keys = set(session.scalars(select(AuthAttempt.key)))
    assert (
        security.pseudonym(world.settings.secret_key, "login-account", "leaving-user") not in keys
    )
    assert client.get(f"{API}/users/me", headers=headers).status_code == 401
    assert login(client, "leaving-user").status_code == 401
    # the merchant's shop stays; only the ownership went
    with session_scope(world.engine) as session:
        assert session.get(Place, world.place_ids["owned"]) is not None
        assert session.scalars(select(PlaceOwner)).all() == []


def test_profile_changes(world: World, client: TestClient) -> None:
    resident = world.principals["resident"]
    changed = client.patch(
        f"{API}/users/me",
        json={"display_name": " 小李 ", "city": "othertown"},
        headers=resident.headers,
    )
    assert changed.status_code == 200
    assert (changed.json()["display_name"], changed.json()["city"]) == ("小李", "othertown")
    kept = client.patch(f"{API}/users/me", json={}, headers=resident.headers).json()
    assert (kept["display_name"], kept["city"]) == ("小李", "othertown")
    cleared = client.patch(f"{API}/users/me", json={"city": None}, headers=resident.headers)
    assert cleared.json()["city"] is None
    unknown = client.patch(f"{API}/users/me", json={"city": "atlantis"}, headers=resident.headers)
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["field"] == "city"
    official = world.principals["official_in"]
    moved = client.patch(f"{API}/users/me", json={"city": "othertown"}, headers=official.headers)
    assert moved.status_code == 403
    extra = client.patch(f"{API}/users/me", json={"role": "admin"}, headers=resident.headers)
    assert extra.status_code == 422
    assert client.get(f"{API}/users/me", headers=resident.headers).json()["role"] == "resident"
