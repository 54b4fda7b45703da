"""A campaign's budget under real concurrency, on SQLite and PostgreSQL.

A real ``lifecircle serve`` (two workers) in a subprocess and 600 concurrent claims
(300 residents, two each, over 200 connections) of a campaign whose budget buys 74
vouchers of at most 5 yuan off: exactly 74 are claimed, so the budget reserved never
passes the budget; then every code redeemed twice at once, each for a spend whose
discount hits the cap: exactly one redemption per code, and the sum of the discounts
stays within the budget. Then a campaign with a voucher for every resident, all
claiming at once while an administrator pauses it: the count the pause read is final
(no claim counted after the pause committed), the others refused naming the pause.
The accounts and places are SYNTHETIC.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from sqlalchemy import func, select

from lifecircle.services.accounts import Account, create_account
from lifecircle.services.campaign_changes import join_campaign, update_campaign
from lifecircle.services.campaigns import CampaignSpec, create_campaign
from lifecircle.store.accounts import get_user
from lifecircle.store.coupons import Coupon, CouponClaim, CouponRedemption
from lifecircle.store.db import make_engine, session_scope
from lifecircle.store.migrate import upgrade_database
from lifecircle.store.models import Role, User
from tests.api.coupon_load import CITY, Call, Seeded, Server, _accounts, answered, flood, seed

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


async def _claims_racing_a_pause(
    base: str, tokens: list[str], admin: str, campaign_id: int, after: int
) -> tuple[list[int | str], dict[str, Any]]:
    """Every resident claims at once; the pause is sent once ``after`` claims answered."""
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    answered_claims = 0
    ready = asyncio.Event()
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120.0) as client:

        async def claim(token: str) -> int | str:
            nonlocal answered_claims
            try:
                response = await client.post(
                    f"{base}/campaigns/{campaign_id}/claims",
                    headers={"Authorization": f"Bearer {token}"},
                )
            except httpx.HTTPError as exc:
                return type(exc).__name__
            finally:
                answered_claims += 1
                if answered_claims >= after:
                    ready.set()
            if response.status_code == 409:
                assert "paused" in response.json()["detail"], response.text
            return response.status_code

        async def pause() -> dict[str, Any]:
            await ready.wait()
            response = await client.patch(
                f"{base}/campaigns/{campaign_id}",
                json={"status": "paused"},
                headers={"Authorization": f"Bearer {admin}"},
            )
            assert response.status_code == 200, response.text
            return dict(response.json())

        paused, *results = await asyncio.gather(pause(), *(claim(t) for t in tokens))
    return list(results), paused


def test_no_claim_counts_after_a_pause(loaded: Loaded) -> None:
    """Claims racing a pause: each happened before the pause committed, or was refused."""
    seeded = loaded.seeded
    ((_, admin),) = _accounts(loaded.engine, prefix="race-admin", role=Role.ADMIN, count=1)
    with session_scope(loaded.engine) as session:
        account = Account.from_user(get_user(session, user_id=_user_id(session, "load-admin")))
    now = datetime.now(UTC)
    spec = CampaignSpec(
        name="SYNTHETIC 暂停消费券",
        budget_fen=RESIDENTS * CAP_FEN,  # a voucher for everyone: only the pause stops them
        kind="fixed",
        amount_off_fen=CAP_FEN,
        valid_from=now - timedelta(hours=1),
        valid_until=now + timedelta(days=1),
    )
    view = create_campaign(engine=loaded.engine, account=account, city=CITY, spec=spec)
    cid = view.campaign.id
    update_campaign(engine=loaded.engine, account=account, campaign_id=cid, status="open")

    results, paused = asyncio.run(
        _claims_racing_a_pause(
            loaded.server.base, seeded.resident_tokens, admin, cid, after=RESIDENTS // 4
        )
    )
    counts = answered(results)
    with session_scope(loaded.engine) as session:
        claimed = session.scalar(select(Coupon.claimed).where(Coupon.id == view.coupon.id))
        rows = session.scalar(select(func.count()).where(CouponClaim.coupon_id == view.coupon.id))
    assert paused["status"] == "paused"
    # the count the pause's own transaction read is final: nothing was counted after it
    assert claimed == rows == paused["claimed"]
    assert RESIDENTS // 4 <= claimed < RESIDENTS
    assert counts[201] <= claimed <= counts[201] + counts["transport"]
    assert counts[409] >= RESIDENTS - claimed - counts["transport"]


def _user_id(session: Any, username: str) -> int:
    return int(session.scalar(select(User.id).where(User.username == username)))
