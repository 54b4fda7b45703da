"""Assessment of a city: the document, its invariants, stored runs, comparison and what-if.

The city is the real Futian walk graph with SYNTHETIC places and residents
(tests/services/futian.py). Heavier checks run on SQLite; the store round trip also runs
on a real PostgreSQL server.
"""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
import shapely

from lifecircle.config import Settings
from lifecircle.core.assess.equity import basic_minutes
from lifecircle.core.walk.impedance import metres_from_minutes
from lifecircle.errors import DataError, NotFoundError, ValidationError
from lifecircle.io.targets import load_targets
from lifecircle.io.units.communities import communities_from_file
from lifecircle.services.assess import (
    AssessParams,
    _match_pilots,
    assess,
    list_runs,
    run_assessment,
    stored_assessment,
    walks,
)
from lifecircle.services.city.cities import create_city
from lifecircle.services.city.data import Units, load_city_data, units_from_records
from lifecircle.services.city.places import import_places
from lifecircle.services.compare import compare_runs
from lifecircle.services.whatif import Change, apply_change, what_if
from lifecircle.store import cities as city_store
from lifecircle.store.centres import list_centres
from lifecircle.store.db import session_scope
from lifecircle.store.migrate import open_database
from tests.conftest import HELSINKI_PBF, SHARED, require
from tests.services.futian import EAST_GAPS, NOWHERE, make_futian_city, make_variant_city
from tests.store import conftest as store_conftest

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from lifecircle.services.city.data import CityData

postgres = store_conftest.postgres
empty_engine = store_conftest.empty_engine
engine = store_conftest.engine

ISSUE_FIELDS = (
    "code",
    "name",
    "population",
    "coverage",
    "minutes_mean",
    "minutes_p90",
    "basic_complete",
    "missing",
    "circle_type",
    "grade",
)


@pytest.fixture(scope="module")
def futian(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, str]:
    folder = tmp_path_factory.mktemp("futian")
    eng = open_database(f"sqlite:///{folder}/t.db")
    return eng, make_futian_city(eng, folder)


@pytest.fixture(scope="module")
def data(futian: tuple[Engine, str]) -> CityData:
    eng, name = futian
    return load_city_data(engine=eng, name=name)


@pytest.fixture(scope="module")
def document(data: CityData) -> dict[str, Any]:
    return assess(data)


def by_code(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["code"]: c for c in doc["communities"]}


def test_document_has_what_the_issue_asks(document: dict[str, Any], data: CityData) -> None:
    assert set(document) == {"run", "categories", "city", "communities"}
    assert {"id", "parameters", "created_at"} <= set(document["run"])
    assert len(document["communities"]) == len(data.units)
    codes = [c["code"] for c in document["categories"]]
    for c in document["communities"]:
        assert set(ISSUE_FIELDS) <= set(c)
        assert set(c["coverage"]) == set(codes)
        for v in c["coverage"].values():
            assert v is None or 0.0 <= v <= 1.0
    city = document["city"]
    assert city["communities"] == len(data.units)
    assert {t["code"] for t in city["targets"]} >= {"basic_full_coverage", "pilot_type_share"}


def test_verdicts_follow_the_shares(document: dict[str, Any]) -> None:
    basic = [c["code"] for c in document["categories"] if c["group"] == "basic"]
    share = document["run"]["parameters"]["basic_share"]
    for c in document["communities"]:
        if c["population"] == 0:
            assert all(v is None for v in c["coverage"].values())
            assert not c["basic_complete"]
            continue
        assert c["basic_complete"] == all(c["coverage"][k] >= share for k in basic)
        assert c["missing"] == [k for k in basic if c["coverage"][k] == 0]
        assert c["weak"] == [k for k in basic if 0 < c["coverage"][k] < share]
        assert (c["grade"] == "below_basic") == (not c["basic_complete"])
        for k in basic:
            if c["minutes_mean"][k] is not None:
                assert c["minutes_mean"][k] <= 15.0 + 1e-9
                assert c["minutes_p90"][k] <= 15.0 + 1e-9


def test_synthetic_gaps_show(document: dict[str, Any], data: CityData) -> None:
    """Categories left out of the east half or of the whole city are where they should be."""
    for code in NOWHERE:
        assert all(not c["coverage"][code] for c in document["communities"])
    # a community far east of every laundry (more than 15 min) must list it as missing
    east = [
        c
        for c, g in zip(document["communities"], data.units.geometries, strict=True)
        if c["population"] > 0
        and g is not None
        and g.centroid.x > float(np.max(data.net.lon)) - 0.005
    ]
    assert any(set(EAST_GAPS) <= set(c["missing"]) for c in east)


def test_coverage_is_the_weighted_share_of_residents_within_the_limit(
    data: CityData, document: dict[str, Any]
) -> None:
    """Recomputed by hand from the network pass, one community at a time."""
    w = walks(data, AssessParams())
    limit = metres_from_minutes(15.0)
    for k, c in enumerate(document["communities"]):
        mine = data.homes.zone == k
        pop = data.homes.weight[mine].sum()
        if pop == 0:
            continue
        for j, cat in enumerate(data.categories):
            m = w.access.metres[mine, j]
            share = data.homes.weight[mine][np.nan_to_num(m, nan=np.inf) <= limit].sum() / pop
            assert c["coverage"][cat] == pytest.approx(share, abs=6e-5)


def test_gini_over_known_walking_times_f15_over_everyone(
    data: CityData, document: dict[str, Any]
) -> None:
    """Recomputed by hand from the network pass: who has a known time, F15, the Gini."""
    w = walks(data, AssessParams())
    minutes = basic_minutes(w.access.metres, basic=np.asarray(data.groups) == "basic")
    kinds = []
    for k, c in enumerate(document["communities"]):
        mine = data.homes.zone == k
        t, people = minutes[mine], data.homes.weight[mine]
        if people.sum() == 0:
            assert c["known_share"] is c["gini"] is c["f15"] is None
            continue
        known = np.isfinite(t)  # every basic category reached within the search
        share = people[known].sum() / people.sum()
        assert c["known_share"] == pytest.approx(share, abs=6e-5)
        # F15 over everyone: a time beyond the search (15 min here) is known to be beyond 15
        within = people[np.nan_to_num(t, nan=np.inf) <= 15.0].sum() / people.sum()
        assert c["f15"] == pytest.approx(within, abs=6e-5)
        if share < 0.5:
            assert c["gini"] is None
            kinds.append("unknown")
            continue
        x, v = t[known], people[known]
        pairs = np.abs(x[:, None] - x[None, :]) * v[:, None] * v[None, :]
        assert c["gini"] == pytest.approx(pairs.sum() / (2 * v.sum() * (x * v).sum()), abs=6e-5)
        kinds.append("known")
    assert {"known", "unknown"} <= set(kinds)  # the city has both
    city = document["city"]
    inside = data.homes.zone >= 0
    share = data.homes.weight[inside & np.isfinite(minutes)].sum() / data.homes.weight[inside].sum()
    assert city["known_share"] == pytest.approx(share, abs=6e-5)
    assert (city["gini"] is None) == (share < 0.5)


def test_elderly_and_shorter_limits_never_cover_more(
    data: CityData, document: dict[str, Any]
) -> None:
    short = assess(data, AssessParams(limit_minutes={"basic": 10, "quality": 10}))
    for full, less in zip(document["communities"], short["communities"], strict=True):
        for cat, v in full["coverage"].items():
            if v is None:
                continue
            assert less["coverage"][cat] <= v + 1e-9
            assert full["elderly"]["coverage"][cat] <= v + 1e-9
    assert short["city"]["basic_complete"] <= document["city"]["basic_complete"]
    diff = compare_runs(document, short)
    assert set(diff["gained"]) == set()
    assert diff["parameters"]["limit_minutes"]["after"] == {"basic": 10, "quality": 10}
    assert diff["headline"]["basic_complete"]["change"] <= 0


def test_city_figures_aggregate_the_communities(document: dict[str, Any]) -> None:
    city, comms = document["city"], document["communities"]
    pop = np.array([c["population"] for c in comms])
    assert city["population"] == pytest.approx(pop.sum(), abs=0.1)
    assert city["basic_complete"] == sum(c["basic_complete"] for c in comms)
    for cat, share in city["coverage"].items():
        vals = np.array([c["coverage"][cat] or 0.0 for c in comms])
        assert share == pytest.approx((vals * pop).sum() / pop.sum(), abs=1e-3)
    hist = city["walk_histogram"]
    assert sum(hist["population"]) + hist["beyond"] == pytest.approx(city["population"], abs=1)
    assert sum(city["grades"].values()) == len(comms)


def test_pilots_are_matched_by_name_street_and_district(data: CityData) -> None:
    n = len(data.units)
    names = ["巴登社区", "福山", "海滨社区", *[f"x{i}" for i in range(n - 3)]]
    streets = ["南园街道", "福田街道", "别的街道", *[""] * (n - 3)]
    units = replace(data.units, names=tuple(names), streets=tuple(streets))
    found = _match_pilots(replace(data, units=units), load_targets())
    assert found == {1: 0, 2: 1}  # 海滨社区 lies in 福田街道, not 别的街道
    doc = assess(replace(data, units=units))
    pilots = doc["city"]["pilots"]
    assert pilots["matched"] == 2
    assert pilots["rows"][0]["community_code"] == data.units.codes[0]
    assert pilots["rows"][2]["community_code"] is None
    assert doc["communities"][0]["is_pilot"]
    types = [r["circle_type"] for r in pilots["rows"][:2]]
    for kind, share in pilots["type_shares"].items():  # of the plan's 30, not of the 2 found
        assert share == round(types.count(kind) / 30, 4)
    assert pilots["unknown"] == 28 + types.count("undetermined")
    assert pilots["types_met"] is None  # 2 of 30 known settle nothing


def test_a_laundry_added_where_there_is_none_raises_coverage(
    data: CityData, document: dict[str, Any]
) -> None:
    """The change itself, assessed in full (the service is checked against it below)."""
    east = int(np.argmax(data.net.lon))
    change = Change(
        op="add", category="laundry", lon=float(data.net.lon[east]), lat=float(data.net.lat[east])
    )
    changed, _ = apply_change(data, change)
    full = by_code(assess(changed))
    before = by_code(document)
    moved = [code for code in full if full[code] != before[code]]
    assert moved, "a laundry where there is none must change something"
    assert any(full[c]["coverage"]["laundry"] > before[c]["coverage"]["laundry"] for c in moved)


def test_what_if_service_rescoring_only_the_catchment(
    futian: tuple[Engine, str], data: CityData
) -> None:
    eng, name = futian
    stored = by_code(run_assessment(engine=eng, name=name))
    east = int(np.argmax(data.net.lon))
    lon, lat = float(data.net.lon[east]), float(data.net.lat[east])
    result = what_if(
        engine=eng, name=name, change=Change(op="add", category="laundry", lon=lon, lat=lat)
    )
    assert not result["stale"]
    assert 0 < len(result["communities"]) < len(stored)
    changed, _ = apply_change(data, Change(op="add", category="laundry", lon=lon, lat=lat))
    full = by_code(assess(changed))
    for c in result["communities"]:
        assert c["before"] == stored[c["code"]]
        assert c["after"] == full[c["code"]]
    untouched = set(stored) - {c["code"] for c in result["communities"]}
    assert all(full[code] == stored[code] for code in untouched)
    after = result["city"]["after"]
    assert after["basic_complete"] == sum(c["basic_complete"] for c in full.values())
    # removing a place that exists, and moving it, also run
    uid = data.places.uid[int(data.places.pair_place[0])]
    removed = what_if(engine=eng, name=name, change=Change(op="remove", uid=uid))
    assert removed["communities"]
    moved = what_if(engine=eng, name=name, change=Change(op="move", uid=uid, lon=lon, lat=lat))
    assert moved["affected_points"] >= removed["affected_points"]


@pytest.mark.parametrize("op", ["add", "remove", "move"])
def test_what_if_equals_a_full_reassessment_of_the_changed_city(
    futian: tuple[Engine, str], data: CityData, op: str
) -> None:
    """The what-if service against a city imported from the places file with the change made.

    The place removed or moved is a housekeeping service (there are six, all in the
    west); it is moved, or a laundry added, at the city's easternmost street node.
    """
    eng, name = futian
    folder = Path(str(eng.url.database)).parent
    stored_doc = run_assessment(engine=eng, name=name)
    stored = by_code(stored_doc)
    east = int(np.argmax(data.net.lon))
    lon, lat = float(data.net.lon[east]), float(data.net.lat[east])
    source = folder / "futian-files" / "synthetic_places.csv"
    with source.open(encoding="utf-8", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    row = next(i for i, r in enumerate(rows) if r[header.index("category")] == "housekeeping")
    uid = f"{source.stem}:{rows[row][0]}"  # places are keyed by their source's name
    assert uid in data.places.uid
    if op == "add":
        change = Change(op="add", category="laundry", lon=lon, lat=lat)
        rows.append(["added", repr(lon), repr(lat), "laundry", "added laundry", ""])
    elif op == "remove":
        change = Change(op="remove", uid=uid)
        del rows[row]
    else:
        change = Change(op="move", uid=uid, lon=lon, lat=lat)
        rows[row][1:3] = [repr(lon), repr(lat)]
    changed = folder / f"places-{op}" / source.name  # the same source name, so the same uids
    changed.parent.mkdir()
    with changed.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    variant = make_variant_city(eng, folder, name=f"{name}-{op}", places=changed)
    full_doc = run_assessment(engine=eng, name=variant)
    full = by_code(full_doc)
    assert set(full) == set(stored)

    result = what_if(engine=eng, name=name, change=change)
    rescored = {c["code"]: c for c in result["communities"]}
    assert 0 < len(rescored) < len(stored)
    assert any(c["after"] != c["before"] for c in rescored.values()), "nothing changed"
    for code, c in rescored.items():
        assert c["before"] == stored[code]
        assert c["after"] == full[code], code
    for code in set(stored) - set(rescored):
        assert full[code] == stored[code], code
    city = result["city"]["after"]
    assert city["basic_complete"] == full_doc["city"]["basic_complete"]
    for cat, share in city["coverage"].items():
        assert share == pytest.approx(full_doc["city"]["coverage"][cat], abs=1e-4), cat


@pytest.mark.parametrize(
    "change",
    [
        {"op": "teleport"},
        {"op": "add", "lon": 114.0, "lat": 22.5},
        {"op": "add", "category": "laundry"},
        {"op": "move", "uid": "x", "lon": 500.0, "lat": 22.5},
        {"op": "remove"},
    ],
    ids=["unknown-op", "add-without-category", "add-without-position", "bad-lon", "no-uid"],
)
def test_bad_changes_are_refused(change: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Change(**change)


def test_unknown_place_and_category(futian: tuple[Engine, str], data: CityData) -> None:
    eng, name = futian
    with pytest.raises(NotFoundError, match="uid"):
        what_if(engine=eng, name=name, change=Change(op="remove", uid="nope"))
    with pytest.raises(ValidationError, match="unknown category"):
        apply_change(data, Change(op="add", category="spaceport", lon=114.0, lat=22.5))


def test_runs_are_stored_listed_and_read_back(engine: Engine, tmp_path: Path) -> None:
    """On SQLite and PostgreSQL: the stored document is the computed one."""
    name = make_futian_city(engine, tmp_path)
    first = run_assessment(engine=engine, name=name)
    second = run_assessment(
        engine=engine, name=name, params=AssessParams(limit_minutes={"basic": 10, "quality": 10})
    )
    assert second["run"]["id"] > first["run"]["id"]
    assert stored_assessment(engine=engine, name=name, run_id=first["run"]["id"]) == first
    assert stored_assessment(engine=engine, name=name) == second
    runs = list_runs(engine=engine, name=name)
    assert [r["id"] for r in runs] == [first["run"]["id"], second["run"]["id"]]
    unsaved = run_assessment(engine=engine, name=name, save=False)
    assert unsaved["run"]["id"] is None
    assert len(list_runs(engine=engine, name=name)) == 2
    with pytest.raises(NotFoundError, match="no assessment run 999"):
        stored_assessment(engine=engine, name=name, run_id=999)


def test_a_city_without_data_says_what_to_import(engine: Engine) -> None:
    create_city(engine=engine, name="empty")
    with pytest.raises(DataError, match="--network"):
        run_assessment(engine=engine, name="empty")
    with pytest.raises(NotFoundError, match="has no assessment run yet"):
        stored_assessment(engine=engine, name="empty")
    with pytest.raises(ValidationError, match="profile"):
        AssessParams(profile="runner")


def test_units_length(data: CityData) -> None:
    assert len(data.units) == len(data.units.codes)
    assert isinstance(data.units, Units)


def test_the_30_pilots_among_the_real_nbs_communities(data: CityData) -> None:
    """The plan's pilots matched against Shenzhen's 788 NBS 居委会 (../shared/data).

    24 are found, each once: 海滨社区 exists in three districts and 凤凰社区 in five, the
    街道 and 区 decide. 万科云城 and 缤纷商业街 are commercial areas, not 社区; NBS
    lists 凤凰社区 of 平湖街道 as 凤凰社区平湖墟居民委员会, and no 民新, 景龙 or 民治
    in those 街道: those need a 社区 ↔ 居委会 mapping (`city import --mapping`).
    """
    path = require(SHARED / "data" / "shenzhen_admin_codes_nbs" / "shenzhen_communities.csv")
    records = list(communities_from_file(path).records)
    units = units_from_records([r for r in records if r.level == "community"])
    assert len(units) == 788
    found = _match_pilots(replace(data, units=units), load_targets())
    assert set(range(1, 31)) - set(found) == {7, 8, 21, 22, 23, 24}
    assert len(set(found.values())) == 24
    assert units.codes[found[1]] == "440304001026"  # 巴登社区, 南园街道, 福田区
    assert units.codes[found[3]] == "440304004031"  # 海滨社区 of 福田街道, not 蛇口 or 新安


def test_a_mall_footprint_makes_a_community_clustered(data: CityData) -> None:
    """A (made-up) mall outline around most of a community's basic places decides 集聚式."""
    doc = by_code(assess(data))
    basic = np.flatnonzero(np.asarray(data.groups) == "basic")
    is_basic = np.isin(data.places.pair_category, basic)
    counts = np.bincount(data.places.zone[data.places.pair_place[is_basic]].clip(0))
    k = int(np.argmax(counts))
    rows = np.unique(
        data.places.pair_place[is_basic & (data.places.zone[data.places.pair_place] == k)]
    )
    mall = shapely.convex_hull(
        shapely.multipoints(np.column_stack([data.places.lon[rows], data.places.lat[rows]]))
    ).buffer(1e-5)
    with_mall = replace(data, centres=(mall,), centre_names=("合成万象城",))
    after = by_code(assess(with_mall))[data.units.codes[k]]
    assert after["circle_type"] == "clustered"
    assert "inside footprint 合成万象城" in after["circle_type_rule"]
    before = doc[data.units.codes[k]]
    assert "footprint" not in before["circle_type_rule"]


def test_osm_import_stores_the_centres(engine: Engine, tmp_path: Path) -> None:
    """On SQLite and PostgreSQL: malls come with an OSM file's places, replaced on re-import."""
    create_city(engine=engine, name="hel")
    settings = Settings(data_dir=tmp_path)
    for _ in range(2):
        out = import_places(
            engine=engine, settings=settings, name="hel", path=require(HELSINKI_PBF)
        )
        assert out.details["centres"] == 6
    with session_scope(engine) as session:
        stored = list_centres(session, city_id=city_store.get_city(session, name="hel").id)
    assert len(stored) == 6
    assert {kind for _, kind, _ in stored} == {
        "shop=mall",
        "shop=department_store",
        "amenity=marketplace",
    }
