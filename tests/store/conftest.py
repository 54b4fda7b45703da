"""Store fixtures: every test runs on a SQLite file and on a real PostgreSQL server."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from lifecircle.store.cities import create_city
from lifecircle.store.db import make_engine, session_scope
from lifecircle.store.migrate import upgrade_database
from tests.pg import postgres_fixture

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from sqlalchemy.engine import Engine

    from tests.pg import PostgresServer

postgres = postgres_fixture()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a new, empty database (no tables)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'lifecircle.db'}")
        try:
            yield engine
        finally:
            engine.dispose()
        return
    # asked for lazily, so `-k sqlite` never starts a server
    server: PostgresServer = request.getfixturevalue("postgres")
    url = server.fresh_database()
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        server.drop_database(url)


@pytest.fixture
def engine(empty_engine: Engine) -> Engine:
    """An engine on a database migrated to the newest revision."""
    upgrade_database(empty_engine)
    return empty_engine


@pytest.fixture
def city_id(engine: Engine) -> int:
    """Id of a committed city named ``testville``."""
    with session_scope(engine) as session:
        return create_city(session, name="testville").id
