"""Background jobs, the use cases the API offers officials: start, read, list, cancel, download.

A job is an assessment, a plan or a report of one city, run by a worker process
(:mod:`lifecircle.services.job_runner`) with the options of the CLI's command
(:mod:`lifecircle.services.job_options`). Its row holds everything a client asks
about it, so any server process answers for any job: its status (queued, running,
succeeded, failed, cancelled), its progress (0..1 and the step under way), its steps,
who started it, and its result (the stored run or plan, the report's files). Reading a
job first ends it ``failed`` if its process is dead (the server restarted, the worker
was killed). See docs/jobs.md.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from lifecircle.errors import LifecircleError, NotFoundError
from lifecircle.io.places.taxonomy import load_taxonomy
from lifecircle.services.city.cities import city_folder
from lifecircle.services.city.stale_runs import this_process
from lifecircle.services.job_options import (
    MEDIA_TYPES,
    AssessOptions,
    JobOptions,
    OptionError,
    PlanOptions,
    ReportOptions,
    job_options,
)
from lifecircle.services.job_runner import REPORTS_FOLDER, fail_dead_jobs
from lifecircle.services.plan import expand_codes
from lifecircle.store import jobs as job_store
from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope
from lifecircle.store.models import UNFINISHED_JOBS, AssessmentRun, JobKind, JobStatus, PlanRun

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from lifecircle.config import Settings
    from lifecircle.services.job_runner import JobRunner
    from lifecircle.store.models import City, Job

MAX_LISTED = 200
"""Most jobs one listing returns."""


class JobStateError(LifecircleError):
    """The job is not in a state that allows this (cancel a finished job, a result too soon)."""


@dataclass(frozen=True)
class JobInfo:
    """A job as clients see it (times timezone-aware UTC; clients show Asia/Shanghai)."""

    id: str
    city: str
    kind: str
    status: str
    progress: float
    message: str | None
    steps: list[dict[str, Any]]
    parameters: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    user_id: int | None
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        """Whether it has ended (succeeded, failed or cancelled)."""
        return self.status not in UNFINISHED_JOBS


def _info(job: Job, city: str) -> JobInfo:
    return JobInfo(
        id=job.id,
        city=city,
        kind=str(job.kind),
        status=str(job.status),
        progress=float(job.progress),
        message=job.message,
        steps=list(job.steps or []),
        parameters=dict(job.parameters or {}),
        result=None if job.result is None else dict(job.result),
        error=job.error,
        user_id=job.user_id,
        cancel_requested=bool(job.cancel_requested),
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


@dataclass(frozen=True)
class JobFile:
    """A file a report job wrote, to download."""

    name: str
    format: str
    media_type: str
    path: Path
    bytes: int


def new_job_id() -> str:
    """A job id: 16 random bytes as 22 URL-safe characters (unguessable)."""
    return secrets.token_urlsafe(16)


def _check_fit(session: Session, *, city: City, options: JobOptions) -> None:
    """Refuse options the city cannot meet: categories it lacks, runs or plans it lacks."""
    if isinstance(options, PlanOptions):
        taxonomy = load_taxonomy(city.taxonomy)
        codes = expand_codes(taxonomy, tuple(options.categories))
        unknown = [c for c in codes if c not in taxonomy.codes]
        if unknown:
            raise OptionError(
                "categories",
                f"{', '.join(repr(c) for c in unknown)} not in taxonomy {taxonomy.name!r} "
                f"of city {city.name!r}, which has {', '.join(taxonomy.codes)} "
                "(and the groups basic, quality)",
            )
    if isinstance(options, AssessOptions) and options.hours_of_need:
        basic = [c.code for c in load_taxonomy(city.taxonomy).in_group("basic")]
        other = [c for c in options.hours_of_need if c not in basic]
        if other:
            raise OptionError(
                "hours_of_need",
                f"{', '.join(repr(c) for c in other)} not a basic category of city "
                f"{city.name!r} (by_hour assesses the basic ones: {', '.join(basic)})",
            )
    if isinstance(options, ReportOptions):
        checks = (
            ("run_id", "assessment run", AssessmentRun.id, AssessmentRun.city_id, options.run_id),
            ("plan_id", "plan", PlanRun.id, PlanRun.city_id, options.plan_id),
        )
        for field, what, key, owner, wanted in checks:
            if (
                wanted is not None
                and session.scalar(select(key).where(key == wanted, owner == city.id)) is None
            ):
                raise OptionError(field, f"city {city.name!r} has no {what} {wanted}")


def start_job(
    *,
    engine: Engine,
    runner: JobRunner,
    city: str,
    kind: JobKind | str,
    options: JobOptions | dict[str, Any],
    user_id: int | None,
) -> JobInfo:
    """Queue a job and hand it to the runner; it runs in a worker process.

    Parameters
    ----------
    engine
        The database.
    runner
        The server's :class:`~lifecircle.services.job_runner.JobRunner`.
    city
        The city's name.
    kind
        ``assess``, ``plan`` or ``report``.
    options
        The job's options (:mod:`lifecircle.services.job_options`), a model or JSON.
    user_id
        Who starts it.

    Returns
    -------
    JobInfo
        The job, ``queued``.

    Raises
    ------
    NotFoundError
        If there is no such city.
    ValidationError
        For invalid options (:class:`~lifecircle.services.job_options.OptionError`,
        naming the option, when they do not fit the city).

    """
    checked = job_options(kind, options)
    host, pid = this_process()
    with session_scope(engine, write=True) as session:
        row = get_city(session, name=city)
        _check_fit(session, city=row, options=checked)
        job = job_store.add_job(
            session,
            job_id=new_job_id(),
            city_id=row.id,
            kind=JobKind(kind),
            parameters=checked.model_dump(mode="json"),
            user_id=user_id,
            host=host,
            pid=pid,
        )
        info = _info(job, row.name)
        city_id = row.id
    try:
        runner.submit(info.id, city_id=city_id)
    except RuntimeError as exc:
        with session_scope(engine) as session:
            job_store.finish_job(
                session, job_id=info.id, status=JobStatus.FAILED, error=f"not started: {exc}"
            )
        raise JobStateError(f"job {info.id} could not start: {exc}") from exc
    return info


def _alive(engine: Engine, found: list[tuple[Job, str]]) -> bool:
    """End the dead among unfinished jobs; whether any was ended (and must be re-read)."""
    unfinished = [job for job, _ in found if job.status in UNFINISHED_JOBS]
    return not unfinished or not fail_dead_jobs(engine, jobs=unfinished)


def get_job(*, engine: Engine, job_id: str) -> JobInfo:
    """A job, ended ``failed`` first if its process is dead.

    Raises
    ------
    NotFoundError
        If there is no such job.

    """
    found = _find(engine, job_id)
    if not _alive(engine, [found]):
        found = _find(engine, job_id)
    return _info(*found)


def _find(engine: Engine, job_id: str) -> tuple[Job, str]:
    with session_scope(engine) as session:
        found = job_store.find_job(session, job_id=job_id)
    if found is None:
        raise NotFoundError(f"no job {job_id!r}")
    return found


def list_jobs(
    *, engine: Engine, city: str, status: JobStatus | str | None = None, limit: int = 50
) -> list[JobInfo]:
    """A city's jobs, newest first (at most ``limit``, up to :data:`MAX_LISTED`).

    Raises
    ------
    NotFoundError
        If there is no such city.

    """
    wanted = None if status is None else JobStatus(status)

    def read() -> tuple[list[Job], str]:
        with session_scope(engine) as session:
            row = get_city(session, name=city)
            listed = job_store.list_jobs(
                session, city_id=row.id, status=wanted, limit=min(max(limit, 1), MAX_LISTED)
            )
        return listed, row.name

    jobs, name = read()
    if not _alive(engine, [(job, name) for job in jobs]):
        jobs, name = read()
    return [_info(job, name) for job in jobs]


def cancel_job(*, engine: Engine, job_id: str) -> JobInfo:
    """Cancel a queued job at once, or ask a running one to stop at its next step.

    Returns
    -------
    JobInfo
        The job: ``cancelled``, or ``running`` with ``cancel_requested``.

    Raises
    ------
    NotFoundError
        If there is no such job.
    JobStateError
        If it has ended already (saying how).

    """
    get_job(engine=engine, job_id=job_id)  # a dead job is failed, not cancelled
    with session_scope(engine, write=True) as session:
        done = job_store.cancel_queued(session, job_id=job_id) or job_store.request_cancel(
            session, job_id=job_id
        )
    job = get_job(engine=engine, job_id=job_id)
    if not done and job.finished:
        raise JobStateError(f"job {job_id} has {job.status} already: nothing to cancel")
    return job


def finished_result(*, engine: Engine, job_id: str) -> JobInfo:
    """A job that has succeeded, with its ``result``.

    Raises
    ------
    NotFoundError
        If there is no such job.
    JobStateError
        If it has not succeeded (yet, or at all), saying where it stands.

    """
    job = get_job(engine=engine, job_id=job_id)
    if job.status != JobStatus.SUCCEEDED or job.result is None:
        why = f": {job.error}" if job.error else ""
        raise JobStateError(f"job {job_id} is {job.status}{why}; it has no result")
    return job


def job_file(*, engine: Engine, settings: Settings, job_id: str, name: str) -> JobFile:
    """A file a report job wrote, by name (only names the job recorded are served).

    Raises
    ------
    NotFoundError
        If there is no such job, file, or the file has been deleted since.
    JobStateError
        If the job has not succeeded.

    """
    job = finished_result(engine=engine, job_id=job_id)
    entry = next((f for f in (job.result or {}).get("files", []) if f.get("name") == name), None)
    if entry is None:
        raise NotFoundError(f"job {job_id} wrote no file {name!r}")
    folder = (city_folder(settings, job.city) / REPORTS_FOLDER / job.id).resolve()
    path = Path(entry["path"]).resolve()
    if path.parent != folder or not path.is_file():
        raise NotFoundError(f"the file {name!r} of job {job_id} is no longer there")
    return JobFile(
        name=name,
        format=entry["format"],
        media_type=MEDIA_TYPES[entry["format"]],
        path=path,
        bytes=path.stat().st_size,
    )
