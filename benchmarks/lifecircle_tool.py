"""The lifecircle column: ``build_network`` then the node-level access functions."""

from __future__ import annotations

import time

import numba as nb
import numpy as np

from lifecircle.core.walk.access import Router, counts_at_nodes, nearest_at_nodes
from lifecircle.core.walk.network import build_network
from synthetic import city
from workload import LIMIT_M, N_CATEGORIES, Bench, CountsAnswer, index_of


class LifecircleTool:
    """lifecircle.core: build_network, nearest_at_nodes, counts_at_nodes, Router."""

    NEEDS = ("raw_node_id", "raw_lon", "raw_lat", "raw_seg_a", "raw_seg_b")

    def __init__(self, bench: Bench, *, limit_m: float = LIMIT_M) -> None:
        self.bench = bench
        self.limit = limit_m
        self.notes = [
            (
                f"lifecircle: numba {nb.__version__}, {nb.get_num_threads()} threads; prep is "
                "build_network from the raw tables (id mapping, geodesic lengths, largest "
                "component, Hilbert order); W3 is Router.places_within timed from Python"
            ),
        ]

    def warm_up(self) -> float:
        """Compile (or load from numba's cache) every kernel on a small city."""
        t0 = time.perf_counter()
        c = city(3000, seed=0)
        net, _ = build_network(
            c["node_id"], c["lon"], c["lat"], c["seg_a"], c["seg_b"], source="warm-up"
        )
        ok = np.isin(c["place_node_id"], net.node_id)
        idx = index_of(net.node_id, c["place_node_id"][ok])
        cat = c["place_category"][ok]
        kw = {
            "source_node": idx,
            "source_category": cat,
            "n_categories": N_CATEGORIES,
            "limit_m": self.limit,
        }
        nearest_at_nodes(net, **kw)
        counts_at_nodes(net, **kw)
        Router(net, place_node=idx).places_within(0, 0.0, self.limit)
        return time.perf_counter() - t0

    def prepare(self) -> None:
        b = self.bench
        self.net, _ = build_network(
            b.raw_node_id, b.raw_lon, b.raw_lat, b.raw_seg_a, b.raw_seg_b, source="bench"
        )
        self.place_idx = index_of(self.net.node_id, b.place_node_id)
        self.to_canonical = b.canonical_index(self.net.node_id)

    def _kw(self) -> dict[str, object]:
        return {
            "source_node": self.place_idx,
            "source_category": self.bench.place_category,
            "n_categories": N_CATEGORIES,
            "limit_m": self.limit,
        }

    def nearest(self) -> np.ndarray:
        return nearest_at_nodes(self.net, **self._kw())

    def canonical_nearest(self, answer: object) -> np.ndarray:
        out = np.empty_like(answer)
        out[:, self.to_canonical] = answer
        return out

    def counts(self) -> np.ndarray:
        return counts_at_nodes(self.net, **self._kw())

    def canonical_counts(self, answer: object) -> CountsAnswer:
        return CountsAnswer(self.canonical_nearest(answer))

    def places_near(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        router = Router(self.net, place_node=self.place_idx)
        node = index_of(self.net.node_id, queries)
        router.places_within(int(node[0]), 0.0, self.limit)  # warm-up
        ptr = np.zeros(node.size + 1, dtype=np.int64)
        found, seconds = [], np.empty(node.size)
        for q in range(node.size):
            t0 = time.perf_counter()
            place, _ = router.places_within(int(node[q]), 0.0, self.limit)
            seconds[q] = time.perf_counter() - t0
            found.append(place)
            ptr[q + 1] = ptr[q] + place.size
        return ptr, np.concatenate(found).astype(np.int32), seconds
