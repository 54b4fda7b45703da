"""A shop's record for its integrity view (诚信): complaints, published prices, stock lapses.

Reads only: the complaints' table (:mod:`lifecircle.store.complaints`), the price list
(:mod:`lifecircle.store.prices`) and the stock batches (:mod:`lifecircle.store.stock`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select

from lifecircle.store.complaints import counts_for_place
from lifecircle.store.models import PlaceOwner
from lifecircle.store.prices import PriceItem
from lifecircle.store.stock import StockBatch

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class PlaceRecord:
    """What a place's integrity view is made of, over ``[since, until)``."""

    owned: bool
    complaints: int
    upheld: int
    live_prices: int
    lapses: int
    expired_in_stock: int


def place_record(
    session: Session, *, place_id: int, since: datetime, until: datetime
) -> PlaceRecord:
    """A place's record over a period.

    Its complaints and upheld ones filed in the period, its live price items, its stock
    lapses (batches that expired in the period while still in stock, as
    :func:`lifecircle.store.stock.lapses_by_shop` counts them) and the expired batches
    still in stock at ``until``.
    """
    complaints, upheld = counts_for_place(session, place_id=place_id, since=since, until=until)
    owned = (
        session.scalar(select(PlaceOwner.place_id).where(PlaceOwner.place_id == place_id))
        is not None
    )
    live = session.scalar(
        select(func.count()).where(PriceItem.place_id == place_id, PriceItem.withdrawn_at.is_(None))
    )
    lapses = session.scalar(
        select(func.count()).where(
            StockBatch.place_id == place_id,
            StockBatch.expires_at >= since,
            StockBatch.expires_at <= until,
            StockBatch.created_at < StockBatch.expires_at,
            or_(StockBatch.closed_at.is_(None), StockBatch.closed_at >= StockBatch.expires_at),
        )
    )
    expired = session.scalar(
        select(func.count()).where(
            StockBatch.place_id == place_id,
            StockBatch.expires_at <= until,
            StockBatch.created_at < until,
            or_(StockBatch.closed_at.is_(None), StockBatch.closed_at >= until),
        )
    )
    return PlaceRecord(
        owned=owned,
        complaints=complaints,
        upheld=upheld,
        live_prices=int(live or 0),
        lapses=int(lapses or 0),
        expired_in_stock=int(expired or 0),
    )
