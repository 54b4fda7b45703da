"""A batch city whose network is larger than ``--tile-nodes`` is searched in tiles, exactly.

The tiles' exactness is proven in ``tests/core/test_walk_tiles.py``; here the batch's
seam: the same figures with and without tiles, in-process (the tiles in a loop) and on a
real local cluster (the tiles as tasks submitted from the city's own task).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from lifecircle.cli.main import main
from lifecircle.errors import ValidationError
from lifecircle.scale import tiles
from lifecircle.scale.batch import run_batch
from lifecircle.scale.cluster import InProcess, open_runner
from lifecircle.scale.manifest import load_manifest
from lifecircle.scale.tiles import CitySearch
from tests.scale.conftest import grid_manifest
from tests.scale.test_cluster import same_figures

if TYPE_CHECKING:
    from pathlib import Path

    from lifecircle.config import Settings
    from lifecircle.scale.manifest import CityJob

TILE_NODES = 30
"""Nodes per tile: the grid cities (144 and 81 nodes) are cut into several tiles."""


@pytest.fixture
def jobs(grid_files: tuple[Path, dict[str, dict[str, Path]]]) -> tuple[CityJob, ...]:
    folder, cities = grid_files
    return load_manifest(grid_manifest(folder, cities)).cities


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
def test_tiled_cities_have_the_plain_figures(
    jobs: tuple[CityJob, ...], settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    plain = run_batch(jobs, runner=InProcess(), settings=settings)
    cut: list[int] = []
    run_tiles = tiles.run_tiles

    def counted(*args: Any, **kwargs: Any) -> Any:
        ran = run_tiles(*args, **kwargs)
        cut.append(ran.run.tiles)
        return ran

    monkeypatch.setattr(tiles, "run_tiles", counted)
    tiled = run_batch(jobs, runner=InProcess(), settings=settings, tile_nodes=TILE_NODES)
    assert len(cut) == len(jobs)  # every city was searched in tiles ...
    assert min(cut) > 1  # ... of more than one tile each
    assert same_figures(tiled) == same_figures(plain)
    assert not tiled.failed


@pytest.mark.slow
@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
def test_on_a_cluster_the_tiles_are_tasks_and_the_figures_the_same(
    jobs: tuple[CityJob, ...], settings: Settings
):
    pytest.importorskip("distributed")
    plain = run_batch(jobs, runner=InProcess(), settings=settings)
    with open_runner(workers=2) as runner:
        tiled = run_batch(jobs, runner=runner, settings=settings, tile_nodes=TILE_NODES)
        prefixes = runner.client.run_on_scheduler(  # type: ignore[attr-defined]
            lambda dask_scheduler: list(dask_scheduler.task_prefixes)
        )
    assert same_figures(tiled) == same_figures(plain)
    assert "tile" in prefixes  # the tiles ran as tasks of their own


def test_a_small_network_is_searched_whole_and_tile_nodes_must_be_positive():
    with pytest.raises(ValidationError, match="tile nodes 0"):
        CitySearch(0)


def test_the_cli_takes_tile_nodes(
    grid_files: tuple[Path, dict[str, dict[str, Path]]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    folder, cities = grid_files
    monkeypatch.setenv("LIFECIRCLE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LIFECIRCLE_DATABASE_URL", raising=False)
    manifest = str(grid_manifest(folder, cities))
    assert main(["batch", "assess", manifest, "--tile-nodes", "1000", "--json"]) == 0
    assert [c["city"] for c in json.loads(capsys.readouterr().out)["cities"]] == list(cities)
    assert main(["batch", "assess", manifest, "--tile-nodes", "10"]) == 2  # below 1,000
