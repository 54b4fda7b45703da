"""Migrations create exactly the models' schema, from empty, on both databases."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from lifecircle.errors import DataError
from lifecircle.store.migrate import (
    check_current,
    current_revision,
    downgrade_database,
    head_revision,
    open_database,
    upgrade_database,
)
from lifecircle.store.tables import metadata

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Engine

TABLES = {
    "alembic_version",
    "cities",
    "communities",
    "community_mappings",
    "import_runs",
    "place_categories",
    "place_sources",
    "places",
    "population_points",
    "assessment_runs",
    "assessment_communities",
    "assessment_hourly",
    "plan_runs",
    "centres",
    "users",
    "access_tokens",
    "auth_attempts",
    "place_owners",
    "jobs",
    "place_removals",
    "audit_log",
    "notifications",
    "shop_applications",
    "shop_profiles",
    "stock_batches",
    "resident_homes",
    "indicator_records",
    "shop_employees",
    "usage_months",
    "usage_cells",
    "price_items",
    "price_history",
    "coupons",
    "coupon_shops",
    "coupon_communities",
    "campaigns",
    "campaign_categories",
    "campaign_exclusions",
    "consultations",
    "consultation_stances",
    "consultation_comments",
    "service_reports",
    "complaints",
    "surveys",
    "survey_communities",
    "survey_answers",
    "coupon_claims",
    "coupon_redemptions",
}


def test_upgrade_from_empty_creates_every_table(empty_engine: Engine) -> None:
    assert inspect(empty_engine).get_table_names() == []
    assert current_revision(empty_engine) is None
    upgrade_database(empty_engine)
    assert set(inspect(empty_engine).get_table_names()) == TABLES
    assert current_revision(empty_engine) == head_revision()
    check_current(empty_engine)


def test_migrated_schema_matches_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_upgrade_twice_changes_nothing(engine: Engine) -> None:
    upgrade_database(engine)
    assert current_revision(engine) == head_revision()


def test_downgrade_to_base_and_up_again(engine: Engine) -> None:
    downgrade_database(engine, revision="base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    upgrade_database(engine)
    assert set(inspect(engine).get_table_names()) == TABLES


def test_check_current_names_the_upgrade_command(empty_engine: Engine) -> None:
    with pytest.raises(DataError, match="lifecircle db upgrade"):
        check_current(empty_engine)


def test_open_database_upgrades_a_new_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "city.db"
    engine = open_database(f"sqlite:///{path}")
    try:
        assert path.exists()
        check_current(engine)
    finally:
        engine.dispose()


def test_upgrade_from_url_disposes_its_engine(tmp_path: Path) -> None:
    upgrade_database(f"sqlite:///{tmp_path / 'x.db'}")
    assert (tmp_path / "x.db").exists()
