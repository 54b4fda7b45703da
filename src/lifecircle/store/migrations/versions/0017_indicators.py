"""The plan's recorded indicators and the 15-minute usage batch.

``indicator_records``: officials' figures per area and month (investment in fen, floor
areas in m², commercial centres); ``shop_employees``: merchants' monthly reports of a
shop's employees; ``usage_months`` and ``usage_cells``: the monthly usage batch, counts
per home community × shop category only.

The only line naming another revision is ``down_revision`` below: a merge that puts
this migration after others changes that line alone.

Revision ID: 0017
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0017"
down_revision = "0011"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _city_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["city_id"], ["cities.id"], name=op.f(f"fk_{table}_city_id_cities"), ondelete="CASCADE"
    )


def upgrade() -> None:
    """Create the indicator and usage tables."""
    op.create_table(
        "indicator_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("area_code", sa.String(64), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("investment_fen", sa.BigInteger(), nullable=True),
        sa.Column("commercial_floor_m2", sa.BigInteger(), nullable=True),
        sa.Column("total_floor_m2", sa.BigInteger(), nullable=True),
        sa.Column("centres", _JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        _city_fk("indicator_records"),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users.id"],
            name=op.f("fk_indicator_records_updated_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_records")),
        sa.UniqueConstraint(
            "city_id",
            "area_code",
            "period",
            name=op.f("uq_indicator_records_city_id_area_code_period"),
        ),
    )
    op.create_table(
        "shop_employees",
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("employees", sa.Integer(), nullable=False),
        sa.Column("reported_by", sa.Integer(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["places.id"],
            name=op.f("fk_shop_employees_place_id_places"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reported_by"],
            ["users.id"],
            name=op.f("fk_shop_employees_reported_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("place_id", "period", name=op.f("pk_shop_employees")),
    )
    op.create_table(
        "usage_months",
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("limit_minutes", sa.Integer(), nullable=False),
        sa.Column("redemptions", sa.Integer(), nullable=False),
        sa.Column("with_home", sa.Integer(), nullable=False),
        sa.Column("walked", sa.Integer(), nullable=False),
        _city_fk("usage_months"),
        sa.PrimaryKeyConstraint("city_id", "month", name=op.f("pk_usage_months")),
    )
    op.create_table(
        "usage_cells",
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("community_code", sa.String(64), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("within", sa.Integer(), nullable=False),
        _city_fk("usage_cells"),
        sa.PrimaryKeyConstraint(
            "city_id", "month", "community_code", "category", name=op.f("pk_usage_cells")
        ),
    )


def downgrade() -> None:
    """Drop the indicator and usage tables."""
    for table in ("usage_cells", "usage_months", "shop_employees", "indicator_records"):
        op.drop_table(table)
