"""Running background jobs: a worker process per job, one job at a time per city.

:class:`JobRunner` lives in the server process. It starts each submitted job in a
worker process of its own (``multiprocessing``, forked from a *forkserver* that has the
services imported: :func:`worker_context`), which opens its own database engine, so
CPU-bound work runs beside the server and the memory of a big city is returned when the
job ends; at most ``max_workers`` run at once.
Nothing ties a job to the HTTP request that started it: a client that disconnects
finds it finished later, and any server process can answer for it, since everything
about it (status, progress, steps, result) is in the database.

A worker (:func:`execute_job`) adopts its job, waits for the city's lock
(:class:`~lifecircle.store.locks.CityLock`: an advisory lock on PostgreSQL, a lock file
beside a SQLite database) while the job stays ``queued``, claims it (``running``),
runs the use case the CLI runs (:func:`run_claimed_job`) and ends it. Two jobs of one
city, started by one server or by two, or a job and a CLI command that changes the city
(``city import``, ``assess``), therefore run one after the other, each on the data the
other left complete. Report jobs only read, and take no lock. The services' progress
callbacks write the job's progress, and a cancel asked for meanwhile stops it at its
next step.

A job whose process died (killed, or the server restarted) is ended ``failed`` with
why: by the runner as soon as it sees its worker exit, and otherwise by
:func:`fail_dead_jobs` when the server next starts or the job is next read, by the rule
of :mod:`lifecircle.services.city.stale_runs` (a process of this host that is gone, or
anything older than 24 hours).
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from lifecircle.errors import LifecircleError
from lifecircle.services.assess import run_assessment, stored_assessment
from lifecircle.services.city.cities import city_folder, city_taxonomy
from lifecircle.services.city.locking import sweep_temporary
from lifecircle.services.city.stale_runs import STALE_RUN_HOURS, this_process, why_dead
from lifecircle.services.hours import run_timed_assessment
from lifecircle.services.job_options import (
    AssessOptions,
    PlanOptions,
    ReportOptions,
    job_options,
)
from lifecircle.services.plan import expand_codes, run_plan
from lifecircle.services.report import default_report_path, write_report
from lifecircle.store import jobs as job_store
from lifecircle.store.db import make_engine, session_scope, writing
from lifecircle.store.locks import CityLock
from lifecircle.store.models import UNFINISHED_JOBS, Job, JobKind, JobStatus, utc_now

if TYPE_CHECKING:
    from multiprocessing.context import ForkServerContext, SpawnContext
    from multiprocessing.process import BaseProcess

    from sqlalchemy.engine import Engine

    from lifecircle.config import Settings

log = logging.getLogger(__name__)

POLL_S = 0.2
"""How often a waiting worker tries the city's lock and looks for a cancel, seconds."""

REPORTS_FOLDER = "reports"
"""Report jobs write under ``<city folder>/reports/<job id>/``."""

ASSESS_STEPS = 6
"""Steps :func:`~lifecircle.services.assess.run_assessment` reports (loading ... saving)."""

PLAN_STEPS = 6
"""Steps :func:`~lifecircle.services.plan.run_plan` reports besides two per category."""

JOINT_STEPS = 2
"""Steps a joint plan reports besides those of the per-category plans it compares with."""

REPORT_STEPS = 2
"""Steps :func:`~lifecircle.services.report.write_report` reports per file."""


class JobCancelledError(LifecircleError):
    """A running job was asked to stop; raised from its progress callback."""


class JobGoneError(LifecircleError):
    """A running job's row is gone (its city deleted) or was ended by another process."""


# --- dead processes ------------------------------------------------------------------------


def fail_dead_jobs(
    engine: Engine, *, jobs: list[Job] | None = None, limit_h: float = STALE_RUN_HOURS
) -> list[str]:
    """End ``failed`` the unfinished jobs whose process is dead, saying why.

    Parameters
    ----------
    engine
        The database.
    jobs
        The jobs to look at; ``None``: every unfinished job of every city (at start).
    limit_h
        Hours after which a job is taken for dead wherever it runs.

    Returns
    -------
    list of str
        The ids of the jobs ended.

    """
    if jobs is None:
        with session_scope(engine) as session:
            jobs = job_store.unfinished_jobs(session)
    now = utc_now()
    dead: list[tuple[str, str]] = []
    for job in jobs:
        if job.status not in UNFINISHED_JOBS:
            continue
        since = job.started_at or job.created_at
        why = why_dead(host=job.host, pid=job.pid, since=since, now=now, limit_h=limit_h)
        if why is not None:
            dead.append((job.id, why))
    ended = []
    for job_id, why in dead:
        with session_scope(engine, write=True) as session:
            if job_store.finish_job(
                session,
                job_id=job_id,
                status=JobStatus.FAILED,
                message="interrupted",
                error=f"interrupted: still unfinished at {now:%Y-%m-%d %H:%M:%S} UTC ({why})",
            ):
                ended.append(job_id)
    return ended


# --- the worker ------------------------------------------------------------------------------


class ProgressRecorder:
    """A services' ``progress(step)`` callback that writes a running job's progress.

    Each call names the step starting; the progress is the share of the ``total``
    steps done before it (at most 1, never falling). Each call also reads whether a
    cancel was asked for, and raises :class:`JobCancelledError` if so.
    """

    def __init__(self, engine: Engine, *, job_id: str, total: int) -> None:
        self.engine = engine
        self.job_id = job_id
        self.total = max(int(total), 1)
        self.started = 0
        self.steps: list[dict[str, Any]] = []

    @property
    def progress(self) -> float:
        """Share of the steps done, 0..1."""
        done = max(self.started - 1, 0)
        return done / max(self.total, self.started)

    def __call__(self, message: str) -> None:
        """Record that the step ``message`` starts; stop if asked to."""
        self.started += 1
        progress = round(self.progress, 4)
        self.steps.append(
            {"at": utc_now().isoformat(), "progress": progress, "message": str(message)}
        )
        with session_scope(self.engine) as session:
            cancel = job_store.record_progress(
                session, job_id=self.job_id, progress=progress, message=message, steps=self.steps
            )
        if cancel is None:
            raise JobGoneError(f"job {self.job_id} is no longer running")
        if cancel:
            raise JobCancelledError(f"cancelled at step {message!r}")


def _assess(
    engine: Engine, settings: Settings, job: Job, city: str, options: Any
) -> tuple[int, Any]:
    del settings, job
    assert isinstance(options, AssessOptions)

    def work(step: ProgressRecorder) -> dict[str, Any]:
        timed = options.time_options()
        document = (
            run_timed_assessment(
                engine=engine, name=city, params=options.params(), options=timed, progress=step
            )
            if timed.active
            else run_assessment(engine=engine, name=city, params=options.params(), progress=step)
        )
        figures = document["city"]
        return {
            "run_id": document["run"]["id"],
            "summary": {
                "communities": figures["communities"],
                "basic_complete": figures["basic_complete"],
                "f15": figures["f15"],
            },
        }

    return ASSESS_STEPS + options.by_hour, work  # by hour: one step more


def _plan(engine: Engine, settings: Settings, job: Job, city: str, options: Any) -> tuple[int, Any]:
    del settings, job
    assert isinstance(options, PlanOptions)
    params = options.params()
    n = len(expand_codes(city_taxonomy(engine=engine, name=city), params.categories))

    def work(step: ProgressRecorder) -> dict[str, Any]:
        document = run_plan(engine=engine, name=city, params=params, progress=step)
        return {"plan_id": document["plan"]["id"], "summary": plan_summary(document)}

    return PLAN_STEPS + 2 * n + (JOINT_STEPS if params.joint else 0), work


def plan_summary(document: dict[str, Any]) -> dict[str, Any]:
    """A plan job's headline figures: its sites; a joint plan's units and their comparison.

    A joint plan (一点多用) adds ``units`` (each unit's rank, id, position, the categories
    it hosts and the communities whose gaps it closes, per category) and ``joint`` (the
    method, bound and gap, and the per-category plans' site count for comparison).
    """
    summary: dict[str, Any] = {"sites": len(document["sites"]), "optimal": document["optimal"]}
    joint = document.get("joint")
    if joint is None:
        return summary
    return summary | {
        "units": [
            {k: unit[k] for k in ("rank", "id", "lon", "lat", "hosts", "closes")}
            for unit in document.get("units", [])
        ],
        "joint": {
            k: joint.get(k)
            for k in (
                "units",
                "per_category_sites",
                "saved_units",
                "solver",
                "bound",
                "gap",
                "optimal",
                "combinations",
            )
        },
    }


def _report(
    engine: Engine, settings: Settings, job: Job, city: str, options: Any
) -> tuple[int, Any]:
    assert isinstance(options, ReportOptions)

    def work(step: ProgressRecorder) -> dict[str, Any]:
        run_id = options.run_id
        if run_id is None:  # the latest now, the same for every file
            run_id = int(stored_assessment(engine=engine, name=city)["run"]["id"])
        folder = city_folder(settings, city) / REPORTS_FOLDER / job.id
        stem = default_report_path(city, run_id, options.lang).name.removesuffix(".html")
        files, plan_id = [], None
        for file_format in options.formats:
            path = folder / f"{stem}.{file_format}"
            done = write_report(
                engine=engine,
                name=city,
                path=path,
                run_id=run_id,
                plan_id=options.plan_id,
                with_plan=options.with_plan,
                lang=options.lang,
                assets_dir=settings.assets_dir,
                progress=step,
            )
            plan_id = done.plan_id
            files.append(
                {"name": path.name, "format": done.format, "path": str(path), "bytes": done.bytes}
            )
        return {"run_id": run_id, "plan_id": plan_id, "files": files}

    return REPORT_STEPS * len(options.formats), work


WORK = {JobKind.ASSESS: _assess, JobKind.PLAN: _plan, JobKind.REPORT: _report}
"""What each kind of job runs: ``(engine, settings, job, city, options) -> (steps, work)``."""

CHANGING_JOBS = frozenset({JobKind.ASSESS, JobKind.PLAN})
"""The kinds of job that store into their city, and so hold its lock while they run; a
report only reads what is stored, and never waits for the city."""


def _describe(exc: BaseException) -> str:
    if isinstance(exc, LifecircleError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}".splitlines()[0] + " (see the server log)"


def _end(engine: Engine, job_id: str, status: JobStatus, **values: Any) -> None:
    with session_scope(engine) as session:
        job_store.finish_job(session, job_id=job_id, status=status, **values)


def run_claimed_job(*, engine: Engine, settings: Settings, job_id: str) -> JobStatus:
    """Run a job this process has claimed (``running``, the city's lock held) and end it.

    Parameters
    ----------
    engine
        The database (on SQLite, best :func:`~lifecircle.store.db.writing`).
    settings
        For the city's folder (reports) and the report's assets.
    job_id
        The job.

    Returns
    -------
    JobStatus
        How it ended: ``succeeded``, ``failed`` (the error in the job's ``error``) or
        ``cancelled``.

    """
    with session_scope(engine) as session:
        found = job_store.find_job(session, job_id=job_id)
    if found is None:
        return JobStatus.CANCELLED  # its city was deleted meanwhile
    job, city = found
    try:
        options = job_options(job.kind, job.parameters)
        total, work = WORK[job.kind](engine, settings, job, city, options)
        result = work(ProgressRecorder(engine, job_id=job_id, total=total))
    except JobCancelledError as exc:
        _end(engine, job_id, JobStatus.CANCELLED, message=str(exc))
        return JobStatus.CANCELLED
    except JobGoneError:
        return JobStatus.FAILED
    except Exception as exc:
        if not isinstance(exc, LifecircleError):
            log.exception("job %s (%s of %s) failed", job_id, job.kind, city)
        _end(engine, job_id, JobStatus.FAILED, message="failed", error=_describe(exc))
        return JobStatus.FAILED
    _end(engine, job_id, JobStatus.SUCCEEDED, message="done", result=result, progress=1.0)
    return JobStatus.SUCCEEDED


def _status(engine: Engine, job_id: str) -> JobStatus | None:
    with session_scope(engine) as session:
        found = job_store.find_job(session, job_id=job_id)
    return None if found is None else found[0].status


def execute_job(settings: Settings, job_id: str, *, poll_s: float = POLL_S) -> JobStatus | None:
    """Run one queued job to its end in this process: what a worker process does.

    Adopts the job (this process becomes responsible for it), waits for its city's
    lock while it stays queued (giving up if it is cancelled meanwhile), claims it and
    runs it (:func:`run_claimed_job`). Every transaction takes SQLite's write lock when
    it begins (:func:`~lifecircle.store.db.writing`), since other jobs and the server
    write beside it.

    Parameters
    ----------
    settings
        The server's settings (database, data folder, assets).
    job_id
        The job.
    poll_s
        Seconds between tries of the city's lock.

    Returns
    -------
    JobStatus or None
        The job's status when this process lets it go; ``None`` if there is no such job.

    """
    engine = writing(make_engine(settings))
    try:
        host, pid = this_process()
        with session_scope(engine) as session:
            found = job_store.find_job(session, job_id=job_id)
            if found is None:
                return None
            job, city = found
            adopted = job_store.adopt_job(session, job_id=job_id, host=host, pid=pid)
        if not adopted:  # cancelled or taken meanwhile: its status now, not as first read
            return _status(engine, job_id)
        lock = None
        if job.kind in CHANGING_JOBS:
            lock = CityLock(engine, city=city, kind=f"{job.kind} job {job.id[:8]}")
            while not lock.try_acquire():
                status = _status(engine, job_id)
                if status is not JobStatus.QUEUED:
                    return status
                time.sleep(poll_s)
            sweep_temporary(city_folder(settings, city))  # what killed jobs left
        try:
            with session_scope(engine) as session:
                claimed = job_store.claim_job(session, job_id=job_id, host=host, pid=pid)
            if not claimed:
                return _status(engine, job_id)
            return run_claimed_job(engine=engine, settings=settings, job_id=job_id)
        finally:
            if lock is not None:
                lock.release()
    finally:
        engine.dispose()


def _worker_main(settings: Settings, job_id: str) -> None:
    """Entry point of a worker process."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    execute_job(settings, job_id)


# --- the runner in the server ------------------------------------------------------------------


def _exit_reason(pid: int | None, code: int | None) -> str:
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"its worker process {pid} was killed by {name}"
    return f"its worker process {pid} exited with status {code} before the job ended"


def worker_context() -> ForkServerContext | SpawnContext:
    """How workers start: forked from a *forkserver* that has imported the services once.

    The forkserver is a fresh single-threaded process (not the server, whose threads a
    plain fork would copy unsafely) that imports this module once, so a worker starts
    in milliseconds instead of importing numpy, scipy and numba anew. Where there is no
    forkserver (Windows), workers are spawned fresh.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():  # pragma: no cover
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


class JobRunner:
    """Starts queued jobs in worker processes and notices the ones that die.

    Parameters
    ----------
    settings
        The server's settings, handed to every worker.
    engine
        The server's engine, to end jobs whose worker died.
    max_workers
        Jobs running at once (each may use every core in its network searches); jobs
        of a city another worker of this runner works on wait their turn here.
    poll_s
        How often the runner looks at its workers, seconds.

    Notes
    -----
    The server calls :meth:`start` when it starts (ending the jobs a previous server
    left unfinished) and :meth:`close` when it stops.

    """

    def __init__(
        self, *, settings: Settings, engine: Engine, max_workers: int = 2, poll_s: float = POLL_S
    ) -> None:
        if max_workers < 1:
            raise ValueError(f"max_workers {max_workers} must be at least 1")
        self.settings = settings
        self.engine = engine
        self.max_workers = max_workers
        self.poll_s = poll_s
        self._context = worker_context()
        self._pending: deque[tuple[str, int]] = deque()
        self._active: dict[str, tuple[BaseProcess, int]] = {}
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closing = False

    def start(self) -> list[str]:
        """End the jobs whose process is dead, then start dispatching; the ids ended."""
        if self._thread is not None:
            raise RuntimeError("the job runner is started already")
        ended = fail_dead_jobs(self.engine)
        self._thread = threading.Thread(target=self._loop, name="lifecircle-jobs", daemon=True)
        self._thread.start()
        return ended

    def submit(self, job_id: str, *, city_id: int) -> None:
        """Queue a job (already stored ``queued``) for a worker."""
        with self._wake:
            if self._closing or self._thread is None:
                raise RuntimeError("the job runner is not running")
            self._pending.append((job_id, city_id))
            self._wake.notify()

    def workers(self) -> dict[str, int | None]:
        """The jobs running in workers now, with each worker's process id."""
        with self._wake:
            return {job_id: process.pid for job_id, (process, _) in self._active.items()}

    def close(self, *, wait_s: float = 10.0) -> None:
        """Stop: fail the jobs not started, wait ``wait_s`` for the others, then stop them."""
        with self._wake:
            if self._closing:
                return
            self._closing = True
            pending = list(self._pending)
            self._pending.clear()
            self._wake.notify()
        if self._thread is not None:
            self._thread.join()
        for job_id, _ in pending:
            self._fail(job_id, "the server stopped before the job started", pids=None)
        deadline = time.monotonic() + wait_s
        for job_id, (process, _) in list(self._active.items()):
            process.join(max(deadline - time.monotonic(), 0.0))
            if process.is_alive():
                process.terminate()
                process.join(5.0)
                self._fail(job_id, "the server stopped before the job ended", pids={process.pid})
            else:
                self._ended(job_id, process)
        self._active.clear()

    def _loop(self) -> None:
        while True:
            with self._wake:
                if self._closing:
                    return
                self._reap()
                self._launch()
                self._wake.wait(self.poll_s)

    def _reap(self) -> None:
        for job_id, (process, _) in list(self._active.items()):
            if not process.is_alive():
                process.join()
                del self._active[job_id]
                self._ended(job_id, process)

    def _launch(self) -> None:
        busy = {city for _, city in self._active.values()}
        waiting: deque[tuple[str, int]] = deque()
        while self._pending and len(self._active) < self.max_workers:
            job_id, city_id = self._pending.popleft()
            if city_id in busy:
                waiting.append((job_id, city_id))
                continue
            process = self._context.Process(
                target=_worker_main,
                args=(self.settings, job_id),
                name=f"lifecircle-job-{job_id}",
                daemon=True,
            )
            try:
                process.start()
            except Exception as exc:  # noqa: BLE001 - the job fails, the server goes on
                self._fail(job_id, f"its worker could not start: {_describe(exc)}", pids=None)
                continue
            self._active[job_id] = (process, city_id)
            busy.add(city_id)
        self._pending.extendleft(reversed(waiting))

    def _ended(self, job_id: str, process: BaseProcess) -> None:
        """A worker exited: fail its job if it left it unfinished."""
        self._fail(job_id, _exit_reason(process.pid, process.exitcode), pids={process.pid})

    def _fail(self, job_id: str, why: str, *, pids: set[int | None] | None) -> None:
        """Fail a job still unfinished whose responsible process is one of ``pids``.

        ``pids`` ``None``: the job was never handed to a worker (this process queued it).
        """
        _, server_pid = this_process()
        allowed = {server_pid} | (pids or set())
        try:
            with session_scope(self.engine, write=True) as session:
                found = job_store.find_job(session, job_id=job_id)
                if found is None or found[0].status not in UNFINISHED_JOBS:
                    return
                if found[0].pid not in allowed:
                    return
                job_store.finish_job(
                    session,
                    job_id=job_id,
                    status=JobStatus.FAILED,
                    message="interrupted",
                    error=f"interrupted: {why}",
                )
        except Exception:  # the database may be gone at shutdown: a reader fails it later
            log.exception("could not end job %s (%s)", job_id, why)
