"""The ``.lcnet`` network file: a documented binary format that loads in milliseconds.

Format (version 1), see docs/network-format.md: an uncompressed NumPy ``.npz`` archive
(a ZIP of ``.npy`` arrays, readable from any language with a ZIP and NPY reader) holding

=============  =========  ==========================================================
array          dtype      meaning
=============  =========  ==========================================================
``meta``       uint8      UTF-8 JSON: format, version, epsg, source, created, report
``node_id``    int64      source node id per node (negative: made inside a segment)
``lon, lat``   float64    WGS-84 degrees per node
``seg_u/v``    int32      segment end nodes (``seg_u < seg_v``)
``seg_len``    float64    geodesic segment length, metres
``indptr``     int64      CSR row pointer (n + 1)
``indices``    int32      CSR neighbour per entry (2 entries per segment)
``weights``    float64    CSR metres per entry
=============  =========  ==========================================================
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import zipfile
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from lifecircle.core.walk.network import WalkNetwork
from lifecircle.errors import DataError, NotFoundError

if TYPE_CHECKING:
    from lifecircle.core.walk.network import BuildReport

FORMAT = "lifecircle-network"
VERSION = 1
_ARRAYS = ("node_id", "lon", "lat", "seg_u", "seg_v", "seg_len", "indptr", "indices", "weights")


def save_network(net: WalkNetwork, path: Path, *, report: BuildReport | None = None) -> None:
    """Write ``net`` to ``path`` atomically (a temporary file renamed on success)."""
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "epsg": net.epsg,
        "source": net.source,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "n_nodes": net.n_nodes,
        "n_segments": net.n_segments,
        "report": asdict(report) if report is not None else None,
    }
    arrays: dict[str, Any] = {name: getattr(net, name) for name in _ARRAYS}
    arrays["meta"] = np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_meta(path: Path) -> dict[str, Any]:
    """The JSON header of a network file."""
    return _open(path)[1]


def _open(path: Path) -> tuple[Any, dict[str, Any]]:
    if not path.exists():
        raise NotFoundError(f"{path}: no such file")
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise DataError(f"{path}: not a lifecircle network file ({exc})") from exc
    if not hasattr(data, "files") or "meta" not in data.files:
        raise DataError(f"{path}: not a lifecircle network file (no 'meta' header)")
    try:
        meta = json.loads(bytes(data["meta"]).decode())
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not a lifecircle network file (bad header)") from exc
    if meta.get("format") != FORMAT:
        raise DataError(f"{path}: not a lifecircle network file (format {meta.get('format')!r})")
    if meta.get("version") != VERSION:
        raise DataError(f"{path}: network format version {meta.get('version')} is not supported")
    missing = [name for name in _ARRAYS if name not in data.files]
    if missing:
        raise DataError(f"{path}: network file lacks arrays {', '.join(missing)}")
    return data, meta


def load_network(path: Path) -> WalkNetwork:
    """Read a network written by :func:`save_network`."""
    data, meta = _open(path)
    arrays = {name: data[name] for name in _ARRAYS}
    n = arrays["lon"].shape[0]
    if arrays["indptr"].shape[0] != n + 1 or arrays["indices"].shape != arrays["weights"].shape:
        raise DataError(f"{path}: network arrays have inconsistent sizes")
    return WalkNetwork(**arrays, epsg=int(meta["epsg"]), source=str(meta["source"]))
