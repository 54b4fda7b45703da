"""The recorded indicators and the usage in a real assessment run (SQLite and PostgreSQL).

The city is the Futian test city of tests/services/futian.py; the figures recorded and
the usage counts are SYNTHETIC.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from lifecircle.services.accounts import create_account
from lifecircle.services.assess import run_assessment
from lifecircle.services.indicators import Centre, IndicatorDraft, record_indicator
from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope
from lifecircle.store.indicators import save_usage
from tests.services.futian import make_futian_city
from tests.store import conftest as store_conftest

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Engine

postgres = store_conftest.postgres
empty_engine = store_conftest.empty_engine
engine = store_conftest.engine


def test_the_assessment_carries_recorded_figures_and_usage(engine: Engine, tmp_path: Path) -> None:
    name = make_futian_city(engine, tmp_path)
    first = run_assessment(engine=engine, name=name, save=False)
    before = {t["code"]: t for t in first["city"]["targets"]}
    assert before["commercial_floor_share"]["actual"] is None
    assert before["commercial_floor_share"]["met"] is None
    assert first["city"]["usage"] is None
    admin = create_account(
        engine=engine, username="stats-admin", password="a synthetic password", role="admin"
    )
    with session_scope(engine) as session:
        city_id = get_city(session, name=name).id
    code = first["communities"][0]["code"]
    record_indicator(
        engine=engine,
        account=admin,
        city=name,
        code=code,
        period="2026-11",
        draft=IndicatorDraft(
            investment_fen=123_456,
            commercial_floor_m2=900,
            total_floor_m2=10_000,
            centres=(Centre("SYNTHETIC 中心", "renovated"),),
        ),
    )
    with session_scope(engine) as session:
        save_usage(
            session,
            city_id=city_id,
            month="2026-11",
            limit_minutes=15,
            redemptions=9,
            with_home=9,
            walked=9,
            cells={(code, "convenience_store"): (6, 3), (code, "pharmacy"): (3, 3)},
        )
    doc = run_assessment(engine=engine, name=name, save=False)
    targets = {t["code"]: t for t in doc["city"]["targets"]}
    assert targets["commercial_floor_share"]["actual"] == pytest.approx(0.09)
    assert targets["commercial_floor_share"]["met"] is False  # 9 % < 10 %
    assert targets["commercial_centres"]["actual"] == 1.0
    assert targets["investment"]["actual"] == pytest.approx(1234.56)
    usage = doc["city"]["usage"]
    assert usage["month"] == "2026-11"
    assert usage["events"] == 9
    assert usage["within_share"] == pytest.approx(6 / 9)
    cells = {c["category"]: c for c in usage["cells"]}
    assert cells["convenience_store"]["within_share"] == 0.5
    assert cells["pharmacy"]["events"] is None  # 3 events: withheld
    community = next(c for c in doc["communities"] if c["code"] == code)
    assert community["usage"] == {"month": "2026-11", "events": 9, "within_share": 6 / 9}
