"""Expiry warnings: a notification to the shop's owner when a batch nears expiry or expires.

Run once a day (``lifecircle stock warn``, from cron or a timer): every active batch
whose warning window has begun gets one notification (kind ``expiry_warning``) per
stage it enters: *near expiry* (keyed by the first day of its window) and *expired*
(keyed by the day after its expiry date). The key ``expiry:{batch}:{date}:{stage}``
makes a run idempotent: running it again, on the same day or a later one, sends
nothing twice; a batch skipped by a missed day is warned on the next run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from lifecircle.core.expiry import Stage
from lifecircle.errors import NotFoundError
from lifecircle.io.expiry import load_expiry_table
from lifecircle.services.stock.batches import status_of, today_local
from lifecircle.store import stock
from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope
from lifecircle.store.notifications import notify
from lifecircle.store.owners import shop_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.engine import Engine

    from lifecircle.core.expiry import ExpiryTable
    from lifecircle.services.stock.batches import BatchStatus

KIND = "expiry_warning"
"""The notifications' kind."""
CHUNK = 200
"""Batches warned per transaction."""


@dataclass(frozen=True)
class WarningRun:
    """What a run did: batches looked at, notifications sent (new ones only), the day."""

    day: date
    checked: int
    sent: int


def warning_key(status: BatchStatus) -> str:
    """The idempotency key of a batch's warning for the stage it is in."""
    b = status.batch
    if status.stage == Stage.EXPIRED:
        return f"expiry:{b.id}:{b.expiry_date + timedelta(days=1)}:expired"
    return f"expiry:{b.id}:{b.warn_from}:near_expiry"


def _message(status: BatchStatus) -> tuple[str, str]:
    b = status.batch
    if status.stage == Stage.EXPIRED:
        return (
            f"已过期 expired: {b.product}",
            (
                f"{b.quantity} × {b.product} expired on {b.expiry_date}: take it off the shelf "
                "and mark the batch removed. 已过期，请下架。"
            ),
        )
    offer = f", suggested {status.suggested_discount_pct}% off" * bool(
        status.suggested_discount_pct
    )
    return (
        f"临期 near expiry: {b.product}",
        (
            f"{b.quantity} × {b.product} expires on {b.expiry_date} "
            f"({status.days_left} days left{offer}). 临期，可发布临期优惠。"
        ),
    )


def send_expiry_warnings(
    *,
    engine: Engine,
    today: date | None = None,
    city: str | None = None,
    table: ExpiryTable | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> WarningRun:
    """Notify owners of batches that entered their warning window or expired by ``today``.

    Parameters
    ----------
    engine
        Database.
    today
        The local (Asia/Shanghai) date of the run; default today.
    city
        Only this city's shops; default every city.
    table
        The near-expiry table (default the packaged one), for the suggested discount.
    progress
        Called with (batches done, batches in all) after each chunk.

    Returns
    -------
    WarningRun

    Raises
    ------
    NotFoundError
        If ``city`` names no city.

    """
    table = table or load_expiry_table()
    day = today or today_local()
    with session_scope(engine) as session:
        city_id = None
        if city is not None:
            try:
                city_id = get_city(session, name=city).id
            except NotFoundError as exc:
                raise NotFoundError(str(exc), field="city") from None
        due = stock.due_for_warning(session, today=day, city_id=city_id)
    sent = 0
    for start in range(0, len(due), CHUNK):
        with session_scope(engine, write=True) as session:
            for batch in due[start : start + CHUNK]:
                status = status_of(batch, day, table)
                if status.stage == Stage.FRESH:
                    continue
                shop = shop_of(session, place_id=batch.place_id)
                if shop is None:  # nobody owns the shop any more: nobody to warn
                    continue
                title, body = _message(status)
                made = notify(
                    session,
                    user_id=shop.owner_id,
                    kind=KIND,
                    title=title,
                    body=body,
                    data={
                        "place_id": batch.place_id,
                        "batch_id": batch.id,
                        "stage": status.stage.value,
                        "expiry_date": batch.expiry_date.isoformat(),
                        "days_left": status.days_left,
                        "suggested_discount_pct": status.suggested_discount_pct,
                    },
                    key=warning_key(status),
                )
                sent += made is not None
        if progress is not None:
            progress(min(start + CHUNK, len(due)), len(due))
    return WarningRun(day=day, checked=len(due), sent=sent)
