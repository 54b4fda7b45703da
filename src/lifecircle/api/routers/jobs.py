"""``/cities/{city}/jobs`` and ``/jobs/{id}``: officials' assessments, plans and reports.

``POST /cities/{city}/jobs`` starts a job (202, ``Location`` of the job); it runs in a
worker process whatever the client does next. ``GET /jobs/{id}`` shows its status,
progress and steps, ``POST /jobs/{id}/cancel`` stops it, ``GET /jobs/{id}/result``
links to what it stored: ``GET /cities/{city}/runs/{run_id}`` (the assessment
document), ``GET /cities/{city}/plans/{plan_id}`` (the plan document) and
``GET /jobs/{id}/files/{name}`` (a report's file). See docs/jobs.md.

What this module expects of the app (``api/app.py``, included under ``/api/v1``):

- ``app.state.engine`` and ``app.state.settings``: the database and the settings;
- ``app.state.authenticate``: a callable taking the request and returning the caller
  as ``(user_id, role, city)`` (``role`` one of resident, merchant, official, admin;
  ``city`` the name of the city an official works for, else ``None``), or raising
  401 (``HTTPException``, or the app's authentication error) when there is no valid
  login. Only officials of the job's city and administrators may start or read jobs
  (:func:`current_official`, :func:`check_city_scope`);
- ``app.state.job_runner``: the :class:`~lifecircle.services.job_runner.JobRunner`
  the app's lifespan opens with :func:`open_jobs` and closes with :func:`close_jobs`
  (started on first use when the app does not).

Errors of the services are answered here (404, 409, 422 naming the field) until the
app's own translation point handles lifecircle's errors.
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse

from lifecircle.api.deps import EngineDep, SettingsDep
from lifecircle.api.schemas.common import problems
from lifecircle.api.schemas.jobs import (
    FileLink,
    JobCreate,
    JobLinks,
    JobPublic,
    JobResultPublic,
    JobsPublic,
    JobStatusName,
    JobStepPublic,
    StoredLink,
)
from lifecircle.errors import NotFoundError, ValidationError
from lifecircle.services import jobs as job_service
from lifecircle.services.assess import stored_assessment
from lifecircle.services.job_options import MEDIA_TYPES, OptionError
from lifecircle.services.job_runner import JobRunner
from lifecircle.services.jobs import JobInfo
from lifecircle.services.plan import stored_plan
from lifecircle.store.models import JobStatus

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi import FastAPI


router = APIRouter(tags=["jobs"])

OFFICIAL_ROLES = frozenset({"official", "admin"})
"""Roles that may start and read jobs (officials of the job's city only)."""

CityPath = Annotated[
    str, Path(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$", description="City.")
]
JobIdPath = Annotated[
    str, Path(min_length=8, max_length=32, pattern=r"^[A-Za-z0-9_-]+$", description="Job id.")
]
RowIdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
FileNamePath = Annotated[str, Path(min_length=1, max_length=255, pattern=r"^[^/\\\x00-\x1f\x7f]+$")]

_ERRORS: dict[int | str, dict[str, Any]] = problems(401, 403, 404)
"""Every route's error answers, with the app's problem body (400 and 422 included)."""
for _code, _text in (
    (401, "No valid login."),
    (403, "Not an official of this whole city, nor an administrator."),
    (404, "No such city, job, run, plan or file."),
):
    _ERRORS[_code] = {**_ERRORS[_code], "description": _text}


def _conflict(text: str) -> dict[int | str, dict[str, Any]]:
    return {409: {**problems(409)[409], "description": text}}


# --- what the app provides ------------------------------------------------------------------


class Caller(NamedTuple):
    """Who calls, as ``app.state.authenticate`` tells: id, role, an official's city and area."""

    id: int
    role: str
    city: str | None = None
    area: str | None = None


def _caller(request: Request) -> Caller:
    authenticate = getattr(request.app.state, "authenticate", None)
    if authenticate is None:
        raise RuntimeError("the app has no state.authenticate: see lifecircle.api.routers.jobs")
    found = authenticate(request)
    return Caller(*found)


def current_official(request: Request) -> int:
    """The calling official's or administrator's user id (401 without a login, 403 otherwise)."""
    caller = _caller(request)
    if str(caller.role) not in OFFICIAL_ROLES:
        raise HTTPException(403, "jobs are for the city's officials and administrators")
    request.state.job_caller = caller
    return int(caller.id)


CurrentOfficial = Annotated[int, Depends(current_official)]


def check_city_scope(request: Request, city: str) -> None:
    """The area-scoping hook: may the official of this request act on ``city``? (403 if not).

    An official of the whole city (no area) acts for it, and an administrator for any;
    an official scoped to a district or 街道 does not: these documents cover the city.
    """
    caller: Caller = request.state.job_caller
    if str(caller.role) == "official" and caller.city != city:
        raise HTTPException(403, f"an official of {caller.city!r} cannot act on city {city!r}")
    if str(caller.role) == "official" and caller.area:
        # jobs, runs and plans are whole-city documents: an area's official reads the
        # area's figures at /cities/{city}/assessment?area=, never the other areas'
        raise HTTPException(
            403,
            f"jobs, runs and plans cover the whole city; an official of area {caller.area} "
            f"sees its figures at /cities/{city}/assessment?area={caller.area}",
        )


def city_official(request: Request, city: CityPath, user_id: CurrentOfficial) -> int:
    """An official of the path's ``{city}``, or an administrator: the user id."""
    check_city_scope(request, city)
    return user_id


CityOfficial = Annotated[int, Depends(city_official)]


_RUNNER_LOCK = threading.Lock()


def open_jobs(app: FastAPI, *, max_workers: int = 2) -> JobRunner:
    """Start the app's job runner (its lifespan calls this): ends jobs left by a dead server."""
    with _RUNNER_LOCK:
        runner = getattr(app.state, "job_runner", None)
        if runner is None:
            runner = JobRunner(
                settings=app.state.settings, engine=app.state.engine, max_workers=max_workers
            )
            runner.start()
            app.state.job_runner = runner
    return runner


def close_jobs(app: FastAPI, *, wait_s: float = 10.0) -> None:
    """Stop the app's job runner: running jobs get ``wait_s`` seconds to end."""
    runner = getattr(app.state, "job_runner", None)
    if runner is not None:
        runner.close(wait_s=wait_s)
        app.state.job_runner = None


@contextlib.contextmanager
def _answers() -> Iterator[None]:
    """The services' errors as HTTP answers (404, 409, and 422 naming the body's field)."""
    try:
        yield
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc
    except job_service.JobStateError as exc:
        raise HTTPException(409, str(exc)) from exc
    except ValidationError as exc:  # as FastAPI's own, so the app's handler names the field
        field = exc.field if isinstance(exc, OptionError) else None
        loc = ("body", "parameters", field) if field else ("body",)
        error = {"loc": loc, "msg": str(exc), "type": "value_error", "input": None}
        raise RequestValidationError([error]) from exc


def _official_job(
    request: Request, engine: EngineDep, job_id: JobIdPath, _user: CurrentOfficial
) -> JobInfo:
    with _answers():
        job = job_service.get_job(engine=engine, job_id=job_id)
    check_city_scope(request, job.city)
    return job


OfficialJob = Annotated[JobInfo, Depends(_official_job)]


def _public(request: Request, job: JobInfo) -> JobPublic:
    links = JobLinks(
        job=str(request.url_for("read_job", job_id=job.id)),
        result=str(request.url_for("read_job_result", job_id=job.id))
        if job.status == JobStatus.SUCCEEDED
        else None,
        cancel=None if job.finished else str(request.url_for("cancel_job", job_id=job.id)),
    )
    return JobPublic(
        id=job.id,
        city=job.city,
        kind=job.kind,  # type: ignore[arg-type]
        status=job.status,  # type: ignore[arg-type]
        progress=job.progress,
        message=job.message,
        steps=[JobStepPublic.model_validate(s) for s in job.steps],
        parameters=job.parameters,
        error=job.error,
        cancel_requested=job.cancel_requested,
        user_id=job.user_id,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        links=links,
    )


# --- routes ------------------------------------------------------------------------------------


@router.post(
    "/cities/{city}/jobs",
    status_code=202,
    responses={**_ERRORS, 202: {"description": "Queued; `Location` is the job."}},
)
def create_job(
    request: Request,
    engine: EngineDep,
    response: Response,
    city: CityPath,
    body: Annotated[JobCreate, Body()],
    user_id: CityOfficial,
) -> JobPublic:
    """Start an assessment, a plan or a report of the city in the background (202).

    The job runs in a worker process, one job at a time per city; poll the job
    (``Location``) for its progress. A client that disconnects finds it finished later.
    """
    with _answers():
        job = job_service.start_job(
            engine=engine,
            runner=open_jobs(request.app),
            city=city,
            kind=body.kind,
            options=body.parameters,
            user_id=user_id,
        )
    response.headers["Location"] = str(request.url_for("read_job", job_id=job.id))
    return _public(request, job)


@router.get("/cities/{city}/jobs", responses=_ERRORS)
def list_jobs(
    request: Request,
    engine: EngineDep,
    city: CityPath,
    _user: CityOfficial,
    status: Annotated[JobStatusName | None, Query(description="Only jobs of this status.")] = None,
    limit: Annotated[int, Query(ge=1, le=job_service.MAX_LISTED)] = 50,
) -> JobsPublic:
    """The city's jobs, newest first."""
    with _answers():
        found = job_service.list_jobs(engine=engine, city=city, status=status, limit=limit)
    return JobsPublic(data=[_public(request, job) for job in found], count=len(found))


@router.get("/jobs/{job_id}", responses=_ERRORS)  # noqa: FAST003 - OfficialJob reads it
def read_job(request: Request, job: OfficialJob) -> JobPublic:
    """A job: status, progress (0..1), the step under way, every step, who, when."""
    return _public(request, job)


@router.post(
    "/jobs/{job_id}/cancel",  # noqa: FAST003 - OfficialJob reads {job_id}
    responses={
        **_ERRORS,
        202: {"description": "Running: it stops at its next step."},
        **_conflict("It has ended already."),
    },
)
def cancel_job(
    request: Request, engine: EngineDep, response: Response, job: OfficialJob
) -> JobPublic:
    """Cancel a job: a queued one at once (200), a running one at its next step (202)."""
    with _answers():
        cancelled = job_service.cancel_job(engine=engine, job_id=job.id)
    if cancelled.status == JobStatus.RUNNING:
        response.status_code = 202
    return _public(request, cancelled)


@router.get(
    "/jobs/{job_id}/result",  # noqa: FAST003 - OfficialJob reads {job_id}
    responses={**_ERRORS, **_conflict("It has not succeeded (yet).")},
)
def read_job_result(request: Request, engine: EngineDep, job: OfficialJob) -> JobResultPublic:
    """What a job that succeeded stored: links to its run, plan and files."""
    with _answers():
        done = job_service.finished_result(engine=engine, job_id=job.id)
    result = done.result or {}
    run_id, plan_id = result.get("run_id"), result.get("plan_id")
    return JobResultPublic(
        job_id=done.id,
        kind=done.kind,  # type: ignore[arg-type]
        city=done.city,
        run=None
        if run_id is None
        else StoredLink(
            id=run_id, url=str(request.url_for("read_run", city=done.city, run_id=run_id))
        ),
        plan=None
        if plan_id is None
        else StoredLink(
            id=plan_id, url=str(request.url_for("read_plan", city=done.city, plan_id=plan_id))
        ),
        files=[
            FileLink(
                name=f["name"],
                format=f["format"],
                media_type=MEDIA_TYPES[f["format"]],
                bytes=f["bytes"],
                url=str(request.url_for("download_job_file", job_id=done.id, name=f["name"])),
            )
            for f in result.get("files", [])
        ],
        summary=result.get("summary"),
    )


@router.get(
    "/jobs/{job_id}/files/{name}",  # noqa: FAST003 - OfficialJob reads {job_id}
    response_class=FileResponse,
    responses={
        **_ERRORS,
        **_conflict("It has not succeeded (yet)."),
        200: {"description": "The file, with its media type.", "content": {"*/*": {}}},
    },
)
def download_job_file(
    engine: EngineDep, settings: SettingsDep, job: OfficialJob, name: FileNamePath
) -> FileResponse:
    """A file a report job wrote (HTML report, XLSX, GeoJSON, GeoPackage, CSV)."""
    with _answers():
        found = job_service.job_file(engine=engine, settings=settings, job_id=job.id, name=name)
    return FileResponse(found.path, media_type=found.media_type, filename=found.name)


@router.get("/cities/{city}/runs/{run_id}", responses=_ERRORS)
def read_run(engine: EngineDep, city: CityPath, run_id: RowIdPath, _user: CityOfficial) -> Any:
    """A stored assessment run: the assessment document (docs/assessment.md)."""
    with _answers():
        return stored_assessment(engine=engine, name=city, run_id=run_id)


@router.get("/cities/{city}/plans/{plan_id}", responses=_ERRORS)
def read_plan(engine: EngineDep, city: CityPath, plan_id: RowIdPath, _user: CityOfficial) -> Any:
    """A stored plan: the plan document (docs/assessment.md, "Plan")."""
    with _answers():
        return stored_plan(engine=engine, name=city, plan_id=plan_id)
