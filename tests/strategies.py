"""Hypothesis strategies shared by the property tests: small random walking networks."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from lifecircle.core.walk.network import WalkNetwork, network_from_arrays


@st.composite
def networks(draw: st.DrawFn, max_nodes: int = 25) -> WalkNetwork:
    """A connected random graph: a random spanning tree plus extra links, lengths 1-300 m."""
    n = draw(st.integers(2, max_nodes))
    parents = [draw(st.integers(0, i - 1)) for i in range(1, n)]
    extra = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=2 * n))
    pairs = {
        (min(a, b), max(a, b))
        for a, b in [*zip(parents, range(1, n), strict=True), *extra]
        if a != b
    }
    pairs_sorted = sorted(pairs)
    lengths = draw(
        st.lists(st.floats(1.0, 300.0), min_size=len(pairs_sorted), max_size=len(pairs_sorted))
    )
    u = np.array([p[0] for p in pairs_sorted], dtype=np.int32)
    v = np.array([p[1] for p in pairs_sorted], dtype=np.int32)
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    return network_from_arrays(
        lon=114.0 + rng.random(n) * 0.01,
        lat=22.5 + rng.random(n) * 0.01,
        seg_u=u,
        seg_v=v,
        seg_len=np.array(lengths),
        node_id=np.arange(n, dtype=np.int64),
        epsg=32650,
        source="hypothesis",
    )


@st.composite
def places_on(draw: st.DrawFn, net: WalkNetwork, n_categories: int = 3):
    """Places at nodes: (node, category, offset metres)."""
    k = draw(st.integers(0, 12))
    node = draw(st.lists(st.integers(0, net.n_nodes - 1), min_size=k, max_size=k))
    cat = draw(st.lists(st.integers(0, n_categories - 1), min_size=k, max_size=k))
    off = draw(st.lists(st.floats(0.0, 50.0), min_size=k, max_size=k))
    return np.array(node, dtype=np.int64), np.array(cat, dtype=np.int64), np.array(off)
