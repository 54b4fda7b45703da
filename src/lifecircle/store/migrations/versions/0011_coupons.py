"""Coupons: issued by a shop (a campaign later), valid at a set of shops; claims; redemptions.

``coupons`` holds the rule (money in fen), the quantity and the ``claimed`` counter,
the validity window and the status; ``coupon_shops`` the shops a coupon is valid at;
``coupon_communities`` the communities whose residents may claim it (none: everyone).
``coupon_claims`` is a resident's claim in a per-person slot, with its one-time code;
``coupon_redemptions`` a redemption in a shop (spend, discount, undone or not).

The only line naming another revision is ``down_revision`` below: a merge that puts
this migration after others changes that line alone.

Revision ID: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0013"
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
    """Create the coupons' tables."""
    op.create_table(
        "coupons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("issuer_kind", sa.String(16), nullable=False),
        sa.Column("issuer_place_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("amount_off_fen", sa.Integer(), nullable=True),
        sa.Column("percent_off", sa.Integer(), nullable=True),
        sa.Column("max_discount_fen", sa.Integer(), nullable=True),
        sa.Column("min_spend_fen", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("per_person_limit", sa.Integer(), nullable=False),
        sa.Column("claimed", sa.Integer(), nullable=False),
        sa.Column("valid_from", _when(), nullable=False),
        sa.Column("valid_until", _when(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("updated_at", _when(), nullable=False),
        _fk("coupons", "city_id", "cities", "CASCADE"),
        _fk("coupons", "issuer_place_id", "places", "CASCADE"),
        _fk("coupons", "created_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupons")),
    )
    op.create_index(op.f("ix_coupons_city_id_valid_until"), "coupons", ["city_id", "valid_until"])
    op.create_index(op.f("ix_coupons_issuer_place_id"), "coupons", ["issuer_place_id"])
    op.create_table(
        "coupon_shops",
        sa.Column("coupon_id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        _fk("coupon_shops", "coupon_id", "coupons", "CASCADE"),
        _fk("coupon_shops", "place_id", "places", "CASCADE"),
        sa.PrimaryKeyConstraint("coupon_id", "place_id", name=op.f("pk_coupon_shops")),
    )
    op.create_index(op.f("ix_coupon_shops_place_id"), "coupon_shops", ["place_id"])
    op.create_table(
        "coupon_communities",
        sa.Column("coupon_id", sa.Integer(), nullable=False),
        sa.Column("community_code", sa.String(64), nullable=False),
        _fk("coupon_communities", "coupon_id", "coupons", "CASCADE"),
        sa.PrimaryKeyConstraint("coupon_id", "community_code", name=op.f("pk_coupon_communities")),
    )
    op.create_table(
        "coupon_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coupon_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(12), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("community_code", sa.String(64), nullable=True),
        sa.Column("claimed_at", _when(), nullable=False),
        sa.Column("redeemed_at", _when(), nullable=True),
        _fk("coupon_claims", "coupon_id", "coupons", "CASCADE"),
        _fk("coupon_claims", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupon_claims")),
        sa.UniqueConstraint(
            "coupon_id", "user_id", "slot", name=op.f("uq_coupon_claims_coupon_id_user_id_slot")
        ),
        sa.UniqueConstraint("code", name=op.f("uq_coupon_claims_code")),
    )
    op.create_index(
        op.f("ix_coupon_claims_user_id_claimed_at"), "coupon_claims", ["user_id", "claimed_at"]
    )
    op.create_table(
        "coupon_redemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("coupon_id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("community_code", sa.String(64), nullable=True),
        sa.Column("redeemed_by", sa.Integer(), nullable=True),
        sa.Column("spent_fen", sa.Integer(), nullable=False),
        sa.Column("discount_fen", sa.Integer(), nullable=False),
        sa.Column("redeemed_at", _when(), nullable=False),
        sa.Column("undone_at", _when(), nullable=True),
        sa.Column("undone_by", sa.Integer(), nullable=True),
        _fk("coupon_redemptions", "claim_id", "coupon_claims", "CASCADE"),
        _fk("coupon_redemptions", "coupon_id", "coupons", "CASCADE"),
        _fk("coupon_redemptions", "place_id", "places", "CASCADE"),
        _fk("coupon_redemptions", "redeemed_by", "users", "SET NULL"),
        _fk("coupon_redemptions", "undone_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupon_redemptions")),
    )
    op.create_index(
        op.f("ix_coupon_redemptions_place_id_redeemed_at"),
        "coupon_redemptions",
        ["place_id", "redeemed_at"],
    )
    op.create_index(op.f("ix_coupon_redemptions_claim_id"), "coupon_redemptions", ["claim_id"])
    op.create_index(op.f("ix_coupon_redemptions_coupon_id"), "coupon_redemptions", ["coupon_id"])
    # at most one live (not undone) redemption per claim, beside the claim's state
    op.create_index(
        "uq_coupon_redemptions_live_claim",
        "coupon_redemptions",
        ["claim_id"],
        unique=True,
        sqlite_where=sa.text("undone_at IS NULL"),
        postgresql_where=sa.text("undone_at IS NULL"),
    )


def downgrade() -> None:
    """Drop the coupons' tables."""
    op.drop_table("coupon_redemptions")
    op.drop_table("coupon_claims")
    op.drop_table("coupon_communities")
    op.drop_table("coupon_shops")
    op.drop_table("coupons")
