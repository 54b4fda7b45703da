"""A by-hour run's hourly curves, one row per community (``assessment_hourly``).

Runs stored before keep their communities' curves inside the run's ``city`` JSON, and
are read from there (``store/run_hours.py``); this migration does not move them.

The only line naming another revision is ``down_revision`` below: a merge that puts
this migration after others changes that line alone.

Revision ID: 0019
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Create the table of hourly curves per community."""
    op.create_table(
        "assessment_hourly",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("curves", _JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["assessment_runs.id"],
            name=op.f("fk_assessment_hourly_run_id_assessment_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "code", name=op.f("pk_assessment_hourly")),
    )


def downgrade() -> None:
    """Drop it (runs stored since lose their communities' curves)."""
    op.drop_table("assessment_hourly")
