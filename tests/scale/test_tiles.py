"""Tiles as Dask tasks (scale/tiles.py): the same answers as one process, bit for bit.

The cluster test starts a real ``LocalCluster`` of two worker processes (TCP on
loopback) on a tiny SYNTHETIC city.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import numpy as np
import pytest

from lifecircle.core.walk.access import accessibility
from lifecircle.core.walk.snap import snap_points
from lifecircle.errors import ValidationError
from lifecircle.scale.tiles import run_tiles, tiled_accessibility

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def city():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from synthetic_city import SIZES, synthetic_city  # noqa: PLC0415
    finally:
        sys.path.remove(str(BENCHMARKS))
    data = synthetic_city(SIZES["tiny"], seed=11)
    homes = snap_points(data.net, data.homes.lon, data.homes.lat)
    places = snap_points(data.net, data.places.lon, data.places.lat).take(data.places.pair_place)
    args = {
        "origins": homes,
        "places": places,
        "place_category": data.places.pair_category,
        "categories": tuple(data.categories),
        "limit_m": 800.0,
    }
    return data.net, args, accessibility(data.net, **args)


def _same(a, b):
    np.testing.assert_array_equal(a.metres, b.metres, strict=True)
    np.testing.assert_array_equal(a.counts, b.counts, strict=True)
    np.testing.assert_array_equal(a.origin_ok, b.origin_ok)
    assert a.categories == b.categories


def test_in_process_loop_equals_one_search_and_reports_the_halo(city, caplog, monkeypatch):
    net, args, full = city
    # a logging.config call elsewhere in the session (import-linter's) may disable it
    monkeypatch.setattr(logging.getLogger("lifecircle.scale.tiles"), "disabled", False)
    with caplog.at_level(logging.INFO, logger="lifecircle.scale.tiles"):
        _same(tiled_accessibility(net, **args, tile_nodes=700), full)
    assert "halo extra work" in caplog.text
    run = run_tiles(net, **args, tile_nodes=700).run
    assert run.tiles == len(run.task_s) >= 4
    assert run.tile_nodes > run.nodes == net.n_nodes
    assert 0.0 < run.halo_share < 3.0


def test_one_tile_has_no_halo(city):
    net, args, full = city
    out = run_tiles(net, **args, tile_nodes=net.n_nodes)
    _same(out.result, full)
    assert out.run.tiles == 1
    assert out.run.halo_share == 0.0


@pytest.mark.slow
def test_tiles_on_a_local_cluster_of_two_processes(city):
    distributed = pytest.importorskip("distributed")
    net, args, full = city
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            host="127.0.0.1",
            memory_limit="1GiB",
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        out = run_tiles(net, **args, tile_nodes=600, client=client, workers=1, in_flight=3)
        ran_on = client.run(lambda: True)
        with pytest.raises(ValidationError) as err:
            run_tiles(net, **args, tile_nodes=600, client=client, in_flight=0)
    _same(out.result, full)
    assert len(ran_on) == 2
    assert out.run.tiles >= 4
    assert all(s > 0 for s in out.run.task_s)
    assert err.value.field == "in_flight"
