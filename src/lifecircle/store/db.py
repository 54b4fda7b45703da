"""Engines and transactions: SQLite (foreign keys on, WAL) or PostgreSQL through psycopg 3."""

from __future__ import annotations

import importlib.util
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import Session

from lifecircle.config import Settings, normalise_database_url
from lifecircle.errors import OptionalDependencyError

if TYPE_CHECKING:
    from collections.abc import Iterator

SQLITE_BUSY_TIMEOUT_S = 30.0
"""How long a SQLite writer waits for another process's write lock before failing."""

SQLITE_BEGIN = "lifecircle_sqlite_begin"
"""Execution option naming how a SQLite transaction begins (``IMMEDIATE``: see :func:`writing`)."""


def database_url(settings_or_url: Settings | str | URL) -> URL:
    """The SQLAlchemy URL of ``settings_or_url`` (bare PostgreSQL schemes mean psycopg 3)."""
    if isinstance(settings_or_url, Settings):
        return make_url(settings_or_url.database_url)
    if isinstance(settings_or_url, URL):
        return settings_or_url
    return make_url(normalise_database_url(settings_or_url))


def make_engine(settings_or_url: Settings | str | URL, *, echo: bool = False) -> Engine:
    """Create an engine for the configured database.

    Parameters
    ----------
    settings_or_url
        Validated settings, or a database URL (``sqlite:///file.db``,
        ``postgresql+psycopg://...``).
    echo
        Log every SQL statement (for debugging).

    Returns
    -------
    Engine
        A new engine; the caller disposes of it (``engine.dispose()``) when done.

    Raises
    ------
    OptionalDependencyError
        For a PostgreSQL URL when psycopg (the ``postgres`` extra) is not installed.

    Notes
    -----
    SQLite connections get ``PRAGMA foreign_keys=ON`` (SQLite ignores foreign keys, and
    so ``ON DELETE CASCADE``, unless told on every connection) and a file database is
    switched to write-ahead logging, so readers (a web API) do not block an import. The
    folder of a SQLite file is created if missing. pysqlite's own transaction handling
    is switched off and SQLAlchemy emits ``BEGIN`` itself: otherwise pysqlite commits
    before DDL and ignores savepoints, and a migration or a nested transaction would not
    be atomic.

    """
    url = database_url(settings_or_url)
    kwargs: dict[str, Any] = {"echo": echo}
    if url.get_backend_name() == "sqlite":
        memory = url.database in (None, "", ":memory:")
        if not memory and url.database is not None:
            Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_S}
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine, wal=not memory)
        return engine
    if url.get_driver_name() == "psycopg" and importlib.util.find_spec("psycopg") is None:
        raise OptionalDependencyError("psycopg", "postgres")
    kwargs["pool_pre_ping"] = True
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN, see below
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            if wal:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL, much faster
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN, "")
        connection.exec_driver_sql(f"BEGIN {mode}" if mode else "BEGIN")


def writing(engine: Engine) -> Engine:
    """``engine``, but each SQLite transaction takes the write lock when it begins.

    A SQLite transaction begun plainly (deferred) that reads and then writes fails at
    once with "database is locked" when another process committed a write in between
    (write-ahead logging cannot move a reader's snapshot forward), and the busy timeout
    does not help. ``BEGIN IMMEDIATE`` takes the write lock first, waiting up to
    :data:`SQLITE_BUSY_TIMEOUT_S` for it, so such a transaction cannot fail that way;
    it also keeps other writers out until it ends. Background jobs run every
    transaction this way, since they write beside the API and one another. PostgreSQL
    needs nothing: the same engine is returned.

    Parameters
    ----------
    engine
        From :func:`make_engine`.

    Returns
    -------
    Engine
        On SQLite a copy sharing ``engine``'s connections; else ``engine`` itself.

    """
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})


@contextmanager
def session_scope(engine: Engine, *, write: bool = False) -> Iterator[Session]:
    """One transaction: commit when the block ends, roll back if it raises.

    Parameters
    ----------
    engine
        From :func:`make_engine`.
    write
        The transaction reads and then writes while other processes may write: on
        SQLite it takes the write lock when it begins (:func:`writing`).

    Yields
    ------
    Session
        A session whose objects stay readable after the commit
        (``expire_on_commit=False``), so a command can print what it stored.

    Examples
    --------
    >>> with session_scope(engine) as session:  # doctest: +SKIP
    ...     city = create_city(session, name="深圳")

    """
    bind = writing(engine) if write else engine
    with Session(bind, expire_on_commit=False) as session, session.begin():
        yield session
