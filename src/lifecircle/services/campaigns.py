"""Consumption-voucher campaigns (消费券): officials run them, merchants opt their shops in.

A campaign's vouchers are one coupon of ``issuer_kind`` ``campaign``, so claiming,
codes, QR images, ``/users/me/coupons`` and redemption are the coupons' own. The
coupon's status follows the campaign's: ``paused`` while a draft or paused, ``active``
while open, ``ended`` once closed. Its quantity is ``budget_fen // max_discount_fen`` (the
largest discount one voucher can give): every claim reserves that much of the budget
through the coupons' conditional ``UPDATE``, so the sum of discounts never passes the
budget whatever the concurrency (see docs/merchants.md).

Scope: a campaign is for a whole city (``area_code`` ``None``) or one district or 街道
of it. An official creates campaigns for their own area (or an area inside it) and
manages (edits, opens, closes, reads the report of) the campaigns they made and those
whose area lies inside theirs; an official without an area, and an administrator,
manage every campaign of the city. Residents and the public see open, paused and
closed campaigns (the list: open and paused ones); merchants see drafts too, so shops
can sign up before the launch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime  # noqa: TC003 - dataclass fields
from typing import TYPE_CHECKING, Any

from lifecircle.core.coupons import Rule, rule_problems
from lifecircle.errors import NotFoundError, PermissionDeniedError, ValidationError
from lifecircle.services.coupons import MAX_PER_PERSON, MAX_QUANTITY
from lifecircle.services.shop_fields import checked_categories
from lifecircle.store import campaigns, coupons, owners
from lifecircle.store.areas import Area, city_area
from lifecircle.store.audit import Actor, record_change
from lifecircle.store.campaigns import CampaignRow, CampaignStatus
from lifecircle.store.cities import get_city
from lifecircle.store.coupons import CouponRow, CouponStatus, IssuerKind
from lifecircle.store.db import session_scope
from lifecircle.store.models import City, Role, utc_now

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from lifecircle.services.accounts import Account

MAX_BUDGET_FEN = 10_000_000_000
"""The largest budget (100 million yuan)."""

COUPON_STATUS = {
    CampaignStatus.DRAFT.value: CouponStatus.PAUSED,
    CampaignStatus.OPEN.value: CouponStatus.ACTIVE,
    CampaignStatus.PAUSED.value: CouponStatus.PAUSED,
    CampaignStatus.CLOSED.value: CouponStatus.ENDED,
}
"""The status of a campaign's coupon while the campaign is in each status."""

MOVES = {
    (CampaignStatus.DRAFT.value, CampaignStatus.OPEN.value),
    (CampaignStatus.DRAFT.value, CampaignStatus.CLOSED.value),
    (CampaignStatus.OPEN.value, CampaignStatus.CLOSED.value),
    (CampaignStatus.OPEN.value, CampaignStatus.PAUSED.value),
    (CampaignStatus.PAUSED.value, CampaignStatus.OPEN.value),
    (CampaignStatus.PAUSED.value, CampaignStatus.CLOSED.value),
}
"""The status changes allowed: a draft opens (or is called off), an open campaign pauses
and resumes, an open or paused campaign closes (final)."""


@dataclass(frozen=True)
class CampaignSpec:
    """A campaign as an official describes it (money in fen, times aware)."""

    name: str
    budget_fen: int
    kind: str
    valid_from: datetime
    valid_until: datetime
    amount_off_fen: int | None = None
    percent_off: int | None = None
    max_discount_fen: int | None = None
    min_spend_fen: int = 0
    per_resident: int = 1
    description: str = ""
    area_code: str | None = None
    communities: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class CampaignView:
    """A campaign with its coupon (rule, counts, shops, communities)."""

    campaign: CampaignRow
    coupon: CouponRow
    city: str

    @property
    def voucher_max_fen(self) -> int:
        """The most one voucher can take off: what each claim reserves of the budget."""
        return voucher_max_fen(self.coupon)

    @property
    def reserved_fen(self) -> int:
        """The budget reserved by the vouchers claimed so far."""
        return self.coupon.claimed * self.voucher_max_fen

    def audit_view(self) -> dict[str, Any]:
        """The JSON-ready view the audit log keeps (money in fen, times ISO)."""
        c = self.campaign
        return {
            "name": c.name,
            "budget_fen": c.budget_fen,
            "status": c.status,
            "area_code": c.area_code,
            "categories": list(c.categories),
            **self.coupon.audit_view(),
        }


def voucher_max_fen(coupon: CouponRow) -> int:
    """The largest discount of one voucher of a campaign's coupon, fen."""
    if coupon.kind == "percent":
        return coupon.max_discount_fen or 0
    return coupon.amount_off_fen or 0


def _rule(spec: CampaignSpec) -> Rule:
    return Rule(
        kind=spec.kind,
        amount_off_fen=spec.amount_off_fen,
        percent_off=spec.percent_off,
        max_discount_fen=spec.max_discount_fen,
        min_spend_fen=spec.min_spend_fen,
    )


def _quantity(spec: CampaignSpec) -> int:
    rule = _rule(spec)
    top = rule.max_discount_fen if rule.kind == "percent" else rule.amount_off_fen
    return spec.budget_fen // top if top else 0


def check_spec(spec: CampaignSpec, now: datetime) -> None:
    """Refuse a spec with every problem named (the first one's field is the error's)."""
    problems = rule_problems(_rule(spec))
    if spec.kind == "percent" and spec.max_discount_fen is None:
        problems.append(
            ("max_discount_fen", "a campaign's percent voucher needs a cap: the budget reserves it")
        )
    if spec.valid_from.tzinfo is None or spec.valid_until.tzinfo is None:
        problems.append(("valid_from", "give times with their zone (e.g. +08:00)"))
    elif spec.valid_until <= spec.valid_from:
        problems.append(("valid_until", "must be after valid_from"))
    elif spec.valid_until <= now:
        problems.append(("valid_until", "is in the past: the vouchers would never be valid"))
    if not 1 <= spec.budget_fen <= MAX_BUDGET_FEN:
        problems.append(("budget_fen", f"must be 1 to {MAX_BUDGET_FEN} fen"))
    elif not problems:
        quantity = _quantity(spec)
        if quantity < 1:
            problems.append(("budget_fen", "is less than one voucher's largest discount"))
        elif quantity > MAX_QUANTITY:
            problems.append(("budget_fen", f"buys more than {MAX_QUANTITY} vouchers"))
    if not 1 <= spec.per_resident <= MAX_PER_PERSON:
        problems.append(("per_resident", f"must be 1 to {MAX_PER_PERSON}"))
    if not spec.name.strip():
        problems.append(("name", "must not be empty"))
    if problems:
        field, _ = problems[0]
        raise ValidationError("; ".join(f"{f}: {p}" for f, p in problems), field=field)


def _actor(account: Account) -> Actor:
    return Actor(id=account.id, role=account.role.value)


def _city_id(session: Session, city: str) -> int:
    try:
        return get_city(session, name=city).id
    except NotFoundError as exc:
        raise NotFoundError(str(exc), field="city") from None


def _check_city(account: Account, city: str) -> None:
    if account.role == Role.OFFICIAL and account.city != city.strip():
        raise PermissionDeniedError(
            f"your account acts for {account.city or 'no city'}, not {city!r}", field="city"
        )


def may_manage(session: Session, *, account: Account | None, campaign: CampaignRow) -> bool:
    """Whether ``account`` may edit, open, close and report on ``campaign``."""
    if account is None or account.role not in (Role.OFFICIAL, Role.ADMIN):
        return False
    if account.role == Role.ADMIN:
        return True
    if account.city != get_city_name(session, campaign.city_id):
        return False
    if campaign.created_by == account.id or account.area_code is None:
        return True
    if campaign.area_code is None:
        return False
    own = city_area(session, city_id=campaign.city_id, code=account.area_code)
    return own.contains(campaign.area_code)


def get_city_name(session: Session, city_id: int) -> str:
    """The name of a city by id."""
    found = session.get(City, city_id)
    return "" if found is None else found.name


def view_of(session: Session, campaign_id: int) -> CampaignView:
    """A campaign with its coupon (404 if there is none)."""
    campaign = campaigns.get_campaign(session, campaign_id=campaign_id)
    coupon = None if campaign is None else coupons.get_coupon(session, coupon_id=campaign.coupon_id)
    if campaign is None or coupon is None:
        raise NotFoundError(f"no campaign with id {campaign_id}", field="campaign_id")
    return CampaignView(campaign, coupon, get_city_name(session, campaign.city_id))


def _may_see(session: Session, account: Account | None, view: CampaignView) -> bool:
    if view.campaign.status != CampaignStatus.DRAFT.value:
        return True
    if account is not None and account.role == Role.MERCHANT:
        return True
    return may_manage(session, account=account, campaign=view.campaign)


def _checked_area(
    session: Session, *, account: Account, city_id: int, asked: str | None
) -> str | None:
    own = account.area_code if account.role == Role.OFFICIAL else None
    code = own if asked is None else asked.strip()
    if code is None:
        return None
    area = city_area(session, city_id=city_id, code=code)
    if not area.known:
        raise ValidationError(f"the city has no unit with code {code!r}", field="area_code")
    if own is not None and not city_area(session, city_id=city_id, code=own).contains(code):
        raise PermissionDeniedError(f"area {code} is outside your area {own}", field="area_code")
    return code


def checked_targets(
    session: Session, *, city_id: int, area_code: str | None, spec: CampaignSpec
) -> tuple[list[str], tuple[str, ...]]:
    """A spec's communities (stored, inside the area) and categories (of the taxonomy), checked."""
    codes = sorted({c.strip() for c in spec.communities})
    unknown = set(codes) - coupons.known_communities(session, city_id=city_id, codes=codes)
    if unknown:
        raise ValidationError(
            f"no community with code {', '.join(sorted(unknown))} in this city",
            field="communities",
        )
    if area_code is not None:
        area = city_area(session, city_id=city_id, code=area_code)
        outside = [c for c in codes if not area.contains(c)]
        if outside:
            raise ValidationError(
                f"communities {', '.join(outside)} lie outside the campaign's area {area_code}",
                field="communities",
            )
    categories: tuple[str, ...] = ()
    if spec.categories:
        city = session.get(City, city_id)
        categories = checked_categories(city.taxonomy if city else "shenzhen", spec.categories)
    return codes, categories


def coupon_values(spec: CampaignSpec) -> dict[str, Any]:
    """The campaign coupon's columns that a spec gives."""
    return {
        "title": spec.name.strip(),
        "description": spec.description,
        "kind": spec.kind,
        "amount_off_fen": spec.amount_off_fen,
        "percent_off": spec.percent_off,
        "max_discount_fen": spec.max_discount_fen,
        "min_spend_fen": spec.min_spend_fen,
        "quantity": _quantity(spec),
        "per_person_limit": spec.per_resident,
        "valid_from": spec.valid_from,
        "valid_until": spec.valid_until,
    }


def audit(
    session: Session,
    *,
    account: Account,
    view: CampaignView,
    action: str,
    before: CampaignView | None,
    after: CampaignView | None,
    shop: owners.Shop | None = None,
) -> None:
    """Log a change of a campaign (filed under the shop's community, or the campaign's area)."""
    record_change(
        session,
        city_id=view.campaign.city_id,
        actor=_actor(account),
        entity="campaign",
        entity_id=view.campaign.id,
        action=action,
        before=None if before is None else before.audit_view(),
        after=None if after is None else after.audit_view(),
        place_id=None if shop is None else shop.place_id,
        community_code=view.campaign.area_code if shop is None else shop.community_code,
    )


def create_campaign(
    *, engine: Engine, account: Account, city: str, spec: CampaignSpec
) -> CampaignView:
    """An official's new campaign (a draft) in ``city``; audited.

    Raises
    ------
    PermissionDeniedError
        For an official of another city, or an area outside their own.
    NotFoundError
        If there is no such city.
    ValidationError
        If the rule, budget, window, area, a community or a category is wrong (named).

    """
    if account.role not in (Role.OFFICIAL, Role.ADMIN):
        raise PermissionDeniedError("campaigns are run by officials and administrators")
    _check_city(account, city)
    now = utc_now()
    check_spec(spec, now)
    with session_scope(engine, write=True) as session:
        city_id = _city_id(session, city)
        area_code = _checked_area(session, account=account, city_id=city_id, asked=spec.area_code)
        codes, categories = checked_targets(
            session, city_id=city_id, area_code=area_code, spec=spec
        )
        coupon_id = coupons.add_coupon(
            session,
            values={
                **coupon_values(spec),
                "city_id": city_id,
                "issuer_kind": IssuerKind.CAMPAIGN.value,
                "issuer_place_id": None,
                "created_by": account.id,
                "claimed": 0,
                "status": CouponStatus.PAUSED.value,
                "created_at": now,
                "updated_at": now,
            },
            shop_ids=[],
            communities=codes,
        )
        campaign_id = campaigns.add_campaign(
            session,
            values={
                "city_id": city_id,
                "area_code": area_code,
                "coupon_id": coupon_id,
                "name": spec.name.strip(),
                "description": spec.description,
                "budget_fen": spec.budget_fen,
                "status": CampaignStatus.DRAFT.value,
                "created_by": account.id,
                "created_at": now,
                "updated_at": now,
            },
            categories=categories,
        )
        view = view_of(session, campaign_id)
        audit(session, account=account, view=view, action="create", before=None, after=view)
        return view


def list_campaigns(*, engine: Engine, account: Account | None, city: str) -> list[CampaignView]:
    """A city's campaigns as ``account`` may see them, newest first.

    Anonymous callers and residents see open and paused campaigns; merchants draft ones too;
    officials open ones and every campaign they manage; administrators all.
    """
    if account is not None:
        _check_city(account, city)
    with session_scope(engine) as session:
        city_id = _city_id(session, city)
        rows = campaigns.city_campaigns(session, city_id=city_id)
        shown = []
        for row in rows:
            public = row.status in (CampaignStatus.OPEN.value, CampaignStatus.PAUSED.value)
            merchants = (
                account is not None
                and account.role == Role.MERCHANT
                and row.status == CampaignStatus.DRAFT.value
            )
            if public or merchants or may_manage(session, account=account, campaign=row):
                shown.append(row.id)
        return [view_of(session, i) for i in shown]


def read_campaign(*, engine: Engine, account: Account | None, campaign_id: int) -> CampaignView:
    """One campaign (a draft only for merchants and those who manage it; else 404).

    Raises
    ------
    NotFoundError
        If there is no such campaign, or the caller may not see the draft.

    """
    with session_scope(engine) as session:
        view = view_of(session, campaign_id)
        if not _may_see(session, account, view):
            raise NotFoundError(f"no campaign with id {campaign_id}", field="campaign_id")
        return view


def managed(session: Session, account: Account, campaign_id: int) -> CampaignView:
    """A campaign ``account`` manages (404 if it may not even see it, else 403)."""
    view = view_of(session, campaign_id)
    if not may_manage(session, account=account, campaign=view.campaign):
        if not _may_see(session, account, view):
            raise NotFoundError(f"no campaign with id {campaign_id}", field="campaign_id")
        raise PermissionDeniedError(
            "this campaign is outside your area (officials manage the campaigns they made "
            "and those of their area)",
            field="campaign_id",
        )
    return view


def managed_campaign(*, engine: Engine, account: Account, campaign_id: int) -> CampaignView:
    """A campaign the caller manages (for its report).

    Raises
    ------
    NotFoundError
        If there is no such campaign (or a draft the caller may not see).
    PermissionDeniedError
        If the caller does not manage it.

    """
    with session_scope(engine) as session:
        return managed(session, account, campaign_id)


def area_of(session: Session, view: CampaignView) -> Area | None:
    """The campaign's area with its stored units (``None``: the whole city)."""
    code = view.campaign.area_code
    return None if code is None else city_area(session, city_id=view.campaign.city_id, code=code)


def require_admitted(
    session: Session, view: CampaignView, *, place_id: int, community_code: str | None
) -> None:
    """Refuse a shop the campaign does not admit (:func:`refusal`), naming why.

    Raises
    ------
    ValidationError
        ``place_id``: the shop is outside the campaign's communities or area, or has none
        of its categories.

    """
    reason = refusal(
        view,
        area=area_of(session, view),
        community_code=community_code,
        categories=campaigns.place_categories(session, place_id=place_id),
    )
    if reason is not None:
        raise ValidationError(f"the shop cannot join: {reason}", field="place_id")


def refusal(
    view: CampaignView,
    *,
    area: Area | None,
    community_code: str | None,
    categories: tuple[str, ...],
) -> str | None:
    """Why a shop (its community and categories) cannot join a campaign; ``None`` if it can."""
    communities = view.coupon.communities
    if communities and community_code not in communities:
        return (
            f"the shop's community ({community_code or 'none known'}) is not among the "
            f"campaign's communities ({', '.join(communities)})"
        )
    if (
        not communities
        and area is not None
        and (community_code is None or not area.contains(community_code))
    ):
        return (
            f"the shop's community ({community_code or 'none known'}) is outside the "
            f"campaign's area {area.code}"
        )
    wanted = view.campaign.categories
    if wanted and not set(categories) & set(wanted):
        return (
            f"none of the shop's categories ({', '.join(categories) or 'none'}) is among the "
            f"campaign's ({', '.join(wanted)})"
        )
    return None
