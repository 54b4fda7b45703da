"""Joint plans (一点多用) on the SYNTHETIC Futian city, checked by an independent walk.

Every (community, category) gap a unit claims to close is checked by re-assessing the
category with the units that host it added as places (``core.access.accessibility``,
the what-if route, a different code path from the plan's candidate searches).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from lifecircle.errors import DataError, InfeasibleError, ValidationError
from lifecircle.io.combinations import combinations_from_csv, load_combinations
from lifecircle.services.city.data import CityData, load_city_data
from lifecircle.services.plan import PlanParams, joint_plan, plan
from lifecircle.store.migrate import open_database
from tests.services.futian import make_futian_city
from tests.services.test_plan import _planned, _reached

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.engine import Engine

LIMIT_M = 1000.0
GAPS = ("laundry", "pharmacy", "photo_print", "housekeeping", "repair", "convenience_store")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CityData]:
    folder = tmp_path_factory.mktemp("joint")
    eng: Engine = open_database(f"sqlite:///{folder / 't.db'}")
    try:
        yield load_city_data(engine=eng, name=make_futian_city(eng, folder))
    finally:
        eng.dispose()


@pytest.fixture(scope="module")
def joint(data: CityData) -> dict[str, Any]:
    return joint_plan(data, PlanParams(categories=GAPS, joint=True))


def test_every_gap_a_unit_claims_to_close_is_closed(data, joint):
    homes = _planned(data)
    zone = data.homes.zone[homes]
    for code in joint["plan"]["parameters"]["categories"]:
        hosting = [u for u in joint["units"] if code in u["hosts"]]
        reached = _reached(data, homes, code, hosting, LIMIT_M + 0.5)
        assert reached.all(), code  # every resident now reaches the category
        without = _reached(data, homes, code, [], LIMIT_M + 0.5)
        weight = data.homes.weight[homes]
        for unit in hosting:  # the unit itself reaches residents out of reach before
            alone = _reached(data, homes, code, [unit], LIMIT_M + 0.5) & ~without
            for community in unit["closes"][code]:
                inside = zone == data.units.codes.index(community)
                assert (alone & inside).any(), (code, unit["id"], community)
            assert unit["newly_covered"][code] <= weight[alone].sum() + 1e-6


def test_units_host_only_allowed_combinations(data, joint):
    _, rows = load_combinations(known=tuple(data.categories))
    allowed = [set(r.categories) for r in rows]
    for unit in joint["units"]:
        hosts = set(unit["hosts"])
        assert len(hosts) == 1 or any(hosts <= a for a in allowed), hosts
        if len(hosts) > 1:
            assert unit["combination"] in {r.name for r in rows}


def test_joint_never_needs_more_units_than_the_per_category_plans(data, joint):
    j = joint["joint"]
    assert j["optimal"]
    assert j["per_category_optimal"]
    assert j["units"] <= j["per_category_sites"]
    assert j["saved_units"] == j["per_category_sites"] - j["units"] > 0
    # the per-category counts are those of the ordinary plan
    single = plan(data, PlanParams(categories=("laundry",)))
    assert j["per_category"]["laundry"] == single["categories"][0]["sites"]


def test_document_sheet_and_sites(joint):
    assert joint["covered_population"] == pytest.approx(joint["total_population"])
    units = {u["id"] for u in joint["units"]}
    assert {s["id"] for s in joint["sites"]} == units
    for c in joint["communities"]:
        for code in c["gaps"]:
            assert c["after"][code] == 1.0
        assert set(c["sites"]) <= units
    for s in joint["sites"]:
        assert s["category"] in s["hosts"]


def test_one_unit_per_site_keeps_the_limit(data):
    doc = joint_plan(data, PlanParams(categories=GAPS[:3], joint=True, units_per_site=1))
    ids = [u["id"] for u in doc["units"]]
    assert len(ids) == len(set(ids))
    assert doc["joint"]["units"] <= doc["joint"]["per_category_sites"]


def test_a_city_without_gaps_needs_no_unit(data):
    doc = joint_plan(data, PlanParams(categories=("supermarket",), joint=True))
    if doc["joint"]["units"] == 0:
        assert doc["units"] == []
        assert doc["joint"]["solver"] == "none"


def test_params_and_combination_files(tmp_path):
    with pytest.raises(ValidationError, match="cover mode with share 1"):
        PlanParams(categories=("laundry",), joint=True, share=0.9)
    with pytest.raises(ValidationError, match="joint plans only"):
        PlanParams(categories=("laundry",), units_per_site=1)
    assert PlanParams(categories=(), joint=True).categories == ("basic",)
    source, rows = load_combinations()
    assert source.startswith("default")
    assert len(rows) >= 5
    text = (
        "# comment\nname,categories,site_cost,category_cost\n"
        "a,laundry,1,0\nb,laundry+laundry,,\nc,laundry+repair,0,-1\nd,repair+laundry,,\n"
        "e,repair+laundry,,\n"
    )
    with pytest.raises(DataError) as err:
        combinations_from_csv(text, "f.csv", known=("laundry", "repair"))
    message = str(err.value)
    for part in (
        "line 3: field categories: 'laundry' needs two codes",
        "line 4: field categories: laundry+laundry repeats",
        "line 5: field site_cost: '0' must be positive",
        "line 5: field category_cost: '-1' must be zero or more",
        "line 7: field categories: the same combination as line 6",
    ):
        assert part in message
    with pytest.raises(DataError, match="no 'categories' column"):
        combinations_from_csv("name\nx\n", "g.csv")
    with pytest.raises(InfeasibleError.__mro__[1]):  # NotFoundError is a LifecircleError
        load_combinations(tmp_path / "missing.csv")
