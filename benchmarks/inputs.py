"""Build benchmark inputs: synthetic cities and the Helsinki OSM extract.

The runner builds each network once with lifecircle here (untimed) to learn which nodes
survive and the geodesic length of every segment; the peers are then given exactly those
nodes and lengths, so every tool answers the same question.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from lifecircle.core.walk.access import bucket_inv_width
from lifecircle.core.walk.network import WalkNetwork, build_network
from synthetic import CATEGORY_SHARE, city
from workload import LIMIT_M, N_CATEGORIES, Bench, index_of

try:  # the OSM readers are optional (the osm extra)
    from lifecircle.io.network.osm import tables_from_osm
except ImportError:
    tables_from_osm = None
PLACES_IMPORT_ERROR = ""
try:
    from lifecircle.io.places.osm import places_from_osm
    from lifecircle.io.places.taxonomy import load_taxonomy
except ImportError as exc:
    places_from_osm = load_taxonomy = None
    PLACES_IMPORT_ERROR = f"{type(exc).__name__}: {exc}"

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    # places of a built network: (node id, category code, notes)
    PlaceMaker = Callable[[WalkNetwork], tuple[np.ndarray, np.ndarray, tuple[str, ...]]]

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
    places: PlaceMaker,
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
    place_node_id, place_category, place_notes = places(net)
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
        bucket_inv_delta=np.array(bucket_inv_width(net, LIMIT_M)),
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.npz"
    bench.save(path)
    dropped = int((~ok).sum())
    notes = (
        *notes,
        *place_notes,
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
        f"synthetic-{label}",
        c,
        lambda _net: (c["place_node_id"], c["place_category"], ()),
        seed=seed,
        folder=folder,
    )


def helsinki_input(path: Path, *, seed: int, folder: Path) -> tuple[Input, Bench, WalkNetwork]:
    """The Helsinki extract's walk network with its real OSM places.

    Places come from ``places_from_osm(path, taxonomy=..., skip_bad=True)``; the
    benchmark's 20 categories are the profile's 12 basic and 8 quality categories (its
    facility categories, parking and the like, are left out), and a place in two of them
    counts in both. Each place is snapped to its nearest network node (straight line, in
    the network's metric projection), since W1-W3 are node-based. When the extractor is
    missing or fails, places are random network nodes as in the synthetic cities.
    """
    if tables_from_osm is None:
        raise ImportError("lifecircle.io.network.osm.tables_from_osm is not available")
    t = tables_from_osm(path)
    tables = {"node_id": t.node_id, "lon": t.lon, "lat": t.lat, "seg_a": t.seg_a, "seg_b": t.seg_b}
    try:
        places = _osm_places(path)
    except Exception as exc:  # any failure: fall back to random places, and say why
        places = partial(_random_places, seed=seed, why=f"{type(exc).__name__}: {exc}")
    return _finish("helsinki", tables, places, seed=seed, folder=folder)


def _osm_places(path: Path) -> PlaceMaker:
    """The extract's places in the 20 basic and quality categories, snapped to nodes."""
    if places_from_osm is None:
        raise ImportError(PLACES_IMPORT_ERROR)
    taxonomy = load_taxonomy("shenzhen")
    codes = [c.code for c in taxonomy.categories if c.group in {"basic", "quality"}]
    if len(codes) != N_CATEGORIES:
        raise ValueError(f"expected {N_CATEGORIES} basic and quality categories, got {codes}")
    code_index = {code: i for i, code in enumerate(codes)}
    imported = places_from_osm(path, taxonomy=taxonomy, skip_bad=True)
    lon, lat, cat = [], [], []
    for rec in imported.records:
        for code in rec.categories:
            if code in code_index:
                lon.append(rec.lon)
                lat.append(rec.lat)
                cat.append(code_index[code])
    if not cat:
        raise ValueError("the extract has no place in the 20 categories")
    lon_a, lat_a, cat_a = np.array(lon), np.array(lat), np.array(cat, dtype=np.int64)
    per_cat = np.bincount(cat_a, minlength=N_CATEGORIES)

    def snap(net: WalkNetwork) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
        from scipy.spatial import cKDTree  # noqa: PLC0415

        # only nodes whose coordinates are unique, so pandana's KD-tree agrees
        _, first, count = np.unique(
            np.stack([net.lon, net.lat], 1), axis=0, return_index=True, return_counts=True
        )
        cand = np.sort(first[count == 1])
        x, y = net.projected_xy()
        px, py = net.projection().forward(lon_a, lat_a)
        metres, k = cKDTree(np.stack([x[cand], y[cand]], 1)).query(np.stack([px, py], 1))
        empty = [codes[i] for i in np.flatnonzero(per_cat == 0)]
        notes = (
            (
                f"places: {len(imported.records):,} OSM places of the extract "
                f"(places_from_osm, shenzhen taxonomy) give {cat_a.size:,} (place, category) "
                f"pairs in {N_CATEGORIES - len(empty)} of the 20 basic and quality categories "
                f"(none in {', '.join(empty) or '-'}; facility categories left out)"
            ),
            (
                "places snapped to their nearest network node for the node-based W1-W3 "
                "(straight line, among "
                f"nodes with unique coordinates): median {np.median(metres):.1f} m, "
                f"95th percentile {np.percentile(metres, 95):.1f} m, max {metres.max():.1f} m"
            ),
        )
        return net.node_id[cand[k]], cat_a, notes

    return snap


def _random_places(
    net: WalkNetwork, *, seed: int, why: str
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Random network nodes with unique coordinates, 0.2 %-2 % of nodes per category."""
    _, first, count = np.unique(
        np.stack([net.lon, net.lat], 1), axis=0, return_index=True, return_counts=True
    )
    candidates = net.node_id[np.sort(first[count == 1])]
    rng = np.random.default_rng(seed)
    share = np.geomspace(*CATEGORY_SHARE, N_CATEGORIES)[rng.permutation(N_CATEGORIES)]
    sizes = np.maximum(1, np.round(share * net.n_nodes)).astype(int)
    place_node = rng.choice(candidates, size=int(sizes.sum()), replace=True)
    place_category = np.repeat(np.arange(N_CATEGORIES), sizes)
    note = f"places are random network nodes: the OSM place extractor failed ({why})"
    return place_node, place_category, (note,)
