"""A lock per city that holds across processes: the one-writer rule of background jobs.

On PostgreSQL it is a session advisory lock, ``pg_try_advisory_lock(namespace, city)``,
held on a connection of its own for as long as the job runs; on SQLite it is an
exclusive ``flock`` on a file beside the database (``<file>.locks/city-<id>.lock``).
Either way the operating system or the server lets go when the holder's process dies
(its file descriptors close, its connection drops), so a killed job never leaves its
city locked. Two locks of one city conflict whether they are taken by two processes,
or by two threads of one process.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Self

from sqlalchemy import text

from lifecircle.errors import ValidationError

if TYPE_CHECKING:
    from types import TracebackType

    from sqlalchemy.engine import Connection, Engine

LOCK_NAMESPACE = 0x6C636A62
"""First key of the advisory locks of cities (``"lcjb"``); the second is the city id."""

POLL_S = 0.1
"""How often a blocking :meth:`CityLock.acquire` tries again, seconds."""


def lock_file(engine: Engine, *, city_id: int) -> Path:
    """The lock file of a city of a SQLite database file.

    Raises
    ------
    ValidationError
        For an in-memory database, which no other process can share.

    """
    database = engine.url.database
    if not database or database == ":memory:":
        raise ValidationError(
            "a city lock needs a database other processes can open: an in-memory SQLite "
            "database cannot run background jobs"
        )
    path = Path(database).expanduser().resolve()
    return path.with_name(f"{path.name}.locks") / f"city-{city_id}.lock"


def _try_flock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - the tests run on Linux
        import msvcrt  # noqa: PLC0415

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl  # noqa: PLC0415

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


class CityLock:
    """The exclusive lock of one city, taken and released explicitly or with ``with``.

    Parameters
    ----------
    engine
        The database the city is in.
    city_id
        The city.

    Examples
    --------
    >>> with CityLock(engine, city_id=3):  # doctest: +SKIP
    ...     run_assessment(engine=engine, name="helsinki")

    """

    def __init__(self, engine: Engine, *, city_id: int) -> None:
        self.engine = engine
        self.city_id = city_id
        self._connection: Connection | None = None
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._connection is not None or self._fd is not None

    def try_acquire(self) -> bool:
        """Take the lock if it is free; whether it was taken (never waits)."""
        if self.held:
            raise RuntimeError(f"the lock of city {self.city_id} is held already")
        if self.engine.dialect.name == "postgresql":
            return self._try_advisory()
        return self._try_file()

    def acquire(self, *, timeout_s: float | None = None, poll_s: float = POLL_S) -> bool:
        """Wait for the lock (at most ``timeout_s`` seconds; ``None``: for ever).

        Returns
        -------
        bool
            Whether it was taken.

        """
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while not self.try_acquire():
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(poll_s)
        return True

    def release(self) -> None:
        """Let the lock go (nothing happens when it is not held)."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the descriptor ends its flock
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:ns, :city)"),
                    {"ns": LOCK_NAMESPACE, "city": self.city_id},
                )
                connection.commit()
            except Exception:
                connection.invalidate()  # the server ends the lock with the connection
                raise
            finally:
                connection.close()

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def _try_advisory(self) -> bool:
        connection = self.engine.connect()
        try:
            taken = connection.execute(
                text("SELECT pg_try_advisory_lock(:ns, :city)"),
                {"ns": LOCK_NAMESPACE, "city": self.city_id},
            ).scalar()
            connection.commit()  # a session lock outlives the transaction
        except BaseException:
            connection.close()
            raise
        if not taken:
            connection.close()
            return False
        self._connection = connection
        return True

    def _try_file(self) -> bool:
        path = lock_file(self.engine, city_id=self.city_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            taken = _try_flock(fd)
        except BaseException:
            os.close(fd)
            raise
        if not taken:
            os.close(fd)
            return False
        self._fd = fd
        return True
