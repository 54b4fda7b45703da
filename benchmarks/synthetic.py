"""Deterministic synthetic city networks with clustered shops, for the speed benchmark.

A perturbed grid of 80-120 m blocks around Shenzhen (lon 114.0, lat 22.5): about 8 % of
street links are missing, a few blocks have a diagonal shortcut, and node ids are a
random permutation of large integers listed in id order, so that (as in an OSM extract)
neighbouring rows of the node table are far apart on the ground. Places of 20 categories
sit on 0.2 %-2 % of nodes each, mostly in Gaussian clusters around random centres, like
shops along high streets.
"""

from __future__ import annotations

import math

import numpy as np

LON0, LAT0 = 114.0, 22.5
M_PER_DEG_LAT = 111_320.0
BLOCK_M = (80.0, 120.0)
MISSING_LINK_SHARE = 0.08
DIAGONAL_SHARE = 0.04
JITTER_M = 6.0
N_CATEGORIES = 20
CATEGORY_SHARE = (0.002, 0.02)
CLUSTERED_SHARE = 0.85
CLUSTER_SIGMA_M = (150.0, 500.0)
PLACES_PER_CLUSTER = 40
ID_BASE = 1_000_000_000


def _grid_shape(n_nodes: int) -> tuple[int, int]:
    rows = max(2, round(math.sqrt(n_nodes)))
    return rows, max(2, math.ceil(n_nodes / rows))


def _segments(n: int, cols: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Street links of the grid (row-major node numbers), with gaps and shortcuts."""
    k = np.arange(n, dtype=np.int64)
    col = k % cols
    right = k[(col < cols - 1) & (k + 1 < n)]
    down = k[k + cols < n]
    a = np.concatenate([right, down])
    b = np.concatenate([right + 1, down + cols])
    keep = rng.random(a.size) >= MISSING_LINK_SHARE
    a, b = a[keep], b[keep]
    cell = k[(col < cols - 1) & (k + cols + 1 < n)]
    cell = cell[rng.random(cell.size) < DIAGONAL_SHARE]
    flip = rng.random(cell.size) < 0.5
    da = np.where(flip, cell + 1, cell)
    db = np.where(flip, cell + cols, cell + cols + 1)
    return np.concatenate([a, da]), np.concatenate([b, db])


def _places(
    n: int,
    cols: int,
    col_x: np.ndarray,
    row_y: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Grid node number and category of every place (clustered, with some scatter)."""
    share = np.geomspace(*CATEGORY_SHARE, N_CATEGORIES)[rng.permutation(N_CATEGORIES)]
    rows = math.ceil(n / cols)
    span_x, span_y = float(col_x[-1]), float(row_y[rows - 1])
    nodes, cats = [], []
    for cat in range(N_CATEGORIES):
        count = max(1, round(share[cat] * n))
        n_clustered = round(count * CLUSTERED_SHARE)
        n_centres = max(2, n_clustered // PLACES_PER_CLUSTER)
        centre_x = rng.uniform(0.0, span_x, n_centres)
        centre_y = rng.uniform(0.0, span_y, n_centres)
        sigma = rng.uniform(*CLUSTER_SIGMA_M, n_centres)
        pick = rng.integers(0, n_centres, n_clustered)
        x = np.concatenate(
            [
                centre_x[pick] + rng.normal(0.0, 1.0, n_clustered) * sigma[pick],
                rng.uniform(0.0, span_x, count - n_clustered),
            ]
        )
        y = np.concatenate(
            [
                centre_y[pick] + rng.normal(0.0, 1.0, n_clustered) * sigma[pick],
                rng.uniform(0.0, span_y, count - n_clustered),
            ]
        )
        c = np.clip(np.searchsorted(col_x, x), 0, cols - 1)
        r = np.clip(np.searchsorted(row_y[:rows], y), 0, rows - 1)
        nodes.append(np.minimum(r * cols + c, n - 1))
        cats.append(np.full(count, cat, dtype=np.int64))
    node = np.concatenate(nodes)
    cat = np.concatenate(cats)
    order = rng.permutation(node.size)
    return node[order], cat[order]


def city(n_nodes: int, *, seed: int) -> dict[str, np.ndarray]:
    """A synthetic city of ``n_nodes`` street intersections, with places.

    Parameters
    ----------
    n_nodes
        Number of nodes (the grid's last row is partial so the count is exact).
    seed
        Seed of the random generator; the same seed gives byte-identical arrays.

    Returns
    -------
    dict
        ``node_id``, ``lon``, ``lat`` (nodes in id order, WGS-84 degrees), ``seg_a``,
        ``seg_b`` (segments as node ids, shuffled, random orientation),
        ``place_node_id`` and ``place_category`` (``0..19``) of every place.

    """
    rng = np.random.default_rng(seed)
    n = int(n_nodes)
    rows, cols = _grid_shape(n)
    col_x = np.cumsum(rng.uniform(*BLOCK_M, cols))
    row_y = np.cumsum(rng.uniform(*BLOCK_M, rows))
    k = np.arange(n, dtype=np.int64)
    x = col_x[k % cols] + np.clip(rng.normal(0.0, JITTER_M, n), -2.5 * JITTER_M, 2.5 * JITTER_M)
    y = row_y[k // cols] + np.clip(rng.normal(0.0, JITTER_M, n), -2.5 * JITTER_M, 2.5 * JITTER_M)
    # a gentle warp so streets are not ruler-straight across the whole city
    x, y = x + 25.0 * np.sin(y / 1500.0), y + 25.0 * np.sin(x / 1700.0)
    x -= x.mean()
    y -= y.mean()
    lat = LAT0 + y / M_PER_DEG_LAT
    lon = LON0 + x / (M_PER_DEG_LAT * np.cos(np.radians(lat)))

    a, b = _segments(n, cols, rng)
    place_node, place_category = _places(n, cols, col_x, row_y, rng)

    # ids: a random permutation of large integers, table sorted by id as in OSM extracts
    ids = ID_BASE + rng.permutation(n).astype(np.int64) * 16 + rng.integers(0, 16, n)
    order = np.argsort(ids, kind="stable")
    seg_order = rng.permutation(a.size)
    a, b = a[seg_order], b[seg_order]
    swap = rng.random(a.size) < 0.5
    a, b = np.where(swap, b, a), np.where(swap, a, b)
    way, way_name, names = _streets(a, b, rows, cols)
    return {
        "node_id": ids[order],
        "lon": lon[order],
        "lat": lat[order],
        "seg_a": ids[a],
        "seg_b": ids[b],
        "place_node_id": ids[place_node],
        "place_category": place_category,
        "seg_way": way,
        "seg_name": way_name,
        "street_names": names,
    }


def _streets(
    a: np.ndarray, b: np.ndarray, rows: int, cols: int
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Way and street name of each segment: one named way per grid row and column.

    Diagonal shortcuts are unnamed ways of their own, as footpaths across blocks are.
    """
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    across = (hi == lo + 1) & (lo // cols == hi // cols)
    down = hi == lo + cols
    way = np.where(across, lo // cols, np.where(down, rows + lo % cols, -1))
    diagonal = way < 0
    way[diagonal] = rows + cols + np.arange(int(diagonal.sum()))
    names = [f"SYNTHETIC Row {r} Road" for r in range(rows)]
    names += [f"SYNTHETIC Column {c} Street" for c in range(cols)]
    return way.astype(np.int64), np.where(diagonal, -1, way).astype(np.int64), names


def parse_size(text: str) -> int:
    """``"100k"`` -> 100000, ``"1M"`` -> 1000000, ``"2500"`` -> 2500."""
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    number = text[:-1] if scale > 1 else text
    return round(float(number) * scale)
