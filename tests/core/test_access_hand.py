"""Nearest and count kernels on hand-drawn graphs with answers worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from lifecircle.core.walk.access import Router, counts_at_nodes, lpt_schedule, nearest_at_nodes
from lifecircle.errors import ValidationError


def test_nearest_by_hand(loop_network):
    net, ix = loop_network
    # category 0 at C, category 1 at D
    d = nearest_at_nodes(
        net,
        source_node=[ix["C"], ix["D"]],
        source_category=[0, 1],
        n_categories=2,
        limit_m=1000.0,
    )
    assert d[0, ix["A"]] == pytest.approx(200.0)  # A-B-C
    assert d[0, ix["D"]] == pytest.approx(250.0)  # D-E-C, not D-A-B-C (500)
    assert d[1, ix["A"]] == pytest.approx(300.0)  # A-D (300) beats A-B-C-E-D (450)
    assert d[1, ix["C"]] == pytest.approx(250.0)  # C-E-D
    assert d[1, ix["B"]] == pytest.approx(350.0)  # B-C-E-D (350) beats B-A-D (400)


def test_nearest_respects_limit_and_offsets(loop_network):
    net, ix = loop_network
    d = nearest_at_nodes(
        net,
        source_node=[ix["C"]],
        source_offset_m=[30.0],
        source_category=[0],
        n_categories=1,
        limit_m=140.0,
    )
    assert d[0, ix["C"]] == pytest.approx(30.0)
    assert d[0, ix["B"]] == pytest.approx(130.0)
    assert d[0, ix["E"]] == pytest.approx(80.0)
    assert np.isinf(d[0, ix["A"]])  # 230 > 140
    assert np.isinf(d[0, ix["D"]])  # 280 > 140


def test_per_category_limits(loop_network):
    net, ix = loop_network
    d = nearest_at_nodes(
        net,
        source_node=[ix["A"], ix["A"]],
        source_category=[0, 1],
        n_categories=2,
        limit_m=[150.0, 450.0],
    )
    assert np.isinf(d[0, ix["C"]])
    assert d[1, ix["C"]] == pytest.approx(200.0)
    assert d[1, ix["E"]] == pytest.approx(250.0)


def test_counts_by_hand(loop_network):
    net, ix = loop_network
    # two places of category 0 at C (merged into one search), one at D
    k = counts_at_nodes(
        net,
        source_node=[ix["C"], ix["C"], ix["D"]],
        source_category=[0, 0, 0],
        n_categories=1,
        limit_m=250.0,
    )
    assert k[0, ix["A"]] == 2  # C at 200, D at 300
    assert k[0, ix["E"]] == 3  # C at 50, D at 200
    assert k[0, ix["D"]] == 3  # C at 250 (inclusive), D at 0
    assert k[0, ix["B"]] == 2


def test_counts_node_offset(loop_network):
    net, ix = loop_network
    off = np.zeros(net.n_nodes)
    off[ix["A"]] = 60.0  # the origin stands 60 m from A
    k = counts_at_nodes(
        net,
        source_node=[ix["C"]],
        source_category=[0],
        n_categories=1,
        limit_m=250.0,
        node_offset_m=off,
    )
    assert k[0, ix["A"]] == 0  # 200 + 60 > 250
    assert k[0, ix["B"]] == 1


def test_router_places_and_route(loop_network):
    net, ix = loop_network
    router = Router(net, place_node=[ix["E"], ix["B"], ix["D"]], place_offset_m=[5.0, 0.0, 0.0])
    place, metres = router.places_within(ix["A"], 0.0, 260.0)
    assert place.tolist() == [1, 0]  # B at 100, E at 250 + 5 = 255 (D at 300 is out)
    assert metres.tolist() == pytest.approx([100.0, 255.0])
    assert router.path_to(ix["E"]).tolist() == [ix["A"], ix["B"], ix["C"], ix["E"]]
    with pytest.raises(ValidationError):
        router.path_to(ix["D"])
    # a new search forgets the old one without clearing memory
    place, _ = router.places_within(ix["D"], 0.0, 10.0)
    assert place.tolist() == [2]


def test_bad_arguments(loop_network):
    net, _ = loop_network
    with pytest.raises(ValidationError):
        nearest_at_nodes(net, source_node=[0], source_category=[3], n_categories=2, limit_m=1.0)
    with pytest.raises(ValidationError):
        nearest_at_nodes(
            net, source_node=[0], source_category=[0], n_categories=1, limit_m=float("nan")
        )


def test_lpt_schedule_balances():
    ptr, tasks = lpt_schedule(np.array([10.0, 1, 1, 1, 9, 1, 1]), 2)
    assert sorted(tasks.tolist()) == list(range(7))
    loads = [np.array([10.0, 1, 1, 1, 9, 1, 1])[tasks[ptr[w] : ptr[w + 1]]].sum() for w in range(2)]
    assert max(loads) == 12.0
