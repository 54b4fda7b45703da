"""Residents claim coupons: never beyond the quantity or the per-person limit; their codes.

A claim is one transaction: the account's first free per-person slot (an ``INSERT``
that the unique ``(coupon_id, user_id, slot)`` decides) and the coupon's counter (one
conditional ``UPDATE``, ``claimed < quantity``). Either fails, the whole claim rolls
back. The code is 11 random digits from :mod:`secrets` and a Luhn check digit, so a
mistyped code is told apart from an unknown one. The QR code image (segno) carries the
digits alone: the shop's scanner types them as a person would.

Communities: a coupon restricted to communities is claimed by giving ``community``, the
resident's own community, at claim time. Accounts hold no home community (the platform
stores no addresses), so this is the resident's declaration: it is kept with the claim,
and a shop may ask to see proof of residence as it would for a paper coupon.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lifecircle.core.coupons import luhn_digit
from lifecircle.errors import (
    ConflictError,
    NotFoundError,
    OptionalDependencyError,
    PermissionDeniedError,
    ValidationError,
)
from lifecircle.store import coupon_claims, coupons, homes
from lifecircle.store.coupons import (
    CODE_DIGITS,
    ClaimState,
    CouponRow,
    CouponStatus,
    IssuerKind,
)
from lifecircle.store.db import session_scope
from lifecircle.store.models import utc_now
from lifecircle.store.versions import touch_places

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from lifecircle.store.coupon_claims import ClaimRow


def new_code() -> str:
    """A redemption code: 11 random digits (:mod:`secrets`) and a Luhn check digit."""
    body = f"{secrets.randbelow(10 ** (CODE_DIGITS - 1)):0{CODE_DIGITS - 1}d}"
    return body + luhn_digit(body)


@dataclass(frozen=True)
class ClaimedCoupon:
    """A resident's claimed coupon with its coupon, and its state now.

    ``state`` is ``claimed`` (usable), ``redeemed``, or ``expired`` (claimed, unused,
    past its validity or the coupon ended).
    """

    claim: ClaimRow
    coupon: CouponRow
    state: str


def _state(claim: ClaimRow, coupon: CouponRow, now: datetime) -> str:
    if claim.state == ClaimState.REDEEMED.value:
        return "redeemed"
    if coupon.valid_until <= now or coupon.status == CouponStatus.ENDED.value:
        return "expired"
    return "claimed"


def claim_in(
    session: Session, *, coupon: CouponRow, user_id: int, community_code: str | None
) -> ClaimedCoupon:
    """Claim ``coupon`` for a resident in the caller's write transaction: a new code.

    The one claim path of every coupon (a shop's, a campaign's): the first free
    per-person slot, then the coupon's counter (``claimed < quantity``). The caller has
    checked who may claim; ``community_code`` is kept with the claim.

    Raises
    ------
    ConflictError
        If the coupon is paused, ended or expired, all are claimed, or the resident
        holds their per-person limit already (each says which).

    """
    now = utc_now()
    if coupon.status != CouponStatus.ACTIVE.value:
        raise ConflictError(f"the coupon is {coupon.status}: it cannot be claimed")
    if coupon.valid_until <= now:
        raise ConflictError("the coupon has expired: it cannot be claimed")
    if coupon.claimed >= coupon.quantity:  # a quick refusal; take_one decides a success
        raise ConflictError("all of this coupon's quantity is claimed", field="coupon_id")
    claim = coupon_claims.add_claim(
        session,
        coupon_id=coupon.id,
        user_id=user_id,
        limit=coupon.per_person_limit,
        community_code=community_code,
        new_code=new_code,
    )
    if claim is None:
        raise ConflictError(
            f"you hold this coupon's per-person limit ({coupon.per_person_limit}) already",
            field="coupon_id",
        )
    if not coupons.take_one(session, coupon_id=coupon.id):
        # raising rolls the transaction back: the slot taken above goes too; a pause
        # committed meanwhile is told as such (the UPDATE saw it: a new read does)
        now_row = coupons.get_coupon(session, coupon_id=coupon.id)
        if now_row is not None and now_row.status != CouponStatus.ACTIVE.value:
            raise ConflictError(f"the coupon is {now_row.status}: it cannot be claimed")
        raise ConflictError("all of this coupon's quantity is claimed", field="coupon_id")
    coupon = coupons.get_coupon(session, coupon_id=coupon.id) or coupon
    if coupon.claimed >= coupon.quantity:  # the last one: nearby search stops counting it
        touch_places(session, place_ids=coupon.shop_ids)
    return ClaimedCoupon(claim, coupon, _state(claim, coupon, now))


def claim_coupon(
    *, engine: Engine, user_id: int, coupon_id: int, community: str | None = None
) -> ClaimedCoupon:
    """Claim a coupon for a resident: a new one-time code.

    Raises
    ------
    NotFoundError
        If there is no such coupon.
    ConflictError
        If the coupon is paused, ended or expired, all are claimed, the resident
        holds their per-person limit already (each says which), or it is a campaign's
        voucher (claimed through its campaign, by the resident's home).
    ValidationError
        If the coupon is for chosen communities and ``community`` is missing (and the
        resident's home, :mod:`lifecircle.store.homes`, is in no community of the
        coupon's city), or ``community`` is no community of the coupon's city.
    PermissionDeniedError
        If the coupon is for other communities than ``community``.

    """
    with session_scope(engine, write=True) as session:
        coupon = coupons.get_coupon(session, coupon_id=coupon_id)
        if coupon is None:
            raise NotFoundError(f"no coupon with id {coupon_id}", field="coupon_id")
        if coupon.issuer_kind == IssuerKind.CAMPAIGN.value:
            raise ConflictError(
                "this is a campaign's voucher: claim it through its campaign "
                "(POST /campaigns/{id}/claims)",
                field="coupon_id",
            )
        code = None if community is None else community.strip()
        if code is None:  # the resident's home community, if their home is in this city
            home = homes.get_home(session, user_id=user_id)
            if home is not None and home.city_id == coupon.city_id:
                code = home.community_code
        if code is not None and not coupons.known_communities(
            session, city_id=coupon.city_id, codes=[code]
        ):
            raise ValidationError(f"no community with code {code!r} here", field="community")
        if coupon.communities:
            if code is None:
                raise ValidationError(
                    "this coupon is for residents of chosen communities: give your community",
                    field="community",
                )
            if code not in coupon.communities:
                raise PermissionDeniedError(
                    "this coupon is only for residents of the communities "
                    + ", ".join(coupon.communities),
                    field="community",
                )
        return claim_in(session, coupon=coupon, user_id=user_id, community_code=code)


def my_coupons(
    *, engine: Engine, user_id: int, limit: int = 100, offset: int = 0
) -> tuple[list[ClaimedCoupon], int]:
    """A resident's claimed coupons, newest first, with their state; and how many."""
    now = utc_now()
    with session_scope(engine) as session:
        claims, total = coupon_claims.claims_of_user(
            session, user_id=user_id, limit=limit, offset=offset
        )
        held: dict[int, CouponRow] = {}
        for claim in claims:
            if claim.coupon_id not in held:
                found = coupons.get_coupon(session, coupon_id=claim.coupon_id)
                if found is not None:
                    held[claim.coupon_id] = found
    items = [
        ClaimedCoupon(c, held[c.coupon_id], _state(c, held[c.coupon_id], now))
        for c in claims
        if c.coupon_id in held
    ]
    return items, total


def my_claim(*, engine: Engine, user_id: int, claim_id: int) -> ClaimedCoupon:
    """One of the resident's claims (another's is 404, as a missing one).

    Raises
    ------
    NotFoundError
        If the account holds no claim of that id.

    """
    with session_scope(engine) as session:
        claim = coupon_claims.claim_of_user(session, claim_id=claim_id, user_id=user_id)
        coupon = None if claim is None else coupons.get_coupon(session, coupon_id=claim.coupon_id)
    if claim is None or coupon is None:
        raise NotFoundError(f"you hold no claimed coupon with id {claim_id}", field="claim_id")
    return ClaimedCoupon(claim, coupon, _state(claim, coupon, utc_now()))


def qr_image(code: str, *, kind: str, scale: int = 8) -> bytes:
    """The QR code of a redemption code as an SVG or PNG image (``kind``: ``svg``, ``png``).

    Error correction level M (15 % of the symbol may be damaged), a 4-module quiet zone.
    """
    try:
        import segno  # noqa: PLC0415 - the api extra
    except ImportError as exc:  # pragma: no cover - installed with the api extra
        raise OptionalDependencyError("segno", "api") from exc
    qr = segno.make(code, error="m", micro=False)
    out = io.BytesIO()
    qr.save(out, kind=kind, scale=scale, border=4)
    return out.getvalue()
