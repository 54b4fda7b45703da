"""The audit log and notifications, stored on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete

from lifecircle.store.audit import SYSTEM, Actor, changes_of, list_changes, record_change
from lifecircle.store.db import session_scope
from lifecircle.store.models import Role, User
from lifecircle.store.notifications import list_notices, mark_read, notify

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def _user(engine: Engine, name: str) -> int:
    with session_scope(engine) as session:
        user = User(username=name, password_hash="x", role=Role.MERCHANT)
        session.add(user)
        session.flush()
        return user.id


def test_changes_are_filtered_by_community_place_entity_and_time(
    engine: Engine, city_id: int
) -> None:
    merchant = Actor(id=_user(engine, "m1"), role="merchant")
    with session_scope(engine) as session:
        record_change(
            session, city_id=city_id, actor=merchant, entity="price", entity_id=1,
            action="create", before=None, after={"price_fen": 350}, place_id=7,
            community_code="440304001019",
        )  # fmt: skip
        record_change(
            session, city_id=city_id, actor=merchant, entity="price", entity_id=1,
            action="update", before={"price_fen": 350}, after={"price_fen": 420}, place_id=7,
            community_code="440304001019",
        )  # fmt: skip
        record_change(
            session, city_id=city_id, actor=SYSTEM, entity="batch", entity_id=9,
            action="expire", before=None, after={"state": "expired"}, place_id=8,
            community_code="440305001001",
        )  # fmt: skip
        record_change(
            session, city_id=city_id, actor=merchant, entity="shop", entity_id=10,
            action="create", before=None, after={"name": "SYNTHETIC"}, place_id=10,
        )  # fmt: skip
    with session_scope(engine) as session:
        everything, total = list_changes(session, city_id=city_id)
        assert total == 4
        assert [c.entity for c in everything] == ["shop", "batch", "price", "price"]  # newest first
        futian, n = list_changes(session, city_id=city_id, communities={"440304001019"})
        assert n == 2
        assert {c.place_id for c in futian} == {7}
        assert futian[0].before == {"price_fen": 350}
        assert futian[0].after == {"price_fen": 420}
        assert list_changes(session, city_id=city_id, communities=set())[1] == 0
        assert list_changes(session, city_id=city_id, entity="batch")[0][0].actor_role == "system"
        assert list_changes(session, city_id=city_id, place_id=10)[1] == 1
        later = datetime.now(UTC) + timedelta(minutes=1)
        assert list_changes(session, city_id=city_id, since=later)[1] == 0
        page, n = list_changes(session, city_id=city_id, limit=1, offset=1)
        assert (n, [c.entity for c in page]) == (4, ["batch"])
        history = changes_of(session, entity="price", entity_id=1)
        assert [c.action for c in history] == ["create", "update"]


def test_a_deleted_account_leaves_its_changes(engine: Engine, city_id: int) -> None:
    merchant = _user(engine, "gone")
    with session_scope(engine) as session:
        record_change(
            session, city_id=city_id, actor=Actor(merchant, "merchant"), entity="coupon",
            entity_id=3, action="create", before=None, after={"quantity": 100},
        )  # fmt: skip
    with session_scope(engine) as session:
        session.execute(delete(User).where(User.id == merchant))
    with session_scope(engine) as session:
        (change,) = changes_of(session, entity="coupon", entity_id=3)
    assert change.actor_id is None
    assert change.actor_role == "merchant"
    assert change.after == {"quantity": 100}


def test_notifications_are_idempotent_per_key_and_private(engine: Engine) -> None:
    alice, bob = _user(engine, "alice"), _user(engine, "bob")
    with session_scope(engine) as session:
        first = notify(
            session, user_id=alice, kind="expiry_warning", title="牛奶 临期", key="b1:d1"
        )
        again = notify(
            session, user_id=alice, kind="expiry_warning", title="牛奶 临期", key="b1:d1"
        )
        other = notify(session, user_id=bob, kind="expiry_warning", title="x", key="b1:d1")
        plain = notify(session, user_id=alice, kind="redemption", title="核销", data={"coupon": 1})
    assert first is not None
    assert again is None
    assert other is not None
    assert plain is not None
    with session_scope(engine) as session:
        notices, total, unread = list_notices(session, user_id=alice)
        assert (total, unread) == (2, 2)
        assert notices[0].data == {"coupon": 1}
        # bob's id in alice's request changes nothing of bob's
        assert mark_read(session, user_id=alice, ids=[other, first]) == 1
    with session_scope(engine) as session:
        assert list_notices(session, user_id=bob)[2] == 1
        assert list_notices(session, user_id=alice, unread_only=True)[1] == 1
        assert mark_read(session, user_id=alice) == 1
        assert list_notices(session, user_id=alice)[2] == 0
