"""``lifecircle stats`` and ``lifecircle usage`` from the command line (SQLite, PostgreSQL)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import openpyxl

from lifecircle.cli.main import ExitStatus
from lifecircle.store.cities import create_city
from lifecircle.store.communities import upsert_communities
from lifecircle.store.db import session_scope
from lifecircle.store.indicators import put_indicator
from lifecircle.store.migrate import upgrade_database
from tests.cli.test_user_cli import database, fails, run_json
from tests.store import conftest as store_conftest

if TYPE_CHECKING:
    from pathlib import Path

    import pytest
    from sqlalchemy.engine import Engine

postgres = store_conftest.postgres
empty_engine = store_conftest.empty_engine
__all__ = ["database"]


def test_stats_writes_the_workbook_and_usage_needs_a_network(
    database: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    upgrade_database(database)
    with session_scope(database) as session:
        city_id = create_city(session, name="statstown").id
        upsert_communities(
            session,
            city_id=city_id,
            rows=[
                {"code": "440304", "name": "福田区", "level": "district", "parent_code": None},
                {"code": "440305", "name": "南山区", "level": "district", "parent_code": None},
            ],
        )
        for code, fen in (("440304", 2_000_000), ("440305", 500_000)):
            put_indicator(
                session,
                city_id=city_id,
                area_code=code,
                period="2026-11",
                values={"investment_fen": fen},
                user_id=None,
            )
    out = tmp_path / "stats.xlsx"
    done = run_json(capsys, "stats", "--city", "statstown", "--month", "2026-11", "--out", str(out))
    assert done["rows"] == 3  # two districts and the total
    sheet = openpyxl.load_workbook(out).active
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=3, max_row=5)}
    assert rows["440304"][6].value == 2  # 2,000,000 fen = 2 万元
    assert rows["440305"][6].value == 0.5
    assert rows[None][6].value == 2.5
    err = fails(capsys, ExitStatus.DATA, "usage", "--city", "statstown", "--month", "2026-11")
    assert "no walking network" in err
    err = fails(
        capsys,
        ExitStatus.INVALID,
        "stats",
        "--city",
        "statstown",
        "--month",
        "2026-13",
        "--out",
        str(out),
    )
    assert "YYYY-MM" in err
