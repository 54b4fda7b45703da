"""A SYNTHETIC city of Shenzhen's size, in memory, for the assessment and planning benchmark.

Nothing here is real: the streets are the engine benchmark's perturbed grid
(:func:`synthetic.city`, ~100 m blocks with missing links and diagonals) moved to
114.0E 22.6N; the communities are a jittered grid of quadrilaterals tiling it, coded
``SZ0001``... and named 合成社区0001... (合成 = synthetic); population points and places
sit near network nodes with a density that peaks around a dozen "downtowns". Places of
every category of the Shenzhen taxonomy gather in shopping clusters, and each category
is left out of some communities entirely, so that a plan has gaps to fill.

Sizes: ``full`` has 1M nodes, 700 communities, 200k places and 300k population points
(Shenzhen has about 780 communities and 17.7M residents); the grid is ~100 x 100 km, so
it matches Shenzhen's node count, not its area (its blocks are wider than Futian's).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree
from shapely.geometry import Polygon

from lifecircle.core.walk.network import WalkNetwork, build_network
from lifecircle.io.places.taxonomy import load_taxonomy
from lifecircle.services.city.data import CityData, Homes, Places, Units, zones_of
from synthetic import LAT0, city

LAT_CENTRE = 22.6
RESIDENTS_PER_POINT = 59.0  # Shenzhen: 17.66M residents over the full size's 300k points
DOWNTOWNS_PER_M_NODES = 12
DOWNTOWN_SIGMA = (0.04, 0.12)  # share of the city's span
BASE_DENSITY = 0.08  # density far from every downtown, relative to a downtown's peak
PLACES_PER_CLUSTER = 40
CLUSTER_SIGMA_M = (80.0, 400.0)
CLUSTERED_SHARE = 0.8
OFFSET_M = (3.0, 25.0)  # places and homes stand this far from their node
HOME_OFFSET_M = (5.0, 40.0)
TWO_CATEGORY_SHARE = 0.05
CORNER_JITTER = 0.25  # community corners move up to this share of a cell side
# relative number of places per category (default by group below)
CATEGORY_WEIGHT = {
    "convenience_store": 3.0,
    "specialty_dining": 4.0,
    "beauty_hair": 2.0,
    "breakfast": 1.5,
    "pharmacy": 1.2,
    "fresh_ecom_front_warehouse": 0.2,
    "housekeeping": 0.4,
    "bookstore": 0.3,
    "elderly_canteen": 0.15,
    "parking": 1.0,
}
GROUP_WEIGHT = {"basic": 1.0, "quality": 0.7, "facility": 0.3}
# chance that a community has no place at all of a category, by group
ABSENT_SHARE = {"basic": 0.12, "quality": 0.3, "facility": 0.4}
OPEN_24H_SHARE = {"convenience_store": 0.4, "pharmacy": 0.1}
CHAIN_SHARE = 0.25


@dataclass(frozen=True)
class Size:
    """How big a synthetic city is."""

    label: str
    nodes: int
    communities: int
    places: int
    homes: int


SIZES = {
    "full": Size("full", 1_000_000, 700, 200_000, 300_000),
    "quick": Size("quick", 100_000, 70, 20_000, 30_000),
    "tiny": Size("tiny", 4_000, 9, 800, 1_200),
}


def _network(size: Size, rng: np.random.Generator) -> WalkNetwork:
    c = city(size.nodes, seed=int(rng.integers(2**31)))
    net, _ = build_network(
        c["node_id"],
        c["lon"],
        c["lat"] + (LAT_CENTRE - LAT0),
        c["seg_a"],
        c["seg_b"],
        source=f"SYNTHETIC grid, {size.nodes:,} nodes (benchmarks/synthetic.py)",
        seg_way=c["seg_way"],
        seg_name=c["seg_name"],
        names=c["street_names"],
    )
    return net


def _units(net: WalkNetwork, n: int, rng: np.random.Generator) -> Units:
    """Quadrilaterals on a jittered grid that tile the network's extent (plus 200 m)."""
    x, y = net.projected_xy()
    x0, x1 = float(x.min()) - 200.0, float(x.max()) + 200.0
    y0, y1 = float(y.min()) - 200.0, float(y.max()) + 200.0
    cols = max(1, round(math.sqrt(n * (x1 - x0) / (y1 - y0))))
    rows = max(1, math.ceil(n / cols))
    gx = np.linspace(x0, x1, cols + 1)[None, :].repeat(rows + 1, 0)
    gy = np.linspace(y0, y1, rows + 1)[:, None].repeat(cols + 1, 1)
    dx, dy = (x1 - x0) / cols, (y1 - y0) / rows
    inner = np.zeros_like(gx, dtype=bool)
    inner[1:-1, 1:-1] = True  # the outline stays straight so the tiling covers the extent
    gx = gx + inner * rng.uniform(-CORNER_JITTER, CORNER_JITTER, gx.shape) * dx
    gy = gy + inner * rng.uniform(-CORNER_JITTER, CORNER_JITTER, gy.shape) * dy
    lon, lat = net.projection().inverse(gx.ravel(), gy.ravel())
    lon, lat = lon.reshape(gx.shape), lat.reshape(gx.shape)
    geoms, codes, names, streets, districts = [], [], [], [], []
    for r in range(rows):
        for c in range(cols):
            corners = [(r, c), (r, c + 1), (r + 1, c + 1), (r + 1, c)]
            k = len(geoms) + 1
            geoms.append(Polygon([(lon[i, j], lat[i, j]) for i, j in corners]))
            codes.append(f"SZ{k:04d}")
            names.append(f"合成社区{k:04d}")
            streets.append(f"合成街道{(r // 3) * (cols // 3 + 1) + c // 3 + 1:03d}")
            districts.append(f"合成区{(r // 9) * (cols // 9 + 1) + c // 9 + 1:02d}")
    return Units(
        codes=tuple(codes),
        names=tuple(names),
        streets=tuple(streets),
        districts=tuple(districts),
        geometries=tuple(geoms),
        level="community",
    )


def _density(net: WalkNetwork, rng: np.random.Generator) -> np.ndarray:
    """Relative residents (and shops) per node: a base plus Gaussian downtowns."""
    x, y = net.projected_xy()
    span = max(float(np.ptp(x)), float(np.ptp(y)))
    n_down = max(2, round(DOWNTOWNS_PER_M_NODES * math.sqrt(net.n_nodes / 1e6)))
    cx = rng.uniform(x.min(), x.max(), n_down)
    cy = rng.uniform(y.min(), y.max(), n_down)
    sigma = rng.uniform(*DOWNTOWN_SIGMA, n_down) * span
    peak = rng.uniform(0.5, 1.0, n_down)
    dens = np.full(net.n_nodes, BASE_DENSITY)
    for k in range(n_down):
        dens += peak[k] * np.exp(-((x - cx[k]) ** 2 + (y - cy[k]) ** 2) / (2 * sigma[k] ** 2))
    return dens / dens.sum()


def _near(
    net: WalkNetwork, nodes: np.ndarray, offset_m: tuple[float, float], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat a few metres off the given nodes, in a random direction."""
    x, y = net.projected_xy()
    r = rng.uniform(*offset_m, nodes.size)
    a = rng.uniform(0.0, 2 * math.pi, nodes.size)
    return net.projection().inverse(x[nodes] + r * np.cos(a), y[nodes] + r * np.sin(a))


def _homes(
    net: WalkNetwork, units: Units, n: int, dens: np.ndarray, rng: np.random.Generator
) -> Homes:
    nodes = rng.choice(net.n_nodes, size=n, p=dens)
    lon, lat = _near(net, nodes, HOME_OFFSET_M, rng)
    weight = rng.lognormal(0.0, 0.8, n)
    weight = np.round(weight * (RESIDENTS_PER_POINT * n / weight.sum()), 1)
    return Homes(lon=lon, lat=lat, weight=weight, zone=zones_of(units, lon, lat), method="points")


def _places(
    net: WalkNetwork,
    units: Units,
    n: int,
    dens: np.ndarray,
    rng: np.random.Generator,
) -> Places:
    taxonomy = load_taxonomy("shenzhen")
    cats = taxonomy.categories
    n_cat = len(cats)
    weight = np.array([CATEGORY_WEIGHT.get(c.code, GROUP_WEIGHT[c.group]) for c in cats])
    absent_p = np.array([ABSENT_SHARE[c.group] for c in cats])
    absent = rng.random((len(units), n_cat)) < absent_p[None, :]
    # draw more than needed: the places of absent (community, category) pairs are dropped
    m = round(n / (1.0 - float(absent_p @ weight) / weight.sum()) * 1.15) + 100
    x, y = net.projected_xy()
    n_clusters = max(2, m // PLACES_PER_CLUSTER)
    centre = rng.choice(net.n_nodes, size=n_clusters, p=dens)
    sigma = rng.uniform(*CLUSTER_SIGMA_M, n_clusters)
    pick = rng.integers(0, n_clusters, m)
    px = x[centre[pick]] + rng.normal(0.0, 1.0, m) * sigma[pick]
    py = y[centre[pick]] + rng.normal(0.0, 1.0, m) * sigma[pick]
    scatter = rng.random(m) >= CLUSTERED_SHARE
    spread = rng.choice(net.n_nodes, size=int(scatter.sum()), p=dens)
    px[scatter], py[scatter] = x[spread], y[spread]
    _, node = cKDTree(np.column_stack([x, y])).query(np.column_stack([px, py]))
    lon, lat = _near(net, np.asarray(node, dtype=np.int64), OFFSET_M, rng)
    cat = rng.choice(n_cat, size=m, p=weight / weight.sum())
    zone = zones_of(units, lon, lat)
    keep = np.flatnonzero((zone < 0) | ~absent[np.maximum(zone, 0), cat])[:n]
    lon, lat, cat, zone = lon[keep], lat[keep], cat[keep], zone[keep]
    k = keep.size
    # about 5 % of places are in a second category (not one absent from their community)
    second = np.flatnonzero(rng.random(k) < TWO_CATEGORY_SHARE)
    cat2 = (cat[second] + rng.integers(1, n_cat, second.size)) % n_cat
    ok = (zone[second] < 0) | ~absent[np.maximum(zone[second], 0), cat2]
    second, cat2 = second[ok], cat2[ok]
    pair_place = np.concatenate([np.arange(k), second])
    order = np.argsort(pair_place, kind="stable")
    pair_category = np.concatenate([cat, cat2])[order]
    open_p = np.array([OPEN_24H_SHARE.get(c.code, 0.01) for c in cats])
    return Places(
        id=np.arange(1, k + 1, dtype=np.int64),
        uid=tuple(f"SYN{i:07d}" for i in range(1, k + 1)),
        name=tuple(f"合成{cats[c].name_zh}{i:06d}" for i, c in enumerate(cat.tolist(), 1)),
        lon=lon,
        lat=lat,
        chain=rng.random(k) < CHAIN_SHARE,
        open_24h=rng.random(k) < open_p[cat],
        zone=zone,
        pair_place=pair_place[order].astype(np.int64),
        pair_category=pair_category.astype(np.int64),
    )


def synthetic_city(size: Size, *, seed: int = 42) -> CityData:
    """A SYNTHETIC Shenzhen-like city of the given size (deterministic for a seed).

    Parameters
    ----------
    size
        Nodes, communities, places and population points wanted (communities are the
        nearest full grid, e.g. 702 for 700; nodes outside the largest component and
        places of absent categories are dropped, so counts come out slightly lower).
    seed
        Seed of the random generator.

    Returns
    -------
    CityData
        Named ``synthetic-shenzhen-<label>``, Shenzhen taxonomy, population method
        ``points``.

    """
    rng = np.random.default_rng(seed)
    net = _network(size, rng)
    units = _units(net, size.communities, rng)
    dens = _density(net, rng)
    homes = _homes(net, units, size.homes, dens, rng)
    places = _places(net, units, size.places, dens, rng)
    return CityData(
        name=f"synthetic-shenzhen-{size.label}",
        taxonomy=load_taxonomy("shenzhen"),
        net=net,
        units=units,
        homes=homes,
        places=places,
        versions={
            "synthetic": {"generator": "benchmarks/synthetic_city.py", "seed": seed},
            "network": {"source": net.source},
        },
    )
