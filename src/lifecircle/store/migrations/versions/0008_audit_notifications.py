"""The platform's audit log and in-app notifications; the community of each shop.

``audit_log``: every change to a shop, price, coupon, redemption or batch (who, when,
before, after), read by the officials of the area. ``notifications``: each account's
in-app list, idempotent per ``(user_id, key)``. ``place_owners.community_code``: the
community a merchant's place lies in, where its changes are filed.

The only line naming another revision is ``down_revision`` below: a merge that puts
this migration after others changes that line alone.

Revision ID: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the audit log and the notifications; file shops under a community."""
    with op.batch_alter_table("place_owners") as batch:
        batch.add_column(sa.Column("community_code", sa.String(64), nullable=True))
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=True),
        sa.Column("community_code", sa.String(64), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_role", sa.String(16), nullable=True),
        sa.Column("at", _when(), nullable=False),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("before", JSON, nullable=True),
        sa.Column("after", JSON, nullable=True),
        sa.ForeignKeyConstraint(
            ["city_id"], ["cities.id"], name=op.f("fk_audit_log_city_id_cities"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_audit_log_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_city_id_at"), "audit_log", ["city_id", "at"])
    op.create_index(
        op.f("ix_audit_log_city_id_place_id_at"), "audit_log", ["city_id", "place_id", "at"]
    )
    op.create_index(op.f("ix_audit_log_entity_entity_id"), "audit_log", ["entity", "entity_id"])
    op.create_index(op.f("ix_audit_log_actor_id"), "audit_log", ["actor_id"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("key", sa.String(128), nullable=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("read_at", _when(), nullable=True),
        sa.Column("delivered_at", _when(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_notifications_user_id_key")),
    )
    op.create_index(
        op.f("ix_notifications_user_id_created_at"), "notifications", ["user_id", "created_at"]
    )


def downgrade() -> None:
    """Drop the notifications and the audit log."""
    op.drop_index(op.f("ix_notifications_user_id_created_at"), table_name="notifications")
    op.drop_table("notifications")
    for name in ("actor_id", "entity_entity_id", "city_id_place_id_at", "city_id_at"):
        op.drop_index(op.f(f"ix_audit_log_{name}"), table_name="audit_log")
    op.drop_table("audit_log")
    with op.batch_alter_table("place_owners") as batch:
        batch.drop_column("community_code")
