"""A lock per city that holds across processes: one job changes a city at a time.

On PostgreSQL it is a session advisory lock, ``pg_try_advisory_lock(namespace, key)``
(``key`` from the city's name), held on a connection of its own for as long as the job
runs; on SQLite it is an exclusive ``flock`` on a file beside the database
(``<file>.locks/city-<digest>.lock``). Either way the operating system or the server
lets go when the holder's process dies (its file descriptors close, its connection
drops), so a killed job never leaves its city locked. Two locks of one city conflict
whether they are taken by two processes, or by two threads of one process.

The lock is keyed by the city's *name*, not its row id: a batch run deletes a city and
creates it anew (a new id) while it holds the lock, and a job started meanwhile finds
the city by name. The holder says who it is (:class:`LockHolder`: what runs, process,
host, since when) for the error of a job that finds the city busy: in the lock file on
SQLite, in its connection's ``application_name`` on PostgreSQL, where another session
reads it from ``pg_locks`` and ``pg_stat_activity``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import text

from lifecircle.errors import ValidationError

if TYPE_CHECKING:
    from types import TracebackType

    from sqlalchemy.engine import Connection, Engine

LOCK_NAMESPACE = 0x6C636A62
"""First key of the advisory locks of cities (``"lcjb"``); the second is :func:`lock_key`."""

POLL_S = 0.1
"""How often a blocking :meth:`CityLock.acquire` tries again, seconds."""

APP_NAME_PREFIX = "lifecircle-lock"
"""How the ``application_name`` of a PostgreSQL lock connection begins."""

_APP_NAME_BYTES = 63  # PostgreSQL keeps the first NAMEDATALEN - 1 bytes of application_name

_HOLDER_SQL = text(
    "SELECT a.application_name, a.state_change, a.client_addr::text AS client"
    " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
    " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2"
    " AND l.classid::bigint = :ns AND l.objid::bigint = :key"
)


@dataclass(frozen=True)
class LockHolder:
    """Who holds a city's lock: what it runs, its process and host, and since when (UTC).

    Any of them may be ``None`` when the holder did not say (it has only just taken the
    lock, or is a PostgreSQL session of an older version).
    """

    kind: str | None
    pid: int | None
    host: str | None
    since: datetime | None


def lock_key(city: str) -> int:
    """The second key of a city's advisory lock: 31 bits of the SHA-256 of its name.

    Two names with the same key (about one chance in a billion for a pair) would only
    make one wait for the other.
    """
    digest = hashlib.sha256(city.encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def lock_file(engine: Engine, *, city: str) -> Path:
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
    digest = hashlib.sha256(city.encode()).hexdigest()[:16]
    return path.with_name(f"{path.name}.locks") / f"city-{digest}.lock"


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


def _app_name(kind: str, pid: int, host: str, since: datetime) -> str:
    """``lifecircle-lock|<epoch s>|<pid>|<kind>|<host>``, ASCII, cut to 63 bytes."""
    name = f"{APP_NAME_PREFIX}|{int(since.timestamp())}|{pid}|{kind}|{host}"
    return name.encode("ascii", "replace").decode()[:_APP_NAME_BYTES]


def _from_app_name(name: str | None, state_change: datetime | None) -> LockHolder:
    parts = (name or "").split("|", 4)
    if len(parts) < 4 or parts[0] != APP_NAME_PREFIX:
        return LockHolder(kind=None, pid=None, host=None, since=state_change)
    try:
        since = datetime.fromtimestamp(int(parts[1]), tz=UTC)
        pid = int(parts[2])
    except ValueError:
        return LockHolder(kind=None, pid=None, host=None, since=state_change)
    host = parts[4] if len(parts) > 4 else None
    return LockHolder(kind=parts[3] or None, pid=pid, host=host or None, since=since)


class CityLock:
    """The exclusive lock of one city, taken and released explicitly or with ``with``.

    Parameters
    ----------
    engine
        The database the city is in.
    city
        The city's name.
    kind
        What the holder runs (``import``, ``assess``, ``assess job <id>``), told to a
        job that finds the city busy.

    Examples
    --------
    >>> with CityLock(engine, city="helsinki", kind="assess"):  # doctest: +SKIP
    ...     run_assessment(engine=engine, name="helsinki")

    """

    def __init__(self, engine: Engine, *, city: str, kind: str = "job") -> None:
        self.engine = engine
        self.city = city
        self.kind = kind
        self._connection: Connection | None = None
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._connection is not None or self._fd is not None

    def try_acquire(self) -> bool:
        """Take the lock if it is free; whether it was taken (never waits)."""
        if self.held:
            raise RuntimeError(f"the lock of city {self.city!r} is held already")
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

    def holder(self) -> LockHolder | None:
        """Who holds the lock now, or ``None`` when nobody does (it was let go meanwhile).

        Meant for a caller whose :meth:`try_acquire` failed; never waits.
        """
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect() as connection:
                row = connection.execute(
                    _HOLDER_SQL, {"ns": LOCK_NAMESPACE, "key": lock_key(self.city)}
                ).first()
            return None if row is None else _from_app_name(row.application_name, row.state_change)
        try:
            raw = lock_file(self.engine, city=self.city).read_text(encoding="utf-8")
        except OSError:
            return None
        return _parse_holder(raw)

    def release(self) -> None:
        """Let the lock go (nothing happens when it is not held)."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            with contextlib.suppress(OSError):  # the next holder writes its own
                os.ftruncate(fd, 0)
            os.close(fd)  # closing the descriptor ends its flock
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:ns, :key)"),
                    {"ns": LOCK_NAMESPACE, "key": lock_key(self.city)},
                )
                connection.execute(text("RESET application_name"))
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

    def _me(self) -> tuple[str, int, datetime]:
        return socket.gethostname(), os.getpid(), datetime.now(UTC)

    def _try_advisory(self) -> bool:
        connection = self.engine.connect()
        try:
            taken = connection.execute(
                text("SELECT pg_try_advisory_lock(:ns, :key)"),
                {"ns": LOCK_NAMESPACE, "key": lock_key(self.city)},
            ).scalar()
            if taken:  # who holds it, for those who find it busy
                host, pid, since = self._me()
                connection.execute(
                    text("SELECT set_config('application_name', :name, false)"),
                    {"name": _app_name(self.kind, pid, host, since)},
                )
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
        path = lock_file(self.engine, city=self.city)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)  # never O_TRUNC: the holder's note
        try:
            taken = _try_flock(fd)
            if taken:
                host, pid, since = self._me()
                note = {
                    "city": self.city,
                    "kind": self.kind,
                    "pid": pid,
                    "host": host,
                    "since": since.isoformat(),
                }
                os.ftruncate(fd, 0)
                os.lseek(fd, 0, os.SEEK_SET)
                os.write(fd, json.dumps(note, ensure_ascii=False).encode())
        except BaseException:
            os.close(fd)
            raise
        if not taken:
            os.close(fd)
            return False
        self._fd = fd
        return True


def _parse_holder(raw: str) -> LockHolder | None:
    """The holder's note of a lock file; ``None`` when empty (nobody, or not written yet)."""
    if not raw.strip():
        return None
    try:
        note: dict[str, Any] = json.loads(raw)
        since = datetime.fromisoformat(note["since"]) if note.get("since") else None
    except (ValueError, TypeError, KeyError):
        return LockHolder(kind=None, pid=None, host=None, since=None)
    pid = note.get("pid")
    return LockHolder(
        kind=note.get("kind"),
        pid=pid if isinstance(pid, int) else None,
        host=note.get("host"),
        since=since,
    )
