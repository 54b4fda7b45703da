"""``lifecircle stock warn``: the daily expiry warnings from the command line, once each."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from lifecircle.cli.main import ExitStatus
from lifecircle.services.stock.batches import create_batch, today_local
from lifecircle.store.db import session_scope
from lifecircle.store.migrate import upgrade_database
from lifecircle.store.notifications import list_notices
from tests.api.coupon_load import CITY, seed
from tests.cli.test_user_cli import database, fails, run_json
from tests.store import conftest as store_conftest

if TYPE_CHECKING:
    import pytest
    from sqlalchemy.engine import Engine

postgres = store_conftest.postgres
empty_engine = store_conftest.empty_engine
__all__ = ["database"]


def _warnings(engine: Engine, user_id: int) -> list[tuple[int, str]]:
    with session_scope(engine) as session:
        notices, _, _ = list_notices(session, user_id=user_id, limit=100)
    return sorted(
        (int(n.data["batch_id"]), str(n.data["stage"]))
        for n in notices
        if n.kind == "expiry_warning"
    )


def test_warn_sends_each_warning_once(database: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    upgrade_database(database)
    seeded = seed(database, residents=1)
    today = today_local()

    def batch(days: int) -> int:
        made = create_batch(
            engine=database,
            user_id=seeded.merchant_id,
            place_id=seeded.place_id,
            product=f"SYNTHETIC 鲜奶 {days}",
            quantity=3,
            food_class="fresh_milk",  # 2 days' lead
            expiry_date=today + timedelta(days=days),
        )
        return made.batch.id

    near, later, fresh = batch(1), batch(3), batch(40)
    first = run_json(capsys, "stock", "warn", "--date", today.isoformat())
    assert first == {"date": today.isoformat(), "checked": 1, "sent": 1}
    assert _warnings(database, seeded.merchant_id) == [(near, "near_expiry")]
    again = run_json(capsys, "stock", "warn", "--date", today.isoformat(), "--city", CITY)
    assert again == {"date": today.isoformat(), "checked": 1, "sent": 0}  # idempotent
    # two days on: the first has expired, the second is near expiry; a missed day is safe
    day = (today + timedelta(days=2)).isoformat()
    assert run_json(capsys, "stock", "warn", "--date", day) == {
        "date": day,
        "checked": 2,
        "sent": 2,
    }
    assert run_json(capsys, "stock", "warn", "--date", day)["sent"] == 0  # type: ignore[index]
    assert _warnings(database, seeded.merchant_id) == sorted(
        [(near, "near_expiry"), (near, "expired"), (later, "near_expiry")]
    )
    assert fresh not in {b for b, _ in _warnings(database, seeded.merchant_id)}


def test_warn_refuses_a_bad_date_or_city(
    database: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    upgrade_database(database)
    for bad in ("2026-13-01", "tomorrow", "2026/01/02"):
        err = fails(capsys, ExitStatus.INVALID, "stock", "warn", "--date", bad)
        assert "--date" in err
        assert bad in err
    err = fails(capsys, ExitStatus.NOT_FOUND, "stock", "warn", "--city", "atlantis")
    assert "atlantis" in err
