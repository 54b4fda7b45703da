"""Candidate sites for a plan and the walks between them and the residents.

Two sources of candidates: points along the walking network (every street end and
junction, and points about every ``spacing_m`` metres along the streets between them),
or a user's file of available shop units (``id,lon,lat[,rent]``). Either way they are
:class:`~lifecircle.core.walk.snap.Snapped` points, inserted into the network together with
the residents, so a walk from a candidate to a home is measured exactly as the
assessment measures the walk from a home to a shop (``core.access``). The pairs within
the limit come from bounded searches (:class:`~lifecircle.core.walk.access.Router`), never
from a dense homes x candidates matrix.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse

from lifecircle.core.walk.access import Router
from lifecircle.core.walk.snap import Snapped, snap_nodes, snap_points
from lifecircle.errors import ValidationError
from lifecircle.io.places.candidates import read_candidates
from lifecircle.io.places.points import check_swapped

if TYPE_CHECKING:
    from pathlib import Path

    from numpy.typing import NDArray

    from lifecircle.core.walk.network import WalkNetwork

NETWORK_PREFIX = "n-"
"""Ids of network candidates: ``n-<k>``, numbered junctions first, then street points."""


@dataclass(frozen=True)
class Candidates:
    """Candidate sites attached to the network.

    Attributes
    ----------
    ids
        Candidate ids: ``n-<k>`` for network points, the file's ids otherwise.
    lon, lat
        Where each candidate is, WGS-84 degrees (a file's own coordinates).
    rent
        Rent per candidate from the file, ``nan`` where not known.
    snapped
        Where each candidate meets the network (all attached).
    source
        ``"network"`` or ``"file"``.
    path
        The file read, ``None`` for network candidates.
    left_out
        File rows not used, each ``{"id", "line", "problem"}`` (too far from a street).

    """

    ids: tuple[str, ...]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    rent: NDArray[np.float64]
    snapped: Snapped
    source: str
    path: str | None = None
    left_out: list[dict[str, Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)


def _chains(
    net: WalkNetwork,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_], NDArray[np.int64]]:
    """Streets between junctions: every segment once, in walking order along its chain.

    A chain runs from a node that is not a plain street point (degree other than 2: a
    junction or a dead end) through degree-2 nodes to the next such node; a loop of
    degree-2 nodes only becomes a chain starting at its lowest node.

    Returns
    -------
    chain, seg, forward
        Per step: the chain it belongs to (ascending), the segment, and whether the
        chain walks it from ``seg_u`` to ``seg_v``.
    loop_starts
        The start node of each loop without a junction.

    """
    n, s = net.n_nodes, net.n_segments
    ends = np.concatenate([net.seg_u, net.seg_v]).astype(np.int64)
    other = np.concatenate([net.seg_v, net.seg_u]).astype(np.int64)
    seg_of = np.concatenate([np.arange(s), np.arange(s)])
    order = np.argsort(ends, kind="stable")
    other, seg_of = other[order].tolist(), seg_of[order].tolist()
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(ends, minlength=n), out=ptr[1:])
    ptr_l = ptr.tolist()
    is_stop = (np.diff(ptr) != 2).tolist()
    seg_u = net.seg_u.tolist()
    done = [False] * s
    chain_l: list[int] = []
    seg_l: list[int] = []
    fwd_l: list[bool] = []
    loop_starts: list[int] = []
    chain = 0
    for start in [v for v in range(n) if is_stop[v]] + list(range(n)):
        for slot in range(ptr_l[start], ptr_l[start + 1]):
            if done[seg_of[slot]]:
                continue
            if not is_stop[start]:  # a loop of plain street points: it starts here
                loop_starts.append(start)
            node, slot_now = start, slot
            while True:
                e = seg_of[slot_now]
                done[e] = True
                chain_l.append(chain)
                seg_l.append(e)
                fwd_l.append(seg_u[e] == node)
                node = other[slot_now]
                if is_stop[node] or node == start:
                    break
                a = ptr_l[node]  # a degree-2 node: leave by its other segment
                slot_now = a if seg_of[a] != e else a + 1
            chain += 1
    return (
        np.asarray(chain_l, dtype=np.int64),
        np.asarray(seg_l, dtype=np.int64),
        np.asarray(fwd_l, dtype=bool),
        np.asarray(loop_starts, dtype=np.int64),
    )


def _on_segments(
    net: WalkNetwork, seg: NDArray[np.int64], from_u_m: NDArray[np.float64]
) -> Snapped:
    """Points ``from_u_m`` metres along segments from their ``seg_u`` end."""
    length = net.seg_len[seg]
    t = np.divide(from_u_m, length, out=np.zeros_like(from_u_m), where=length > 0)
    u, v = net.seg_u[seg], net.seg_v[seg]
    x, y = net.projected_xy()
    lon, lat = net.projection().inverse(x[u] + t * (x[v] - x[u]), y[u] + t * (y[v] - y[u]))
    zero = np.zeros(seg.size)
    return Snapped(seg, t, lon, lat, zero, from_u_m, length - from_u_m)


def network_candidates(net: WalkNetwork, *, spacing_m: float) -> Candidates:
    """Candidate sites along the whole network.

    Every junction and dead end, plus points splitting each street between them (a
    chain of segments through plain street points) into equal pieces of about
    ``spacing_m`` metres: a 260 m street with 100 m spacing gets points at 87 and
    173 m (three pieces, the count nearest ``260 / 100``); one shorter than 150 m none.

    Parameters
    ----------
    net
        The walking network.
    spacing_m
        Wanted distance between neighbouring candidates along a street, metres.

    Returns
    -------
    Candidates
        Ids ``n-0``, ``n-1``...: the junctions in node order, then the street points.

    """
    if not 1.0 <= spacing_m <= 100_000.0:
        raise ValidationError(f"candidate spacing {spacing_m} m is outside 1-100,000 m")
    chain, seg, fwd, loop_starts = _chains(net)
    stops = np.union1d(np.flatnonzero(np.diff(net.indptr) != 2), loop_starts)
    length = net.seg_len[seg]
    end = np.cumsum(length)  # where each step ends, metres along all chains in a row
    first = np.searchsorted(chain, np.arange(chain[-1] + 1 if chain.size else 0))
    last = np.append(first[1:], seg.size) - 1
    start_at = end[first] - length[first]
    total = end[last] - start_at
    pieces = np.maximum(np.rint(total / spacing_m), 1).astype(np.int64)
    per_chain = pieces - 1
    owner = np.repeat(np.arange(total.size), per_chain)
    k = np.arange(owner.size) - np.repeat(np.cumsum(per_chain) - per_chain, per_chain) + 1
    at = start_at[owner] + total[owner] * k / pieces[owner]
    step = np.clip(np.searchsorted(end, at, side="left"), first[owner], last[owner])
    along = np.clip(at - (end[step] - length[step]), 0.0, length[step])
    from_u = np.where(fwd[step], along, length[step] - along)
    points = Snapped.concat([snap_nodes(net, stops), _on_segments(net, seg[step], from_u)])
    ids = tuple(f"{NETWORK_PREFIX}{i}" for i in range(len(points)))
    return Candidates(
        ids=ids,
        lon=points.lon,
        lat=points.lat,
        rent=np.full(len(points), np.nan),
        snapped=points,
        source="network",
    )


def file_candidates(
    net: WalkNetwork, path: Path, *, crs: str = "wgs84", max_snap_m: float
) -> Candidates:
    """Candidate sites read from ``path`` (``id,lon,lat[,rent]``) and attached to streets.

    Rows farther than ``max_snap_m`` from every street are listed in ``left_out``, not
    dropped silently.

    Raises
    ------
    lifecircle.io.places.points.PointsError
        For any bad row (all reported), or when lon and lat look swapped for the area.

    """
    table = read_candidates(path, crs=crs)
    check_swapped(table.as_points(), net.bbox)
    snapped = snap_points(net, table.lon, table.lat, max_snap_m=max_snap_m)
    keep = np.flatnonzero(snapped.ok)
    left_out = [
        {
            "id": table.ids[i],
            "line": int(table.line[i]),
            "problem": f"farther than {max_snap_m:g} m from every street",
        }
        for i in np.flatnonzero(~snapped.ok)
    ]
    return Candidates(
        ids=tuple(table.ids[i] for i in keep),
        lon=table.lon[keep],
        lat=table.lat[keep],
        rent=table.rent[keep],
        snapped=snapped.take(keep),
        source="file",
        path=str(path),
        left_out=left_out,
    )


def within(
    net: WalkNetwork,
    *,
    seed_node: NDArray[np.int64],
    seed_offset_m: NDArray[np.float64],
    node: NDArray[np.int64],
    offset_m: NDArray[np.float64],
    limit_m: float,
) -> NDArray[np.bool_]:
    """Which points (``node``, ``offset_m``) lie within ``limit_m`` of any seed.

    One multi-source bounded search; the walk counts both offsets (point to street).
    """
    if seed_node.size == 0:
        return np.zeros(node.size, dtype=bool)
    reached, metres = Router(net).search(seed_node, seed_offset_m, limit_m)
    dist = np.full(net.n_nodes, np.inf)
    dist[reached] = metres
    return np.asarray(dist[node] + offset_m <= limit_m)


def pairs_within(
    net: WalkNetwork,
    *,
    a_node: NDArray[np.int64],
    a_offset_m: NDArray[np.float64],
    b_node: NDArray[np.int64],
    b_offset_m: NDArray[np.float64],
    limit_m: float,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """Every (a, b) pair within ``limit_m`` of each other on the network, with its metres.

    Walking is symmetric, so the bounded searches start from the smaller side: one per
    point of it, the other side's points attached to their nodes as the "places".

    Returns
    -------
    a, b, metres
        Indices into the ``a`` and ``b`` points and the walking metres, offsets counted.

    """
    swap = b_node.size < a_node.size
    src_node, src_off, dst_node, dst_off = (
        (b_node, b_offset_m, a_node, a_offset_m)
        if swap
        else (a_node, a_offset_m, b_node, b_offset_m)
    )
    router = Router(net, place_node=dst_node, place_offset_m=dst_off)
    found_src: list[NDArray[np.int64]] = []
    found_dst: list[NDArray[np.int32]] = []
    found_m: list[NDArray[np.float64]] = []
    for i, (node, offset) in enumerate(zip(src_node.tolist(), src_off.tolist(), strict=True)):
        places, metres = router.places_within(node, offset, limit_m)
        found_src.append(np.full(places.size, i, dtype=np.int64))
        found_dst.append(places)
        found_m.append(metres)
    src = np.concatenate([np.zeros(0, dtype=np.int64), *found_src])
    dst = np.concatenate([np.zeros(0, dtype=np.int64), *found_dst]).astype(np.int64)
    metres_all = np.concatenate([np.zeros(0), *found_m])
    return (dst, src, metres_all) if swap else (src, dst, metres_all)


DOMINANCE_BUDGET = 30_000_000
"""Most candidate pairs sharing a resident that :func:`undominated` compares; above it
only identical candidates are merged (the full check would cost too much memory)."""


def undominated(
    rows: NDArray[np.int64], cols: NDArray[np.int64], n_cols: int, *, copies: int
) -> NDArray[np.int64]:
    """The candidates worth solving for: those fewer than ``copies`` others dominate.

    Candidate ``b`` dominates ``a`` when it reaches every resident ``a`` reaches (and
    more, or the same ones with a lower index). With all sites alike (one cost, one
    capacity), an optimal plan that opens a candidate with ``copies`` or more
    dominators can swap it for one of them not opened, for no worse coverage; swapping
    up a strict order ends, so an optimum exists among the candidates kept. Set cover
    and maximal covering without capacity need one dominator (``copies = 1``); with a
    capacity two sites on the same street can both be full, so it takes ``k``.

    Network candidates along one street mostly reach the same residents: on the
    synthetic Futian city 1,962 candidates in reach of the residents lacking
    housekeeping are 742 distinct sets and 110 undominated ones, which turns a
    capacitated MILP of minutes into one of seconds.

    Parameters
    ----------
    rows, cols
        The (resident point, candidate) pairs within the limit.
    n_cols
        Number of candidates.
    copies
        Dominators a candidate needs to be dropped (at least 1).

    Returns
    -------
    NDArray[np.int64]
        Indices of the candidates kept, ascending; candidates reaching no one are
        dropped.

    """
    order = np.lexsort((rows, cols))
    r, c = rows[order], cols[order]
    ptr = np.zeros(n_cols + 1, dtype=np.int64)
    np.cumsum(np.bincount(c, minlength=n_cols), out=ptr[1:])
    group_of = np.full(n_cols, -1, dtype=np.int64)
    rank = np.zeros(n_cols, dtype=np.int64)  # earlier candidates reaching the same set
    first: dict[bytes, int] = {}
    count: list[int] = []
    for j in range(n_cols):
        if ptr[j] == ptr[j + 1]:
            continue
        key = r[ptr[j] : ptr[j + 1]].tobytes()
        g = first.setdefault(key, len(count))
        if g == len(count):
            count.append(0)
        group_of[j], rank[j] = g, count[g]
        count[g] += 1
    reps = np.asarray([j for j in range(n_cols) if group_of[j] >= 0 and rank[j] == 0])
    above = np.zeros(len(count), dtype=np.int64)  # candidates reaching a strict superset
    if reps.size:
        pick = np.isin(c, reps)
        g_of_pair = group_of[c[pick]]
        degree = np.bincount(r[pick])
        if float((degree.astype(np.float64) ** 2).sum()) <= DOMINANCE_BUDGET:
            m = int(r.max()) + 1
            groups = sparse.csr_array(
                (np.ones(g_of_pair.size), (g_of_pair, r[pick])), shape=(len(count), m)
            )
            shared = (groups @ groups.T).tocoo()
            size = np.diff(groups.indptr)
            sup = (shared.data == size[shared.row]) & (size[shared.col] > size[shared.row])
            sizes = np.asarray(count, dtype=np.int64)
            np.add.at(above, shared.row[sup], sizes[shared.col[sup]])
    reaches = group_of >= 0
    dominators = np.where(reaches, rank + above[np.maximum(group_of, 0)], copies)
    return np.flatnonzero(reaches & (dominators < copies)).astype(np.int64)


def near_demand(net: WalkNetwork, cands: Candidates, homes: Snapped, limit_m: float) -> Candidates:
    """The candidates that may lie within ``limit_m`` of a home (a superset, never fewer).

    One multi-source search on the network from both ends of each home's segment bounds
    the walk to every candidate through its own segment's ends; candidates on a segment
    with a home are kept whatever that bound says (the walk along one segment needs no
    node). A city-wide candidate set shrinks to the homes' catchment before any point is
    inserted into the network.
    """
    ok = np.flatnonzero(homes.ok)
    if ok.size == 0 or len(cands) == 0:
        return replace(cands, **_subset(cands, np.zeros(0, dtype=np.int64)))
    seg = homes.seg[ok]
    seeds = np.concatenate([net.seg_u[seg], net.seg_v[seg]]).astype(np.int64)
    first = np.concatenate(
        [homes.offset_m[ok] + homes.to_u_m[ok], homes.offset_m[ok] + homes.to_v_m[ok]]
    )
    reached, metres = Router(net).search(seeds, first, limit_m)
    dist = np.full(net.n_nodes, np.inf)
    dist[reached] = metres
    c = cands.snapped
    via = np.minimum(dist[net.seg_u[c.seg]] + c.to_u_m, dist[net.seg_v[c.seg]] + c.to_v_m)
    keep = np.flatnonzero((via + c.offset_m <= limit_m) | np.isin(c.seg, seg))
    return replace(cands, **_subset(cands, keep))


def _subset(cands: Candidates, keep: NDArray[np.int64]) -> dict[str, Any]:
    return {
        "ids": tuple(cands.ids[i] for i in keep),
        "lon": cands.lon[keep],
        "lat": cands.lat[keep],
        "rent": cands.rent[keep],
        "snapped": cands.snapped.take(keep),
    }
