"""The officials' coverage by time of day through the HTTP API (SQLite and PostgreSQL).

On the test world's city with a SYNTHETIC by-hour run (``tests/api/rules_hours.py``): the
whole city's curves as stored, rounded; 福田区's weighted by its two communities'
residents (8000 and 6000), checked against the sums worked by hand; one community's; the
404 of a run not assessed by hour; 403 and 404 for communities outside the area or the run.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from tests.api.rules_hours import store_by_hour_run
from tests.api.world import CITY, FUTIAN, World

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

API = "/api/v1"
URL = f"{API}/cities/{CITY}/coverage-by-hour"


@pytest.fixture
def by_hour(world: World) -> int:
    """The SYNTHETIC by-hour run, the city's latest."""
    return store_by_hour_run(world, created_at=datetime.now(UTC) + timedelta(days=1))


def test_a_city_official_reads_the_city_curves(
    client: TestClient, world: World, by_hour: int
) -> None:
    whole = world.add_principal("official-city", "official", CITY, None).headers
    answer = client.get(URL, headers=whole)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["run"]["id"], body["area"], body["community"]) == (by_hour, None, None)
    assert body["run"]["created_at"].endswith("+08:00")
    assert (body["weekday"], body["weekend"], body["unknown_hours"]) == (0, 5, "open")
    assert body["hours"] == list(range(24))
    assert (body["communities"], body["population"]) == (3, 19000.0)
    assert body["curves"]["weekday"]["breakfast"] == [0.123] * 24  # 0.12345 stored
    assert body["curves"]["weekend"]["convenience_store"] == [0.916] * 24
    cats = {c["code"]: c for c in body["categories"]}
    assert list(cats) == ["convenience_store", "breakfast"]
    assert cats["breakfast"]["name_zh"] == "早餐店"
    assert cats["breakfast"]["hours_of_need"] == "06:30-09:00"
    assert cats["breakfast"]["served_when_needed"] == 0.5
    assert cats["convenience_store"]["hours_of_need"] is None
    assert body["served_all"] == 0.474


def test_an_area_official_reads_the_area_weighted_by_residents(
    client: TestClient, world: World, by_hour: int
) -> None:
    body = client.get(URL, headers=world.principals["official_in"].headers).json()
    assert (body["run"]["id"], body["area"]) == (by_hour, FUTIAN)
    assert (body["communities"], body["population"]) == (2, 14000.0)
    breakfast = body["curves"]["weekday"]["breakfast"]
    # 07:00: (8000 x 0.5 + 6000 x 0.25) / 14000 = 0.392857...
    assert breakfast[7] == 0.393
    assert breakfast[6] == round(8000 * 0.5 / 14000, 3) == 0.286
    # 03:00: 南园 counts nobody, so 沙埔头 alone: 0
    assert breakfast[3] == 0.0
    assert breakfast[12] == 0.0
    # convenience: (8000 x 1 + 6000 x 0.8) / 14000 = 0.914285...
    assert body["curves"]["weekend"]["convenience_store"] == [0.914] * 24
    cats = {c["code"]: c for c in body["categories"]}
    assert cats["breakfast"]["served_when_needed"] == 0.393  # (4000 + 1500) / 14000
    assert body["served_all"] == 0.286  # 4000 / 14000
    # 南山区's official: its one community, always served
    nanshan = client.get(URL, headers=world.principals["official_out"].headers).json()
    assert nanshan["area"] == "440305"
    assert nanshan["curves"]["weekday"]["breakfast"] == [1.0] * 24
    # an administrator narrowing to 福田区 gets the same curves
    admin = world.principals["admin"].headers
    narrowed = client.get(URL, params={"area": FUTIAN}, headers=admin).json()
    assert narrowed["curves"] == body["curves"]


def test_one_community_inside_the_area(client: TestClient, world: World, by_hour: int) -> None:
    official = world.principals["official_in"].headers
    answer = client.get(URL, params={"community": "440304001020"}, headers=official)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["community"], body["name"], body["population"]) == (
        "440304001020",
        "南园社区",
        6000.0,
    )
    assert body["curves"]["weekday"]["breakfast"][3] is None
    assert body["curves"]["weekday"]["breakfast"][7] == 0.25
    assert body["served_all"] == 0.0
    outside = client.get(URL, params={"community": "440305001001"}, headers=official)
    assert outside.status_code == 403
    assert outside.json()["errors"][0]["field"] == "community"
    unknown = client.get(URL, params={"community": "440304001999"}, headers=official)
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["field"] == "community"


def test_a_run_not_assessed_by_hour_is_404_saying_how(client: TestClient, world: World) -> None:
    official = world.principals["official_in"].headers
    answer = client.get(URL, headers=official)  # the world's own run
    assert answer.status_code == 404
    problem = answer.json()
    assert problem["errors"][0]["field"] == "run"
    assert "by_hour" in problem["detail"]
    assert "--by-hour" in problem["detail"]
    missing = client.get(URL, params={"run": 999999}, headers=official)
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["field"] == "run"


def test_the_area_assessment_says_whether_the_run_was_assessed_by_hour(
    client: TestClient, world: World
) -> None:
    """The console asks for the curves only when there are some (no 404 in its console)."""
    official = world.principals["official_in"].headers
    plain = client.get(f"{API}/cities/{CITY}/assessment", headers=official).json()
    assert plain["by_hour"] is False  # the world's own run
    run_id = store_by_hour_run(world, created_at=datetime.now(UTC) + timedelta(days=1))
    latest = client.get(f"{API}/cities/{CITY}/assessment", headers=official).json()
    assert (latest["run_id"], latest["by_hour"]) == (run_id, True)
