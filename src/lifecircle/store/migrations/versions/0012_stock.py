"""Merchants' stock batches and their near-expiry offers (临期).

``stock_batches``: one row per batch a merchant records in a shop (product, barcode,
quantity, food class, expiry date and the warning lead that follows), its state
(active, sold, removed) and its near-expiry offer.

The only line naming another revision is ``down_revision`` below: a merge that puts
this migration after others changes that line alone.

Revision ID: 0012
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the stock batches."""
    op.create_table(
        "stock_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("community_code", sa.String(64), nullable=True),
        sa.Column("product", sa.String(100), nullable=False),
        sa.Column("barcode", sa.String(13), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("food_class", sa.String(32), nullable=True),
        sa.Column("production_date", sa.Date(), nullable=True),
        sa.Column("shelf_life_days", sa.Integer(), nullable=True),
        sa.Column("expiry_date", sa.Date(), nullable=False),
        sa.Column("lead_days", sa.Integer(), nullable=False),
        sa.Column("lead_basis", sa.String(16), nullable=False),
        sa.Column("ladder", sa.String(32), nullable=False),
        sa.Column("warn_from", sa.Date(), nullable=False),
        sa.Column("expires_at", _when(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("closed_at", _when(), nullable=True),
        sa.Column("offer_price_fen", sa.Integer(), nullable=True),
        sa.Column("offer_regular_fen", sa.Integer(), nullable=True),
        sa.Column("offer_discount_pct", sa.Integer(), nullable=True),
        sa.Column("offered_at", _when(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("updated_at", _when(), nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_stock_batches_quantity_not_negative")),
        sa.CheckConstraint("lead_days >= 0", name=op.f("ck_stock_batches_lead_days_not_negative")),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["places.id"],
            name=op.f("fk_stock_batches_place_id_places"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["city_id"],
            ["cities.id"],
            name=op.f("fk_stock_batches_city_id_cities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_stock_batches_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_batches")),
    )
    op.create_index(
        op.f("ix_stock_batches_place_id_state_expiry_date"),
        "stock_batches",
        ["place_id", "state", "expiry_date"],
    )
    op.create_index(
        op.f("ix_stock_batches_city_id_state_warn_from"),
        "stock_batches",
        ["city_id", "state", "warn_from"],
    )
    op.create_index(
        op.f("ix_stock_batches_city_id_expires_at"), "stock_batches", ["city_id", "expires_at"]
    )


def downgrade() -> None:
    """Drop the stock batches."""
    for name in ("city_id_expires_at", "city_id_state_warn_from", "place_id_state_expiry_date"):
        op.drop_index(op.f(f"ix_stock_batches_{name}"), table_name="stock_batches")
    op.drop_table("stock_batches")
