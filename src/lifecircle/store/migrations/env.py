"""Alembic environment: run the migrations on the connection ``store.migrate`` hands over.

``lifecircle.store.migrate`` puts an open connection in ``config.attributes["connection"]``
and no ``alembic.ini`` is needed. Without one (the ``alembic`` command line with an ini
file of your own), the URL is ``sqlalchemy.url`` of that file, else the settings'
``LIFECIRCLE_DATABASE_URL``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic import context

from lifecircle.config import get_settings
from lifecircle.store.db import make_engine
from lifecircle.store.tables import metadata

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

target_metadata = metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: later migrations rebuild tables in batch mode
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    return context.config.get_main_option("sqlalchemy.url") or get_settings().database_url


def run_offline() -> None:
    """Write the SQL to standard output instead of running it (``alembic upgrade --sql``)."""
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Run the migrations on the given connection, or on a new engine for the URL."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    try:
        with engine.begin() as new_connection:
            _run(new_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
