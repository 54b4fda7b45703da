"""Schema migrations run from Python: Alembic with the scripts shipped inside the package.

No ``alembic.ini`` is needed: :func:`alembic_config` points Alembic at
``lifecircle/store/migrations`` and hands it an open connection, so the same code
upgrades a user's SQLite file, a PostgreSQL server and the test databases.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Engine

from lifecircle.errors import DataError
from lifecircle.store.db import make_engine

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.engine import URL, Connection

    from lifecircle.config import Settings

MIGRATIONS = Path(__file__).resolve().with_name("migrations")
"""The Alembic script directory (``env.py``, ``versions/``)."""

_UPGRADE_LOCK = 0x6C6966656369  # "lifeci": PostgreSQL advisory lock key for upgrades


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for the packaged migrations.

    Parameters
    ----------
    connection
        Connection the migrations run on (``env.py`` reads it from
        ``config.attributes``); without one, ``env.py`` connects to the settings' URL.

    Returns
    -------
    alembic.config.Config
        With ``script_location`` set; no ini file.

    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision the code knows (``0001`` for the first schema)."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships a revision
        raise DataError(f"no migration scripts found in {MIGRATIONS}")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision a database is at, or ``None`` if it was never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_database(
    engine_or_url: Engine | Settings | str | URL, *, revision: str = "head"
) -> None:
    """Bring a database's schema up to ``revision`` in one transaction.

    Parameters
    ----------
    engine_or_url
        An engine (left open), or settings or a URL (an engine is made and disposed of).
    revision
        Target revision; ``"head"`` is the newest.

    Notes
    -----
    On PostgreSQL a transaction-scoped advisory lock makes concurrent upgrades (two
    commands started at once) wait for each other instead of both creating tables. An
    up-to-date database is left untouched, so calling this on every start is cheap.

    """
    _migrate(engine_or_url, lambda config: command.upgrade(config, revision))


def downgrade_database(engine_or_url: Engine | Settings | str | URL, *, revision: str) -> None:
    """Take a database's schema back to ``revision`` (``"base"``: no tables), for developers.

    Downgrades drop tables and columns with their data.
    """
    _migrate(engine_or_url, lambda config: command.downgrade(config, revision))


def _migrate(engine_or_url: Engine | Settings | str | URL, run: Callable[[Config], None]) -> None:
    engine = engine_or_url if isinstance(engine_or_url, Engine) else make_engine(engine_or_url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _UPGRADE_LOCK}
                )
            run(alembic_config(connection))
    finally:
        if engine is not engine_or_url:
            engine.dispose()


def check_current(engine: Engine) -> None:
    """Raise unless the database is at the code's newest revision.

    Raises
    ------
    DataError
        If the database was never migrated or is at an older (or unknown, newer)
        revision, naming both and the command that upgrades it.

    """
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    where = engine.url.render_as_string(hide_password=True)
    if current is None:
        raise DataError(f"database {where} has no lifecircle tables: run `lifecircle db upgrade`")
    known = {
        script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    }
    if current not in known:
        raise DataError(
            f"database {where} is at revision {current}, which this version of lifecircle "
            f"does not know (newest: {head}): upgrade lifecircle"
        )
    raise DataError(
        f"database {where} is at revision {current}, the code needs {head}: "
        "run `lifecircle db upgrade`"
    )


def open_database(settings_or_url: Settings | str | URL) -> Engine:
    """An engine on an up-to-date database: :func:`make_engine` then :func:`upgrade_database`.

    This is what commands call on first use; the caller disposes of the engine.
    """
    engine = make_engine(settings_or_url)
    try:
        upgrade_database(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def new_revision(engine: Engine, *, message: str, rev_id: str | None = None) -> list[Path]:
    """Autogenerate a migration script from the difference between models and database.

    For developers: upgrade a scratch database to head, change the models, then call
    this and edit the script it writes into ``migrations/versions``.

    Parameters
    ----------
    engine
        A database at the current head revision.
    message
        One line saying what changes (becomes the file name and docstring).
    rev_id
        Revision id; by default the next four-digit number (``0002``...).

    Returns
    -------
    list of Path
        The script(s) written.

    """
    if rev_id is None:
        rev_id = f"{int(head_revision()) + 1:04d}"
    with engine.begin() as connection:
        scripts = command.revision(
            alembic_config(connection), message=message, autogenerate=True, rev_id=rev_id
        )
    found = scripts if isinstance(scripts, list) else [scripts]
    return [Path(script.path) for script in found if script is not None]
