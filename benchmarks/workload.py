"""Benchmark inputs and the per-tool worker harness.

Every tool answers the same three workloads on the same input:

- W1: for every node, metres to the nearest place of each category (``inf`` beyond);
- W2: for every node, how many places of each category lie within the limit;
- W3: the places within the limit of one query node, timed one query at a time.

Answers are returned in the *canonical* node order (the input's node table, minus nodes
outside the largest component) and the input's place order, so they compare directly.
A worker runs one tool in its own process; its peak memory is read per phase from the
kernel's high-water mark, which is reset (``/proc/self/clear_refs``) before each phase.
"""

from __future__ import annotations

import json
import resource
import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Callable

LIMIT_M = 1200.0
N_CATEGORIES = 20
REPEAT_BELOW_S = 1.0
REPEATS = 3
ALWAYS_LOADED = ("node_id", "place_node_id", "place_category", "query_node_id")


def index_of(table: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Position of each of ``ids`` in the id column ``table`` (all must be present)."""
    sorter = np.argsort(table, kind="stable")
    pos = sorter[np.minimum(np.searchsorted(table, ids, sorter=sorter), table.size - 1)]
    if not np.array_equal(table[pos], ids):
        raise ValueError("unknown node id")
    return pos


@dataclass(frozen=True)
class Bench:
    """One benchmark input, stored as an uncompressed ``.npz`` the workers load.

    ``raw_*`` are the tables as read (lifecircle builds from them and is timed doing so).
    ``node_id``/``x``/``y`` and ``edge_*`` are the network every peer gets: the nodes
    lifecircle kept, in the input's order, and its deduplicated segments with its
    geodesic lengths, keyed by source node ids. ``csr_*`` is lifecircle's own CSR (in its
    space-filling-curve order), which the C reference reads as is, and
    ``bucket_inv_delta`` (0-d) lifecircle's bucket width for the limit (1/metres), which
    the C bucket variant uses.
    """

    raw_node_id: np.ndarray
    raw_lon: np.ndarray
    raw_lat: np.ndarray
    raw_seg_a: np.ndarray
    raw_seg_b: np.ndarray
    node_id: np.ndarray
    x: np.ndarray
    y: np.ndarray
    edge_a: np.ndarray
    edge_b: np.ndarray
    edge_len: np.ndarray
    csr_node_id: np.ndarray
    csr_indptr: np.ndarray
    csr_indices: np.ndarray
    csr_weights: np.ndarray
    place_node_id: np.ndarray
    place_category: np.ndarray
    query_node_id: np.ndarray
    bucket_inv_delta: np.ndarray

    @property
    def n_nodes(self) -> int:
        return int(self.node_id.size)

    def canonical_index(self, ids: np.ndarray) -> np.ndarray:
        """Canonical positions of node ids (all must be in the network)."""
        return index_of(self.node_id, ids)

    def save(self, path: Path) -> None:
        np.savez(path, **{f.name: getattr(self, f.name) for f in fields(self)})

    @classmethod
    def load(cls, path: Path, needs: tuple[str, ...] | None = None) -> Bench:
        """Load the arrays a tool ``needs`` (all by default); the rest stay empty, so a
        worker's memory holds only its own tool's input."""
        wanted = {*(needs or [f.name for f in fields(cls)]), *ALWAYS_LOADED}
        with np.load(path) as data:
            return cls(
                **{f.name: data[f.name] if f.name in wanted else np.zeros(0) for f in fields(cls)}
            )


@dataclass
class CountsAnswer:
    """W2 counts; ``sample_places`` set when only those places were searched."""

    counts: np.ndarray
    sample_places: np.ndarray | None = None
    extrapolate: float = 1.0


class Tool(Protocol):
    """What the harness drives. Answers of ``nearest``/``counts`` may be in any form;
    ``canonical_*`` converts them outside the timed region."""

    notes: list[str]

    def prepare(self) -> None: ...
    def nearest(self) -> object: ...
    def canonical_nearest(self, answer: object) -> np.ndarray: ...
    def counts(self) -> object: ...
    def canonical_counts(self, answer: object) -> CountsAnswer: ...
    def places_near(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...


def unique_seeds(bench: Bench, node: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per category, the distinct seed nodes and how many places share each.

    Every tool searches once per distinct (category, node), as lifecircle does.
    """
    out = []
    for cat in range(N_CATEGORIES):
        seeds, mult = np.unique(node[bench.place_category == cat], return_counts=True)
        out.append((seeds, mult))
    return out


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _timed(fn: Callable[[], object]) -> tuple[object, float]:
    """Run ``fn`` and time it; a run under REPEAT_BELOW_S is repeated, and the median
    taken, so a first call's page faults and thread start-up do not decide the figure
    (applied to every tool alike)."""
    times = []
    while True:
        t0 = time.perf_counter()
        answer = fn()
        times.append(time.perf_counter() - t0)
        if times[0] >= REPEAT_BELOW_S or len(times) == REPEATS:
            return answer, float(np.median(times))
        del answer


def run_tool(tool: Tool, bench: Bench, out: Path, *, n_queries: int) -> None:
    """Run prep, W1, W2 and W3 of one tool; write timings, peaks and answers to ``out``.

    ``out`` is a folder: ``meta.json`` and one ``.npy`` per answer, each written and
    dropped as soon as its phase ends so it does not count in the next phase's peak.
    """
    out.mkdir(parents=True, exist_ok=True)
    meta: dict[str, object] = {"peak_resettable": _reset_peak(), "load_mb": _peak_mb()}
    if hasattr(tool, "warm_up"):
        meta["warm_up_s"] = tool.warm_up()

    _reset_peak()
    t0 = time.perf_counter()
    tool.prepare()
    meta["prep_s"] = time.perf_counter() - t0
    meta["prep_mb"] = _peak_mb()

    _reset_peak()
    answer, meta["w1_s"] = _timed(tool.nearest)
    meta["w1_mb"] = _peak_mb()
    np.save(out / "w1.npy", tool.canonical_nearest(answer))
    del answer

    _reset_peak()
    answer, meta["w2_s"] = _timed(tool.counts)
    meta["w2_mb"] = _peak_mb()
    counts = tool.canonical_counts(answer)
    del answer
    np.save(out / "w2.npy", counts.counts)
    if counts.sample_places is not None:
        np.save(out / "w2_sample.npy", counts.sample_places)
        meta["w2_sampled_s"] = meta["w2_s"]
        meta["w2_s"] = float(meta["w2_s"]) * counts.extrapolate
    del counts

    _reset_peak()
    ptr, place, seconds = tool.places_near(bench.query_node_id[:n_queries])
    meta["w3_mb"] = _peak_mb()
    meta["w3_median_s"] = float(np.median(seconds))
    np.save(out / "w3_ptr.npy", ptr)
    np.save(out / "w3_place.npy", place)
    np.save(out / "w3_seconds.npy", seconds)
    meta["notes"] = tool.notes  # about the tool in general
    meta["detail"] = getattr(tool, "detail", [])  # about this run
    (out / "meta.json").write_text(json.dumps(meta, indent=1))


def load_result(out: Path) -> dict[str, object]:
    """Read what :func:`run_tool` wrote."""
    result: dict[str, object] = {p.stem: np.load(p) for p in out.glob("*.npy")}
    result["meta"] = json.loads((out / "meta.json").read_text())
    return result
