"""A shop's redemptions of a period with their totals: the merchant's daily reconciliation.

At the end of a day the merchant checks the till against the coupons redeemed: how many,
what the customers spent and what the coupons took off, in fen. The list shows every
redemption of the period, undone ones too (marked, for the audit); the totals count the
live ones only, since an undone redemption gave no discount. The default period is the
current day in Asia/Shanghai, from 00:00 to 00:00 of the next day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from lifecircle.core.expiry import day_start, local_date
from lifecircle.errors import ValidationError
from lifecircle.store import coupon_claims, owners
from lifecircle.store.db import session_scope
from lifecircle.store.models import utc_now

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from lifecircle.store.coupon_claims import RedemptionTotals, ShopRedemption

MAX_PERIOD = timedelta(days=366)
"""The longest period one list covers."""
MAX_LIMIT = 1000
"""Most redemptions one answer lists."""


@dataclass(frozen=True)
class ShopRedemptions:
    """A shop's redemptions in ``[since, until)``, oldest first, and the period's totals."""

    place_id: int
    since: datetime
    until: datetime
    totals: RedemptionTotals
    items: list[ShopRedemption]

    @property
    def pay_fen(self) -> int:
        """What the customers paid for the live redemptions: spent less discounts."""
        return self.totals.spent_fen - self.totals.discount_fen


def checked_period(
    since: datetime | None, until: datetime | None, *, now: datetime
) -> tuple[datetime, datetime]:
    """The period asked for; by default the local day of ``now`` (or of ``since``).

    Raises
    ------
    ValidationError
        Naming ``since`` or ``until``: a time without zone, an empty or reversed period,
        or one longer than :data:`MAX_PERIOD`.

    """
    for field, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise ValidationError(f"{field} needs a time zone (like +08:00)", field=field)
    if since is None:
        since = day_start(local_date(now if until is None else until - timedelta(microseconds=1)))
    if until is None:
        until = day_start(local_date(since) + timedelta(days=1))
    if since >= until:
        raise ValidationError("since must be before until", field="since")
    if until - since > MAX_PERIOD:
        raise ValidationError(f"the period is longer than {MAX_PERIOD.days} days", field="until")
    return since, until


def shop_redemptions(
    *,
    engine: Engine,
    user_id: int,
    place_id: int,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 200,
    offset: int = 0,
) -> ShopRedemptions:
    """The redemptions at one's shop in a period, and their totals.

    Parameters
    ----------
    engine
        Database.
    user_id
        The merchant: only the shop's owner reads it.
    place_id
        The shop.
    since, until
        The period ``[since, until)``, time-zone aware (default: today in Asia/Shanghai).
    limit, offset
        The page of the list (1-1000); the totals cover the whole period.

    Raises
    ------
    NotFoundError
        If the merchant owns no such shop (another's shop is not told apart).
    ValidationError
        For a bad period or page.

    """
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"limit: {limit} is outside 1-{MAX_LIMIT}", field="limit")
    if offset < 0:
        raise ValidationError(f"offset: {offset} is negative", field="offset")
    since, until = checked_period(since, until, now=utc_now())
    with session_scope(engine) as session:
        owners.require_owned(session, place_id=place_id, user_id=user_id)
        totals = coupon_claims.redemption_totals(
            session, place_id=place_id, since=since, until=until
        )
        items = coupon_claims.shop_redemptions(
            session, place_id=place_id, since=since, until=until, limit=limit, offset=offset
        )
    return ShopRedemptions(place_id, since, until, totals, items)
