"""``lifecircle coupons notify``: expiry notices from the command line, each claim told once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from lifecircle.services.coupon_claims import claim_coupon
from lifecircle.services.coupons import CouponSpec, create_coupon
from lifecircle.store.migrate import upgrade_database
from tests.api.coupon_load import seed
from tests.cli.test_user_cli import database, run_json
from tests.store import conftest as store_conftest

if TYPE_CHECKING:
    import pytest
    from sqlalchemy.engine import Engine

postgres = store_conftest.postgres
empty_engine = store_conftest.empty_engine
__all__ = ["database"]


def test_notify_tells_each_claim_once(database: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    upgrade_database(database)
    seeded = seed(database, residents=2)
    now = datetime.now(UTC)
    for ends in (timedelta(hours=5), timedelta(days=5)):
        spec = CouponSpec(
            title="SYNTHETIC 立减5元",
            kind="fixed",
            amount_off_fen=500,
            quantity=10,
            valid_from=now,
            valid_until=now + ends,
        )
        coupon = create_coupon(
            engine=database, user_id=seeded.merchant_id, place_id=seeded.place_id, spec=spec
        )
        for resident in seeded.resident_ids:
            claim_coupon(engine=database, user_id=resident, coupon_id=coupon.id)
    assert run_json(capsys, "coupons", "notify", "--hours", "1") == {"sent": 0, "hours": 1}
    assert run_json(capsys, "coupons", "notify") == {"sent": 2, "hours": 24}
    assert run_json(capsys, "coupons", "notify") == {"sent": 0, "hours": 24}
    assert run_json(capsys, "coupons", "notify", "--hours", "240") == {"sent": 2, "hours": 240}
