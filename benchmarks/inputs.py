"""Build benchmark inputs: synthetic cities and the Helsinki OSM extract.

The runner builds each network once with lifecircle here (untimed) to learn which nodes
survive and the geodesic length of every segment; the peers are then given exactly those
nodes and lengths, so every tool answers the same question.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lifecircle.core.network import WalkNetwork, build_network
from synthetic import CATEGORY_SHARE, city
from workload import N_CATEGORIES, Bench, index_of

try:  # the OSM reader is optional (the osm extra) and may not exist yet
    from lifecircle.io.osm import tables_from_osm
except ImportError:
    tables_from_osm = None

if TYPE_CHECKING:
    from pathlib import Path

N_QUERY_NODES = 1000


@dataclass(frozen=True)
class Input:
    """A saved :class:`Bench` plus what the table says about it."""

    name: str
    path: Path
    n_nodes: int
    n_segments: int
    n_places: int
    notes: tuple[str, ...]


def _finish(
    name: str,
    tables: dict[str, np.ndarray],
    place_node_id: np.ndarray,
    place_category: np.ndarray,
    *,
    seed: int,
    folder: Path,
    notes: tuple[str, ...] = (),
) -> tuple[Input, Bench, WalkNetwork]:
    net, report = build_network(
        tables["node_id"],
        tables["lon"],
        tables["lat"],
        tables["seg_a"],
        tables["seg_b"],
        source=name,
    )
    kept = np.isin(tables["node_id"], net.node_id)
    node_id = tables["node_id"][kept]
    pos = index_of(net.node_id, node_id)
    x, y = net.projected_xy()
    ok = np.isin(place_node_id, net.node_id)
    rng = np.random.default_rng(seed + 1)
    queries = rng.choice(node_id, size=min(N_QUERY_NODES, node_id.size), replace=False)
    bench = Bench(
        raw_node_id=tables["node_id"],
        raw_lon=tables["lon"],
        raw_lat=tables["lat"],
        raw_seg_a=tables["seg_a"],
        raw_seg_b=tables["seg_b"],
        node_id=node_id,
        x=x[pos],
        y=y[pos],
        edge_a=net.node_id[net.seg_u],
        edge_b=net.node_id[net.seg_v],
        edge_len=net.seg_len,
        csr_node_id=net.node_id,
        csr_indptr=net.indptr,
        csr_indices=net.indices,
        csr_weights=net.weights,
        place_node_id=place_node_id[ok],
        place_category=place_category[ok].astype(np.int64),
        query_node_id=queries,
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.npz"
    bench.save(path)
    dropped = int((~ok).sum())
    notes = (
        *notes,
        *(
            [f"{report.dropped_nodes:,} nodes outside the largest component dropped"]
            if report.dropped_nodes
            else []
        ),
        *([f"{dropped:,} places on dropped nodes ignored"] if dropped else []),
    )
    info = Input(name, path, net.n_nodes, net.n_segments, int(ok.sum()), notes)
    return info, bench, net


def synthetic_input(n_nodes: int, *, seed: int, folder: Path) -> tuple[Input, Bench, WalkNetwork]:
    """A synthetic city (see :mod:`synthetic`) saved under ``folder``."""
    c = city(n_nodes, seed=seed)
    label = (
        f"{n_nodes // 1_000_000}M"
        if n_nodes % 1_000_000 == 0
        else (f"{n_nodes // 1000}k" if n_nodes % 1000 == 0 else str(n_nodes))
    )
    return _finish(
        f"synthetic-{label}", c, c["place_node_id"], c["place_category"], seed=seed, folder=folder
    )


def helsinki_input(path: Path, *, seed: int, folder: Path) -> tuple[Input, Bench, WalkNetwork]:
    """The Helsinki extract's walk network with random places in 20 categories.

    lifecircle has no place extractor yet, so places are random network nodes (each
    category on 0.2 %-2 % of nodes, as in the synthetic cities), drawn among nodes whose
    coordinates are unique so pandana's KD-tree attaches them to the same node.
    """
    if tables_from_osm is None:
        raise ImportError("lifecircle.io.osm.tables_from_osm is not available yet")
    t = tables_from_osm(path)
    tables = {"node_id": t.node_id, "lon": t.lon, "lat": t.lat, "seg_a": t.seg_a, "seg_b": t.seg_b}
    used = np.unique(np.concatenate([t.seg_a, t.seg_b]))
    pos = index_of(t.node_id, used)
    key = np.round(t.lon[pos], 9) * 1e3 + np.round(t.lat[pos], 9)
    _, first, count = np.unique(key, return_index=True, return_counts=True)
    candidates = used[first[count == 1]]
    rng = np.random.default_rng(seed)
    share = np.geomspace(*CATEGORY_SHARE, N_CATEGORIES)[rng.permutation(N_CATEGORIES)]
    sizes = np.maximum(1, np.round(share * used.size)).astype(int)
    place_node = rng.choice(candidates, size=int(sizes.sum()), replace=True)
    place_category = np.repeat(np.arange(N_CATEGORIES), sizes)
    return _finish(
        "helsinki",
        tables,
        place_node,
        place_category,
        seed=seed,
        folder=folder,
        notes=("places are random network nodes (no place extractor yet)",),
    )
