"""Redeeming a claimed coupon in the shop, exactly once, and undoing it within a window.

A redemption is one transaction: the claim's conditional ``UPDATE`` (``claimed`` to
``redeemed``), the redemption row with the spend and the discount, the audit entry and
the shop owner's notification. Of any number of concurrent redemptions of one code
exactly one finds the claim ``claimed``; the others are answered 409. A process killed
midway leaves nothing: the transaction never committed.

Undo: the merchant may undo a redemption within ``redemption_undo_minutes`` (settings)
of it, for a mistake at the till (wrong amount, wrong customer). The claim becomes
``claimed`` again, so the resident's code works again: the coupon was not really used.
The undone redemption row stays (``undone_at``) and both steps are in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from lifecircle.core.coupons import Rule, discount_fen, luhn_valid
from lifecircle.errors import ConflictError, NotFoundError, ValidationError
from lifecircle.store import coupon_claims, coupons, owners
from lifecircle.store.audit import Actor, record_change
from lifecircle.store.coupons import CODE_DIGITS, ClaimState, CouponStatus
from lifecircle.store.db import session_scope
from lifecircle.store.models import utc_now
from lifecircle.store.notifications import notify

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from lifecircle.store.coupon_claims import RedemptionRow

MAX_SPEND_FEN = 1_000_000_000
"""The largest amount spent one redemption takes (10 million yuan)."""


@dataclass(frozen=True)
class Redeemed:
    """A redemption with its coupon's title and until when it may be undone."""

    redemption: RedemptionRow
    title: str
    undo_until: datetime

    @property
    def pay_fen(self) -> int:
        """What the customer pays: the spend less the discount."""
        return self.redemption.spent_fen - self.redemption.discount_fen


def checked_code(code: str) -> str:
    """A redemption code as typed (spaces and dashes dropped), checked.

    Raises
    ------
    ValidationError
        ``code`` if it is not :data:`CODE_DIGITS` digits or its check digit is wrong.

    """
    digits = "".join(ch for ch in code if ch not in " -")
    if len(digits) != CODE_DIGITS or not digits.isascii() or not digits.isdigit():
        raise ValidationError(f"a redemption code is {CODE_DIGITS} digits", field="code")
    if not luhn_valid(digits):
        raise ValidationError("the code's check digit is wrong: mistyped?", field="code")
    return digits


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _view(row: RedemptionRow) -> dict[str, Any]:
    return {
        "claim_id": row.claim_id,
        "coupon_id": row.coupon_id,
        "spent_fen": row.spent_fen,
        "discount_fen": row.discount_fen,
        "redeemed_at": row.redeemed_at.isoformat(),
        "undone_at": None if row.undone_at is None else row.undone_at.isoformat(),
    }


def redeem(
    *,
    engine: Engine,
    user_id: int,
    place_id: int,
    code: str,
    spent_fen: int,
    undo_minutes: int = 10,
) -> Redeemed:
    """Redeem a code at the merchant's shop for a spend of ``spent_fen``.

    Raises
    ------
    NotFoundError
        If the merchant owns no such shop, or no claim has this code.
    ValidationError
        If the code is malformed, the coupon is not valid at this shop, not valid yet or
        any more, or the spend is below its minimum (the field and reason are named).
    ConflictError
        If the code was used already, or the coupon is paused or ended.

    """
    digits = checked_code(code)
    if not 0 <= spent_fen <= MAX_SPEND_FEN:
        raise ValidationError(f"spent_fen must be 0 to {MAX_SPEND_FEN}", field="spent_fen")
    now = utc_now()
    with session_scope(engine, write=True) as session:
        shop = owners.require_owned(session, place_id=place_id, user_id=user_id)
        claim = coupon_claims.claim_by_code(session, code=digits)
        if claim is None:
            raise NotFoundError("no claimed coupon has this code", field="code")
        coupon = coupons.get_coupon(session, coupon_id=claim.coupon_id)
        if coupon is None:  # pragma: no cover - the claim's foreign key holds it
            raise NotFoundError("no claimed coupon has this code", field="code")
        if place_id not in coupon.shop_ids:
            raise ValidationError("this coupon is not valid at this shop", field="code")
        if claim.state == ClaimState.REDEEMED.value:
            raise ConflictError("this code has been used already", field="code")
        if coupon.status != CouponStatus.ACTIVE.value:
            raise ConflictError(f"the coupon is {coupon.status}", field="code")
        if now < coupon.valid_from:
            raise ValidationError(
                f"the coupon is valid from {coupon.valid_from.isoformat()} only", field="code"
            )
        if now >= coupon.valid_until:
            raise ValidationError(
                f"the coupon expired at {coupon.valid_until.isoformat()}", field="code"
            )
        rule = Rule(
            kind=coupon.kind,
            amount_off_fen=coupon.amount_off_fen,
            percent_off=coupon.percent_off,
            max_discount_fen=coupon.max_discount_fen,
            min_spend_fen=coupon.min_spend_fen,
        )
        off = discount_fen(rule, spent_fen)
        held = coupons.held_status(session, coupon_id=coupon.id)
        if held != CouponStatus.ACTIVE.value:  # paused or ended by a change just committed
            raise ConflictError(f"the coupon is {held}", field="code")
        if not coupon_claims.mark_redeemed(session, claim_id=claim.id, at=now):
            raise ConflictError("this code has been used already", field="code")
        row = coupon_claims.add_redemption(
            session,
            claim=claim,
            place_id=place_id,
            community_code=shop.community_code,
            redeemed_by=user_id,
            spent_fen=spent_fen,
            discount_fen=off,
            at=now,
        )
        record_change(
            session,
            city_id=shop.city_id,
            actor=Actor(id=user_id, role="merchant"),
            entity="redemption",
            entity_id=row.id,
            action="redeem",
            before=None,
            after=_view(row),
            place_id=place_id,
            community_code=shop.community_code,
        )
        notify(
            session,
            user_id=shop.owner_id,
            kind="redemption",
            title=f"优惠券已核销：{coupon.title}",
            body=f"消费 {_yuan(spent_fen)} 元，优惠 {_yuan(off)} 元。",
            data={"place_id": place_id, "coupon_id": coupon.id, "redemption_id": row.id},
        )
        return Redeemed(row, coupon.title, now + timedelta(minutes=undo_minutes))


def undo_redemption(
    *, engine: Engine, user_id: int, place_id: int, redemption_id: int, undo_minutes: int = 10
) -> Redeemed:
    """Undo a redemption at the merchant's shop within ``undo_minutes``; the code works again.

    Raises
    ------
    NotFoundError
        If the merchant owns no such shop, or it has no such redemption.
    ConflictError
        If it is undone already, or the window has passed.

    """
    now = utc_now()
    not_before = now - timedelta(minutes=undo_minutes)
    with session_scope(engine, write=True) as session:
        shop = owners.require_owned(session, place_id=place_id, user_id=user_id)
        before = coupon_claims.redemption_at(
            session, redemption_id=redemption_id, place_id=place_id
        )
        if before is None:
            raise NotFoundError(
                f"the shop has no redemption with id {redemption_id}", field="redemption_id"
            )
        if before.undone_at is not None:
            raise ConflictError("this redemption is undone already", field="redemption_id")
        if before.redeemed_at < not_before:
            raise ConflictError(
                f"a redemption can be undone within {undo_minutes} minutes only",
                field="redemption_id",
            )
        if not coupon_claims.mark_undone(
            session, redemption_id=redemption_id, by=user_id, at=now, not_before=not_before
        ) or not coupon_claims.mark_claimed_again(session, claim_id=before.claim_id):
            raise ConflictError("this redemption is undone already", field="redemption_id")
        after = coupon_claims.redemption_at(session, redemption_id=redemption_id, place_id=place_id)
        assert after is not None
        record_change(
            session,
            city_id=shop.city_id,
            actor=Actor(id=user_id, role="merchant"),
            entity="redemption",
            entity_id=redemption_id,
            action="undo",
            before=_view(before),
            after=_view(after),
            place_id=place_id,
            community_code=shop.community_code,
        )
        coupon = coupons.get_coupon(session, coupon_id=after.coupon_id)
        title = "" if coupon is None else coupon.title
        return Redeemed(after, title, before.redeemed_at + timedelta(minutes=undo_minutes))
