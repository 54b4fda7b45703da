"""Published prices (明码标价): the items of a shop and the history of each item's price.

``price_items`` holds what a shop publishes: name, specification or unit, optional
category and barcode, and the current price in integer fen. A withdrawn item keeps its
row (``withdrawn_at``), so its history stays readable. Among a shop's live items the
pair (name, specification) is unique: a partial unique index, so two requests cannot
both add "鸡蛋 500g" whatever their timing.

``price_history`` holds every price an item has had: the price, from when, until when
(``NULL``: in force now) and who set it. At most one period of an item is open (another
partial unique index), and periods of an item follow each other without gaps or
overlaps while it is live: a change closes the open period at the time the new one
starts; a withdrawal closes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime  # noqa: TC003 - SQLAlchemy reads the annotations
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    and_,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from lifecircle.errors import ConflictError
from lifecircle.store.models import Base, Community, Place, PlaceOwner, UTCDateTime, utc_now

if TYPE_CHECKING:
    from collections.abc import Collection

    from sqlalchemy.orm import Session

NAME_LENGTH = 100
"""Longest item name."""
SPEC_LENGTH = 32
"""Longest specification or unit (``500g``, ``斤``, ``次``)."""
CATEGORY_LENGTH = 32
"""Longest item category (``蔬菜``, ``粮油``...)."""
BARCODE_LENGTH = 14
"""Longest barcode (GTIN-14; EAN-13 and EAN-8 are shorter)."""

_LIVE = text("withdrawn_at IS NULL")
_OPEN = text("valid_until IS NULL")


class PriceItem(Base):
    """One item a shop publishes, with its current price in fen."""

    __tablename__ = "price_items"
    __table_args__ = (
        Index(
            "uq_price_items_live_name",
            "place_id",
            "name",
            "spec",
            unique=True,
            sqlite_where=_LIVE,
            postgresql_where=_LIVE,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    spec: Mapped[str] = mapped_column(String(SPEC_LENGTH))
    category: Mapped[str | None] = mapped_column(String(CATEGORY_LENGTH))
    barcode: Mapped[str | None] = mapped_column(String(BARCODE_LENGTH))
    price_fen: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PricePeriod(Base):
    """One price of one item: from when, until when (``NULL``: now), set by whom."""

    __tablename__ = "price_history"
    __table_args__ = (
        Index(None, "item_id", "valid_from"),
        Index(
            "uq_price_history_open",
            "item_id",
            unique=True,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("price_items.id", ondelete="CASCADE"))
    price_fen: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    changed_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )


@dataclass(frozen=True)
class Item:
    """An item as read back: its text, current price and times."""

    id: int
    place_id: int
    name: str
    spec: str
    category: str | None
    barcode: str | None
    price_fen: int
    created_at: datetime
    updated_at: datetime
    withdrawn_at: datetime | None

    def snapshot(self) -> dict[str, Any]:
        """The item as the audit log keeps it (JSON-ready, money in fen)."""
        return {
            "name": self.name,
            "spec": self.spec,
            "category": self.category,
            "barcode": self.barcode,
            "price_fen": self.price_fen,
        }


@dataclass(frozen=True)
class Period:
    """One price of an item and the time it was in force (``until`` ``None``: now)."""

    price_fen: int
    since: datetime
    until: datetime | None
    changed_by: int | None


def _item(row: PriceItem) -> Item:
    return Item(
        id=row.id,
        place_id=row.place_id,
        name=row.name,
        spec=row.spec,
        category=row.category,
        barcode=row.barcode,
        price_fen=row.price_fen,
        created_at=row.created_at,
        updated_at=row.updated_at,
        withdrawn_at=row.withdrawn_at,
    )


def shop_items(session: Session, *, place_id: int, withdrawn: bool = False) -> list[Item]:
    """A shop's live items by category, name and specification (with ``withdrawn``, all).

    Text is ordered by Unicode code point; items with no category come first.
    """
    query = select(PriceItem).where(PriceItem.place_id == place_id)
    if not withdrawn:
        query = query.where(PriceItem.withdrawn_at.is_(None))
    items = [_item(row) for row in session.scalars(query)]
    # sorted here, by code point: the databases' collations of Chinese text differ
    return sorted(
        items,
        key=lambda i: (i.withdrawn_at is not None, i.category or "", i.name, i.spec, i.id),
    )


def find_item(session: Session, *, place_id: int, item_id: int, live: bool = True) -> Item | None:
    """The item ``item_id`` of the shop ``place_id`` (live only, unless ``live`` is false).

    With ``live`` the row is locked for the rest of the transaction (``FOR UPDATE`` on
    PostgreSQL; a write transaction holds SQLite's lock already), so a change that reads
    it first cannot interleave with another change of it.
    """
    query = select(PriceItem).where(PriceItem.id == item_id, PriceItem.place_id == place_id)
    if live:
        query = query.where(PriceItem.withdrawn_at.is_(None)).with_for_update()
    row = session.scalars(query).first()
    return None if row is None else _item(row)


def _taken(name: str, spec: str) -> ConflictError:
    return ConflictError(
        f"the shop already publishes {name!r} ({spec}): change that item instead",
        field="name",
    )


def add_item(
    session: Session,
    *,
    place_id: int,
    name: str,
    spec: str,
    category: str | None,
    barcode: str | None,
    price_fen: int,
    at: datetime,
    by: int | None,
) -> Item:
    """Add a live item and open its first price period.

    Raises
    ------
    ConflictError
        If the shop has a live item of the same name and specification.

    """
    row = PriceItem(
        place_id=place_id,
        name=name,
        spec=spec,
        category=category,
        barcode=barcode,
        price_fen=price_fen,
        created_at=at,
        updated_at=at,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise _taken(name, spec) from None
    session.add(PricePeriod(item_id=row.id, price_fen=price_fen, valid_from=at, changed_by=by))
    session.flush()
    return _item(row)


def change_item(
    session: Session, *, item: Item, changes: dict[str, Any], at: datetime, by: int | None
) -> Item:
    """Apply ``changes`` (column → value) to a live item; a new price opens a new period.

    Raises
    ------
    ConflictError
        If a new name or specification is that of another live item of the shop.

    """
    try:
        with session.begin_nested():
            session.execute(
                update(PriceItem).where(PriceItem.id == item.id).values(**changes, updated_at=at)
            )
    except IntegrityError:
        name, spec = changes.get("name", item.name), changes.get("spec", item.spec)
        raise _taken(name, spec) from None
    price = changes.get("price_fen", item.price_fen)
    if price != item.price_fen:
        _close_period(session, item_id=item.id, at=at)
        session.add(PricePeriod(item_id=item.id, price_fen=price, valid_from=at, changed_by=by))
        session.flush()
    row = session.get(PriceItem, item.id, populate_existing=True)
    assert row is not None
    return _item(row)


def withdraw_item(session: Session, *, item: Item, at: datetime) -> None:
    """Withdraw a live item: it leaves the shop's list; its history stays."""
    session.execute(
        update(PriceItem).where(PriceItem.id == item.id).values(withdrawn_at=at, updated_at=at)
    )
    _close_period(session, item_id=item.id, at=at)


def _close_period(session: Session, *, item_id: int, at: datetime) -> None:
    session.execute(
        update(PricePeriod)
        .where(PricePeriod.item_id == item_id, PricePeriod.valid_until.is_(None))
        .values(valid_until=at)
    )


def place_by_uid(session: Session, *, city_id: int, uid: str) -> tuple[int, str, str | None] | None:
    """A city's place by its uid: id, uid and name (``None`` if there is none)."""
    row = session.execute(
        select(Place.id, Place.uid, Place.name).where(Place.city_id == city_id, Place.uid == uid)
    ).first()
    return None if row is None else (row[0], row[1], row[2])


def item_history(session: Session, *, item_id: int) -> list[Period]:
    """Every price of an item, oldest first."""
    rows = session.execute(
        select(
            PricePeriod.price_fen,
            PricePeriod.valid_from,
            PricePeriod.valid_until,
            PricePeriod.changed_by,
        )
        .where(PricePeriod.item_id == item_id)
        .order_by(PricePeriod.valid_from, PricePeriod.id)
    ).all()
    return [Period(price_fen=r[0], since=r[1], until=r[2], changed_by=r[3]) for r in rows]


# --- officials' figures -----------------------------------------------------------------


def _in(communities: Collection[str] | None) -> Any:
    if communities is None:
        return True
    return PlaceOwner.community_code.in_(sorted(communities))


@dataclass(frozen=True)
class CommunityShops:
    """The shops filed under one community, and how many of them publish prices."""

    code: str | None
    name: str | None
    shops: int
    publishing: int


def shops_publishing(
    session: Session, *, city_id: int, communities: Collection[str] | None, at: datetime
) -> list[CommunityShops]:
    """Per community: the owned places filed there, and those with a price in force at ``at``.

    ``communities`` keeps those community codes only (``None``: all, and the shops at
    no community as a row of code ``None``). Sorted by code, ``None`` last.
    """
    in_force = (
        select(PricePeriod.id)
        .join(PriceItem, PriceItem.id == PricePeriod.item_id)
        .where(
            PriceItem.place_id == PlaceOwner.place_id,
            PricePeriod.valid_from <= at,
            or_(PricePeriod.valid_until.is_(None), PricePeriod.valid_until > at),
        )
        .exists()
    )
    rows = session.execute(
        select(
            PlaceOwner.community_code,
            func.count(),
            func.count().filter(in_force),
        )
        .join(Place, Place.id == PlaceOwner.place_id)
        .where(Place.city_id == city_id, _in(communities))
        .group_by(PlaceOwner.community_code)
    ).all()
    codes = [r[0] for r in rows if r[0] is not None]
    names: dict[str, str] = {}
    if codes:
        names = dict(
            session.execute(
                select(Community.code, Community.name).where(
                    Community.city_id == city_id, Community.code.in_(codes)
                )
            ).all()
        )
    found = [
        CommunityShops(
            code=code, name=names.get(code) if code else None, shops=shops, publishing=pub
        )
        for code, shops, pub in rows
    ]
    return sorted(found, key=lambda c: (c.code is None, c.code or ""))


@dataclass(frozen=True)
class PeriodRow:
    """A price period with its item and shop, for the officials' rise query."""

    item_id: int
    place_id: int
    uid: str
    shop_name: str | None
    community_code: str | None
    name: str
    spec: str
    price_fen: int
    since: datetime
    until: datetime | None


def periods_between(
    session: Session,
    *,
    city_id: int,
    communities: Collection[str] | None,
    since: datetime,
    until: datetime,
) -> list[PeriodRow]:
    """The price periods in force at some time in ``[since, until)`` of the owned shops.

    Ordered by item, then time: an item's first row is the price in force at ``since``
    (or the first set after it), its last the price in force at the end.
    """
    rows = session.execute(
        select(
            PriceItem.id,
            PriceItem.place_id,
            Place.uid,
            Place.name,
            PlaceOwner.community_code,
            PriceItem.name,
            PriceItem.spec,
            PricePeriod.price_fen,
            PricePeriod.valid_from,
            PricePeriod.valid_until,
        )
        .join(PriceItem, PriceItem.id == PricePeriod.item_id)
        .join(Place, Place.id == PriceItem.place_id)
        .join(PlaceOwner, PlaceOwner.place_id == Place.id)
        .where(
            Place.city_id == city_id,
            _in(communities),
            PricePeriod.valid_from < until,
            or_(PricePeriod.valid_until.is_(None), PricePeriod.valid_until > since),
            # a period of no length (set and changed in the same instant) was never in force
            or_(
                PricePeriod.valid_until.is_(None),
                and_(PricePeriod.valid_until > PricePeriod.valid_from),
            ),
        )
        .order_by(PriceItem.id, PricePeriod.valid_from, PricePeriod.id)
    ).all()
    return [
        PeriodRow(
            item_id=r[0],
            place_id=r[1],
            uid=r[2],
            shop_name=r[3],
            community_code=r[4],
            name=r[5],
            spec=r[6],
            price_fen=r[7],
            since=r[8],
            until=r[9],
        )
        for r in rows
    ]
