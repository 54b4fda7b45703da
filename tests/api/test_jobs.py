"""Officials' background jobs through the HTTP API, on SQLite and on a real PostgreSQL server.

The app is the smallest one the jobs router needs (``FastAPI()``, the router under
``/api/v1``, ``state.engine``, ``state.settings`` and an ``authenticate`` reading the
``X-Test-User: ID:ROLE:CITY`` header); jobs run in real worker processes. The city is
the real Futian walk graph with SYNTHETIC places and residents (tests/services/futian.py).
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from io import BytesIO
from typing import Any

import httpx2
import openpyxl
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import text

from lifecircle.api.routers.jobs import close_jobs
from lifecircle.services.city.stale_runs import this_process
from lifecircle.services.job_runner import ASSESS_STEPS, PLAN_STEPS, run_claimed_job
from lifecircle.store import jobs as job_store
from lifecircle.store.db import session_scope, writing
from lifecircle.store.locks import CityLock
from lifecircle.store.models import AssessmentRun, JobKind, PlanRun
from tests.api import jobs_app
from tests.api.jobs_app import (
    ADMIN,
    API,
    WAIT_S,
    WORKER,
    child_env,
    finished,
    free_port,
    make_app,
    official,
    pid_of,
    problems,
    queue_directly,
    run_cli,
    same_document,
    shown_time,
    start,
    steps_of,
    stored_count,
    wait_until,
)
from tests.store import conftest as store_conftest

postgres = store_conftest.postgres
empty_engine = store_conftest.empty_engine
engine = store_conftest.engine
city = jobs_app.city
app = jobs_app.app
client = jobs_app.client


# --- a job to its end -----------------------------------------------------------------------------


def test_an_assessment_job_succeeds_with_rising_progress_and_equals_the_cli(
    client, city, monkeypatch, capsys
):
    settings, name = city
    job = start(
        client, name, {"kind": "assess", "parameters": {"minutes": 12, "profile": "elderly"}}
    )
    assert job["status"] == "queued"
    assert job["progress"] == 0.0
    assert job["user_id"] == 7
    assert job["parameters"]["minutes"] == 12
    assert job["links"]["result"] is None
    done = finished(client, job["id"], official(name))
    assert done["status"] == "succeeded", done["error"]
    assert done["progress"] == 1.0
    assert [s["message"] for s in done["steps"]] == [
        "loading the city",
        "walking network search",
        "coverage and equity",
        "circle types and grades",
        "the plan's targets",
        "saving the run",
    ]
    assert len(done["steps"]) == ASSESS_STEPS
    progress = [s["progress"] for s in done["steps"]] + [done["progress"]]
    assert all(a < b for a, b in itertools.pairwise(progress))
    created, started, ended = (
        shown_time(done[k]) for k in ("created_at", "started_at", "finished_at")
    )
    assert created <= started <= ended
    assert done["links"]["cancel"] is None

    result = client.get(done["links"]["result"], headers=official(name))
    assert result.status_code == 200, result.text
    links = result.json()
    assert links["plan"] is None
    assert links["files"] == []
    assert links["summary"]["communities"] > 0
    document = client.get(links["run"]["url"], headers=official(name)).json()
    assert document["run"]["id"] == links["run"]["id"]
    by_cli = run_cli(settings, monkeypatch, capsys, "assess", name, "--minutes", "12",
                     "--profile", "elderly")  # fmt: skip
    assert by_cli["run"]["id"] != document["run"]["id"]
    same_document(document, by_cli, "run")


def test_a_plan_job_equals_the_cli(client, city, monkeypatch, capsys):
    settings, name = city
    body = {"kind": "plan", "parameters": {"categories": ["laundry", "pharmacy"], "mode": "max",
                                           "k": 2}}  # fmt: skip
    done = finished(client, start(client, name, body)["id"], official(name))
    assert done["status"] == "succeeded", done["error"]
    assert len(done["steps"]) == PLAN_STEPS + 2 * 2
    progress = [s["progress"] for s in done["steps"]] + [done["progress"]]
    assert all(a < b for a, b in itertools.pairwise(progress))
    links = client.get(f"{API}/jobs/{done['id']}/result", headers=official(name)).json()
    assert links["run"] is None
    plan = client.get(links["plan"]["url"], headers=official(name)).json()
    assert plan["plan"]["id"] == links["plan"]["id"]
    assert links["summary"] == {"sites": len(plan["sites"]), "optimal": plan["optimal"]}
    by_cli = run_cli(settings, monkeypatch, capsys, "plan", name, "--category", "laundry,pharmacy",
                     "--mode", "max", "--k", "2")  # fmt: skip
    same_document(plan, by_cli, "plan")


def test_a_report_job_writes_html_and_xlsx_that_download(client, city, engine):
    settings, name = city
    assessed = finished(client, start(client, name, {"kind": "assess"})["id"], official(name))
    run_id = client.get(assessed["links"]["result"], headers=official(name)).json()["run"]["id"]
    body = {"kind": "report", "parameters": {"formats": ["html", "xlsx"], "lang": "en"}}
    done = finished(client, start(client, name, body)["id"], official(name))
    assert done["status"] == "succeeded", done["error"]
    assert [s["message"] for s in done["steps"]] == [
        "reading the run", "writing the html report", "reading the run", "writing the xlsx report",
    ]  # fmt: skip
    links = client.get(f"{API}/jobs/{done['id']}/result", headers=official(name)).json()
    assert links["run"]["id"] == run_id
    assert [f["format"] for f in links["files"]] == ["html", "xlsx"]
    folder = settings.data_dir / "cities" / name / "reports" / done["id"]
    html, xlsx = links["files"]
    page = client.get(html["url"], headers=official(name))
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.content == (folder / html["name"]).read_bytes()
    assert len(page.content) == html["bytes"]
    assert name in page.text
    assert "<html" in page.text
    sheet = client.get(xlsx["url"], headers=official(name))
    assert sheet.status_code == 200
    assert sheet.headers["content-type"] == xlsx["media_type"]
    assert f'filename="{xlsx["name"]}"' in sheet.headers["content-disposition"]
    book = openpyxl.load_workbook(BytesIO(sheet.content), read_only=True)
    assert len(book.sheetnames) >= 2
    book.close()
    for wrong in ("other.html", "..%2F..%2Fetc%2Fpasswd", "a%00b"):
        answer = client.get(f"{API}/jobs/{done['id']}/files/{wrong}", headers=official(name))
        assert answer.status_code in {404, 422}, (wrong, answer.status_code)
    (folder / html["name"]).unlink()
    gone = client.get(html["url"], headers=official(name))
    assert gone.status_code == 404
    assert "no longer there" in gone.json()["detail"]


def test_a_job_that_fails_says_why_and_has_no_result(client, city, engine):
    _, name = city
    body = {"kind": "plan", "parameters": {"categories": ["laundry"], "community": "nowhere"}}
    done = finished(client, start(client, name, body)["id"], official(name))
    assert done["status"] == "failed"
    assert "no community 'nowhere'" in done["error"]
    answer = client.get(f"{API}/jobs/{done['id']}/result", headers=official(name))
    assert answer.status_code == 409
    assert "failed" in answer.json()["detail"]
    assert stored_count(engine, PlanRun) == 0


# --- disconnects, two at once, killed workers -----------------------------------------------------


def test_a_client_that_disconnects_still_gets_its_job_finished(app, city):
    _, name = city
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    serving = threading.Thread(target=server.run)
    serving.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        body = json.dumps({"kind": "assess", "parameters": {"minutes": 10}}).encode()
        request = (
            f"POST {API}/cities/{name}/jobs HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"X-Test-User: 7:official:{name}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        with socket.create_connection(("127.0.0.1", port)) as raw:
            raw.sendall(request)  # and hang up without reading the answer
        with httpx2.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as again:
            deadline = time.monotonic() + WAIT_S
            jobs: list[dict[str, Any]] = []
            while not jobs:
                assert time.monotonic() < deadline
                time.sleep(0.1)
                listed = again.get(f"{API}/cities/{name}/jobs", headers=official(name))
                jobs = listed.json()["data"]
            assert len(jobs) == 1
            done = finished(again, jobs[0]["id"], official(name))
        assert done["status"] == "succeeded", done["error"]
        assert done["parameters"]["minutes"] == 10
    finally:
        server.should_exit = True
        serving.join(30)


def test_two_jobs_on_one_city_at_once_run_one_after_the_other(engine, city, monkeypatch, capsys):
    """Two servers (two runners, their own workers) each start a job on one city at once."""
    settings, name = city
    apps = [make_app(engine, settings), make_app(engine, settings)]
    barrier = threading.Barrier(2)
    started: list[dict[str, Any]] = []
    failed: list[BaseException] = []
    try:
        with TestClient(apps[0]) as one, TestClient(apps[1]) as two:

            def post(client: TestClient) -> None:
                barrier.wait()
                try:
                    started.append(
                        start(client, name, {"kind": "assess", "parameters": {"minutes": 12}})
                    )
                except BaseException as exc:  # noqa: BLE001 - reported below, with its cause
                    failed.append(exc)

            threads = [threading.Thread(target=post, args=(c,)) for c in (one, two)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(WAIT_S)
            assert not failed, failed
            assert len(started) == 2, "a start did not answer in time"
            done = [finished(one, job["id"], official(name)) for job in started]
            links = [one.get(job["links"]["result"], headers=official(name)).json() for job in done]
            documents = [one.get(x["run"]["url"], headers=official(name)).json() for x in links]
    finally:
        for application in apps:
            close_jobs(application, wait_s=30)
    assert [job["status"] for job in done] == ["succeeded", "succeeded"]
    first, second = sorted(done, key=lambda job: job["started_at"])
    assert shown_time(first["finished_at"]) <= shown_time(second["started_at"])  # never at once
    sequential = run_cli(settings, monkeypatch, capsys, "assess", name, "--minutes", "12")
    for document in documents:
        assert len(document["communities"]) == len(sequential["communities"])
        same_document(document, sequential, "run")
    assert stored_count(engine, AssessmentRun) == 3


def test_a_job_whose_worker_is_killed_while_it_waits_fails_when_read(engine, city):
    settings, name = city
    app = make_app(engine, settings)
    try:
        with TestClient(app) as client:
            with CityLock(engine, city=name):  # another job holds the city
                job_id = start(client, name, {"kind": "assess"})["id"]
                wait_until(lambda: app.state.job_runner.workers().get(job_id) is not None)
                pid = app.state.job_runner.workers()[job_id]
                wait_until(lambda: pid_of(engine, job_id) == ("queued", pid))
                os.kill(pid, signal.SIGKILL)
                done = finished(client, job_id, official(name))
            assert done["status"] == "failed"
            assert f"process {pid}" in done["error"]
            again = finished(client, start(client, name, {"kind": "assess"})["id"], official(name))
            assert again["status"] == "succeeded", again["error"]  # the city is not stuck
    finally:
        close_jobs(app)


@pytest.mark.parametrize("when", ["waiting", "running"])
def test_a_job_killed_with_its_subprocess_is_failed_when_next_read(client, engine, city, when):
    """SIGKILL a worker nobody watches (its server gone too): the next read fails the job.

    ``waiting``: it waits for the city's lock, which the test holds. ``running``: it
    blocks on a database lock the test holds (PostgreSQL: the plans table, so it stops
    saving its plan; SQLite: the write lock, taken as soon as the job is seen running).
    """
    settings, name = city
    options = {"categories": ["laundry", "pharmacy"], "mode": "max", "k": 30, "capacity": 300,
               "spacing_m": 5, "time_limit_s": 5}  # fmt: skip
    job_id = queue_directly(engine, name, JobKind.PLAN, options)
    lock = CityLock(engine, city=name)
    postgresql = engine.dialect.name == "postgresql"
    blocker = engine.connect()
    database = settings.database_url.removeprefix("sqlite:///")
    writer = None if postgresql else sqlite3.connect(database, timeout=30, isolation_level=None)
    wanted = "queued" if when == "waiting" else "running"
    try:
        if when == "waiting":
            lock.acquire()
        elif postgresql:
            blocker.execute(text("LOCK TABLE plan_runs IN EXCLUSIVE MODE"))
        with subprocess.Popen(
            [sys.executable, "-c", WORKER, settings.database_url, str(settings.data_dir), job_id],
            env=child_env(),
        ) as worker:
            try:
                wait_until(lambda: pid_of(engine, job_id) == (wanted, worker.pid))
                if when == "running" and writer is not None:
                    writer.execute("BEGIN IMMEDIATE")  # its next step waits for this
                if when == "running" and postgresql:
                    wait_until(lambda: "saving the plan" in steps_of(engine, job_id))
                assert pid_of(engine, job_id) == (wanted, worker.pid)
                worker.send_signal(signal.SIGKILL)
                worker.wait(10)
            finally:
                if worker.poll() is None:
                    worker.kill()
    finally:
        if writer is not None:
            writer.close()
        blocker.rollback()
        blocker.close()
        lock.release()
    assert pid_of(engine, job_id) == (wanted, worker.pid)  # nobody has noticed yet
    job = client.get(f"{API}/jobs/{job_id}", headers=official(name)).json()
    assert job["status"] == "failed"
    assert f"its process {worker.pid} on {socket.gethostname()} is gone" in job["error"]
    assert job["finished_at"] is not None
    assert stored_count(engine, PlanRun) == 0
    with CityLock(engine, city=name):  # the dead worker let the city go
        pass


# --- cancel ---------------------------------------------------------------------------------------


def test_cancel_a_queued_job_and_not_a_finished_one(client, app, city, engine):
    _, name = city
    with CityLock(engine, city=name):
        job = start(client, name, {"kind": "assess"})
        assert job["links"]["cancel"] == f"http://testserver{API}/jobs/{job['id']}/cancel"
        answer = client.post(job["links"]["cancel"], headers=official(name))
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "cancelled"
        assert answer.json()["message"] == "cancelled before it started"
    wait_until(lambda: not app.state.job_runner.workers(), poll_s=0.05)
    done = finished(client, job["id"], official(name))
    assert done["status"] == "cancelled"
    assert done["started_at"] is None
    assert stored_count(engine, AssessmentRun) == 0
    again = client.post(f"{API}/jobs/{job['id']}/cancel", headers=official(name))
    assert again.status_code == 409
    assert "cancelled already" in again.json()["detail"]


def test_cancel_a_running_job_answers_202_and_it_stops_at_its_next_step(client, engine, city):
    settings, name = city
    job_id = queue_directly(engine, name, JobKind.ASSESS, {})
    host, pid = this_process()
    with CityLock(engine, city=name):
        with session_scope(engine) as session:  # this process works as the job's worker
            assert job_store.claim_job(session, job_id=job_id, host=host, pid=pid)
        answer = client.post(f"{API}/jobs/{job_id}/cancel", headers=official(name))
        assert answer.status_code == 202, answer.text
        assert answer.json()["status"] == "running"
        assert answer.json()["cancel_requested"] is True
        run_claimed_job(engine=writing(engine), settings=settings, job_id=job_id)
    job = client.get(f"{API}/jobs/{job_id}", headers=official(name)).json()
    assert job["status"] == "cancelled"
    assert job["message"] == "cancelled at step 'loading the city'"
    assert stored_count(engine, AssessmentRun) == 0


# --- bad requests and who may ask -----------------------------------------------------------------


BAD_BODIES = [
    ({"kind": "assess", "parameters": {"minutes": 0}}, "minutes"),
    ({"kind": "assess", "parameters": {"minutes": "soon"}}, "minutes"),
    ({"kind": "assess", "parameters": {"profile": "runner"}}, "profile"),
    ({"kind": "assess", "parameters": {"speed": 4}}, "speed"),
    ({"kind": "assess", "parameters": {"targets": "/etc/passwd"}}, "targets"),
    ({"kind": "assess", "parameters": {"basic_share": 2}}, "basic_share"),
    ({"kind": "dance"}, "kind"),
    ({}, "kind"),
    ([], "body"),
    ({"kind": "plan"}, "parameters"),
    ({"kind": "plan", "parameters": {}}, "categories"),
    ({"kind": "plan", "parameters": {"categories": ["teleporter"]}}, "categories"),
    (
        {"kind": "plan", "parameters": {"categories": ["laundry"], "mode": "max"}},
        "max mode needs k",
    ),
    (
        {"kind": "plan", "parameters": {"categories": ["laundry"], "k": 3}},
        "k applies to max mode only",
    ),
    ({"kind": "plan", "parameters": {"categories": ["a b"]}}, "categories"),
    (
        {"kind": "plan", "parameters": {"categories": ["laundry"], "candidates": "/x.csv"}},
        "candidates",
    ),
    ({"kind": "assess", "parameters": {"by_hour": True, "weekday": "Fri."}}, "weekday"),
    ({"kind": "assess", "parameters": {"by_hour": True, "weekend": 6}}, "weekend"),
    (
        {"kind": "assess", "parameters": {"hours_of_need": {"breakfast": "06:30-09:00"}}},
        "hours_of_need",
    ),  # without by_hour
    *(
        (
            {"kind": "assess", "parameters": {"by_hour": True, "hours_of_need": need}},
            "hours_of_need",
        )
        for need in (
            {"breakfast": "25:00-26:00"},
            {"breakfast": "09:00-06:30"},
            {"breakfast": "early"},
            {"breakfast": ["06:30-09:00"]},
            {"break fast": "06:30-09:00"},
            {},
            {f"c{i}": "06:30-09:00" for i in range(51)},
            {"teleporter": "06:30-09:00"},  # not a category of the city
            {"library": "09:00-17:00"},  # a quality category: by_hour assesses the basic ones
        )
    ),
    ({"kind": "report", "parameters": {"formats": ["pdf"]}}, "formats"),
    ({"kind": "report", "parameters": {"run_id": 999}}, "run_id"),
    ({"kind": "report", "parameters": {"plan_id": 999}}, "plan_id"),
    ({"kind": "report", "parameters": {"lang": "fr"}}, "lang"),
]
"""Bodies of ``POST /cities/{city}/jobs`` that are wrong, and the field each answer names."""

MALFORMED = [
    b'{"kind": "assess", "parameters": {"minutes": NaN}}',
    b'{"kind": "plan", "parameters": {"categories": ["laundry"], "share": Infinity}}',
    b'{"kind": "assess", "extra": -Infinity}',
    b"{not json",
    b"",
]
"""Bodies that are not JSON, or JSON numbers no field takes."""


def test_bad_parameters_answer_422_naming_the_field(client, city):
    _, name = city
    for body, field in BAD_BODIES:
        answer = client.post(f"{API}/cities/{name}/jobs", json=body, headers=official(name))
        assert answer.status_code == 422, (body, answer.text)
        found = problems(answer)
        assert any(field in where.split(".") or field in what for where, what in found), (
            body,
            found,
        )
    for raw in MALFORMED:
        answer = client.post(
            f"{API}/cities/{name}/jobs",
            content=raw,
            headers={**official(name), "Content-Type": "application/json"},
        )
        assert answer.status_code == 422, (raw, answer.text)
    assert client.get(f"{API}/cities/{name}/jobs", headers=official(name)).json()["count"] == 0


def test_unknown_cities_jobs_runs_and_plans_answer_404(client, city):
    _, name = city
    assert client.post(f"{API}/cities/atlantis/jobs", json={"kind": "assess"},
                       headers=ADMIN).status_code == 404  # fmt: skip
    assert client.get(f"{API}/cities/atlantis/jobs", headers=ADMIN).status_code == 404
    assert client.get(f"{API}/jobs/AAAAAAAAAAAAAAAAAAAAAA", headers=ADMIN).status_code == 404
    assert client.get(f"{API}/jobs/short", headers=ADMIN).status_code == 422
    assert client.get(f"{API}/jobs/{'x' * 40}", headers=ADMIN).status_code == 422
    assert client.get(f"{API}/cities/{name}/runs/5", headers=ADMIN).status_code == 404
    assert client.get(f"{API}/cities/{name}/plans/5", headers=ADMIN).status_code == 404
    assert client.get(f"{API}/cities/{name}/runs/0", headers=ADMIN).status_code == 422
    assert client.get(f"{API}/cities/{name}/jobs?status=lost", headers=ADMIN).status_code == 422


def test_only_the_city_s_officials_and_admins_may_start_or_read_jobs(client, city, engine):
    _, name = city
    done = finished(client, start(client, name, {"kind": "report", "parameters": {"formats": [
        "csv"]}}, **ADMIN)["id"], ADMIN)  # fmt: skip
    assert done["status"] == "failed"  # no run yet: a job of every kind can be read
    assessed = finished(client, start(client, name, {"kind": "assess"}, **ADMIN)["id"], ADMIN)
    assert assessed["user_id"] == 1
    run_id = client.get(assessed["links"]["result"], headers=ADMIN).json()["run"]["id"]
    job = assessed["id"]
    routes = [
        ("POST", f"/cities/{name}/jobs", {"kind": "assess"}),
        ("GET", f"/cities/{name}/jobs", None),
        ("GET", f"/jobs/{job}", None),
        ("POST", f"/jobs/{job}/cancel", None),
        ("GET", f"/jobs/{job}/result", None),
        ("GET", f"/jobs/{job}/files/x.html", None),
        ("GET", f"/cities/{name}/runs/{run_id}", None),
        ("GET", f"/cities/{name}/plans/1", None),
    ]
    callers = {
        "anonymous": ({}, 401),
        "resident": ({"X-Test-User": f"20:resident:{name}"}, 403),
        "merchant": ({"X-Test-User": f"21:merchant:{name}"}, 403),
        "official elsewhere": ({"X-Test-User": "22:official:shenzhen"}, 403),
    }
    jobs_before = client.get(f"{API}/cities/{name}/jobs", headers=ADMIN).json()["count"]
    for method, path, body in routes:
        for who, (headers, status) in callers.items():
            answer = client.request(method, API + path, json=body, headers=headers)
            assert answer.status_code == status, (method, path, who, answer.text)
        allowed = client.request(method, API + path, json=body, headers=official(name, 23))
        assert allowed.status_code not in {401, 403}, (method, path, allowed.text)
    # the one POST an official of the city made started a job; the refused ones none
    assert client.get(f"{API}/cities/{name}/jobs", headers=ADMIN).json()["count"] == jobs_before + 1
