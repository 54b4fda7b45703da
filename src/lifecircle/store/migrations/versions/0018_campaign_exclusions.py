"""Shops an official took out of a campaign.

``campaign_exclusions`` (``campaign_id``, ``place_id``), primary key both: a shop an
official removed from a campaign, which its merchant cannot opt in again until one of the
campaign's officials enrols it (the row is then deleted); when and by whom.

The only line naming another revision is ``down_revision`` below: a merge that puts
this migration after others changes that line alone.

Revision ID: 0018
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the campaigns' exclusions."""
    op.create_table(
        "campaign_exclusions",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("excluded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("excluded_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_exclusions_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["places.id"],
            name=op.f("fk_campaign_exclusions_place_id_places"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["excluded_by"],
            ["users.id"],
            name=op.f("fk_campaign_exclusions_excluded_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "place_id", name=op.f("pk_campaign_exclusions")),
    )
    op.create_index(op.f("ix_campaign_exclusions_place_id"), "campaign_exclusions", ["place_id"])


def downgrade() -> None:
    """Drop the campaigns' exclusions."""
    op.drop_index(op.f("ix_campaign_exclusions_place_id"), table_name="campaign_exclusions")
    op.drop_table("campaign_exclusions")
