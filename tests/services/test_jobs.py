"""Background jobs as services: options, the city lock, workers, progress, cancel, dead processes.

On a SQLite file and on a real PostgreSQL server; the city is the real Futian walk graph
with SYNTHETIC places and residents (tests/services/futian.py). Workers run for real:
in this process (``execute_job``), in threads, and in killed subprocesses.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import func, select, text, update

from lifecircle.config import Settings
from lifecircle.core.assess.circles import CircleRules, GradeRules
from lifecircle.errors import ValidationError
from lifecircle.io.hours_of_need import needs_from_toml
from lifecircle.services.assess import AssessParams, run_assessment, stored_assessment
from lifecircle.services.city.stale_runs import this_process
from lifecircle.services.hours import TimeOptions, run_timed_assessment
from lifecircle.services.job_options import (
    AssessOptions,
    PlanOptions,
    ReportOptions,
    job_options,
)
from lifecircle.services.job_runner import (
    ASSESS_STEPS,
    PLAN_STEPS,
    JobGoneError,
    JobRunner,
    ProgressRecorder,
    execute_job,
    fail_dead_jobs,
    run_claimed_job,
)
from lifecircle.services.jobs import get_job, list_jobs
from lifecircle.services.plan import PlanParams, run_plan
from lifecircle.store import jobs as job_store
from lifecircle.store.cities import delete_city, get_city
from lifecircle.store.db import make_engine, session_scope, writing
from lifecircle.store.locks import CityLock, lock_file
from lifecircle.store.models import AssessmentRun, Job, JobKind, JobStatus, PlanRun, utc_now
from tests.services.futian import make_futian_city
from tests.store import conftest as store_conftest

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

postgres = store_conftest.postgres
empty_engine = store_conftest.empty_engine
engine = store_conftest.engine

SRC = Path(__file__).resolve().parents[2] / "src"


def child_env() -> dict[str, str]:
    """The environment of a Python subprocess that imports this checkout's lifecircle."""
    return os.environ | {
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])
    }


def settings_for(engine: Engine, data_dir: Path) -> Settings:
    """Settings on the test's database (whatever LIFECIRCLE_* says)."""
    url = engine.url.render_as_string(hide_password=False)
    return Settings(database_url=url, data_dir=data_dir, assets_dir=None)


@pytest.fixture
def city(engine: Engine, tmp_path: Path) -> tuple[Settings, str, int]:
    """Settings, name and id of the synthetic Futian city."""
    settings = settings_for(engine, tmp_path / "data")
    name = make_futian_city(engine, settings.data_dir)
    with session_scope(engine) as session:
        return settings, name, get_city(session, name=name).id


def queue(engine: Engine, city_id: int, kind: JobKind, options: Any, **where: Any) -> str:
    """A queued job, as the server stores it (by default queued by this process)."""
    host, pid = this_process()
    job_id = f"test-{kind}-{time.monotonic_ns()}"
    with session_scope(engine) as session:
        job_store.add_job(
            session,
            job_id=job_id,
            city_id=city_id,
            kind=kind,
            parameters=job_options(kind, options).model_dump(mode="json"),
            user_id=7,
            host=where.get("host", host),
            pid=where.get("pid", pid),
        )
    return job_id


def row(engine: Engine, job_id: str) -> Job:
    with session_scope(engine) as session:
        found = job_store.find_job(session, job_id=job_id)
    assert found is not None
    return found[0]


def count(engine: Engine, model: type[AssessmentRun | PlanRun]) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def same_document(a: dict[str, Any], b: dict[str, Any], key: str) -> None:
    """Two stored documents are equal but for their id and dates."""
    strip = {"id", "created_at", "elapsed_s"}
    assert {k: v for k, v in a[key].items() if k not in strip} == {
        k: v for k, v in b[key].items() if k not in strip
    }
    assert {k: v for k, v in a.items() if k != key} == {k: v for k, v in b.items() if k != key}


# --- options -------------------------------------------------------------------------------------


def test_options_build_the_parameters_the_cli_builds():
    options = AssessOptions(minutes=12, basic_minutes=10, profile="elderly", cluster_radius_m=200)
    cli = AssessParams(
        limit_minutes={"basic": 10.0, "quality": 12.0},
        profile="elderly",
        basic_share=0.9,
        targets="shenzhen-2023",
        circles=CircleRules(cluster_radius_m=200.0),
        grades=GradeRules(),
    )
    assert options.params() == cli
    plan = PlanOptions(categories=["laundry", "basic"], mode="max", k=3, capacity=500)
    assert plan.params() == PlanParams(
        categories=("laundry", "basic"), mode="max", k=3, capacity=500.0
    )
    stored = plan.model_dump(mode="json")
    assert job_options("plan", stored) == plan  # a stored job rebuilds its options


@pytest.mark.parametrize(
    ("kind", "options", "message"),
    [
        ("assess", {"minutes": 0}, "minutes"),
        ("assess", {"profile": "runner"}, "profile"),
        ("assess", {"targets": "/etc/passwd"}, "unknown targets"),
        ("assess", {"speed": 4}, "speed"),
        ("plan", {"categories": ["laundry"], "mode": "max"}, "max mode needs k"),
        ("plan", {"categories": []}, "categories"),
        ("report", {"formats": ["pdf"]}, "formats"),
        ("report", {"formats": ["html", "html"]}, "each format at most once"),
        ("report", {"plan_id": 3, "with_plan": False}, "with_plan is false"),
        ("dance", {}, "unknown job kind"),
        ("assess", {"at": "Mon 25:00"}, "at"),
        ("assess", {"at": "sometime"}, "at"),
        ("assess", {"unknown_hours": "maybe"}, "unknown_hours"),
        ("assess", {"weekday": "Funday"}, "weekday"),
        ("assess", {"by_hour": "often"}, "by_hour"),
        ("assess", {"hours_of_need": {"breakfast": "06:30-09:00"}}, "hours_of_need"),
        ("assess", {"by_hour": True, "hours_of_need": {"breakfast": "9:00-6:00"}}, "hours_of_need"),
        ("assess", {"by_hour": True, "hours_of_need": {"breakfast": "24:30-25:00"}}, "breakfast"),
        ("assess", {"by_hour": True, "hours_of_need": "/etc/needs.toml"}, "hours_of_need"),
    ],
)
def test_bad_options_are_refused_naming_the_option(kind, options, message):
    with pytest.raises(ValidationError, match=message):
        job_options(kind, options)


def test_time_options_are_those_of_the_cli():
    options = AssessOptions(at="Tue 07:30", unknown_hours="exclude", by_hour=True, weekend="Sun")
    assert options.time_options() == TimeOptions(
        at="Tue 07:30", unknown="exclude", by_hour=True, weekday=0, weekend=6
    )
    assert job_options("assess", options.model_dump(mode="json")) == options
    assert not AssessOptions().time_options().active


def test_hours_of_need_are_data_read_like_the_file():
    options = AssessOptions(
        by_hour=True, hours_of_need={"breakfast": "6:00-9:30", "convenience_store": "0:00-24:00"}
    )
    assert options.hours_of_need == {"breakfast": "06:00-09:30", "convenience_store": "00:00-24:00"}
    text = '[needs]\nbreakfast = "06:00-09:30"\nconvenience_store = "00:00-24:00"\n'
    assert options.time_options().need == needs_from_toml(text, source="t")
    assert job_options("assess", options.model_dump(mode="json")) == options
    assert AssessOptions(by_hour=True).time_options().need == "default"


def test_report_options_default_to_html_and_xlsx():
    assert ReportOptions().formats == ["html", "xlsx"]


# --- the city lock -------------------------------------------------------------------------------


def test_the_city_lock_is_one_holder_at_a_time(engine: Engine, city):
    _, name, _ = city
    first, second = CityLock(engine, city=name), CityLock(engine, city=name)
    other = CityLock(engine, city=name + "-other")
    assert first.try_acquire()
    try:
        assert not second.try_acquire()  # another holder in this process
        assert not second.acquire(timeout_s=0.3, poll_s=0.05)
        assert other.try_acquire()  # another city is free
        other.release()
        taken = threading.Event()

        def wait() -> None:
            with CityLock(engine, city=name):
                taken.set()

        waiter = threading.Thread(target=wait)
        waiter.start()
        time.sleep(0.3)
        assert not taken.is_set()  # waits while the first holds it
    finally:
        first.release()
    waiter.join(10)
    assert taken.is_set()
    assert second.try_acquire()
    second.release()


def test_a_killed_holder_lets_the_city_go(engine: Engine, city):
    _, name, _ = city
    url = engine.url.render_as_string(hide_password=False)
    script = (
        "import sys, time\n"
        "from lifecircle.store.db import make_engine\n"
        "from lifecircle.store.locks import CityLock\n"
        "lock = CityLock(make_engine(sys.argv[1]), city=sys.argv[2])\n"
        "assert lock.try_acquire()\n"
        "print('held', flush=True)\n"
        "time.sleep(600)\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", script, url, name],
        stdout=subprocess.PIPE,
        text=True,
        env=child_env(),
    ) as holder:
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == "held"
            lock = CityLock(engine, city=name)
            assert not lock.try_acquire()
            holder.send_signal(signal.SIGKILL)
            holder.wait(10)
            assert lock.acquire(timeout_s=10, poll_s=0.05)  # the server or the OS let go
            lock.release()
        finally:
            if holder.poll() is None:
                holder.kill()


def test_an_in_memory_database_has_no_city_lock(tmp_path):
    memory = make_engine("sqlite://")
    with pytest.raises(ValidationError, match="in-memory"):
        CityLock(memory, city="x").try_acquire()
    on_disk = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    digest = hashlib.sha256("深圳".encode()).hexdigest()[:16]
    assert lock_file(on_disk, city="深圳") == tmp_path / "x.db.locks" / f"city-{digest}.lock"


def test_writing_transactions_take_sqlite_s_write_lock_when_they_begin(tmp_path):
    path = tmp_path / "w.db"
    eng = make_engine(f"sqlite:///{path}")
    try:
        with eng.begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        with session_scope(eng) as session:  # deferred: a read takes no write lock
            session.execute(text("SELECT count(*) FROM t"))
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        with session_scope(eng, write=True) as session:
            session.execute(text("SELECT count(*) FROM t"))
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        with writing(eng).connect() as connection:
            connection.execute(text("SELECT 1"))
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.close()
    finally:
        eng.dispose()


# --- running a job -------------------------------------------------------------------------------


def test_a_plan_job_runs_in_this_process_and_equals_the_service(engine: Engine, city):
    settings, name, city_id = city
    options = {"categories": ["laundry", "pharmacy"], "mode": "max", "k": 2}
    job_id = queue(engine, city_id, JobKind.PLAN, options)
    assert execute_job(settings, job_id) is JobStatus.SUCCEEDED
    job = row(engine, job_id)
    assert job.status is JobStatus.SUCCEEDED
    assert job.progress == 1.0
    assert job.message == "done"
    progress = [s["progress"] for s in job.steps]
    assert len(job.steps) == PLAN_STEPS + 2 * 2
    assert progress == sorted(progress)
    assert len(set(progress)) == len(progress)  # rising at every step
    assert progress[0] == 0.0
    assert progress[-1] < 1.0
    assert job.started_at is not None
    assert job.finished_at is not None
    assert job.created_at <= job.started_at <= job.finished_at
    direct = run_plan(engine=engine, name=name, params=PlanOptions(**options).params())
    with session_scope(engine) as session:
        stored = session.get(PlanRun, job.result["plan_id"]).document
    same_document(stored, direct, "plan")


def test_an_assess_job_by_hour_equals_the_service(engine: Engine, city):
    settings, name, city_id = city
    options = {
        "at": "Mon 07:30",
        "unknown_hours": "closed",
        "by_hour": True,
        "weekday": "Wed",
        "weekend": "Sun",
        "hours_of_need": {"breakfast": "06:00-10:00", "pharmacy": "20:00-24:00"},
    }
    job_id = queue(engine, city_id, JobKind.ASSESS, options)
    assert execute_job(settings, job_id) is JobStatus.SUCCEEDED
    job = row(engine, job_id)
    assert len(job.steps) == ASSESS_STEPS + 1  # the hourly curves are one step more
    stored = stored_assessment(engine=engine, name=name, run_id=job.result["run_id"])
    checked = AssessOptions(**options)
    direct = run_timed_assessment(
        engine=engine,
        name=name,
        params=checked.params(),
        options=checked.time_options(),
        save=False,
    )
    assert stored["run"]["parameters"]["time"]["at"] == "Mon 07:30"
    assert stored["run"]["parameters"]["time"]["unknown_hours"] == "closed"
    time = stored["run"]["parameters"]["time"]
    assert (time["weekday"], time["weekend"]) == ("Wed", "Sun")
    assert (stored["by_hour"]["weekday"], stored["by_hour"]["weekend"]) == (2, 6)
    assert time["hours_of_need"] == {"breakfast": "06:00-10:00", "pharmacy": "20:00-24:00"}
    assert set(stored["city"]["served_when_needed"]["categories"]) == {"breakfast", "pharmacy"}
    strip = {"elapsed_s"}
    assert {k: v for k, v in stored["by_hour"].items() if k not in strip} == {
        k: v for k, v in direct["by_hour"].items() if k not in strip
    }
    assert stored["city"] == direct["city"]
    assert stored["communities"] == direct["communities"]


def test_a_group_plans_each_of_its_categories_with_two_steps_each(engine: Engine, city):
    settings, _, city_id = city
    job_id = queue(engine, city_id, JobKind.PLAN, {"categories": ["basic"], "mode": "max", "k": 1})
    assert execute_job(settings, job_id) is JobStatus.SUCCEEDED
    job = row(engine, job_id)
    per_category = [s["message"] for s in job.steps if s["message"].endswith("choosing the sites")]
    assert len(job.steps) == PLAN_STEPS + 2 * len(per_category)
    assert len(per_category) > 5
    assert job.steps[-1]["progress"] == round((len(job.steps) - 1) / len(job.steps), 4)


def test_a_failing_job_says_why(engine: Engine, city):
    settings, _, city_id = city
    job_id = queue(engine, city_id, JobKind.PLAN, {"categories": ["laundry"], "community": "nope"})
    assert execute_job(settings, job_id) is JobStatus.FAILED
    job = row(engine, job_id)
    assert job.status is JobStatus.FAILED
    assert "no community 'nope'" in job.error
    assert job.finished_at is not None
    assert count(engine, PlanRun) == 0
    report = queue(engine, city_id, JobKind.REPORT, {})
    assert execute_job(settings, report) is JobStatus.FAILED
    assert "no assessment run yet" in row(engine, report).error


def test_two_threads_run_two_jobs_of_one_city_one_after_the_other(engine: Engine, city):
    settings, name, city_id = city
    first = queue(engine, city_id, JobKind.ASSESS, {"minutes": 12})
    second = queue(engine, city_id, JobKind.ASSESS, {"minutes": 12})
    start = threading.Barrier(2)
    ended: dict[str, JobStatus | None] = {}

    def work(job_id: str) -> None:
        start.wait()
        ended[job_id] = execute_job(settings, job_id, poll_s=0.02)

    threads = [threading.Thread(target=work, args=(j,)) for j in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert ended == {first: JobStatus.SUCCEEDED, second: JobStatus.SUCCEEDED}
    a, b = sorted((row(engine, first), row(engine, second)), key=lambda j: j.started_at)
    assert a.finished_at <= b.started_at  # never at once
    sequential = run_assessment(engine=engine, name=name, params=AssessOptions(minutes=12).params())
    for job in (a, b):
        stored = stored_assessment(engine=engine, name=name, run_id=job.result["run_id"])
        same_document(stored, sequential, "run")


# --- cancel --------------------------------------------------------------------------------------


def test_a_running_job_stops_at_its_next_step_when_cancelled(engine: Engine, city):
    settings, name, city_id = city
    job_id = queue(engine, city_id, JobKind.ASSESS, {})
    host, pid = this_process()
    with CityLock(engine, city=name), session_scope(engine) as session:
        assert job_store.claim_job(session, job_id=job_id, host=host, pid=pid)
    with session_scope(engine) as session:
        assert not job_store.cancel_queued(session, job_id=job_id)  # running: not at once
        assert job_store.request_cancel(session, job_id=job_id)
    assert row(engine, job_id).status is JobStatus.RUNNING
    with CityLock(engine, city=name):
        ended = run_claimed_job(engine=writing(engine), settings=settings, job_id=job_id)
    assert ended is JobStatus.CANCELLED
    job = row(engine, job_id)
    assert job.status is JobStatus.CANCELLED
    assert job.message == "cancelled at step 'loading the city'"
    assert [s["message"] for s in job.steps] == ["loading the city"]
    assert count(engine, AssessmentRun) == 0


def test_a_queued_job_cancelled_while_it_waits_never_runs(engine: Engine, city):
    settings, name, city_id = city
    job_id = queue(engine, city_id, JobKind.ASSESS, {})
    ended: list[JobStatus | None] = []
    with CityLock(engine, city=name):
        worker = threading.Thread(target=lambda: ended.append(execute_job(settings, job_id)))
        worker.start()
        deadline = time.monotonic() + 30
        while row(engine, job_id).pid != os.getpid() or worker.ident is None:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        with session_scope(engine) as session:
            assert job_store.cancel_queued(session, job_id=job_id)
        worker.join(30)
    assert ended == [JobStatus.CANCELLED]
    assert row(engine, job_id).started_at is None
    assert count(engine, AssessmentRun) == 0


def test_progress_of_a_job_whose_city_was_deleted_stops_it(engine: Engine, city):
    _, name, city_id = city
    job_id = queue(engine, city_id, JobKind.ASSESS, {})
    host, pid = this_process()
    with session_scope(engine) as session:
        assert job_store.claim_job(session, job_id=job_id, host=host, pid=pid)
    recorder = ProgressRecorder(engine, job_id=job_id, total=ASSESS_STEPS)
    recorder("loading the city")
    assert row(engine, job_id).progress == 0.0
    recorder("walking network search")
    assert row(engine, job_id).progress == round(1 / ASSESS_STEPS, 4)
    with session_scope(engine) as session:
        delete_city(session, name=name)
    with pytest.raises(JobGoneError):
        recorder("coverage and equity")


# --- dead processes ------------------------------------------------------------------------------


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)  # fmt: skip
    return int(done.stdout)


def test_jobs_of_dead_processes_fail_when_read_and_live_ones_do_not(engine: Engine, city):
    _, name, city_id = city
    host, _ = this_process()
    dead = queue(engine, city_id, JobKind.ASSESS, {}, pid=_dead_pid())
    alive = queue(engine, city_id, JobKind.ASSESS, {})  # queued by this very process
    elsewhere = queue(engine, city_id, JobKind.ASSESS, {}, host="other-host", pid=1)
    old = queue(engine, city_id, JobKind.ASSESS, {}, host="other-host", pid=1)
    with session_scope(engine) as session:
        session.execute(
            update(Job).where(Job.id == old).values(created_at=utc_now() - timedelta(hours=25))
        )
    assert get_job(engine=engine, job_id=dead).status == "failed"
    failed = get_job(engine=engine, job_id=dead)
    assert f"its process {row(engine, dead).pid} on {host} is gone" in failed.error
    assert failed.error.startswith("interrupted: still unfinished at ")
    statuses = {j.id: j.status for j in list_jobs(engine=engine, city=name)}
    assert statuses == {dead: "failed", alive: "queued", elsewhere: "queued", old: "failed"}
    assert "more than the 24 h limit (process 1 on other-host)" in row(engine, old).error
    assert fail_dead_jobs(engine) == []  # nothing left to end


def test_a_starting_runner_fails_what_a_dead_server_left(engine: Engine, city):
    settings, _, city_id = city
    dead_pid = _dead_pid()
    queued = queue(engine, city_id, JobKind.ASSESS, {}, pid=dead_pid)
    running = queue(engine, city_id, JobKind.ASSESS, {}, pid=dead_pid)
    host, _ = this_process()
    with session_scope(engine) as session:
        assert job_store.claim_job(session, job_id=running, host=host, pid=dead_pid)
    runner = JobRunner(settings=settings, engine=engine)
    try:
        assert sorted(runner.start()) == sorted([queued, running])
    finally:
        runner.close()
    assert row(engine, queued).status is JobStatus.FAILED
    assert row(engine, running).status is JobStatus.FAILED


def test_closing_the_runner_fails_the_jobs_it_had_not_started(engine: Engine, city):
    settings, name, city_id = city
    runner = JobRunner(settings=settings, engine=engine, max_workers=1, poll_s=0.05)
    runner.start()
    with CityLock(engine, city=name):  # the first waits for the city: the rest queue
        jobs = [queue(engine, city_id, JobKind.ASSESS, {}) for _ in range(3)]
        for job_id in jobs:
            runner.submit(job_id, city_id=city_id)
        deadline = time.monotonic() + 60
        while row(engine, jobs[0]).pid == os.getpid():  # until its worker adopts it
            assert time.monotonic() < deadline
            time.sleep(0.05)
        worker_pid = row(engine, jobs[0]).pid
        assert runner.workers() == {jobs[0]: worker_pid}
        runner.close(wait_s=0.5)
    first, *rest = (row(engine, j) for j in jobs)
    assert first.status is JobStatus.FAILED
    assert first.error == "interrupted: the server stopped before the job ended"
    for job in rest:
        assert job.status is JobStatus.FAILED
        assert job.error == "interrupted: the server stopped before the job started"
    with pytest.raises(RuntimeError, match="not running"):
        runner.submit(jobs[0], city_id=city_id)
