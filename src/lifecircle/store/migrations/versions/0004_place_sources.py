"""Named place sources, categories per source, and the process of an import run.

Places were keyed by file format and id (``osm``/``amap``/``csv``), so two files of one
format overwrote each other. A source is now a name (``city import --source``, by
default the file's stem): ``place_sources.source`` and ``centres.source`` hold it (64
characters), ``places.uid`` grows to fit ``"{source}:{source_id}"``, and
``place_categories`` records the source that gave each category (part of the key).
``import_runs`` gains ``host`` and ``pid``, to tell a live import from a killed one.

Existing rows get a source derived from what is stored: the stem of the file of the
import run that brought the place (``places.import_run_id``) when that run was of the
row's format, else the stem of the city's latest successful places import of that
format, else the format itself (``osm``); a stem shared by two formats of one city gets
``-{format}`` appended. Each places run's ``options`` gains that ``source``. A category
of a place several sources know is kept once for each of them.

Downgrading maps each name back to the format of its runs; where two sources of one
format shared an id, the place with the lower id keeps it (the downgrade is lossy).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import PurePath
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
NAME_LENGTH = 64
UID_LENGTH = 64 + 1 + 128
OLD_UID_LENGTH = 160
OLD_SOURCE_LENGTH = 16
FORMATS = ("osm", "amap", "csv")
# as lifecircle.services.city.places.default_source_name was when this was written
OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.xml", ".osm.bz2", ".osm.gz", ".o5m", ".opl")
_UNSAFE = re.compile(r"[^\w.-]+")

RUNS = sa.table(
    "import_runs",
    sa.column("id", sa.Integer),
    sa.column("city_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("format", sa.String),
    sa.column("source_path", sa.Text),
    sa.column("status", sa.String),
    sa.column("started_at", sa.DateTime),
    sa.column("options", JSON),
)
PLACES = sa.table(
    "places",
    sa.column("id", sa.Integer),
    sa.column("uid", sa.String),
    sa.column("import_run_id", sa.Integer),
)
SOURCES = sa.table(
    "place_sources",
    sa.column("city_id", sa.Integer),
    sa.column("source", sa.String),
    sa.column("source_id", sa.String),
    sa.column("place_id", sa.Integer),
)
CATEGORIES = sa.table(
    "place_categories",
    sa.column("place_id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("rule", sa.Text),
    sa.column("confidence", sa.String),
    sa.column("source", sa.String),
)
CENTRES = sa.table(
    "centres",
    sa.column("id", sa.Integer),
    sa.column("city_id", sa.Integer),
    sa.column("source", sa.String),
)


def stem_name(path: str) -> str:
    """The default source name of a file: its name without the suffixes, made safe."""
    name = PurePath(path).name
    lower = name.lower()
    suffix = next((s for s in OSM_SUFFIXES if lower.endswith(s)), PurePath(name).suffix)
    stem = name[: len(name) - len(suffix)] if suffix else name
    return _UNSAFE.sub("_", stem).strip("._-")[:NAME_LENGTH] or "places"


def _places_runs(bind: sa.Connection) -> list[Any]:
    query = (
        sa.select(RUNS.c.id, RUNS.c.city_id, RUNS.c.format, RUNS.c.source_path)
        .add_columns(RUNS.c.status, RUNS.c.options)
        .where(RUNS.c.kind == "places")
        .order_by(RUNS.c.started_at, RUNS.c.id)
    )
    return list(bind.execute(query))


def _names(runs: list[Any]) -> tuple[dict[int, str], dict[tuple[int, str], str]]:
    """Each places run's source name, and the latest successful one per (city, format)."""
    stems = {run.id: stem_name(run.source_path) for run in runs}
    formats: defaultdict[tuple[int, str], set[str]] = defaultdict(set)
    for run in runs:
        formats[run.city_id, stems[run.id]].add(run.format)
    names = {
        run.id: stems[run.id]
        + (f"-{run.format}" if len(formats[run.city_id, stems[run.id]]) > 1 else "")
        for run in runs
    }
    latest = {
        (run.city_id, run.format): names[run.id]
        for run in runs  # oldest first: the newest wins
        if run.status in {"succeeded", "partial"}
    }
    return names, latest


def upgrade() -> None:
    """Name the sources of the stored places, widen the keys, add the run's process."""
    bind = op.get_bind()
    runs = _places_runs(bind)
    names, latest = _names(runs)
    run_of = {run.id: run for run in runs}
    first_run = dict(bind.execute(sa.select(PLACES.c.id, PLACES.c.import_run_id)).all())
    old_sources = list(bind.execute(sa.select(SOURCES)))
    legacy = [CATEGORIES.c.place_id, CATEGORIES.c.code, CATEGORIES.c.rule, CATEGORIES.c.confidence]
    old_categories = list(bind.execute(sa.select(*legacy)))

    def named(city_id: int, file_format: str, place_id: int) -> str:
        run = run_of.get(first_run.get(place_id) or -1)
        if run is not None and run.format == file_format and run.city_id == city_id:
            return names[run.id]
        return latest.get((city_id, file_format), file_format)

    sources = [
        {
            "city_id": row.city_id,
            "source": named(row.city_id, row.source, row.place_id),
            "source_id": row.source_id,
            "place_id": row.place_id,
        }
        for row in old_sources
    ]
    by_place: defaultdict[int, list[str]] = defaultdict(list)
    for row in sources:
        if row["source"] not in by_place[row["place_id"]]:
            by_place[row["place_id"]].append(row["source"])
    categories = [
        {"place_id": c.place_id, "code": c.code, "rule": c.rule, "confidence": c.confidence,
         "source": source}
        for c in old_categories
        for source in by_place.get(c.place_id) or [""]
    ]  # fmt: skip
    # the rows are written back below: SQLite rebuilds `places` in batch mode, and its
    # DROP TABLE deletes them (ON DELETE CASCADE) before the new table takes its name
    op.execute(sa.delete(CATEGORIES))
    op.execute(sa.delete(SOURCES))

    with op.batch_alter_table("import_runs") as batch:
        batch.add_column(sa.Column("host", sa.String(255), nullable=True))
        batch.add_column(sa.Column("pid", sa.Integer(), nullable=True))
    with op.batch_alter_table("places") as batch:
        batch.alter_column(
            "uid", type_=sa.String(UID_LENGTH), existing_type=sa.String(OLD_UID_LENGTH),
            existing_nullable=False,
        )  # fmt: skip
    with op.batch_alter_table("place_sources") as batch:
        batch.alter_column(
            "source", type_=sa.String(NAME_LENGTH), existing_type=sa.String(OLD_SOURCE_LENGTH),
            existing_nullable=False,
        )  # fmt: skip
    with op.batch_alter_table("place_categories") as batch:
        batch.add_column(
            sa.Column("source", sa.String(NAME_LENGTH), nullable=False, server_default="")
        )
        batch.drop_constraint("pk_place_categories", type_="primary")
        batch.create_primary_key("pk_place_categories", ["place_id", "code", "source"])
    with op.batch_alter_table("place_categories") as batch:
        batch.alter_column("source", server_default=None, existing_type=sa.String(NAME_LENGTH))
    with op.batch_alter_table("centres") as batch:
        batch.alter_column(
            "source", type_=sa.String(NAME_LENGTH), existing_type=sa.String(OLD_SOURCE_LENGTH),
            existing_nullable=False,
        )  # fmt: skip

    if sources:
        op.bulk_insert(SOURCES, sources)
    if categories:
        op.bulk_insert(CATEGORIES, categories)
    for (city_id, file_format), name in latest.items():
        if file_format == "osm":  # centres come with OSM places, replaced by each import
            op.execute(
                sa.update(CENTRES)
                .where(CENTRES.c.city_id == city_id, CENTRES.c.source == "osm")
                .values(source=name)
            )
    for run in runs:
        if "source" not in (run.options or {}):
            op.execute(
                sa.update(RUNS)
                .where(RUNS.c.id == run.id)
                .values(options={**(run.options or {}), "source": names[run.id]})
            )


def downgrade() -> None:
    """Sources back to formats, categories back to one row per place and code."""
    bind = op.get_bind()
    fmt_of: dict[tuple[int, str], str] = {}
    for run in _places_runs(bind):
        name = (run.options or {}).get("source") or stem_name(run.source_path)
        fmt_of[run.city_id, name] = run.format

    def file_format(city_id: int, name: str) -> str:
        return fmt_of.get((city_id, name), name if name in FORMATS else "csv")

    old_sources = list(bind.execute(sa.select(SOURCES).order_by(SOURCES.c.place_id)))
    sources: dict[tuple[int, str, str], int] = {}
    for row in old_sources:  # two sources of one format sharing an id: the lower place keeps it
        key = (row.city_id, file_format(row.city_id, row.source), row.source_id)
        sources.setdefault(key, row.place_id)
    old_categories = list(bind.execute(sa.select(CATEGORIES)))
    categories: dict[tuple[int, str], dict[str, Any]] = {}
    for c in old_categories:
        categories.setdefault(
            (c.place_id, c.code),
            {"place_id": c.place_id, "code": c.code, "rule": c.rule, "confidence": c.confidence},
        )
    centre_formats = {
        (c.id, file_format(c.city_id, c.source)) for c in bind.execute(sa.select(CENTRES))
    }
    op.execute(sa.delete(CATEGORIES))
    op.execute(sa.delete(SOURCES))
    for centre_id, fmt in centre_formats:
        op.execute(sa.update(CENTRES).where(CENTRES.c.id == centre_id).values(source=fmt))
    op.execute(
        sa.update(PLACES)
        .where(sa.func.length(PLACES.c.uid) > OLD_UID_LENGTH)
        .values(uid=sa.func.substr(PLACES.c.uid, 1, OLD_UID_LENGTH))
    )

    with op.batch_alter_table("centres") as batch:
        batch.alter_column(
            "source", type_=sa.String(OLD_SOURCE_LENGTH), existing_type=sa.String(NAME_LENGTH),
            existing_nullable=False,
        )  # fmt: skip
    with op.batch_alter_table("place_categories") as batch:
        batch.drop_constraint("pk_place_categories", type_="primary")
        batch.create_primary_key("pk_place_categories", ["place_id", "code"])
        batch.drop_column("source")
    with op.batch_alter_table("place_sources") as batch:
        batch.alter_column(
            "source", type_=sa.String(OLD_SOURCE_LENGTH), existing_type=sa.String(NAME_LENGTH),
            existing_nullable=False,
        )  # fmt: skip
    with op.batch_alter_table("places") as batch:
        batch.alter_column(
            "uid", type_=sa.String(OLD_UID_LENGTH), existing_type=sa.String(UID_LENGTH),
            existing_nullable=False,
        )  # fmt: skip
    # not rebuilt on SQLite: dropping `import_runs` would null every run id that refers to it
    with op.batch_alter_table("import_runs", recreate="never") as batch:
        batch.drop_column("pid")
        batch.drop_column("host")

    if sources:
        op.bulk_insert(
            SOURCES,
            [
                {"city_id": c, "source": f, "source_id": s, "place_id": p}
                for (c, f, s), p in sources.items()
            ],
        )
    if categories:
        columns = ("place_id", "code", "rule", "confidence")
        legacy = sa.table("place_categories", *(sa.column(n) for n in columns))
        op.bulk_insert(legacy, list(categories.values()))
