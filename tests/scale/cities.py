"""SYNTHETIC small cities written as files, for batch manifests.

A city is a grid of streets (``.lcnet``), a 2 x 2 grid of communities (GeoJSON), places
of every category of the Shenzhen taxonomy at seeded nodes (a few categories kept out
of one half, so there are gaps to plan) and population points (CSV). Nothing is real.
"""

from __future__ import annotations

import csv
import json
from typing import TYPE_CHECKING

import numpy as np

from lifecircle.core.walk.network import build_network
from lifecircle.io.network.lcnet import save_network
from lifecircle.io.places.taxonomy import load_taxonomy

if TYPE_CHECKING:
    from pathlib import Path

STEP_DEG = 0.001  # ~100 m blocks
GAPS = ("laundry", "pharmacy")


def write_grid_city(
    folder: Path, *, n: int = 14, lon0: float = 114.0, lat0: float = 22.5, seed: int = 1
) -> dict[str, Path]:
    """Write the files of an ``n`` x ``n`` node grid city; their paths by manifest field."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    ii, jj = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    node = (ii * n + jj).ravel().astype(np.int64)
    lon = lon0 + jj.ravel() * STEP_DEG
    lat = lat0 + ii.ravel() * STEP_DEG
    a = [(i * n + j, i * n + j + 1) for i in range(n) for j in range(n - 1)]
    a += [(i * n + j, (i + 1) * n + j) for i in range(n - 1) for j in range(n)]
    seg = np.asarray(a, dtype=np.int64)
    net, _ = build_network(node, lon, lat, seg[:, 0], seg[:, 1], source=f"grid {n}x{n}")
    network = folder / "network.lcnet"
    save_network(net, network)

    mid_lon = lon0 + (n - 1) * STEP_DEG / 2
    mid_lat = lat0 + (n - 1) * STEP_DEG / 2
    places = folder / "places.csv"
    with places.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "lon", "lat", "category", "name"])
        k = 0
        for cat in load_taxonomy("shenzhen").categories:
            pool = np.arange(n * n)
            if cat.code in GAPS:
                pool = pool[lon[pool] < mid_lon]
            for v in rng.choice(pool, size=3 if cat.group == "basic" else 1, replace=False):
                k += 1
                out.writerow(
                    [f"p{k}", f"{lon[v] + 0.00003:.7f}", f"{lat[v]:.7f}", cat.code, f"syn {k}"]
                )
    population = folder / "population.csv"
    with population.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["lon", "lat", "population"])
        for v in rng.choice(n * n, size=min(60, n * n), replace=False):
            out.writerow([f"{lon[v]:.7f}", f"{lat[v] + 0.00004:.7f}", int(rng.integers(20, 300))])
    west, east = lon0 - STEP_DEG / 2, lon0 + (n - 0.5) * STEP_DEG
    south, north = lat0 - STEP_DEG / 2, lat0 + (n - 0.5) * STEP_DEG
    features = []
    for r, (y0, y1) in enumerate(((south, mid_lat), (mid_lat, north))):
        for c, (x0, x1) in enumerate(((west, mid_lon), (mid_lon, east))):
            code = f"SYN{seed:02d}{r}{c}"
            ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
            features.append(
                {
                    "type": "Feature",
                    "properties": {"code": code, "name": f"合成社区{code}"},
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                }
            )
    communities = folder / "communities.geojson"
    communities.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return {
        "network": network,
        "places": places,
        "population": population,
        "communities": communities,
    }
