"""One job changes a city at a time: the city's lock, taken at once or refused, and the sweep.

Every job that changes a city (``city import``, ``assess`` and ``plan`` that store,
``batch`` for each of its cities, and the API's assessment and plan jobs) holds the
city's :class:`~lifecircle.store.locks.CityLock` while it runs. The CLI and batch take
it with :func:`city_job`, which never waits: a second job fails at once with
:class:`~lifecircle.errors.BusyError` naming the city and what holds it. (The API's
workers wait for it instead, their jobs staying ``queued``: a job is a request to run
when the city is free.) Readers (reports, exports, ``city info``, the web API's reads)
never take it: every change is a database transaction, so they see the city before or
after it.

Holding the lock also proves that no live job writes the city's folder, so the
temporary files there are leftovers of a job that was killed before it could remove
them (``kill -9``, a reboot): :func:`sweep_temporary` deletes them, and :func:`city_job`
calls it once the lock is taken.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from lifecircle.errors import BusyError
from lifecircle.services.city.cities import city_folder
from lifecircle.store.locks import CityLock, LockHolder

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from sqlalchemy.engine import Engine

    from lifecircle.config import Settings

SHOWN_ZONE = ZoneInfo("Asia/Shanghai")
"""The zone the time a holder took a city's lock is shown in."""

SWEPT_FOLDERS = ("", "rejects")
"""Folders of a city's folder (``""``: itself) whose temporary files :func:`sweep_temporary`
removes. ``reports/`` is not among them: report jobs are readers and do not hold the lock."""

TEMPORARY = re.compile(r"\..+\.tmp(\.\w+)?")
"""The names this package's writers give the files they write first and rename when done:
``.network.lcnet.<run>.<random>.tmp``, ``.places.csv.<random>.tmp``,
``.x.<pid>.<random>.tmp.gpkg``."""


def describe_holder(city: str, holder: LockHolder | None) -> str:
    """The one line a job that finds ``city`` busy fails with.

    >>> from datetime import UTC, datetime
    >>> since = datetime(2025, 3, 3, 1, 30, tzinfo=UTC)
    >>> line = describe_holder("深圳", LockHolder(kind="import", pid=42, host="w1", since=since))
    >>> print(line)  # doctest: +NORMALIZE_WHITESPACE
    city '深圳' is busy: import (process 42 on w1) has held it since 2025-03-03 09:30:00+08:00;
    try again when it ends

    """
    if holder is None:
        what = "another job (which may just have ended)"
    else:
        who = [f"process {holder.pid}" if holder.pid is not None else "a process"]
        if holder.host:
            who.append(f"on {holder.host}")
        what = f"{holder.kind or 'another job'} ({' '.join(who)})"
        if holder.since is not None:
            shown = holder.since.astimezone(SHOWN_ZONE).isoformat(sep=" ", timespec="seconds")
            what += f" has held it since {shown}"
    return f"city {city!r} is busy: {what}; try again when it ends"


def sweep_temporary(folder: Path) -> list[Path]:
    """Delete the temporary files (:data:`TEMPORARY`) in a city's folder; the paths deleted.

    Call it only while holding the city's lock: then no live job writes there, and every
    such file was left by a killed one. Files and folders that cannot be read or deleted
    are left alone: a sweep never fails the job that runs it.
    """
    removed = []
    for sub in SWEPT_FOLDERS:
        place = folder / sub if sub else folder
        try:
            paths = sorted(place.iterdir())
        except OSError:  # no such folder (a new city), or not readable: the job goes on
            continue
        for path in paths:
            if TEMPORARY.fullmatch(path.name) and path.is_file() and not path.is_symlink():
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed.append(path)
    return removed


@dataclass
class HeldCity:
    """A job holding a city's lock: the city, and the leftover files it swept."""

    city: str
    kind: str
    swept: list[Path] = field(default_factory=list)


@contextlib.contextmanager
def city_job(*, engine: Engine, settings: Settings, name: str, kind: str) -> Iterator[HeldCity]:
    """Hold the city's lock for the block, or fail at once if another job holds it.

    Parameters
    ----------
    engine
        The database (the lock is its advisory lock on PostgreSQL, a lock file beside a
        SQLite file).
    settings
        For the city's folder, whose leftover temporary files are swept.
    name
        The city (it need not exist yet: ``batch`` creates it under the lock).
    kind
        What runs (``import``, ``assess``, ``plan``, ``batch assess``), told to a job
        that finds the city busy.

    Raises
    ------
    BusyError
        If another job holds the city (the message names it, its process and host, and
        since when).

    """
    lock = CityLock(engine, city=name, kind=kind)
    if not lock.try_acquire():
        raise BusyError(describe_holder(name, lock.holder()), field="city")
    try:
        yield HeldCity(city=name, kind=kind, swept=sweep_temporary(city_folder(settings, name)))
    finally:
        lock.release()
