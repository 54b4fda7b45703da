"""Tiles as Dask tasks (scale/tiles.py): the same answers as one process, bit for bit.

The cluster test starts a real ``LocalCluster`` of two worker processes (TCP on
loopback) on a tiny SYNTHETIC city.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

from lifecircle.core.walk.access import accessibility
from lifecircle.errors import ValidationError
from lifecircle.scale.tiles import run_tiles, tiled_accessibility
from tests.core.test_walk_tiles import tiny_city


@pytest.fixture(scope="module")
def city():
    net, homes, places, category, categories = tiny_city(seed=11)
    args = {
        "origins": homes,
        "places": places,
        "place_category": category,
        "categories": categories,
        "limit_m": 800.0,
    }
    return net, args, accessibility(net, **args)


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
