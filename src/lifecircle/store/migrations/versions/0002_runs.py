"""Assessment and plan runs.

A dated assessment run per city with its per-community results, and plan runs holding
their plan document.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _city_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["city_id"], ["cities.id"], name=op.f(f"fk_{table}_city_id_cities"), ondelete="CASCADE"
    )


def upgrade() -> None:
    """Create the run tables."""
    op.create_table(
        "assessment_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("elapsed_s", sa.Double(), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("parameters", JSON, nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("categories", JSON, nullable=False),
        sa.Column("city", JSON, nullable=False),
        _city_fk("assessment_runs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_runs")),
    )
    op.create_index(
        op.f("ix_assessment_runs_city_id_created_at"), "assessment_runs", ["city_id", "created_at"]
    )
    op.create_table(
        "assessment_communities",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("population", sa.Double(), nullable=False),
        sa.Column("basic_complete", sa.Boolean(), nullable=False),
        sa.Column("grade", sa.String(16), nullable=False),
        sa.Column("circle_type", sa.String(16), nullable=False),
        sa.Column("record", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["assessment_runs.id"],
            name=op.f("fk_assessment_communities_run_id_assessment_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "code", name=op.f("pk_assessment_communities")),
    )
    op.create_table(
        "plan_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("parameters", JSON, nullable=False),
        sa.Column("document", JSON, nullable=False),
        _city_fk("plan_runs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_runs")),
    )
    op.create_index(op.f("ix_plan_runs_city_id_created_at"), "plan_runs", ["city_id", "created_at"])


def downgrade() -> None:
    """Drop the run tables."""
    op.drop_index(op.f("ix_plan_runs_city_id_created_at"), table_name="plan_runs")
    op.drop_table("plan_runs")
    op.drop_table("assessment_communities")
    op.drop_index(op.f("ix_assessment_runs_city_id_created_at"), table_name="assessment_runs")
    op.drop_table("assessment_runs")
