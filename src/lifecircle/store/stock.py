"""Stock batches of merchants' shops: what is on the shelf, until when, and its offer.

One row per batch a merchant records: product, optional barcode, quantity, food class,
the expiry date (the last day within shelf life, a local Asia/Shanghai date) and what
follows from it when it is recorded: the warning lead, the first day of the warning
window (``warn_from``) and the moment it expires (``expires_at``, 00:00 local of the
next day, in UTC), so that the daily list, the warnings and the officials' counts are
plain comparisons in SQL on both databases. A batch is ``active`` until the merchant
marks it ``sold`` or ``removed`` (``closed_at``: when). Its near-expiry offer is the
``offer_*`` columns; it shows only while the batch is active, in stock and near expiry.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime  # noqa: TC003 - SQLAlchemy reads the annotations
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    and_,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from lifecircle.errors import NotFoundError
from lifecircle.store.models import CODE_LENGTH, Base, Place, UTCDateTime, utc_now

if TYPE_CHECKING:
    from collections.abc import Collection

    from sqlalchemy.orm import Session

PRODUCT_LENGTH = 100
"""Longest product name."""
CLASS_LENGTH = 32
"""Longest food class code."""


class BatchState(enum.StrEnum):
    """A batch's record: on the shelf, or ended by the merchant."""

    ACTIVE = "active"
    SOLD = "sold"
    REMOVED = "removed"


class StockBatch(Base):
    """One batch of one product in one shop."""

    __tablename__ = "stock_batches"
    __table_args__ = (
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("lead_days >= 0", name="lead_days_not_negative"),
        Index(None, "place_id", "state", "expiry_date"),
        Index(None, "city_id", "state", "warn_from"),
        Index(None, "city_id", "expires_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"))
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    community_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    product: Mapped[str] = mapped_column(String(PRODUCT_LENGTH))
    barcode: Mapped[str | None] = mapped_column(String(13))
    quantity: Mapped[int] = mapped_column(Integer)
    food_class: Mapped[str | None] = mapped_column(String(CLASS_LENGTH))
    production_date: Mapped[date | None] = mapped_column(Date)
    shelf_life_days: Mapped[int | None] = mapped_column(Integer)
    expiry_date: Mapped[date] = mapped_column(Date)
    lead_days: Mapped[int] = mapped_column(Integer)
    lead_basis: Mapped[str] = mapped_column(String(16))
    ladder: Mapped[str] = mapped_column(String(CLASS_LENGTH))
    warn_from: Mapped[date] = mapped_column(Date)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16), default=BatchState.ACTIVE.value)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    offer_price_fen: Mapped[int | None] = mapped_column(Integer)
    offer_regular_fen: Mapped[int | None] = mapped_column(Integer)
    offer_discount_pct: Mapped[int | None] = mapped_column(Integer)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


@dataclass(frozen=True)
class Batch:
    """A batch as read back."""

    id: int
    place_id: int
    city_id: int
    community_code: str | None
    product: str
    barcode: str | None
    quantity: int
    food_class: str | None
    production_date: date | None
    shelf_life_days: int | None
    expiry_date: date
    lead_days: int
    lead_basis: str
    ladder: str
    warn_from: date
    expires_at: datetime
    state: str
    closed_at: datetime | None
    offer_price_fen: int | None
    offer_regular_fen: int | None
    offer_discount_pct: int | None
    offered_at: datetime | None
    created_at: datetime
    updated_at: datetime

    def audit_view(self) -> dict[str, Any]:
        """The batch as the audit log keeps it (JSON-ready, money in fen)."""
        return {
            "place_id": self.place_id,
            "product": self.product,
            "barcode": self.barcode,
            "quantity": self.quantity,
            "food_class": self.food_class,
            "production_date": _iso(self.production_date),
            "shelf_life_days": self.shelf_life_days,
            "expiry_date": self.expiry_date.isoformat(),
            "lead_days": self.lead_days,
            "state": self.state,
            "offer_price_fen": self.offer_price_fen,
            "offer_regular_fen": self.offer_regular_fen,
            "offer_discount_pct": self.offer_discount_pct,
        }


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


_FIELDS = tuple(Batch.__dataclass_fields__)


def _batch(row: StockBatch) -> Batch:
    return Batch(**{name: getattr(row, name) for name in _FIELDS})


def add_batch(session: Session, *, at: datetime | None = None, **values: Any) -> Batch:
    """Store a new batch (every column of :class:`StockBatch` but the id), recorded ``at``."""
    now = at or utc_now()
    row = StockBatch(**values, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return _batch(row)


def get_batch(session: Session, *, place_id: int, batch_id: int) -> Batch:
    """A shop's batch.

    Raises
    ------
    NotFoundError
        If the shop has no such batch (another shop's batch is not found either).

    """
    row = session.scalar(
        select(StockBatch).where(StockBatch.id == batch_id, StockBatch.place_id == place_id)
    )
    if row is None:
        raise NotFoundError(f"shop {place_id} has no batch {batch_id}", field="batch_id")
    return _batch(row)


def list_batches(
    session: Session, *, place_id: int, states: Collection[str] | None = None
) -> list[Batch]:
    """A shop's batches, soonest expiry first (``states``: only these)."""
    query = select(StockBatch).where(StockBatch.place_id == place_id)
    if states is not None:
        query = query.where(StockBatch.state.in_(sorted(states)))
    rows = session.scalars(query.order_by(StockBatch.expiry_date, StockBatch.id)).all()
    return [_batch(r) for r in rows]


def change_batch(
    session: Session, *, batch_id: int, only_if_active: bool = True, **values: Any
) -> bool:
    """Change a batch in one conditional UPDATE; whether it changed (``False``: not active)."""
    query = update(StockBatch).where(StockBatch.id == batch_id)
    if only_if_active:
        query = query.where(StockBatch.state == BatchState.ACTIVE.value)
    result = session.execute(query.values(**values, updated_at=utc_now()))
    return bool(getattr(result, "rowcount", 0))


def live_offers(
    session: Session,
    *,
    city_id: int,
    today: date,
    place_ids: Collection[int] | None = None,
) -> list[tuple[Batch, str, str | None]]:
    """Offers residents may see on ``today``: with each batch its place's uid and name.

    An offer shows while its batch is active, in stock, and in its warning window (not
    yet expired); soonest expiry first.
    """
    query = (
        select(StockBatch, Place.uid, Place.name)
        .join(Place, Place.id == StockBatch.place_id)
        .where(
            StockBatch.city_id == city_id,
            StockBatch.state == BatchState.ACTIVE.value,
            StockBatch.offered_at.is_not(None),
            StockBatch.quantity > 0,
            and_(StockBatch.warn_from <= today, StockBatch.expiry_date >= today),
        )
    )
    if place_ids is not None:
        query = query.where(StockBatch.place_id.in_(sorted(place_ids)))
    rows = session.execute(query.order_by(StockBatch.expiry_date, StockBatch.id)).all()
    return [(_batch(row), uid, name) for row, uid, name in rows]


def due_for_warning(
    session: Session, *, today: date, city_id: int | None = None, place_id: int | None = None
) -> list[Batch]:
    """Active batches whose warning window has begun by ``today`` (near expiry or expired)."""
    query = select(StockBatch).where(
        StockBatch.state == BatchState.ACTIVE.value, StockBatch.warn_from <= today
    )
    if city_id is not None:
        query = query.where(StockBatch.city_id == city_id)
    if place_id is not None:
        query = query.where(StockBatch.place_id == place_id)
    rows = session.scalars(query.order_by(StockBatch.expiry_date, StockBatch.id)).all()
    return [_batch(r) for r in rows]


def expired_in_stock(
    session: Session, *, city_id: int, at: datetime, communities: Collection[str] | None
) -> dict[str | None, int]:
    """Per community, batches past expiry still recorded in stock at ``at``.

    A batch counts when it had expired by ``at`` (``expires_at <= at``), was recorded
    before ``at``, and was neither sold nor removed before ``at``.
    """
    query = select(StockBatch.community_code, func.count()).where(
        StockBatch.city_id == city_id,
        StockBatch.expires_at <= at,
        StockBatch.created_at < at,
        or_(StockBatch.closed_at.is_(None), StockBatch.closed_at >= at),
    )
    if communities is not None:
        query = query.where(StockBatch.community_code.in_(sorted(communities)))
    rows = session.execute(query.group_by(StockBatch.community_code)).all()
    return {code: int(n) for code, n in rows}


def lapses_by_shop(
    session: Session,
    *,
    city_id: int,
    since: datetime,
    until: datetime,
    communities: Collection[str] | None,
) -> list[tuple[int, str, str | None, str | None, int]]:
    """Shops' lapses: batches that expired in ``[since, until]`` while still in stock.

    A lapse is a batch recorded before it expired and neither sold nor removed by the
    moment it expired (00:00 local of the day after its expiry date). Rows: place id,
    uid, name, community code, lapses; most lapses first.
    """
    lapses = func.count(StockBatch.id)
    query = (
        select(Place.id, Place.uid, Place.name, StockBatch.community_code, lapses)
        .join(Place, Place.id == StockBatch.place_id)
        .where(
            StockBatch.city_id == city_id,
            StockBatch.expires_at >= since,
            StockBatch.expires_at <= until,
            StockBatch.created_at < StockBatch.expires_at,
            or_(StockBatch.closed_at.is_(None), StockBatch.closed_at >= StockBatch.expires_at),
        )
    )
    if communities is not None:
        query = query.where(StockBatch.community_code.in_(sorted(communities)))
    rows = session.execute(
        query.group_by(Place.id, Place.uid, Place.name, StockBatch.community_code).order_by(
            lapses.desc(), Place.id
        )
    ).all()
    return [(pid, uid, name, code, int(n)) for pid, uid, name, code, n in rows]
