"""Changing campaigns: officials edit, open, pause, resume, close; merchants join, leave.

Every change is audited (``entity`` ``campaign``) in its transaction. Opening, pausing,
resuming and closing tell the owners of the participating shops; an edit of a draft's communities or
categories takes out the shops it leaves outside, and tells their owners. The rules of
who may do what are in :mod:`lifecircle.services.campaigns`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from lifecircle.core.expiry import LOCAL_ZONE
from lifecircle.errors import ConflictError, NotFoundError, ValidationError
from lifecircle.services.campaigns import (
    COUPON_STATUS,
    MOVES,
    CampaignSpec,
    CampaignView,
    area_of,
    audit,
    check_spec,
    checked_targets,
    coupon_values,
    managed,
    refusal,
    require_admitted,
    view_of,
)
from lifecircle.store import campaigns, coupons, owners
from lifecircle.store.campaigns import CampaignStatus
from lifecircle.store.db import session_scope
from lifecircle.store.models import utc_now
from lifecircle.store.notifications import notify
from lifecircle.store.versions import touch_places

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from lifecircle.services.accounts import Account


def _edited_spec(view: CampaignView, changes: dict[str, Any]) -> CampaignSpec:
    c, k = view.campaign, view.coupon
    spec = CampaignSpec(
        name=c.name,
        description=c.description,
        budget_fen=c.budget_fen,
        kind=k.kind,
        amount_off_fen=k.amount_off_fen,
        percent_off=k.percent_off,
        max_discount_fen=k.max_discount_fen,
        min_spend_fen=k.min_spend_fen,
        per_resident=k.per_person_limit,
        valid_from=k.valid_from,
        valid_until=k.valid_until,
        area_code=c.area_code,
        communities=k.communities,
        categories=c.categories,
    )
    return replace(spec, **changes)


EDITABLE = frozenset(
    {
        "name",
        "description",
        "budget_fen",
        "kind",
        "amount_off_fen",
        "percent_off",
        "max_discount_fen",
        "min_spend_fen",
        "per_resident",
        "valid_from",
        "valid_until",
        "communities",
        "categories",
    }
)
"""The fields a draft's edit may change (``area_code`` is fixed at creation)."""


def update_campaign(
    *,
    engine: Engine,
    account: Account,
    campaign_id: int,
    status: str | None = None,
    changes: dict[str, Any] | None = None,
) -> CampaignView:
    """Edit a draft (``changes``: fields of :data:`EDITABLE`), or change the status.

    ``open`` a draft (or resume a paused campaign), ``paused`` an open one (claims and
    redemptions are refused until it opens again), ``closed`` (final). Edits apply
    first, then the status change. Participating shops that an edit of the communities
    or categories leaves outside are taken out (their owners are told).

    Raises
    ------
    NotFoundError, PermissionDeniedError
        As :func:`managed_campaign`.
    ConflictError
        If an edit is asked of a campaign that is no longer a draft, the status change
        is not allowed (closed is final; only an open campaign pauses), or the
        campaign's validity ended before it opens or resumes.
    ValidationError
        If nothing is to change, or an edited field is wrong (named).

    """
    changes = dict(changes or {})
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValidationError(f"cannot change {', '.join(sorted(unknown))}", field=min(unknown))
    if status is None and not changes:
        raise ValidationError("give a status or a field to change", field="status")
    now = utc_now()
    with session_scope(engine, write=True) as session:
        before = managed(session, account, campaign_id)
        if changes:
            _edit(session, before=before, changes=changes, now=now)
        if status is not None and status != before.campaign.status:
            _move(session, view=view_of(session, campaign_id), status=status, now=now)
        after = view_of(session, campaign_id)
        if after != before:
            audit(
                session,
                account=account,
                view=after,
                action=_action(before.campaign.status, status),
                before=before,
                after=after,
            )
        return after


def _action(old: str, status: str | None) -> str:
    """The audit action of a change: ``update``, ``open``, ``pause``, ``resume``, ``closed``."""
    if status is None or status == old:
        return "update"
    if status == CampaignStatus.PAUSED.value:
        return "pause"
    if old == CampaignStatus.PAUSED.value and status == CampaignStatus.OPEN.value:
        return "resume"
    return status


_NOTICES = {
    "open": ("消费券活动已开始：{name}", "您参与的消费券活动已开始。"),
    "resume": ("消费券活动已恢复：{name}", "您参与的消费券活动已恢复，可以继续核销。"),
    "pause": (
        "消费券活动已暂停：{name}",
        "您参与的消费券活动已暂停：暂停期间不能领取或核销，恢复后照常。",
    ),
    "closed": ("消费券活动已结束：{name}", "您参与的消费券活动已结束。"),
}
"""The shop owners' notice of each status change (title, body)."""


def _edit(
    session: Session,
    *,
    before: CampaignView,
    changes: dict[str, Any],
    now: datetime,
) -> None:
    if before.campaign.status != CampaignStatus.DRAFT.value:
        raise ConflictError(
            f"the campaign is {before.campaign.status}: only a draft can be edited",
            field=min(changes),
        )
    spec = _edited_spec(before, changes)
    check_spec(spec, now)
    c = before.campaign
    codes, categories = checked_targets(
        session, city_id=c.city_id, area_code=c.area_code, spec=spec
    )
    if not campaigns.set_details(
        session,
        campaign_id=c.id,
        values={
            "name": spec.name.strip(),
            "description": spec.description,
            "budget_fen": spec.budget_fen,
        },
        at=now,
    ):
        raise ConflictError("the campaign is no longer a draft", field=min(changes))
    coupons.set_details(session, coupon_id=c.coupon_id, values=coupon_values(spec), at=now)
    campaigns.set_communities(session, coupon_id=c.coupon_id, communities=codes)
    campaigns.set_categories(session, campaign_id=c.id, categories=categories)
    after = view_of(session, c.id)
    area = area_of(session, after)
    for shop in campaigns.participants(session, coupon_id=c.coupon_id):
        reason = refusal(
            after, area=area, community_code=shop.community_code, categories=shop.categories
        )
        if reason is None:
            continue
        campaigns.leave(session, coupon_id=c.coupon_id, place_id=shop.place_id)
        touch_places(session, place_ids=[shop.place_id])
        if shop.owner_id is not None:
            notify(
                session,
                user_id=shop.owner_id,
                kind="campaign_left",
                title=f"您的店铺已退出消费券活动：{after.campaign.name}",
                body=f"活动条件已修改：{reason}",
                data={"campaign_id": c.id, "place_id": shop.place_id},
            )


def _move(session: Session, *, view: CampaignView, status: str, now: datetime) -> None:
    c = view.campaign
    if (c.status, status) not in MOVES:
        raise ConflictError(f"a campaign cannot go from {c.status} to {status}", field="status")
    if status == CampaignStatus.OPEN.value and view.coupon.valid_until <= now:
        verb = "resume" if c.status == CampaignStatus.PAUSED.value else "open"
        raise ConflictError(f"the campaign's validity has ended: it cannot {verb}", field="status")
    if not campaigns.set_status(
        session, campaign_id=c.id, old=CampaignStatus(c.status), new=CampaignStatus(status), at=now
    ):
        raise ConflictError("the campaign changed meanwhile: read it again", field="status")
    coupons.set_status(session, coupon_id=c.coupon_id, status=COUPON_STATUS[status], at=now)
    shops = campaigns.participants(session, coupon_id=c.coupon_id)
    # nearby search counts a shop's active vouchers: its places change with the status
    touch_places(session, place_ids=[shop.place_id for shop in shops])
    action = _action(c.status, status)
    title, body = _NOTICES[action]
    # open and close happen once; pause and resume may repeat (the conditional UPDATE
    # above makes each one happen once, so they need no key)
    once = action in ("open", "closed")
    for shop in shops:
        if shop.owner_id is None:
            continue
        notify(
            session,
            user_id=shop.owner_id,
            kind=f"campaign_{action}",
            title=title.format(name=c.name),
            body=body,
            data={"campaign_id": c.id, "place_id": shop.place_id},
            key=f"campaign-{status}:{c.id}:{shop.place_id}" if once else None,
        )


def join_campaign(
    *, engine: Engine, account: Account, campaign_id: int, place_id: int
) -> CampaignView:
    """Opt the merchant's shop into a campaign: its vouchers become valid there; audited.

    Raises
    ------
    NotFoundError
        If there is no such campaign, or the merchant owns no such shop.
    ConflictError
        If the campaign is closed, the shop is in it already, or an official took it out
        of the campaign (only they can enrol it again).
    ValidationError
        ``place_id``: the shop is in another city, or outside the campaign's
        communities, area or categories (the reason is named).

    """
    with session_scope(engine, write=True) as session:
        shop = owners.require_owned(session, place_id=place_id, user_id=account.id)
        before = view_of(session, campaign_id)
        if before.campaign.status == CampaignStatus.CLOSED.value:
            raise ConflictError("the campaign is closed", field="campaign_id")
        if shop.city_id != before.campaign.city_id:
            raise ValidationError("the shop is in another city than the campaign", field="place_id")
        removed = campaigns.excluded_since(session, campaign_id=campaign_id, place_id=place_id)
        if removed is not None:
            raise ConflictError(
                "an official of the campaign took this shop out of it on "
                f"{removed.astimezone(LOCAL_ZONE):%Y-%m-%d %H:%M} (Asia/Shanghai): only the "
                "campaign's officials can enrol it again",
                field="place_id",
            )
        require_admitted(session, before, place_id=place_id, community_code=shop.community_code)
        if not campaigns.join(session, coupon_id=before.campaign.coupon_id, place_id=place_id):
            raise ConflictError("the shop is in this campaign already", field="place_id")
        touch_places(session, place_ids=[place_id])
        after = view_of(session, campaign_id)
        audit(
            session,
            account=account,
            view=after,
            action="join",
            before=before,
            after=after,
            shop=shop,
        )
        return after


def leave_campaign(*, engine: Engine, account: Account, campaign_id: int, place_id: int) -> None:
    """Take the merchant's shop out of a campaign (its vouchers no longer valid there).

    Raises
    ------
    NotFoundError
        If there is no such campaign, the merchant owns no such shop, or it is not in
        the campaign.

    """
    with session_scope(engine, write=True) as session:
        shop = owners.require_owned(session, place_id=place_id, user_id=account.id)
        before = view_of(session, campaign_id)
        if not campaigns.leave(session, coupon_id=before.campaign.coupon_id, place_id=place_id):
            raise NotFoundError("the shop is not in this campaign", field="place_id")
        touch_places(session, place_ids=[place_id])
        after = view_of(session, campaign_id)
        audit(
            session,
            account=account,
            view=after,
            action="leave",
            before=before,
            after=after,
            shop=shop,
        )
