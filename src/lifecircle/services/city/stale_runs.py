"""Import runs left ``running`` by a process that died: found and failed when the city opens.

A run commits ``running`` before its data (see :mod:`lifecircle.services.city.runs`)
and ends in the data's transaction, or in one of its own when the import fails. A
process killed midway (``kill -9``, a reboot, a full disk taking the machine down) ends
neither, and the run would stay ``running`` for ever. So every service that opens a
city (:func:`open_city`: imports, ``city info``, assessments and plans) first ends its
dead runs ``failed``, saying so.

A run records the host and process id that run it. It is taken for dead when

- it was started on this host and that process no longer exists (or is a zombie), or
- it started more than :data:`STALE_RUN_HOURS` hours ago, whatever the host: a process
  on another machine sharing a PostgreSQL database cannot be checked from here, a
  process id may have been reused, and runs from before migration 0004 name no process.

A live import on this host, or a recent one elsewhere, is left alone. An import that
truly runs longer than the limit is marked failed too, and then ends ``succeeded`` when
it finishes (its own end overwrites the status and message).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from lifecircle.store.cities import get_city
from lifecircle.store.imports import finish_import_run
from lifecircle.store.models import ImportRun, ImportStatus, utc_now

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session

    from lifecircle.store.models import City

STALE_RUN_HOURS = 24.0
"""Hours after which a run still ``running`` is taken for dead, wherever it runs."""


def this_process() -> tuple[str, int]:
    """``(host name, process id)`` recorded on the runs this process starts."""
    return socket.gethostname(), os.getpid()


def process_exists(pid: int) -> bool:
    """Whether a process of this host has the id ``pid`` (a zombie does not count).

    Only POSIX systems can be asked without harm (``os.kill(pid, 0)`` sends nothing);
    elsewhere every process is taken to exist, and only the age limit applies.
    """
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    stat = Path(f"/proc/{pid}/stat")
    try:  # Linux: a killed child its parent has not reaped yet is a zombie, state Z
        state = stat.read_text(encoding="ascii").rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def why_dead(
    *, host: str | None, pid: int | None, since: datetime, now: datetime, limit_h: float
) -> str | None:
    """Why the process that runs something is taken for dead, or ``None`` if it may live.

    The rule of the module docstring: a process of this host that is gone (or a
    zombie), or anything started more than ``limit_h`` hours before ``now``.

    Parameters
    ----------
    host, pid
        The process recorded (``None``: none recorded).
    since
        When it started, timezone-aware.
    now
        The time now, timezone-aware.
    limit_h
        Hours after which it is taken for dead wherever it runs.

    Returns
    -------
    str or None
        The reason, e.g. ``"its process 4242 on web1 is gone"``.

    """
    this_host, _ = this_process()
    if host == this_host and pid is not None and not process_exists(pid):
        return f"its process {pid} on {host} is gone"
    age_h = (now - since).total_seconds() / 3600.0
    if age_h > limit_h:
        where = f"process {pid} on {host}" if host is not None else "no process recorded"
        return f"started {age_h:,.1f} h before, more than the {limit_h:g} h limit ({where})"
    return None


def fail_stale_runs(
    session: Session, *, city_id: int, limit_h: float = STALE_RUN_HOURS
) -> list[int]:
    """End the city's dead ``running`` runs ``failed``, with why (see the module docstring).

    Parameters
    ----------
    session
        Open session; the caller's transaction commits the change.
    city_id
        City.
    limit_h
        Hours after which a run is taken for dead wherever it runs.

    Returns
    -------
    list of int
        The ids of the runs ended, oldest first.

    """
    now = utc_now()
    running = session.scalars(
        select(ImportRun)
        .where(ImportRun.city_id == city_id, ImportRun.status == ImportStatus.RUNNING)
        .order_by(ImportRun.id)
    ).all()
    ended = []
    for run in running:
        why = why_dead(host=run.host, pid=run.pid, since=run.started_at, now=now, limit_h=limit_h)
        if why is None:
            continue
        finish_import_run(
            session,
            run_id=run.id,
            status=ImportStatus.FAILED,
            n_rows=run.n_rows,
            n_imported=0,
            message=(
                f"interrupted: still running at {now:%Y-%m-%d %H:%M:%S} UTC when the city "
                f"was next opened ({why})"
            ),
        )
        ended.append(run.id)
    return ended


def open_city(session: Session, *, name: str) -> City:
    """The city ``name``, its dead import runs failed first (:func:`fail_stale_runs`).

    Raises
    ------
    NotFoundError
        If there is no such city (the message lists the cities there are).

    """
    city = get_city(session, name=name)
    fail_stale_runs(session, city_id=city.id)
    return city
