"""Officials enrol the shops of their area in a campaign, and remove them.

Merchants opt their own shops in (:func:`lifecircle.services.campaign_changes.join_campaign`);
a bureau also enrols the shops of a pilot circle itself, or removes a shop caught
misusing vouchers. The officials who manage a campaign (see
:func:`lifecircle.services.campaigns.may_manage`) may do both, for merchants' shops
(places with an owner) of the campaign's city that the campaign's area, communities and
categories admit and, for an official with an area, inside that area. Both are
idempotent: enrolling an enrolled shop, or removing one that is not in, changes nothing
(and logs nothing). Each change is audited (``entity`` ``campaign``, ``action``
``enrol`` or ``remove``, filed under the shop) and its merchant notified, in its
transaction. A removed shop redeems no more of the campaign's vouchers; the vouchers
residents hold stay valid at the other shops. Its merchant cannot opt it in again
(:func:`lifecircle.services.campaign_changes.join_campaign` refuses it): only the
campaign's officials enrol it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lifecircle.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from lifecircle.services.campaigns import (
    CampaignView,
    area_of,
    audit,
    managed,
    refusal,
    require_admitted,
    view_of,
)
from lifecircle.store import campaigns
from lifecircle.store.areas import city_area
from lifecircle.store.campaigns import CampaignStatus
from lifecircle.store.db import session_scope
from lifecircle.store.models import Role
from lifecircle.store.notifications import notify
from lifecircle.store.owners import Shop, shop_of
from lifecircle.store.versions import touch_places

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from lifecircle.services.accounts import Account

MAX_SHOPS = 200
"""The most shops one search answers."""


@dataclass(frozen=True)
class ShopChoice:
    """A shop as the campaign's officials see it: whether it is in, and its community."""

    place_id: int
    name: str | None
    community_code: str | None
    categories: tuple[str, ...]
    enrolled: bool


def _outside_own(session: Session, account: Account, city_id: int, code: str | None) -> bool:
    if account.role != Role.OFFICIAL or account.area_code is None:
        return False
    own = city_area(session, city_id=city_id, code=account.area_code)
    return code is None or not own.contains(code)


def campaign_shops(
    *,
    engine: Engine,
    account: Account,
    campaign_id: int,
    name: str | None = None,
    enrolled: bool | None = None,
    limit: int = 50,
) -> list[ShopChoice]:
    """The shops a campaign's official may enrol or remove, by name.

    The enrolled shops and those the campaign admits (area, communities, categories,
    and the official's own area); ``name``: names containing it; ``enrolled``: only the
    shops in (``True``) or out (``False``); at most ``limit`` (:data:`MAX_SHOPS`).

    Raises
    ------
    NotFoundError, PermissionDeniedError
        As :func:`lifecircle.services.campaigns.managed_campaign`.

    """
    with session_scope(engine) as session:
        view = managed(session, account, campaign_id)
        inside = set(view.coupon.shop_ids)
        area = area_of(session, view)
        found: list[ShopChoice] = []
        for shop in campaigns.city_shops(
            session, city_id=view.campaign.city_id, name_like=(name or "").strip() or None
        ):
            is_in = shop.place_id in inside
            if enrolled is not None and is_in != enrolled:
                continue
            categories = campaigns.place_categories(session, place_id=shop.place_id)
            if not is_in and (
                refusal(view, area=area, community_code=shop.community_code, categories=categories)
                is not None
                or _outside_own(session, account, view.campaign.city_id, shop.community_code)
            ):
                continue
            found.append(
                ShopChoice(shop.place_id, shop.name, shop.community_code, categories, is_in)
            )
            if len(found) >= min(limit, MAX_SHOPS):
                break
        return found


def _shop(session: Session, view: CampaignView, place_id: int) -> Shop:
    shop = shop_of(session, place_id=place_id)
    if shop is None:
        raise NotFoundError(f"no merchant's shop with place id {place_id}", field="place_id")
    if shop.city_id != view.campaign.city_id:
        raise ValidationError("the shop is in another city than the campaign", field="place_id")
    return shop


def enrol_shop(
    *, engine: Engine, account: Account, campaign_id: int, place_id: int
) -> tuple[CampaignView, bool]:
    """Enrol a shop of the area in a campaign; the campaign and whether the shop was new.

    Raises
    ------
    NotFoundError
        If there is no such campaign (or a draft the caller may not see), or no
        merchant owns the place.
    PermissionDeniedError
        ``campaign_id``: the caller does not manage the campaign; ``place_id``: the shop
        lies outside the official's own area.
    ConflictError
        If the campaign is closed.
    ValidationError
        ``place_id``: the shop is in another city, or outside the campaign's area,
        communities or categories (the reason is named).

    """
    with session_scope(engine, write=True) as session:
        before = managed(session, account, campaign_id)
        shop = _shop(session, before, place_id)
        if before.campaign.status == CampaignStatus.CLOSED.value:
            raise ConflictError("the campaign is closed: no shop can join", field="campaign_id")
        if place_id in before.coupon.shop_ids:
            return before, False
        if _outside_own(session, account, shop.city_id, shop.community_code):
            raise PermissionDeniedError(
                f"the shop's community ({shop.community_code or 'none known'}) is outside "
                f"your area {account.area_code}",
                field="place_id",
            )
        require_admitted(session, before, place_id=place_id, community_code=shop.community_code)
        campaigns.readmit(session, campaign_id=campaign_id, place_id=place_id)
        if not campaigns.join(session, coupon_id=before.campaign.coupon_id, place_id=place_id):
            return view_of(session, campaign_id), False  # pragma: no cover - write lock
        after = _changed(session, account, before, shop, "enrol")
        return after, True


def remove_shop(*, engine: Engine, account: Account, campaign_id: int, place_id: int) -> bool:
    """Take a shop out of a campaign an official manages; whether it was in.

    Its vouchers are redeemed there no more (those claimed stay valid at the other
    shops), and its merchant cannot opt it in again until an official enrols it;
    audited, its merchant notified.

    Raises
    ------
    NotFoundError, PermissionDeniedError
        As :func:`enrol_shop` (``campaign_id``), and ``place_id`` if no merchant owns the
        place.

    """
    with session_scope(engine, write=True) as session:
        before = managed(session, account, campaign_id)
        shop = _shop(session, before, place_id)
        if not campaigns.leave(session, coupon_id=before.campaign.coupon_id, place_id=place_id):
            return False
        campaigns.exclude(session, campaign_id=campaign_id, place_id=place_id, by=account.id)
        _changed(session, account, before, shop, "remove")
        return True


_NOTICES = {
    "enrol": (
        "campaign_enrolled",
        "您的店铺已被纳入消费券活动：{campaign}",
        "主管部门将「{shop}」纳入了本活动，活动券可在店内核销。如有疑问可退出活动或联系主管部门。",
    ),
    "remove": (
        "campaign_removed",
        "您的店铺已被移出消费券活动：{campaign}",
        "主管部门将「{shop}」移出了本活动：店内不能再核销本活动的券，如需重新参加请联系主管部门。",
    ),
}
"""What a merchant is told when an official enrols or removes their shop: kind, title, body."""


def _changed(
    session: Session, account: Account, before: CampaignView, shop: Shop, action: str
) -> CampaignView:
    """The campaign after an official enrolled or removed a shop.

    Bumps the place's version, writes the audit entry and the merchant's notice, in the
    change's transaction.
    """
    campaign_id = before.campaign.id
    touch_places(session, place_ids=[shop.place_id])
    after = view_of(session, campaign_id)
    audit(
        session, account=account, view=after, action=action, before=before, after=after, shop=shop
    )
    kind, title, body = _NOTICES[action]
    notify(
        session,
        user_id=shop.owner_id,
        kind=kind,
        title=title.format(campaign=after.campaign.name),
        body=body.format(shop=shop.name or shop.uid),
        data={"campaign_id": campaign_id, "place_id": shop.place_id},
    )
    return after
