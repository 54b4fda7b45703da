"""Residents' voice: consultations, missing-service reports and complaints about shops.

``consultations`` (proposals on the map), ``consultation_stances`` (one per account and
consultation) and ``consultation_comments``; ``service_reports`` ("no breakfast shop near
me"); ``complaints`` (about a place, with their workflow). Stances, comments and
complaints outlive the account (``SET NULL``); reports go with it (``CASCADE``).

The only line naming another revision is ``down_revision`` below: a merge that puts
this migration after others changes that line alone.

Revision ID: 0016
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the voice tables."""
    op.create_table(
        "consultations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("community_code", sa.String(length=64), nullable=True),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.String(length=64), nullable=True),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "closes_at > opens_at", name=op.f("ck_consultations_closes_after_opens")
        ),
        sa.ForeignKeyConstraint(
            ["city_id"],
            ["cities.id"],
            name=op.f("fk_consultations_city_id_cities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_consultations_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plan_runs.id"],
            name=op.f("fk_consultations_plan_id_plan_runs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultations")),
    )
    op.create_index(
        op.f("ix_consultations_city_id_closes_at"), "consultations", ["city_id", "closes_at"]
    )
    op.create_index(op.f("ix_consultations_created_by"), "consultations", ["created_by"])
    op.create_index(op.f("ix_consultations_plan_id"), "consultations", ["plan_id"])
    op.create_table(
        "service_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("community_code", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["city_id"],
            ["cities.id"],
            name=op.f("fk_service_reports_city_id_cities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_service_reports_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_reports")),
    )
    op.create_index(
        op.f("ix_service_reports_city_id_community_code_category"),
        "service_reports",
        ["city_id", "community_code", "category"],
    )
    op.create_index(op.f("ix_service_reports_user_id"), "service_reports", ["user_id"])
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("community_code", sa.String(length=64), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["users.id"],
            name=op.f("fk_complaints_assignee_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["city_id"],
            ["cities.id"],
            name=op.f("fk_complaints_city_id_cities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["users.id"],
            name=op.f("fk_complaints_decided_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["places.id"],
            name=op.f("fk_complaints_place_id_places"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_complaints_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
    )
    op.create_index(op.f("ix_complaints_assignee_id"), "complaints", ["assignee_id"])
    op.create_index(
        op.f("ix_complaints_city_id_status_created_at"),
        "complaints",
        ["city_id", "status", "created_at"],
    )
    op.create_index(op.f("ix_complaints_decided_by"), "complaints", ["decided_by"])
    op.create_index(
        op.f("ix_complaints_place_id_created_at"), "complaints", ["place_id", "created_at"]
    )
    op.create_index(op.f("ix_complaints_user_id"), "complaints", ["user_id"])
    op.create_table(
        "consultation_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("community_code", sa.String(length=64), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_consultation_comments_consultation_id_consultations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_consultation_comments_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_comments")),
    )
    op.create_index(
        op.f("ix_consultation_comments_consultation_id_created_at"),
        "consultation_comments",
        ["consultation_id", "created_at"],
    )
    op.create_index(op.f("ix_consultation_comments_user_id"), "consultation_comments", ["user_id"])
    op.create_table(
        "consultation_stances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("stance", sa.String(length=8), nullable=False),
        sa.Column("community_code", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_consultation_stances_consultation_id_consultations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_consultation_stances_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_stances")),
        sa.UniqueConstraint(
            "consultation_id",
            "user_id",
            name=op.f("uq_consultation_stances_consultation_id_user_id"),
        ),
    )
    op.create_index(op.f("ix_consultation_stances_user_id"), "consultation_stances", ["user_id"])


def downgrade() -> None:
    """Drop the voice tables."""
    op.drop_index(op.f("ix_consultation_stances_user_id"), table_name="consultation_stances")
    op.drop_table("consultation_stances")
    op.drop_index(op.f("ix_consultation_comments_user_id"), table_name="consultation_comments")
    op.drop_index(
        op.f("ix_consultation_comments_consultation_id_created_at"),
        table_name="consultation_comments",
    )
    op.drop_table("consultation_comments")
    op.drop_index(op.f("ix_complaints_user_id"), table_name="complaints")
    op.drop_index(op.f("ix_complaints_place_id_created_at"), table_name="complaints")
    op.drop_index(op.f("ix_complaints_decided_by"), table_name="complaints")
    op.drop_index(op.f("ix_complaints_city_id_status_created_at"), table_name="complaints")
    op.drop_index(op.f("ix_complaints_assignee_id"), table_name="complaints")
    op.drop_table("complaints")
    op.drop_index(op.f("ix_service_reports_user_id"), table_name="service_reports")
    op.drop_index(
        op.f("ix_service_reports_city_id_community_code_category"), table_name="service_reports"
    )
    op.drop_table("service_reports")
    op.drop_index(op.f("ix_consultations_plan_id"), table_name="consultations")
    op.drop_index(op.f("ix_consultations_created_by"), table_name="consultations")
    op.drop_index(op.f("ix_consultations_city_id_closes_at"), table_name="consultations")
    op.drop_table("consultations")
