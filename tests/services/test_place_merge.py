"""A merged place keeps its merchant's data: owner, profile, prices, coupons, stock...

When two sources' records are found to be one shop, the dropped place's rows move to
the kept one (``store/place_merge.py``). Every test runs on a SQLite file and on a real
PostgreSQL server (the store fixtures). The shops, accounts and files are SYNTHETIC.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from lifecircle.config import Settings
from lifecircle.errors import ConflictError
from lifecircle.services.campaign_changes import join_campaign
from lifecircle.services.campaign_shops import enrol_shop, remove_shop
from lifecircle.services.campaigns import CampaignSpec, create_campaign
from lifecircle.services.city.places import import_places
from lifecircle.services.complaints import file_complaint
from lifecircle.services.coupon_claims import claim_coupon
from lifecircle.services.coupons import CouponSpec, create_coupon, shop_coupons
from lifecircle.services.ownership import grant_place, my_places
from lifecircle.services.prices import ItemDraft, publish_item, shop_items
from lifecircle.services.redemptions import redeem
from lifecircle.services.shops import claim_place, my_applications
from lifecircle.services.stock.batches import create_batch, shop_batches, today_local
from lifecircle.store import campaigns as campaign_store
from lifecircle.store import shops as shop_store
from lifecircle.store.audit import AuditEntry, list_changes
from lifecircle.store.complaints import Complaint, ComplaintKind
from lifecircle.store.coupons import CouponClaim, CouponRedemption, CouponShop
from lifecircle.store.db import session_scope
from lifecircle.store.indicators import ShopEmployees
from lifecircle.store.models import Place, PlaceSource, utc_now
from lifecircle.store.notifications import list_notices
from lifecircle.store.owners import owner_of
from lifecircle.store.places import attach_place_source, merge_places, upsert_places
from lifecircle.store.prices import PriceItem, PricePeriod
from tests.services.shops_world import CITY, OSM_SHOP, SHAPUTOU, ShopWorld, build_shop_world
from tests.store import conftest as store_conftest

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Engine

    from lifecircle.services.accounts import Account

# the store's fixtures: every test here runs on a SQLite file and on PostgreSQL
postgres = store_conftest.postgres
empty_engine = store_conftest.empty_engine
engine = store_conftest.engine


@pytest.fixture
def world(engine: Engine) -> ShopWorld:
    return build_shop_world(engine)


def _amap_twin(world: ShopWorld, source_id: str = "B0FF1", **extra: object) -> int:
    """A second source's record of the OSM 7-Eleven, about 10 m away."""
    row = {"source_id": source_id, "lon": OSM_SHOP[0] + 1e-4, "lat": OSM_SHOP[1]}
    with session_scope(world.engine) as session:
        placed = upsert_places(
            session,
            city_id=world.city_id,
            source="amap",
            rows=[row | {"name": "7-ELEVEn便利店"} | extra],  # type: ignore[list-item]
        )
    return placed.place_ids[source_id]


def _coupon(engine: Engine, merchant: Account, place_id: int) -> int:
    """A shop coupon of ``place_id``: 3 yuan off 20, ten of them, valid a week."""
    now = utc_now()
    spec = CouponSpec(
        title="满20减3",
        kind="threshold",
        quantity=10,
        valid_from=now - timedelta(hours=1),
        valid_until=now + timedelta(days=7),
        amount_off_fen=300,
        min_spend_fen=2000,
    )
    return create_coupon(engine=engine, user_id=merchant.id, place_id=place_id, spec=spec).id


def _stock_shop(world: ShopWorld, place_id: int, merchant: Account) -> dict[str, int]:
    """Make ``merchant`` own ``place_id`` with a profile, prices, a coupon claimed and
    redeemed, a batch and a complaint; the ids made."""
    engine = world.engine
    grant_place(engine=engine, user_id=merchant.id, place_id=place_id)
    with session_scope(engine) as session:
        shop_store.set_profile(
            session, place_id=place_id, phone="0755-8888 0000", services=["parcel_collection"]
        )
        session.add(ShopEmployees(place_id=place_id, period="2026-11", employees=4))
    milk = publish_item(
        engine=engine,
        user_id=merchant.id,
        place_id=place_id,
        draft=ItemDraft(name="牛奶", spec="1L", price_fen=1250),
    )
    coupon = _coupon(engine, merchant, place_id)
    resident = world.accounts["resident"]
    claimed = claim_coupon(engine=engine, user_id=resident.id, coupon_id=coupon)
    redeem(
        engine=engine,
        user_id=merchant.id,
        place_id=place_id,
        code=claimed.claim.code,
        spent_fen=2500,
    )
    batch = create_batch(
        engine=engine,
        user_id=merchant.id,
        place_id=place_id,
        product="酸奶",
        quantity=6,
        expiry_date=today_local() + timedelta(days=3),
        shelf_life_days=21,
    )
    with session_scope(engine) as session:
        uid = session.scalars(select(Place.uid).where(Place.id == place_id)).one()
    file_complaint(
        engine=engine,
        account=resident,
        city=CITY,
        uid=uid,
        kind=ComplaintKind.NO_PRICE_TAGS,
        description="SYNTHETIC: 货架上没有标价",
    )
    return {"item": milk.id, "coupon": coupon, "batch": batch.batch.id}


def _counts(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as session:
        claims = session.scalar(select(func.count()).select_from(CouponClaim))
        redemptions = session.scalar(select(func.count()).select_from(CouponRedemption))
    return int(claims or 0), int(redemptions or 0)


def _assert_shop_whole(world: ShopWorld, place_id: int, merchant: Account, ids: dict[str, int]):
    """Every object of the stocked shop is reachable from ``place_id``, owned by ``merchant``."""
    engine = world.engine
    assert [p.id for p in my_places(engine=engine, user_id=merchant.id)] == [place_id]
    items = shop_items(engine=engine, user_id=merchant.id, place_id=place_id)
    assert [(i.id, i.name, i.price_fen) for i in items] == [(ids["item"], "牛奶", 1250)]
    (coupon,) = shop_coupons(engine=engine, user_id=merchant.id, place_id=place_id)
    assert (coupon.id, coupon.issuer_place_id, coupon.claimed, coupon.redeemed) == (
        ids["coupon"],
        place_id,
        1,
        1,
    )
    (batch,) = shop_batches(engine=engine, user_id=merchant.id, place_id=place_id)
    assert (batch.batch.id, batch.batch.place_id, batch.batch.community_code) == (
        ids["batch"],
        place_id,
        SHAPUTOU,
    )
    with session_scope(engine) as session:
        profile = shop_store.get_profile(session, place_id=place_id)
        assert profile is not None
        assert (profile.phone, profile.services) == ("0755-8888 0000", ("parcel_collection",))
        redemption = session.scalars(select(CouponRedemption)).one()
        assert redemption.place_id == place_id
        assert set(session.scalars(select(Complaint.place_id))) == {place_id}
        employees = session.scalars(select(ShopEmployees)).one()
        assert (employees.place_id, employees.employees) == (place_id, 4)


def test_the_owned_place_merged_into_another_keeps_everything(world: ShopWorld) -> None:
    engine, merchant = world.engine, world.accounts["merchant"]
    ids = _stock_shop(world, world.osm_place, merchant)
    before = _counts(engine)
    amap = _amap_twin(world)
    with session_scope(engine) as session:
        merge_places(session, keep_id=amap, drop_id=world.osm_place)
    with session_scope(engine) as session:
        assert session.get(Place, world.osm_place) is None
        assert owner_of(session, place_id=amap) == merchant.id
    _assert_shop_whole(world, amap, merchant, ids)
    assert _counts(engine) == before == (1, 1)
    with session_scope(engine) as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "place", AuditEntry.action == "merge")
        ).one()
        assert (entry.entity_id, entry.place_id, entry.community_code) == (
            str(world.osm_place),
            amap,
            SHAPUTOU,
        )
        assert entry.after is not None
        assert entry.after["owner"] == "moved"
        moved = dict(entry.after["moved"])
        assert moved.pop("notifications") >= 1  # the redemption's, the complaint's...
        assert moved == {
            "coupon_redemptions": 1,
            "coupons": 1,
            "coupon_shops": 1,
            "complaints": 1,
            "price_items": 1,
            "shop_employees": 1,
            "shop_profiles": 1,
            "stock_batches": 1,
        }
        # the shop's history (prices, coupon, batch...) follows it to the kept place
        history, _ = list_changes(session, city_id=world.city_id, place_id=amap)
        assert {c.entity for c in history} >= {"price", "coupon", "batch", "place"}
        notices, _, _ = list_notices(session, user_id=merchant.id)
        merged = [n for n in notices if n.kind == "shop_merged"]
        assert [n.data for n in merged] == [
            {"place_id": amap, "uid": "amap:B0FF1", "merged_place_id": world.osm_place}
        ]
        redeemed = [n for n in notices if n.kind == "redemption"]
        assert [n.data["place_id"] for n in redeemed] == [amap]


def test_the_owned_place_kept_gains_the_other_s_rows(world: ShopWorld) -> None:
    engine, merchant = world.engine, world.accounts["merchant"]
    ids = _stock_shop(world, world.osm_place, merchant)
    amap = _amap_twin(world)
    resident = world.accounts["resident"]
    file_complaint(
        engine=engine,
        account=resident,
        city=CITY,
        uid="amap:B0FF1",
        kind=ComplaintKind.OVERCHARGING,
        description="SYNTHETIC: 收银价高于标价",
    )
    with session_scope(engine) as session:
        attach_place_source(session, place_id=world.osm_place, source="amap", source_id="B0FF1")
    with session_scope(engine) as session:
        assert session.get(Place, amap) is None
        assert owner_of(session, place_id=world.osm_place) == merchant.id
        sources = session.scalars(
            select(PlaceSource.source).where(PlaceSource.place_id == world.osm_place)
        ).all()
        assert sorted(sources) == ["amap", "osm"]
    _assert_shop_whole(world, world.osm_place, merchant, ids)
    with session_scope(engine) as session:
        complaints = session.scalars(select(Complaint.place_id)).all()
        assert complaints == [world.osm_place, world.osm_place]
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "merge")).one()
        assert entry.after is not None
        assert (entry.after["owner"], entry.after["moved"]) == (
            "kept",
            {"complaints": 1, "notifications": 1},  # the resident's, naming the place
        )


def test_one_merchant_owning_both_keeps_the_newer_and_the_owner_s_data(world: ShopWorld) -> None:
    engine, merchant = world.engine, world.accounts["merchant"]
    amap = _amap_twin(world)
    for place_id, phone in ((world.osm_place, None), (amap, "0755-1234 5678")):
        grant_place(engine=engine, user_id=merchant.id, place_id=place_id)
        with session_scope(engine) as session:
            shop_store.set_profile(session, place_id=place_id, phone=phone, services=["pickup"])
    old = publish_item(
        engine=engine,
        user_id=merchant.id,
        place_id=world.osm_place,
        draft=ItemDraft("米", "斤", 300),
    )
    new = publish_item(
        engine=engine, user_id=merchant.id, place_id=amap, draft=ItemDraft("米", "斤", 320)
    )
    publish_item(
        engine=engine, user_id=merchant.id, place_id=amap, draft=ItemDraft("面", "斤", 280)
    )
    coupon = _coupon(engine, merchant, world.osm_place)
    with session_scope(engine) as session:  # the coupon is good in both shops
        session.add(CouponShop(coupon_id=coupon, place_id=amap))
    for place_id, employees in ((world.osm_place, 3), (amap, 5)):  # amap's reported last
        with session_scope(engine) as session:
            session.add(ShopEmployees(place_id=place_id, period="2026-11", employees=employees))
    with session_scope(engine) as session:
        merge_places(session, keep_id=world.osm_place, drop_id=amap)
    live = shop_items(engine=engine, user_id=merchant.id, place_id=world.osm_place)
    assert sorted((i.name, i.price_fen) for i in live) == [("米", 320), ("面", 280)]
    with session_scope(engine) as session:
        rows = session.scalars(select(PriceItem).order_by(PriceItem.id)).all()
        assert {r.place_id for r in rows} == {world.osm_place}
        assert [(r.id, r.withdrawn_at is not None) for r in rows][:2] == [
            (old.id, True),  # the older price of the same item was withdrawn, history kept
            (new.id, False),
        ]
        closed = session.scalars(
            select(PricePeriod.valid_until).where(PricePeriod.item_id == old.id)
        )
        assert [until is not None for until in closed] == [True]
        profile = shop_store.get_profile(session, place_id=world.osm_place)
        assert (profile.phone, profile.services) == ("0755-1234 5678", ("pickup",))
        assert owner_of(session, place_id=world.osm_place) == merchant.id
        shops = session.execute(select(CouponShop.coupon_id, CouponShop.place_id)).all()
        assert [tuple(r) for r in shops] == [(coupon, world.osm_place)]
        month = session.scalars(select(ShopEmployees)).one()
        assert (month.place_id, month.employees) == (world.osm_place, 5)


def test_two_merchants_shops_are_not_merged(world: ShopWorld) -> None:
    engine = world.engine
    amap = _amap_twin(world)
    first, second = world.accounts["merchant"], world.merchant()
    grant_place(engine=engine, user_id=first.id, place_id=world.osm_place)
    grant_place(engine=engine, user_id=second.id, place_id=amap)
    with session_scope(engine) as session, pytest.raises(ConflictError, match="two different"):
        merge_places(session, keep_id=amap, drop_id=world.osm_place)
    with session_scope(engine) as session:
        assert owner_of(session, place_id=world.osm_place) == first.id
        assert owner_of(session, place_id=amap) == second.id
        assert (
            session.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "merge")
            )
            == 0
        )


CORNER = "id,lon,lat,category,name\nc1,{lon},{lat},convenience_store,7-Eleven\n"


def _corner(world: ShopWorld, tmp_path: Path) -> tuple[Settings, Path, int]:
    """A second source's 7-Eleven 5 m from the OSM one, imported without merging.

    Returns the settings the imports use, the source's file and the new place's id.
    """
    settings = Settings(data_dir=tmp_path / "data", database_url="sqlite://")
    path = tmp_path / "corner.csv"
    path.write_text(CORNER.format(lon=OSM_SHOP[0] + 5e-5, lat=OSM_SHOP[1]), encoding="utf-8")
    import_places(
        engine=world.engine, settings=settings, name=CITY, path=path, file_format="csv", dedupe_m=0
    )
    with session_scope(world.engine) as session:
        corner = session.scalars(select(Place.id).where(Place.uid == "corner:c1")).one()
    return settings, path, corner


def test_an_import_keeps_the_merchant_s_shop_and_its_data(world: ShopWorld, tmp_path: Path) -> None:
    """The owned place is the one the import would drop: it is kept instead, uid and all."""
    engine, merchant = world.engine, world.accounts["merchant"]
    settings, path, corner = _corner(world, tmp_path)
    ids = _stock_shop(world, corner, merchant)
    before = _counts(engine)
    outcome = import_places(
        engine=engine, settings=settings, name=CITY, path=path, file_format="csv"
    )
    assert outcome.details["merged"] == 1
    assert outcome.details["merged_pairs"][0]["kept"] == "corner:c1"
    with session_scope(engine) as session:
        assert session.get(Place, world.osm_place) is None  # the unowned twin went
        assert owner_of(session, place_id=corner) == merchant.id
    _assert_shop_whole(world, corner, merchant, ids)
    assert _counts(engine) == before


def test_an_import_leaves_two_merchants_shops_apart(world: ShopWorld, tmp_path: Path) -> None:
    engine = world.engine
    settings, path, corner = _corner(world, tmp_path)
    grant_place(engine=engine, user_id=world.accounts["merchant"].id, place_id=corner)
    grant_place(engine=engine, user_id=world.merchant().id, place_id=world.osm_place)
    outcome = import_places(
        engine=engine, settings=settings, name=CITY, path=path, file_format="csv"
    )
    assert (outcome.details["merged"], outcome.details["not_merged"]) == (0, 1)
    (pair,) = outcome.details["not_merged_pairs"]
    assert (pair["kept"], pair["merged"], pair["reason"]) == (
        "osm:node/1",
        "corner:c1",
        "both claimed",
    )
    assert "not merged: both claimed" in outcome.message
    with session_scope(engine) as session:
        assert session.get(Place, corner) is not None
        assert session.get(Place, world.osm_place) is not None


def test_a_source_dropping_a_merchant_s_shop_leaves_it(world: ShopWorld, tmp_path: Path) -> None:
    """Not a merge, but the same promise: a re-import never deletes a shop with its data."""
    engine, merchant = world.engine, world.accounts["merchant"]
    settings, path, corner = _corner(world, tmp_path)
    ids = _stock_shop(world, corner, merchant)
    path.write_text("id,lon,lat,category,name\nc2,114.06,22.55,laundry,SYNTHETIC\n")
    outcome = import_places(
        engine=engine, settings=settings, name=CITY, path=path, file_format="csv", dedupe_m=0
    )
    assert (outcome.details["removed"], outcome.details["removed_places"]) == (1, 0)
    assert outcome.details["kept_by_owners"] == 1
    _assert_shop_whole(world, corner, merchant, ids)


def test_one_merchant_s_pending_claims_of_both_places_become_one(world: ShopWorld) -> None:
    engine, merchant = world.engine, world.accounts["merchant"]
    amap = _amap_twin(world)
    osm_claim = claim_place(engine=engine, account=merchant, city=CITY, uid="osm:node/1")
    amap_claim = claim_place(engine=engine, account=merchant, city=CITY, uid="amap:B0FF1")
    other = claim_place(engine=engine, account=world.merchant(), city=CITY, uid="amap:B0FF1")
    with session_scope(engine) as session:
        merge_places(session, keep_id=world.osm_place, drop_id=amap)
    got = {a.id: a for a in my_applications(engine=engine, user_id=merchant.id)}
    assert (got[osm_claim.id].status, got[osm_claim.id].place_id) == ("pending", world.osm_place)
    assert (got[amap_claim.id].status, got[amap_claim.id].place_id) == (
        "rejected",
        world.osm_place,
    )
    assert "that claim stands" in (got[amap_claim.id].reason or "")
    with session_scope(engine) as session:
        moved = shop_store.get_application(session, application_id=other.id)
    assert (moved.status, moved.place_id) == ("pending", world.osm_place)


def test_an_official_s_removal_from_a_campaign_follows_the_merge(world: ShopWorld) -> None:
    """A shop taken out of a campaign stays out under the kept place's id."""
    engine, merchant = world.engine, world.accounts["merchant"]
    official = world.accounts["official_in"]
    now = utc_now()
    spec = CampaignSpec(
        name="SYNTHETIC 消费券",
        budget_fen=3_000,
        kind="threshold",
        valid_from=now - timedelta(hours=1),
        valid_until=now + timedelta(days=7),
        amount_off_fen=1_000,
        min_spend_fen=5_000,
        communities=(SHAPUTOU,),
    )
    cid = create_campaign(engine=engine, account=official, city=CITY, spec=spec).campaign.id
    grant_place(engine=engine, user_id=merchant.id, place_id=world.osm_place)
    enrol_shop(engine=engine, account=official, campaign_id=cid, place_id=world.osm_place)
    assert remove_shop(engine=engine, account=official, campaign_id=cid, place_id=world.osm_place)
    amap = _amap_twin(world)
    with session_scope(engine) as session:
        merge_places(session, keep_id=amap, drop_id=world.osm_place)
    with pytest.raises(ConflictError, match="only the campaign's officials") as refused:
        join_campaign(engine=engine, account=merchant, campaign_id=cid, place_id=amap)
    assert refused.value.field == "place_id"
    enrol_shop(engine=engine, account=official, campaign_id=cid, place_id=amap)  # lifts it
    with session_scope(engine) as session:
        assert campaign_store.excluded_since(session, campaign_id=cid, place_id=amap) is None
