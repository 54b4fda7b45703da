"""Coupons, claims and redemptions (the tables), and the coupons' queries.

A coupon has an *issuer* (``issuer_kind``: ``shop``, its ``issuer_place_id``; or
``campaign``, a consumption-voucher campaign whose row names the coupon: see
:mod:`lifecircle.store.campaigns`) and a set
of shops where it is valid (:class:`CouponShop`): a shop's coupon is valid at that shop,
a campaign's at every participating shop. :class:`CouponCommunity` rows restrict it to
residents of chosen communities (none: everyone). ``claimed`` counts the claims; it
only ever moves through :func:`take_one`, a conditional ``UPDATE`` that cannot pass
``quantity`` whatever the concurrency. A claim (:class:`CouponClaim`) carries a one-time
code; a redemption (:class:`CouponRedemption`) records the spend and the discount. The
claims' and redemptions' queries are in :mod:`lifecircle.store.coupon_claims`. Money is
integer fen.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime  # noqa: TC003 - SQLAlchemy reads the annotations
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from lifecircle.store.models import CODE_LENGTH, Base, Community, UTCDateTime, utc_now

if TYPE_CHECKING:
    from collections.abc import Collection

    from sqlalchemy.orm import Session

NO_SYNC = {"synchronize_session": False}
"""Conditional updates leave loaded objects alone: the callers read again."""

STATE_LENGTH = 16
"""Longest kind, status or state name."""


class CouponKind(enum.StrEnum):
    """How a coupon's discount is computed (see :mod:`lifecircle.core.coupons`)."""

    FIXED = "fixed"
    PERCENT = "percent"
    THRESHOLD = "threshold"


class CouponStatus(enum.StrEnum):
    """Whether a coupon can be claimed and redeemed: ``ended`` is final."""

    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


class IssuerKind(enum.StrEnum):
    """Who issues a coupon: a shop, or a consumption-voucher campaign."""

    SHOP = "shop"
    CAMPAIGN = "campaign"


class Coupon(Base):
    """A coupon: its rule, its quantity and counter, its validity window and status."""

    __tablename__ = "coupons"
    __table_args__ = (Index(None, "city_id", "valid_until"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    issuer_kind: Mapped[str] = mapped_column(String(STATE_LENGTH))
    issuer_place_id: Mapped[int | None] = mapped_column(
        ForeignKey("places.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(STATE_LENGTH))
    amount_off_fen: Mapped[int | None] = mapped_column(Integer)
    percent_off: Mapped[int | None] = mapped_column(Integer)
    max_discount_fen: Mapped[int | None] = mapped_column(Integer)
    min_spend_fen: Mapped[int] = mapped_column(Integer, default=0)
    quantity: Mapped[int] = mapped_column(Integer)
    per_person_limit: Mapped[int] = mapped_column(Integer, default=1)
    claimed: Mapped[int] = mapped_column(Integer, default=0)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(STATE_LENGTH), default=CouponStatus.ACTIVE.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class CouponShop(Base):
    """A shop (an owned place) where a coupon may be redeemed."""

    __tablename__ = "coupon_shops"

    coupon_id: Mapped[int] = mapped_column(
        ForeignKey("coupons.id", ondelete="CASCADE"), primary_key=True
    )
    place_id: Mapped[int] = mapped_column(
        ForeignKey("places.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class CouponCommunity(Base):
    """A community whose residents may claim a coupon (no rows: everyone may)."""

    __tablename__ = "coupon_communities"

    coupon_id: Mapped[int] = mapped_column(
        ForeignKey("coupons.id", ondelete="CASCADE"), primary_key=True
    )
    community_code: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)


class ClaimState(enum.StrEnum):
    """A claimed coupon's state: ``claimed`` (its code usable) or ``redeemed``."""

    CLAIMED = "claimed"
    REDEEMED = "redeemed"


CODE_DIGITS = 12
"""Digits of a redemption code."""


class CouponClaim(Base):
    """A resident's claimed coupon: its slot (1..per-person limit) and one-time code.

    ``(coupon_id, user_id, slot)`` is unique: a resident holds at most ``per_person_limit``
    claims of a coupon whatever the concurrency. ``community_code`` is the community the
    resident gave when claiming (for coupons restricted to communities).
    """

    __tablename__ = "coupon_claims"
    __table_args__ = (
        UniqueConstraint("coupon_id", "user_id", "slot"),
        Index(None, "user_id", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coupon_id: Mapped[int] = mapped_column(ForeignKey("coupons.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    slot: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(CODE_DIGITS), unique=True)
    state: Mapped[str] = mapped_column(String(STATE_LENGTH), default=ClaimState.CLAIMED.value)
    community_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CouponRedemption(Base):
    """A redemption in a shop: the amount spent and the discount, and its undoing.

    At most one redemption of a claim is live (``undone_at`` null): the partial unique
    index says so in the database, beside the conditional ``UPDATE`` of the claim.
    """

    __tablename__ = "coupon_redemptions"
    __table_args__ = (
        Index(None, "place_id", "redeemed_at"),
        Index(
            "uq_coupon_redemptions_live_claim",
            "claim_id",
            unique=True,
            sqlite_where=text("undone_at IS NULL"),
            postgresql_where=text("undone_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(
        ForeignKey("coupon_claims.id", ondelete="CASCADE"), index=True
    )
    coupon_id: Mapped[int] = mapped_column(ForeignKey("coupons.id", ondelete="CASCADE"), index=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"))
    community_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    redeemed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    spent_fen: Mapped[int] = mapped_column(Integer)
    discount_fen: Mapped[int] = mapped_column(Integer)
    redeemed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    undone_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


@dataclass(frozen=True)
class CouponRow:
    """A coupon as read back, with its shops, communities and redeemed count."""

    id: int
    city_id: int
    issuer_kind: str
    issuer_place_id: int | None
    title: str
    description: str
    kind: str
    amount_off_fen: int | None
    percent_off: int | None
    max_discount_fen: int | None
    min_spend_fen: int
    quantity: int
    per_person_limit: int
    claimed: int
    redeemed: int | None
    valid_from: datetime
    valid_until: datetime
    status: str
    created_at: datetime
    shop_ids: tuple[int, ...]
    communities: tuple[str, ...]

    @property
    def remaining(self) -> int:
        """Coupons left to claim."""
        return max(self.quantity - self.claimed, 0)

    def audit_view(self) -> dict[str, Any]:
        """The JSON-ready view the audit log keeps (money in fen, times ISO)."""
        return {
            "title": self.title,
            "kind": self.kind,
            "amount_off_fen": self.amount_off_fen,
            "percent_off": self.percent_off,
            "max_discount_fen": self.max_discount_fen,
            "min_spend_fen": self.min_spend_fen,
            "quantity": self.quantity,
            "per_person_limit": self.per_person_limit,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat(),
            "status": self.status,
            "shop_ids": list(self.shop_ids),
            "communities": list(self.communities),
        }


def add_coupon(
    session: Session,
    *,
    values: dict[str, Any],
    shop_ids: Collection[int],
    communities: Collection[str],
) -> int:
    """Store a coupon (``values``: its columns) valid at ``shop_ids``; returns its id."""
    coupon = Coupon(**values)
    session.add(coupon)
    session.flush()
    session.add_all(CouponShop(coupon_id=coupon.id, place_id=p) for p in sorted(set(shop_ids)))
    session.add_all(
        CouponCommunity(coupon_id=coupon.id, community_code=c) for c in sorted(set(communities))
    )
    session.flush()
    return coupon.id


def _redeemed_counts(session: Session, coupon_ids: list[int]) -> dict[int, int]:
    if not coupon_ids:
        return {}
    rows = session.execute(
        select(CouponClaim.coupon_id, func.count())
        .where(
            CouponClaim.coupon_id.in_(coupon_ids),
            CouponClaim.state == ClaimState.REDEEMED.value,
        )
        .group_by(CouponClaim.coupon_id)
    ).all()
    return {int(cid): int(n) for cid, n in rows}


def _rows(
    session: Session, coupons: list[Coupon], *, count_redeemed: bool = False
) -> list[CouponRow]:
    ids = [c.id for c in coupons]
    shops: dict[int, list[int]] = {i: [] for i in ids}
    codes: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        for cid, pid in session.execute(
            select(CouponShop.coupon_id, CouponShop.place_id)
            .where(CouponShop.coupon_id.in_(ids))
            .order_by(CouponShop.place_id)
        ):
            shops[cid].append(pid)
        for cid, code in session.execute(
            select(CouponCommunity.coupon_id, CouponCommunity.community_code)
            .where(CouponCommunity.coupon_id.in_(ids))
            .order_by(CouponCommunity.community_code)
        ):
            codes[cid].append(code)
    redeemed = _redeemed_counts(session, ids) if count_redeemed else None
    return [
        CouponRow(
            id=c.id,
            city_id=c.city_id,
            issuer_kind=c.issuer_kind,
            issuer_place_id=c.issuer_place_id,
            title=c.title,
            description=c.description,
            kind=c.kind,
            amount_off_fen=c.amount_off_fen,
            percent_off=c.percent_off,
            max_discount_fen=c.max_discount_fen,
            min_spend_fen=c.min_spend_fen,
            quantity=c.quantity,
            per_person_limit=c.per_person_limit,
            claimed=c.claimed,
            redeemed=None if redeemed is None else redeemed.get(c.id, 0),
            valid_from=c.valid_from,
            valid_until=c.valid_until,
            status=c.status,
            created_at=c.created_at,
            shop_ids=tuple(shops[c.id]),
            communities=tuple(codes[c.id]),
        )
        for c in coupons
    ]


def get_coupon(
    session: Session, *, coupon_id: int, count_redeemed: bool = False
) -> CouponRow | None:
    """One coupon, or ``None``; ``count_redeemed`` counts its redeemed claims (the owner's view).

    The count reads every redeemed claim of the coupon: claims and redemptions, which read
    the coupon on every request, leave it out (``redeemed`` is then ``None``).
    """
    coupon = session.get(Coupon, coupon_id, populate_existing=True)
    return None if coupon is None else _rows(session, [coupon], count_redeemed=count_redeemed)[0]


def coupons_issued_by(session: Session, *, place_id: int) -> list[CouponRow]:
    """The coupons a shop issued, newest first."""
    coupons = session.scalars(
        select(Coupon)
        .where(Coupon.issuer_place_id == place_id)
        .order_by(Coupon.created_at.desc(), Coupon.id.desc())
    ).all()
    return _rows(session, list(coupons), count_redeemed=True)


def coupons_valid_at(session: Session, *, place_id: int, now: datetime) -> list[CouponRow]:
    """The active coupons valid at a shop that have not ended by ``now``, soonest end first."""
    coupons = session.scalars(
        select(Coupon)
        .join(CouponShop, CouponShop.coupon_id == Coupon.id)
        .where(
            CouponShop.place_id == place_id,
            Coupon.status == CouponStatus.ACTIVE.value,
            Coupon.valid_until > now,
        )
        .order_by(Coupon.valid_until, Coupon.id)
    ).all()
    return _rows(session, list(coupons))


def take_one(session: Session, *, coupon_id: int) -> bool:
    """Count one more claim if any is left and the coupon is active; whether it was.

    One conditional ``UPDATE`` (``claimed < quantity``): the database, not Python,
    decides, so concurrent claims never pass the quantity.
    """
    result = session.execute(
        update(Coupon)
        .where(
            Coupon.id == coupon_id,
            Coupon.claimed < Coupon.quantity,
            Coupon.status == CouponStatus.ACTIVE.value,
        )
        .values(claimed=Coupon.claimed + 1),
        execution_options=NO_SYNC,
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def held_status(session: Session, *, coupon_id: int) -> str | None:
    """A coupon's status now, share-locked until the transaction ends (``None``: no coupon).

    A redemption reads it so: on PostgreSQL a pause committed meanwhile is seen (the lock
    reads the newest row) and a pause still to come waits for the redemption to commit;
    SQLite runs writers one at a time. Redemptions share the lock among themselves.
    """
    found = session.execute(
        select(Coupon.status).where(Coupon.id == coupon_id).with_for_update(read=True)
    ).scalar_one_or_none()
    return None if found is None else str(found)


def set_status(session: Session, *, coupon_id: int, status: CouponStatus, at: datetime) -> bool:
    """Pause, resume or end a coupon unless it has ended; whether it changed."""
    result = session.execute(
        update(Coupon)
        .where(Coupon.id == coupon_id, Coupon.status != CouponStatus.ENDED.value)
        .values(status=status.value, updated_at=at),
        execution_options=NO_SYNC,
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def set_quantity(session: Session, *, coupon_id: int, quantity: int, at: datetime) -> bool:
    """Change the quantity unless fewer than already claimed; whether it changed.

    Conditional on ``claimed <= quantity`` in the same ``UPDATE``: a claim counted in
    between cannot be left above the new quantity.
    """
    result = session.execute(
        update(Coupon)
        .where(Coupon.id == coupon_id, Coupon.claimed <= quantity)
        .values(quantity=quantity, updated_at=at),
        execution_options=NO_SYNC,
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def set_details(session: Session, *, coupon_id: int, values: dict[str, Any], at: datetime) -> None:
    """Change a coupon's plain fields (title, description, valid_until)."""
    session.execute(update(Coupon).where(Coupon.id == coupon_id).values(**values, updated_at=at))


def known_communities(session: Session, *, city_id: int, codes: Collection[str]) -> set[str]:
    """The codes of ``codes`` that are stored units of the city."""
    if not codes:
        return set()
    found = session.scalars(
        select(Community.code).where(Community.city_id == city_id, Community.code.in_(set(codes)))
    ).all()
    return set(found)
