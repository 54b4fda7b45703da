"""One entry point for walking-network files: pick the reader by file name or content."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lifecircle.errors import DataError, NotFoundError
from lifecircle.io.network.graphml import tables_from_graphml
from lifecircle.io.network.osm import tables_from_osm
from lifecircle.io.network.overpass import tables_from_overpass

if TYPE_CHECKING:
    from shapely.geometry import MultiPolygon, Polygon

    from lifecircle.io.schema import BBox, NetworkTables

SUPPORTED_KINDS = (
    "OpenStreetMap PBF (.osm.pbf, .pbf)",
    "OpenStreetMap XML (.osm, .osm.xml, .osm.bz2, .osm.gz)",
    "o5m/OPL (.o5m, .opl)",
    "Overpass API JSON (.json)",
    "OSMnx GraphML (.graphml)",
)

# suffix -> (reader, libosmium format); checked longest first
_BY_SUFFIX: dict[str, tuple[str, str | None]] = {
    ".osm.pbf": ("osm", None),
    ".pbf": ("osm", None),
    ".osm.bz2": ("osm", None),
    ".osm.gz": ("osm", None),
    ".osm.xml": ("osm", "osm"),
    ".osm": ("osm", None),
    ".o5m": ("osm", None),
    ".opl": ("osm", None),
    ".graphml": ("graphml", None),
    ".json": ("overpass", None),
}
_SNIFF_BYTES = 4096
# content signatures for names that say nothing: (leading bytes, (reader, format))
_PREFIXES: tuple[tuple[bytes, tuple[str, str | None]], ...] = (
    (b"BZh", ("osm", "osm.bz2")),
    (b"\x1f\x8b", ("osm", "osm.gz")),
    (b"{", ("overpass", None)),
)
# XML documents: (root element opening, (reader, format)); GraphML first
_XML_ROOTS: tuple[tuple[bytes, tuple[str, str | None]], ...] = (
    (b"<graphml", ("graphml", None)),
    (b"<osm", ("osm", "osm")),
)


def read_network_tables(
    path: Path | str,
    *,
    bbox: BBox | None = None,
    boundary: Polygon | MultiPolygon | None = None,
) -> NetworkTables:
    """Read the walkable network of any supported file into the canonical table.

    The reader is chosen by suffix (``.osm.pbf``/``.pbf``, ``.osm``/``.osm.bz2``/
    ``.osm.gz``, ``.graphml``, ``.json``); for any other name the first bytes decide
    (PBF header, ``<osm``, ``<graphml``, a JSON object, or bzip2/gzip-compressed XML).

    Parameters
    ----------
    path
        The network file.
    bbox
        Keep only segments with both endpoints inside (min lon, min lat, max lon,
        max lat), WGS-84 degrees.
    boundary
        Keep only segments with both endpoints inside this WGS-84 polygon (see
        :func:`lifecircle.io.network.osm.boundary_from_geojson`).

    Returns
    -------
    NetworkTables
        Ready for :func:`lifecircle.core.walk.network.build_network`.

    Raises
    ------
    NotFoundError
        When the file does not exist.
    DataError
        When the kind is not supported (the message lists the supported kinds) or the
        file is malformed.
    OptionalDependencyError
        When an OpenStreetMap file is given and pyosmium is not installed.

    """
    path = Path(path)
    if not path.exists():
        raise NotFoundError(f"{path}: no such file")
    if not path.is_file():
        raise DataError(f"{path}: not a file")
    reader, file_format = _kind(path)
    if reader == "osm":
        return tables_from_osm(path, bbox=bbox, boundary=boundary, file_format=file_format)
    if reader == "graphml":
        return tables_from_graphml(path, bbox=bbox, boundary=boundary)
    return tables_from_overpass(path, bbox=bbox, boundary=boundary)


def _kind(path: Path) -> tuple[str, str | None]:
    """(reader, libosmium format or None) for a file, by suffix and then by content."""
    name = path.name.lower()
    for suffix in sorted(_BY_SUFFIX, key=len, reverse=True):
        if name.endswith(suffix):
            return _BY_SUFFIX[suffix]
    with path.open("rb") as stream:
        head = stream.read(_SNIFF_BYTES)
    if b"OSMHeader" in head[:32]:  # PBF: length-prefixed BlobHeader of type OSMHeader
        return "osm", "pbf"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    for prefix, kind in _PREFIXES:
        if text.startswith(prefix):
            return kind
    if text.startswith(b"<"):
        for root, kind in _XML_ROOTS:
            if root in text:
                return kind
    raise DataError(
        f"{path}: not a walking-network file this version reads; supported kinds: "
        + "; ".join(SUPPORTED_KINDS)
    )
