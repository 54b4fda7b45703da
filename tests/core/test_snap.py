"""Edge snapping and point insertion: mid-edge points, same-segment pairs, far points."""

from __future__ import annotations

import numpy as np
import pytest

from lifecircle.core.walk.access import accessibility
from lifecircle.core.walk.geodesy import geodesic_m
from lifecircle.core.walk.network import build_network
from lifecircle.core.walk.snap import snap_nodes, snap_points


@pytest.fixture
def street():
    r"""One straight east-west street of two segments along latitude 22.5::

    W (114.000) ------ M (114.005) ------ E (114.010)
    """
    lon = np.array([114.000, 114.005, 114.010])
    lat = np.array([22.5, 22.5, 22.5])
    ids = np.array([11, 12, 13])
    net, _ = build_network(ids, lon, lat, np.array([11, 12]), np.array([12, 13]), source="street")
    return net


def idx(net, node_id):
    return int(np.flatnonzero(net.node_id == node_id)[0])


def test_snap_mid_edge(street):
    # 0.0005 degrees north of the street, 1/5 of the way from W to M
    s = snap_points(street, [114.001], [22.5005])
    assert s.ok.all()
    assert s.lon[0] == pytest.approx(114.001, abs=2e-7)  # foot of the perpendicular
    assert s.lat[0] == pytest.approx(22.5, abs=2e-7)
    assert s.offset_m[0] == pytest.approx(55.37, abs=0.01)  # 0.0005 deg of latitude at 22.5 N
    seg = int(s.seg[0])
    whole = street.seg_len[seg]
    assert s.to_u_m[0] + s.to_v_m[0] == pytest.approx(whole, abs=1e-6)
    assert min(s.to_u_m[0], s.to_v_m[0]) == pytest.approx(whole / 5, abs=0.05)


def test_far_point_left_out(street):
    s = snap_points(street, [114.005, 114.005], [22.5027, 22.51], max_snap_m=300.0)
    assert s.ok.tolist() == [True, False]  # 299 m vs 1.1 km from the street
    assert np.isnan(s.offset_m[1])


def test_same_segment_pair_walks_along_the_segment(street):
    # origin and place on the same segment W-M: the walk must not detour to a node
    o = snap_points(street, [114.001], [22.4999])
    p = snap_points(street, [114.002], [22.5001])
    res = accessibility(
        street, origins=o, places=p, place_category=[0], categories=("x",), limit_m=1000.0
    )
    along = geodesic_m(o.lon, o.lat, p.lon, p.lat)[0]
    expected = o.offset_m[0] + along + p.offset_m[0]
    assert along == pytest.approx(102.9, abs=0.2)  # 0.001 deg of longitude at 22.5 N
    assert res.metres[0, 0] == pytest.approx(expected, abs=1e-6)
    assert res.counts[0, 0] == 1


def test_mid_edge_place_is_not_at_a_node(street):
    # place 2/5 along W-M, origin at E: walk E-M plus 3/5 of M-W... i.e. via M
    p = snap_points(street, [114.002], [22.5])
    o = snap_nodes(street, np.array([idx(street, 13)]))
    res = accessibility(
        street, origins=o, places=p, place_category=[0], categories=("x",), limit_m=5000.0
    )
    em = geodesic_m(114.010, 22.5, 114.005, 22.5)
    mp = geodesic_m(114.005, 22.5, p.lon[0], p.lat[0])
    # (the place sits 2 mm off the street: a parallel of latitude is not straight in UTM)
    assert res.metres[0, 0] == pytest.approx(em + mp + p.offset_m[0], abs=1e-6)
    assert p.offset_m[0] < 0.005
    # a node-snapping tool would put the place at W (1,028 m) or M (514 m): both wrong
    assert abs(res.metres[0, 0] - em) > 100


def test_two_places_on_one_segment_and_counts(street):
    p = snap_points(street, [114.001, 114.003, 114.0045], [22.5, 22.5, 22.5])
    o = snap_points(street, [114.0], [22.5])
    res = accessibility(
        street,
        origins=o,
        places=p,
        place_category=[0, 0, 1],
        categories=("a", "b"),
        limit_m=[320.0, 1000.0],
    )
    d1 = float(geodesic_m(114.0, 22.5, 114.001, 22.5))
    assert res.metres[0, 0] == pytest.approx(d1, abs=5e-3)
    assert res.counts[0].tolist() == [2, 1]  # 103 m and 309 m within 320; 463 m within 1000
    d3 = float(geodesic_m(114.0, 22.5, 114.0045, 22.5))
    assert res.metres[0, 1] == pytest.approx(d3, abs=5e-3)


def test_unsnapped_origin_gets_nan(street):
    o = snap_points(street, [114.0, 114.0], [22.5, 22.6])
    p = snap_points(street, [114.001], [22.5])
    res = accessibility(
        street, origins=o, places=p, place_category=[0], categories=("a",), limit_m=1000.0
    )
    assert res.origin_ok.tolist() == [True, False]
    assert np.isnan(res.metres[1, 0])
    assert res.counts[1, 0] == 0
