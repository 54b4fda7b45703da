"""The peers: scipy.sparse.csgraph, pandana and networkx, driven as their users would.

Each gets the same network (the nodes lifecircle kept, in the input's order, and its
segments with its geodesic metres, keyed by source node ids) and the same places, and
searches once per distinct (category, node) of the places, as lifecircle does. Answers
are converted to the canonical node order outside the timed region.
"""

from __future__ import annotations

import time

import numpy as np

from workload import LIMIT_M, N_CATEGORIES, Bench, CountsAnswer, index_of, unique_seeds

DENSE_CHUNK_BYTES = 64 * 2**20  # scipy returns dense (sources, n) rows: cap each call


class ScipyTool:
    """``scipy.sparse.csgraph.dijkstra`` on a CSR array built from the segments.

    W2 at large sizes searches a random sample of the distinct seeds and extrapolates the
    time by the seed count (``w2_sample``); the checker compares that sample's counts.
    """

    NEEDS = ("edge_a", "edge_b", "edge_len")

    def __init__(
        self, bench: Bench, *, limit_m: float = LIMIT_M, w2_sample: int | None = None
    ) -> None:
        self.bench = bench
        self.limit = limit_m
        self.w2_sample = w2_sample
        # each worker imports only its own tool's library, so its memory is its own
        import scipy.sparse  # noqa: PLC0415
        import scipy.sparse.csgraph  # noqa: PLC0415

        self.csr_array = scipy.sparse.csr_array
        self.dijkstra = scipy.sparse.csgraph.dijkstra
        self.sampled: list[tuple[np.ndarray, np.ndarray]] | None = None
        self.extrapolate = 1.0
        self.notes = ["scipy: dijkstra(directed=True on the symmetric CSR), single thread"]

    def prepare(self) -> None:
        b = self.bench
        n = b.n_nodes
        # int32 indices, as csgraph wants them (int64 would be cast on every call)
        a = index_of(b.node_id, b.edge_a).astype(np.int32)
        c = index_of(b.node_id, b.edge_b).astype(np.int32)
        rows = np.concatenate([a, c])
        cols = np.concatenate([c, a])
        w = np.concatenate([b.edge_len, b.edge_len])
        self.graph = self.csr_array((w, (rows, cols)), shape=(n, n))
        self.place_node = index_of(b.node_id, b.place_node_id)

    def nearest(self) -> np.ndarray:
        out = np.full((N_CATEGORIES, self.bench.n_nodes), np.inf)
        for cat, (seeds, _) in enumerate(unique_seeds(self.bench, self.place_node)):
            if seeds.size == 0:  # a category without places
                continue
            out[cat] = self.dijkstra(
                self.graph, directed=True, indices=seeds, min_only=True, limit=self.limit
            )
        return out

    def canonical_nearest(self, answer: object) -> np.ndarray:
        return answer

    def counts(self) -> np.ndarray:
        n = self.bench.n_nodes
        groups = unique_seeds(self.bench, self.place_node)
        total = sum(s.size for s, _ in groups)
        if self.w2_sample is not None and self.w2_sample < total:
            rng = np.random.default_rng(7)
            picks = np.sort(rng.choice(total, self.w2_sample, replace=False))
            start, kept = 0, []
            for seeds, mult in groups:
                mine = picks[(picks >= start) & (picks < start + seeds.size)] - start
                kept.append((seeds[mine], mult[mine]))
                start += seeds.size
            groups = self.sampled = kept
            self.extrapolate = total / self.w2_sample
        out = np.zeros((N_CATEGORIES, n), dtype=np.int32)
        chunk = max(1, DENSE_CHUNK_BYTES // (8 * n))
        for cat, (seeds, mult) in enumerate(groups):
            for lo in range(0, seeds.size, chunk):
                dist = self.dijkstra(
                    self.graph, directed=True, indices=seeds[lo : lo + chunk], limit=self.limit
                )
                # weighted column sums as one float32 BLAS product: exact below 2**24
                weight = mult[lo : lo + chunk].astype(np.float32)
                out[cat] += (weight @ (dist <= self.limit).astype(np.float32)).astype(np.int32)
        return out

    def canonical_counts(self, answer: object) -> CountsAnswer:
        if self.sampled is None:
            return CountsAnswer(answer)
        n = self.bench.n_nodes
        keys = np.concatenate([c * n + s for c, (s, _) in enumerate(self.sampled)])
        place_key = self.bench.place_category * n + self.place_node
        places = np.flatnonzero(np.isin(place_key, keys))
        return CountsAnswer(answer, places, self.extrapolate)

    def places_near(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        node = index_of(self.bench.node_id, queries)
        self.dijkstra(self.graph, directed=True, indices=int(node[0]), limit=self.limit)
        ptr = np.zeros(node.size + 1, dtype=np.int64)
        found, seconds = [], np.empty(node.size)
        for q in range(node.size):
            t0 = time.perf_counter()
            dist = self.dijkstra(self.graph, directed=True, indices=int(node[q]), limit=self.limit)
            d = dist[self.place_node]
            place = np.flatnonzero(d <= self.limit)
            place = place[np.argsort(d[place], kind="stable")]
            seconds[q] = time.perf_counter() - t0
            found.append(place)
            ptr[q + 1] = ptr[q] + place.size
        return ptr, np.concatenate(found).astype(np.int32), seconds


class PandanaTool:
    """pandana 0.8: contraction hierarchies plus precomputed ranges (``precompute``)."""

    NEEDS = ("edge_a", "edge_b", "edge_len", "x", "y")

    def __init__(self, bench: Bench, *, limit_m: float = LIMIT_M) -> None:
        self.bench = bench
        self.limit = limit_m
        import pandana  # noqa: PLC0415  (see ScipyTool)
        import pandas as pd  # noqa: PLC0415

        self.pd = pd
        self.pandana = pandana
        self.notes = [
            (
                "pandana: x/y in metres (UTM); edge weights become integer millimetres "
                "inside pandana (up to 1 mm short per edge), so its metres are compared to "
                "0.5 m and its W2/W3 answers may differ only for places within 0.5 m of "
                "the limit"
            ),
        ]

    def prepare(self) -> None:
        pd = self.pd
        b = self.bench
        started = time.perf_counter()
        self.net = self.pandana.Network(
            pd.Series(b.x, index=b.node_id),
            pd.Series(b.y, index=b.node_id),
            pd.Series(b.edge_a),
            pd.Series(b.edge_b),
            pd.DataFrame({"metres": b.edge_len}),
            twoway=True,
        )
        built = time.perf_counter()
        self.net.precompute(self.limit)
        self.detail = [
            (
                f"pandana prep: Network() {built - started:.1f} s, "
                f"precompute({self.limit:g}) {time.perf_counter() - built:.1f} s"
            ),
        ]
        pos = index_of(b.node_id, b.place_node_id)
        self.place_x = pd.Series(b.x[pos])
        self.place_y = pd.Series(b.y[pos])
        # set_pois maps x/y to nodes with a KD-tree: make sure it lands on the same node
        mapped = self.net.get_node_ids(self.place_x, self.place_y).to_numpy()
        if not np.array_equal(mapped, b.place_node_id):
            raise ValueError("pandana's KD-tree maps some places to another node")

    def nearest(self) -> list[np.ndarray]:
        out = []
        cat = self.bench.place_category
        for k in range(N_CATEGORIES):
            name = f"c{k}"
            sel = cat == k
            if not sel.any():  # a category without places
                out.append(np.full(self.bench.n_nodes, np.inf))
                continue
            self.net.set_pois(name, self.limit, 1, self.place_x[sel], self.place_y[sel])
            out.append(
                self.net.nearest_pois(self.limit, name, num_pois=1, max_distance=np.inf)[
                    1
                ].to_numpy()
            )
        return out

    def canonical_nearest(self, answer: object) -> np.ndarray:
        return np.stack(answer).astype(np.float64)

    def counts(self) -> list[np.ndarray]:
        pd = self.pd
        out = []
        cat = self.bench.place_category
        for k in range(N_CATEGORIES):
            name = f"n{k}"
            if not (cat == k).any():  # a category without places
                out.append(np.zeros(self.bench.n_nodes))
                continue
            self.net.set(pd.Series(self.bench.place_node_id[cat == k]), name=name)
            out.append(
                self.net.aggregate(self.limit, type="count", decay="flat", name=name).to_numpy()
            )
        return out

    def canonical_counts(self, answer: object) -> CountsAnswer:
        return CountsAnswer(np.rint(np.stack(answer)).astype(np.int32))

    def places_near(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        b = self.bench
        place_node = index_of(b.node_id, b.place_node_id)
        self.net.nodes_in_range([int(queries[0])], self.limit)
        ptr = np.zeros(queries.size + 1, dtype=np.int64)
        found, seconds = [], np.empty(queries.size)
        for q in range(queries.size):
            t0 = time.perf_counter()
            df = self.net.nodes_in_range([int(queries[q])], self.limit)
            dist = np.full(b.n_nodes, np.inf)
            dist[index_of(b.node_id, df["destination"].to_numpy())] = df["metres"].to_numpy()
            d = dist[place_node]
            place = np.flatnonzero(d <= self.limit)
            place = place[np.argsort(d[place], kind="stable")]
            seconds[q] = time.perf_counter() - t0
            found.append(place)
            ptr[q + 1] = ptr[q] + place.size
        return ptr, np.concatenate(found).astype(np.int32), seconds


class NetworkxTool:
    """networkx: a ``Graph`` keyed by source node ids with a ``weight`` per edge."""

    NEEDS = ("edge_a", "edge_b", "edge_len")

    def __init__(self, bench: Bench, *, limit_m: float = LIMIT_M) -> None:
        self.bench = bench
        self.limit = limit_m
        import networkx as nx  # noqa: PLC0415  (see ScipyTool)

        self.nx = nx
        self.notes = ["networkx: dict answers converted to arrays outside the timing"]

    def prepare(self) -> None:
        nx = self.nx
        b = self.bench
        self.graph = nx.Graph()
        self.graph.add_nodes_from(b.node_id.tolist())
        self.graph.add_weighted_edges_from(
            zip(b.edge_a.tolist(), b.edge_b.tolist(), b.edge_len.tolist(), strict=True)
        )

    def _groups(self) -> list[tuple[np.ndarray, np.ndarray]]:
        b = self.bench
        return unique_seeds(b, b.place_node_id)

    def nearest(self) -> list[dict[int, float]]:
        nx = self.nx
        return [
            nx.multi_source_dijkstra_path_length(self.graph, set(seeds.tolist()), cutoff=self.limit)
            if seeds.size
            else {}
            for seeds, _ in self._groups()
        ]

    def canonical_nearest(self, answer: object) -> np.ndarray:
        b = self.bench
        out = np.full((N_CATEGORIES, b.n_nodes), np.inf)
        for k, dist in enumerate(answer):
            ids = np.fromiter(dist.keys(), dtype=np.int64, count=len(dist))
            out[k, b.canonical_index(ids)] = np.fromiter(
                dist.values(), dtype=np.float64, count=len(dist)
            )
        return out

    def counts(self) -> np.ndarray:
        nx = self.nx
        b = self.bench
        out = np.zeros((N_CATEGORIES, b.n_nodes), dtype=np.int32)
        for k, (seeds, mult) in enumerate(self._groups()):
            reached, weight = [], []
            for s, m in zip(seeds.tolist(), mult.tolist(), strict=True):
                dist = nx.single_source_dijkstra_path_length(self.graph, s, cutoff=self.limit)
                reached.append(np.fromiter(dist.keys(), dtype=np.int64, count=len(dist)))
                weight.append(np.full(len(dist), m, dtype=np.int32))
            if reached:
                idx = b.canonical_index(np.concatenate(reached))
                out[k] = np.bincount(idx, weights=np.concatenate(weight), minlength=b.n_nodes)
        return out

    def canonical_counts(self, answer: object) -> CountsAnswer:
        return CountsAnswer(answer)

    def places_near(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        nx = self.nx
        b = self.bench
        at_node: dict[int, list[int]] = {}
        for i, node in enumerate(b.place_node_id.tolist()):
            at_node.setdefault(node, []).append(i)
        ptr = np.zeros(queries.size + 1, dtype=np.int64)
        found, seconds = [], np.empty(queries.size)
        for q, source in enumerate(queries.tolist()):
            t0 = time.perf_counter()
            dist = nx.single_source_dijkstra_path_length(self.graph, source, cutoff=self.limit)
            place = [p for v in dist for p in at_node.get(v, ())]
            seconds[q] = time.perf_counter() - t0
            found.append(np.asarray(place, dtype=np.int32))
            ptr[q + 1] = ptr[q] + len(place)
        return ptr, np.concatenate(found).astype(np.int32), seconds
