"""Officials' view of published prices: who publishes, and which prices rose, per community.

Within an official's area (:class:`~lifecircle.services.areas.AreaScope`) and a period
``[since, until)``:

- per community, the shops filed there (owned places, ``place_owners.community_code``),
  how many have at least one price in force at ``until``, and that share;
- the items whose price rose by more than ``rise_pct`` percent over the period. The
  rise compares the **first** price in force during the period (the price in force at
  ``since``, or, for an item first priced later, its first price) with the **last** (the
  price in force at the end, or the last before the item was withdrawn). Prices that
  went up and down again within the period are not counted: only the change the
  period made. "More than" is exact on integers (:func:`~lifecircle.core.money.rose_more_than`).

Shares and rises are shown as percentages with two decimals, rounded half away from
zero (:func:`~lifecircle.core.money.ratio_hundredths`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from itertools import groupby
from typing import TYPE_CHECKING

from lifecircle.core.money import percent_text, ratio_hundredths, rise_hundredths, rose_more_than
from lifecircle.errors import ValidationError
from lifecircle.io.export.table import Column, Table, xlsx_from_tables
from lifecircle.store import prices
from lifecircle.store.db import session_scope
from lifecircle.store.models import utc_now

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.engine import Engine

    from lifecircle.services.areas import AreaScope
    from lifecircle.store.prices import CommunityShops, PeriodRow

DEFAULT_PERIOD = timedelta(days=30)
"""The period when ``since`` is not given: the 30 days before ``until``."""

MAX_RISES = 1000
"""The most risen items one answer lists (the largest rises first); ``rises_total`` counts all."""


@dataclass(frozen=True)
class CommunityPublishing:
    """One community's shops and how many publish prices (``share_hundredths``: % × 100)."""

    code: str | None
    name: str | None
    shops: int
    publishing: int
    share_hundredths: int | None


@dataclass(frozen=True)
class PriceRise:
    """An item whose price rose by more than the threshold within the period."""

    place_id: int
    uid: str
    shop_name: str | None
    community_code: str | None
    item_id: int
    name: str
    spec: str
    old_fen: int
    new_fen: int
    old_since: datetime
    new_since: datetime
    rise_hundredths: int


@dataclass(frozen=True)
class PriceSummary:
    """The officials' figures of an area and a period."""

    city: str
    area: str | None
    since: datetime
    until: datetime
    rise_pct: int
    communities: list[CommunityPublishing]
    shops: int
    publishing: int
    share_hundredths: int | None
    rises: list[PriceRise]
    rises_total: int


def _publishing(row: CommunityShops) -> CommunityPublishing:
    share = ratio_hundredths(row.publishing, row.shops) if row.shops else None
    return CommunityPublishing(row.code, row.name, row.shops, row.publishing, share)


def rises_in(rows: list[PeriodRow], *, percent: int) -> list[PriceRise]:
    """The items of ``rows`` (ordered by item, then time) whose price rose more than ``percent``.

    Each item's first row is its price at the start of the period, its last row the
    price at the end. Sorted by rise, largest first, then by item id.
    """
    found = []
    for _item_id, group in groupby(rows, key=lambda r: r.item_id):
        periods = list(group)
        first, last = periods[0], periods[-1]
        if not rose_more_than(first.price_fen, last.price_fen, percent=percent):
            continue
        found.append(
            PriceRise(
                place_id=last.place_id,
                uid=last.uid,
                shop_name=last.shop_name,
                community_code=last.community_code,
                item_id=last.item_id,
                name=last.name,
                spec=last.spec,
                old_fen=first.price_fen,
                new_fen=last.price_fen,
                old_since=first.since,
                new_since=last.since,
                rise_hundredths=rise_hundredths(first.price_fen, last.price_fen),
            )
        )
    return sorted(found, key=lambda r: (-r.rise_hundredths, r.item_id))


def price_summary(
    *,
    engine: Engine,
    scope: AreaScope,
    since: datetime | None = None,
    until: datetime | None = None,
    rise_pct: int = 10,
) -> PriceSummary:
    """Publishing shares per community and the prices that rose, in ``scope`` and a period.

    Parameters
    ----------
    engine
        Database.
    scope
        The official's part of the city (``area`` ``None``: all of it, including the
        shops at no community).
    since, until
        The period ``[since, until)``, timezone-aware; ``until`` defaults to now and
        ``since`` to :data:`DEFAULT_PERIOD` before ``until``.
    rise_pct
        List the items whose price rose by more than this many percent.

    Raises
    ------
    ValidationError
        If a time has no zone, or ``since`` is not before ``until``.

    """
    until = utc_now() if until is None else until
    since = until - DEFAULT_PERIOD if since is None else since
    for field, value in (("since", since), ("until", until)):
        if value.tzinfo is None:
            raise ValidationError(f"{field} needs a time zone (like +08:00)", field=field)
    if since >= until:
        raise ValidationError("since must be before until", field="since")
    communities = None if scope.area is None else scope.area.members
    with session_scope(engine) as session:
        counts = prices.shops_publishing(
            session, city_id=scope.city_id, communities=communities, at=until
        )
        rows = prices.periods_between(
            session, city_id=scope.city_id, communities=communities, since=since, until=until
        )
    per_community = [_publishing(c) for c in counts]
    shops = sum(c.shops for c in counts)
    publishing = sum(c.publishing for c in counts)
    rises = rises_in(rows, percent=rise_pct)
    return PriceSummary(
        city=scope.city,
        area=None if scope.area is None else scope.area.code,
        since=since,
        until=until,
        rise_pct=rise_pct,
        communities=per_community,
        shops=shops,
        publishing=publishing,
        share_hundredths=ratio_hundredths(publishing, shops) if shops else None,
        rises=rises[:MAX_RISES],
        rises_total=len(rises),
    )


def price_summary_xlsx(summary: PriceSummary) -> bytes:
    """The summary as an XLSX workbook: its figures, the communities and the rises.

    Money is in integer fen and shares are the exact percent texts of the JSON answer;
    times are Asia/Shanghai.

    Raises
    ------
    OptionalDependencyError
        Without openpyxl (the ``xlsx`` extra).

    """

    def pct(hundredths: int | None) -> str | None:
        return None if hundredths is None else percent_text(hundredths)

    figures = Table(
        "概况",
        (Column("项目 Item"), Column("值 Value")),
        [
            ("城市 City", summary.city),
            ("区域 Area", summary.area or "全市 whole city"),
            ("起 Since (+08:00)", summary.since),
            ("止 Until, excluded (+08:00)", summary.until),
            ("涨幅阈值 Rise above (%)", summary.rise_pct),
            ("商户 Shops", summary.shops),
            ("明码标价商户 Shops publishing", summary.publishing),
            ("比例 Share (%)", pct(summary.share_hundredths)),
            ("涨价商品 Items risen", summary.rises_total),
        ],
    )
    communities = Table(
        "社区 Communities",
        (
            Column("社区编码 Code"),
            Column("社区 Community"),
            Column("商户 Shops", "0"),
            Column("明码标价 Publishing", "0"),
            Column("比例 Share (%)"),
        ),
        [
            (c.code, c.name, c.shops, c.publishing, pct(c.share_hundredths))
            for c in summary.communities
        ],
    )
    rises = Table(
        "涨价 Rises",
        (
            Column("商户 Shop"),
            Column("地点 Place uid"),
            Column("社区编码 Community"),
            Column("商品 Item"),
            Column("规格 Spec"),
            Column("原价（分）Old, fen", "#,##0"),
            Column("现价（分）New, fen", "#,##0"),
            Column("涨幅 Rise (%)"),
            Column("原价起 Old since (+08:00)"),
            Column("现价起 New since (+08:00)"),
        ),
        [
            (
                r.shop_name,
                r.uid,
                r.community_code,
                r.name,
                r.spec,
                r.old_fen,
                r.new_fen,
                percent_text(r.rise_hundredths),
                r.old_since,
                r.new_since,
            )
            for r in summary.rises
        ],
    )
    return xlsx_from_tables(
        [figures, communities, rises], title=f"lifecircle prices {summary.city}"
    )
