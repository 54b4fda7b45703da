"""A batch holds each city's lock: a city another job is changing fails, untouched."""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING

from lifecircle.scale.batch import run_batch
from lifecircle.scale.cluster import InProcess
from lifecircle.scale.manifest import load_manifest
from lifecircle.services.city.cities import create_city, list_cities, open_engine
from lifecircle.store.locks import CityLock
from tests.scale.conftest import grid_manifest

if TYPE_CHECKING:
    from pathlib import Path

    from lifecircle.config import Settings


def test_a_city_busy_with_another_job_fails_in_the_batch_and_is_left_as_it_was(
    grid_files: tuple[Path, dict[str, dict[str, Path]]], settings: Settings
) -> None:
    folder, cities = grid_files
    name = next(iter(cities))
    jobs = [j for j in load_manifest(grid_manifest(folder, cities)).cities if j.name == name]
    engine = open_engine(settings)
    try:
        create_city(engine=engine, name=name)  # as another job left it: empty
        with CityLock(engine, city=name, kind="import"):  # that job still runs
            result = run_batch(jobs, runner=InProcess(), settings=settings, mode="assess")
        [failed] = result.failed
        assert failed.name == name
        assert failed.error is not None
        assert failed.error.startswith(
            f"city '{name}' is busy: import (process {os.getpid()} on {socket.gethostname()}"
        )
        [city] = list_cities(engine=engine)
        assert (city.name, city.n_import_runs, city.network_path) == (name, 0, None)  # untouched
    finally:
        engine.dispose()
