"""The plan's indicators and the 15-minute usage, on SQLite and PostgreSQL.

Every figure is checked against a hand computation written beside it. The records, the
shops, the homes and the redemptions are SYNTHETIC; the network is the jittered grid of
tests/core/test_live.py (near Futian), saved as a ``.lcnet`` file for the city.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
import openpyxl
import pytest

from lifecircle.core.assess.targets import CityFigures, evaluate_targets
from lifecircle.core.walk.geodesy import geodesic_m
from lifecircle.io.network.lcnet import save_network
from lifecircle.io.targets import load_targets
from lifecircle.services.homes import set_my_home
from lifecircle.services.indicators import city_figures, target_figures
from lifecircle.services.usage import compute_usage, month_bounds
from lifecircle.store import owners
from lifecircle.store.audit import changes_of
from lifecircle.store.cities import get_city, set_network_path
from lifecircle.store.coupons import Coupon, CouponClaim, CouponRedemption
from lifecircle.store.db import session_scope
from lifecircle.store.places import replace_place_categories, upsert_places
from tests.api.world import CITY, FUTIAN, World
from tests.core.test_live import NET

if TYPE_CHECKING:
    from pathlib import Path

    from fastapi.testclient import TestClient

A, B = "440304001019", "440304001020"  # two 福田区 communities (world.UNITS)
API = "/api/v1"


def _put(client: TestClient, who, code: str, period: str, body: dict) -> dict:
    r = client.put(
        f"{API}/cities/{CITY}/indicators/{code}/{period}", json=body, headers=who.headers
    )
    assert r.status_code == 200, r.text
    return r.json()


def _record_futian(client: TestClient, world: World) -> None:
    official = world.principals["official_in"]
    _put(
        client,
        official,
        A,
        "2026-10",
        {
            "investment_fen": 1_250_000,
            "commercial_floor_m2": 1200,
            "centres": [{"name": "沙埔头商业中心", "kind": "new"}],
        },
    )
    _put(client, official, A, "2026-11", {"commercial_floor_m2": 1500})
    _put(client, official, B, "2026-11", {"investment_fen": 3_000_000, "commercial_floor_m2": 800})
    _put(client, official, FUTIAN, "2026-11", {"total_floor_m2": 20000})
    _put(client, official, A, "2026-11", {"commercial_floor_m2": 1500, "total_floor_m2": 9000})


def test_records_sum_by_hand(client: TestClient, world: World) -> None:
    _record_futian(client, world)
    r = client.get(
        f"{API}/cities/{CITY}/indicators",
        params={"area": FUTIAN, "from": "2026-10", "to": "2026-11"},
        headers=world.principals["official_in"].headers,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(x["area_code"], x["period"]) for x in body["records"]] == [
        (A, "2026-10"),
        (FUTIAN, "2026-11"),
        (A, "2026-11"),
        (B, "2026-11"),
    ]
    totals = body["totals"]
    # investment 1,250,000 + 3,000,000 fen = 42,500 yuan = 4.25 万元
    assert totals["investment_fen"] == 4_250_000
    assert totals["investment_wan"] == "4.25"
    # floor: A's latest 1500 + B's 800; totals: the district's 20000 holds A's 9000
    assert totals["commercial_floor_m2"] == 2300
    assert totals["total_floor_m2"] == 20000
    assert totals["floor_share"] == pytest.approx(2300 / 20000)
    assert totals["centres"] == 1
    only_october = client.get(
        f"{API}/cities/{CITY}/indicators",
        params={"to": "2026-10"},
        headers=world.principals["admin"].headers,
    ).json()["totals"]
    assert only_october["investment_fen"] == 1_250_000
    assert only_october["total_floor_m2"] is None
    assert only_october["floor_share"] is None  # no total: not evaluable, never 0 %


def test_changes_are_audited_and_scoped(client: TestClient, world: World) -> None:
    first = _put(client, world.principals["official_in"], A, "2026-10", {"investment_fen": 5})
    again = _put(client, world.principals["admin"], A, "2026-10", {"investment_fen": 7})
    assert first["id"] == again["id"]
    with session_scope(world.engine) as session:
        changes = changes_of(session, entity="indicator", entity_id=first["id"])
    assert [(c.action, c.actor_role) for c in changes] == [
        ("create", "official"),
        ("update", "admin"),
    ]
    assert changes[1].before["investment_fen"] == 5
    assert changes[1].after["investment_fen"] == 7
    assert changes[1].community_code == A
    out = world.principals["official_out"]
    r = client.put(f"{API}/cities/{CITY}/indicators/{A}/2026-10", json={}, headers=out.headers)
    assert r.status_code == 403
    r = client.put(
        f"{API}/cities/{CITY}/indicators/999999/2026-10",
        json={},
        headers=world.principals["admin"].headers,
    )
    assert r.status_code == 404


@pytest.mark.parametrize(
    ("period", "body", "field"),
    [
        ("2026-13", {}, "path.period"),
        ("2026-11", {"commercial_floor_m2": 11, "total_floor_m2": 10}, "body.commercial_floor_m2"),
        ("2026-11", {"investment_fen": -1}, "body.investment_fen"),
        ("2026-11", {"centres": [{"name": "x", "kind": "old"}]}, "body.centres.0.kind"),
        (
            "2026-11",
            {"centres": [{"name": "x", "kind": "new"}, {"name": "x", "kind": "renovated"}]},
            "body.centres.1.name",
        ),
    ],
)
def test_bad_records_name_the_field(
    client: TestClient, world: World, period: str, body: dict, field: str
) -> None:
    r = client.put(
        f"{API}/cities/{CITY}/indicators/{A}/{period}",
        json=body,
        headers=world.principals["admin"].headers,
    )
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]]


def _employees(client: TestClient, world: World, who: str, period: str, n: int) -> int:
    r = client.put(
        f"{API}/shops/{world.place_ids['owned']}/employees",
        json={"period": period, "employees": n},
        headers=world.principals[who].headers,
    )
    return r.status_code


def test_employees_latest_per_shop_summed(client: TestClient, world: World) -> None:
    with session_scope(world.engine) as session:
        owners.set_community(session, place_id=world.place_ids["owned"], community_code=A)
    assert _employees(client, world, "merchant", "2026-10", 5) == 200
    assert _employees(client, world, "merchant", "2026-11", 7) == 200
    assert _employees(client, world, "merchant", "2026-09", 9) == 200  # older: not the latest
    assert _employees(client, world, "other_merchant", "2026-11", 100) == 404
    with session_scope(world.engine) as session:
        city_id = get_city(session, name=CITY).id
        changes = changes_of(
            session, entity="shop_employees", entity_id=f"{world.place_ids['owned']}:2026-11"
        )
    assert changes[0].place_id == world.place_ids["owned"]
    assert changes[0].community_code == A
    assert city_figures(engine=world.engine, city_id=city_id).employees == 7
    assert city_figures(engine=world.engine, city_id=city_id, until="2026-10").employees == 5
    totals = client.get(
        f"{API}/cities/{CITY}/indicators",
        params={"area": FUTIAN},
        headers=world.principals["official_in"].headers,
    ).json()["totals"]
    assert totals["employees"] == 7
    assert totals["shops_reporting"] == 1


def test_recorded_figures_fill_the_targets(client: TestClient, world: World) -> None:
    _record_futian(client, world)
    with session_scope(world.engine) as session:
        city_id = get_city(session, name=CITY).id
    recorded = target_figures(city_figures(engine=world.engine, city_id=city_id))
    rows = {
        r.code: r
        for r in evaluate_targets(
            load_targets("shenzhen-2023"), CityFigures(communities=3, basic_complete=2, **recorded)
        )
    }
    assert rows["commercial_floor_share"].actual == pytest.approx(0.115)
    assert rows["commercial_floor_share"].met is True  # 11.5 % >= 10 %
    assert rows["commercial_centres"].actual == 1.0
    assert rows["commercial_centres"].met is False  # 1 of 50
    assert rows["investment"].actual == 42_500.0  # yuan
    assert rows["employees"].actual is None
    assert "not recorded yet" in rows["employees"].note


# --- the 15-minute usage -----------------------------------------------------------------

NOV = datetime(2026, 11, 10, 4, tzinfo=UTC)
SW = int(np.argmin(NET.lon + NET.lat))
NE = int(np.argmax(NET.lon + NET.lat))
"""The grid's south-west and north-east corners (node indices)."""


def _usage_city(world: World, tmp_path: Path) -> dict[str, int]:
    """The grid as the city's network, two shops (near and far from the homes' corner)."""
    path = tmp_path / "grid.lcnet"
    save_network(NET, path)
    corner, far = SW, NE
    with session_scope(world.engine) as session:
        set_network_path(session, name=CITY, network_path=path)
        city_id = get_city(session, name=CITY).id
        placed = upsert_places(
            session,
            city_id=city_id,
            source="usage",
            rows=[
                {
                    "source_id": "near",
                    "lon": float(NET.lon[corner]) + 0.0004,
                    "lat": float(NET.lat[corner]),
                    "name": "SYNTHETIC near shop",
                },
                {
                    "source_id": "far",
                    "lon": float(NET.lon[far]),
                    "lat": float(NET.lat[far]),
                    "name": "SYNTHETIC far shop",
                },
            ],
        )
        ids = placed.place_ids
        replace_place_categories(
            session,
            categories={ids["near"]: [{"code": "convenience_store"}], ids["far"]: []},
        )
    return {"near": ids["near"], "far": ids["far"], "city_id": city_id}


def _redeem(
    world: World, city_id: int, user_id: int, place_id: int, at: datetime, *, undone: bool = False
) -> None:
    with session_scope(world.engine) as session:
        coupon = Coupon(
            city_id=city_id,
            issuer_kind="shop",
            title="SYNTHETIC",
            kind="amount_off",
            amount_off_fen=100,
            quantity=1,
            valid_from=at - timedelta(days=30),
            valid_until=at + timedelta(days=30),
        )
        session.add(coupon)
        session.flush()
        claim = CouponClaim(
            coupon_id=coupon.id, user_id=user_id, slot=1, code=f"{coupon.id:012d}", state="redeemed"
        )
        session.add(claim)
        session.flush()
        session.add(
            CouponRedemption(
                claim_id=claim.id,
                coupon_id=coupon.id,
                place_id=place_id,
                spent_fen=1000,
                discount_fen=100,
                redeemed_at=at,
                undone_at=at + timedelta(minutes=1) if undone else None,
            )
        )


def _resident(world: World, lon: float, lat: float) -> int:
    who = world.add_principal("usage_resident", "resident", None, None)
    set_my_home(
        engine=world.engine, user_id=who.account.id, city=CITY, lon=lon, lat=lat, crs="wgs84"
    )
    return who.account.id


def test_usage_by_hand(client: TestClient, world: World, tmp_path: Path) -> None:
    shops = _usage_city(world, tmp_path)
    city_id = shops["city_id"]
    home = (float(NET.lon[SW]), float(NET.lat[SW]) + 0.0002)  # ~22 m north of the corner
    # the near shop is ~40 m east of the corner, the far one across the grid
    assert geodesic_m(home[0], home[1], float(NET.lon[NE]), float(NET.lat[NE])) > 1000
    residents = [_resident(world, *home) for _ in range(6)]
    # 4 near + 2 far in November: 4 of 6 within 15 minutes
    for k, user in enumerate(residents):
        _redeem(world, city_id, user, shops["near" if k < 4 else "far"], NOV + timedelta(hours=k))
    # not counted: undone; in December by China time (2026-12-01 01:00 +08:00); no home
    _redeem(world, city_id, residents[0], shops["near"], NOV, undone=True)
    _redeem(world, city_id, residents[1], shops["far"], datetime(2026, 11, 30, 17, tzinfo=UTC))
    homeless = world.add_principal("usage_homeless", "resident", None, None).account.id
    _redeem(world, city_id, homeless, shops["near"], NOV)

    run = compute_usage(engine=world.engine, city=CITY, month="2026-11")
    assert (run.redemptions, run.with_home, run.walked, run.within) == (7, 6, 6, 4)
    r = client.get(
        f"{API}/cities/{CITY}/usage",
        params={"month": "2026-11"},
        headers=world.principals["admin"].headers,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    cells = {(c["community_code"], c["category"]): c for c in body["cells"]}
    home_community = next(iter(cells))[0]
    # 4 convenience-store redemptions (all near): under 5, withheld
    near = cells[(home_community, "convenience_store")]
    assert near["events"] is None
    assert near["within_share"] is None
    # 2 at the uncategorised far shop: withheld too; the city total (6) is shown
    assert cells[(home_community, "uncategorised")]["events"] is None
    assert body["events"] == 6
    assert body["within_share"] == pytest.approx(4 / 6)
    # a fifth convenience-store redemption makes the cell shown: 5 of 5 within
    _redeem(world, city_id, residents[5], shops["near"], NOV + timedelta(days=1))
    compute_usage(engine=world.engine, city=CITY, month="2026-11")
    body = client.get(
        f"{API}/cities/{CITY}/usage",
        params={"month": "2026-11"},
        headers=world.principals["admin"].headers,
    ).json()
    cells = {(c["community_code"], c["category"]): c for c in body["cells"]}
    assert cells[(home_community, "convenience_store")]["events"] == 5
    assert cells[(home_community, "convenience_store")]["within_share"] == 1.0
    assert body["within_share"] == pytest.approx(5 / 7)
    december = client.get(
        f"{API}/cities/{CITY}/usage",
        params={"month": "2026-12"},
        headers=world.principals["admin"].headers,
    )
    assert december.status_code == 404
    assert "lifecircle usage" in december.json()["detail"]


def test_month_bounds_are_china_time() -> None:
    start, end = month_bounds("2026-12")
    assert start == datetime(2026, 11, 30, 16, tzinfo=UTC)
    assert end == datetime(2026, 12, 31, 16, tzinfo=UTC)


def test_statistics_workbook(client: TestClient, world: World) -> None:
    _record_futian(client, world)
    r = client.get(
        f"{API}/cities/{CITY}/statistics.xlsx",
        params={"month": "2026-11"},
        headers=world.principals["official_in"].headers,
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    keys = [c.value for c in sheet[2]]
    rows = [
        dict(zip(keys, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=3)
    ]
    futian = next(row for row in rows if row["Code"] == FUTIAN)
    assert Decimal(str(futian["Investment, month (10k CNY)"])) == Decimal(3)  # B's 300万 fen
    assert Decimal(str(futian["Investment, to date (10k CNY)"])) == Decimal("4.25")
    assert futian["Commercial floor area (m²)"] == 2300
    assert futian["Commercial floor share"] == pytest.approx(0.115)
    assert futian["Centres, to date"] == 1
    # the world's synthetic run: 沙埔头 (8000, complete) and 南园 (6000, not) in 福田区
    assert futian["Units assessed"] == 2
    assert futian["Residents in fully covered units"] == pytest.approx(8000 / 14000)
    assert [row["Code"] for row in rows if row["Area"]] == [FUTIAN, None]  # and the total


def test_statistics_carry_the_latest_satisfaction_survey(client: TestClient, world: World) -> None:
    admin = world.principals["admin"].headers
    now = datetime.now(UTC)
    survey = client.post(
        f"{API}/cities/{CITY}/surveys",
        json={
            "template": "satisfaction",
            "opens_at": (now - timedelta(days=1)).isoformat(),
            "closes_at": (now + timedelta(days=30)).isoformat(),
        },
        headers=admin,
    )
    assert survey.status_code == 201, survey.text
    survey_id = survey.json()["id"]
    # five answers filed in 沙埔头社区 (福田区): four satisfied; one in 南头城社区 (南山区)
    for i, (score, code) in enumerate(
        [(5, "440304001019"), (5, "440304001019"), (4, "440304001019"), (5, "440304001019"),
         (2, "440304001019"), (5, "440305001001")]
    ):  # fmt: skip
        who = world.add_principal(f"answerer_{i}", "resident", None, None)
        answered = client.post(
            f"{API}/surveys/{survey_id}/answers",
            json={"answers": {"satisfaction": score}, "community": code},
            headers=who.headers,
        )
        assert answered.status_code == 201, answered.text
    r = client.get(
        f"{API}/cities/{CITY}/statistics.xlsx", params={"month": "2026-11"}, headers=admin
    )
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    keys = [c.value for c in sheet[2]]
    rows = {
        row[keys.index("Code")].value: dict(zip(keys, (c.value for c in row), strict=True))
        for row in sheet.iter_rows(min_row=3)
        if row[keys.index("Code")].value or row[keys.index("Area")].value
    }
    assert rows[FUTIAN]["Satisfaction"] == pytest.approx(4 / 5)
    assert rows["440305"]["Satisfaction"] is None  # one answer: under the minimum cell of 5
    notes = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    assert "share satisfied (4 or 5 of 5)" in notes
