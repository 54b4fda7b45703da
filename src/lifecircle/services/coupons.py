"""Merchants' coupons: create, list, pause or end, change the quantity; the public view.

A shop's coupon is issued by the shop (``issuer_kind`` ``shop``) and valid at that shop;
the table of valid shops leaves room for a campaign's coupons, valid at every shop that
joins it. Every change is audited in its own transaction, filed under the shop's
community. Residents are told of their coupons about to expire by
:func:`send_expiry_notices`, which a scheduler (or ``lifecircle coupons notify``) runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from lifecircle.core.coupons import Rule, rule_problems
from lifecircle.errors import ConflictError, NotFoundError, ValidationError
from lifecircle.store import coupon_claims, coupons, owners
from lifecircle.store.audit import record_merchant_change
from lifecircle.store.cities import get_city
from lifecircle.store.coupons import CouponRow, CouponStatus, IssuerKind
from lifecircle.store.db import session_scope
from lifecircle.store.models import utc_now
from lifecircle.store.notifications import notify
from lifecircle.store.versions import touch_places

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

MAX_QUANTITY = 10_000_000
"""The most coupons one coupon row may issue."""
MAX_PER_PERSON = 100
"""The highest per-person limit (a slot row each)."""


@dataclass(frozen=True)
class CouponSpec:
    """A new coupon as the merchant describes it (money in fen, times aware)."""

    title: str
    kind: str
    quantity: int
    valid_from: datetime
    valid_until: datetime
    amount_off_fen: int | None = None
    percent_off: int | None = None
    max_discount_fen: int | None = None
    min_spend_fen: int = 0
    per_person_limit: int = 1
    description: str = ""
    communities: tuple[str, ...] = ()


def _check_spec(spec: CouponSpec, now: datetime) -> None:
    rule = Rule(
        kind=spec.kind,
        amount_off_fen=spec.amount_off_fen,
        percent_off=spec.percent_off,
        max_discount_fen=spec.max_discount_fen,
        min_spend_fen=spec.min_spend_fen,
    )
    problems = rule_problems(rule)
    if spec.valid_from.tzinfo is None or spec.valid_until.tzinfo is None:
        problems.append(("valid_from", "give times with their zone (e.g. +08:00)"))
    elif spec.valid_until <= spec.valid_from:
        problems.append(("valid_until", "must be after valid_from"))
    elif spec.valid_until <= now:
        problems.append(("valid_until", "is in the past: the coupon would never be valid"))
    if not 1 <= spec.quantity <= MAX_QUANTITY:
        problems.append(("quantity", f"must be 1 to {MAX_QUANTITY}"))
    if not 1 <= spec.per_person_limit <= min(MAX_PER_PERSON, max(spec.quantity, 1)):
        problems.append(("per_person_limit", f"must be 1 to {MAX_PER_PERSON} and <= quantity"))
    if not spec.title.strip():
        problems.append(("title", "must not be empty"))
    if problems:
        field, _ = problems[0]
        raise ValidationError("; ".join(f"{f}: {p}" for f, p in problems), field=field)


def _audit(
    session: Session,
    *,
    shop: owners.Shop,
    user_id: int,
    coupon_id: int,
    action: str,
    before: CouponRow | None,
    after: CouponRow | None,
) -> None:
    record_merchant_change(
        session,
        shop=shop,
        merchant_id=user_id,
        entity="coupon",
        entity_id=coupon_id,
        action=action,
        before=None if before is None else before.audit_view(),
        after=None if after is None else after.audit_view(),
    )


def _reread(session: Session, coupon_id: int) -> CouponRow:
    row = coupons.get_coupon(session, coupon_id=coupon_id, count_redeemed=True)
    if row is None:  # pragma: no cover - read in the transaction that holds it
        raise NotFoundError(f"no coupon with id {coupon_id}", field="coupon_id")
    return row


def create_coupon(*, engine: Engine, user_id: int, place_id: int, spec: CouponSpec) -> CouponRow:
    """A merchant's new coupon of their shop ``place_id``, valid at that shop.

    Raises
    ------
    NotFoundError
        If the merchant owns no such shop.
    ValidationError
        If the rule, the window, the quantities or a community code is wrong (the
        field is named).

    """
    now = utc_now()
    _check_spec(spec, now)
    with session_scope(engine, write=True) as session:
        shop = owners.require_owned(session, place_id=place_id, user_id=user_id)
        codes = sorted({c.strip() for c in spec.communities})
        unknown = set(codes) - coupons.known_communities(session, city_id=shop.city_id, codes=codes)
        if unknown:
            raise ValidationError(
                f"no community with code {', '.join(sorted(unknown))} in this city",
                field="communities",
            )
        coupon_id = coupons.add_coupon(
            session,
            values={
                "city_id": shop.city_id,
                "issuer_kind": IssuerKind.SHOP.value,
                "issuer_place_id": shop.place_id,
                "created_by": user_id,
                "title": spec.title.strip(),
                "description": spec.description,
                "kind": spec.kind,
                "amount_off_fen": spec.amount_off_fen,
                "percent_off": spec.percent_off,
                "max_discount_fen": spec.max_discount_fen,
                "min_spend_fen": spec.min_spend_fen,
                "quantity": spec.quantity,
                "per_person_limit": spec.per_person_limit,
                "claimed": 0,
                "valid_from": spec.valid_from,
                "valid_until": spec.valid_until,
                "status": CouponStatus.ACTIVE.value,
                "created_at": now,
                "updated_at": now,
            },
            shop_ids=[shop.place_id],
            communities=codes,
        )
        touch_places(session, place_ids=[shop.place_id])  # nearby search counts it
        created = _reread(session, coupon_id)
        _audit(
            session,
            shop=shop,
            user_id=user_id,
            coupon_id=coupon_id,
            action="create",
            before=None,
            after=created,
        )
        return created


def shop_coupons(*, engine: Engine, user_id: int, place_id: int) -> list[CouponRow]:
    """The coupons the merchant's shop issued, newest first, with their counts."""
    with session_scope(engine) as session:
        owners.require_owned(session, place_id=place_id, user_id=user_id)
        return coupons.coupons_issued_by(session, place_id=place_id)


def _issued_coupon(session: Session, *, place_id: int, coupon_id: int) -> CouponRow:
    row = coupons.get_coupon(session, coupon_id=coupon_id, count_redeemed=True)
    if row is None or row.issuer_place_id != place_id:
        raise NotFoundError(f"the shop issued no coupon with id {coupon_id}", field="coupon_id")
    return row


def update_coupon(
    *,
    engine: Engine,
    user_id: int,
    place_id: int,
    coupon_id: int,
    status: CouponStatus | None = None,
    quantity: int | None = None,
) -> CouponRow:
    """Pause, resume or end a shop's coupon, or change its quantity; audited.

    Raises
    ------
    NotFoundError
        If the merchant owns no such shop, or the shop issued no such coupon.
    ConflictError
        If the coupon has ended (final), or the quantity is below the claimed count.
    ValidationError
        If nothing is to change, or the quantity is out of bounds.

    """
    if status is None and quantity is None:
        raise ValidationError("give a status or a quantity to change", field="status")
    if quantity is not None and not 1 <= quantity <= MAX_QUANTITY:
        raise ValidationError(f"quantity must be 1 to {MAX_QUANTITY}", field="quantity")
    now = utc_now()
    with session_scope(engine, write=True) as session:
        shop = owners.require_owned(session, place_id=place_id, user_id=user_id)
        before = _issued_coupon(session, place_id=place_id, coupon_id=coupon_id)
        changes_status = status is not None and status.value != before.status
        if (
            changes_status
            and status is not None
            and not coupons.set_status(session, coupon_id=coupon_id, status=status, at=now)
        ):
            raise ConflictError("the coupon has ended: it cannot change", field="status")
        if quantity is not None and quantity != before.quantity:
            if before.status == CouponStatus.ENDED.value:
                raise ConflictError("the coupon has ended: it cannot change", field="quantity")
            if not coupons.set_quantity(session, coupon_id=coupon_id, quantity=quantity, at=now):
                claimed = _reread(session, coupon_id).claimed
                raise ConflictError(
                    f"quantity {quantity} is below the {claimed} already claimed",
                    field="quantity",
                )
        after = _reread(session, coupon_id)
        if (after.status, after.quantity) != (before.status, before.quantity):
            touch_places(session, place_ids=after.shop_ids)  # active or not, any left
        if after != before:
            _audit(
                session,
                shop=shop,
                user_id=user_id,
                coupon_id=coupon_id,
                action="update",
                before=before,
                after=after,
            )
        return after


def place_coupons(*, engine: Engine, city: str, uid: str) -> list[CouponRow]:
    """The active coupons valid at a city's place (by uid) that have not ended."""
    with session_scope(engine) as session:
        city_id = get_city(session, name=city).id
        place_id = owners.place_id_by_uid(session, city_id=city_id, uid=uid)
        return coupons.coupons_valid_at(session, place_id=place_id, now=utc_now())


def public_coupon(*, engine: Engine, coupon_id: int) -> CouponRow:
    """One coupon as anyone may see it.

    Raises
    ------
    NotFoundError
        If there is no such coupon.

    """
    with session_scope(engine) as session:
        row = coupons.get_coupon(session, coupon_id=coupon_id)
    if row is None:
        raise NotFoundError(f"no coupon with id {coupon_id}", field="coupon_id")
    return row


def send_expiry_notices(*, engine: Engine, now: datetime | None = None, hours: int = 24) -> int:
    """Tell residents of their unused coupons that expire within ``hours``; how many were told.

    Idempotent: each claim is told once (the notification key is the claim's), so a
    scheduler may run this as often as it likes, and two runs at once send each once.
    """
    now = utc_now() if now is None else now
    if now.tzinfo is None:
        raise ValidationError("give the time with its zone", field="now")
    sent = 0
    with session_scope(engine, write=True) as session:
        for item in coupon_claims.claims_expiring(
            session, now=now, until=now + timedelta(hours=hours)
        ):
            left_h = max(int((item.valid_until - now).total_seconds() // 3600), 0)
            added = notify(
                session,
                user_id=item.user_id,
                kind="coupon_expiring",
                title=f"优惠券即将过期：{item.title}",
                body=f"您领取的优惠券将在约 {left_h} 小时后过期，请尽快到店使用。",
                data={"coupon_id": item.coupon_id, "claim_id": item.claim_id},
                key=f"coupon-expiring:{item.claim_id}",
            )
            sent += added is not None
    return sent
