"""Home-to-shop walks of given pairs, against a brute-force shortest path (networkx).

The network is the jittered Futian grid of tests/core/test_live.py with SYNTHETIC homes
and shops; the oracle snaps by brute force, inserts every point into a networkx graph
and runs Dijkstra (tests/services/test_oracle.py).
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from lifecircle.core.walk.pairs import pair_metres
from lifecircle.core.walk.snap import snap_points
from lifecircle.errors import ValidationError
from tests.core.test_live import NET, points
from tests.services.test_oracle import brute_snap, oracle_graph


def test_pair_metres_equal_networkx_dijkstra():
    rng = np.random.default_rng(17)
    h_lon, h_lat = points(rng, 12)
    s_lon, s_lat = points(rng, 20)
    pairs_o = rng.integers(0, 12, 60)
    pairs_s = rng.integers(0, 20, 60)
    limit = 700.0
    got = pair_metres(
        NET,
        origins=snap_points(NET, h_lon, h_lat),
        places=snap_points(NET, s_lon, s_lat),
        origin_of_pair=pairs_o,
        place_of_pair=pairs_s,
        limit_m=limit,
    )
    names = {f"h{i}": (h_lon[i], h_lat[i]) for i in range(12)}
    names |= {f"s{i}": (s_lon[i], s_lat[i]) for i in range(20)}
    snaps = brute_snap(NET, [v[0] for v in names.values()], [v[1] for v in names.values()])
    g = oracle_graph(NET, {k: (*v, s) for (k, v), s in zip(names.items(), snaps, strict=True)})
    within = 0
    for k, (o, s) in enumerate(zip(pairs_o.tolist(), pairs_s.tolist(), strict=True)):
        try:
            truth = nx.dijkstra_path_length(g, f"h{o}", f"s{s}")
        except nx.NetworkXNoPath:  # pragma: no cover - the grid is connected
            truth = np.inf
        if truth <= limit:
            assert got[k] == pytest.approx(truth, abs=1e-6)
            within += 1
        else:
            assert np.isnan(got[k]) or got[k] == pytest.approx(truth, abs=1e-6)
    assert 10 < within < 60  # both sides of the limit are exercised


def test_a_home_and_shop_on_one_street_walk_along_it():
    u, v = NET.seg_u[0], NET.seg_v[0]
    on = [
        (NET.lon[u] * (1 - f) + NET.lon[v] * f, NET.lat[u] * (1 - f) + NET.lat[v] * f)
        for f in (0.4, 0.6)
    ]
    origins = snap_points(NET, np.array([on[0][0]]), np.array([on[0][1]]))
    places = snap_points(NET, np.array([on[1][0]]), np.array([on[1][1]]))
    length = float(NET.seg_len[0])
    got = pair_metres(
        NET, origins=origins, places=places, origin_of_pair=[0], place_of_pair=[0], limit_m=length
    )
    assert got[0] == pytest.approx(0.2 * length, rel=0.02)  # along the street, not round it


def test_unsnapped_points_and_bad_input():
    far = snap_points(NET, np.array([0.0]), np.array([0.0]))
    near = snap_points(NET, *points(np.random.default_rng(1), 1))
    got = pair_metres(
        NET, origins=far, places=near, origin_of_pair=[0], place_of_pair=[0], limit_m=500.0
    )
    assert np.isnan(got[0])
    with pytest.raises(ValidationError, match="out of range"):
        pair_metres(
            NET, origins=near, places=near, origin_of_pair=[1], place_of_pair=[0], limit_m=1
        )
    with pytest.raises(ValidationError, match="limit_m"):
        pair_metres(
            NET, origins=near, places=near, origin_of_pair=[0], place_of_pair=[0], limit_m=-1
        )
    empty = pair_metres(
        NET, origins=near, places=near, origin_of_pair=[], place_of_pair=[], limit_m=9
    )
    assert empty.shape == (0,)
