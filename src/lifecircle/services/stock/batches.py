"""A merchant's batches in their own shop: record, list, change, the daily list, offers.

Every function checks that the caller owns the shop (another merchant's shop, or its
batches, is 404: nothing is said about it) and writes each change to the audit log
in the transaction of the change. Dates are local dates (Asia/Shanghai); "today" is
taken from the clock unless given (the tests give it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lifecircle.core.expiry import (
    ExpiryTable,
    Stage,
    checked_barcode,
    days_left,
    discounted_fen,
    expires_at,
    expiry_from_production,
    local_date,
    stage_on,
    warn_from,
)
from lifecircle.errors import ConflictError, ValidationError
from lifecircle.io.expiry import load_expiry_table
from lifecircle.store import stock
from lifecircle.store.audit import record_merchant_change
from lifecircle.store.db import session_scope
from lifecircle.store.models import City, utc_now
from lifecircle.store.owners import Shop, require_owned
from lifecircle.store.stock import Batch, BatchState
from lifecircle.store.versions import touch_places

if TYPE_CHECKING:
    from datetime import date, datetime

    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

MAX_SHELF_LIFE_DAYS = 3650
"""Longest shelf life a batch may give (ten years)."""
ENTITY = "batch"
"""The audit log's entity of a batch."""


@dataclass(frozen=True)
class BatchStatus:
    """A batch and where it stands on a day: stage, days left, suggested discount."""

    batch: Batch
    day: date
    stage: Stage
    days_left: int
    suggested_discount_pct: int

    @property
    def offer_live(self) -> bool:
        """Whether residents see its offer on ``day``."""
        b = self.batch
        return (
            b.offered_at is not None
            and b.state == BatchState.ACTIVE
            and b.quantity > 0
            and self.stage == Stage.NEAR_EXPIRY
        )


@dataclass(frozen=True)
class ExpiryList:
    """A shop's daily list: near-expiry (临期) and expired (已过期) batches still in stock."""

    place_id: int
    day: date
    near_expiry: tuple[BatchStatus, ...]
    expired: tuple[BatchStatus, ...]
    basis: str


def today_local(now: datetime | None = None) -> date:
    """Today's date in Asia/Shanghai (of ``now``, default the clock)."""
    return local_date(now or utc_now())


def status_of(batch: Batch, day: date, table: ExpiryTable) -> BatchStatus:
    """Where a stored batch stands on ``day``, with the ladder's suggested discount."""
    left = days_left(batch.expiry_date, day)
    ladder = table.ladders.get(batch.ladder)
    pct = 0 if ladder is None else ladder.discount_pct(days_left=left, lead_days=batch.lead_days)
    stage = stage_on(expiry=batch.expiry_date, lead_days=batch.lead_days, today=day)
    return BatchStatus(batch, day, stage, left, pct if stage == Stage.NEAR_EXPIRY else 0)


def _audit(
    session: Session,
    *,
    shop: Shop,
    user_id: int,
    batch_id: int,
    action: str,
    before: Batch | None,
    after: Batch | None,
) -> None:
    record_merchant_change(
        session,
        shop=shop,
        merchant_id=user_id,
        entity=ENTITY,
        entity_id=batch_id,
        action=action,
        before=None if before is None else before.audit_view(),
        after=None if after is None else after.audit_view(),
    )


def _dates(
    *,
    expiry_date: date | None,
    production_date: date | None,
    shelf_life_days: int | None,
    today: date,
) -> tuple[date, int | None]:
    """The expiry date and the shelf life (if known) from what the merchant gave."""
    if shelf_life_days is not None and not 1 <= shelf_life_days <= MAX_SHELF_LIFE_DAYS:
        raise ValidationError(
            f"shelf_life_days: {shelf_life_days} is outside 1-{MAX_SHELF_LIFE_DAYS}",
            field="shelf_life_days",
        )
    if production_date is not None and production_date > today:
        raise ValidationError(
            f"production_date: {production_date} is after today ({today})",
            field="production_date",
        )
    if expiry_date is None:
        if production_date is None or shelf_life_days is None:
            raise ValidationError(
                "expiry_date: give the expiry date, or the production date and the shelf life",
                field="expiry_date",
            )
        expiry_date = expiry_from_production(production_date, shelf_life_days)
    elif production_date is not None:
        implied = (expiry_date - production_date).days + 1
        if implied < 1:
            raise ValidationError(
                f"expiry_date: {expiry_date} is before the production date {production_date}",
                field="expiry_date",
            )
        if shelf_life_days is not None and shelf_life_days != implied:
            raise ValidationError(
                f"shelf_life_days: {shelf_life_days} days from {production_date} ends on "
                f"{expiry_from_production(production_date, shelf_life_days)}, not on the "
                f"expiry date {expiry_date}",
                field="shelf_life_days",
            )
        shelf_life_days = implied
    if expiry_date < today:
        raise ValidationError(
            f"expiry_date: {expiry_date} is past (today is {today}): an expired batch is "
            "not for sale, remove it from the shelf",
            field="expiry_date",
        )
    return expiry_date, shelf_life_days


def _city_name(session: Session, city_id: int) -> str:
    city = session.get(City, city_id)
    return "" if city is None else city.name


def create_batch(
    *,
    engine: Engine,
    user_id: int,
    place_id: int,
    product: str,
    quantity: int,
    food_class: str | None = None,
    barcode: str | None = None,
    expiry_date: date | None = None,
    production_date: date | None = None,
    shelf_life_days: int | None = None,
    now: datetime | None = None,
    table: ExpiryTable | None = None,
) -> BatchStatus:
    """Record a batch in one's own shop.

    Parameters
    ----------
    product, quantity
        What and how many (units of sale, 0-1,000,000).
    food_class
        A class of the near-expiry table; without one, the shelf life's band decides.
    barcode
        EAN-13 or EAN-8, check digit verified.
    expiry_date, production_date, shelf_life_days
        The expiry date (last day within shelf life), or the production date and the
        shelf life in days (the production day is day 1); any two, consistent.
    now
        The moment of recording (default the clock): "today" is its local date.

    Raises
    ------
    NotFoundError
        If the caller owns no such shop.
    ValidationError
        Naming the field: a bad barcode, unknown class, missing or inconsistent dates,
        an expiry date already past.

    """
    table = table or load_expiry_table()
    moment = now or utc_now()
    today = local_date(moment)
    name = product.strip()
    if not name:
        raise ValidationError("product: empty", field="product")
    if not 0 <= quantity <= 1_000_000:
        raise ValidationError(f"quantity: {quantity} is outside 0-1000000", field="quantity")
    code = None if barcode is None or not barcode.strip() else checked_barcode(barcode)
    expiry, shelf_life = _dates(
        expiry_date=expiry_date,
        production_date=production_date,
        shelf_life_days=shelf_life_days,
        today=today,
    )
    with session_scope(engine, write=True) as session:
        shop = require_owned(session, place_id=place_id, user_id=user_id)
        lead = table.lead_for(
            food_class=food_class,
            shelf_life_days=shelf_life,
            city=_city_name(session, shop.city_id),
        )
        batch = stock.add_batch(
            session,
            place_id=shop.place_id,
            city_id=shop.city_id,
            community_code=shop.community_code,
            product=name,
            barcode=code,
            quantity=quantity,
            food_class=food_class,
            production_date=production_date,
            shelf_life_days=shelf_life,
            expiry_date=expiry,
            lead_days=lead.lead_days,
            lead_basis=lead.basis,
            ladder=lead.ladder.name,
            warn_from=warn_from(expiry, lead.lead_days),
            expires_at=expires_at(expiry),
            state=BatchState.ACTIVE.value,
            created_by=user_id,
            at=moment,
        )
        _audit(
            session,
            shop=shop,
            user_id=user_id,
            batch_id=batch.id,
            action="create",
            before=None,
            after=batch,
        )
    return status_of(batch, today, table)


def shop_batches(
    *,
    engine: Engine,
    user_id: int,
    place_id: int,
    state: str | None = None,
    day: date | None = None,
    table: ExpiryTable | None = None,
) -> list[BatchStatus]:
    """One's shop's batches (``state``: only those), soonest expiry first, as of ``day``."""
    table = table or load_expiry_table()
    day = day or today_local()
    states = None if state is None else [BatchState(state).value]
    with session_scope(engine) as session:
        require_owned(session, place_id=place_id, user_id=user_id)
        batches = stock.list_batches(session, place_id=place_id, states=states)
    return [status_of(b, day, table) for b in batches]


def change_batch(
    *,
    engine: Engine,
    user_id: int,
    place_id: int,
    batch_id: int,
    quantity: int | None = None,
    state: str | None = None,
    now: datetime | None = None,
    table: ExpiryTable | None = None,
) -> BatchStatus:
    """Change a batch's quantity, or mark it ``sold`` or ``removed`` (which ends its offer).

    Raises
    ------
    NotFoundError
        If the caller owns no such shop, or the shop no such batch.
    ConflictError
        If the batch is already sold or removed (its record is closed).
    ValidationError
        For a state other than ``sold``/``removed``/``active``, or nothing to change.

    """
    table = table or load_expiry_table()
    moment = now or utc_now()
    values: dict[str, Any] = {}
    if quantity is not None:
        if not 0 <= quantity <= 1_000_000:
            raise ValidationError(f"quantity: {quantity} is outside 0-1000000", field="quantity")
        values["quantity"] = quantity
    if state is not None and state != BatchState.ACTIVE:
        if state not in (BatchState.SOLD, BatchState.REMOVED):
            raise ValidationError(
                f"state: {state!r}; a batch is marked 'sold' or 'removed'", field="state"
            )
        values["state"] = state
        values["closed_at"] = moment
    if not values:
        raise ValidationError("quantity, state: nothing to change", field="body")
    with session_scope(engine, write=True) as session:
        shop = require_owned(session, place_id=place_id, user_id=user_id)
        before = stock.get_batch(session, place_id=place_id, batch_id=batch_id)
        if not stock.change_batch(session, batch_id=batch_id, **values):
            raise ConflictError(
                f"batch {batch_id} is {before.state}: its record is closed", field="batch_id"
            )
        after = stock.get_batch(session, place_id=place_id, batch_id=batch_id)
        if before.offered_at is not None:  # its offer may end: nearby search follows
            touch_places(session, place_ids=[place_id])
        action = "update" if state is None or state == BatchState.ACTIVE else str(state)
        _audit(
            session,
            shop=shop,
            user_id=user_id,
            batch_id=batch_id,
            action=action,
            before=before,
            after=after,
        )
    return status_of(after, local_date(moment), table)


def expiry_list(
    *,
    engine: Engine,
    user_id: int,
    place_id: int,
    day: date | None = None,
    table: ExpiryTable | None = None,
) -> ExpiryList:
    """The daily list of one's shop: batches in stock near expiry or expired on ``day``."""
    table = table or load_expiry_table()
    day = day or today_local()
    with session_scope(engine) as session:
        require_owned(session, place_id=place_id, user_id=user_id)
        due = stock.due_for_warning(session, today=day, place_id=place_id)
    statuses = [status_of(b, day, table) for b in due]
    return ExpiryList(
        place_id=place_id,
        day=day,
        near_expiry=tuple(s for s in statuses if s.stage == Stage.NEAR_EXPIRY),
        expired=tuple(s for s in statuses if s.stage == Stage.EXPIRED),
        basis=table.basis,
    )


def publish_offer(
    *,
    engine: Engine,
    user_id: int,
    place_id: int,
    batch_id: int,
    price_fen: int | None = None,
    regular_price_fen: int | None = None,
    discount_pct: int | None = None,
    now: datetime | None = None,
    table: ExpiryTable | None = None,
) -> BatchStatus:
    """Offer a near-expiry batch to residents: a price, or a discount off the regular price.

    Give ``price_fen`` (the offer's price), or ``regular_price_fen`` with
    ``discount_pct`` (default: the ladder's suggestion for today). Publishing again
    replaces the offer. The offer ends by itself when the batch is sold, removed, out
    of stock or expired.

    Raises
    ------
    NotFoundError
        If the caller owns no such shop or batch.
    ConflictError
        If the batch is closed, out of stock, not yet near expiry, or expired.
    ValidationError
        For both or neither price, or a discount outside 0-99 %.

    """
    table = table or load_expiry_table()
    moment = now or utc_now()
    today = local_date(moment)
    if (price_fen is None) == (regular_price_fen is None):
        raise ValidationError(
            "price_fen: give the offer's price_fen, or regular_price_fen (with discount_pct)",
            field="price_fen",
        )
    if price_fen is not None and discount_pct is not None:
        raise ValidationError(
            "discount_pct: goes with regular_price_fen, not with price_fen", field="discount_pct"
        )
    with session_scope(engine, write=True) as session:
        shop = require_owned(session, place_id=place_id, user_id=user_id)
        before = stock.get_batch(session, place_id=place_id, batch_id=batch_id)
        status = status_of(before, today, table)
        if before.state != BatchState.ACTIVE or before.quantity == 0:
            why = before.state if before.state != BatchState.ACTIVE else "out of stock"
            raise ConflictError(f"batch {batch_id} is {why}: nothing to offer", field="batch_id")
        if status.stage == Stage.FRESH:
            raise ConflictError(
                f"batch {batch_id} is not near expiry yet (from {before.warn_from})",
                field="batch_id",
            )
        if status.stage == Stage.EXPIRED:
            raise ConflictError(
                f"batch {batch_id} expired on {before.expiry_date}: it may not be sold",
                field="batch_id",
            )
        pct = None
        if regular_price_fen is not None:
            pct = status.suggested_discount_pct if discount_pct is None else discount_pct
            if not 0 <= pct <= 99:
                raise ValidationError(f"discount_pct: {pct} is outside 0-99", field="discount_pct")
            price_fen = discounted_fen(regular_price_fen, pct)
        if not stock.change_batch(
            session,
            batch_id=batch_id,
            offer_price_fen=price_fen,
            offer_regular_fen=regular_price_fen,
            offer_discount_pct=pct,
            offered_at=moment,
        ):
            raise ConflictError(f"batch {batch_id} was closed meanwhile", field="batch_id")
        touch_places(session, place_ids=[place_id])  # nearby search shows the offer at once
        after = stock.get_batch(session, place_id=place_id, batch_id=batch_id)
        _audit(
            session,
            shop=shop,
            user_id=user_id,
            batch_id=batch_id,
            action="offer",
            before=before,
            after=after,
        )
    return status_of(after, today, table)
