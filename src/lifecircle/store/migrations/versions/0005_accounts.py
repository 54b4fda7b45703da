"""Accounts of the service platform: users, bearer tokens, login attempts, shop owners.

Self-contained (it names no table of another new revision), so putting it after another
revision only means changing ``down_revision``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the users, access_tokens, auth_attempts and place_owners tables."""
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=True),
        sa.Column("area_code", sa.String(64), nullable=True),
        sa.Column("display_name", sa.String(100), nullable=True),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("password_changed_at", _when(), nullable=False),
        sa.ForeignKeyConstraint(
            ["city_id"], ["cities.id"], name=op.f("fk_users_city_id_cities"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_index(op.f("ix_users_city_id"), "users", ["city_id"])
    op.create_table(
        "access_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("expires_at", _when(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_access_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_access_tokens_token_hash")),
    )
    op.create_index(op.f("ix_access_tokens_user_id"), "access_tokens", ["user_id"])
    op.create_index(op.f("ix_access_tokens_expires_at"), "access_tokens", ["expires_at"])
    op.create_table(
        "auth_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("at", _when(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_attempts")),
    )
    op.create_index(op.f("ix_auth_attempts_key_at"), "auth_attempts", ["key", "at"])
    op.create_index(op.f("ix_auth_attempts_at"), "auth_attempts", ["at"])
    op.create_table(
        "place_owners",
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("since", _when(), nullable=False),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["places.id"],
            name=op.f("fk_place_owners_place_id_places"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_place_owners_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("place_id", name=op.f("pk_place_owners")),
    )
    op.create_index(op.f("ix_place_owners_user_id"), "place_owners", ["user_id"])


def downgrade() -> None:
    """Drop the account tables, dependants first."""
    op.drop_table("place_owners")
    op.drop_table("auth_attempts")
    op.drop_table("access_tokens")
    op.drop_table("users")
