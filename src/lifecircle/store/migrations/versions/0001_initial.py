"""Initial schema.

Cities, import runs, places with their sources and categories, communities, the
plan-to-NBS community mapping and population points.

Revision ID: 0001
Revises:
Create Date: 2026-11-27

Written out in full rather than importing the models, so it keeps creating this schema
when the models move on. Enumerations are plain ``VARCHAR(16)`` (no CHECK, no PostgreSQL
ENUM type): a new member is a code change, not a migration.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _city_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["city_id"], ["cities.id"], name=op.f(f"fk_{table}_city_id_cities"), ondelete="CASCADE"
    )


def _run_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["import_run_id"],
        ["import_runs.id"],
        name=op.f(f"fk_{table}_import_run_id_import_runs"),
        ondelete="SET NULL",
    )


def upgrade() -> None:
    """Create every table and index."""
    op.create_table(
        "cities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("taxonomy", sa.String(64), nullable=False),
        sa.Column("network_path", sa.Text(), nullable=True),
        sa.Column("created_at", _when(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cities")),
        sa.UniqueConstraint("name", name=op.f("uq_cities_name")),
    )
    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("source_path", sa.Text(), nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("format", sa.String(32), nullable=False),
        sa.Column("options", JSON, nullable=False),
        sa.Column("started_at", _when(), nullable=False),
        sa.Column("finished_at", _when(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("n_rows", sa.Integer(), nullable=False),
        sa.Column("n_imported", sa.Integer(), nullable=False),
        sa.Column("n_rejected", sa.Integer(), nullable=False),
        sa.Column("rejects", JSON, nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        _city_fk("import_runs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )
    op.create_index(
        op.f("ix_import_runs_city_id_kind_source_sha256"),
        "import_runs",
        ["city_id", "kind", "source_sha256"],
    )
    op.create_table(
        "places",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(160), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("brand", sa.Text(), nullable=True),
        sa.Column("operator", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("opening_hours", sa.Text(), nullable=True),
        sa.Column("opening_hours_weekly", JSON, nullable=True),
        sa.Column("import_run_id", sa.Integer(), nullable=True),
        _city_fk("places"),
        _run_fk("places"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_places")),
        sa.UniqueConstraint("city_id", "uid", name=op.f("uq_places_city_id_uid")),
    )
    op.create_index(op.f("ix_places_city_id_lon_lat"), "places", ["city_id", "lon", "lat"])
    op.create_index(op.f("ix_places_import_run_id"), "places", ["import_run_id"])
    op.create_table(
        "place_sources",
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("source_id", sa.String(128), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        _city_fk("place_sources"),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["places.id"],
            name=op.f("fk_place_sources_place_id_places"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("city_id", "source", "source_id", name=op.f("pk_place_sources")),
    )
    op.create_index(op.f("ix_place_sources_place_id"), "place_sources", ["place_id"])
    op.create_table(
        "place_categories",
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("confidence", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["places.id"],
            name=op.f("fk_place_categories_place_id_places"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("place_id", "code", name=op.f("pk_place_categories")),
    )
    op.create_index(op.f("ix_place_categories_code"), "place_categories", ["code"])
    op.create_table(
        "communities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("street", sa.Text(), nullable=True),
        sa.Column("district", sa.Text(), nullable=True),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("parent_code", sa.String(64), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("geometry", sa.LargeBinary(), nullable=True),
        sa.Column("area_m2", sa.Double(), nullable=True),
        _city_fk("communities"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_communities")),
        sa.UniqueConstraint("city_id", "code", name=op.f("uq_communities_city_id_code")),
    )
    op.create_table(
        "community_mappings",
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("plan_code", sa.String(64), nullable=False),
        sa.Column("nbs_code", sa.String(64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        _city_fk("community_mappings"),
        sa.PrimaryKeyConstraint(
            "city_id", "plan_code", "nbs_code", name=op.f("pk_community_mappings")
        ),
    )
    op.create_table(
        "population_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("population", sa.Double(), nullable=False),
        sa.Column("community_code", sa.String(64), nullable=True),
        sa.Column("method", sa.String(64), nullable=False),
        sa.Column("import_run_id", sa.Integer(), nullable=True),
        _city_fk("population_points"),
        _run_fk("population_points"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_population_points")),
    )
    op.create_index(
        op.f("ix_population_points_city_id_method"), "population_points", ["city_id", "method"]
    )
    op.create_index(
        op.f("ix_population_points_city_id_lon_lat"),
        "population_points",
        ["city_id", "lon", "lat"],
    )
    op.create_index(
        op.f("ix_population_points_import_run_id"), "population_points", ["import_run_id"]
    )


def downgrade() -> None:
    """Drop every table (their indexes go with them)."""
    for table in (
        "population_points",
        "community_mappings",
        "communities",
        "place_categories",
        "place_sources",
        "places",
        "import_runs",
        "cities",
    ):
        op.drop_table(table)
