"""The officials' report of a campaign: spend, discounts, redemptions and claims.

Redemptions count when live (an undone redemption is not counted) and are grouped by
the community the redeeming shop is filed under and by each category of that shop (a
shop of two categories counts in both, so the category rows may sum to more than the
totals). Claims are grouped by the claimant's community (their home's when they
claimed; ``None``: no home, or one outside the city's communities): an aggregate, no
resident is named. The totals compare the discounts given and the budget reserved by
claimed vouchers with the budget. Money is integer fen; shares are hundredths of a
percent (``ratio_hundredths``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lifecircle.core.money import ratio_hundredths
from lifecircle.errors import NotFoundError
from lifecircle.io.export.campaign_xlsx import campaign_workbook
from lifecircle.io.places.taxonomy import load_taxonomy
from lifecircle.services.campaigns import CampaignView, get_city_name, managed_campaign
from lifecircle.store import campaigns
from lifecircle.store.db import session_scope
from lifecircle.store.models import City

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from lifecircle.services.accounts import Account


@dataclass(frozen=True)
class GroupFigures:
    """One community's or category's figures (``claims``: by the claimants' community)."""

    code: str | None
    name: str | None
    shops: int
    claims: int
    redemptions: int
    spent_fen: int
    discount_fen: int


@dataclass(frozen=True)
class CampaignReport:
    """A campaign's figures, per community and category, and its totals against the budget."""

    view: CampaignView
    city: str
    communities: tuple[GroupFigures, ...]
    categories: tuple[GroupFigures, ...]
    shops: int
    claims: int
    redemptions: int
    spent_fen: int
    discount_fen: int
    reserved_fen: int

    @property
    def budget_fen(self) -> int:
        """The campaign's budget."""
        return self.view.campaign.budget_fen

    @property
    def unreserved_fen(self) -> int:
        """The budget no claimed voucher holds yet."""
        return self.budget_fen - self.reserved_fen

    @property
    def discount_share_hundredths(self) -> int | None:
        """Discounts given as a share of the budget, % × 100."""
        return ratio_hundredths(self.discount_fen, self.budget_fen)


def campaign_report(
    *, engine: Engine, account: Account, city: str, campaign_id: int
) -> CampaignReport:
    """The report of a campaign the caller manages, in ``city``.

    Raises
    ------
    NotFoundError
        If there is no such campaign in ``city``.
    PermissionDeniedError
        If the caller does not manage it.

    """
    view = managed_campaign(engine=engine, account=account, campaign_id=campaign_id)
    coupon_id = view.campaign.coupon_id
    with session_scope(engine) as session:
        name = get_city_name(session, view.campaign.city_id)
        if name != city.strip():
            raise NotFoundError(f"city {city!r} has no campaign {campaign_id}", field="campaign_id")
        city_row = session.get(City, view.campaign.city_id)
        taxonomy = city_row.taxonomy if city_row is not None else "shenzhen"
        shops = campaigns.participants(session, coupon_id=coupon_id)
        by_community = campaigns.redemptions_by_community(session, coupon_id=coupon_id)
        by_category = campaigns.redemptions_by_category(session, coupon_id=coupon_id)
        claims = campaigns.claims_by_community(session, coupon_id=coupon_id)
        totals = campaigns.redemption_totals(session, coupon_id=coupon_id)
        codes = {s.community_code for s in shops} | set(by_community) | set(claims)
        names = campaigns.community_names(
            session, city_id=view.campaign.city_id, codes={c for c in codes if c is not None}
        )
    shop_counts: dict[str | None, int] = {}
    cat_shops: dict[str, int] = {}
    for shop in shops:
        shop_counts[shop.community_code] = shop_counts.get(shop.community_code, 0) + 1
        for cat in shop.categories:
            cat_shops[cat] = cat_shops.get(cat, 0) + 1
    empty = campaigns.Tally()
    community_rows = tuple(
        GroupFigures(
            code=code,
            name=None if code is None else names.get(code),
            shops=shop_counts.get(code, 0),
            claims=claims.get(code, 0),
            redemptions=by_community.get(code, empty).redemptions,
            spent_fen=by_community.get(code, empty).spent_fen,
            discount_fen=by_community.get(code, empty).discount_fen,
        )
        for code in sorted(codes, key=lambda c: (c is None, c or ""))
    )
    cat_names = _category_names(taxonomy)
    category_rows = tuple(
        GroupFigures(
            code=code,
            name=cat_names.get(code),
            shops=cat_shops.get(code, 0),
            claims=0,
            redemptions=by_category.get(code, empty).redemptions,
            spent_fen=by_category.get(code, empty).spent_fen,
            discount_fen=by_category.get(code, empty).discount_fen,
        )
        for code in sorted(set(cat_shops) | set(by_category))
    )
    return CampaignReport(
        view=view,
        city=name,
        communities=community_rows,
        categories=category_rows,
        shops=len(shops),
        claims=sum(claims.values()),
        redemptions=totals.redemptions,
        spent_fen=totals.spent_fen,
        discount_fen=totals.discount_fen,
        reserved_fen=view.reserved_fen,
    )


def _category_names(taxonomy: str) -> dict[str, str]:
    try:
        return {c.code: c.name_zh for c in load_taxonomy(taxonomy).categories}
    except Exception:  # noqa: BLE001 - a report never fails for want of names
        return {}


def _group_rows(groups: tuple[GroupFigures, ...]) -> list[dict[str, Any]]:
    return [
        {
            "code": g.code,
            "name": g.name,
            "shops": g.shops,
            "claims": g.claims,
            "redemptions": g.redemptions,
            "spent_fen": g.spent_fen,
            "discount_fen": g.discount_fen,
        }
        for g in groups
    ]


def report_xlsx(report: CampaignReport) -> bytes:
    """The report as an XLSX workbook (sheets: 总计, 社区, 类别), money in yuan cells."""
    c = report.view.campaign
    totals = {
        "campaign_id": c.id,
        "name": c.name,
        "city": report.city,
        "area_code": c.area_code,
        "status": c.status,
        "budget_fen": report.budget_fen,
        "reserved_fen": report.reserved_fen,
        "unreserved_fen": report.unreserved_fen,
        "discount_fen": report.discount_fen,
        "spent_fen": report.spent_fen,
        "redemptions": report.redemptions,
        "claims": report.claims,
        "shops": report.shops,
    }
    return campaign_workbook(
        totals=totals,
        communities=_group_rows(report.communities),
        categories=_group_rows(report.categories),
    )
