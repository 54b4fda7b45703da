"""Batches on a real Dask cluster (scheduler and workers are processes on loopback TCP).

The same cities give the same figures in-process, on ``--workers 2`` and on a cluster
reached with ``--scheduler`` whose worker is killed (SIGKILL) while it holds a city:
Dask runs that city again elsewhere, and the city's import replaces what the killed
attempt had stored.
"""

from __future__ import annotations

import concurrent.futures
import functools
import os
import re
import signal
from typing import TYPE_CHECKING, Any

import pytest

from lifecircle.scale.batch import CityOutcome, run_batch, run_city
from lifecircle.scale.cluster import InProcess, open_runner
from lifecircle.scale.manifest import load_manifest
from lifecircle.services.assess import list_runs, stored_assessment
from lifecircle.services.city.cities import open_engine
from tests.scale.conftest import grid_manifest

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from lifecircle.config import Settings
    from lifecircle.scale.batch import BatchResult
    from lifecircle.scale.manifest import CityJob

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.slow

HELD = "synthetic-b"
"""The city whose worker the test kills."""

_TIMES = ("run_id", "plan_id", "elapsed_s", "finished_at")


def same_figures(result: BatchResult) -> list[tuple[Any, ...]]:
    """Each city's figures without its run ids and times (in its error too)."""
    return [
        (
            o.name,
            None if o.error is None else re.sub(r"import run \d+", "import run N", o.error),
            {k: v for k, v in o.row.items() if k not in _TIMES},
            o.communities,
        )
        for o in result.outcomes
    ]


@pytest.fixture
def jobs(grid_files: tuple[Path, dict[str, dict[str, Path]]]) -> tuple[CityJob, ...]:
    folder, cities = grid_files
    return load_manifest(grid_manifest(folder, cities, bad=True)).cities


@pytest.fixture
def cluster() -> Iterator[Any]:
    """A local cluster of two worker processes (each with a nanny that restarts it)."""
    with distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
    ) as made:
        yield made


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
def test_two_local_workers_give_the_in_process_figures(
    jobs: tuple[CityJob, ...], settings: Settings
):
    here = run_batch(jobs, runner=InProcess(), settings=settings)
    with open_runner(workers=2) as runner:
        assert runner.where.startswith("2 local worker process(es), scheduler tcp://127.0.0.1:")
        assert (runner.dashboard or "").startswith("http://127.0.0.1:")  # bokeh: scale extra
        there = run_batch(jobs, runner=runner, settings=settings)
    assert same_figures(there) == same_figures(here)
    assert [o.name for o in there.failed] == ["broken"]
    assert "missing column" in (there.failed[0].error or "")


def held(job: CityJob, *, inner: Callable[[CityJob], CityOutcome]) -> CityOutcome:
    """Run the city, then (for :data:`HELD`) say where and wait to be let go.

    The wait comes after the city is stored, so the worker is killed with the city's
    rows written and its result not yet returned: the worst moment for a retry.
    """
    outcome = inner(job)
    if job.name == HELD:
        distributed.Variable("held-at").set(distributed.get_worker().address)
        distributed.Event("let-go").wait(timeout=120)
    return outcome


@pytest.mark.parametrize("settings", ["postgresql"], indirect=True)
def test_a_worker_killed_mid_run_is_replaced_and_the_results_are_the_same(
    jobs: tuple[CityJob, ...], settings: Settings, cluster: Any
):
    here = run_batch(jobs, runner=InProcess(), settings=settings)
    task = functools.partial(held, inner=functools.partial(run_city, settings=settings))
    with (
        open_runner(scheduler=cluster.scheduler_address) as runner,
        concurrent.futures.ThreadPoolExecutor(1) as pool,
    ):
        client = runner.client  # type: ignore[attr-defined]
        running = pool.submit(run_batch, jobs, runner=runner, settings=settings, task=task)
        where = distributed.Variable("held-at", client=client).get(timeout=120)
        pid = client.run(os.getpid, workers=[where])[where]
        os.kill(pid, signal.SIGKILL)
        distributed.Event("let-go", client=client).set()
        there = running.result(timeout=300)
        alive = set(client.run(os.getpid).values())
    assert pid not in alive  # the worker was killed (its nanny started another)
    assert same_figures(there) == same_figures(here)
    engine = open_engine(settings)
    try:  # the retry's run is the one stored: the killed attempt's rows went with its city
        stored = stored_assessment(engine=engine, name=HELD)
        held_row = next(o.row for o in there.outcomes if o.name == HELD)
        assert stored["run"]["id"] == held_row["run_id"]
        assert stored["city"]["communities"] == held_row["communities"]
        assert [r["id"] for r in list_runs(engine=engine, name=HELD)] == [held_row["run_id"]]
    finally:
        engine.dispose()
