"""Shared fixtures: paths to the shared real data and small hand-drawn networks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lifecircle.core.walk.network import WalkNetwork, network_from_arrays

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DATA = ROOT / "tests" / "data"
FUTIAN_GRAPHML = (
    SHARED / "data" / "shenzhen_futian_walk_graph" / "futian_shatou_xiangmihu_walk.graphml"
)
HELSINKI_PBF = SHARED / "data" / "helsinki_osm_pbf" / "Helsinki.osm.pbf"
GCJ_VECTORS = SHARED / "reference" / "gcj02_vectors.csv"


def hand_network(
    nodes: dict[str, tuple[float, float]], segments: list[tuple[str, str, float]]
) -> tuple[WalkNetwork, dict[str, int]]:
    """A network with hand-chosen segment lengths (metres) for exact expected answers."""
    names = list(nodes)
    index = {name: i for i, name in enumerate(names)}
    lon = np.array([nodes[n][0] for n in names])
    lat = np.array([nodes[n][1] for n in names])
    u = np.array([min(index[a], index[b]) for a, b, _ in segments], dtype=np.int32)
    v = np.array([max(index[a], index[b]) for a, b, _ in segments], dtype=np.int32)
    length = np.array([w for _, _, w in segments], dtype=np.float64)
    net = network_from_arrays(
        lon=lon,
        lat=lat,
        seg_u=u,
        seg_v=v,
        seg_len=length,
        node_id=np.arange(len(names), dtype=np.int64),
        epsg=32650,
        source="hand-drawn",
    )
    return net, index


@pytest.fixture
def loop_network() -> tuple[WalkNetwork, dict[str, int]]:
    r"""Five nodes, lengths in metres::

     A --100-- B --100-- C
     |                   |
    300                  50
     |                   |
     D -------200------- E
    """
    return hand_network(
        {
            "A": (114.000, 22.503),
            "B": (114.001, 22.503),
            "C": (114.002, 22.503),
            "D": (114.000, 22.500),
            "E": (114.002, 22.500),
        },
        [
            ("A", "B", 100.0),
            ("B", "C", 100.0),
            ("A", "D", 300.0),
            ("C", "E", 50.0),
            ("D", "E", 200.0),
        ],
    )


def require(path: Path) -> Path:
    """Skip-free access to shared data: a missing file is a broken checkout, so fail."""
    assert path.exists(), f"shared data missing: {path}"
    return path
