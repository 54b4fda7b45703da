"""Use cases on network files: build one from a source file, describe one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lifecircle.core.walk.network import BuildReport, WalkNetwork, build_network
from lifecircle.io.network.lcnet import load_network, read_meta, save_network
from lifecircle.io.network.read import read_network_tables

if TYPE_CHECKING:
    from pathlib import Path

    import shapely

    from lifecircle.io.schema import NetworkTables


@dataclass(frozen=True)
class BuildOutcome:
    """A built network with what was read and dropped."""

    net: WalkNetwork
    report: BuildReport
    tables: NetworkTables


def build_network_file(
    source: Path,
    output: Path,
    *,
    bbox: tuple[float, float, float, float] | None = None,
    boundary: shapely.Geometry | None = None,
) -> BuildOutcome:
    """Read a street network (OSM PBF/XML, Overpass JSON, GraphML) and write a ``.lcnet`` file."""
    tables = read_network_tables(source, bbox=bbox, boundary=boundary)
    net, report = build_network(
        tables.node_id,
        tables.lon,
        tables.lat,
        tables.seg_a,
        tables.seg_b,
        source=tables.source,
        seg_way=tables.seg_way,
        seg_name=tables.seg_name,
        names=tables.names,
    )
    save_network(net, output, report=report)
    return BuildOutcome(net=net, report=report, tables=tables)


def network_info(path: Path) -> dict[str, Any]:
    """Nodes, segments, streets, total length, bounding box and source of a network file.

    ``streets`` is ``None`` for a file without a street index (format version 1).
    """
    net = load_network(path)
    meta = read_meta(path)
    return {
        "path": str(path),
        "source": net.source,
        "created": meta.get("created"),
        "nodes": net.n_nodes,
        "segments": net.n_segments,
        "streets": None if net.streets is None else net.streets.n_streets,
        "format_version": meta.get("version"),
        "total_length_km": round(net.total_length_m / 1000.0, 3),
        "bbox": [round(v, 7) for v in net.bbox],
        "epsg": net.epsg,
        "build_report": meta.get("report"),
    }
