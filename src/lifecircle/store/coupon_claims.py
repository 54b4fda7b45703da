"""Claimed coupons and their redemptions: per-person slots, one-time codes, exactly once.

Every invariant is decided by the database: a claim takes a free slot of the unique
``(coupon_id, user_id, slot)``; a code is unique; a redemption is a conditional
``UPDATE`` of the claim's state (``claimed`` to ``redeemed``) plus the redemption row,
in the caller's one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from lifecircle.store.coupons import (
    NO_SYNC,
    ClaimState,
    Coupon,
    CouponClaim,
    CouponRedemption,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from sqlalchemy.orm import Session

CODE_ATTEMPTS = 8
"""New codes tried when a random code is taken (at 12 digits, practically never)."""


@dataclass(frozen=True)
class ClaimRow:
    """A claimed coupon as read back."""

    id: int
    coupon_id: int
    user_id: int
    slot: int
    code: str
    state: str
    community_code: str | None
    claimed_at: datetime
    redeemed_at: datetime | None


@dataclass(frozen=True)
class RedemptionRow:
    """A redemption as read back."""

    id: int
    claim_id: int
    coupon_id: int
    place_id: int
    community_code: str | None
    redeemed_by: int | None
    spent_fen: int
    discount_fen: int
    redeemed_at: datetime
    undone_at: datetime | None


def _claim(row: CouponClaim) -> ClaimRow:
    return ClaimRow(
        id=row.id,
        coupon_id=row.coupon_id,
        user_id=row.user_id,
        slot=row.slot,
        code=row.code,
        state=row.state,
        community_code=row.community_code,
        claimed_at=row.claimed_at,
        redeemed_at=row.redeemed_at,
    )


def _redemption(row: CouponRedemption) -> RedemptionRow:
    return RedemptionRow(
        id=row.id,
        claim_id=row.claim_id,
        coupon_id=row.coupon_id,
        place_id=row.place_id,
        community_code=row.community_code,
        redeemed_by=row.redeemed_by,
        spent_fen=row.spent_fen,
        discount_fen=row.discount_fen,
        redeemed_at=row.redeemed_at,
        undone_at=row.undone_at,
    )


def count_claims(session: Session, *, coupon_id: int, user_id: int) -> int:
    """How many claims of a coupon an account holds."""
    found = session.scalar(
        select(func.count())
        .select_from(CouponClaim)
        .where(CouponClaim.coupon_id == coupon_id, CouponClaim.user_id == user_id)
    )
    return int(found or 0)


def _slot_taken(session: Session, *, coupon_id: int, user_id: int, slot: int) -> bool:
    found = session.scalar(
        select(CouponClaim.id).where(
            CouponClaim.coupon_id == coupon_id,
            CouponClaim.user_id == user_id,
            CouponClaim.slot == slot,
        )
    )
    return found is not None


def add_claim(
    session: Session,
    *,
    coupon_id: int,
    user_id: int,
    limit: int,
    community_code: str | None,
    new_code: Callable[[], str],
) -> ClaimRow | None:
    """Store a claim in the account's first free slot of ``1..limit``; ``None`` if none is.

    Each slot is tried by an ``INSERT`` in a savepoint: the unique constraint decides
    between concurrent claims of one account (on PostgreSQL the second waits for the
    first to commit, then takes the next slot or finds none). A code that is taken
    (another claim drew the same random digits) is drawn again.
    """
    slot = count_claims(session, coupon_id=coupon_id, user_id=user_id) + 1
    attempts = 0
    while slot <= limit:
        row = CouponClaim(
            coupon_id=coupon_id,
            user_id=user_id,
            slot=slot,
            code=new_code(),
            state=ClaimState.CLAIMED.value,
            community_code=community_code,
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            if _slot_taken(session, coupon_id=coupon_id, user_id=user_id, slot=slot):
                slot += 1
                continue
            attempts += 1  # the code was taken
            if attempts >= CODE_ATTEMPTS:
                raise
            continue
        return _claim(row)
    return None


def claim_by_code(session: Session, *, code: str) -> ClaimRow | None:
    """The claim of a redemption code, or ``None``."""
    row = session.scalar(select(CouponClaim).where(CouponClaim.code == code))
    return None if row is None else _claim(row)


def claim_of_user(session: Session, *, claim_id: int, user_id: int) -> ClaimRow | None:
    """An account's claim by id (``None`` if it is not theirs: another's is never shown)."""
    row = session.scalar(
        select(CouponClaim).where(CouponClaim.id == claim_id, CouponClaim.user_id == user_id)
    )
    return None if row is None else _claim(row)


def claims_of_user(
    session: Session, *, user_id: int, limit: int = 100, offset: int = 0
) -> tuple[list[ClaimRow], int]:
    """An account's claims, newest first, and how many it has."""
    where = CouponClaim.user_id == user_id
    total = session.scalar(select(func.count()).select_from(CouponClaim).where(where)) or 0
    rows = session.scalars(
        select(CouponClaim)
        .where(where)
        .order_by(CouponClaim.claimed_at.desc(), CouponClaim.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [_claim(r) for r in rows], int(total)


def mark_redeemed(session: Session, *, claim_id: int, at: datetime) -> bool:
    """Turn a claim from ``claimed`` to ``redeemed``; whether it was still ``claimed``.

    The one conditional ``UPDATE`` that makes a code redeem once: of concurrent
    redemptions exactly one finds ``state = 'claimed'`` (PostgreSQL re-checks the
    condition after the first commits; SQLite runs writers one at a time).
    """
    result = session.execute(
        update(CouponClaim)
        .where(CouponClaim.id == claim_id, CouponClaim.state == ClaimState.CLAIMED.value)
        .values(state=ClaimState.REDEEMED.value, redeemed_at=at),
        execution_options=NO_SYNC,
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_claimed_again(session: Session, *, claim_id: int) -> bool:
    """Turn a redeemed claim back to ``claimed`` (an undone redemption); whether it was."""
    result = session.execute(
        update(CouponClaim)
        .where(CouponClaim.id == claim_id, CouponClaim.state == ClaimState.REDEEMED.value)
        .values(state=ClaimState.CLAIMED.value, redeemed_at=None),
        execution_options=NO_SYNC,
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def add_redemption(
    session: Session,
    *,
    claim: ClaimRow,
    place_id: int,
    community_code: str | None,
    redeemed_by: int,
    spent_fen: int,
    discount_fen: int,
    at: datetime,
) -> RedemptionRow:
    """Store a redemption of ``claim`` at a shop (in the transaction of :func:`mark_redeemed`)."""
    row = CouponRedemption(
        claim_id=claim.id,
        coupon_id=claim.coupon_id,
        place_id=place_id,
        community_code=community_code,
        redeemed_by=redeemed_by,
        spent_fen=spent_fen,
        discount_fen=discount_fen,
        redeemed_at=at,
    )
    session.add(row)
    session.flush()
    return _redemption(row)


def redemption_at(session: Session, *, redemption_id: int, place_id: int) -> RedemptionRow | None:
    """A redemption made at a shop, or ``None``."""
    row = session.scalar(
        select(CouponRedemption)
        .where(CouponRedemption.id == redemption_id, CouponRedemption.place_id == place_id)
        .execution_options(populate_existing=True)
    )
    return None if row is None else _redemption(row)


def mark_undone(
    session: Session, *, redemption_id: int, by: int, at: datetime, not_before: datetime
) -> bool:
    """Undo a live redemption made at or after ``not_before``; whether it was undone.

    Conditional like :func:`mark_redeemed`: of concurrent undos one succeeds, and none
    succeeds once the window has passed.
    """
    result = session.execute(
        update(CouponRedemption)
        .where(
            CouponRedemption.id == redemption_id,
            CouponRedemption.undone_at.is_(None),
            CouponRedemption.redeemed_at >= not_before,
        )
        .values(undone_at=at, undone_by=by),
        execution_options=NO_SYNC,
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Expiring:
    """A claimed, unused coupon whose validity ends soon."""

    claim_id: int
    user_id: int
    coupon_id: int
    title: str
    valid_until: datetime


def claims_expiring(session: Session, *, now: datetime, until: datetime) -> list[Expiring]:
    """The unused claims of active coupons ending in ``(now, until]``, by end then id."""
    rows = session.execute(
        select(CouponClaim.id, CouponClaim.user_id, Coupon.id, Coupon.title, Coupon.valid_until)
        .join(Coupon, Coupon.id == CouponClaim.coupon_id)
        .where(
            CouponClaim.state == ClaimState.CLAIMED.value,
            Coupon.status == "active",
            Coupon.valid_until > now,
            Coupon.valid_until <= until,
        )
        .order_by(Coupon.valid_until, CouponClaim.id)
    ).all()
    return [Expiring(*row) for row in rows]


@dataclass(frozen=True)
class ShopRedemption:
    """A redemption in a shop's list: with its coupon's title and the code's last digits."""

    redemption: RedemptionRow
    title: str
    code_tail: str


@dataclass(frozen=True)
class RedemptionTotals:
    """Live (not undone) redemptions of a period: how many, spent and discounted, in fen."""

    count: int
    spent_fen: int
    discount_fen: int
    undone: int


def _in_shop(place_id: int, since: datetime, until: datetime) -> list[Any]:
    return [
        CouponRedemption.place_id == place_id,
        CouponRedemption.redeemed_at >= since,
        CouponRedemption.redeemed_at < until,
    ]


def shop_redemptions(
    session: Session, *, place_id: int, since: datetime, until: datetime, limit: int, offset: int
) -> list[ShopRedemption]:
    """A shop's redemptions made in ``[since, until)``, oldest first (undone ones too)."""
    rows = session.execute(
        select(CouponRedemption, Coupon.title, CouponClaim.code)
        .join(Coupon, Coupon.id == CouponRedemption.coupon_id)
        .join(CouponClaim, CouponClaim.id == CouponRedemption.claim_id)
        .where(*_in_shop(place_id, since, until))
        .order_by(CouponRedemption.redeemed_at, CouponRedemption.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return [ShopRedemption(_redemption(row), title, code[-4:]) for row, title, code in rows]


def redemption_totals(
    session: Session, *, place_id: int, since: datetime, until: datetime
) -> RedemptionTotals:
    """Totals of a shop's redemptions in ``[since, until)``: sums in SQL, integers."""
    live = CouponRedemption.undone_at.is_(None)
    row = session.execute(
        select(
            func.count().filter(live),
            func.coalesce(func.sum(CouponRedemption.spent_fen).filter(live), 0),
            func.coalesce(func.sum(CouponRedemption.discount_fen).filter(live), 0),
            func.count().filter(CouponRedemption.undone_at.is_not(None)),
        ).where(*_in_shop(place_id, since, until))
    ).one()
    return RedemptionTotals(int(row[0]), int(row[1]), int(row[2]), int(row[3]))
