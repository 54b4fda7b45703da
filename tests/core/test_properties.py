"""Invariants of the kernels (Hypothesis) and a scipy oracle on random graphs."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

from lifecircle.core.walk.access import counts_at_nodes, nearest_at_nodes
from lifecircle.core.walk.network import network_from_arrays
from tests.strategies import networks, places_on

C = 3
LIMIT = 400.0


def _nearest(net, node, cat, off, limit=LIMIT):
    return nearest_at_nodes(
        net,
        source_node=node,
        source_category=cat,
        source_offset_m=off,
        n_categories=C,
        limit_m=limit,
        workers=2,
    )


def _counts(net, node, cat, off, limit=LIMIT):
    return counts_at_nodes(
        net,
        source_node=node,
        source_category=cat,
        source_offset_m=off,
        n_categories=C,
        limit_m=limit,
        workers=2,
    )


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_matches_scipy_oracle(data):
    net = data.draw(networks())
    node, cat, off = data.draw(places_on(net, C))
    d = _nearest(net, node, cat, off)
    k = _counts(net, node, cat, off)
    graph = csr_array((net.weights, net.indices, net.indptr), shape=(net.n_nodes,) * 2)
    full = dijkstra(graph, directed=False)
    for c in range(C):
        sel = cat == c
        per_place = full[node[sel]] + off[sel, None]  # (places, nodes)
        ref = per_place.min(axis=0, initial=np.inf)
        ref[ref > LIMIT] = np.inf
        np.testing.assert_allclose(d[c], ref, atol=1e-9)
        np.testing.assert_array_equal(k[c], (per_place <= LIMIT).sum(axis=0))


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_removing_a_place_never_shortens_adding_never_lengthens(data):
    net = data.draw(networks())
    node, cat, off = data.draw(places_on(net, C))
    base = _nearest(net, node, cat, off)
    if node.size:
        drop = data.draw(st.integers(0, node.size - 1))
        keep = np.arange(node.size) != drop
        fewer = _nearest(net, node[keep], cat[keep], off[keep])
        assert np.all(fewer >= base)
    extra = data.draw(st.integers(0, net.n_nodes - 1))
    more = _nearest(net, np.append(node, extra), np.append(cat, 0), np.append(off, 0.0))
    assert np.all(more <= base)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), small=st.floats(0.0, 300.0), grow=st.floats(0.0, 300.0))
def test_counts_grow_with_the_limit(data, small, grow):
    net = data.draw(networks())
    node, cat, off = data.draw(places_on(net, C))
    a = _counts(net, node, cat, off, limit=small)
    b = _counts(net, node, cat, off, limit=small + grow)
    assert np.all(b >= a)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_results_do_not_depend_on_node_order(data):
    net = data.draw(networks())
    node, cat, off = data.draw(places_on(net, C))
    perm = np.asarray(data.draw(st.permutations(range(net.n_nodes))), dtype=np.int64)
    # node i of the original becomes node perm[i]
    inv = np.empty_like(perm)
    inv[perm] = np.arange(perm.size)
    shuffled = network_from_arrays(
        lon=net.lon[inv],
        lat=net.lat[inv],
        seg_u=perm[net.seg_u].astype(np.int32),
        seg_v=perm[net.seg_v].astype(np.int32),
        seg_len=net.seg_len,
        node_id=net.node_id[inv],
        epsg=net.epsg,
        source="shuffled",
    )
    d1 = _nearest(net, node, cat, off)
    d2 = _nearest(shuffled, perm[node], cat, off)
    np.testing.assert_allclose(d2[:, perm], d1, atol=1e-9)
    np.testing.assert_array_equal(
        _counts(shuffled, perm[node], cat, off)[:, perm], _counts(net, node, cat, off)
    )


@settings(max_examples=40, deadline=None)
@given(data=st.data(), pool=st.integers(1, 4))
def test_bucket_pool_overflow_falls_back_to_the_heap(data, pool):
    from lifecircle.core.walk import kernels  # noqa: PLC0415
    from lifecircle.core.walk.access import bucket_inv_width  # noqa: PLC0415

    net = data.draw(networks())
    seed = data.draw(st.integers(0, net.n_nodes - 1))
    n = net.n_nodes
    results = []
    for size in (pool, net.indices.size + 16):
        dist = np.empty(n)
        stamp = np.zeros(n, dtype=np.int32)
        reached = np.empty(n, dtype=np.int32)
        inv = bucket_inv_width(net, LIMIT)
        m = kernels.search_from(
            net.indptr,
            net.indices,
            net.weights,
            np.array([seed], dtype=np.int32),
            np.zeros(1),
            LIMIT,
            inv,
            dist,
            stamp,
            1,
            np.empty(n, dtype=np.int32),
            np.empty(int(LIMIT * inv) + 1, dtype=np.int32),
            np.empty(size, dtype=np.int32),
            np.empty(size),
            np.empty(size, dtype=np.int32),
            reached,
        )
        assert m > 0
        out = np.full(n, np.inf)
        out[reached[:m]] = dist[reached[:m]]
        results.append(out)
    np.testing.assert_array_equal(results[0], results[1])


@settings(max_examples=40, deadline=None)
@given(data=st.data(), k=st.sampled_from([5, 150]))
def test_router_places_within_matches_scipy(data, k):
    from lifecircle.core.walk.access import Router  # noqa: PLC0415

    net = data.draw(networks())
    rng = np.random.default_rng(data.draw(st.integers(0, 2**31)))
    node = rng.integers(0, net.n_nodes, k)  # k > 64 exercises the large-result sort
    off = rng.uniform(0, 50, k)
    origin = data.draw(st.integers(0, net.n_nodes - 1))
    router = Router(net, place_node=node, place_offset_m=off)
    place, metres = router.places_within(origin, 0.0, LIMIT)
    graph = csr_array((net.weights, net.indices, net.indptr), shape=(net.n_nodes,) * 2)
    ref = dijkstra(graph, directed=False, indices=origin)[node] + off
    expected = np.flatnonzero(ref <= LIMIT)
    assert sorted(place.tolist()) == sorted(expected.tolist())
    assert np.all(np.diff(metres) >= 0)
    np.testing.assert_allclose(metres, ref[place], atol=1e-9)
