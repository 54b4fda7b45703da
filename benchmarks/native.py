"""The plain C reference (``c/access.c``): compiled once with gcc, called through ctypes.

It stands for the hardware limit: the same searches as lifecircle (one multi-source
search per category for W1, one bounded search per distinct place node for W2, parallel
over categories) with no interpreter in the loop, in two variants: ``C heap`` (Dijkstra,
4-ary heap) and ``C bucket`` (lifecircle's own bucket queue, transcribed from
``kernels._bucket_search``, with lifecircle's bucket width). Both read lifecircle's CSR
arrays as they are, so their preparation is only mapping place ids to indices.
"""

from __future__ import annotations

import ctypes
import subprocess
import time
from pathlib import Path

import numpy as np

from workload import LIMIT_M, N_CATEGORIES, Bench, CountsAnswer, index_of

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "c" / "access.c"
BUILD = HERE / "_build"
LIBRARY = BUILD / "libaccess.so"
CFLAGS = [
    "-O3",
    "-march=native",
    "-fopenmp",
    "-shared",
    "-fPIC",
    "-std=c11",
    "-D_POSIX_C_SOURCE=200809L",
    "-Wall",
    "-Wextra",
]

_P = ctypes.c_void_p
_I64 = ctypes.c_int64
_I32 = ctypes.c_int32
_F64 = ctypes.c_double


def build_library() -> Path:
    """Compile ``c/access.c`` into ``_build/libaccess.so`` unless it is up to date."""
    BUILD.mkdir(exist_ok=True)
    if LIBRARY.exists() and LIBRARY.stat().st_mtime >= SOURCE.stat().st_mtime:
        return LIBRARY
    cmd = ["gcc", *CFLAGS, "-o", str(LIBRARY), str(SOURCE), "-lm"]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return LIBRARY


def _load() -> ctypes.CDLL:
    lib = ctypes.CDLL(str(LIBRARY))
    lib.c_threads.restype = ctypes.c_int
    lib.c_warm_up.restype = ctypes.c_int
    lib.w1_nearest.argtypes = [_I64, _P, _P, _P, _I32, _P, _P, _F64, _P, _P]
    lib.w1_nearest.restype = None
    lib.w2_counts.argtypes = [_I64, _P, _P, _P, _I32, _P, _P, _F64, _P, _P]
    lib.w2_counts.restype = None
    lib.w3_batch.argtypes = [_I64, _P, _P, _P, _P, _P, _I32, _P, _F64, _P, _P, _I64, _P]
    lib.w3_batch.restype = _I64
    lib.w1_bucket.argtypes = [_I64, _P, _P, _P, _I32, _P, _P, _F64, _P, _F64, _P]
    lib.w1_bucket.restype = _I64
    lib.w2_bucket.argtypes = [_I64, _P, _P, _P, _I32, _P, _P, _F64, _P, _F64, _P]
    lib.w2_bucket.restype = _I64
    lib.w3_bucket.argtypes = [_I64, _P, _P, _P, _P, _P, _I32, _P, _F64, _F64, _P, _P, _I64]
    lib.w3_bucket.argtypes += [_P, _P]
    lib.w3_bucket.restype = _I64
    return lib


def _ptr(a: np.ndarray) -> int:
    return a.ctypes.data


class CTool:
    """Driver of the compiled C reference, heap variant."""

    NEEDS = ("csr_node_id", "csr_indptr", "csr_indices", "csr_weights")

    def __init__(self, bench: Bench, *, limit_m: float = LIMIT_M) -> None:
        self.bench = bench
        self.limit = limit_m
        self.lib = _load()
        self.detail: list[str] = []
        self.notes = [
            (
                f"C: gcc -O3 -march=native -fopenmp, {self.lib.c_threads()} threads, "
                "categories scheduled largest first (OpenMP dynamic); both variants read "
                "lifecircle's CSR (space-filling-curve order), so their prep is only id "
                "mapping; W3 queries are timed inside C (clock_gettime per query)"
            ),
            (
                "C heap: Dijkstra with a 4-ary heap and lazy deletion, distances written "
                "straight into the output (W1) or reset by generation stamps (W2, W3)"
            ),
        ]

    def warm_up(self) -> float:
        """Start OpenMP's thread pool (a one-off cost in any long-running program)."""
        t0 = time.perf_counter()
        self.lib.c_warm_up()
        return time.perf_counter() - t0

    def prepare(self) -> None:
        b = self.bench
        self.indptr = np.ascontiguousarray(b.csr_indptr, dtype=np.int64)
        self.indices = np.ascontiguousarray(b.csr_indices, dtype=np.int32)
        self.weights = np.ascontiguousarray(b.csr_weights, dtype=np.float64)
        self.n = self.indptr.size - 1
        node = index_of(b.csr_node_id, b.place_node_id)
        self.place_node = node
        order = np.argsort(b.place_category, kind="stable")
        self.seeds = np.ascontiguousarray(node[order], dtype=np.int32)
        self.group_ptr = np.zeros(N_CATEGORIES + 1, dtype=np.int64)
        sizes = np.bincount(b.place_category, minlength=N_CATEGORIES)
        np.cumsum(sizes, out=self.group_ptr[1:])
        # largest categories first, so dynamic scheduling ends with small tasks
        self.group_order = np.argsort(-sizes, kind="stable").astype(np.int32)
        self.to_canonical = b.canonical_index(b.csr_node_id)

    def _call(self, fn: ctypes._CFuncPtr, out: np.ndarray) -> np.ndarray:
        fn(
            self.n,
            _ptr(self.indptr),
            _ptr(self.indices),
            _ptr(self.weights),
            N_CATEGORIES,
            _ptr(self.group_ptr),
            _ptr(self.seeds),
            self.limit,
            _ptr(self.group_order),
            _ptr(out),
        )
        return out

    def nearest(self) -> np.ndarray:
        return self._call(self.lib.w1_nearest, np.empty((N_CATEGORIES, self.n)))

    def canonical_nearest(self, answer: object) -> np.ndarray:
        out = np.empty_like(answer)
        out[:, self.to_canonical] = answer
        return out

    def counts(self) -> np.ndarray:
        return self._call(self.lib.w2_counts, np.empty((N_CATEGORIES, self.n), np.int32))

    def canonical_counts(self, answer: object) -> CountsAnswer:
        return CountsAnswer(self.canonical_nearest(answer))

    def places_near(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        b = self.bench
        place_of_node = np.argsort(self.place_node, kind="stable").astype(np.int32)
        place_ptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.place_node, minlength=self.n), out=place_ptr[1:])
        node = index_of(b.csr_node_id, queries).astype(np.int32)
        cap = max(1024, 64 * int(place_of_node.size))
        while True:
            out_ptr = np.zeros(node.size + 1, dtype=np.int64)
            out_place = np.empty(cap, dtype=np.int32)
            seconds = np.zeros(node.size)
            total = self._w3(place_ptr, place_of_node, node, out_ptr, out_place, seconds)
            if total >= 0:
                return out_ptr, out_place[:total].copy(), seconds
            cap *= 4

    def _w3(
        self,
        place_ptr: np.ndarray,
        place_of_node: np.ndarray,
        node: np.ndarray,
        out_ptr: np.ndarray,
        out_place: np.ndarray,
        seconds: np.ndarray,
    ) -> int:
        return self.lib.w3_batch(
            self.n,
            _ptr(self.indptr),
            _ptr(self.indices),
            _ptr(self.weights),
            _ptr(place_ptr),
            _ptr(place_of_node),
            node.size,
            _ptr(node),
            self.limit,
            _ptr(out_ptr),
            _ptr(out_place),
            out_place.size,
            _ptr(seconds),
        )


class CBucketTool(CTool):
    """Driver of the compiled C reference, bucket variant (lifecircle's algorithm)."""

    NEEDS = (*CTool.NEEDS, "bucket_inv_delta")

    def __init__(self, bench: Bench, *, limit_m: float = LIMIT_M) -> None:
        super().__init__(bench, limit_m=limit_m)
        self.inv_delta = float(bench.bucket_inv_delta)
        self.fallbacks = {"W1": 0, "W2": 0, "W3": 0}
        self.notes = [
            self.notes[0],
            (
                "C bucket: kernels._bucket_search and its drivers transcribed to C (bucket "
                "queue = sequential delta-stepping with a re-file on improvement; entry "
                "pool with a free list; stale entries skipped; generation stamps, "
                "predecessors and the reached list kept as lifecircle keeps them; places "
                "of W3 sorted nearest first as lifecircle sorts them; heap rerun if the "
                "pool overflows), with lifecircle's own bucket width (bucket_inv_width)"
            ),
        ]

    def _call_bucket(self, fn: ctypes._CFuncPtr, out: np.ndarray) -> tuple[np.ndarray, int]:
        fallbacks = fn(
            self.n,
            _ptr(self.indptr),
            _ptr(self.indices),
            _ptr(self.weights),
            N_CATEGORIES,
            _ptr(self.group_ptr),
            _ptr(self.seeds),
            self.limit,
            _ptr(self.group_order),
            self.inv_delta,
            _ptr(out),
        )
        return out, int(fallbacks)

    def _count(self, key: str, fallbacks: int) -> None:
        self.fallbacks[key] = max(self.fallbacks[key], fallbacks)
        self.detail = [
            f"C bucket: {k} searches rerun with the heap after a pool overflow: {v}"
            for k, v in self.fallbacks.items()
            if v
        ] + [f"C bucket width {1 / self.inv_delta:.3g} m (lifecircle's)"]

    def nearest(self) -> np.ndarray:
        out, fallbacks = self._call_bucket(self.lib.w1_bucket, np.empty((N_CATEGORIES, self.n)))
        self._count("W1", fallbacks)
        return out

    def counts(self) -> np.ndarray:
        out = np.empty((N_CATEGORIES, self.n), np.int32)
        out, fallbacks = self._call_bucket(self.lib.w2_bucket, out)
        self._count("W2", fallbacks)
        return out

    def _w3(
        self,
        place_ptr: np.ndarray,
        place_of_node: np.ndarray,
        node: np.ndarray,
        out_ptr: np.ndarray,
        out_place: np.ndarray,
        seconds: np.ndarray,
    ) -> int:
        fallbacks = np.zeros(1, dtype=np.int64)
        total = self.lib.w3_bucket(
            self.n,
            _ptr(self.indptr),
            _ptr(self.indices),
            _ptr(self.weights),
            _ptr(place_ptr),
            _ptr(place_of_node),
            node.size,
            _ptr(node),
            self.limit,
            self.inv_delta,
            _ptr(out_ptr),
            _ptr(out_place),
            out_place.size,
            _ptr(seconds),
            _ptr(fallbacks),
        )
        self._count("W3", int(fallbacks[0]))
        return total
