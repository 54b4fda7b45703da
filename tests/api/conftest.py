"""API fixtures: every test runs on a SQLite file and on a real PostgreSQL server."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from lifecircle.api.app import create_app
from lifecircle.config import Settings
from tests.api.world import World, build_world
from tests.store import conftest as store_conftest

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from sqlalchemy.engine import Engine

# the store's fixtures: every test here runs on a SQLite file and on PostgreSQL
postgres = store_conftest.postgres
empty_engine = store_conftest.empty_engine
engine = store_conftest.engine


def api_settings(engine: Engine, tmp_path: Path, **overrides: Any) -> Settings:
    """Development settings on the test's database (environment variables overridden)."""
    values: dict[str, Any] = {
        "database_url": engine.url.render_as_string(hide_password=False),
        "data_dir": tmp_path / "data",
        "environment": "development",
        "debug": False,
        "cors_origins": (),
    }
    return Settings(**(values | overrides))


@pytest.fixture
def settings(engine: Engine, tmp_path: Path) -> Settings:
    """The API's settings on the test's database."""
    return api_settings(engine, tmp_path)


@pytest.fixture
def world(engine: Engine, settings: Settings) -> World:
    """Cities, units, an assessment run and one account of each kind."""
    return build_world(engine, settings)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A client of an app on the test's database (started: its lifespan ran)."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client
