"""Consumption-voucher campaigns (消费券): ``campaigns`` and ``campaign_categories``.

A campaign names its coupon (``coupon_id``, of ``issuer_kind`` ``campaign``): its
participating shops are the coupon's ``coupon_shops``, the communities it is for the
coupon's ``coupon_communities``; ``campaign_categories`` restricts the shops that may
join to taxonomy categories (none: any). The budget is in fen.

The only line naming another revision is ``down_revision`` below: a merge that puts
this migration after others changes that line alone.

Revision ID: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0017"
branch_labels = None
depends_on = None


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    """Create the campaigns' tables."""
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("area_code", sa.String(64), nullable=True),
        sa.Column("coupon_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("budget_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("updated_at", _when(), nullable=False),
        sa.Column("opened_at", _when(), nullable=True),
        sa.Column("closed_at", _when(), nullable=True),
        _fk("campaigns", "city_id", "cities", "CASCADE"),
        _fk("campaigns", "coupon_id", "coupons", "CASCADE"),
        _fk("campaigns", "created_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("coupon_id", name=op.f("uq_campaigns_coupon_id")),
    )
    op.create_index(op.f("ix_campaigns_city_id_status"), "campaigns", ["city_id", "status"])
    op.create_table(
        "campaign_categories",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        _fk("campaign_categories", "campaign_id", "campaigns", "CASCADE"),
        sa.PrimaryKeyConstraint("campaign_id", "category", name=op.f("pk_campaign_categories")),
    )


def downgrade() -> None:
    """Drop the campaigns' tables."""
    op.drop_table("campaign_categories")
    op.drop_table("campaigns")
