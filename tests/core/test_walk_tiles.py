"""Tiles with a halo give exactly the single-process accessibility (core/walk/tiles.py).

Networks are cut along roads (tile borders on streets), with origins and places on the
borders and on segments that cross them; random networks (hypothesis, lengths unrelated
to geometry) and a SYNTHETIC city too. "Equal" means bit for bit: metres with their nan,
counts and origin_ok.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifecircle.core.walk import tiles as tiles_mod
from lifecircle.core.walk.access import AccessResult, accessibility
from lifecircle.core.walk.geodesy import LocalProjection, geodesic_m
from lifecircle.core.walk.network import WalkNetwork, network_from_arrays
from lifecircle.core.walk.snap import Snapped, snap_points
from lifecircle.core.walk.tiles import (
    TileAnswer,
    assemble,
    cut_tiles,
    tile_accessibility,
    tile_grid,
)
from lifecircle.errors import ValidationError
from tests.strategies import networks

EPSG = 32650
PROJ = LocalProjection(EPSG)
X0, Y0 = 800_000.0, 2_490_000.0  # near Shenzhen in UTM 50N
BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _grid_network(n: int, block_m: float, *, long_road: bool = False) -> WalkNetwork:
    """An n x n street grid of square blocks (projected metres), lengths from geometry.

    ``long_road``: a straight road (a bridge: it meets no street) from far west to far
    east through the middle of a block row, one segment of ``(n + 40) * block_m``.
    """
    ix, iy = np.meshgrid(np.arange(n), np.arange(n), indexing="xy")
    x = X0 + ix.ravel() * block_m
    y = Y0 + iy.ravel() * block_m
    k = np.arange(n * n).reshape(n, n)
    u = np.concatenate([k[:, :-1].ravel(), k[:-1, :].ravel()])
    v = np.concatenate([k[:, 1:].ravel(), k[1:, :].ravel()])
    if long_road:
        yr = Y0 + (n // 2 + 0.5) * block_m
        x = np.concatenate([x, [X0 - 20 * block_m, X0 + (n + 20) * block_m]])
        y = np.concatenate([y, [yr, yr]])
        u = np.concatenate([u, [n * n]])
        v = np.concatenate([v, [n * n + 1]])
    lon, lat = PROJ.inverse(x, y)
    length = geodesic_m(lon[u], lat[u], lon[v], lat[v])
    return network_from_arrays(
        lon=lon,
        lat=lat,
        seg_u=u.astype(np.int32),
        seg_v=v.astype(np.int32),
        seg_len=length,
        node_id=np.arange(lon.size, dtype=np.int64),
        epsg=EPSG,
        source="grid",
    )


def _snap_xy(net: WalkNetwork, x: np.ndarray, y: np.ndarray) -> Snapped:
    lon, lat = PROJ.inverse(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    return snap_points(net, lon, lat)


def _equal(a: AccessResult, b: AccessResult) -> None:
    assert a.categories == b.categories
    np.testing.assert_array_equal(a.limit_m, b.limit_m)
    np.testing.assert_array_equal(a.origin_ok, b.origin_ok)
    np.testing.assert_array_equal(a.counts, b.counts)
    # bit for bit, nan where nothing is in reach
    np.testing.assert_array_equal(a.metres, b.metres, strict=True)
    assert np.array_equal(np.isnan(a.metres), np.isnan(b.metres))


def _tiled(
    net: WalkNetwork,
    origins: Snapped,
    places: Snapped,
    category: np.ndarray,
    categories: tuple[str, ...],
    limit: float | np.ndarray,
    **grid: float,
) -> tuple[AccessResult, list[TileAnswer]]:
    g = tile_grid(net, **grid)  # type: ignore[arg-type]
    answers = [
        tile_accessibility(t, categories=categories, limit_m=limit)
        for t in cut_tiles(
            net, origins=origins, places=places, place_category=category, limit_m=limit, grid=g
        )
    ]
    return assemble(answers, origins=origins, categories=categories, limit_m=limit), answers


def _border_points(n: int, block: float, tile_blocks: int) -> tuple[np.ndarray, np.ndarray]:
    """Points on the border roads (middles of border segments, border crossings) and on
    the segments that cross the borders (their middles and quarter points)."""
    xs, ys = [], []
    for b in range(tile_blocks, n, tile_blocks):
        border = b * block
        for j in range(n - 1):
            along = (j + 0.5) * block
            xs += [border, along, border + 0.25 * block, border - 0.5 * block]
            ys += [along, border, along - 0.5 * block, j * block]
        xs += [border, border]
        ys += [border, 0.0]
    return X0 + np.array(xs), Y0 + np.array(ys)


@pytest.mark.parametrize("tile_blocks", [2, 3, 5])
@pytest.mark.parametrize("limit", [90.0, 250.0, 700.0, [150.0, 420.0]])
def test_grid_cut_along_roads_with_points_on_the_borders(tile_blocks, limit):
    n, block = 12, 100.0
    net = _grid_network(n, block)
    bx, by = _border_points(n, block, tile_blocks)
    rng = np.random.default_rng(tile_blocks)
    # origins: every border point, scattered ones and one too far to snap; places:
    # border points too
    ox = np.concatenate([bx, X0 + rng.uniform(-30, n * block, 60), [X0 - 5_000.0]])
    oy = np.concatenate([by, Y0 + rng.uniform(-30, n * block, 60), [Y0]])
    pick = rng.random(bx.size) < 0.3
    px = np.concatenate([bx[pick], X0 + rng.uniform(0, n * block, 25)])
    py = np.concatenate([by[pick], Y0 + rng.uniform(0, n * block, 25)])
    origins, places = _snap_xy(net, ox, oy), _snap_xy(net, px, py)
    cats = ("a", "b")
    category = rng.integers(0, 2, places.seg.size)
    full = accessibility(
        net, origins=origins, places=places, place_category=category, categories=cats, limit_m=limit
    )
    # the borders of tile_m tiles from the grid's corner lie on the streets x, y = b * block
    tiled, answers = _tiled(
        net, origins, places, category, cats, np.asarray(limit), tile_m=tile_blocks * block
    )
    _equal(tiled, full)
    assert len(answers) > 1
    assert not full.origin_ok[-1]
    assert np.isfinite(full.metres).any()
    assert np.isnan(full.metres).any() or min(np.atleast_1d(limit)) > 500


def test_a_long_segment_crossing_the_halo_keeps_its_points():
    """Origin and place on one long road whose ends lie far outside every halo."""
    n, block = 10, 100.0
    net = _grid_network(n, block, long_road=True)
    yr = Y0 + (n // 2 + 0.5) * block
    origins = _snap_xy(net, X0 + np.array([440.0, 120.0, 960.0]), np.full(3, yr))
    places = _snap_xy(net, X0 + np.array([560.0, 310.0]), np.full(2, yr))
    assert (origins.seg == net.n_segments - 1).all()
    category = np.zeros(2, dtype=np.int64)
    full = accessibility(
        net, origins=origins, places=places, place_category=category, categories=("a",), limit_m=150
    )
    assert full.metres[0, 0] == pytest.approx(120.0, abs=0.2)  # UTM scale: 0.9993
    for tile_m in (200.0, 500.0, 300.0):
        tiled, _ = _tiled(net, origins, places, category, ("a",), 150.0, tile_m=tile_m)
        _equal(tiled, full)


def tiny_city(seed: int):
    """The benchmarks' tiny SYNTHETIC city, snapped: network, homes, places (one per
    place-category pair), their category codes and the category names."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from synthetic_city import SIZES, synthetic_city  # noqa: PLC0415
    finally:
        sys.path.remove(str(BENCHMARKS))
    data = synthetic_city(SIZES["tiny"], seed=seed)
    homes = snap_points(data.net, data.homes.lon, data.homes.lat)
    places = snap_points(data.net, data.places.lon, data.places.lat).take(data.places.pair_place)
    return data.net, homes, places, data.places.pair_category, tuple(data.categories)


@pytest.fixture(scope="module")
def city():
    return tiny_city(seed=7)


@pytest.mark.parametrize("tile_nodes", [300, 1_500, 10_000])
@pytest.mark.parametrize("limit", [250.0, 1_000.0])
def test_synthetic_city_tiled_equals_untiled(city, tile_nodes, limit):
    net, homes, places, category, cats = city
    full = accessibility(
        net, origins=homes, places=places, place_category=category, categories=cats, limit_m=limit
    )
    tiled, answers = _tiled(net, homes, places, category, cats, limit, tile_nodes=tile_nodes)
    _equal(tiled, full)
    assert np.isfinite(full.metres).any(axis=1).mean() > 0.5  # most homes reach something
    assert full.counts.max() > 1
    if tile_nodes < net.n_nodes:
        assert len(answers) > 1
        assert sum(a.nodes for a in answers) > net.n_nodes  # halos overlap


def test_without_counts_and_without_origins(city):
    net, homes, places, category, cats = city
    full = accessibility(
        net,
        origins=homes,
        places=places,
        place_category=category,
        categories=cats,
        limit_m=600.0,
        with_counts=False,
    )
    g = tile_grid(net, tile_nodes=800)
    tiles = cut_tiles(
        net, origins=homes, places=places, place_category=category, limit_m=600.0, grid=g
    )
    answers = [
        tile_accessibility(t, categories=cats, limit_m=600.0, with_counts=False) for t in tiles
    ]
    _equal(assemble(answers, origins=homes, categories=cats, limit_m=600.0), full)
    assert not full.counts.any()
    none = homes.take(np.zeros(0, dtype=np.int64))
    assert (
        list(
            cut_tiles(
                net, origins=none, places=places, place_category=category, limit_m=600.0, grid=g
            )
        )
        == []
    )
    empty = assemble([], origins=none, categories=cats, limit_m=600.0)
    assert empty.metres.shape == (0, len(cats))


def test_a_halo_too_small_would_be_caught(city, monkeypatch):
    """The equality tests can fail: with a third of the halo the answers differ."""
    net, homes, places, category, cats = city
    full = accessibility(
        net, origins=homes, places=places, place_category=category, categories=cats, limit_m=1000.0
    )
    monkeypatch.setattr(tiles_mod, "halo_m", lambda _net, limit: limit / 3)
    tiled, _ = _tiled(net, homes, places, category, cats, 1000.0, tile_nodes=500)
    assert not np.array_equal(tiled.metres, full.metres, equal_nan=True)


@st.composite
def _case(draw: st.DrawFn):
    net = draw(networks(max_nodes=30))
    x, y = net.projected_xy()
    k_o, k_p = draw(st.integers(1, 15)), draw(st.integers(0, 15))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    pad = 30.0
    ox = rng.uniform(x.min() - pad, x.max() + pad, k_o)
    oy = rng.uniform(y.min() - pad, y.max() + pad, k_o)
    px = rng.uniform(x.min() - pad, x.max() + pad, k_p)
    py = rng.uniform(y.min() - pad, y.max() + pad, k_p)
    # some points exactly on nodes (hence on many tiles' borders under quantile cuts)
    on_node = rng.integers(0, net.n_nodes, 3)
    ox, oy = np.concatenate([ox, x[on_node]]), np.concatenate([oy, y[on_node]])
    limit = draw(st.sampled_from([50.0, 200.0, 600.0, 2_000.0]))
    tile_nodes = draw(st.integers(1, 12))
    return net, (ox, oy), (px, py), limit, tile_nodes, rng.integers(0, 3, k_p)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_case())
def test_random_networks_tiled_equals_untiled(case):
    net, (ox, oy), (px, py), limit, tile_nodes, category = case
    proj = net.projection()
    origins = snap_points(net, *proj.inverse(ox, oy), max_snap_m=500.0)
    places = snap_points(net, *proj.inverse(px, py), max_snap_m=500.0)
    cats = ("a", "b", "c")
    full = accessibility(
        net, origins=origins, places=places, place_category=category, categories=cats, limit_m=limit
    )
    tiled, _ = _tiled(net, origins, places, category, cats, limit, tile_nodes=tile_nodes)
    _equal(tiled, full)


def test_each_point_is_in_exactly_one_tile_borders_included():
    net = _grid_network(6, 100.0)
    g = tile_grid(net, tile_m=200.0)
    x = X0 + np.array([0.0, 199.999, 200.0, 400.0, 500.0, -1e9, 1e9])
    y = np.full(x.size, Y0 + 200.0)
    t = g.tile_of(x, y)
    assert g.n_tiles == 9
    assert t.tolist() == [1, 1, 4, 7, 7, 1, 7]  # a border belongs to the tile right/above
    x0, y0, x1, y1 = g.rect(4)
    assert (x0, y0) == pytest.approx((X0 + 200.0, Y0 + 200.0))
    assert (x1, y1) == pytest.approx((X0 + 400.0, Y0 + 400.0))


def test_tile_nodes_balances_the_nodes():
    net = _grid_network(20, 100.0)
    g = tile_grid(net, tile_nodes=100)
    x, y = net.projected_xy()
    sizes = np.bincount(g.tile_of(x, y), minlength=g.n_tiles)
    assert g.n_tiles == 4
    assert sizes.sum() == 400
    assert sizes.max() <= 120


def test_bad_arguments_name_their_field():
    net = _grid_network(3, 100.0)
    with pytest.raises(ValidationError) as err:
        tile_grid(net)
    assert err.value.field == "tile_nodes"
    with pytest.raises(ValidationError) as err:
        tile_grid(net, tile_m=-5.0)
    assert err.value.field == "tile_m"
    with pytest.raises(ValidationError) as err:
        tile_grid(net, tile_nodes=0)
    assert err.value.field == "tile_nodes"
    origins = _snap_xy(net, np.array([X0 + 50]), np.array([Y0]))
    with pytest.raises(ValidationError) as err:
        list(
            cut_tiles(
                net,
                origins=origins,
                places=origins,
                place_category=[0, 1],
                limit_m=100.0,
                grid=tile_grid(net, tile_m=100.0),
            )
        )
    assert err.value.field == "place_category"
    with pytest.raises(ValidationError) as err:
        list(
            cut_tiles(
                net,
                origins=origins,
                places=origins,
                place_category=[0],
                limit_m=-1.0,
                grid=tile_grid(net, tile_m=100.0),
            )
        )
    assert err.value.field == "limit_m"


def test_assemble_refuses_an_origin_answered_twice_or_never():
    net = _grid_network(3, 100.0)
    origins = _snap_xy(net, X0 + np.array([50.0, 150.0]), np.array([Y0, Y0]))
    one = TileAnswer(0, np.array([0]), np.zeros((1, 1)), np.zeros((1, 1), np.int32), 9, 9)
    with pytest.raises(ValidationError, match="already answered"):
        assemble([one, one], origins=origins, categories=("a",), limit_m=100.0)
    with pytest.raises(ValidationError, match="without an answer"):
        assemble([one], origins=origins, categories=("a",), limit_m=100.0)
