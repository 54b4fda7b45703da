"""Import runs: the record of each file brought in, kept even when the file was rejected.

An import is one transaction, so a rejected file leaves no rows behind, and its run
record would vanish with them if written in the same transaction. The pattern is
therefore (``docs/database.md``)::

    with session_scope(engine) as s:      # 1: the run exists from the start
        run_id = start_import_run(s, ...).id
    try:
        with session_scope(engine) as s:  # 2: the data, all or nothing
            ...
    except Exception as error:
        with session_scope(engine) as s:  # 3: rejected or failed, with the problems
            finish_import_run(s, run_id=run_id, status=..., rejects=..., message=...)
        raise

When the data succeed, step 3 is done inside transaction 2 instead, so the data and
the run's ``succeeded`` commit together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import select

from lifecircle.errors import NotFoundError, ValidationError
from lifecircle.store.models import HOST_LENGTH, ImportKind, ImportRun, ImportStatus, utc_now

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from sqlalchemy.orm import Session

    from lifecircle.store.rows import Reject


_E = TypeVar("_E", ImportKind, ImportStatus)


def _member(cls: type[_E], value: _E | str, what: str) -> _E:
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(member.value for member in cls)
        raise ValidationError(f"{what} {value!r} is not one of {allowed}") from None


def start_import_run(
    session: Session,
    *,
    city_id: int,
    kind: ImportKind | str,
    source_path: Path | str,
    source_sha256: str,
    file_format: str,
    options: dict[str, Any] | None = None,
    host: str | None = None,
    pid: int | None = None,
) -> ImportRun:
    """Record that an import of a file has started (status ``running``).

    Parameters
    ----------
    session
        Open session; the run is flushed so its ``id`` is set.
    city_id
        City imported into.
    kind
        ``network``, ``places``, ``communities``, ``population`` or ``mapping``.
    source_path
        The file read, as given.
    source_sha256
        Hex SHA-256 of the file's bytes, to recognise a file imported before.
    file_format
        ``csv``, ``geojson``, ``osm.pbf``...
    options
        Import options as given (``{"skip_bad": true, "crs": "gcj02"}``), JSON-able.
    host, pid
        The host name and process id of the process running the import, to tell it
        from one killed midway (:mod:`lifecircle.services.city.stale_runs`).

    Returns
    -------
    ImportRun

    """
    run = ImportRun(
        city_id=city_id,
        kind=_member(ImportKind, kind, "import kind"),
        source_path=str(source_path),
        source_sha256=source_sha256.lower(),
        format=file_format,
        options=dict(options or {}),
        status=ImportStatus.RUNNING,
        host=None if host is None else host[:HOST_LENGTH],
        pid=pid,
    )
    session.add(run)
    session.flush()
    return run


def finish_import_run(
    session: Session,
    *,
    run_id: int,
    status: ImportStatus | str,
    n_rows: int,
    n_imported: int,
    rejects: Sequence[Reject] = (),
    n_rejected: int | None = None,
    message: str | None = None,
) -> ImportRun:
    """Record how an import run ended.

    Parameters
    ----------
    session
        Open session.
    run_id
        From :func:`start_import_run`.
    status
        ``succeeded``, ``partial`` (good rows imported, bad skipped), ``rejected``
        (nothing imported because of bad rows) or ``failed``.
    n_rows
        Data rows (or features) read.
    n_imported
        Rows stored.
    rejects
        Every problem found, ``{"file", "line" or "feature", "column", "problem"}``.
    n_rejected
        Rows rejected; by default the number of distinct rows named in ``rejects``
        (a row may have several problems).
    message
        A summary or, for ``failed``, the error.

    Returns
    -------
    ImportRun

    Raises
    ------
    NotFoundError
        If there is no such run.
    ValidationError
        If ``status`` is ``running``.

    """
    final = _member(ImportStatus, status, "import status")
    if final is ImportStatus.RUNNING:
        raise ValidationError("an import run cannot finish with status 'running'")
    run = session.get(ImportRun, run_id)
    if run is None:
        raise NotFoundError(f"no import run with id {run_id}")
    if n_rejected is None:
        n_rejected = len({(r["file"], r.get("line"), r.get("feature")) for r in rejects})
    run.status = final
    run.finished_at = utc_now()
    run.n_rows = n_rows
    run.n_imported = n_imported
    run.n_rejected = n_rejected
    run.rejects = [dict(r) for r in rejects]
    run.message = message
    session.flush()
    return run


def latest_import_run(
    session: Session,
    *,
    city_id: int,
    kind: ImportKind | str,
    source_sha256: str | None = None,
    statuses: Sequence[ImportStatus | str] = (ImportStatus.SUCCEEDED, ImportStatus.PARTIAL),
) -> ImportRun | None:
    """The newest run of a kind (of one file's bytes, if ``source_sha256`` is given).

    With the defaults this answers "was this exact file imported already?".
    """
    query = select(ImportRun).where(
        ImportRun.city_id == city_id,
        ImportRun.kind == _member(ImportKind, kind, "import kind"),
        ImportRun.status.in_([_member(ImportStatus, s, "import status") for s in statuses]),
    )
    if source_sha256 is not None:
        query = query.where(ImportRun.source_sha256 == source_sha256.lower())
    return session.scalar(query.order_by(ImportRun.started_at.desc(), ImportRun.id.desc()))


def list_import_runs(
    session: Session, *, city_id: int, limit: int | None = None
) -> list[ImportRun]:
    """A city's import runs, newest first."""
    query = (
        select(ImportRun)
        .where(ImportRun.city_id == city_id)
        .order_by(ImportRun.started_at.desc(), ImportRun.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
