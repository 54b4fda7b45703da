"""The officials' near-expiry counts: expired batches still in stock, repeated lapses.

Per community of an official's area (market regulation).

Definitions (docs/merchants.md):

* an **expired batch still in stock** on day D is one past its expiry date at 00:00 of D
  (Asia/Shanghai) that had been recorded before then and was neither sold nor removed
  by then;
* a **lapse** is a batch that expired while still recorded in stock: not sold or
  removed by 00:00 of the day after its expiry date;
* a shop has **repeated lapses** on day D with at least :data:`REPEAT_LAPSES` lapses
  whose expiry dates fall in the :data:`LAPSE_WINDOW_DAYS` days before D.

Officials see counts per community and the shops (businesses, not persons) with
repeated lapses; no account of a merchant is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from lifecircle.core.expiry import day_start
from lifecircle.services.stock.batches import today_local
from lifecircle.store import stock
from lifecircle.store.db import session_scope

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from lifecircle.services.areas import AreaScope

LAPSE_WINDOW_DAYS = 30
"""Days before the asked day whose expiries count towards repeated lapses."""
REPEAT_LAPSES = 2
"""Lapses in the window that make a shop's lapses repeated."""


@dataclass(frozen=True)
class CommunityExpiry:
    """One community's counts (``code`` ``None``: shops in no community's boundary)."""

    code: str | None
    expired_in_stock: int
    lapses: int
    shops_with_repeated_lapses: int


@dataclass(frozen=True)
class LapsingShop:
    """A shop with repeated lapses in the window."""

    place_id: int
    uid: str
    name: str | None
    community_code: str | None
    lapses: int


@dataclass(frozen=True)
class ExpirySummary:
    """The officials' answer for one day and area."""

    city: str
    area: str | None
    day: date
    window_days: int
    repeat_lapses: int
    communities: tuple[CommunityExpiry, ...]
    shops: tuple[LapsingShop, ...]


def expiry_summary(*, engine: Engine, scope: AreaScope, day: date | None = None) -> ExpirySummary:
    """Counts per community of ``scope`` on ``day`` (default today), and the lapsing shops."""
    day = day or today_local()
    at = day_start(day)
    since = day_start(day - timedelta(days=LAPSE_WINDOW_DAYS - 1))
    members = None if scope.area is None else scope.area.members
    with session_scope(engine) as session:
        expired = stock.expired_in_stock(session, city_id=scope.city_id, at=at, communities=members)
        lapsing = stock.lapses_by_shop(
            session, city_id=scope.city_id, since=since, until=at, communities=members
        )
    lapses: dict[str | None, int] = {}
    repeated: dict[str | None, int] = {}
    shops = []
    for place_id, uid, name, code, n in lapsing:
        lapses[code] = lapses.get(code, 0) + n
        if n >= REPEAT_LAPSES:
            repeated[code] = repeated.get(code, 0) + 1
            shops.append(LapsingShop(place_id, uid, name, code, n))
    codes = sorted(set(expired) | set(lapses), key=lambda c: (c is None, c or ""))
    return ExpirySummary(
        city=scope.city,
        area=None if scope.area is None else scope.area.code,
        day=day,
        window_days=LAPSE_WINDOW_DAYS,
        repeat_lapses=REPEAT_LAPSES,
        communities=tuple(
            CommunityExpiry(c, expired.get(c, 0), lapses.get(c, 0), repeated.get(c, 0))
            for c in codes
        ),
        shops=tuple(shops),
    )
