"""Places version: a change counter per city, the version of each place, removed places.

Lets every process that keeps a city's places in memory (the residents' search) see a
place added, moved or removed at its next request by fetching only what changed.
Self-contained (it names no table of another new revision), so putting it after another
revision only means changing ``down_revision``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add cities.places_version and places.version, and create place_removals."""
    # plain ALTER TABLE, also on SQLite: a batch rebuild of "places" would drop the table
    # and, with foreign keys on, cascade into its sources and categories
    op.add_column(
        "cities", sa.Column("places_version", sa.BigInteger(), server_default="0", nullable=False)
    )
    op.add_column(
        "places", sa.Column("version", sa.BigInteger(), server_default="0", nullable=False)
    )
    op.create_index(op.f("ix_places_city_id_version"), "places", ["city_id", "version"])
    op.create_table(
        "place_removals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["city_id"],
            ["cities.id"],
            name=op.f("fk_place_removals_city_id_cities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_removals")),
    )
    op.create_index(
        op.f("ix_place_removals_city_id_version"), "place_removals", ["city_id", "version"]
    )


def downgrade() -> None:
    """Drop place_removals and the two version columns."""
    op.drop_index(op.f("ix_place_removals_city_id_version"), table_name="place_removals")
    op.drop_table("place_removals")
    op.drop_index(op.f("ix_places_city_id_version"), table_name="places")
    op.drop_column("places", "version")  # SQLite 3.35+ drops a column in place
    op.drop_column("cities", "places_version")
