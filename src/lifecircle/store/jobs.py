"""Background jobs: queue one, claim it, record its progress, end it, cancel it, list them.

Every change of status is one conditional ``UPDATE`` (``... WHERE status = 'queued'``),
so two processes racing for a job (a worker claiming it, an official cancelling it)
cannot both win: the loser's update matches no row and it is told so. The process
that runs a job is the only writer of its progress.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from lifecircle.store.models import UNFINISHED_JOBS, City, Job, JobKind, JobStatus, utc_now

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.orm import Session

FINAL_JOBS = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)
"""The statuses a job ends in."""


def add_job(
    session: Session,
    *,
    job_id: str,
    city_id: int,
    kind: JobKind,
    parameters: dict[str, Any],
    user_id: int | None,
    host: str,
    pid: int,
) -> Job:
    """Queue a job (status ``queued``, progress 0).

    Parameters
    ----------
    session
        Open session; the job is flushed.
    job_id
        Its id: random and unguessable (the caller draws it).
    city_id
        The city it works on.
    kind
        ``assess``, ``plan`` or ``report``.
    parameters
        Its validated options, JSON-able.
    user_id
        Who started it (``None``: nobody, e.g. a maintenance script).
    host, pid
        The process that queued it, which is responsible for it until a worker adopts it.

    Returns
    -------
    Job

    """
    job = Job(
        id=job_id,
        city_id=city_id,
        kind=kind,
        status=JobStatus.QUEUED,
        parameters=parameters,
        progress=0.0,
        steps=[],
        cancel_requested=False,
        user_id=user_id,
        host=host,
        pid=pid,
        created_at=utc_now(),
    )
    session.add(job)
    session.flush()
    return job


def find_job(session: Session, *, job_id: str) -> tuple[Job, str] | None:
    """A job and its city's name, or ``None`` when there is no such job."""
    row = session.execute(
        select(Job, City.name).join(City, City.id == Job.city_id).where(Job.id == job_id)
    ).first()
    return None if row is None else (row[0], row[1])


def list_jobs(
    session: Session, *, city_id: int, status: JobStatus | None = None, limit: int = 50
) -> list[Job]:
    """A city's jobs, newest first, optionally of one status, at most ``limit``."""
    query = select(Job).where(Job.city_id == city_id)
    if status is not None:
        query = query.where(Job.status == status)
    return list(session.scalars(query.order_by(Job.created_at.desc(), Job.id).limit(limit)))


def unfinished_jobs(session: Session, *, city_id: int | None = None) -> list[Job]:
    """Jobs queued or running (of one city, or of all), oldest first."""
    query = select(Job).where(Job.status.in_(UNFINISHED_JOBS))
    if city_id is not None:
        query = query.where(Job.city_id == city_id)
    return list(session.scalars(query.order_by(Job.created_at, Job.id)))


def _change(session: Session, job_id: str, when: Sequence[JobStatus], **values: Any) -> bool:
    """Set ``values`` on the job if its status is one of ``when``; whether it was."""
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status.in_(when))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def adopt_job(session: Session, *, job_id: str, host: str, pid: int) -> bool:
    """A worker process takes over a queued job (it becomes the process responsible)."""
    return _change(session, job_id, [JobStatus.QUEUED], host=host, pid=pid)


def claim_job(session: Session, *, job_id: str, host: str, pid: int) -> bool:
    """Start a queued, uncancelled job: ``running``, started now by this process.

    Returns
    -------
    bool
        False when the job is no longer queued (cancelled, or claimed by another).

    """
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.QUEUED, Job.cancel_requested.is_(False))
        .values(status=JobStatus.RUNNING, started_at=utc_now(), host=host, pid=pid)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def record_progress(
    session: Session,
    *,
    job_id: str,
    progress: float,
    message: str,
    steps: list[dict[str, Any]],
) -> bool | None:
    """Write a running job's progress; whether it has been asked to stop.

    One ``UPDATE ... RETURNING``: a write first, so a SQLite transaction cannot fail
    for having read an older snapshot.

    Parameters
    ----------
    session
        Open session.
    job_id
        The job.
    progress
        Share of its steps done, 0..1.
    message
        The step under way.
    steps
        Every step so far (``{"at", "progress", "message"}``), replacing the stored list.

    Returns
    -------
    bool or None
        Whether a cancel was requested; ``None`` when the job is gone or not running
        (its city was deleted, or it was ended as dead while it ran).

    """
    found = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.RUNNING)
        .values(progress=progress, message=message, steps=steps)
        .returning(Job.cancel_requested)
        .execution_options(synchronize_session=False)
    ).first()
    return None if found is None else bool(found[0])


def finish_job(
    session: Session,
    *,
    job_id: str,
    status: JobStatus,
    message: str | None = None,
    result: dict[str, Any] | None = None,
    error: str | None = None,
    progress: float | None = None,
) -> bool:
    """End an unfinished job with a final status; False when it had ended already.

    Parameters
    ----------
    session
        Open session.
    job_id
        The job.
    status
        ``succeeded``, ``failed`` or ``cancelled``.
    message
        The last word shown with its progress.
    result
        What it stored (``run_id``, ``plan_id``, ``files``).
    error
        Why it failed.
    progress
        Its final progress (1 on success); unchanged when ``None``.

    """
    if status not in FINAL_JOBS:
        raise ValueError(f"a job ends {', '.join(FINAL_JOBS)}, not {status}")
    values: dict[str, Any] = {"status": status, "finished_at": utc_now()}
    if message is not None:
        values["message"] = message
    if result is not None:
        values["result"] = result
    if error is not None:
        values["error"] = error
    if progress is not None:
        values["progress"] = progress
    return _change(session, job_id, UNFINISHED_JOBS, **values)


def cancel_queued(session: Session, *, job_id: str) -> bool:
    """Cancel a job still queued; False when it is not (running, or ended)."""
    return _change(
        session,
        job_id,
        [JobStatus.QUEUED],
        status=JobStatus.CANCELLED,
        cancel_requested=True,
        finished_at=utc_now(),
        message="cancelled before it started",
    )


def request_cancel(session: Session, *, job_id: str) -> bool:
    """Ask a running job to stop at its next step; False when it is not running."""
    return _change(session, job_id, [JobStatus.RUNNING], cancel_requested=True)
