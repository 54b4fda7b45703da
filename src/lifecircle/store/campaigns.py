"""Consumption-voucher campaigns (消费券): the tables and their queries.

A campaign (:class:`Campaign`) is run by officials of a city, for the whole city or one
district or 街道 of it (``area_code``). Its vouchers are one coupon (``coupon_id``, of
``issuer_kind`` ``campaign``), so claims, codes and redemptions are the coupons' own:
the coupon's ``coupon_shops`` are the participating shops, its ``coupon_communities``
the communities the campaign is for, its ``per_person_limit`` the per-resident
allowance. The budget is reserved through the coupon's ``quantity``: ``budget_fen //
max_discount_fen`` vouchers, counted by the coupons' conditional ``UPDATE``, so the sum
of discounts can never pass the budget. :class:`CampaignCategory` rows restrict the
participating shops to categories (none: any shop). The report's aggregates are here
too. Money is integer fen.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime  # noqa: TC003 - SQLAlchemy reads the annotations
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from lifecircle.store.coupons import (
    NO_SYNC,
    STATE_LENGTH,
    CouponClaim,
    CouponCommunity,
    CouponRedemption,
    CouponShop,
)
from lifecircle.store.models import (
    CODE_LENGTH,
    Base,
    Community,
    Place,
    PlaceCategory,
    PlaceOwner,
    UTCDateTime,
    utc_now,
)

if TYPE_CHECKING:
    from collections.abc import Collection

    from sqlalchemy.orm import Session


class CampaignStatus(enum.StrEnum):
    """A campaign's life: ``draft`` (editable), ``open`` (vouchers claimed), ``closed``.

    ``paused``: an open campaign stopped for a while (a budget problem, a fraud alarm):
    nothing is claimed or redeemed until it opens again (or closes).
    """

    DRAFT = "draft"
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"


class Campaign(Base):
    """A consumption-voucher campaign: its budget, its area, its coupon and its status."""

    __tablename__ = "campaigns"
    __table_args__ = (Index(None, "city_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    area_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    coupon_id: Mapped[int] = mapped_column(
        ForeignKey("coupons.id", ondelete="CASCADE"), unique=True
    )
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    budget_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(STATE_LENGTH), default=CampaignStatus.DRAFT.value)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CampaignCategory(Base):
    """A taxonomy category whose shops may join a campaign (no rows: any shop)."""

    __tablename__ = "campaign_categories"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)


class CampaignExclusion(Base):
    """A shop an official took out of a campaign: its merchant cannot opt it in again.

    Only the campaign's officials enrol it again (which deletes the row).
    """

    __tablename__ = "campaign_exclusions"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    place_id: Mapped[int] = mapped_column(
        ForeignKey("places.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    excluded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    excluded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


@dataclass(frozen=True)
class CampaignRow:
    """A campaign as read back (its voucher rule is its coupon's)."""

    id: int
    city_id: int
    area_code: str | None
    coupon_id: int
    name: str
    description: str
    budget_fen: int
    status: str
    created_by: int | None
    created_at: datetime
    updated_at: datetime
    opened_at: datetime | None
    closed_at: datetime | None
    categories: tuple[str, ...]


def add_campaign(session: Session, *, values: dict[str, Any], categories: Collection[str]) -> int:
    """Store a campaign (``values``: its columns) and its categories; returns its id."""
    campaign = Campaign(**values)
    session.add(campaign)
    session.flush()
    set_categories(session, campaign_id=campaign.id, categories=categories)
    return campaign.id


def set_categories(session: Session, *, campaign_id: int, categories: Collection[str]) -> None:
    """Replace a campaign's categories."""
    session.execute(delete(CampaignCategory).where(CampaignCategory.campaign_id == campaign_id))
    session.add_all(
        CampaignCategory(campaign_id=campaign_id, category=c) for c in sorted(set(categories))
    )
    session.flush()


def _rows(session: Session, campaigns: list[Campaign]) -> list[CampaignRow]:
    ids = [c.id for c in campaigns]
    cats: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        for cid, code in session.execute(
            select(CampaignCategory.campaign_id, CampaignCategory.category)
            .where(CampaignCategory.campaign_id.in_(ids))
            .order_by(CampaignCategory.category)
        ):
            cats[cid].append(code)
    return [
        CampaignRow(
            id=c.id,
            city_id=c.city_id,
            area_code=c.area_code,
            coupon_id=c.coupon_id,
            name=c.name,
            description=c.description,
            budget_fen=c.budget_fen,
            status=c.status,
            created_by=c.created_by,
            created_at=c.created_at,
            updated_at=c.updated_at,
            opened_at=c.opened_at,
            closed_at=c.closed_at,
            categories=tuple(cats[c.id]),
        )
        for c in campaigns
    ]


def get_campaign(session: Session, *, campaign_id: int) -> CampaignRow | None:
    """One campaign, or ``None``."""
    found = session.get(Campaign, campaign_id, populate_existing=True)
    return None if found is None else _rows(session, [found])[0]


def city_campaigns(
    session: Session, *, city_id: int, statuses: Collection[str] | None = None
) -> list[CampaignRow]:
    """A city's campaigns (of ``statuses``, all if ``None``), newest first."""
    query = select(Campaign).where(Campaign.city_id == city_id)
    if statuses is not None:
        query = query.where(Campaign.status.in_(list(statuses)))
    found = session.scalars(query.order_by(Campaign.created_at.desc(), Campaign.id.desc())).all()
    return _rows(session, list(found))


def set_status(
    session: Session, *, campaign_id: int, old: CampaignStatus, new: CampaignStatus, at: datetime
) -> bool:
    """Move a campaign from ``old`` to ``new``; whether it was ``old`` (a conditional UPDATE)."""
    values: dict[str, Any] = {"status": new.value, "updated_at": at}
    if new is CampaignStatus.OPEN and old is CampaignStatus.DRAFT:  # a resume keeps it
        values["opened_at"] = at
    if new is CampaignStatus.CLOSED:
        values["closed_at"] = at
    result = session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.status == old.value)
        .values(**values),
        execution_options=NO_SYNC,
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def set_details(
    session: Session, *, campaign_id: int, values: dict[str, Any], at: datetime
) -> bool:
    """Change a draft campaign's plain fields; whether it was still a draft."""
    result = session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.status == CampaignStatus.DRAFT.value)
        .values(**values, updated_at=at),
        execution_options=NO_SYNC,
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def set_communities(session: Session, *, coupon_id: int, communities: Collection[str]) -> None:
    """Replace the communities a campaign's coupon is for."""
    session.execute(delete(CouponCommunity).where(CouponCommunity.coupon_id == coupon_id))
    session.add_all(
        CouponCommunity(coupon_id=coupon_id, community_code=c) for c in sorted(set(communities))
    )
    session.flush()


def place_categories(session: Session, *, place_id: int) -> tuple[str, ...]:
    """A place's category codes, sorted."""
    return tuple(
        session.scalars(
            select(PlaceCategory.code)
            .where(PlaceCategory.place_id == place_id)
            .order_by(PlaceCategory.code)
        ).all()
    )


def join(session: Session, *, coupon_id: int, place_id: int) -> bool:
    """Make a shop valid for a campaign's coupon; whether it was not already."""
    found = session.get(CouponShop, (coupon_id, place_id))
    if found is not None:
        return False
    session.add(CouponShop(coupon_id=coupon_id, place_id=place_id))
    session.flush()
    return True


def exclude(session: Session, *, campaign_id: int, place_id: int, by: int | None) -> None:
    """Keep a shop out of a campaign until its officials enrol it again (idempotent)."""
    if session.get(CampaignExclusion, (campaign_id, place_id)) is None:
        session.add(CampaignExclusion(campaign_id=campaign_id, place_id=place_id, excluded_by=by))
        session.flush()


def readmit(session: Session, *, campaign_id: int, place_id: int) -> None:
    """Lift an official's exclusion of a shop from a campaign (nothing if there is none)."""
    session.execute(
        delete(CampaignExclusion).where(
            CampaignExclusion.campaign_id == campaign_id, CampaignExclusion.place_id == place_id
        )
    )


def excluded_since(session: Session, *, campaign_id: int, place_id: int) -> datetime | None:
    """When an official took the shop out of the campaign, if one did and it stands."""
    found = session.get(CampaignExclusion, (campaign_id, place_id))
    return None if found is None else found.excluded_at


def leave(session: Session, *, coupon_id: int, place_id: int) -> bool:
    """Take a shop out of a campaign's coupon; whether it was in."""
    result = session.execute(
        delete(CouponShop).where(CouponShop.coupon_id == coupon_id, CouponShop.place_id == place_id)
    )
    return bool(getattr(result, "rowcount", 0))


@dataclass(frozen=True)
class CityShop:
    """A merchant's shop of a city as officials pick them: name, owner, community."""

    place_id: int
    name: str | None
    owner_id: int
    community_code: str | None


def city_shops(
    session: Session,
    *,
    city_id: int,
    name_like: str | None = None,
    place_ids: Collection[int] | None = None,
) -> list[CityShop]:
    """A city's owned places (shops are few), by name then id.

    ``name_like``: only names containing it (case-insensitive); ``place_ids``: only those.
    """
    query = (
        select(Place.id, Place.name, PlaceOwner.user_id, PlaceOwner.community_code)
        .join(PlaceOwner, PlaceOwner.place_id == Place.id)
        .where(Place.city_id == city_id)
    )
    if name_like:
        escaped = name_like.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Place.name.ilike(f"%{escaped}%", escape="\\"))
    if place_ids is not None:
        query = query.where(Place.id.in_(list(place_ids)))
    rows = session.execute(query.order_by(Place.name, Place.id)).all()
    return [CityShop(int(pid), name, int(owner), code) for pid, name, owner, code in rows]


@dataclass(frozen=True)
class Participant:
    """A participating shop with its owner, community and categories."""

    place_id: int
    owner_id: int | None
    community_code: str | None
    categories: tuple[str, ...]


def participants(session: Session, *, coupon_id: int) -> list[Participant]:
    """The shops valid for a campaign's coupon, by place id."""
    rows = session.execute(
        select(CouponShop.place_id, PlaceOwner.user_id, PlaceOwner.community_code)
        .outerjoin(PlaceOwner, PlaceOwner.place_id == CouponShop.place_id)
        .where(CouponShop.coupon_id == coupon_id)
        .order_by(CouponShop.place_id)
    ).all()
    return [
        Participant(pid, owner, code, place_categories(session, place_id=pid))
        for pid, owner, code in rows
    ]


@dataclass(frozen=True)
class Tally:
    """Live (not undone) redemptions of a group: count, spend and discount in fen."""

    redemptions: int = 0
    spent_fen: int = 0
    discount_fen: int = 0


def _live(coupon_id: int) -> Any:
    return (CouponRedemption.coupon_id == coupon_id) & CouponRedemption.undone_at.is_(None)


def redemptions_by_community(session: Session, *, coupon_id: int) -> dict[str | None, Tally]:
    """Live redemptions of a coupon by the community of the shop that redeemed them."""
    rows = session.execute(
        select(
            CouponRedemption.community_code,
            func.count(),
            func.coalesce(func.sum(CouponRedemption.spent_fen), 0),
            func.coalesce(func.sum(CouponRedemption.discount_fen), 0),
        )
        .where(_live(coupon_id))
        .group_by(CouponRedemption.community_code)
    ).all()
    return {code: Tally(int(n), int(spent), int(off)) for code, n, spent, off in rows}


def redemptions_by_category(session: Session, *, coupon_id: int) -> dict[str, Tally]:
    """Live redemptions of a coupon by each category of the shop (a shop of two counts in both)."""
    rows = session.execute(
        select(
            PlaceCategory.code,
            func.count(),
            func.coalesce(func.sum(CouponRedemption.spent_fen), 0),
            func.coalesce(func.sum(CouponRedemption.discount_fen), 0),
        )
        .join(PlaceCategory, PlaceCategory.place_id == CouponRedemption.place_id)
        .where(_live(coupon_id))
        .group_by(PlaceCategory.code)
    ).all()
    return {code: Tally(int(n), int(spent), int(off)) for code, n, spent, off in rows}


def redemption_totals(session: Session, *, coupon_id: int) -> Tally:
    """Every live redemption of a coupon."""
    n, spent, off = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(CouponRedemption.spent_fen), 0),
            func.coalesce(func.sum(CouponRedemption.discount_fen), 0),
        ).where(_live(coupon_id))
    ).one()
    return Tally(int(n), int(spent), int(off))


def claims_by_community(session: Session, *, coupon_id: int) -> dict[str | None, int]:
    """Claims of a coupon by the claimant's community (their home's when they claimed)."""
    rows = session.execute(
        select(CouponClaim.community_code, func.count())
        .where(CouponClaim.coupon_id == coupon_id)
        .group_by(CouponClaim.community_code)
    ).all()
    return {code: int(n) for code, n in rows}


def community_names(session: Session, *, city_id: int, codes: Collection[str]) -> dict[str, str]:
    """Names of a city's stored units by code."""
    if not codes:
        return {}
    rows = session.execute(
        select(Community.code, Community.name).where(
            Community.city_id == city_id, Community.code.in_(set(codes))
        )
    ).all()
    return {str(code): str(name) for code, name in rows}
