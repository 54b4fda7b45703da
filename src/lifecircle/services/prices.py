"""Published prices (明码标价): merchants keep their shop's price list, residents read it.

A merchant publishes, changes and withdraws the items of the shops they own (another's
shop is "not found", whoever owns it). Each change writes the item, its price history
and the audit log (entity ``price``, before and after in fen) in one transaction.
Anyone reads a shop's current prices and the history of each item: no login, and
nothing about who reads is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lifecircle.core.money import MAX_PRICE_FEN, fen_from_yuan
from lifecircle.errors import NotFoundError, ValidationError
from lifecircle.services.accounts import plain_text
from lifecircle.store import prices
from lifecircle.store.audit import record_merchant_change
from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope
from lifecircle.store.models import utc_now
from lifecircle.store.owners import require_owned

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from lifecircle.store.owners import Shop
    from lifecircle.store.prices import Item, Period

ENTITY = "price"
"""The audit log's entity of a price item."""

MAX_BULK_ITEMS = 1000
"""The most items one bulk replacement (``PUT``) may carry."""

_BARCODE_DIGITS = (8, 14)


@dataclass(frozen=True)
class ItemDraft:
    """An item as a merchant gives it: text and price in fen."""

    name: str
    spec: str
    price_fen: int
    category: str | None = None
    barcode: str | None = None


def _text(value: str, *, field: str, longest: int, required: bool) -> str | None:
    clean = value.strip()
    if not clean:
        if required:
            raise ValidationError(f"{field} must not be empty", field=field)
        return None
    if len(clean) > longest or not plain_text(clean):
        raise ValidationError(
            f"{field} has at most {longest} characters, none of them a control character",
            field=field,
        )
    return clean


def price_of(*, price_fen: int | None, price_yuan: str | None, field: str = "price_fen") -> int:
    """The price in fen from exactly one of ``price_fen`` or a yuan text (``"3.50"``).

    Raises
    ------
    ValidationError
        If neither or both are given, or the price is not within 1 fen and
        :data:`~lifecircle.core.money.MAX_PRICE_FEN`.

    """
    prefix = field.removesuffix("price_fen")
    if (price_fen is None) == (price_yuan is None):
        raise ValidationError("give the price as price_fen or as price_yuan, not both", field=field)
    fen = (
        price_fen
        if price_fen is not None
        else fen_from_yuan(str(price_yuan), field=f"{prefix}price_yuan")
    )
    if not 1 <= fen <= MAX_PRICE_FEN:
        raise ValidationError(
            f"a price is between 1 fen and {MAX_PRICE_FEN} fen (999999.99 yuan), not {fen}",
            field=field,
        )
    return fen


def clean_draft(draft: ItemDraft, *, prefix: str = "") -> ItemDraft:
    """``draft`` with its text trimmed and checked, or an error naming the field.

    ``prefix`` goes before each field name (``items.3.``) in errors.
    """
    name = _text(draft.name, field=f"{prefix}name", longest=prices.NAME_LENGTH, required=True)
    spec = _text(draft.spec, field=f"{prefix}spec", longest=prices.SPEC_LENGTH, required=True)
    category = None
    if draft.category is not None:
        category = _text(
            draft.category,
            field=f"{prefix}category",
            longest=prices.CATEGORY_LENGTH,
            required=False,
        )
    barcode = None
    if draft.barcode is not None and draft.barcode.strip():
        barcode = draft.barcode.strip()
        low, high = _BARCODE_DIGITS
        if not (barcode.isascii() and barcode.isdigit() and low <= len(barcode) <= high):
            raise ValidationError(
                f"a barcode is {low} to {high} digits (EAN-8, EAN-13, GTIN-14)",
                field=f"{prefix}barcode",
            )
    price = price_of(price_fen=draft.price_fen, price_yuan=None, field=f"{prefix}price_fen")
    assert name is not None
    assert spec is not None
    return ItemDraft(name=name, spec=spec, price_fen=price, category=category, barcode=barcode)


def _audit(
    session: Session,
    *,
    shop: Shop,
    user_id: int,
    item_id: int,
    action: str,
    before: Item | None,
    after: Item | None,
) -> None:
    record_merchant_change(
        session,
        shop=shop,
        merchant_id=user_id,
        entity=ENTITY,
        entity_id=item_id,
        action=action,
        before=None if before is None else before.snapshot(),
        after=None if after is None else after.snapshot(),
    )


def shop_items(
    *, engine: Engine, user_id: int, place_id: int, withdrawn: bool = False
) -> list[Item]:
    """The items of one's shop (with ``withdrawn``, the withdrawn ones too, last).

    Raises
    ------
    NotFoundError
        If the account owns no such shop.

    """
    with session_scope(engine) as session:
        require_owned(session, place_id=place_id, user_id=user_id)
        return prices.shop_items(session, place_id=place_id, withdrawn=withdrawn)


def publish_item(
    *, engine: Engine, user_id: int, place_id: int, draft: ItemDraft, prefix: str = ""
) -> Item:
    """Publish a new item of one's shop at its first price.

    Raises
    ------
    NotFoundError
        If the account owns no such shop.
    ValidationError
        For an empty or too long text, a bad barcode or a price out of bounds.
    ConflictError
        If the shop publishes an item of that name and specification already.

    Errors name the field after ``prefix`` (``body.`` for the API).
    """
    clean = clean_draft(draft, prefix=prefix)
    with session_scope(engine, write=True) as session:
        shop = require_owned(session, place_id=place_id, user_id=user_id)
        return _add(session, shop=shop, user_id=user_id, draft=clean, at=utc_now())


def _add(session: Session, *, shop: Shop, user_id: int, draft: ItemDraft, at: datetime) -> Item:
    item = prices.add_item(
        session,
        place_id=shop.place_id,
        name=draft.name,
        spec=draft.spec,
        category=draft.category,
        barcode=draft.barcode,
        price_fen=draft.price_fen,
        at=at,
        by=user_id,
    )
    _audit(
        session,
        shop=shop,
        user_id=user_id,
        item_id=item.id,
        action="create",
        before=None,
        after=item,
    )
    return item


def _live(session: Session, *, shop: Shop, item_id: int) -> Item:
    item = prices.find_item(session, place_id=shop.place_id, item_id=item_id)
    if item is None:
        raise NotFoundError(
            f"shop {shop.place_id} publishes no item with id {item_id}", field="item_id"
        )
    return item


_FIELDS = ("name", "spec", "category", "barcode", "price_fen")


def update_item(
    *,
    engine: Engine,
    user_id: int,
    place_id: int,
    item_id: int,
    changes: dict[str, Any],
    prefix: str = "",
) -> Item:
    """Change an item's text or price (fields left out stay; ``None`` clears an optional one).

    A new price closes the item's current price period and opens one; a request that
    changes nothing writes nothing.

    Raises
    ------
    NotFoundError
        If the account owns no such shop or the shop has no such live item.
    ValidationError, ConflictError
        As :func:`publish_item`.

    """
    unknown = set(changes) - set(_FIELDS)
    if unknown:
        raise ValidationError(f"unknown fields {sorted(unknown)}", field=prefix + min(unknown))
    for required in ("name", "spec", "price_fen"):
        if required in changes and changes[required] is None:
            raise ValidationError(f"{required} cannot be cleared", field=prefix + required)
    with session_scope(engine, write=True) as session:
        shop = require_owned(session, place_id=place_id, user_id=user_id)
        before = _live(session, shop=shop, item_id=item_id)
        merged = before.snapshot() | changes
        clean = clean_draft(ItemDraft(**merged), prefix=prefix)
        return _change(session, shop=shop, user_id=user_id, before=before, clean=clean)


def _change(session: Session, *, shop: Shop, user_id: int, before: Item, clean: ItemDraft) -> Item:
    wanted = {f: getattr(clean, f) for f in _FIELDS}
    diff = {f: v for f, v in wanted.items() if before.snapshot()[f] != v}
    if not diff:
        return before
    after = prices.change_item(session, item=before, changes=diff, at=utc_now(), by=user_id)
    _audit(
        session,
        shop=shop,
        user_id=user_id,
        item_id=before.id,
        action="update",
        before=before,
        after=after,
    )
    return after


def withdraw_item(*, engine: Engine, user_id: int, place_id: int, item_id: int) -> None:
    """Withdraw an item of one's shop: it is no longer shown; its history stays.

    Raises
    ------
    NotFoundError
        If the account owns no such shop or the shop has no such live item.

    """
    with session_scope(engine, write=True) as session:
        shop = require_owned(session, place_id=place_id, user_id=user_id)
        item = _live(session, shop=shop, item_id=item_id)
        _withdraw(session, shop=shop, user_id=user_id, item=item, at=utc_now())


def _withdraw(session: Session, *, shop: Shop, user_id: int, item: Item, at: datetime) -> None:
    prices.withdraw_item(session, item=item, at=at)
    _audit(
        session,
        shop=shop,
        user_id=user_id,
        item_id=item.id,
        action="delete",
        before=item,
        after=None,
    )


@dataclass(frozen=True)
class Replacement:
    """What a bulk replacement did, and the shop's items after it."""

    created: int
    updated: int
    withdrawn: int
    unchanged: int
    items: list[Item]


def replace_items(
    *,
    engine: Engine,
    user_id: int,
    place_id: int,
    drafts: Sequence[ItemDraft],
    field: str = "items",
) -> Replacement:
    """Make the shop's live items exactly ``drafts``, matched by name and specification.

    A draft matching a live item updates it (a new price opens a new period); a new one
    is published; a live item no draft names is withdrawn. All in one transaction: any
    bad draft refuses the whole list.

    Raises
    ------
    NotFoundError
        If the account owns no such shop.
    ValidationError
        For a bad draft (the field is named ``{field}.{i}.{name}``: ``items.3.spec``),
        two drafts of the same name and specification, or more than
        :data:`MAX_BULK_ITEMS` drafts.

    """
    if len(drafts) > MAX_BULK_ITEMS:
        raise ValidationError(f"at most {MAX_BULK_ITEMS} items at once", field=field)
    cleaned: dict[tuple[str, str], ItemDraft] = {}
    for i, draft in enumerate(drafts):
        clean = clean_draft(draft, prefix=f"{field}.{i}.")
        key = (clean.name, clean.spec)
        if key in cleaned:
            raise ValidationError(
                f"{clean.name!r} ({clean.spec}) is given twice", field=f"{field}.{i}.name"
            )
        cleaned[key] = clean
    with session_scope(engine, write=True) as session:
        shop = require_owned(session, place_id=place_id, user_id=user_id)
        at = utc_now()
        current = {(i.name, i.spec): i for i in prices.shop_items(session, place_id=place_id)}
        created = updated = withdrawn = 0
        for key, item in current.items():
            if key not in cleaned:
                locked = _live(session, shop=shop, item_id=item.id)
                _withdraw(session, shop=shop, user_id=user_id, item=locked, at=at)
                withdrawn += 1
        for key, clean in cleaned.items():
            if key in current:
                before = _live(session, shop=shop, item_id=current[key].id)
                after = _change(session, shop=shop, user_id=user_id, before=before, clean=clean)
                updated += after is not before
            else:
                _add(session, shop=shop, user_id=user_id, draft=clean, at=at)
                created += 1
        items = prices.shop_items(session, place_id=place_id)
    unchanged = len(cleaned) - created - updated
    return Replacement(created, updated, withdrawn, unchanged, items)


# --- the residents' view ----------------------------------------------------------------


@dataclass(frozen=True)
class PublicShop:
    """A place's published prices as anyone sees them."""

    place_id: int
    uid: str
    name: str | None
    items: list[Item]


@dataclass(frozen=True)
class PublicHistory:
    """One item of a place and every price it has had, oldest first."""

    place_id: int
    uid: str
    item: Item
    periods: list[Period]


def _place(session: Session, *, city: str, uid: str) -> tuple[int, str, str | None]:
    try:
        city_id = get_city(session, name=city).id
    except NotFoundError as exc:
        raise NotFoundError(str(exc), field="city") from None
    row = prices.place_by_uid(session, city_id=city_id, uid=uid)
    if row is None:
        raise NotFoundError(f"city {city!r} has no place {uid!r}", field="uid")
    return row


def public_prices(*, engine: Engine, city: str, uid: str) -> PublicShop:
    """The live items of the place ``uid`` of ``city`` (empty if it publishes none).

    Raises
    ------
    NotFoundError
        If the city or the place does not exist.

    """
    with session_scope(engine) as session:
        place_id, found_uid, name = _place(session, city=city, uid=uid)
        items = prices.shop_items(session, place_id=place_id)
    return PublicShop(place_id=place_id, uid=found_uid, name=name, items=items)


def public_history(*, engine: Engine, city: str, uid: str, item_id: int) -> PublicHistory:
    """An item of a place with every price it has had (withdrawn items too).

    Raises
    ------
    NotFoundError
        If the city, the place or the item (of that place) does not exist.

    """
    with session_scope(engine) as session:
        place_id, found_uid, _name = _place(session, city=city, uid=uid)
        item = prices.find_item(session, place_id=place_id, item_id=item_id, live=False)
        if item is None:
            raise NotFoundError(f"place {uid!r} has no item with id {item_id}", field="item_id")
        periods = prices.item_history(session, item_id=item_id)
    return PublicHistory(place_id=place_id, uid=found_uid, item=item, periods=periods)
