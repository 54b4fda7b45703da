"""Published prices (明码标价): a shop's items and the history of every item's price.

``price_items``: the items a shop publishes, current price in integer fen; withdrawn
items keep their row. ``price_history``: every price of an item with the time it was in
force and who set it. Partial unique indexes keep a shop's live (name, specification)
pairs unique and at most one open period per item.

The only line naming another revision is ``down_revision`` below: a merge that puts
this migration after others changes that line alone.

Revision ID: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0012"
branch_labels = None
depends_on = None


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


LIVE = sa.text("withdrawn_at IS NULL")
OPEN = sa.text("valid_until IS NULL")


def upgrade() -> None:
    """Create the price items and their history."""
    op.create_table(
        "price_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("spec", sa.String(32), nullable=False),
        sa.Column("category", sa.String(32), nullable=True),
        sa.Column("barcode", sa.String(14), nullable=True),
        sa.Column("price_fen", sa.Integer(), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("updated_at", _when(), nullable=False),
        sa.Column("withdrawn_at", _when(), nullable=True),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["places.id"],
            name=op.f("fk_price_items_place_id_places"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_items")),
    )
    op.create_index(op.f("ix_price_items_place_id"), "price_items", ["place_id"])
    op.create_index(
        "uq_price_items_live_name",
        "price_items",
        ["place_id", "name", "spec"],
        unique=True,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )
    op.create_table(
        "price_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("price_fen", sa.Integer(), nullable=False),
        sa.Column("valid_from", _when(), nullable=False),
        sa.Column("valid_until", _when(), nullable=True),
        sa.Column("changed_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["price_items.id"],
            name=op.f("fk_price_history_item_id_price_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["changed_by"],
            ["users.id"],
            name=op.f("fk_price_history_changed_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_history")),
    )
    op.create_index(
        op.f("ix_price_history_item_id_valid_from"), "price_history", ["item_id", "valid_from"]
    )
    op.create_index(op.f("ix_price_history_changed_by"), "price_history", ["changed_by"])
    op.create_index(
        "uq_price_history_open",
        "price_history",
        ["item_id"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )


def downgrade() -> None:
    """Drop the price history and the items."""
    op.drop_index("uq_price_history_open", table_name="price_history")
    op.drop_index(op.f("ix_price_history_changed_by"), table_name="price_history")
    op.drop_index(op.f("ix_price_history_item_id_valid_from"), table_name="price_history")
    op.drop_table("price_history")
    op.drop_index("uq_price_items_live_name", table_name="price_items")
    op.drop_index(op.f("ix_price_items_place_id"), table_name="price_items")
    op.drop_table("price_items")
