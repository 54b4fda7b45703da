"""Cities for anyone; an official's area of the latest assessment; merchants' places.

Every test runs on a SQLite file and on PostgreSQL. Verdicts and places are SYNTHETIC.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lifecircle.store.areas import Area, admin_prefix, city_area
from lifecircle.store.cities import delete_city, get_city
from lifecircle.store.db import session_scope
from tests.api.world import (
    ASSESSED,
    CITY,
    FUTIAN,
    NANSHAN,
    NANYUAN,
    OTHER_CITY,
    PASSWORD,
    World,
    unique,
)

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

API = "/api/v1"


def test_cities_for_anyone(world: World, client: TestClient) -> None:
    listed = client.get(f"{API}/cities").json()
    assert listed == [
        {"name": OTHER_CITY, "places": 0, "communities": 0},
        {"name": CITY, "places": 2, "communities": 6},
    ]
    city = client.get(f"{API}/cities/{CITY}").json()
    assert city["places"] == 2
    assert city["taxonomy"] == "shenzhen"
    assert city["communities_per_level"] == {"community": 3, "street": 1, "district": 2}
    store = next(c for c in city["categories"] if c["code"] == "convenience_store")
    assert (store["places"], store["name_zh"], store["group"]) == (1, "便利店", "basic")
    latest = city["latest_assessment"]
    assert (latest["communities"], latest["basic_complete"]) == (3, 2)
    assert latest["created_at"].endswith("+08:00")
    assert client.get(f"{API}/cities/{OTHER_CITY}").json()["latest_assessment"] is None
    missing = client.get(f"{API}/cities/atlantis")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["field"] == "city"
    assert "network_path" not in str(city)


def _units(client: TestClient, world: World, who: str, **params: str) -> list[str]:
    response = client.get(
        f"{API}/cities/{CITY}/assessment", params=params, headers=world.principals[who].headers
    )
    assert response.status_code == 200, response.text
    return [u["code"] for u in response.json()["units"]]


def test_an_official_sees_their_area_only(world: World, client: TestClient) -> None:
    futian = ["440304001019", "440304001020"]
    assert _units(client, world, "official_in") == futian
    assert _units(client, world, "official_out") == ["440305001001"]  # by the code prefix
    assert _units(client, world, "admin") == [*futian, "440305001001"]
    assert _units(client, world, "admin", area=NANYUAN) == futian
    assert _units(client, world, "official_in", area=NANYUAN) == futian
    assert _units(client, world, "official_in", area="440304001020") == ["440304001020"]
    body = client.get(
        f"{API}/cities/{CITY}/assessment", headers=world.principals["official_in"].headers
    ).json()
    assert body["area"] == FUTIAN
    assert body["population"] == ASSESSED["440304001019"][0] + ASSESSED["440304001020"][0]
    assert body["basic_complete"] == 1
    assert body["created_at"].endswith("+08:00")


def test_an_official_is_refused_outside_their_area_and_city(
    world: World, client: TestClient
) -> None:
    official = world.principals["official_in"].headers
    outside = client.get(
        f"{API}/cities/{CITY}/assessment", params={"area": NANSHAN}, headers=official
    )
    assert outside.status_code == 403
    assert outside.json()["errors"][0]["field"] == "area"
    other_city = client.get(f"{API}/cities/{OTHER_CITY}/assessment", headers=official)
    assert other_city.status_code == 403
    assert other_city.json()["errors"][0]["field"] == "city"
    unknown = client.get(
        f"{API}/cities/{CITY}/assessment", params={"area": "999999"}, headers=official
    )
    assert unknown.status_code == 404
    admin = world.principals["admin"].headers
    not_assessed = client.get(f"{API}/cities/{OTHER_CITY}/assessment", headers=admin)
    assert not_assessed.status_code == 404
    assert "no assessment run yet" in not_assessed.json()["detail"]


def test_an_admin_makes_officials_in_known_areas_only(world: World, client: TestClient) -> None:
    admin = world.principals["admin"].headers

    def make(**fields: str) -> TestClient:
        body = {"username": unique("official"), "password": PASSWORD, "role": "official"}
        return client.post(f"{API}/users", json=body | fields, headers=admin)

    made = make(city=CITY, area=NANYUAN)
    assert made.status_code == 201, made.text
    assert (made.json()["city"], made.json()["area_code"]) == (CITY, NANYUAN)
    assert make().json()["errors"][0]["field"] == "city"
    assert make(city=CITY, area="440399").status_code == 404
    assert make(city="atlantis").status_code == 404
    resident_area = client.post(
        f"{API}/users",
        json={"username": unique("r"), "password": PASSWORD, "role": "resident", "area": FUTIAN},
        headers=admin,
    )
    assert resident_area.status_code == 422
    listed = client.get(f"{API}/users", params={"role": "official"}, headers=admin).json()
    assert {u["role"] for u in listed} == {"official"}
    assert len(listed) == 3
    page = client.get(f"{API}/users", params={"limit": 2, "offset": 1}, headers=admin).json()
    assert len(page) == 2


def test_merchants_own_their_places_only(world: World, client: TestClient) -> None:
    merchant, other = world.principals["merchant"], world.principals["other_merchant"]
    admin = world.principals["admin"].headers
    owned = client.get(f"{API}/users/me/places", headers=merchant.headers).json()
    assert [(p["id"], p["uid"], p["city"], p["categories"]) for p in owned] == [
        (world.place_ids["owned"], "osm:node/1", CITY, ["convenience_store"])
    ]
    assert client.get(f"{API}/users/me/places", headers=other.headers).json() == []
    # one owner per place
    taken = client.post(
        f"{API}/users/{other.account.id}/places",
        json={"place_id": world.place_ids["owned"]},
        headers=admin,
    )
    assert taken.status_code == 409
    # the other merchant cannot give up (or learn about) the merchant's place
    refused = client.delete(
        f"{API}/users/me/places/{world.place_ids['owned']}", headers=other.headers
    )
    assert refused.status_code == 404
    assert len(client.get(f"{API}/users/me/places", headers=merchant.headers).json()) == 1
    # only merchants own places; unknown places are 404
    resident_id = world.principals["resident"].account.id
    not_merchant = client.post(
        f"{API}/users/{resident_id}/places",
        json={"place_id": world.place_ids["free"]},
        headers=admin,
    )
    assert not_merchant.status_code == 422
    assert not_merchant.json()["errors"][0]["field"] == "user_id"
    no_place = client.post(
        f"{API}/users/{other.account.id}/places", json={"place_id": 99999}, headers=admin
    )
    assert no_place.status_code == 404
    given = client.post(
        f"{API}/users/{other.account.id}/places",
        json={"place_id": world.place_ids["free"]},
        headers=admin,
    )
    assert given.status_code == 201
    assert given.json()["uid"] == "osm:node/2"
    assert (
        client.post(
            f"{API}/users/{other.account.id}/places",
            json={"place_id": world.place_ids["free"]},
            headers=admin,
        ).status_code
        == 201
    )  # giving it again changes nothing
    assert len(client.get(f"{API}/users/me/places", headers=other.headers).json()) == 1
    gone = client.delete(
        f"{API}/users/me/places/{world.place_ids['owned']}", headers=merchant.headers
    )
    assert gone.status_code == 204
    assert client.get(f"{API}/users/me/places", headers=merchant.headers).json() == []


def test_areas_by_links_and_by_code_prefix(world: World) -> None:
    assert admin_prefix("440304000000") == "440304"
    assert admin_prefix("440304001000") == "440304001"
    assert admin_prefix("440304001019") == "440304001019"
    assert admin_prefix("8928308280fffff") is None
    assert admin_prefix("44030") is None
    with session_scope(world.engine) as session:
        city_id = get_city(session, name=CITY).id
        futian = city_area(session, city_id=city_id, code=FUTIAN)
        padded = city_area(session, city_id=city_id, code="440304000000")
        nanshan = city_area(session, city_id=city_id, code=NANSHAN)
        nowhere = city_area(session, city_id=city_id, code="999999")
    assert futian.members == {FUTIAN, NANYUAN, "440304001019", "440304001020"}
    assert padded.members == futian.members
    assert nanshan.members == {NANSHAN, "440305001001"}
    assert not nowhere.known
    assert futian.contains("440304009001")  # a unit of a run, not stored: by prefix
    assert not futian.contains("440305001001")
    # codes that are not administrative nest by the stored links only
    cells = Area(code="district-a", members=frozenset({"district-a", "cell-1"}))
    assert cells.contains("cell-1")
    assert not cells.contains("district-a-2")


def test_an_official_whose_city_is_deleted_sees_nothing(world: World, client: TestClient) -> None:
    official = world.add_principal("official-elsewhere", "official", OTHER_CITY, None)
    with session_scope(world.engine) as session:
        delete_city(session, name=OTHER_CITY)
    me = client.get(f"{API}/users/me", headers=official.headers).json()
    assert (me["role"], me["city"]) == ("official", None)
    refused = client.get(f"{API}/cities/{CITY}/assessment", headers=official.headers)
    assert refused.status_code == 403
    assert "acts for no city" in refused.json()["detail"]
