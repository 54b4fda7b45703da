"""The canonical tables every reader returns, and the steps all readers share.

Network readers differ only in how they find ways and coordinates; turning ordered way
nodes into segments, cutting at missing nodes and clipping to an area happen here, once,
so that an Overpass response and a PBF extract of the same data give identical tables.

Place readers (OSM, Amap exports, places CSV) all return a :class:`PlaceImport` of
:class:`PlaceRecord` rows. An import is one transaction: a reader gathers every problem
of a file as a :class:`Reject` and either raises them all in one
:class:`PlaceImportError` or, with ``skip_bad``, keeps the good rows and lists the rest.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import numpy as np
import shapely

from lifecircle.errors import DataError, ValidationError
from lifecircle.io.export.output import write_csv

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

    from numpy.typing import ArrayLike, NDArray
    from shapely.geometry import MultiPolygon, Polygon

    from lifecircle.core.assess.categories import Match
    from lifecircle.core.assess.opening_hours import Interval

BBox: TypeAlias = tuple[float, float, float, float]
"""(min lon, min lat, max lon, max lat) in WGS-84 degrees."""


@dataclass(frozen=True)
class NetworkTables:
    """Walkable nodes and straight segments read from one source.

    Feed them to :func:`lifecircle.core.walk.network.build_network`, which measures, dedupes
    and keeps the largest component. Every segment is walkable in both directions.

    Attributes
    ----------
    node_id
        Unique node ids (OSM ids; negative ids are points a reader added, such as the
        interior vertices of an OSMnx edge geometry).
    lon, lat
        WGS-84 degrees per node.
    seg_a, seg_b
        One row per straight segment between consecutive nodes of a way, as node ids.
    source
        The file and its kind, e.g. ``"Helsinki.osm.pbf (OpenStreetMap PBF)"``.
    ways_kept
        Ways that passed the walkable rule (edges, for GraphML).
    ways_dropped
        Ways seen with a ``highway`` tag that are not walkable (edges, for GraphML).
    notes
        Human-readable remarks, e.g. how many ways were cut at the edge of the extract.
    seg_way
        OSM way id each segment comes from (``-1``: unknown); ``None`` when the source
        says nothing about ways.
    seg_name
        Index into ``names`` of the name of each segment's way (``-1``: no name).
    names
        The distinct way names (OSM ``name``), as written.

    """

    node_id: NDArray[np.int64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    seg_a: NDArray[np.int64]
    seg_b: NDArray[np.int64]
    source: str
    ways_kept: int
    ways_dropped: int
    notes: tuple[str, ...] = ()
    seg_way: NDArray[np.int64] | None = None
    seg_name: NDArray[np.int64] | None = None
    names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n, m = self.node_id.shape, self.seg_a.shape
        if self.lon.shape != n or self.lat.shape != n or self.seg_b.shape != m:
            raise DataError(
                f"{self.source}: table columns differ in length "
                f"(nodes {n}, lon {self.lon.shape}, lat {self.lat.shape}, "
                f"segments {m}, seg_b {self.seg_b.shape})"
            )
        if (self.seg_way is None) != (self.seg_name is None) or not all(
            a is None or a.shape == m for a in (self.seg_way, self.seg_name)
        ):
            raise DataError(f"{self.source}: seg_way and seg_name must both be one per segment")

    def take_segments(self, keep: NDArray[np.bool_]) -> NetworkTables:
        """The same table with only the segments where ``keep`` is true (ways and names too)."""
        return replace(
            self,
            seg_a=self.seg_a[keep],
            seg_b=self.seg_b[keep],
            seg_way=None if self.seg_way is None else self.seg_way[keep],
            seg_name=None if self.seg_name is None else self.seg_name[keep],
        )

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.node_id.size)

    @property
    def n_segments(self) -> int:
        """Number of segments (before the builder removes duplicates)."""
        return int(self.seg_a.size)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(min lon, min lat, max lon, max lat) of the nodes, in degrees (NaN if empty)."""
        if self.node_id.size == 0:
            return (math.nan, math.nan, math.nan, math.nan)
        return (
            float(self.lon.min()),
            float(self.lat.min()),
            float(self.lon.max()),
            float(self.lat.max()),
        )

    def clipped(
        self, *, bbox: BBox | None = None, boundary: Polygon | MultiPolygon | None = None
    ) -> NetworkTables:
        """Keep the segments whose two endpoints both lie inside an area.

        A segment crossing the edge is dropped rather than cut, so no node is invented
        on the boundary. Nodes no segment uses are dropped in any case, so
        ``clipped()`` without an area is :meth:`compacted`.

        Parameters
        ----------
        bbox
            (min lon, min lat, max lon, max lat) in degrees; edges count as inside.
        boundary
            Polygon or MultiPolygon in WGS-84 degrees; points on its edge are outside.

        Returns
        -------
        NetworkTables
            A new table, with a note saying how many segments were clipped away.

        """
        if bbox is None and boundary is None:
            return self.compacted()
        pos_a, pos_b = _positions(self.node_id, self.seg_a, self.seg_b, self.source)
        inside = inside_mask(self.lon, self.lat, bbox=bbox, boundary=boundary)
        keep = inside[pos_a] & inside[pos_b]
        dropped = int(keep.size - keep.sum())
        notes = self.notes
        if dropped:
            where = "bbox" if boundary is None else "boundary"
            notes = (*notes, f"{_count(dropped, 'segment')} outside the {where} dropped")
        return replace(self.take_segments(keep), notes=notes).compacted()

    def compacted(self) -> NetworkTables:
        """Return the same table without the nodes that no segment uses."""
        used = np.unique(np.concatenate([self.seg_a, self.seg_b]))
        keep = np.isin(self.node_id, used)
        if keep.all():
            return self
        return replace(self, node_id=self.node_id[keep], lon=self.lon[keep], lat=self.lat[keep])


def checked_bbox(bbox: ArrayLike) -> BBox:
    """Validate a (min lon, min lat, max lon, max lat) box in WGS-84 degrees.

    Raises
    ------
    ValidationError
        When it is not four finite numbers in range with min < max.

    """
    values = np.asarray(bbox, dtype=np.float64).ravel()
    if values.size != 4 or not np.isfinite(values).all():
        raise ValidationError(f"bbox must be four finite numbers, got {bbox!r}")
    minlon, minlat, maxlon, maxlat = (float(v) for v in values)
    if not (-180.0 <= minlon < maxlon <= 180.0 and -90.0 <= minlat < maxlat <= 90.0):
        raise ValidationError(
            f"bbox must be (min lon, min lat, max lon, max lat) in degrees with "
            f"min < max, got {bbox!r}"
        )
    return (minlon, minlat, maxlon, maxlat)


def inside_mask(
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    *,
    bbox: BBox | None = None,
    boundary: Polygon | MultiPolygon | None = None,
) -> NDArray[np.bool_]:
    """Which points lie inside the bbox and the boundary (NaN coordinates never do)."""
    inside = np.isfinite(lon) & np.isfinite(lat)
    if bbox is not None:
        minlon, minlat, maxlon, maxlat = checked_bbox(bbox)
        inside &= (lon >= minlon) & (lon <= maxlon) & (lat >= minlat) & (lat <= maxlat)
    if boundary is not None:
        if boundary.geom_type not in {"Polygon", "MultiPolygon"}:
            raise ValidationError(
                f"boundary must be a Polygon or MultiPolygon, got {boundary.geom_type}"
            )
        # prepared geometry makes the vectorised point-in-polygon test fast
        shapely.prepare(boundary)
        candidates = np.flatnonzero(inside)
        hit = shapely.contains_xy(boundary, lon[candidates], lat[candidates])
        inside[candidates[~hit]] = False
    return inside


def tables_from_ways(
    *,
    way_id: ArrayLike,
    way_len: ArrayLike,
    ref: ArrayLike,
    lon: ArrayLike,
    lat: ArrayLike,
    source: str,
    ways_dropped: int,
    bbox: BBox | None = None,
    boundary: Polygon | MultiPolygon | None = None,
    notes: tuple[str, ...] = (),
    way_name: Sequence[str] | None = None,
) -> NetworkTables:
    """Assemble the canonical table from the node lists of walkable ways.

    Ways are ordered by id and nodes by id, so that the same data read from any format
    gives identical tables. A node without coordinates (outside the extract) cuts the
    segments touching it; the rest of its way is kept.

    Parameters
    ----------
    way_id
        Id of each kept (walkable) way.
    way_len
        Number of node references of each way.
    ref, lon, lat
        The ways' node references, concatenated in way order, with their WGS-84
        coordinates in degrees (NaN where the node is missing).
    source
        File and kind, for messages and the table.
    ways_dropped
        Highway ways the walkable rule rejected.
    bbox, boundary
        Optional clipping area, see :meth:`NetworkTables.clipped`.
    notes
        Remarks from the reader to carry along.
    way_name
        The ``name`` tag of each way (``""``: none), giving the table's ``seg_way``,
        ``seg_name`` and ``names``; without it they stay ``None``.

    Returns
    -------
    NetworkTables

    """
    wid = np.asarray(way_id, dtype=np.int64)
    wlen = np.asarray(way_len, dtype=np.int64)
    refs = np.asarray(ref, dtype=np.int64)
    x = np.asarray(lon, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    if int(wlen.sum()) != refs.size or x.size != refs.size or y.size != refs.size:
        raise DataError(f"{source}: way node lists and coordinates differ in length")
    owner = np.repeat(np.arange(wid.size), wlen)
    # stable sort by way id keeps each way's nodes in their drawn order
    rank = np.empty(wid.size, dtype=np.int64)
    rank[np.argsort(wid, kind="stable")] = np.arange(wid.size)
    perm = np.argsort(rank[owner], kind="stable")
    refs, x, y, owner = refs[perm], x[perm], y[perm], rank[owner][perm]

    located = np.isfinite(x) & np.isfinite(y)
    same_way = owner[:-1] == owner[1:]
    keep = same_way & located[:-1] & located[1:]
    notes = tuple(notes)
    cut_ways = np.unique(owner[~located]).size
    if cut_ways:
        missing = np.unique(refs[~located]).size
        notes = (
            *notes,
            (
                f"{_count(cut_ways, 'way')} cut where they reference "
                f"{_count(missing, 'node')} missing from the extract"
            ),
        )
    if bbox is not None or boundary is not None:
        inside = inside_mask(x, y, bbox=bbox, boundary=boundary)
        clip = keep & ~(inside[:-1] & inside[1:])
        if clip.any():
            where = "bbox" if boundary is None else "boundary"
            notes = (*notes, f"{_count(int(clip.sum()), 'segment')} outside the {where} dropped")
        keep &= ~clip
    first = np.flatnonzero(keep)
    seg_a, seg_b = refs[first], refs[first + 1]
    ends = np.concatenate([first, first + 1])
    node_id, at = np.unique(refs[ends], return_index=True)
    ways: dict[str, Any] = {}
    if way_name is not None:
        if len(way_name) != wid.size:
            raise DataError(f"{source}: {len(way_name)} way names for {wid.size} ways")
        names, name_of_way = name_table(way_name)
        by_rank = np.argsort(wid, kind="stable")  # way of each rank
        seg_owner = by_rank[owner[first]]
        ways = {"seg_way": wid[seg_owner], "seg_name": name_of_way[seg_owner], "names": names}
    return NetworkTables(
        node_id=node_id,
        lon=x[ends][at],
        lat=y[ends][at],
        seg_a=seg_a,
        seg_b=seg_b,
        source=source,
        ways_kept=int(wid.size),
        ways_dropped=int(ways_dropped),
        notes=notes,
        **ways,
    )


def name_table(names: Sequence[str]) -> tuple[tuple[str, ...], NDArray[np.int64]]:
    """The distinct non-blank names, and each given name's index among them (``-1``: blank)."""
    table: dict[str, int] = {}
    index = np.array(
        [table.setdefault(n, len(table)) if n.strip() else -1 for n in names], dtype=np.int64
    )
    return tuple(table), index


def _positions(
    node_id: NDArray[np.int64], seg_a: NDArray[np.int64], seg_b: NDArray[np.int64], source: str
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Row of each segment endpoint in the node table (DataError for unknown ids)."""
    if node_id.size == 0 and seg_a.size:
        raise DataError(f"{source}: segments but no nodes")
    order = np.argsort(node_id, kind="stable")
    sorted_ids = node_id[order]
    last = max(node_id.size - 1, 0)
    pa = np.minimum(np.searchsorted(sorted_ids, seg_a), last)
    pb = np.minimum(np.searchsorted(sorted_ids, seg_b), last)
    bad = (sorted_ids[pa] != seg_a) | (sorted_ids[pb] != seg_b)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise DataError(f"{source}: segment {k} refers to a node id with no coordinates")
    return order[pa], order[pb]


def _count(n: int, noun: str) -> str:
    """'1 way', '2,345 ways'."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


# --- places ------------------------------------------------------------------------------

PlaceSource: TypeAlias = Literal["osm", "amap", "csv"]
"""Where a place record comes from."""

PLACE_ROWS_HEADER = ("id", "lon", "lat", "category", "name", "brand", "opening_hours", "rule")
"""Columns of :meth:`PlaceImport.rows`, the places CSV that ``lifecircle access`` reads."""

REJECTS_HEADER = ("ref", "column", "problem")
"""Columns of the rejects file :meth:`PlaceImport.write_rejects` writes."""


@dataclass(frozen=True)
class Reject:
    """One problem with one row or feature of an input file.

    Attributes
    ----------
    ref
        Where: ``"line 12"`` (CSV, counting the header), ``"row 12"`` (XLSX sheet row),
        an OSM id such as ``"w15"``, or ``"file"`` for the file as a whole.
    column
        The column or tag at fault, as written in the file (``""``: the whole row).
    problem
        What is wrong, e.g. ``"lat 114.05 is outside [-90, 90]: lon/lat look swapped"``.

    """

    ref: str
    column: str
    problem: str

    def __str__(self) -> str:
        return (
            f"{self.ref}: {self.column}: {self.problem}"
            if self.column
            else (f"{self.ref}: {self.problem}")
        )


@dataclass(frozen=True)
class PlaceRecord:
    """One place (shop, service, facility) from one source, in WGS-84.

    Attributes
    ----------
    source
        ``"osm"``, ``"amap"`` or ``"csv"``.
    source_id
        The id within the source: ``n123``/``w45``/``r6`` for OSM, the POI id (or a hash
        of name and location, ``h`` + 16 hex digits) for Amap, the ``id`` column for CSV.
    lon, lat
        WGS-84 degrees, converted from the file's CRS.
    name, brand, operator, address
        Text as given (``""`` when absent); brand and operator feed chain-rate statistics.
    opening_hours
        The opening hours as written (``""`` when absent).
    opening_hours_weekly
        ``(day 0-6 with 0 = Monday, start minute, end minute)`` intervals parsed from
        ``opening_hours`` (see :mod:`lifecircle.core.assess.opening_hours`); ``None`` when absent
        or unparseable (the import's ``warnings`` then say why).
    matches
        The categories matched, each with the rule and confidence, in taxonomy order.
    ref
        Where the record is in its file, for messages: ``"line 12"`` or ``"n123"``.

    """

    source: PlaceSource
    source_id: str
    lon: float
    lat: float
    name: str = ""
    brand: str = ""
    operator: str = ""
    address: str = ""
    opening_hours: str = ""
    opening_hours_weekly: tuple[Interval, ...] | None = None
    matches: tuple[Match, ...] = ()
    ref: str = ""

    @property
    def categories(self) -> tuple[str, ...]:
        """Codes of the matched categories, in taxonomy order."""
        return tuple(m.code for m in self.matches)


@dataclass(frozen=True)
class PlaceImport:
    """The places of one file, classified by one taxonomy, and what was left out.

    Attributes
    ----------
    records
        Classified places in file order.
    path
        The file read.
    format
        Its kind, e.g. ``"OpenStreetMap PBF"``, ``"Amap CSV (GBK)"``, ``"places CSV"``.
    taxonomy
        Name of the taxonomy used.
    report
        Counts by name; every reader gives ``rows_read``, ``records`` and ``rejected``
        (rows), readers add their own (OSM: ``nodes_seen``, ``broken_areas`` ...).
    rejects
        Problems of the rows not imported (with ``skip_bad``).
    warnings
        Problems that did not stop a row, such as opening hours kept only as text.
    clipped
        OSM areas cut by the extract's edge: left out, but not bad rows (every extract
        has them), so they never reject an import; warnings counted in its summary.
    notes
        Remarks in plain words.

    """

    records: tuple[PlaceRecord, ...]
    path: str
    format: str
    taxonomy: str
    report: Mapping[str, int]
    rejects: tuple[Reject, ...] = ()
    warnings: tuple[Reject, ...] = ()
    notes: tuple[str, ...] = ()
    clipped: tuple[Reject, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "report", MappingProxyType(dict(self.report)))

    def __len__(self) -> int:
        return len(self.records)

    @property
    def source(self) -> str:
        """File name and kind, e.g. ``"places_tiny.osm (OpenStreetMap XML)"``."""
        return f"{Path(self.path).name} ({self.format})"

    def counts(self) -> Counter[str]:
        """Places per category code (a place in two categories counts in both)."""
        return Counter(code for r in self.records for code in r.categories)

    def rows(self) -> Iterator[tuple[str, str, str, str, str, str, str, str]]:
        """Rows of :data:`PLACE_ROWS_HEADER`, one per (place, category).

        A place in two categories appears twice under its source id, as
        ``lifecircle access --places`` expects; ``brand`` falls back to the operator.
        """
        for r in self.records:
            for m in r.matches:
                yield (
                    r.source_id,
                    f"{r.lon:.7f}",
                    f"{r.lat:.7f}",
                    m.code,
                    r.name,
                    r.brand or r.operator,
                    r.opening_hours,
                    m.rule,
                )

    def write_rejects(self, path: Path | None = None) -> Path | None:
        """Write the rejects as CSV (:data:`REJECTS_HEADER`), by default beside the input.

        Returns
        -------
        pathlib.Path or None
            The file written (``{input stem}.rejects.csv``), or ``None`` when nothing was
            rejected.

        """
        if not self.rejects:
            return None
        target = path or rejects_path(self.path)
        write_csv(target, REJECTS_HEADER, ((r.ref, r.column, r.problem) for r in self.rejects))
        return target


def rejects_path(path: Path | str) -> Path:
    """Where the rejects of an input go: ``shops.csv`` gives ``shops.rejects.csv``."""
    path = Path(path)
    return path.with_name(f"{path.stem}.rejects.csv")


class PlaceImportError(DataError):
    """A place file has problems; nothing of it was imported.

    The message is the first problem, then ``(and N more problems)``, as for
    :class:`~lifecircle.io.places.points.PointsError`; ``problems`` holds every one as
    ``"{path}: {reject}"`` and ``rejects`` the :class:`Reject` objects.
    """

    def __init__(self, path: Path | str, rejects: list[Reject] | tuple[Reject, ...]) -> None:
        self.rejects = tuple(rejects)
        self.problems = [f"{path}: {r}" for r in self.rejects]
        more = len(self.problems) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else ""
        super().__init__(self.problems[0] + suffix)
