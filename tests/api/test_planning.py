"""The officials' trend across assessment runs and the what-if, through the HTTP API.

On SQLite and on PostgreSQL. The trend runs on the test world's city with SYNTHETIC runs
stored beside its own; the what-if on the real Futian walk graph with SYNTHETIC places
and residents (tests/services/futian.py), against ``lifecircle whatif --json``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from lifecircle.cli.main import main
from lifecircle.services.assess import run_assessment
from lifecircle.services.residents.points import points_out
from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope
from lifecircle.store.places import upsert_places
from lifecircle.store.runs import save_assessment
from tests.api.world import CITY, FUTIAN, World
from tests.services.futian import make_futian_city

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

API = "/api/v1"
CATS = ["convenience_store", "pharmacy"]
# SYNTHETIC runs: code -> (population, basic_complete, coverage per CATS, f15), per run
RUNS = [
    {
        "440304001019": (8000.0, False, (0.5, 0.25), 0.5),
        "440304001020": (2000.0, False, (1.0, 0.75), 0.25),
        "440305001001": (5000.0, True, (1.0, 1.0), 1.0),
    },
    {
        "440304001019": (8000.0, True, (1.0, 0.5), 0.75),
        "440304001020": (2000.0, False, (1.0, 1.0), 0.5),
        "440305001001": (5000.0, True, (1.0, 1.0), 1.0),
    },
]


def _store_runs(world: World) -> list[int]:
    """Two runs an hour apart, newer than the world's own, with full community records."""
    start = datetime.now(UTC) + timedelta(days=1)
    ids = []
    with session_scope(world.engine, write=True) as session:
        city_id = get_city(session, name=CITY).id
        for k, units in enumerate(RUNS):
            ids.append(
                save_assessment(
                    session,
                    city_id=city_id,
                    document={
                        "run": {
                            "created_at": (start + timedelta(hours=k)).isoformat(),
                            "parameters": {
                                "profile": "elderly" if k else "standard",
                                "speed_kmh": 3.2 if k else 4.0,
                                "limit_minutes": {"basic": 15.0 - k, "quality": 15.0},
                            },
                        },
                        "categories": [{"code": c} for c in CATS],
                        "city": {
                            "communities": 3,
                            "basic_complete": 1 + k,
                            "population": 15000.0,
                            "coverage": {"convenience_store": 0.9 + k / 20, "pharmacy": 0.5},
                            "f15": 0.6 + k / 10,
                        },
                        "communities": [
                            {
                                "code": code,
                                "name": code,
                                "population": pop,
                                "basic_complete": done,
                                "coverage": dict(zip(CATS, cov, strict=True)),
                                "f15": f15,
                            }
                            for code, (pop, done, cov, f15) in units.items()
                        ],
                    },
                )
            )
    return ids


def test_the_trend_newest_first_paged_city_and_area(client: TestClient, world: World) -> None:
    first, second = _store_runs(world)
    admin = world.principals["admin"].headers
    page = client.get(f"{API}/cities/{CITY}/runs", params={"limit": 2}, headers=admin)
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["area"] is None
    assert [r["id"] for r in body["data"]] == [second, first]
    newest = body["data"][0]
    assert newest["created_at"].endswith("+08:00")
    assert (newest["minutes"], newest["profile"], newest["speed_kmh"]) == (14.0, "elderly", 3.2)
    assert newest["basic_complete"] == 2
    assert newest["basic_complete_share"] == pytest.approx(2 / 3, abs=1e-4)
    assert newest["f15"] == pytest.approx(0.7)
    assert newest["coverage"] == {"convenience_store": pytest.approx(0.95), "pharmacy": 0.5}
    # the next page: the world's own run, and no page after it
    assert body["next_before"] == first
    rest = client.get(f"{API}/cities/{CITY}/runs", params={"before": first}, headers=admin).json()
    assert rest["next_before"] is None
    assert len(rest["data"]) == 1
    assert rest["data"][0]["id"] < first
    # an official of 福田区 sees the figures of its two communities only
    official = world.principals["official_in"].headers
    area = client.get(f"{API}/cities/{CITY}/runs", headers=official).json()
    assert area["area"] == FUTIAN
    older, newer = area["data"][1], area["data"][0]
    assert (older["communities"], older["basic_complete"], older["population"]) == (2, 0, 10000)
    assert older["coverage"]["pharmacy"] == pytest.approx((8000 * 0.25 + 2000 * 0.75) / 10000)
    assert older["f15"] == pytest.approx((8000 * 0.5 + 2000 * 0.25) / 10000)
    assert (newer["basic_complete"], newer["basic_complete_share"]) == (1, 0.5)
    assert newer["coverage"]["convenience_store"] == 1.0
    # 南山区's official sees its one community, and is refused 福田区
    out = world.principals["official_out"].headers
    nanshan = client.get(f"{API}/cities/{CITY}/runs", headers=out).json()
    assert [r["communities"] for r in nanshan["data"][:2]] == [1, 1]
    assert nanshan["data"][0]["f15"] == 1.0
    refused = client.get(f"{API}/cities/{CITY}/runs", params={"area": FUTIAN}, headers=out)
    assert refused.status_code == 403


def test_the_trend_refuses_a_cursor_of_no_run(client: TestClient, world: World) -> None:
    admin = world.principals["admin"].headers
    answer = client.get(f"{API}/cities/{CITY}/runs", params={"before": 999999}, headers=admin)
    assert answer.status_code == 404
    assert answer.json()["errors"][0]["field"] == "before"
    bad = client.get(f"{API}/cities/{CITY}/runs", params={"limit": 0}, headers=admin)
    assert bad.status_code == 422


@pytest.fixture
def futian(world: World, settings: Any) -> str:
    name = make_futian_city(world.engine, settings.data_dir)
    run_assessment(engine=world.engine, name=name)
    return name


def _cli_whatif(
    world: World, settings: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any, *args: str
) -> dict[str, Any]:
    url = world.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("LIFECIRCLE_DATABASE_URL", url)
    monkeypatch.setenv("LIFECIRCLE_DATA_DIR", str(settings.data_dir))
    capsys.readouterr()
    assert main(["whatif", *args, "--json"]) == 0
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def _same(api: dict[str, Any], cli: dict[str, Any]) -> None:
    assert api["run"]["id"] == cli["run"]["id"]
    for key in ("change", "stale", "affected_points", "communities", "city"):
        assert api[key] == cli[key], key


def test_what_if_equals_the_cli_and_names_bad_fields(
    client: TestClient,
    world: World,
    settings: Any,
    futian: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    admin = world.principals["admin"].headers
    url = f"{API}/cities/{futian}/what-if"
    add = {"op": "add", "category": "laundry", "lon": 114.0338, "lat": 22.5405}
    answer = client.post(url, json=add, headers=admin)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["communities"]
    assert result["run"]["created_at"].endswith("+08:00")
    cli = _cli_whatif(
        world, settings, monkeypatch, capsys, futian, "--add", "laundry@114.0338,22.5405"
    )
    _same(result, cli)
    changed = [c for c in result["communities"] if c["before"] != c["after"]]
    assert any(
        c["after"]["coverage"]["laundry"] > c["before"]["coverage"]["laundry"] for c in changed
    )
    # the same point given in GCJ-02 is the same change
    (glon,), (glat,) = points_out([114.0338], [22.5405], "gcj02")
    shifted = client.post(
        url, json={**add, "lon": glon, "lat": glat, "crs": "gcj02"}, headers=admin
    )
    assert shifted.status_code == 200, shifted.text
    assert shifted.json()["change"]["lon"] == pytest.approx(114.0338, abs=1e-5)
    # a place moved and removed, as the CLI does
    uid = cli["communities"][0]["before"]["code"]  # not a place: refused, naming uid
    missing = client.post(url, json={"op": "remove", "uid": uid}, headers=admin)
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["field"] == "uid"
    unknown = client.post(url, json={**add, "category": "dragons"}, headers=admin)
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "category"
    no_uid = client.post(url, json={"op": "move", "lon": 114.03, "lat": 22.54}, headers=admin)
    assert no_uid.status_code == 422
    assert no_uid.json()["errors"][0]["field"] == "uid"
    no_city = client.post(f"{API}/cities/nowhere/what-if", json=add, headers=admin)
    assert no_city.status_code == 404


def test_what_if_sees_a_place_added_since_the_last_call(
    client: TestClient,
    world: World,
    settings: Any,
    futian: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    admin = world.principals["admin"].headers
    url = f"{API}/cities/{futian}/what-if"
    new_uid = "osm:node/990001"
    first = client.post(url, json={"op": "remove", "uid": new_uid}, headers=admin)
    assert first.status_code == 404
    with session_scope(world.engine, write=True) as session:
        city_id = get_city(session, name=futian).id
        upsert_places(
            session,
            city_id=city_id,
            source="osm",
            rows=[
                {"source_id": "node/990001", "lon": 114.0338, "lat": 22.5405, "name": "SYNTHETIC"}
            ],
        )
    moved = client.post(
        url, json={"op": "move", "uid": new_uid, "lon": 114.035, "lat": 22.541}, headers=admin
    )
    assert moved.status_code == 200, moved.text
    cli = _cli_whatif(
        world, settings, monkeypatch, capsys, futian, "--move", f"{new_uid}@114.035,22.541"
    )
    _same(moved.json(), cli)


def test_what_if_at_a_moment_with_a_new_shop_s_hours(
    client: TestClient,
    world: World,
    settings: Any,
    futian: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    admin = world.principals["admin"].headers
    url = f"{API}/cities/{futian}/what-if"
    add = {"op": "add", "category": "laundry", "lon": 114.0338, "lat": 22.5405}
    hours = "周一至周五 09:00-18:00"

    def gained(result: dict[str, Any]) -> bool:
        return any(
            c["after"]["coverage"]["laundry"] > c["before"]["coverage"]["laundry"]
            for c in result["communities"]
        )

    # closed at 03:00: the new shop fills no gap; open at 10:00 it does
    night = client.post(url, json={**add, "hours": hours, "at": "Mon 03:00"}, headers=admin)
    assert night.status_code == 200, night.text
    assert (night.json()["at"], night.json()["unknown_hours"]) == ("Mon 03:00", "open")
    assert night.json()["at_run"] is None  # the run was assessed whatever the time
    assert night.json()["change"]["hours"] == hours
    assert not gained(night.json())
    day = client.post(url, json={**add, "hours": hours, "at": "Mon 10:00"}, headers=admin)
    assert day.status_code == 200, day.text
    assert gained(day.json())
    cli = _cli_whatif(
        world, settings, monkeypatch, capsys, futian, "--add", "laundry@114.0338,22.5405",
        "--hours", hours, "--at", "Mon 10:00",
    )  # fmt: skip
    _same(day.json(), cli)
    assert day.json()["at"] == cli["at"]
    # without a moment the time options say so
    plain = client.post(url, json=add, headers=admin).json()
    assert (plain["at"], plain["unknown_hours"]) == (None, None)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"at": "Mon 25:00"}, "at"),
        ({"at": "yesterday"}, "body.at"),
        ({"at": "Mon 07:30", "unknown_hours": "exclude"}, "body.unknown_hours"),
        ({"hours": "whenever the owner wakes"}, "hours"),
        ({"op": "remove", "uid": "osm:node/1", "hours": "07:00-22:00"}, "hours"),
        ({"at": "Mon\n07:30"}, "body.at"),
    ],
    ids=["hour-25", "not-a-moment", "exclude", "unreadable-hours", "hours-on-remove", "control"],
)
def test_what_if_refuses_bad_time_options(
    client: TestClient, world: World, extra: dict[str, Any], field: str
) -> None:
    admin = world.principals["admin"].headers
    add = {"op": "add", "category": "laundry", "lon": 114.0338, "lat": 22.5405}
    answer = client.post(f"{API}/cities/{CITY}/what-if", json={**add, **extra}, headers=admin)
    assert answer.status_code == 422, answer.text
    fields = [e["field"] for e in answer.json()["errors"]]
    assert fields[0] == field or fields[0].endswith(f".{field}"), fields
