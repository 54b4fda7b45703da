"""Schemathesis against the OpenAPI document: every operation, valid and invalid inputs.

Each operation gets a bounded number of generated requests (deterministic: the same on
every run), sent to the app in-process with a bearer token of the role the operation is
for, and every response is checked by schemathesis' default checks: no server error,
a status the document lists, a body and headers that match it. Runs on SQLite (the
PostgreSQL run of every route is the authorisation matrix's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance
from schemathesis.generation import GenerationMode

from lifecircle.api.app import OPENAPI_URL, create_app
from lifecircle.config import Settings
from lifecircle.services.accounts import issue_token
from lifecircle.services.security import hash_password
from lifecircle.store.accounts import add_user, find_user
from lifecircle.store.db import session_scope
from lifecircle.store.migrate import open_database
from lifecircle.store.models import Role
from tests.api.world import build_world

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi import FastAPI
    from sqlalchemy.engine import Engine

MAX_EXAMPLES = 30
"""Generated requests per operation and phase: enough to reach every documented status
of these small schemas, and the whole run stays well under a minute."""


@dataclass
class Fuzzed:
    """The app under test, its database and the accounts the requests act as."""

    app: FastAPI
    engine: Engine
    settings: Settings
    password_hash: str

    def token(self, role: Role) -> str:
        """A fresh token of the role's fuzzing account, made again if a request deleted it."""
        name = f"fuzz-{role.value}"
        with session_scope(self.engine) as session:
            user = find_user(session, username=name)
            if user is None:  # DELETE /users/me or /users/{id} removed it
                user = add_user(
                    session,
                    username=name,
                    password_hash=self.password_hash,
                    role=role,
                    city_id=None,
                )
            user_id = user.id
        return issue_token(engine=self.engine, settings=self.settings, user_id=user_id).token


def _role_for(path: str) -> Role:
    """The account an operation is for (its other roles are the matrix's business)."""
    if path.startswith("/api/v1/coupons/") or path.endswith(("/stance", "/comments", "/answers")):
        return Role.RESIDENT
    if path.startswith("/api/v1/campaigns/") and path.endswith("/claims"):
        return Role.RESIDENT
    if path.endswith(("/feedback", "/complaints")) and not path.endswith(
        "/cities/{city}/complaints"
    ):
        return Role.RESIDENT
    # officials enrol and remove a campaign's shops (a merchant's leave: the matrix's)
    campaign_shop = path == "/api/v1/campaigns/{campaign_id}/shops/{place_id}"
    if not campaign_shop and (
        path.startswith(
            ("/api/v1/users/me/places", "/api/v1/users/me/shop-applications", "/api/v1/shops/")
        )
        or path.endswith(("/shops", "/shops/{place_id}", "/claims"))
    ):
        return Role.MERCHANT
    if path.startswith(("/api/v1/users/me", "/api/v1/auth")):
        return Role.RESIDENT
    return Role.ADMIN


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    folder = tmp_path_factory.mktemp("fuzz")
    settings = Settings(
        database_url=f"sqlite:///{folder / 'fuzz.db'}",
        data_dir=folder,
        environment="development",
        cors_origins=(),
    )
    engine = open_database(settings)
    build_world(engine, settings)
    app = create_app(settings)
    try:
        with TestClient(app):  # started: the lifespan made its engine
            yield Fuzzed(app, engine, settings, hash_password("a synthetic fuzz password"))
    finally:
        engine.dispose()


def _operations() -> list[Any]:
    """Every operation of the document (read from an app that is not started)."""
    settings = Settings(database_url="sqlite://", environment="development", cors_origins=())
    paths = create_app(settings).openapi()["paths"]
    return [
        pytest.param(method.upper(), path, id=f"{method.upper()} {path}")
        for path, operations in sorted(paths.items())
        for method in operations
    ]


@pytest.fixture(scope="module")
def api_schema(fuzzed: Fuzzed) -> Any:
    """The document as schemathesis reads it from the running app."""
    return schemathesis.openapi.from_asgi(OPENAPI_URL, fuzzed.app)


@pytest.mark.parametrize(("method", "path"), _operations())
def test_operation(method: str, path: str, api_schema: Any, fuzzed: Fuzzed) -> None:
    operation = api_schema[path][method]
    raw = operation.definition.raw
    secured = bool(raw.get("security"))
    # invalid requests need something to make invalid: parameters or a body
    negatable = bool(raw.get("parameters") or raw.get("requestBody"))
    modes = [GenerationMode.POSITIVE] + [GenerationMode.NEGATIVE] * negatable
    for mode in modes:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=MAX_EXAMPLES,
            derandomize=True,  # the same requests on every run
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            headers = {}
            if secured:
                headers["Authorization"] = f"Bearer {fuzzed.token(_role_for(path))}"
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        check()
