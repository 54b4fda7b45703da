"""Liveness of the service: the code's version and whether the database answers."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import text

from lifecircle import __version__
from lifecircle.store.migrate import current_revision, head_revision

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


@dataclass(frozen=True)
class Health:
    """The version, and the database's schema revision against the code's."""

    version: str
    database_revision: str | None
    code_revision: str

    @property
    def ok(self) -> bool:
        """Whether the database is at the revision the code needs."""
        return self.database_revision == self.code_revision


def health(*, engine: Engine) -> Health:
    """Ask the database for its revision (raises :class:`OperationalError` if it is down)."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return Health(__version__, current_revision(engine), _code_revision())


@functools.cache
def _code_revision() -> str:
    return head_revision()  # reads the migration scripts: once per process
