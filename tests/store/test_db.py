"""Engines and transactions: SQLite pragmas, one transaction per scope, settings to engine."""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from lifecircle.config import get_settings
from lifecircle.errors import OptionalDependencyError
from lifecircle.store.cities import create_city, list_cities
from lifecircle.store.db import database_url, make_engine, session_scope

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Engine


def test_sqlite_has_foreign_keys_and_wal(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'x.db'}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert (tmp_path / "sub" / "x.db").exists()
    finally:
        engine.dispose()


def test_memory_sqlite_works(tmp_path: Path) -> None:
    engine = make_engine("sqlite://")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def test_engine_from_settings(tmp_path: Path) -> None:
    settings = get_settings(data_dir=tmp_path / "d")
    assert database_url(settings).database == str((tmp_path / "d" / "lifecircle.db").resolve())
    engine = make_engine(settings)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()
    assert (tmp_path / "d" / "lifecircle.db").exists()


def test_bare_postgres_url_means_psycopg() -> None:
    url = database_url("postgres://u:secret@db.example:5433/lc")
    assert url.drivername == "postgresql+psycopg"
    assert (url.host, url.port, url.database) == ("db.example", 5433, "lc")


def test_postgres_without_psycopg_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "psycopg" else real(name, *a)
    )
    with pytest.raises(OptionalDependencyError, match=r"lifecircle\[postgres\]"):
        make_engine("postgresql://u@localhost/lc")


def test_scope_commits_or_rolls_back(engine: Engine) -> None:
    with session_scope(engine) as session:
        create_city(session, name="kept")

    def fail_halfway() -> None:
        with session_scope(engine) as session:
            create_city(session, name="lost")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail_halfway()
    with session_scope(engine) as session:
        assert [c.name for c in list_cities(session)] == ["kept"]


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.execute(
            text(
                "INSERT INTO place_sources (city_id, source, source_id, place_id) "
                "VALUES (999, 'osm', 'n1', 999)"
            )
        )


def test_savepoint_rolls_back_only_the_nested_part(engine: Engine) -> None:
    with session_scope(engine) as session:
        create_city(session, name="outer")
        nested = session.begin_nested()
        create_city(session, name="inner")
        nested.rollback()
    with session_scope(engine) as session:
        assert [c.name for c in list_cities(session)] == ["outer"]
