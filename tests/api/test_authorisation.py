"""Authorisation, route by route: every route of the API times every kind of caller.

``MATRIX`` has one entry per route (method and path) with the status each caller must
get. A route added without an entry fails ``test_every_route_has_a_rule``: whoever adds
a route decides who may call it, here. Requests that change state act on throwaway
objects made for the one call, so the cells do not depend on each other's order.
"""

from __future__ import annotations

import contextlib
import os
import socket
from typing import TYPE_CHECKING

from sqlalchemy import select

from lifecircle.api.app import API_PREFIX, create_app
from lifecircle.services.jobs import new_job_id
from lifecircle.services.ownership import grant_place, release_place
from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope
from lifecircle.store.jobs import add_job
from lifecircle.store.models import AssessmentRun, JobKind
from tests.api import (
    rules_campaigns,
    rules_coupons,
    rules_homes,
    rules_hours,
    rules_indicators,
    rules_layers,
    rules_planning,
    rules_platform,
    rules_prices,
    rules_reports,
    rules_shops,
    rules_stock,
    rules_surveys,
    rules_voice,
    rules_web,
)
from tests.api.world import CITY, FUTIAN, PASSWORD, World, unique

if TYPE_CHECKING:
    from collections.abc import Callable

    from fastapi.testclient import TestClient

from tests.api.authz import (
    ALL,
    CALLERS,
    MERCHANTS_ONLY,
    SIGNED_IN,
    Request,
    Rule,
)
from tests.api.authz import admin as _admin
from tests.api.authz import as_caller as _as
from tests.api.authz import fresh_token as _fresh_token
from tests.api.authz import fresh_twin as _fresh_twin
from tests.api.authz import row as _row
from tests.api.authz import simple as _simple


def _login(world: World, caller: str) -> Request:
    who = _as(world, caller)
    form = {"username": unique("nobody"), "password": PASSWORD}
    if who is not None:
        form = {"username": who.account.username, "password": who.password}
    return "/auth/login", {"data": form}, None


def _register(world: World, caller: str) -> Request:
    body = {"username": unique("new"), "password": PASSWORD}
    return "/auth/register", {"json": body}, _as(world, caller)


def _password(world: World, caller: str) -> Request:
    body = {"current_password": PASSWORD, "new_password": "another synthetic password"}
    return "/users/me/password", {"json": body}, _fresh_twin(world, caller)


def _my_place(world: World, caller: str) -> Request:
    place = world.place_ids["owned"]
    merchant = world.principals["merchant"].account.id
    # the merchant's place, owned again before every call (the merchant's own call ends it)
    release_place_if_owned(world, merchant, place)
    grant_place(engine=world.engine, user_id=merchant, place_id=place)
    return f"/users/me/places/{place}", {}, _as(world, caller)


def release_place_if_owned(world: World, user_id: int, place_id: int) -> None:
    """End an ownership if it exists (test set-up between cells)."""
    with contextlib.suppress(LookupError):
        release_place(engine=world.engine, user_id=user_id, place_id=place_id)


def _victim(world: World, caller: str) -> Request:
    victim = world.add_principal("victim", "resident", None, None)
    return f"/users/{victim.account.id}", {}, _as(world, caller)


def _grant(world: World, caller: str) -> Request:
    merchant = world.principals["other_merchant"].account.id
    place = world.place_ids["free"]
    release_place_if_owned(world, merchant, place)
    return f"/users/{merchant}/places", {"json": {"place_id": place}}, _as(world, caller)


def _revoke(world: World, caller: str) -> Request:
    merchant = world.principals["other_merchant"].account.id
    place = world.place_ids["free"]
    release_place_if_owned(world, merchant, place)
    grant_place(engine=world.engine, user_id=merchant, place_id=place)
    return f"/users/{merchant}/places/{place}", {}, _as(world, caller)


def _resident_id(world: World) -> int:
    return world.principals["resident"].account.id


def _merchant_id(world: World) -> int:
    return world.principals["merchant"].account.id


# jobs, runs and plans are whole-city documents: the city's officials of an area get 403
# (they read their area at /cities/{city}/assessment?area=), admins and city-wide
# officials (tests/api/test_jobs.py) get through
CITY_DOCUMENTS = _admin(200)


def _queued_job(world: World) -> str:
    """A job stored queued for the test city and never given to a worker."""
    with session_scope(world.engine, write=True) as session:
        job_id = new_job_id()
        add_job(
            session,
            job_id=job_id,
            city_id=get_city(session, name=CITY).id,
            kind=JobKind.ASSESS,
            parameters={},
            user_id=None,
            host=socket.gethostname(),
            pid=os.getpid(),  # alive: never taken for a dead server's job
        )
    return job_id


def _job_path(suffix: str = "") -> Callable[[World, str], Request]:
    return lambda w, c: (f"/jobs/{_queued_job(w)}{suffix}", {}, _as(w, c))


def _run_id(world: World) -> int:
    with session_scope(world.engine) as session:
        return int(session.scalars(select(AssessmentRun.id)).first() or 0)


# the test city has no walking network: a search there is answered 422 (saying so) to everyone
FREE_NO_NETWORK = dict.fromkeys(CALLERS, 422)


CORE_RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/health"): Rule(_simple("/health"), ALL),
    ("POST", "/auth/register"): Rule(_register, dict.fromkeys(CALLERS, 201)),
    ("POST", "/auth/login"): Rule(_login, SIGNED_IN),
    ("POST", "/auth/logout"): Rule(
        lambda w, c: ("/auth/logout", {}, _fresh_token(w, c)),
        _row(401, 204, 204, 204, 204, 204, 204),
    ),
    ("GET", "/users/me"): Rule(_simple("/users/me"), SIGNED_IN),
    ("PATCH", "/users/me"): Rule(_simple("/users/me", json={"display_name": "测试"}), SIGNED_IN),
    ("DELETE", "/users/me"): Rule(
        lambda w, c: ("/users/me", {}, _fresh_twin(w, c)), _row(401, 204, 204, 204, 204, 204, 204)
    ),
    ("POST", "/users/me/password"): Rule(_password, _row(401, 204, 204, 204, 204, 204, 204)),
    ("GET", "/users/me/places"): Rule(_simple("/users/me/places"), MERCHANTS_ONLY),
    # another merchant's place is not theirs to give up: 404, as for any place they lack
    ("DELETE", "/users/me/places/{place_id}"): Rule(
        _my_place, _row(401, 403, 204, 404, 403, 403, 403)
    ),
    ("GET", "/users"): Rule(_simple("/users"), _admin(200)),
    ("POST", "/users"): Rule(
        lambda w, c: (
            "/users",
            {
                "json": {
                    "username": unique("made"),
                    "password": PASSWORD,
                    "role": "official",
                    "city": CITY,
                    "area": FUTIAN,
                }
            },
            _as(w, c),
        ),
        _admin(201),
    ),
    # a resident reading their own record through the admin route is refused too
    ("GET", "/users/{user_id}"): Rule(
        lambda w, c: (f"/users/{_resident_id(w)}", {}, _as(w, c)), _admin(200)
    ),
    ("DELETE", "/users/{user_id}"): Rule(_victim, _admin(204)),
    ("GET", "/users/{user_id}/places"): Rule(
        lambda w, c: (f"/users/{_merchant_id(w)}/places", {}, _as(w, c)), _admin(200)
    ),
    ("POST", "/users/{user_id}/places"): Rule(_grant, _admin(201)),
    ("DELETE", "/users/{user_id}/places/{place_id}"): Rule(_revoke, _admin(204)),
    ("GET", "/cities"): Rule(_simple("/cities"), ALL),
    ("GET", "/cities/{city}"): Rule(_simple(f"/cities/{CITY}"), ALL),
    # ?area= the in-area official's district: the out-of-area official is refused
    ("GET", "/cities/{city}/assessment"): Rule(
        _simple(f"/cities/{CITY}/assessment", params={"area": FUTIAN}),
        _row(401, 403, 403, 403, 200, 403, 200),
    ),
    # the residents' search is free: every caller, signed in or not, gets the same answer
    ("GET", "/cities/{city}/nearby"): Rule(
        _simple(f"/cities/{CITY}/nearby", params={"lon": 114.06, "lat": 22.54}), FREE_NO_NETWORK
    ),
    ("GET", "/cities/{city}/route"): Rule(
        _simple(f"/cities/{CITY}/route", params={"from": "114.06,22.54", "to": "x:1"}),
        FREE_NO_NETWORK,
    ),
    ("GET", "/cities/{city}/isochrone"): Rule(
        _simple(f"/cities/{CITY}/isochrone", params={"lon": 114.06, "lat": 22.54}),
        FREE_NO_NETWORK,
    ),
    ("GET", "/cities/{city}/communities"): Rule(
        # the test city's units have no outlines: 404 saying so, to everyone
        _simple(f"/cities/{CITY}/communities", params={"near": "114.06,22.54"}),
        dict.fromkeys(CALLERS, 404),
    ),
    ("GET", "/cities/{city}/communities/{code}"): Rule(
        _simple(f"/cities/{CITY}/communities/440304001019"),
        ALL,  # an assessed community
    ),
    ("POST", "/cities/{city}/jobs"): Rule(
        _simple(f"/cities/{CITY}/jobs", json={"kind": "report", "parameters": {"run_id": 999999}}),
        _admin(422),  # allowed through, then refused: no such run (no worker is started)
    ),
    ("GET", "/cities/{city}/jobs"): Rule(_simple(f"/cities/{CITY}/jobs"), CITY_DOCUMENTS),
    ("GET", "/jobs/{job_id}"): Rule(_job_path(), CITY_DOCUMENTS),
    ("POST", "/jobs/{job_id}/cancel"): Rule(_job_path("/cancel"), CITY_DOCUMENTS),
    ("GET", "/jobs/{job_id}/result"): Rule(_job_path("/result"), _admin(409)),  # not done
    ("GET", "/jobs/{job_id}/files/{name}"): Rule(_job_path("/files/report.html"), _admin(409)),
    ("GET", "/cities/{city}/runs/{run_id}"): Rule(
        lambda w, c: (f"/cities/{CITY}/runs/{_run_id(w)}", {}, _as(w, c)), CITY_DOCUMENTS
    ),
    ("GET", "/cities/{city}/plans/{plan_id}"): Rule(
        _simple(f"/cities/{CITY}/plans/999999"), _admin(404)
    ),
}

FEATURE_RULES = (
    rules_platform.RULES,
    rules_shops.RULES,
    rules_stock.RULES,
    rules_prices.RULES,
    rules_homes.RULES,
    rules_coupons.RULES,
    rules_indicators.RULES,
    rules_campaigns.RULES,
    rules_reports.RULES,
    rules_voice.RULES,
    rules_surveys.RULES,
    rules_layers.RULES,
    rules_web.RULES,
    rules_planning.RULES,
    rules_hours.RULES,
)
"""Each feature's rules (``tests/api/rules_*.py``), one module a feature."""

MATRIX: dict[tuple[str, str], Rule] = dict(CORE_RULES)
for _rules in FEATURE_RULES:
    assert not set(_rules) & set(MATRIX), f"rules given twice: {set(_rules) & set(MATRIX)}"
    MATRIX.update(_rules)


def api_routes() -> set[tuple[str, str]]:
    """``(method, path)`` of every operation of the OpenAPI document, prefix removed.

    The document is the public list of routes (routers hide theirs inside included
    routers); every route is in it, since none is left out of the schema (docs/api.md).
    """
    paths = create_app().openapi()["paths"]
    return {
        (method.upper(), path.removeprefix(API_PREFIX))
        for path, operations in paths.items()
        for method in operations
    }


def test_every_route_has_a_rule() -> None:
    routes = api_routes()
    assert routes - set(MATRIX) == set(), "routes without an authorisation rule in MATRIX"
    assert set(MATRIX) - routes == set(), "rules for routes that do not exist"


def test_authorisation_matrix(world: World, client: TestClient) -> None:
    wrong = []
    for (method, _template), rule in MATRIX.items():
        for caller in CALLERS:
            path, kwargs, who = rule.request(world, caller)
            headers = {} if who is None else who.headers
            response = client.request(method, API_PREFIX + path, headers=headers, **kwargs)
            if response.status_code != rule.expected[caller]:
                wrong.append(
                    f"{method} {path} as {caller}: {response.status_code}, "
                    f"expected {rule.expected[caller]} ({response.text[:120]})"
                )
            elif response.status_code >= 400:
                body = response.json()
                assert body["status"] == response.status_code
                assert body["detail"]
            if response.status_code == 401:
                assert response.headers["WWW-Authenticate"] == "Bearer"
    assert wrong == [], "\n".join(wrong)


def test_me_is_always_the_caller(world: World, client: TestClient) -> None:
    for name, who in world.principals.items():
        body = client.get(f"{API_PREFIX}/users/me", headers=who.headers).json()
        assert body["username"] == who.account.username, name
        assert body["id"] == who.account.id
        assert "password" not in str(body)
        assert "hash" not in str(body)
