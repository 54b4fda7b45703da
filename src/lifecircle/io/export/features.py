"""Writing WGS-84 feature layers (GeoJSON, GeoPackage) through GDAL, atomically."""

from __future__ import annotations

import contextlib
import os
import secrets
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from lifecircle.errors import FileAccessError, OptionalDependencyError, ValidationError
from lifecircle.io.export.output import honour_umask, make_folder, writing

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from pathlib import Path

GEO_DRIVERS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG"}
"""Export file suffixes written through GDAL, and the driver of each."""


@contextlib.contextmanager
def staged_path(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` that is renamed to ``path`` if the block succeeds.

    The temporary file is *not* created (GDAL and openpyxl would otherwise find an
    empty file of that name and try to open it); it keeps ``path``'s suffix, so
    drivers chosen by suffix still apply. On any error the temporary file is removed
    and ``path`` is left as it was, so a reader never sees a half-written file. The
    file gets the mode ``0o666 & ~umask``, as :func:`lifecircle.io.export.output.atomic_text`
    gives, and OS errors become :class:`~lifecircle.errors.FileAccessError`.

    Parameters
    ----------
    path
        The file to produce. Its folder is created when missing.

    Yields
    ------
    Path
        Where to write; the block must leave the complete file there.

    """
    make_folder(path)
    # pid and a random token: two threads or processes may export to the same folder
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.{secrets.token_hex(4)}.tmp{path.suffix}")
    try:
        with writing(path, tmp):
            yield tmp
            honour_umask(tmp)  # SQLite (GeoPackage) makes its files 0644 whatever the umask
            tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def multipolygon_wkb(wkb: bytes | None) -> bytes | None:
    """A polygon boundary as MultiPolygon WKB (one geometry type per layer).

    Parameters
    ----------
    wkb
        WKB of a Polygon or MultiPolygon, or None.

    Returns
    -------
    bytes or None
        The same shape as MultiPolygon WKB (a MultiPolygon is returned unchanged);
        None stays None.

    """
    if wkb is None:
        return None
    geometry = shapely.from_wkb(wkb)
    if geometry.geom_type == "Polygon":
        geometry = shapely.multipolygons([geometry])
    return bytes(shapely.to_wkb(geometry))


def write_features(
    path: Path,
    *,
    layer: str,
    wkb: Sequence[bytes | None],
    fields: Mapping[str, Any],
    kind: str,
    append: bool = False,
    metadata: Mapping[str, str] | None = None,
) -> None:
    """Write one WGS-84 layer with GDAL (the driver is chosen by ``path``'s suffix).

    Parameters
    ----------
    path
        ``.geojson``/``.json`` (GeoJSON) or ``.gpkg`` (GeoPackage), see
        :data:`GEO_DRIVERS`.
    layer
        Layer name.
    wkb
        One WKB geometry (or None, written as a null geometry) per feature.
    fields
        Column name to a 1-D numpy array with one value per feature. The array's
        dtype gives the field type: ``float64`` (``nan`` is written as null),
        ``int64``, ``bool``, or ``object`` for text (None is null). A
        :class:`numpy.ma.MaskedArray` writes its masked entries as null, which is how
        integer and boolean fields hold unknown values.
    kind
        The layer's geometry type: ``"Point"``, ``"MultiPolygon"``...
    append
        False: write a new file to a temporary name, renamed over ``path`` when
        complete. True: add this layer to the existing GeoPackage at ``path``, in
        place; to write several layers atomically, write them all to the path given
        by :func:`staged_path` (the first with ``append=False``).
    metadata
        Layer metadata (GeoPackage only, ignored by GeoJSON): string keys and values.

    Raises
    ------
    OptionalDependencyError
        Without pyogrio (the ``geo`` extra).
    ValidationError
        If ``append`` is asked for a file that is not an existing GeoPackage.
    FileAccessError
        If the file cannot be written (nothing is left behind).

    """
    try:
        from pyogrio.errors import DataSourceError  # noqa: PLC0415  (optional extra)
        from pyogrio.raw import write  # noqa: PLC0415
    except ImportError as exc:
        raise OptionalDependencyError("pyogrio", "geo") from exc
    driver = GEO_DRIVERS[path.suffix.lower()]
    if append and (driver != "GPKG" or not path.is_file()):
        raise ValidationError(f"{path}: can only add a layer to an existing GeoPackage")
    geometry = np.empty(len(wkb), dtype=object)
    geometry[:] = wkb
    data = [np.ma.getdata(values) for values in fields.values()]
    masks = [
        np.ma.getmaskarray(values) if np.ma.isMaskedArray(values) else None
        for values in fields.values()
    ]
    options: dict[str, Any] = {
        "geometry": geometry,
        "field_data": data,
        "fields": list(fields),
        "field_mask": masks if any(m is not None for m in masks) else None,
        "layer": layer,
        "driver": driver,
        "geometry_type": kind,
        "crs": "EPSG:4326",
        "layer_metadata": dict(metadata) if metadata else None,
    }
    try:
        if append:
            write(path, append=True, **options)
            return
        with staged_path(path) as tmp:
            write(tmp, **options)
    except DataSourceError as exc:  # GDAL could not create or open the file
        reason = str(exc).rsplit(": ", 1)[-1]  # the rest names the temporary file
        raise FileAccessError("write", path, OSError(None, reason)) from exc
