"""Live place index: equal to networkx and to reach(), and changes equal a rebuild.

The small case is a jittered grid in Shenzhen with SYNTHETIC places and origins; the
oracle (tests/services/test_oracle.py) snaps by brute force, inserts every point into a
networkx graph and runs Dijkstra, sharing nothing with the engine but the segments.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from lifecircle.core.walk import live
from lifecircle.core.walk.live import (
    PlaceIndex,
    Searcher,
    index_places,
    isochrone_from,
    route_coordinates,
)
from lifecircle.core.walk.network import build_network
from lifecircle.core.walk.reach import reach
from lifecircle.core.walk.snap import Snapped, snap_points
from lifecircle.errors import ValidationError
from tests.services.test_oracle import brute_snap, oracle_graph

GEOD = Geod(ellps="WGS84")


def grid(n: int = 8, step_deg: float = 0.0012, seed: int = 4):
    """An n × n street grid near Futian, nodes jittered by up to a quarter step."""
    rng = np.random.default_rng(seed)
    ij = np.array([(i, j) for i in range(n) for j in range(n)])
    lon = 114.02 + ij[:, 0] * step_deg + rng.uniform(-0.25, 0.25, len(ij)) * step_deg
    lat = 22.53 + ij[:, 1] * step_deg + rng.uniform(-0.25, 0.25, len(ij)) * step_deg
    ids = np.arange(len(ij), dtype=np.int64)
    a = [i * n + j for i in range(n) for j in range(n - 1)] + [
        i * n + j for i in range(n - 1) for j in range(n)
    ]
    b = [i * n + j + 1 for i in range(n) for j in range(n - 1)] + [
        (i + 1) * n + j for i in range(n - 1) for j in range(n)
    ]
    net, _ = build_network(ids, lon, lat, np.array(a), np.array(b), source="grid")
    return net


NET = grid()


def points(rng, n):
    lo_lon, lo_lat, hi_lon, hi_lat = NET.bbox
    return rng.uniform(lo_lon, hi_lon, n), rng.uniform(lo_lat, hi_lat, n)


def test_near_equals_networkx_on_a_small_grid():
    rng = np.random.default_rng(11)
    p_lon, p_lat = points(rng, 60)
    o_lon, o_lat = points(rng, 15)
    index = index_places(NET, snap_points(NET, p_lon, p_lat))
    searcher = Searcher(NET)
    names = {f"p{i}": (p_lon[i], p_lat[i]) for i in range(60)}
    names |= {f"o{i}": (o_lon[i], o_lat[i]) for i in range(15)}
    snaps = brute_snap(NET, [v[0] for v in names.values()], [v[1] for v in names.values()])
    g = oracle_graph(NET, {k: (*v, s) for (k, v), s in zip(names.items(), snaps, strict=True)})
    compared = 0
    for i in range(15):
        origin = snap_points(NET, [o_lon[i]], [o_lat[i]])
        slots, metres = searcher.near(index, origin, 600.0)
        truth = nx.single_source_dijkstra_path_length(g, f"o{i}", cutoff=600.0)
        want = {int(k[1:]): d for k, d in truth.items() if isinstance(k, str) and k[0] == "p"}
        assert set(slots.tolist()) == set(want)
        for s, m in zip(slots.tolist(), metres.tolist(), strict=True):
            assert m == pytest.approx(want[s], abs=1e-6)
        assert np.all(np.diff(metres) >= 0)  # nearest first
        compared += len(want)
    assert compared > 100


def test_near_equals_reach_with_every_point_inserted():
    rng = np.random.default_rng(5)
    p_lon, p_lat = points(rng, 80)
    places = snap_points(NET, p_lon, p_lat)
    index = index_places(NET, places)
    searcher = Searcher(NET)
    for o_lon, o_lat in zip(*points(rng, 20), strict=True):
        origin = snap_points(NET, [o_lon], [o_lat])
        slots, metres = searcher.near(index, origin, 400.0)
        res = reach(
            NET,
            origin_lon=o_lon,
            origin_lat=o_lat,
            origin=origin,
            places=places,
            place_lon=p_lon,
            place_lat=p_lat,
            limit_m=400.0,
        )
        assert dict(zip(slots.tolist(), metres.tolist(), strict=True)) == pytest.approx(
            dict(zip(res.place.tolist(), res.metres.tolist(), strict=True)), abs=1e-6
        )


def test_a_place_on_the_origins_long_segment_is_reached_directly():
    # both ends of the origin's street are beyond the limit: only the straight walk remains
    net, _ = build_network(
        np.array([1, 2]),
        np.array([114.0, 114.01]),
        np.array([22.5, 22.5]),
        np.array([1]),
        np.array([2]),
        source="one street",
    )
    index = index_places(net, snap_points(net, [114.005, 114.0052, 114.0001], [22.5001] * 3))
    origin = snap_points(net, [114.0051], [22.4999])
    slots, metres = Searcher(net).near(index, origin, 100.0)
    assert sorted(slots.tolist()) == [0, 1]  # not slot 2, 500 m along the street
    assert min(index.slots.to_u_m[0], index.slots.to_v_m[0]) > 400
    for s, m in zip(slots.tolist(), metres.tolist(), strict=True):
        along = GEOD.inv(origin.lon[0], origin.lat[0], index.slots.lon[s], index.slots.lat[s])[2]
        assert m == pytest.approx(origin.offset_m[0] + along + index.slots.offset_m[s], abs=1e-6)


def test_an_origin_off_the_network_is_refused():
    index = index_places(NET, snap_points(NET, [], []))
    far = snap_points(NET, [113.0], [22.0])
    with pytest.raises(ValidationError, match="snap limit"):
        Searcher(NET).near(index, far, 100.0)


def without(snaps: Snapped, empty: np.ndarray) -> Snapped:
    """``snaps`` with the ``empty`` slots emptied."""
    fields = ("t", "lon", "lat", "offset_m", "to_u_m", "to_v_m")
    return Snapped(
        np.where(empty, -1, snaps.seg),
        *(np.where(empty, np.nan, getattr(snaps, f)) for f in fields),
    )


def slots_equal(a: PlaceIndex, b: PlaceIndex, searcher: Searcher, origins) -> None:
    for origin in origins:
        sa, ma = searcher.near(a, origin, 500.0)
        sb, mb = searcher.near(b, origin, 500.0)
        assert sa.tolist() == sb.tolist()
        np.testing.assert_allclose(ma, mb, atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(["put", "remove"]), st.integers(0, 24), st.integers(0, 10**6)),
        min_size=1,
        max_size=25,
    ),
    compact_after=st.sampled_from([2, 5, 512]),
)
def test_changes_equal_a_rebuild(steps, compact_after):
    rng = np.random.default_rng(0)
    o_lon, o_lat = points(rng, 6)
    origins = [snap_points(NET, [a], [b]) for a, b in zip(o_lon, o_lat, strict=True)]
    searcher = Searcher(NET)
    old = live.COMPACT_AFTER
    live.COMPACT_AFTER = compact_after
    try:
        lon0, lat0 = points(rng, 10)
        index = index_places(NET, snap_points(NET, lon0, lat0))
        held = {i: (lon0[i], lat0[i]) for i in range(10)}
        for action, slot, seed in steps:
            if action == "put":
                lon, lat = points(np.random.default_rng(seed), 1)
                index = index.changed(slot=np.array([slot]), snapped=snap_points(NET, lon, lat))
                held[slot] = (lon[0], lat[0])
            else:
                index = index.changed(
                    slot=np.zeros(0, np.int64),
                    snapped=snap_points(NET, [], []),
                    removed=np.array([slot]),
                )
                held.pop(slot, None)
            assert index.extra.size <= max(compact_after, 1)
        top = max(index.capacity, 1)
        lon = np.full(top, np.nan)
        lat = np.full(top, np.nan)
        for s, (a, b) in held.items():
            lon[s], lat[s] = a, b
        fresh = without(
            snap_points(NET, np.nan_to_num(lon, nan=0.0), np.nan_to_num(lat, nan=0.0)),
            np.isnan(lon),
        )
        slots_equal(index, index_places(NET, fresh), searcher, origins)
        assert index.n_placed == int(np.count_nonzero(fresh.seg >= 0))
    finally:
        live.COMPACT_AFTER = old


def test_changed_leaves_the_old_index_alone():
    rng = np.random.default_rng(2)
    lon, lat = points(rng, 5)
    index = index_places(NET, snap_points(NET, lon, lat))
    before = index.slots.seg.copy()
    moved = index.changed(
        slot=np.array([0, 7]), snapped=snap_points(NET, *points(rng, 2)), removed=np.array([3])
    )
    assert np.array_equal(index.slots.seg, before)
    assert moved.capacity == 8
    assert moved.slots.seg[3] == -1
    assert set(moved.extra.tolist()) == {0, 7}
    with pytest.raises(ValidationError, match="one snap per changed slot"):
        index.changed(slot=np.array([1, 2]), snapped=snap_points(NET, *points(rng, 1)))


def test_the_route_is_the_walk_measured():
    rng = np.random.default_rng(9)
    p_lon, p_lat = points(rng, 30)
    index = index_places(NET, snap_points(NET, p_lon, p_lat))
    searcher = Searcher(NET)
    checked = 0
    for o_lon, o_lat in zip(*points(rng, 10), strict=True):
        origin = snap_points(NET, [o_lon], [o_lat])
        slots, metres = searcher.near(index, origin, 700.0)
        for s, m in zip(slots.tolist(), metres.tolist(), strict=True):
            length, nodes = searcher.path(index, s)
            assert length == pytest.approx(m, abs=1e-9)
            coords = route_coordinates(
                index,
                origin=origin,
                origin_lon=o_lon,
                origin_lat=o_lat,
                slot=s,
                place_lon=p_lon[s],
                place_lat=p_lat[s],
                nodes=nodes,
            )
            assert tuple(coords[0]) == (o_lon, o_lat)
            assert tuple(coords[-1]) == (p_lon[s], p_lat[s])
            walked = GEOD.line_length(coords[:, 0], coords[:, 1])
            assert walked == pytest.approx(m, abs=1e-6)
            checked += 1
    assert checked > 30


def test_isochrone_equals_reach_and_covers_the_origins_street():
    rng = np.random.default_rng(6)
    empty = snap_points(NET, [], [])
    searcher = Searcher(NET)
    for o_lon, o_lat in zip(*points(rng, 8), strict=True):
        origin = snap_points(NET, [o_lon], [o_lat])
        for limit in (origin.offset_m[0] + 20.0, 350.0):
            nodes, dist = searcher.search(origin, limit)
            mine = isochrone_from(
                NET, origin=origin, reached=nodes.copy(), metres=dist.copy(), limit_m=limit
            )
            theirs = reach(
                NET,
                origin_lon=o_lon,
                origin_lat=o_lat,
                origin=origin,
                places=empty,
                place_lon=np.zeros(0),
                place_lat=np.zeros(0),
                limit_m=limit,
                with_isochrone=True,
            ).isochrone
            assert mine.contains(shapely.Point(origin.lon[0], origin.lat[0]))
            # the same area, but for planar-versus-geodesic fractions along the street
            assert mine.symmetric_difference(theirs).area <= 1e-4 * theirs.area
