"""What merging two places does to the platform's data hung on the place that goes.

:func:`lifecircle.store.places.merge_places` folds a duplicate place into another and
deletes it. Every row of the platform that names the dropped place moves to the kept
one here, in the merge's transaction, before the delete (whose ``ON DELETE CASCADE``
would otherwise take them):

- ``place_owners``: the owner moves with the shop; of two owners the same merchant
  keeps one row (the earlier ``since``); two *different* merchants refuse the merge
  (:class:`~lifecircle.errors.ConflictError`, before anything changed): an official
  decides which shop is which (:func:`ownership_conflict` says so beforehand).
- ``shop_profiles`` (one per place), ``shop_employees`` (one per place and month):
  of two rows the owner's side wins, else the more recent; an empty phone or service
  list of the winner is filled from the other.
- ``price_items``: every item moves with its history; of two live items of the same
  name and spec, the loser (by the same rule) is withdrawn, its history closed.
- ``coupons`` issued by the shop, ``coupon_shops`` (a campaign's or coupon's shops,
  each once), ``campaign_exclusions`` (an official's removal from a campaign, each
  once: a merge never lets a removed shop back in), ``coupon_redemptions``,
  ``stock_batches`` (filed under the kept shop's community), ``complaints``,
  ``shop_applications`` (a merchant's pending claim of both places is kept once, the
  other rejected with the reason): they move.
- ``notifications``: ``data.place_id`` naming the dropped place names the kept one.
- ``audit_log`` rows are never changed (the log is append-only): the merge adds one
  entry (entity ``place``, id the dropped place, action ``merge``) filed under the
  kept place, and :func:`lifecircle.store.audit.merged_place_ids` lets a place's
  history include the places merged into it.

Claims (``coupon_claims``) and price periods hang on coupons and items, not on places:
they follow them unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, bindparam, delete, exists, or_, select, update

from lifecircle.errors import ConflictError
from lifecircle.store.audit import MERGE, SYSTEM, Actor, AuditEntry, record_change
from lifecircle.store.campaigns import CampaignExclusion
from lifecircle.store.complaints import Complaint
from lifecircle.store.coupons import Coupon, CouponRedemption, CouponShop
from lifecircle.store.indicators import ShopEmployees
from lifecircle.store.models import PlaceOwner, utc_now
from lifecircle.store.notifications import Notification, notify
from lifecircle.store.prices import PriceItem, PricePeriod
from lifecircle.store.shops import ApplicationStatus, ShopApplication, ShopProfile
from lifecircle.store.stock import StockBatch

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session

    from lifecircle.store.models import Place

NO_SYNC = {"synchronize_session": False}
NOTICE_KIND = "shop_merged"
"""The notification kind a merchant gets when a shop of theirs took in a duplicate."""


@dataclass
class Carried:
    """What a merge moved from the dropped place to the kept one (counts per table)."""

    owner: str = "none"
    """``moved`` (the dropped place's owner now owns the kept one), ``same`` (one
    merchant owned both), ``kept`` (only the kept place was owned), ``none``."""
    owner_id: int | None = None
    community_code: str | None = None
    moved: dict[str, int] = field(default_factory=dict)
    resolved: dict[str, int] = field(default_factory=dict)
    """Rows of the dropped place that collided with the kept place's and lost."""
    history: bool = False
    """Whether the dropped place has audit entries (they stay under its id)."""

    def count(self, table: str, n: int, *, lost: bool = False) -> None:
        """Add ``n`` rows of ``table`` (moved, or ``lost`` a collision)."""
        if n:
            into = self.resolved if lost else self.moved
            into[table] = into.get(table, 0) + n

    @property
    def anything(self) -> bool:
        """Whether the dropped place had any platform data, or either place an owner."""
        return bool(self.moved or self.resolved or self.history or self.owner != "none")


_KEEP = bindparam("keep_id", type_=Integer)
_DROP = bindparam("drop_id", type_=Integer)
_CITY = bindparam("city_id", type_=Integer)
_OWNERS = select(PlaceOwner.place_id, PlaceOwner.user_id).where(
    or_(PlaceOwner.place_id == _KEEP, PlaceOwner.place_id == _DROP)
)
_ANY_ROWS = select(
    or_(
        *(
            exists().where(column == _DROP)
            for column in (
                PlaceOwner.place_id,
                ShopProfile.place_id,
                ShopEmployees.place_id,
                PriceItem.place_id,
                Coupon.issuer_place_id,
                CouponShop.place_id,
                CampaignExclusion.place_id,
                CouponRedemption.place_id,
                Complaint.place_id,
                StockBatch.place_id,
                ShopApplication.place_id,
            )
        ),
        exists().where(PlaceOwner.place_id == _KEEP),
        exists().where(AuditEntry.city_id == _CITY, AuditEntry.place_id == _DROP),
    )
)
"""Whether either place is owned or the dropped one has platform rows (built once: an
import may merge thousands of plain duplicates, and this is all they cost)."""


def ownership_conflict(session: Session, *, keep_id: int, drop_id: int) -> tuple[int, int] | None:
    """The two owners' ids if two different merchants own the places, else ``None``."""
    rows = dict(session.execute(_OWNERS, {"keep_id": keep_id, "drop_id": drop_id}).all())
    keeper, dropper = rows.get(keep_id), rows.get(drop_id)
    if keeper is not None and dropper is not None and keeper != dropper:
        return keeper, dropper
    return None


def check_mergeable(session: Session, *, keep_id: int, drop_id: int) -> None:
    """Refuse a merge of two shops of two different merchants.

    Raises
    ------
    ConflictError
        If both places have owners and they differ (field ``place``).

    """
    owners = ownership_conflict(session, keep_id=keep_id, drop_id=drop_id)
    if owners is not None:
        raise ConflictError(
            f"places {keep_id} and {drop_id} are shops of two different merchants "
            f"(accounts {owners[0]} and {owners[1]}): not merged; an official decides "
            "which shop is which",
            field="place",
        )


def carry_over(session: Session, *, keep: Place, drop: Place, actor: Actor = SYSTEM) -> Carried:
    """Move every platform row of ``drop`` to ``keep`` (call before deleting ``drop``).

    Audits the merge and notifies the owner when there was anything to carry. Call
    :func:`check_mergeable` first, before changing anything: two different owners
    found here raise :class:`~lifecircle.errors.ConflictError` too.
    """
    carried = Carried()
    if not _has_rows(session, keep, drop):  # a plain duplicate: most merges of an import
        return carried
    owner_side = _owners(session, keep.id, drop.id, carried)
    _profiles(session, keep.id, drop.id, owner_side, carried)
    _employees(session, keep.id, drop.id, owner_side, carried)
    _prices(session, keep.id, drop.id, owner_side, carried)
    _moves(session, keep.id, drop.id, carried)
    _applications(session, keep.id, drop.id, carried)
    _notifications(session, keep.id, drop.id, carried)
    carried.history = _has_history(session, keep.city_id, drop.id)
    if carried.anything:
        _record(session, keep, drop, actor, carried)
    return carried


def _owners(session: Session, keep_id: int, drop_id: int, carried: Carried) -> str | None:
    """Settle the owner; the side (``keep``/``drop``) whose data win collisions, if one."""
    rows = {
        row.place_id: row
        for row in session.scalars(
            select(PlaceOwner).where(PlaceOwner.place_id.in_([keep_id, drop_id]))
        )
    }
    kept, dropped = rows.get(keep_id), rows.get(drop_id)
    if kept is None and dropped is None:
        return None
    if kept is None and dropped is not None:
        carried.owner, carried.owner_id, carried.community_code = (
            "moved",
            dropped.user_id,
            dropped.community_code,
        )
        session.execute(
            update(PlaceOwner)
            .where(PlaceOwner.place_id == drop_id)
            .values(place_id=keep_id)
            .execution_options(**NO_SYNC)
        )
        session.expunge(dropped)
        return "drop"
    assert kept is not None
    if dropped is not None and dropped.user_id != kept.user_id:
        raise ConflictError(
            f"places {keep_id} and {drop_id} are shops of two different merchants",
            field="place",
        )
    carried.owner_id, carried.community_code = kept.user_id, kept.community_code
    if dropped is None:
        carried.owner = "kept"
        return "keep"
    carried.owner = "same"
    kept.since = min(kept.since, dropped.since)
    kept.community_code = kept.community_code or dropped.community_code
    carried.community_code = kept.community_code
    session.flush()
    return None


def _drop_wins(owner_side: str | None, kept_at: datetime, dropped_at: datetime) -> bool:
    """Whether the dropped place's row beats the kept one's: the owner's, else the newer."""
    if owner_side is not None:
        return owner_side == "drop"
    return dropped_at > kept_at


def _profiles(
    session: Session, keep_id: int, drop_id: int, owner_side: str | None, carried: Carried
) -> None:
    dropped = session.get(ShopProfile, drop_id)
    if dropped is None:
        return
    kept = session.get(ShopProfile, keep_id)
    if kept is None:
        session.execute(
            update(ShopProfile)
            .where(ShopProfile.place_id == drop_id)
            .values(place_id=keep_id)
            .execution_options(**NO_SYNC)
        )
        session.expunge(dropped)
        carried.count("shop_profiles", 1)
        return
    if _drop_wins(owner_side, kept.updated_at, dropped.updated_at):
        winner, loser = dropped, kept
    else:
        winner, loser = kept, dropped
    phone, services = winner.phone or loser.phone, list(winner.services or loser.services or [])
    kept.phone, kept.services, kept.updated_at = phone, services, winner.updated_at
    session.delete(dropped)
    session.flush()
    carried.count("shop_profiles", 1, lost=True)


def _employees(
    session: Session, keep_id: int, drop_id: int, owner_side: str | None, carried: Carried
) -> None:
    held = {
        row.period: row
        for row in session.scalars(select(ShopEmployees).where(ShopEmployees.place_id == keep_id))
    }
    for row in session.scalars(select(ShopEmployees).where(ShopEmployees.place_id == drop_id)):
        kept = held.get(row.period)
        if kept is None:
            session.execute(
                update(ShopEmployees)
                .where(ShopEmployees.place_id == drop_id, ShopEmployees.period == row.period)
                .values(place_id=keep_id)
                .execution_options(**NO_SYNC)
            )
            carried.count("shop_employees", 1)
            continue
        if _drop_wins(owner_side, kept.reported_at, row.reported_at):
            kept.employees, kept.reported_by = row.employees, row.reported_by
            kept.reported_at = row.reported_at
        carried.count("shop_employees", 1, lost=True)
    session.flush()
    session.execute(delete(ShopEmployees).where(ShopEmployees.place_id == drop_id))


def _prices(
    session: Session, keep_id: int, drop_id: int, owner_side: str | None, carried: Carried
) -> None:
    live = PriceItem.withdrawn_at.is_(None)
    held = {
        (row.name, row.spec): row
        for row in session.scalars(select(PriceItem).where(PriceItem.place_id == keep_id, live))
    }
    now = utc_now()
    for row in session.scalars(select(PriceItem).where(PriceItem.place_id == drop_id, live)):
        kept = held.get((row.name, row.spec))
        if kept is None:
            continue
        loser = row if not _drop_wins(owner_side, kept.updated_at, row.updated_at) else kept
        loser.withdrawn_at, loser.updated_at = now, now
        session.execute(
            update(PricePeriod)
            .where(PricePeriod.item_id == loser.id, PricePeriod.valid_until.is_(None))
            .values(valid_until=now)
        )
        carried.count("price_items", 1, lost=True)
    session.flush()
    moved = session.execute(
        update(PriceItem)
        .where(PriceItem.place_id == drop_id)
        .values(place_id=keep_id)
        .execution_options(**NO_SYNC)
    )
    carried.count("price_items", _rows(moved))


def _moves(session: Session, keep_id: int, drop_id: int, carried: Carried) -> None:
    """The rows that simply change place (no collision possible, or duplicates dropped)."""
    # a coupon's shops and a campaign's exclusions hold a place once: the dropped
    # place's rows the kept one has already go
    for table, place, other in (
        ("coupon_shops", CouponShop.place_id, CouponShop.coupon_id),
        ("campaign_exclusions", CampaignExclusion.place_id, CampaignExclusion.campaign_id),
    ):
        kept = select(other).where(place == keep_id)
        gone = session.execute(
            delete(place.class_)
            .where(place == drop_id, other.in_(kept))
            .execution_options(**NO_SYNC)
        )
        carried.count(table, _rows(gone), lost=True)
    moves: list[tuple[str, Any, dict[str, Any]]] = [
        ("coupons", Coupon.issuer_place_id, {"issuer_place_id": keep_id}),
        ("coupon_shops", CouponShop.place_id, {"place_id": keep_id}),
        ("campaign_exclusions", CampaignExclusion.place_id, {"place_id": keep_id}),
        ("coupon_redemptions", CouponRedemption.place_id, {"place_id": keep_id}),
        ("complaints", Complaint.place_id, {"place_id": keep_id}),
        ("stock_batches", StockBatch.place_id, {"place_id": keep_id}),
    ]
    for table, column, values in moves:
        filed = {}
        if table == "stock_batches" and carried.owner != "none":
            filed = {"community_code": carried.community_code}  # the kept shop's
        result = session.execute(
            update(column.class_)
            .where(column == drop_id)
            .values(**values, **filed)
            .execution_options(**NO_SYNC)
        )
        carried.count(table, _rows(result))


def _applications(session: Session, keep_id: int, drop_id: int, carried: Carried) -> None:
    pending = ShopApplication.status == ApplicationStatus.PENDING.value
    both = select(ShopApplication.applicant_id).where(ShopApplication.place_id == keep_id, pending)
    now = utc_now()
    rejected = session.execute(
        update(ShopApplication)
        .where(ShopApplication.place_id == drop_id, pending, ShopApplication.applicant_id.in_(both))
        .values(
            status=ApplicationStatus.REJECTED.value,
            decided_at=now,
            reason=f"the place was merged into place {keep_id}, which you also claimed: "
            "that claim stands",
        )
        .execution_options(**NO_SYNC)
    )
    carried.count("shop_applications", _rows(rejected), lost=True)
    moved = session.execute(
        update(ShopApplication)
        .where(ShopApplication.place_id == drop_id)
        .values(place_id=keep_id)
        .execution_options(**NO_SYNC)
    )
    carried.count("shop_applications", _rows(moved))


def _notifications(session: Session, keep_id: int, drop_id: int, carried: Carried) -> None:
    naming = session.scalars(
        select(Notification).where(Notification.data["place_id"].as_integer() == drop_id)
    ).all()
    for row in naming:
        row.data = dict(row.data) | {"place_id": keep_id}
    session.flush()
    carried.count("notifications", len(naming))


def _has_history(session: Session, city_id: int, place_id: int) -> bool:
    query = select(AuditEntry.id).where(
        AuditEntry.city_id == city_id, AuditEntry.place_id == place_id
    )
    return session.scalar(query.limit(1)) is not None


def _has_rows(session: Session, keep: Place, drop: Place) -> bool:
    """Whether either place is owned or the dropped one has platform rows: one query."""
    values = {"keep_id": keep.id, "drop_id": drop.id, "city_id": drop.city_id}
    return bool(session.scalar(_ANY_ROWS, values))


def _rows(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _record(session: Session, keep: Place, drop: Place, actor: Actor, carried: Carried) -> None:
    """The merge's audit entry, and the owner's notification."""
    record_change(
        session,
        city_id=keep.city_id,
        actor=actor,
        entity="place",
        entity_id=drop.id,
        action=MERGE,
        before={"place_id": drop.id, "uid": drop.uid, "name": drop.name},
        after={
            "place_id": keep.id,
            "uid": keep.uid,
            "name": keep.name,
            "owner": carried.owner,
            "owner_id": carried.owner_id,
            "moved": dict(sorted(carried.moved.items())),
            "resolved": dict(sorted(carried.resolved.items())),
        },
        place_id=keep.id,
        community_code=carried.community_code,
    )
    if carried.owner_id is None:
        return
    name = keep.name or drop.name or keep.uid
    notify(
        session,
        user_id=carried.owner_id,
        kind=NOTICE_KIND,
        title=f"您的店铺已与重复地点合并：{name}",
        body=(
            f"导入数据时发现 {drop.uid} 与 {keep.uid} 是同一家店，已合并为 {keep.uid}；"
            "价格、优惠券、核销记录、临期商品与店铺资料均已保留。"
        ),
        data={"place_id": keep.id, "uid": keep.uid, "merged_place_id": drop.id},
        key=f"{NOTICE_KIND}:{drop.id}",
    )
