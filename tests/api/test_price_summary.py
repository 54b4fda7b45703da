"""Officials' price summary: publishing shares and rises, checked against brute force.

Timelines are made by hand (and at random, seeded) with explicit times through the
store, then the service's answer is compared with a computation that knows nothing of
the tables: the price in force at every instant where anything can change.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING

import pytest

from lifecircle.services.accounts import get_account
from lifecircle.services.areas import area_scope
from lifecircle.services.ownership import grant_place
from lifecircle.services.price_summary import price_summary
from lifecircle.store import owners, prices
from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope
from lifecircle.store.places import upsert_places
from tests.api.world import CITY, FUTIAN, World

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

T0 = datetime(2026, 3, 1, tzinfo=UTC)
COMMUNITIES = ["440304001019", "440304001020", "440305001001", None]
"""Two 福田区 communities, one 南山区 community, and shops in no boundary."""


@dataclass
class Timeline:
    """One item's events: ``(minute, price_fen)``, ``price`` ``None`` for a withdrawal."""

    shop: int
    events: list[tuple[int, int | None]]


def _at(minute: int) -> datetime:
    return T0 + timedelta(minutes=minute)


def _shops(world: World, count: int) -> list[int]:
    """``count`` new places of the test city, owned by the merchant, filed in turn under
    each of :data:`COMMUNITIES`."""
    with session_scope(world.engine) as session:
        city_id = get_city(session, name=CITY).id
        placed = upsert_places(
            session,
            city_id=city_id,
            source="test",
            rows=[
                {"source_id": f"shop{i}", "lon": 114.09 + i * 1e-4, "lat": 22.54, "name": f"S{i}"}
                for i in range(count)
            ],
        )
    ids = [placed.place_ids[f"shop{i}"] for i in range(count)]
    merchant = world.principals["merchant"].account.id
    for i, place_id in enumerate(ids):
        grant_place(engine=world.engine, user_id=merchant, place_id=place_id)
        with session_scope(world.engine) as session:
            owners.set_community(
                session, place_id=place_id, community_code=COMMUNITIES[i % len(COMMUNITIES)]
            )
    return ids


def _store(world: World, shops: list[int], timelines: list[Timeline]) -> list[int]:
    """Write each timeline through the store at its own times; the items' ids."""
    ids = []
    with session_scope(world.engine) as session:
        for n, line in enumerate(timelines):
            (start, first), *rest = line.events
            assert first is not None
            item = prices.add_item(
                session,
                place_id=shops[line.shop],
                name=f"item{n}",
                spec="斤",
                category=None,
                barcode=None,
                price_fen=first,
                at=_at(start),
                by=None,
            )
            for minute, fen in rest:
                live = prices.find_item(session, place_id=item.place_id, item_id=item.id)
                assert live is not None
                if fen is None:
                    prices.withdraw_item(session, item=live, at=_at(minute))
                else:
                    prices.change_item(
                        session, item=live, changes={"price_fen": fen}, at=_at(minute), by=None
                    )
            ids.append(item.id)
    return ids


def _price_at(line: Timeline, minute: int) -> int | None:
    price = None
    for at, fen in line.events:
        if at <= minute:
            price = fen
    return price


def _brute_rises(
    timelines: list[Timeline], since: int, until: int, percent: int
) -> dict[int, tuple[int, int]]:
    """Index → (old, new) of the timelines that rose more than ``percent`` in [since, until)."""
    found = {}
    for n, line in enumerate(timelines):
        instants = [since] + [m for m, _ in line.events if since < m < until]
        seen = [p for p in (_price_at(line, m) for m in sorted(instants)) if p is not None]
        if seen and Fraction(seen[-1] - seen[0], seen[0]) * 100 > percent:
            found[n] = (seen[0], seen[-1])
    return found


def _scope(world: World, area: str | None) -> object:
    admin = get_account(engine=world.engine, user_id=world.principals["admin"].account.id)
    return area_scope(engine=world.engine, account=admin, city=CITY, area=area)


HAND = [  # minutes from T0; the period asked is [100, 200)
    Timeline(0, [(0, 1000), (150, 1200)]),  # +20 % inside the period
    Timeline(0, [(0, 1000), (150, 1100)]),  # +10 % exactly: not more than 10
    Timeline(1, [(0, 1000), (50, 2000), (120, 1050)]),  # rose before: from 2000 in force at 100
    Timeline(1, [(120, 500), (180, 600)]),  # first priced inside: 500 → 600, +20 %
    Timeline(2, [(0, 1000), (130, 1500), (170, 1000)]),  # up and back down: no rise
    Timeline(2, [(0, 1000), (150, 1300), (160, None)]),  # withdrawn after rising: 1300 counts
    Timeline(3, [(0, 1000), (200, 5000)]),  # the rise comes at `until`: outside
    Timeline(3, [(0, 1000), (100, 1500)]),  # the rise comes at `since`: 1500 in force all period
    Timeline(0, [(0, 1000), (90, None)]),  # withdrawn before the period
]


def test_hand_made_timelines(world: World) -> None:
    shops = _shops(world, 4)
    ids = _store(world, shops, HAND)
    summary = price_summary(
        engine=world.engine, scope=_scope(world, None), since=_at(100), until=_at(200), rise_pct=10
    )
    got = {r.item_id: (r.old_fen, r.new_fen, r.rise_hundredths) for r in summary.rises}
    assert got == {ids[0]: (1000, 1200, 2000), ids[3]: (500, 600, 2000), ids[5]: (1000, 1300, 3000)}
    assert [r.item_id for r in summary.rises] == [ids[5], ids[0], ids[3]]  # largest first
    brute = _brute_rises(HAND, 100, 200, 10)
    assert {ids[n]: pair for n, pair in brute.items()} == {k: v[:2] for k, v in got.items()}


def test_publishing_shares_per_community(world: World) -> None:
    shops = _shops(world, 8)  # two per community, and two in no boundary
    _store(
        world,
        shops,
        [
            Timeline(0, [(0, 100)]),  # 沙埔头: 1 of 2
            Timeline(1, [(0, 100)]),  # 南园: both
            Timeline(5, [(0, 100)]),
            Timeline(2, [(0, 100), (50, None)]),  # 南头城: withdrawn, none publishes
            Timeline(3, [(0, 100)]),  # no boundary: 1 of 2 (and the world's owned shop)
        ],
    )
    whole = price_summary(
        engine=world.engine, scope=_scope(world, None), since=_at(0), until=_at(100)
    )
    rows = {c.code: (c.shops, c.publishing, c.share_hundredths) for c in whole.communities}
    assert rows == {
        "440304001019": (2, 1, 5000),
        "440304001020": (2, 2, 10000),
        "440305001001": (2, 0, 0),
        None: (3, 1, 3333),  # the world's merchant shop is filed nowhere too
    }
    assert (whole.shops, whole.publishing, whole.share_hundredths) == (9, 4, 4444)
    futian = price_summary(
        engine=world.engine, scope=_scope(world, FUTIAN), since=_at(0), until=_at(100)
    )
    assert [c.code for c in futian.communities] == ["440304001019", "440304001020"]
    assert (futian.shops, futian.publishing) == (4, 3)
    assert futian.communities[0].name == "沙埔头社区"


@pytest.mark.parametrize("seed", [1, 2])
def test_random_timelines_match_brute_force(world: World, seed: int) -> None:
    rng = random.Random(seed)
    shops = _shops(world, 6)
    timelines = []
    for _ in range(60):
        minutes = sorted(rng.sample(range(1000), rng.randint(1, 6)))
        events: list[tuple[int, int | None]] = [(m, rng.randint(100, 400)) for m in minutes]
        if rng.random() < 0.3 and len(events) > 1:
            events[-1] = (events[-1][0], None)
        timelines.append(Timeline(rng.randrange(len(shops)), events))
    ids = _store(world, shops, timelines)
    scope = _scope(world, None)
    for _ in range(12):
        since, until = sorted(rng.sample(range(-50, 1050), 2))
        percent = rng.choice([0, 5, 10, 25, 50])
        summary = price_summary(
            engine=world.engine, scope=scope, since=_at(since), until=_at(until), rise_pct=percent
        )
        got = {r.item_id: (r.old_fen, r.new_fen) for r in summary.rises}
        brute = _brute_rises(timelines, since, until, percent)
        assert got == {ids[n]: pair for n, pair in brute.items()}, (since, until, percent)
        publishing = {shops[line.shop] for line in timelines if _price_at(line, until) is not None}
        assert summary.publishing == len(publishing)


def test_summary_route_for_officials(world: World, client: TestClient) -> None:
    shops = _shops(world, 4)
    now = datetime.now(UTC)
    with session_scope(world.engine) as session:
        for place_id, fen in zip(shops, (100, 200, 300, 400), strict=True):
            item = prices.add_item(
                session,
                place_id=place_id,
                name="米",
                spec="斤",
                category=None,
                barcode=None,
                price_fen=fen,
                at=now - timedelta(days=3),
                by=None,
            )
            prices.change_item(
                session,
                item=item,
                changes={"price_fen": fen * 2 + 1},
                at=now - timedelta(days=1),
                by=None,
            )
    official = world.principals["official_in"].headers
    body = client.get(f"/api/v1/cities/{CITY}/prices/summary", headers=official).json()
    assert body["area"] == FUTIAN  # the official's own area, by default
    assert [c["code"] for c in body["communities"]] == ["440304001019", "440304001020"]
    assert [(r["old_yuan"], r["new_yuan"], r["rise_pct"]) for r in body["rises"]] == [
        ("1.00", "2.01", "101.00"),
        ("2.00", "4.01", "100.50"),
    ]
    assert body["communities"][0]["share_pct"] == "100.00"
    assert body["since"].endswith("+08:00")
    refused = client.get(
        f"/api/v1/cities/{CITY}/prices/summary",
        params={"since": "2026-03-01T00:00:00"},
        headers=official,
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "since"
    backwards = client.get(
        f"/api/v1/cities/{CITY}/prices/summary",
        params={"since": "2026-03-02T00:00:00+08:00", "until": "2026-03-01T00:00:00+08:00"},
        headers=official,
    )
    assert backwards.status_code == 422
