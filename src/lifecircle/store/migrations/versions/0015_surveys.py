"""Satisfaction surveys.

``surveys`` (a city's surveys, their questions as JSON, open and close times, the area
of the official who made them), ``survey_communities`` (the communities a survey of
chosen communities or pilots covers) and ``survey_answers`` (one per survey per
account: the unique ``(survey_id, respondent_id)``; the respondent becomes ``NULL`` when
the account is deleted, the answer stays).

The only line naming another revision is ``down_revision`` below: a merge that puts
this migration after others changes that line alone.

Revision ID: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015"
down_revision = "0016"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Create the surveys' tables."""
    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("area_code", sa.String(64), nullable=True),
        sa.Column("template", sa.String(32), nullable=True),
        sa.Column("questions", _JSON, nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["city_id"], ["cities.id"], name=op.f("fk_surveys_city_id_cities"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_surveys_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
    )
    op.create_index(op.f("ix_surveys_city_id_opens_at"), "surveys", ["city_id", "opens_at"])
    op.create_index(op.f("ix_surveys_created_by"), "surveys", ["created_by"])
    op.create_table(
        "survey_communities",
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("community_code", sa.String(64), nullable=False),
        sa.Column("pilot_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_communities_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("survey_id", "community_code", name=op.f("pk_survey_communities")),
    )
    op.create_table(
        "survey_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("respondent_id", sa.Integer(), nullable=True),
        sa.Column("community_code", sa.String(64), nullable=False),
        sa.Column("answers", _JSON, nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_answers_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["respondent_id"],
            ["users.id"],
            name=op.f("fk_survey_answers_respondent_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answers")),
        sa.UniqueConstraint(
            "survey_id", "respondent_id", name=op.f("uq_survey_answers_survey_id_respondent_id")
        ),
    )
    op.create_index(
        op.f("ix_survey_answers_survey_id_community_code"),
        "survey_answers",
        ["survey_id", "community_code"],
    )
    op.create_index(op.f("ix_survey_answers_respondent_id"), "survey_answers", ["respondent_id"])


def downgrade() -> None:
    """Drop the surveys' tables."""
    op.drop_index(op.f("ix_survey_answers_respondent_id"), table_name="survey_answers")
    op.drop_index(op.f("ix_survey_answers_survey_id_community_code"), table_name="survey_answers")
    op.drop_table("survey_answers")
    op.drop_table("survey_communities")
    op.drop_index(op.f("ix_surveys_created_by"), table_name="surveys")
    op.drop_index(op.f("ix_surveys_city_id_opens_at"), table_name="surveys")
    op.drop_table("surveys")
