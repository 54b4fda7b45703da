"""Oracle: `lifecircle access` on real networks equals networkx Dijkstra on the same graph.

The oracle shares nothing with the engine but the network file's segments: it snaps every
point by brute force over all segments, inserts the snapped points (and the points
themselves, as leaves) into a networkx graph, and runs networkx's Dijkstra. Origins and
places are SYNTHETIC (seeded random points over the real street network's area).
"""

from __future__ import annotations

import csv
import itertools
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import pytest
from pyproj import Geod, Transformer

from lifecircle.cli.main import main
from lifecircle.io.network.lcnet import load_network
from tests.conftest import FUTIAN_GRAPHML, HELSINKI_PBF, require

if TYPE_CHECKING:
    from pathlib import Path

GEOD = Geod(ellps="WGS84")
CATEGORIES = ("pharmacy", "supermarket", "breakfast", "laundry")


def synthetic_points(net, rng, n, prefix):
    lo_lon, lo_lat, hi_lon, hi_lat = net.bbox
    lon = rng.uniform(lo_lon, hi_lon, n)
    lat = rng.uniform(lo_lat, hi_lat, n)
    return [
        (f"{prefix}{i}", float(a), float(b)) for i, (a, b) in enumerate(zip(lon, lat, strict=True))
    ]


def write(path, header, rows):
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def brute_snap(net, lon, lat):
    """Nearest point on any segment, by checking every segment (no spatial index)."""
    fwd = Transformer.from_crs(4326, net.epsg, always_xy=True)
    inv = Transformer.from_crs(net.epsg, 4326, always_xy=True)
    x, y = fwd.transform(net.lon, net.lat)
    ax, ay, bx, by = x[net.seg_u], y[net.seg_u], x[net.seg_v], y[net.seg_v]
    px, py = fwd.transform(np.asarray(lon), np.asarray(lat))
    out = []
    for qx, qy in zip(px, py, strict=True):
        dx, dy = bx - ax, by - ay
        len2 = np.where(dx * dx + dy * dy > 0, dx * dx + dy * dy, 1.0)
        t = np.clip(((qx - ax) * dx + (qy - ay) * dy) / len2, 0, 1)
        d2 = (ax + t * dx - qx) ** 2 + (ay + t * dy - qy) ** 2
        k = int(np.argmin(d2))
        if t[k] == 0.0:
            s_lon, s_lat = net.lon[net.seg_u[k]], net.lat[net.seg_u[k]]
        elif t[k] == 1.0:
            s_lon, s_lat = net.lon[net.seg_v[k]], net.lat[net.seg_v[k]]
        else:
            s_lon, s_lat = inv.transform(ax[k] + t[k] * dx[k], ay[k] + t[k] * dy[k])
        out.append((k, float(t[k]), float(s_lon), float(s_lat)))
    return out


def oracle_graph(net, points):
    """networkx graph of the network with snapped points inserted and points as leaves."""
    g = nx.Graph()
    for u, v, w in zip(net.seg_u.tolist(), net.seg_v.tolist(), net.seg_len.tolist(), strict=True):
        g.add_edge(u, v, weight=w)
    by_seg: dict[int, list] = {}
    for name, (lon, lat, (k, t, s_lon, s_lat)) in points.items():
        _, _, off = GEOD.inv(lon, lat, s_lon, s_lat)
        if off > 300.0:
            continue
        g.add_edge(name, ("S", name), weight=off)
        by_seg.setdefault(k, []).append((t, ("S", name), s_lon, s_lat))
    for k, items in by_seg.items():
        u, v = int(net.seg_u[k]), int(net.seg_v[k])
        g.remove_edge(u, v)
        chain = [(0.0, u, net.lon[u], net.lat[u]), *sorted(items), (1.0, v, net.lon[v], net.lat[v])]
        for (_, a, a_lon, a_lat), (_, b, b_lon, b_lat) in itertools.pairwise(chain):
            _, _, d = GEOD.inv(a_lon, a_lat, b_lon, b_lat)
            g.add_edge(a, b, weight=d)
    return g


def run_case(tmp_path: Path, source: Path, seed: int, n_origins: int, n_places: int):
    net_path = tmp_path / "net.lcnet"
    assert main(["network", "build", str(source), "-o", str(net_path), "--json"]) == 0
    net = load_network(net_path)
    rng = np.random.default_rng(seed)
    origins = synthetic_points(net, rng, n_origins, "o")
    places = [
        (pid, lon, lat, CATEGORIES[rng.integers(len(CATEGORIES))])
        for pid, lon, lat in synthetic_points(net, rng, n_places, "p")
    ]
    write(tmp_path / "origins.csv", ["id", "lon", "lat"], origins)
    write(tmp_path / "places.csv", ["id", "lon", "lat", "category"], places)
    out = tmp_path / "out.csv"
    code = main(
        [
            "access",
            "--network",
            str(net_path),
            "--origins",
            str(tmp_path / "origins.csv"),
            "--places",
            str(tmp_path / "places.csv"),
            "--minutes",
            "15",
            "--speed-kmh",
            "4.8",
            "-o",
            str(out),
            "--json",
        ]
    )
    assert code == 0
    with out.open(encoding="utf-8") as fh:
        got = {(r["origin_id"], r["category"]): r for r in csv.DictReader(fh)}

    pts = {}
    snaps = brute_snap(net, [p[1] for p in origins + places], [p[2] for p in origins + places])
    for (pid, lon, lat, *_), snap in zip(origins + places, snaps, strict=True):
        pts[pid] = (lon, lat, snap)
    g = oracle_graph(net, pts)
    checked = 0
    for cat in CATEGORIES:
        sources = [p[0] for p in places if p[3] == cat and p[0] in g]
        dist = nx.multi_source_dijkstra_path_length(g, sources, cutoff=1200.0) if sources else {}
        for oid, *_ in origins:
            if oid not in g:
                assert (oid, cat) not in got  # left out, and reported
                continue
            row = got[(oid, cat)]
            if oid in dist:
                assert float(row["metres"]) == pytest.approx(dist[oid], abs=0.01), (oid, cat)
                checked += 1
            else:
                assert row["metres"] == "", (oid, cat)
    # counts: every place within the limit of a sample of origins
    for oid, *_ in origins[:25]:
        if oid not in g:
            continue
        reach = nx.single_source_dijkstra_path_length(g, oid, cutoff=1200.0)
        for cat in CATEGORIES:
            n = sum(1 for p in places if p[3] == cat and p[0] in reach)
            assert int(got[(oid, cat)]["count"]) == n, (oid, cat)
    return checked


@pytest.mark.slow
def test_oracle_futian(tmp_path):
    checked = run_case(tmp_path, require(FUTIAN_GRAPHML), seed=1, n_origins=120, n_places=160)
    assert checked > 200


@pytest.mark.slow
def test_oracle_helsinki(tmp_path):
    checked = run_case(tmp_path, require(HELSINKI_PBF), seed=2, n_origins=120, n_places=160)
    assert checked > 200
