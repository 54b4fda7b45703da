"""The ``.lcnet`` network file: a documented binary format that loads in milliseconds.

Format (version 2), see docs/network-format.md: an uncompressed NumPy ``.npz`` archive
(a ZIP of ``.npy`` arrays, readable from any language with a ZIP and NPY reader) holding

===============  =======  ==========================================================
array            dtype    meaning
===============  =======  ==========================================================
``meta``         uint8    UTF-8 JSON: format, version, epsg, source, created, report
``node_id``      int64    source node id per node (negative: made inside a segment)
``lon, lat``     float64  WGS-84 degrees per node
``seg_u/v``      int32    segment end nodes (``seg_u < seg_v``)
``seg_len``      float64  geodesic segment length, metres
``indptr``       int64    CSR row pointer (n + 1)
``indices``      int32    CSR neighbour per entry (2 entries per segment)
``weights``      float64  CSR metres per entry
``seg_street``   int32    street per segment (``-1``: unknown); optional, all three or none
``street_name``  uint8    UTF-8 JSON list: name per street (``""``: an unnamed way)
``street_way``   int64    OSM way id per street (an unnamed street's own way), ``-1``
===============  =======  ==========================================================

Version-1 files (no street members) are still read; their networks carry no street
index.
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import numpy as np

from lifecircle.core.walk.network import WalkNetwork
from lifecircle.core.walk.streets import StreetIndex
from lifecircle.errors import DataError, NotFoundError, ValidationError
from lifecircle.io.export.output import atomic_binary

if TYPE_CHECKING:
    from pathlib import Path

    from lifecircle.core.walk.network import BuildReport

FORMAT = "lifecircle-network"
VERSION = 2
READABLE_VERSIONS = (1, 2)
_ARRAYS = ("node_id", "lon", "lat", "seg_u", "seg_v", "seg_len", "indptr", "indices", "weights")
_STREET_ARRAYS = ("seg_street", "street_name", "street_way")


def save_network(net: WalkNetwork, path: Path, *, report: BuildReport | None = None) -> None:
    """Write ``net`` to ``path`` atomically (a temporary file renamed on success).

    Raises
    ------
    FileAccessError
        If the file cannot be written (nothing is left behind).

    """
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "epsg": net.epsg,
        "source": net.source,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "n_nodes": net.n_nodes,
        "n_segments": net.n_segments,
        "n_streets": None if net.streets is None else net.streets.n_streets,
        "report": asdict(report) if report is not None else None,
    }
    arrays: dict[str, Any] = {name: getattr(net, name) for name in _ARRAYS}
    if net.streets is not None:
        arrays["seg_street"] = net.streets.seg_street.astype(np.int32)
        arrays["street_name"] = _utf8_json(list(net.streets.name))
        arrays["street_way"] = net.streets.way.astype(np.int64)
    arrays["meta"] = _utf8_json(meta)
    with atomic_binary(path) as fh:
        np.savez(fh, **arrays)


def _utf8_json(value: object) -> Any:
    return np.frombuffer(json.dumps(value, ensure_ascii=False).encode(), dtype=np.uint8)


def read_meta(path: Path) -> dict[str, Any]:
    """The JSON header of a network file."""
    data, meta = _open(path)
    data.close()
    return meta


def _open(path: Path) -> tuple[Any, dict[str, Any]]:
    """The open archive (the caller closes it) and its header, checked."""
    if not path.exists():
        raise NotFoundError(f"{path}: no such file")
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise DataError(f"{path}: not a lifecircle network file ({exc})") from exc
    try:
        return data, _checked_meta(path, data)
    except BaseException:
        if hasattr(data, "close"):
            data.close()
        raise


def _checked_meta(path: Path, data: Any) -> dict[str, Any]:
    if not hasattr(data, "files") or "meta" not in data.files:
        raise DataError(f"{path}: not a lifecircle network file (no 'meta' header)")
    try:
        meta = json.loads(bytes(data["meta"]).decode())
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not a lifecircle network file (bad header)") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise DataError(f"{path}: not a lifecircle network file (format {found!r})")
    if meta.get("version") not in READABLE_VERSIONS:
        raise DataError(
            f"{path}: network format version {meta.get('version')} is not supported "
            f"(this lifecircle reads versions {', '.join(map(str, READABLE_VERSIONS))})"
        )
    missing = [name for name in _ARRAYS if name not in data.files]
    if missing:
        raise DataError(f"{path}: network file lacks arrays {', '.join(missing)}")
    return dict(meta)


def load_network(path: Path) -> WalkNetwork:
    """Read a network written by :func:`save_network` (format version 1 or 2).

    A version-1 file has no street index: the network's ``streets`` is ``None``.
    """
    data, meta = _open(path)
    with data:
        arrays = {name: data[name] for name in _ARRAYS}
        n = arrays["lon"].shape[0]
        if arrays["indptr"].shape[0] != n + 1 or arrays["indices"].shape != arrays["weights"].shape:
            raise DataError(f"{path}: network arrays have inconsistent sizes")
        streets = _streets(path, data, arrays["seg_u"].shape[0])
    return WalkNetwork(
        **arrays, epsg=int(meta["epsg"]), source=str(meta["source"]), streets=streets
    )


def _streets(path: Path, data: Any, n_segments: int) -> StreetIndex | None:
    """The street index of a file, ``None`` when it has none (version 1)."""
    present = [name for name in _STREET_ARRAYS if name in data.files]
    if not present:
        return None
    if len(present) < len(_STREET_ARRAYS):
        missing = sorted(set(_STREET_ARRAYS) - set(present))
        raise DataError(f"{path}: network file lacks arrays {', '.join(missing)}")
    try:
        names = json.loads(bytes(data["street_name"]).decode())
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: street_name is not a UTF-8 JSON list ({exc})") from exc
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise DataError(f"{path}: street_name is not a JSON list of strings")
    seg_street = data["seg_street"]
    if seg_street.shape != (n_segments,):
        raise DataError(
            f"{path}: seg_street has {seg_street.shape[0]} entries for {n_segments} segments"
        )
    try:
        return StreetIndex(
            seg_street=seg_street.astype(np.int32),
            name=tuple(names),
            way=data["street_way"].astype(np.int64),
        )
    except ValidationError as exc:
        raise DataError(f"{path}: {exc}") from exc
