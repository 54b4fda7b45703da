"""The smallest app the jobs router needs, its fixtures, and helpers of the jobs API tests.

``make_app``: ``FastAPI()``, the router under ``/api/v1``, ``state.engine``,
``state.settings`` and an ``authenticate`` that reads ``X-Test-User: ID:ROLE:CITY``
(no header: 401), the job runner started. The fixtures put the SYNTHETIC Futian city
(tests/services/futian.py) in the test's database.
"""

from __future__ import annotations

import json
import os
import socket
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from fastapi import FastAPI, HTTPException, Request
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lifecircle.api.routers.jobs import close_jobs, open_jobs, router
from lifecircle.cli.main import main as cli
from lifecircle.config import Settings
from lifecircle.services.city.stale_runs import this_process
from lifecircle.services.job_options import job_options
from lifecircle.services.jobs import new_job_id
from lifecircle.store import jobs as job_store
from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope
from tests.services.futian import make_futian_city

if TYPE_CHECKING:
    from collections.abc import Iterator

    import httpx2
    from sqlalchemy.engine import Engine

    from lifecircle.store.models import AssessmentRun, JobKind, PlanRun

SRC = Path(__file__).resolve().parents[2] / "src"
API = "/api/v1"
WAIT_S = 120.0
"""Longest a test waits for a job (a worker process starts in about two seconds)."""


def authenticate(request: Request) -> tuple[int, str, str | None]:
    """``X-Test-User: 7:official:futian-synthetic`` → ``(7, "official", "futian-synthetic")``."""
    header = request.headers.get("x-test-user")
    if not header:
        raise HTTPException(401, "log in first", headers={"WWW-Authenticate": "Bearer"})
    user_id, role, city = header.split(":", 2)
    return int(user_id), role, city or None


def make_app(engine: Engine, settings: Settings, *, runner: bool = True) -> FastAPI:
    """The minimal app of the module docstring, its job runner started when asked."""
    app = FastAPI()
    app.include_router(router, prefix=API)
    app.state.engine = engine
    app.state.settings = settings
    app.state.authenticate = authenticate
    if runner:
        open_jobs(app)
    return app


@pytest.fixture
def city(engine: Engine, tmp_path: Path) -> tuple[Settings, str]:
    """Settings on the test's database, and the synthetic Futian city in it."""
    url = engine.url.render_as_string(hide_password=False)
    settings = Settings(database_url=url, data_dir=tmp_path / "data", assets_dir=None)
    return settings, make_futian_city(engine, settings.data_dir)


@pytest.fixture
def app(engine: Engine, city: tuple[Settings, str]) -> Iterator[FastAPI]:
    application = make_app(engine, city[0])
    try:
        yield application
    finally:
        close_jobs(application, wait_s=30)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def official(city: str, user_id: int = 7) -> dict[str, str]:
    return {"X-Test-User": f"{user_id}:official:{city}"}


ADMIN = {"X-Test-User": "1:admin:"}


def start(client: TestClient, city: str, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    answer = client.post(f"{API}/cities/{city}/jobs", json=body, headers=headers or official(city))
    assert answer.status_code == 202, answer.text
    job = answer.json()
    assert answer.headers["location"] == f"http://testserver{API}/jobs/{job['id']}"
    assert job["links"]["job"] == answer.headers["location"]
    return job


def finished(client: Any, job_id: str, headers: dict[str, str]) -> dict[str, Any]:
    """Poll a job until it ends; its last state."""
    deadline = time.monotonic() + WAIT_S
    while True:
        answer = client.get(f"{API}/jobs/{job_id}", headers=headers)
        assert answer.status_code == 200, answer.text
        job = answer.json()
        if job["status"] not in {"queued", "running"}:
            return job
        assert time.monotonic() < deadline, f"job still {job['status']} after {WAIT_S} s"
        time.sleep(0.1)


def same_document(a: dict[str, Any], b: dict[str, Any], key: str) -> None:
    """Two documents are equal but for their id and dates."""
    strip = {"id", "created_at", "elapsed_s"}
    assert {k: v for k, v in a[key].items() if k not in strip} == {
        k: v for k, v in b[key].items() if k not in strip
    }
    assert {k: v for k, v in a.items() if k != key} == {k: v for k, v in b.items() if k != key}


def run_cli(settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys, *args: str) -> Any:
    """``lifecircle ARGS --json`` on the test's database; its JSON."""
    monkeypatch.setenv("LIFECIRCLE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LIFECIRCLE_DATA_DIR", str(settings.data_dir))
    capsys.readouterr()
    assert cli([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def problems(answer: httpx2.Response) -> list[tuple[str, str]]:
    """``(field, problem)`` of a 422: FastAPI's ``detail`` list, or the app's ``errors``."""
    body = answer.json()
    if isinstance(body.get("errors"), list):
        return [(str(e["field"]), str(e["problem"])) for e in body["errors"]]
    return [(".".join(str(part) for part in e["loc"]), str(e["msg"])) for e in body["detail"]]


def stored_count(engine: Engine, model: type[AssessmentRun | PlanRun]) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def shown_time(text_: str) -> datetime:
    when = datetime.fromisoformat(text_)
    assert when.utcoffset() is not None
    assert text_.endswith("+08:00")  # shown in Asia/Shanghai time
    return when


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def child_env() -> dict[str, str]:
    return os.environ | {
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])
    }


WORKER = (
    "import sys\n"
    "from lifecircle.config import Settings\n"
    "from lifecircle.services.job_runner import execute_job\n"
    "execute_job(Settings(database_url=sys.argv[1], data_dir=sys.argv[2]), sys.argv[3])\n"
)
"""A worker in a subprocess of its own (as a server's would be), to kill."""


def queue_directly(engine: Engine, name: str, kind: JobKind, options: dict[str, Any]) -> str:
    """A job queued as a server queues it, but handed to no worker: the test runs it."""
    host, pid = this_process()
    with session_scope(engine) as session:
        job = job_store.add_job(
            session,
            job_id=new_job_id(),
            city_id=get_city(session, name=name).id,
            kind=kind,
            parameters=job_options(kind, options).model_dump(mode="json"),
            user_id=7,
            host=host,
            pid=pid,
        )
        return job.id


def pid_of(engine: Engine, job_id: str) -> tuple[str, int | None]:
    with session_scope(engine) as session:
        found = job_store.find_job(session, job_id=job_id)
    assert found is not None
    return str(found[0].status), found[0].pid


def wait_until(what: Any, timeout_s: float = WAIT_S, poll_s: float = 0.01) -> None:
    deadline = time.monotonic() + timeout_s
    while not what():
        assert time.monotonic() < deadline
        time.sleep(poll_s)


def steps_of(engine: Engine, job_id: str) -> list[str]:
    with session_scope(engine) as session:
        found = job_store.find_job(session, job_id=job_id)
    return [] if found is None else [s["message"] for s in found[0].steps]
