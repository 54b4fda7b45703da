"""Importing a city's walking network and its places (OSM, Amap exports, coded tables).

Places are classified with the city's taxonomy and kept under a named source (``--source``,
by default the file's stem) and their id in it. Importing a source again replaces it:
its places are updated, new ones added, and those it no longer lists removed. Places of
two sources that are the same shop (similar name, within 30 m) are merged into one that
keeps both source ids; removing it from one source leaves it to the other.
"""

from __future__ import annotations

import re
import secrets
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shapely

from lifecircle.core.assess.dedupe import WITHIN_M, find_duplicates
from lifecircle.errors import ValidationError
from lifecircle.io.export.output import honour_umask, writing
from lifecircle.io.network.lcnet import load_network
from lifecircle.io.places.osm import centres_from_osm, places_from_osm
from lifecircle.io.places.taxonomy import load_taxonomy
from lifecircle.services.city.cities import NETWORK_FILE, city_folder
from lifecircle.services.city.runs import (
    ImportOutcome,
    city_row,
    finish_run,
    recorded,
    require_file,
    start_run,
    store_reject,
    write_rejects,
)
from lifecircle.services.networks import build_network_file
from lifecircle.store.centres import replace_centres
from lifecircle.store.cities import set_network_path
from lifecircle.store.db import session_scope
from lifecircle.store.models import CODE_LENGTH, ImportKind
from lifecircle.store.owners import city_owners
from lifecircle.store.places import (
    list_places,
    merge_places,
    place_source_names,
    remove_absent_places,
    replace_place_categories,
    upsert_places,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from lifecircle.config import Settings
    from lifecircle.core.walk.network import WalkNetwork
    from lifecircle.io.schema import PlaceImport, PlaceRecord
    from lifecircle.store.rows import CategoryRow, PlaceRemoval, PlaceRow

PLACE_FORMATS = ("osm", "amap", "csv")
"""``--format`` of a places file: an OpenStreetMap file, an Amap-style POI export, or an
``id,lon,lat,category[,name]`` table of taxonomy codes."""

OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.xml", ".osm.bz2", ".osm.gz", ".o5m", ".opl")
"""File names read as OpenStreetMap data when no format is given."""

DEDUPE_M = WITHIN_M
"""Default distance, metres, within which similarly named places of two sources merge."""

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
BOTH_CLAIMED = "both claimed"
"""Why an import left two duplicates apart: two different merchants own them."""
LISTED_MERGES = 50
"""Merged pairs an outcome lists (all are counted)."""
LISTED_CLIPPED = 50
"""Ids of OSM areas cut by the extract's edge an outcome lists (all are counted)."""
LISTED_REMOVED = 50
"""Source ids a re-import removed that an outcome lists (all are counted)."""

SOURCE_NAME = re.compile(rf"\w[\w.-]{{0,{CODE_LENGTH - 1}}}")
"""A source name: letters (any script), digits, ``_``, ``-`` and ``.``, 64 at most."""
_UNSAFE_NAME = re.compile(r"[^\w.-]+")


# --- network -----------------------------------------------------------------------------


def import_network(*, engine: Engine, settings: Settings, name: str, path: Path) -> ImportOutcome:
    """Build a city's walking network from a street file and point the city at it.

    Parameters
    ----------
    engine, settings
        Database, and the settings whose ``data_dir`` holds the city's folder.
    name
        City.
    path
        OSM PBF/XML, Overpass JSON, OSMnx GraphML, or a network already built
        (``.lcnet``, copied as it is).

    Returns
    -------
    ImportOutcome
        ``details`` has the network file's path and size.

    Notes
    -----
    The network stays in ``network.lcnet`` in the city's folder (``<data_dir>/cities/<name>``,
    see :func:`~lifecircle.services.city.cities.city_folder`); the database only
    records its path. The file is built under a temporary name of its own in that
    folder and renamed (``os.replace``) just before the run commits, so a failed import
    leaves the previous network in place, and a killed one only a temporary file that the
    next job of the city removes.

    """
    path = require_file(path, "--network")
    city_id, _, _ = city_row(engine, name)
    target = city_folder(settings, name) / NETWORK_FILE
    built = path.name.lower().endswith(".lcnet")
    file_format = "lcnet" if built else _network_format(path)
    run = start_run(
        engine,
        city_id=city_id,
        kind=ImportKind.NETWORK,
        path=path,
        file_format=file_format,
        options={},
    )
    # a name no other writer uses, in the target's folder so that the rename is atomic;
    # a killed import leaves it, and the next job holding the city's lock sweeps it
    # (see services/city/locking.py)
    tmp = target.with_name(f".{target.name}.{run.id}.{secrets.token_hex(4)}.tmp")
    notes: list[str] = []
    try:
        with recorded(engine, run), writing(target, tmp):
            if built:
                net = load_network(path)
                tmp.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, tmp)
                n_rows = net.n_segments
            else:
                built_net = build_network_file(path, tmp)
                net, report = built_net.net, built_net.report
                n_rows = built_net.tables.n_segments
                notes += built_net.tables.notes
                notes.append(
                    f"{report.components} connected component(s): kept the largest, dropped "
                    f"{report.dropped_nodes:,} nodes, {report.dropped_segments:,} segments "
                    f"({report.dropped_length_m / 1000:,.2f} km)"
                )
            outcome = run.outcome(
                kind="network",
                file_format=file_format,
                rejects=(),
                n_rows=n_rows,
                n_imported=net.n_segments,
                message=(
                    f"{net.n_nodes:,} nodes, {net.n_segments:,} segments, "
                    f"{net.total_length_m / 1000:,.1f} km of walkable street"
                ),
                notes=notes,
                details={
                    "network_path": str(target),
                    "nodes": net.n_nodes,
                    "segments": net.n_segments,
                    "total_length_km": round(net.total_length_m / 1000.0, 3),
                },
            )
            with session_scope(engine) as session:
                set_network_path(session, name=name, network_path=target)
                finish_run(session, outcome, ())
                honour_umask(tmp)
                tmp.replace(target)  # the last step before the commit
    finally:
        tmp.unlink(missing_ok=True)
    return outcome


def _network_format(path: Path) -> str:
    name = path.name.lower()
    for suffix in (*OSM_SUFFIXES, ".graphml", ".json"):
        if name.endswith(suffix):
            return suffix.lstrip(".")
    return "auto"


def city_network(network_path: str | None) -> WalkNetwork | None:
    """The network a city points at, or ``None`` if it has none (or the file is gone)."""
    if network_path is None or not Path(network_path).is_file():
        return None
    return load_network(Path(network_path))


# --- places ------------------------------------------------------------------------------


def places_format(path: Path, file_format: str | None) -> str:
    """The format of a places file: as given, or ``osm`` for OpenStreetMap file names.

    Raises
    ------
    ValidationError
        If the format is unknown, or not given for a table (a CSV or XLSX file could be
        an Amap export or a taxonomy-coded table).

    """
    if file_format is not None:
        fmt = file_format.strip().lower()
        if fmt not in PLACE_FORMATS:
            raise ValidationError(
                f"--format {file_format!r}: expected one of {', '.join(PLACE_FORMATS)}"
            )
        return fmt
    if path.name.lower().endswith(OSM_SUFFIXES):
        return "osm"
    raise ValidationError(
        f"{path}: say what kind of places file it is with --format amap "
        "(a map-provider POI export) or --format csv (id,lon,lat,category[,name])"
    )


def default_source_name(path: Path) -> str:
    """A places file's source name: its stem (``Helsinki`` of ``Helsinki.osm.pbf``).

    OSM double suffixes go whole; characters other than letters, digits, ``_``, ``-``
    and ``.`` become ``_``; the name is cut at 64 characters.
    """
    lower = path.name.lower()
    suffix = next((s for s in OSM_SUFFIXES if lower.endswith(s)), path.suffix)
    stem = path.name[: len(path.name) - len(suffix)] if suffix else path.name
    return _UNSAFE_NAME.sub("_", stem).strip("._-")[:CODE_LENGTH] or "places"


def source_name(path: Path, given: str | None) -> str:
    """The source a places file is imported as: ``given`` (checked), else its stem.

    Raises
    ------
    ValidationError
        If ``given`` is not 1 to 64 letters, digits, ``_``, ``-`` or ``.`` starting
        with a letter or digit.

    """
    if given is None:
        return default_source_name(path)
    if not SOURCE_NAME.fullmatch(given):
        raise ValidationError(
            f"--source {given!r}: a source name is 1 to {CODE_LENGTH} letters, digits, "
            "'_', '-' or '.', starting with a letter or digit (e.g. futian_amap_2024)"
        )
    return given


def import_places(
    *,
    engine: Engine,
    settings: Settings,
    name: str,
    path: Path,
    file_format: str | None = None,
    crs: str | None = None,
    skip_bad: bool = False,
    dedupe_m: float = DEDUPE_M,
    source: str | None = None,
) -> ImportOutcome:
    """Import a places file as a named source, replacing that source, merging duplicates.

    Parameters
    ----------
    engine, settings, name
        Database, settings (for the rejects fallback folder) and city.
    path
        OSM file, Amap-style export (CSV/XLSX) or taxonomy-coded places table.
    file_format
        ``osm``, ``amap`` or ``csv`` (see :func:`places_format`).
    crs
        ``wgs84``, ``gcj02`` or ``bd09`` for ``amap`` (default ``gcj02``) and ``csv``
        (default ``wgs84``); OpenStreetMap data are WGS-84.
    skip_bad
        Import the good rows and write the bad ones to ``<stem>.rejects.csv``; the run
        is ``partial``. OpenStreetMap objects are bad as rows are: a matching line,
        non-area relation or invalid outline. Areas cut by the extract's edge are not
        bad: every extract has them, and they are left out and counted as warnings
        (``details["clipped_areas"]``, the message and ``notes``) with or without it.
    dedupe_m
        Places of this file within this many metres of a similarly named place of
        another source are merged into it, keeping both source ids (0: never).
    source
        The source's name (:func:`source_name`; default: the file's stem). Places are
        keyed by it and their id in it, so two files of two districts coexist, and
        importing the source again replaces it: the ids it no longer lists are removed
        (rows left out by ``skip_bad`` included), a place other sources still list
        keeping only their ids and categories.

    Returns
    -------
    ImportOutcome
        ``details``: ``source_name``, places per category, ``inserted``, ``updated``,
        ``removed`` (source ids no longer listed: ``removed_places`` deleted,
        ``kept_by_other_sources``, ``kept_by_owners`` (merchants' shops no source
        lists any more stay), ``removed_ids``), merged pairs; ``not_merged``
        (``not_merged_pairs``): duplicates left apart because two different merchants
        own them (``reason`` ``both claimed``).

    Raises
    ------
    ImportRejectedError
        If the file has bad rows (without ``skip_bad``); the run lists them all.
    ValidationError
        If the format, ``crs``, ``dedupe_m`` or ``source`` is malformed.

    """
    path = require_file(path, "--places")
    fmt = places_format(path, file_format)
    if fmt == "osm" and crs not in (None, "wgs84"):
        raise ValidationError(f"--crs {crs}: OpenStreetMap data are WGS-84; --crs is for amap/csv")
    if not dedupe_m >= 0:
        raise ValidationError(f"--dedupe-m must be 0 (off) or a distance in metres, got {dedupe_m}")
    named = source_name(path, source)
    city_id, taxonomy_name, _ = city_row(engine, name)
    taxonomy = load_taxonomy(taxonomy_name)
    options = {
        "source": named,
        "skip_bad": skip_bad,
        "crs": crs,
        "dedupe_m": dedupe_m,
        "taxonomy": taxonomy.name,
    }
    run = start_run(
        engine, city_id=city_id, kind=ImportKind.PLACES, path=path, file_format=fmt, options=options
    )
    with recorded(engine, run):
        imported = _read_places(path, fmt, taxonomy=taxonomy, crs=crs, skip_bad=skip_bad)
        centres = centres_from_osm(path) if fmt == "osm" else None
        rejects = [store_reject(path, r.ref, r.column, r.problem) for r in imported.rejects]
        with session_scope(engine) as session:
            removal = remove_absent_places(
                session,
                city_id=city_id,
                source=named,
                listed=[r.source_id for r in imported.records],
            )
            upsert = upsert_places(
                session,
                city_id=city_id,
                source=named,
                rows=[_place_row(r) for r in imported.records],
                import_run_id=run.id,
            )
            _set_categories(session, named, imported.records, upsert.place_ids)
            if centres is not None:  # malls and market halls: the 集聚式 footprints
                replace_centres(
                    session,
                    city_id=city_id,
                    source=named,
                    rows=[
                        (c.source_id, c.name, c.kind, shapely.to_wkb(c.geometry)) for c in centres
                    ],
                )
            merges = _merge_duplicates(
                session,
                city_id=city_id,
                source=named,
                place_ids=set(upsert.place_ids.values()),
                within_m=dedupe_m,
            )
            merged = merges.merged
            clipped = [w.ref for w in imported.clipped]
            outcome = run.outcome(
                kind="places",
                file_format=fmt,
                rejects=rejects,
                n_rows=int(imported.report["rows_read"]),
                n_imported=len(imported.records),
                message=_message(named, len(imported.records), upsert, removal, merges, clipped),
                notes=imported.notes,
                details={
                    "source": imported.source,
                    "source_name": named,
                    "taxonomy": taxonomy.name,
                    "categories": dict(imported.counts()),
                    "inserted": upsert.inserted,
                    "updated": upsert.updated,
                    "removed": removal.removed,
                    "removed_places": removal.deleted,
                    "kept_by_other_sources": removal.kept,
                    "kept_by_owners": removal.owned,
                    "removed_ids": list(removal.removed_ids[:LISTED_REMOVED]),
                    "merged": len(merged),
                    "merged_pairs": merged[:LISTED_MERGES],
                    "not_merged": len(merges.refused),
                    "not_merged_pairs": merges.refused[:LISTED_MERGES],
                    "report": dict(imported.report),
                    "warnings": len(imported.warnings),
                    "clipped_areas": len(clipped),
                    "clipped": clipped[:LISTED_CLIPPED],
                    "centres": None if centres is None else len(centres),
                },
            )
            finish_run(session, outcome, rejects)
    if not skip_bad:
        return outcome
    rows = [(r.ref, r.column, r.problem) for r in imported.rejects]
    return replace(outcome, rejects_file=write_rejects(settings, name, path, rows))


def _message(
    source: str,
    n_places: int,
    upsert: Any,
    removal: PlaceRemoval,
    merges: Merges,
    clipped: Sequence[str],
) -> str:
    """The run's summary: what this import of the source added, updated and removed."""
    removed = f"{removal.removed:,} removed"
    if removal.kept:
        removed += f" ({removal.kept:,} of them still listed by another source)"
    if removal.owned:
        removed += f" ({removal.owned:,} merchant's shop(s) kept, listed by no source)"
    text = (
        f"source {source}: {n_places:,} places ({upsert.inserted:,} new, "
        f"{upsert.updated:,} updated, {removed}, {len(merges.merged):,} merged into places of "
        "another source)"
    )
    if merges.refused:
        text += (
            f"; {len(merges.refused):,} duplicate(s) not merged: both claimed by different "
            "merchants (details: not_merged_pairs)"
        )
    if clipped:
        text += f"; {len(clipped):,} area(s) cut by the extract's edge left out"
    return text


def _read_places(
    path: Path, fmt: str, *, taxonomy: Any, crs: str | None, skip_bad: bool
) -> PlaceImport:
    if fmt == "osm":
        return places_from_osm(path, taxonomy=taxonomy, skip_bad=skip_bad)
    if fmt == "amap":
        from lifecircle.io.places.amap import places_from_amap  # noqa: PLC0415

        return places_from_amap(path, taxonomy=taxonomy, crs=crs or "gcj02", skip_bad=skip_bad)
    from lifecircle.io.places.table import places_from_csv  # noqa: PLC0415

    return places_from_csv(path, taxonomy=taxonomy, crs=crs or "wgs84", skip_bad=skip_bad)


def _weekly(intervals: Sequence[tuple[int, int, int]] | None) -> dict[str, Any] | None:
    """Weekly intervals as stored: ``{"mon": [[start_min, end_min], ...], ...}``."""
    if intervals is None:
        return None
    week: dict[str, Any] = {day: [] for day in WEEKDAYS}
    for day, start, end in intervals:
        week[WEEKDAYS[day]].append([start, end])
    return week


def _place_row(record: PlaceRecord) -> PlaceRow:
    return {
        "source_id": record.source_id,
        "lon": record.lon,
        "lat": record.lat,
        "name": record.name or None,
        "brand": record.brand or None,
        "operator": record.operator or None,
        "address": record.address or None,
        "opening_hours": record.opening_hours or None,
        "opening_hours_weekly": _weekly(record.opening_hours_weekly),
    }


def _set_categories(
    session: Session, source: str, records: Sequence[PlaceRecord], place_ids: dict[str, int]
) -> None:
    """A source's categories replace those it gave before; other sources' stay."""
    categories: dict[int, list[CategoryRow]] = {}
    for r in records:  # a place this source knows by two ids gets the categories of both
        categories.setdefault(place_ids[r.source_id], []).extend(
            {"code": m.code, "rule": m.rule, "confidence": m.confidence} for m in r.matches
        )
    replace_place_categories(session, categories=categories, source=source)


@dataclass(frozen=True)
class Merges:
    """An import's merged pairs, and the pairs it did not merge (``reason`` says why)."""

    merged: list[dict[str, Any]]
    refused: list[dict[str, Any]]


def _merge_duplicates(
    session: Session, *, city_id: int, source: str, place_ids: set[int], within_m: float
) -> Merges:
    """Merge this source's places into similarly named places of other sources nearby.

    Candidates are places only this source knows; targets, places it does not know; so
    a re-import merges nothing twice. The older place is kept (uid, coordinates) and
    gains this source's id and the categories it gave; but a merchant's shop is always
    the one kept (its uid is on its pages and codes), with everything hung on the other
    (:func:`~lifecircle.store.places.merge_places`). Two shops of two different
    merchants are not merged: they are listed in ``refused`` for an official.
    """
    if within_m <= 0 or len(place_source_names(session, city_id=city_id)) < 2:
        return Merges(merged=[], refused=[])
    places = list_places(session, city_id=city_id)
    ours = [p for p in places if p.id in place_ids and p.source_names == {source}]
    others = [p for p in places if source not in p.source_names]
    if not ours or not others:
        return Merges(merged=[], refused=[])

    def label(p: Any) -> str:
        # a source without a name gives the brand: that is what a shopper reads
        return str(p.name or p.brand or p.operator or "")

    pairs = find_duplicates(
        [p.lon for p in ours],
        [p.lat for p in ours],
        [label(p) for p in ours],
        [p.lon for p in others],
        [p.lat for p in others],
        [label(p) for p in others],
        within_m=within_m,
    )
    merged: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    owners = city_owners(session, city_id=city_id)
    for i, j, metres, similarity in zip(
        pairs.a, pairs.b, pairs.distance_m, pairs.similarity, strict=True
    ):
        drop, keep = ours[int(i)], others[int(j)]
        pair = {
            "kept": keep.uid,
            "kept_name": keep.name,
            "merged": f"{source}:{drop.sources[0][1]}",
            "merged_name": drop.name,
            "distance_m": round(float(metres), 1),
            "similarity": round(float(similarity), 2),
        }
        owner, other_owner = owners.get(drop.id), owners.get(keep.id)
        if owner is not None and other_owner is not None and owner != other_owner:
            refused.append(pair | {"reason": BOTH_CLAIMED, "merged": drop.uid})
            continue
        if owner is not None and other_owner is None:  # the merchant's shop stays, uid and all
            drop, keep = keep, drop
            pair |= {"kept": keep.uid, "kept_name": keep.name, "merged_name": drop.name}
            pair["merged"] = ", ".join(f"{s}:{sid}" for s, sid in drop.sources)
        merge_places(session, keep_id=keep.id, drop_id=drop.id)
        merged.append(pair)
    return Merges(merged=merged, refused=refused)
