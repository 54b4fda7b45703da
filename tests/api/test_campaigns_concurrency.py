"""A campaign's budget under real concurrency, on SQLite and PostgreSQL.

A real ``lifecircle serve`` (two workers) in a subprocess and 600 concurrent claims
(300 residents, two each, over 200 connections) of a campaign whose budget buys 74
vouchers of at most 5 yuan off: exactly 74 are claimed, so the budget reserved never
passes the budget; then every code redeemed twice at once, each for a spend whose
discount hits the cap: exactly one redemption per code, and the sum of the discounts
stays within the budget. The accounts and places are SYNTHETIC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from lifecircle.services.accounts import Account, create_account
from lifecircle.services.campaign_changes import join_campaign, update_campaign
from lifecircle.services.campaigns import CampaignSpec, create_campaign
from lifecircle.store.accounts import get_user
from lifecircle.store.coupons import Coupon, CouponClaim, CouponRedemption
from lifecircle.store.db import make_engine, session_scope
from lifecircle.store.migrate import upgrade_database
from tests.api.coupon_load import CITY, Call, Seeded, Server, answered, flood, seed

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from sqlalchemy.engine import Engine

    from tests.pg import PostgresServer

pytestmark = pytest.mark.slow

RESIDENTS = 300
BUDGET_FEN = 37_300
CAP_FEN = 500
VOUCHERS = BUDGET_FEN // CAP_FEN  # 74: 370 yuan reserved at most of 373


class Loaded:
    """A seeded database, an open campaign the shop joined, and a server on it."""

    def __init__(self, folder: Path, url: str, engine: Engine, seeded: Seeded) -> None:
        self.engine = engine
        self.seeded = seeded
        self.campaign_id, self.coupon_id = _campaign(engine, seeded)
        self.server = Server(url, folder)


def _campaign(engine: Engine, seeded: Seeded) -> tuple[int, int]:
    admin = create_account(
        engine=engine, username="load-admin", password="a synthetic password", role="admin"
    )
    now = datetime.now(UTC)
    spec = CampaignSpec(
        name="SYNTHETIC 八折消费券",
        budget_fen=BUDGET_FEN,
        kind="percent",
        percent_off=20,
        max_discount_fen=CAP_FEN,
        per_resident=2,
        valid_from=now - timedelta(hours=1),
        valid_until=now + timedelta(days=1),
    )
    view = create_campaign(engine=engine, account=admin, city=CITY, spec=spec)
    with session_scope(engine) as session:
        merchant = Account.from_user(get_user(session, user_id=seeded.merchant_id))
    join_campaign(
        engine=engine, account=merchant, campaign_id=view.campaign.id, place_id=seeded.place_id
    )
    update_campaign(engine=engine, account=admin, campaign_id=view.campaign.id, status="open")
    return view.campaign.id, view.coupon.id


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def loaded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Loaded]:
    folder = tmp_path_factory.mktemp(f"campaign-load-{request.param}")
    pg: PostgresServer | None = None
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'load.db'}"
    else:
        pg = request.getfixturevalue("postgres")
        url = pg.fresh_database()
    engine = make_engine(url)
    upgrade_database(engine)
    state = Loaded(folder, url, engine, seed(engine, residents=RESIDENTS))
    try:
        yield state
    finally:
        state.server.stop()
        engine.dispose()
        if pg is not None:
            pg.drop_database(url)


def test_concurrent_claims_never_pass_the_budget(loaded: Loaded) -> None:
    seeded = loaded.seeded
    path = f"/campaigns/{loaded.campaign_id}/claims"
    calls = [Call("POST", path, None, t) for t in seeded.resident_tokens for _ in range(2)]
    counts = answered(flood(loaded.server.base, calls))
    assert counts[201] <= VOUCHERS
    assert counts[201] + counts[409] + counts["transport"] == 2 * RESIDENTS
    with session_scope(loaded.engine) as session:
        claimed = session.scalar(select(Coupon.claimed).where(Coupon.id == loaded.coupon_id))
        rows = session.execute(
            select(CouponClaim.user_id, func.count())
            .where(CouponClaim.coupon_id == loaded.coupon_id)
            .group_by(CouponClaim.user_id)
        ).all()
        codes = session.scalars(
            select(CouponClaim.code).where(CouponClaim.coupon_id == loaded.coupon_id)
        ).all()
    assert claimed == sum(n for _, n in rows) == VOUCHERS
    assert max(n for _, n in rows) <= 2  # the allowance
    assert claimed * CAP_FEN <= BUDGET_FEN

    # every code redeemed thrice at once, for a spend whose 20 % passes the cap
    shop = f"/shops/{seeded.place_id}/redemptions"
    redeem = [
        Call("POST", shop, {"code": code, "spent_fen": 10_000}, seeded.merchant_token)
        for code in codes
        for _ in range(3)
    ]
    counts = answered(flood(loaded.server.base, redeem))
    assert counts[201] <= VOUCHERS
    assert counts[201] + counts[409] + counts["transport"] == 3 * VOUCHERS
    with session_scope(loaded.engine) as session:
        redeemed, claims, total = session.execute(
            select(
                func.count(),
                func.count(func.distinct(CouponRedemption.claim_id)),
                func.sum(CouponRedemption.discount_fen),
            ).where(CouponRedemption.coupon_id == loaded.coupon_id)
        ).one()
    assert redeemed == claims == VOUCHERS  # each code once
    assert total == VOUCHERS * CAP_FEN == 37_000
    assert total <= BUDGET_FEN
