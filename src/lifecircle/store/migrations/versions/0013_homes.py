"""Residents' home points.

``resident_homes``: one row per account that set a home (WGS-84 point, city, the
community it lies in), deleted with the account or the city.

The only line naming another revision is ``down_revision`` below: a merge that puts
this migration after others changes that line alone.

Revision ID: 0013
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the homes table."""
    op.create_table(
        "resident_homes",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("community_code", sa.String(64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_resident_homes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["city_id"],
            ["cities.id"],
            name=op.f("fk_resident_homes_city_id_cities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_resident_homes")),
    )
    op.create_index(op.f("ix_resident_homes_city_id"), "resident_homes", ["city_id"])


def downgrade() -> None:
    """Drop the homes table."""
    op.drop_index(op.f("ix_resident_homes_city_id"), table_name="resident_homes")
    op.drop_table("resident_homes")
