"""Merchants' shops: applications (new shops and claims) and shop profiles.

``shop_applications``: a merchant's application for a new shop or a claim of a stored
place, pending until an official of its community's area (or an administrator)
decides; at most one pending claim per merchant and place (a partial unique index).
``shop_profiles``: a shop's phone and services offered.

The only line naming another revision is ``down_revision`` below: a merge that puts
this migration after others changes that line alone.

Revision ID: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
PENDING = sa.text("status = 'pending'")


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the shop applications and the shop profiles."""
    op.create_table(
        "shop_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("opening_hours", sa.Text(), nullable=True),
        sa.Column("categories", JSON, nullable=False),
        sa.Column("services", JSON, nullable=False),
        sa.Column("community_code", sa.String(64), nullable=True),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("decided_at", _when(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["city_id"],
            ["cities.id"],
            name=op.f("fk_shop_applications_city_id_cities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["applicant_id"],
            ["users.id"],
            name=op.f("fk_shop_applications_applicant_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["places.id"],
            name=op.f("fk_shop_applications_place_id_places"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["users.id"],
            name=op.f("fk_shop_applications_decided_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_applications")),
    )
    op.create_index(
        op.f("ix_shop_applications_city_id_status_community_code"),
        "shop_applications",
        ["city_id", "status", "community_code"],
    )
    op.create_index(
        op.f("ix_shop_applications_applicant_id"), "shop_applications", ["applicant_id"]
    )
    op.create_index(op.f("ix_shop_applications_place_id"), "shop_applications", ["place_id"])
    op.create_index(
        "ux_shop_applications_pending_claim",
        "shop_applications",
        ["applicant_id", "place_id"],
        unique=True,
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )
    op.create_table(
        "shop_profiles",
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("services", JSON, nullable=False),
        sa.Column("updated_at", _when(), nullable=False),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["places.id"],
            name=op.f("fk_shop_profiles_place_id_places"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("place_id", name=op.f("pk_shop_profiles")),
    )


def downgrade() -> None:
    """Drop the shop profiles and the shop applications."""
    op.drop_table("shop_profiles")
    op.drop_index("ux_shop_applications_pending_claim", table_name="shop_applications")
    for name in ("place_id", "applicant_id", "city_id_status_community_code"):
        op.drop_index(op.f(f"ix_shop_applications_{name}"), table_name="shop_applications")
    op.drop_table("shop_applications")
