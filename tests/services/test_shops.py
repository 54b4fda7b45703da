"""Shop applications and shop edits through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from lifecircle.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from lifecircle.services import shop_profiles, shops
from lifecircle.services.shop_profiles import ShopChanges
from lifecircle.services.shops import NewShop
from lifecircle.store.audit import changes_of
from lifecircle.store.db import session_scope
from lifecircle.store.models import City, PlaceSource
from lifecircle.store.notifications import list_notices
from lifecircle.store.owners import owner_of
from lifecircle.store.places import remove_absent_places
from tests.services.shops_world import (
    CITY,
    IN_FUTIAN,
    IN_NANSHAN,
    NANTOUCHENG,
    OSM_SHOP,
    SHAPUTOU,
    ShopWorld,
    build_shop_world,
)
from tests.store import conftest as store_conftest

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

postgres = store_conftest.postgres
empty_engine = store_conftest.empty_engine
engine = store_conftest.engine


@pytest.fixture
def world(engine: Engine) -> ShopWorld:
    return build_shop_world(engine)


def _shop(**overrides: object) -> NewShop:
    values: dict = {
        "name": "SYNTHETIC 好邻居",
        "categories": ["convenience_store"],
        "lon": IN_FUTIAN[0],
        "lat": IN_FUTIAN[1],
        "opening_hours": "Mo-Su 07:00-23:00",
        "phone": "0755-12345678",
        "services": ["parcel_collection", "bill_payment"],
    }
    return NewShop(**(values | overrides))


def _version(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(City.places_version).where(City.name == CITY)) or 0)


def test_a_new_shop_is_pending_in_its_community(world: ShopWorld) -> None:
    merchant = world.accounts["merchant"]
    app = shops.apply_for_shop(engine=world.engine, account=merchant, city=CITY, shop=_shop())
    assert (app.kind, app.status, app.community_code) == ("new", "pending", SHAPUTOU)
    assert app.services == ("parcel_collection", "bill_payment")
    south = shops.apply_for_shop(
        engine=world.engine,
        account=merchant,
        city=CITY,
        shop=_shop(lon=IN_NANSHAN[0], lat=IN_NANSHAN[1]),
    )
    assert south.community_code == NANTOUCHENG
    with session_scope(world.engine) as session:
        assert [
            c.action for c in changes_of(session, entity="shop_application", entity_id=app.id)
        ] == ["apply"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"opening_hours": "Jan-Mar 08:00-18:00"}, "opening_hours"),
        ({"opening_hours": "周一至周日"}, "opening_hours"),
        ({"opening_hours": None, "weekly_hours": {"mon": ["8-9"]}}, "weekly_hours"),
        ({"weekly_hours": {"mon": ["08:00-09:00"]}}, "weekly_hours"),  # both given
        ({"categories": ["no_such_category"]}, "categories"),
        ({"services": ["massage"]}, "services"),
        ({"crs": "utm"}, "crs"),
        ({"lon": 400.0}, "lon"),
    ],
    ids=["months", "free-text", "bad-span", "both", "category", "service", "crs", "lon"],
)
def test_bad_fields_are_named(world: ShopWorld, overrides: dict, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        shops.apply_for_shop(
            engine=world.engine,
            account=world.accounts["merchant"],
            city=CITY,
            shop=_shop(**overrides),
        )
    assert caught.value.field == field


def test_weekly_form_becomes_opening_hours(world: ShopWorld) -> None:
    app = shops.apply_for_shop(
        engine=world.engine,
        account=world.accounts["merchant"],
        city=CITY,
        shop=_shop(
            opening_hours=None,
            weekly_hours={"mon": ["08:00-12:00", "13:00-18:00"], "sat": ["22:00-02:00"]},
        ),
    )
    assert app.opening_hours == "Mo 08:00-12:00,13:00-18:00; Sa 22:00-02:00"


def test_officials_of_the_area_approve_and_the_shop_is_made(world: ShopWorld) -> None:
    eng, merchant = world.engine, world.accounts["merchant"]
    app = shops.apply_for_shop(engine=eng, account=merchant, city=CITY, shop=_shop())
    with pytest.raises(PermissionDeniedError):
        shops.approve(engine=eng, account=world.accounts["official_out"], application_id=app.id)
    with pytest.raises(PermissionDeniedError):
        shops.approve(engine=eng, account=world.accounts["resident"], application_id=app.id)
    before = _version(eng)
    done = shops.approve(engine=eng, account=world.accounts["official_in"], application_id=app.id)
    assert done.status == "approved"
    assert _version(eng) > before
    page = shop_profiles.place_page(engine=eng, city=CITY, uid=f"merchant:{app.id}")
    assert page.id == done.place_id
    assert page.verified
    assert page.phone == "0755-12345678"
    assert [c.name_zh for c in page.categories] == ["便利店"]
    assert [s.name_zh for s in page.services] == ["代收代缴", "代收快递"]
    with session_scope(eng) as session:
        assert owner_of(session, place_id=page.id) == merchant.id
        sources = session.execute(
            select(PlaceSource.source, PlaceSource.source_id).where(PlaceSource.place_id == page.id)
        ).all()
        assert sources == [("merchant", str(app.id))]
        actions = [
            c.action for c in changes_of(session, entity="shop_application", entity_id=app.id)
        ]
        assert actions == ["apply", "approve"]
        assert [c.action for c in changes_of(session, entity="shop", entity_id=page.id)] == [
            "create"
        ]
        notices, _, _ = list_notices(session, user_id=merchant.id)
    assert [n.kind for n in notices] == ["claim_decision"]
    with pytest.raises(ConflictError):  # decided once
        shops.reject(engine=eng, account=world.accounts["admin"], application_id=app.id, reason="x")


def test_reject_tells_the_merchant_why(world: ShopWorld) -> None:
    merchant = world.accounts["merchant"]
    app = shops.apply_for_shop(engine=world.engine, account=merchant, city=CITY, shop=_shop())
    done = shops.reject(engine=world.engine, account=None, application_id=app.id, reason="地址不实")
    assert (done.status, done.reason, done.place_id) == ("rejected", "地址不实", None)
    with session_scope(world.engine) as session:
        notices, _, _ = list_notices(session, user_id=merchant.id)
        change = changes_of(session, entity="shop_application", entity_id=app.id)[-1]
    assert notices[0].body == "地址不实"
    assert (change.actor_role, change.action, change.community_code) == (
        "system",
        "reject",
        SHAPUTOU,
    )


def test_claims_one_pending_per_merchant_and_409_when_owned(world: ShopWorld) -> None:
    eng = world.engine
    first, second = world.merchant(), world.merchant()
    claim = shops.claim_place(engine=eng, account=first, city=CITY, uid="osm:node/1")
    assert (claim.kind, claim.place_id, claim.community_code) == (
        "claim",
        world.osm_place,
        SHAPUTOU,
    )
    with pytest.raises(ConflictError):
        shops.claim_place(engine=eng, account=first, city=CITY, uid="osm:node/1")
    other = shops.claim_place(engine=eng, account=second, city=CITY, uid="osm:node/1")
    shops.approve(engine=eng, account=world.accounts["official_in"], application_id=claim.id)
    with pytest.raises(ConflictError):
        shops.approve(engine=eng, account=world.accounts["admin"], application_id=other.id)
    mine = shops.my_applications(engine=eng, user_id=second.id)
    assert [a.status for a in mine] == ["pending"]  # the failed approval changed nothing
    with pytest.raises(ConflictError):
        shops.claim_place(engine=eng, account=world.merchant(), city=CITY, uid="osm:node/1")
    with pytest.raises(NotFoundError):
        shops.claim_place(engine=eng, account=first, city=CITY, uid="osm:node/999")


def test_concurrent_approvals_of_claims_of_one_place_give_one_owner(world: ShopWorld) -> None:
    eng = world.engine
    claims = [
        shops.claim_place(engine=eng, account=world.merchant(), city=CITY, uid="osm:node/1")
        for _ in range(6)
    ]
    outcomes: list[str] = []
    barrier = threading.Barrier(len(claims))

    def decide(application_id: int) -> None:
        barrier.wait()
        try:
            shops.approve(
                engine=eng, account=world.accounts["admin"], application_id=application_id
            )
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=decide, args=(c.id,)) for c in claims]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 5 + ["ok"]
    with session_scope(eng) as session:
        owner = owner_of(session, place_id=world.osm_place)
    approved = [
        a
        for c in claims
        for a in shops.my_applications(engine=eng, user_id=c.applicant_id)
        if a.status == "approved"
    ]
    assert [a.applicant_id for a in approved] == [owner]


def test_a_new_shop_duplicating_a_place_becomes_its_claim(world: ShopWorld) -> None:
    eng, merchant = world.engine, world.accounts["merchant"]
    # 10 m east of the OSM 7-Eleven, named as a map provider would
    app = shops.apply_for_shop(
        engine=eng,
        account=merchant,
        city=CITY,
        shop=_shop(
            name="7-ELEVEn便利店(福田店)",
            lon=OSM_SHOP[0] + 0.0001,
            lat=OSM_SHOP[1],
            address="华强北路1号",
        ),
    )
    done = shops.approve(engine=eng, account=world.accounts["admin"], application_id=app.id)
    assert (done.kind, done.place_id) == ("claim", world.osm_place)
    page = shop_profiles.place_page(engine=eng, city=CITY, uid="osm:node/1")
    assert page.verified
    assert page.address == "华强北路1号"
    assert page.phone == "0755-12345678"
    # another merchant's duplicate of an owned place: 409 naming it, still pending
    again = shops.apply_for_shop(
        engine=eng,
        account=world.merchant(),
        city=CITY,
        shop=_shop(name="7-Eleven", lon=OSM_SHOP[0], lat=OSM_SHOP[1]),
    )
    with pytest.raises(ConflictError, match="osm:node/1"):
        shops.approve(engine=eng, account=world.accounts["admin"], application_id=again.id)


def test_reimports_of_other_sources_keep_merchant_shops(world: ShopWorld) -> None:
    eng = world.engine
    new = shops.apply_for_shop(
        engine=eng, account=world.accounts["merchant"], city=CITY, shop=_shop()
    )
    made = shops.approve(engine=eng, account=None, application_id=new.id)
    claim = shops.claim_place(engine=eng, account=world.merchant(), city=CITY, uid="osm:node/1")
    shops.approve(engine=eng, account=None, application_id=claim.id)
    with session_scope(eng) as session:  # OSM re-imported without node/1
        removal = remove_absent_places(session, city_id=world.city_id, source="osm", listed=[])
    assert removal.deleted == 0  # the claimed place is also the merchant source's
    assert shop_profiles.place_page(engine=eng, city=CITY, uid="osm:node/1").verified
    assert shop_profiles.place_page(engine=eng, city=CITY, uid=f"merchant:{made.id}").verified


def test_the_owner_edits_the_shop_and_nobody_else(world: ShopWorld) -> None:
    eng, merchant = world.engine, world.accounts["merchant"]
    app = shops.apply_for_shop(engine=eng, account=merchant, city=CITY, shop=_shop())
    place_id = shops.approve(engine=eng, account=None, application_id=app.id).place_id
    assert place_id is not None
    with pytest.raises(NotFoundError):
        shop_profiles.update_shop(
            engine=eng, account=world.merchant(), place_id=place_id, changes=ShopChanges(name="x")
        )
    before = _version(eng)
    page = shop_profiles.update_shop(
        engine=eng,
        account=merchant,
        place_id=place_id,
        changes=ShopChanges(
            name="SYNTHETIC 好邻居（新）",
            services=["open_24h"],
            weekly_hours={
                d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
            },
            categories=["pharmacy", "convenience_store"],
            position=(IN_NANSHAN[0], IN_NANSHAN[1], "wgs84"),
        ),
    )
    assert _version(eng) > before
    assert page.name == "SYNTHETIC 好邻居（新）"
    assert page.open_now is True
    assert [s.code for s in page.services] == ["open_24h"]
    assert sorted(c.code for c in page.categories) == ["convenience_store", "pharmacy"]
    assert page.phone == "0755-12345678"  # left alone
    with session_scope(eng) as session:
        change = changes_of(session, entity="shop", entity_id=place_id)[-1]
    assert change.action == "update"
    assert change.community_code == NANTOUCHENG  # re-filed where it moved
    assert change.before["name"] == "SYNTHETIC 好邻居"
    assert change.after["services"] == ["open_24h"]
