"""Gap-filling plans on the SYNTHETIC Futian city: results checked by an independent walk.

The city is the real Futian walk graph with SYNTHETIC places and residents (see
``futian.py``): laundry, pharmacy and photo printing are absent from the east half and
housekeeping has six places in the west. Every plan's coverage is recomputed with
``core.access.accessibility`` (nearest-place searches from the places, a different code
path from the plan's candidate searches) after adding the chosen sites as places.

The heavy tests share one SQLite city (module scope); the store round trip runs on
SQLite and on PostgreSQL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from lifecircle.core.plan import LSCP, MCLP, milp_solver, solvers
from lifecircle.core.walk.access import accessibility
from lifecircle.core.walk.insert import insert_points
from lifecircle.core.walk.snap import Snapped, snap_points
from lifecircle.errors import DataError, InfeasibleError, NotFoundError, ValidationError
from lifecircle.services.candidates import (
    near_demand,
    network_candidates,
    pairs_within,
    undominated,
    within,
)
from lifecircle.services.city.data import CityData, load_city_data
from lifecircle.services.plan import PlanParams, plan, run_plan, stored_plan
from lifecircle.services.plan.prepare import area_homes
from lifecircle.store.migrate import open_database
from tests.services.futian import EAST_GAPS, make_futian_city
from tests.store import conftest as store_conftest

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from sqlalchemy.engine import Engine

# the store's fixtures, for the round trip on SQLite and PostgreSQL
postgres = store_conftest.postgres
empty_engine = store_conftest.empty_engine
engine = store_conftest.engine

LIMIT_M = 1000.0  # 15 min at 4 km/h
SLACK_M = 0.5  # the sites' coordinates round-trip through a projection: millimetres


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, str]]:
    folder = tmp_path_factory.mktemp("plan")
    eng = open_database(f"sqlite:///{folder / 't.db'}")
    try:
        yield eng, make_futian_city(eng, folder)
    finally:
        eng.dispose()


@pytest.fixture(scope="module")
def data(city: tuple[Engine, str]) -> CityData:
    eng, name = city
    return load_city_data(engine=eng, name=name)


@pytest.fixture(scope="module")
def laundry(data: CityData) -> dict[str, Any]:
    """Cover mode, laundry, the whole city."""
    return plan(data, PlanParams(categories=("laundry",)))


def _planned(data: CityData, community: str | None = None) -> np.ndarray:
    zone = data.homes.zone
    inside = zone >= 0 if community is None else zone == data.units.codes.index(community)
    return np.flatnonzero(inside & (data.homes.weight > 0))


def _reached(
    data: CityData, homes: np.ndarray, code: str, sites: list[dict[str, Any]], limit_m: float
) -> np.ndarray:
    """Independently: which homes reach a place of ``code`` (existing or new) in the limit."""
    column = data.categories.index(code)
    existing = data.places.pair_place[data.places.pair_category == column]
    lon = np.concatenate([data.places.lon[existing], [s["lon"] for s in sites]])
    lat = np.concatenate([data.places.lat[existing], [s["lat"] for s in sites]])
    result = accessibility(
        data.net,
        origins=snap_points(data.net, data.homes.lon[homes], data.homes.lat[homes]),
        places=snap_points(data.net, lon, lat),
        place_category=np.zeros(lon.size, dtype=np.int64),
        categories=[code],
        limit_m=limit_m,
        with_counts=False,
    )
    return np.isfinite(result.metres[:, 0])


def _only(doc: dict[str, Any], code: str) -> dict[str, Any]:
    [row] = [r for r in doc["categories"] if r["category"] == code]
    return row


# --- cover ---------------------------------------------------------------------------------


def test_cover_reaches_every_resident_and_is_checked_independently(data, laundry):
    homes = _planned(data)
    row = _only(laundry, "laundry")
    sites = laundry["sites"]
    total = float(data.homes.weight[homes].sum())
    assert row["sites"] == len(sites) > 0
    assert row["optimal"]
    assert row["gap"] == 0.0
    assert row["solver"] == "highs"
    assert row["objective"] == row["bound"] == len(sites)
    assert row["unreachable_population"] == 0.0
    assert row["note"] is None
    assert row["covered_population"] == pytest.approx(total)
    assert row["before_population"] < total  # the east has no laundry
    assert laundry["covered_population"] == pytest.approx(total)
    assert laundry["total_population"] == pytest.approx(total)
    assert laundry["optimal"]
    assert laundry["gap"] == 0.0
    # before: what the existing laundries reach; after: everyone, by a separate search
    before = _reached(data, homes, "laundry", [], LIMIT_M)
    assert data.homes.weight[homes][before].sum() == pytest.approx(row["before_population"])
    assert _reached(data, homes, "laundry", sites, LIMIT_M + SLACK_M).all()
    # none of the sites can be spared
    for i in range(len(sites)):
        fewer = sites[:i] + sites[i + 1 :]
        assert not _reached(data, homes, "laundry", fewer, LIMIT_M - SLACK_M).all()
    # each site's newly covered residents add up to what the plan adds
    added = sum(s["newly_covered_population"] for s in sites)
    assert added == pytest.approx(row["covered_population"] - row["before_population"])


def test_sites_are_ranked_by_marginal_gain_and_name_their_communities(data, laundry):
    sites = laundry["sites"]
    gains = [s["newly_covered_population"] for s in sites]
    assert gains == sorted(gains, reverse=True)
    assert [s["rank"] for s in sites] == list(range(1, len(sites) + 1))
    ids = {s["id"] for s in sites}
    assert all(i.startswith("n-") for i in ids)
    assert all(s["category"] == "laundry" and s["rent"] is None for s in sites)
    codes = set(data.units.codes)
    for s in sites:
        assert s["communities"]
        assert set(s["communities"]) <= codes
    # the 一圈一策 sheet: each community's sites are those whose residents it holds
    sheet = {c["code"]: c for c in laundry["communities"]}
    for s in sites:
        for code in s["communities"]:
            assert s["id"] in sheet[code]["sites"]
    for c in laundry["communities"]:
        assert c["after"]["laundry"] == 1.0
        assert ("laundry" in c["gaps"]) == (c["before"]["laundry"] < 1.0)
        assert bool(c["sites"]) == ("laundry" in c["gaps"])
    # the east, without laundries, has gaps; population adds up
    assert any(c["before"]["laundry"] == 0.0 for c in laundry["communities"])
    total = sum(c["population"] for c in laundry["communities"])
    assert total == pytest.approx(laundry["total_population"])


def test_document_shape(laundry):
    assert set(laundry) >= {
        "plan", "sites", "covered_population", "total_population", "optimal", "gap",
        "categories", "communities", "candidates",
    }  # fmt: skip
    info = laundry["plan"]
    assert info["id"] is None
    assert info["city"] == "futian-synthetic"
    assert info["created_at"].endswith("+00:00")
    assert info["elapsed_s"] > 0
    assert info["parameters"] == {
        "mode": "cover", "categories": ["laundry"], "community": None, "k": None,
        "share": 1.0, "capacity": None, "minutes": 15.0, "speed_kmh": 4.0,
        "limit_m": 1000.0, "candidates": "network", "candidates_crs": None,
        "spacing_m": 100.0, "max_snap_m": 300.0, "time_limit_s": 60.0,
    }  # fmt: skip
    assert set(laundry["sites"][0]) >= {
        "id", "lon", "lat", "category", "newly_covered_population", "communities", "rent",
    }  # fmt: skip
    assert set(laundry["categories"][0]) >= {
        "category", "sites", "before_population", "covered_population", "total_population",
        "optimal", "gap", "solver", "candidates", "unreachable_population", "note",
    }  # fmt: skip
    assert set(laundry["communities"][0]) >= {
        "code", "name", "population", "gaps", "before", "after", "sites",
    }  # fmt: skip
    assert laundry["candidates"]["source"] == "network"
    assert laundry["candidates"]["left_out"] == []


def test_several_categories_are_planned_each_on_its_own(data, laundry):
    doc = plan(data, PlanParams(categories=(*EAST_GAPS, "laundry")))  # duplicate dropped
    assert [r["category"] for r in doc["categories"]] == list(EAST_GAPS)
    assert _only(doc, "laundry")["sites"] == _only(laundry, "laundry")["sites"]
    per = [r["covered_population"] for r in doc["categories"]]
    assert doc["covered_population"] == pytest.approx(sum(per))
    assert doc["total_population"] == pytest.approx(3 * laundry["total_population"])
    for c in doc["communities"]:
        assert set(c["before"]) == set(EAST_GAPS)
        assert set(c["gaps"]) <= set(EAST_GAPS)


def test_partial_share_counts_existing_places(data, laundry):
    row = _only(laundry, "laundry")
    total = row["total_population"]
    doc = plan(data, PlanParams(categories=("laundry",), share=0.8))
    part = _only(doc, "laundry")
    assert part["covered_population"] >= 0.8 * total - 1e-6
    assert 0 < part["sites"] < row["sites"]
    assert part["optimal"]
    # a share the existing laundries already meet needs nothing
    met = row["before_population"] / total
    doc = plan(data, PlanParams(categories=("laundry",), share=met))
    assert doc["sites"] == []
    assert doc["optimal"]


def test_a_category_already_covered_needs_no_site(data, laundry):
    full = next(c for c in laundry["communities"] if c["before"]["laundry"] == 1.0)
    for mode, k in (("cover", None), ("max", 2)):
        doc = plan(
            data, PlanParams(categories=("laundry",), community=full["code"], mode=mode, k=k)
        )
        row = _only(doc, "laundry")
        assert doc["sites"] == []
        assert (row["sites"], row["optimal"], row["gap"], row["solver"]) == (0, True, 0.0, "none")
        assert doc["covered_population"] == doc["total_population"] == full["population"]
        assert doc["communities"][0]["gaps"] == []


# --- max -----------------------------------------------------------------------------------


def test_max_cover_grows_with_k_and_reaches_all_with_the_cover_count(data, laundry):
    homes = _planned(data)
    weight = data.homes.weight[homes]
    n_cover = _only(laundry, "laundry")["sites"]
    covered = []
    for k in (1, 2, 3, n_cover):
        doc = plan(data, PlanParams(categories=("laundry",), mode="max", k=k))
        row = _only(doc, "laundry")
        assert len(doc["sites"]) == k
        assert row["optimal"]
        assert row["objective"] == pytest.approx(
            row["covered_population"] - row["before_population"]
        )
        reached = _reached(data, homes, "laundry", doc["sites"], LIMIT_M + SLACK_M)
        assert weight[reached].sum() >= row["covered_population"] - 1e-6
        covered.append(row["covered_population"])
    assert covered == sorted(covered)
    assert covered[0] < covered[-1]
    # the set cover's count of places reaches everyone, so the best k of them does too
    assert covered[-1] == pytest.approx(laundry["total_population"])


def test_capacity_limits_what_one_place_serves(data):
    free = plan(data, PlanParams(categories=("housekeeping",), mode="max", k=2))
    capped = plan(data, PlanParams(categories=("housekeeping",), mode="max", k=2, capacity=3000))
    assert max(s["newly_covered_population"] for s in free["sites"]) > 3000
    for s in capped["sites"]:
        assert s["newly_covered_population"] <= 3000 + 1e-6
    gain = _only(capped, "housekeeping")
    assert gain["covered_population"] - gain["before_population"] <= 2 * 3000 + 1e-6
    assert gain["covered_population"] <= _only(free, "housekeeping")["covered_population"]
    assert gain["optimal"]


def test_lagrangian_on_large_instances_reports_its_bound(data, monkeypatch):
    monkeypatch.setattr(solvers, "MAX_MILP_CELLS", 0)  # every instance is "too large"
    doc = plan(data, PlanParams(categories=("housekeeping",), mode="max", k=3))
    row = _only(doc, "housekeeping")
    assert row["solver"] == "lagrangian"  # maximal covering too large for HiGHS
    assert row["bound"] >= row["objective"] > 0
    assert row["gap"] == 0.0 if row["optimal"] else 0.0 < row["gap"] < 1.0
    cover = plan(data, PlanParams(categories=("housekeeping",)))
    row = _only(cover, "housekeeping")
    assert row["solver"] == "lagrangian"  # a cover too large for HiGHS
    assert row["bound"] <= row["objective"]
    assert row["covered_population"] == pytest.approx(row["total_population"])


# --- area, candidates and what cannot be reached -----------------------------------------------


def test_community_filter(data, laundry):
    code = next(c["code"] for c in laundry["communities"] if c["before"]["laundry"] == 0.0)
    doc = plan(data, PlanParams(categories=("laundry",), community=code))
    homes = _planned(data, code)
    assert [c["code"] for c in doc["communities"]] == [code]
    assert doc["total_population"] == pytest.approx(data.homes.weight[homes].sum())
    assert all(s["communities"] == [code] for s in doc["sites"])
    assert doc["communities"][0]["sites"] == [s["id"] for s in doc["sites"]]
    assert _reached(data, homes, "laundry", doc["sites"], LIMIT_M + SLACK_M).all()
    assert len(doc["sites"]) <= _only(laundry, "laundry")["sites"]


def _units_file(data: CityData, folder: Path, laundry: dict[str, Any]) -> tuple[Path, list[str]]:
    """SYNTHETIC shop units: three at chosen sites of the city plan, one far off-street."""
    chosen = laundry["sites"][:3]
    lines = ["id,lon,lat,rent"]
    lines += [f"u{i},{s['lon']:.7f},{s['lat']:.7f},{1000 * (i + 1)}" for i, s in enumerate(chosen)]
    _west, south, east, north = data.net.bbox
    lines.append(f"far,{east + 0.05:.5f},{(south + north) / 2:.5f},")
    path = folder / "units.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, [s["id"] for s in chosen]


def test_user_candidates_unreachable_residents_are_reported(data, laundry, tmp_path):
    path, _ = _units_file(data, tmp_path, laundry)
    doc = plan(data, PlanParams(categories=("laundry",), candidates=path))
    row = _only(doc, "laundry")
    assert doc["candidates"] == {
        "source": "file",
        "path": str(path),
        "count": 3,
        "left_out": [{"id": "far", "line": 5, "problem": "farther than 300 m from every street"}],
    }
    assert {s["id"] for s in doc["sites"]} <= {"u0", "u1", "u2"}
    assert all(s["rent"] in {1000.0, 2000.0, 3000.0} for s in doc["sites"])
    # three of the seven city sites leave residents no unit reaches: reported, not failed
    homes = _planned(data)
    weight = data.homes.weight[homes]
    assert row["unreachable_points"] > 0
    assert row["note"].startswith(f"{row['unreachable_population']:,.0f} residents at ")
    assert row["note"].endswith("reach no candidate within 15 min")
    assert row["covered_population"] + row["unreachable_population"] == pytest.approx(weight.sum())
    low, high = (
        weight[_reached(data, homes, "laundry", doc["sites"], limit)].sum()
        for limit in (LIMIT_M - SLACK_M, LIMIT_M + SLACK_M)
    )
    assert low <= row["covered_population"] <= high
    assert doc["plan"]["parameters"]["candidates"] == str(path)


def test_a_share_the_candidates_cannot_reach_is_infeasible(data, laundry, tmp_path):
    path, _ = _units_file(data, tmp_path, laundry)
    needed = 0.99 * float(data.homes.weight[area_homes(data, None)].sum())
    with pytest.raises(InfeasibleError, match=rf"laundry: share 0.99 needs {needed:,.0f} resid"):
        plan(data, PlanParams(categories=("laundry",), candidates=path, share=0.99))


def test_network_candidates_cover_the_streets(data):
    cands = network_candidates(data.net, spacing_m=100.0)
    assert len(cands) == len(set(cands.ids))
    assert cands.snapped.ok.all()
    assert (cands.snapped.offset_m == 0).all()
    # about one per 100 m of street, junctions included
    assert data.net.total_length_m / 100 < len(cands) < data.net.total_length_m / 50
    denser = network_candidates(data.net, spacing_m=50.0)
    assert len(denser) > len(cands)


@pytest.mark.parametrize("n_cands", [10, 60])  # fewer or more candidates than homes
def test_pairs_within_match_dijkstra_both_ways(data, n_cands):
    from scipy.sparse import csr_array  # noqa: PLC0415
    from scipy.sparse.csgraph import dijkstra  # noqa: PLC0415

    rng = np.random.default_rng(5)
    cands = network_candidates(data.net, spacing_m=100.0)
    pick = rng.choice(len(cands), n_cands, replace=False)
    homes = rng.choice(data.homes.lon.size, 25, replace=False)
    h_snap = snap_points(data.net, data.homes.lon[homes] + 0.0003, data.homes.lat[homes])
    graph = insert_points(data.net, Snapped.concat([h_snap, cands.snapped.take(pick)]))
    node, off = graph.node.astype(np.int64), graph.offset_m
    h_node, h_off, c_node, c_off = node[:25], off[:25], node[25:], off[25:]
    net = graph.net
    adj = csr_array((net.weights, net.indices, net.indptr), shape=(net.n_nodes, net.n_nodes))
    d = dijkstra(adj, indices=h_node) + h_off[:, None]
    total = d[:, c_node] + c_off[None, :]
    expected = {(i, j): total[i, j] for i, j in zip(*np.nonzero(total <= LIMIT_M), strict=True)}
    assert 0 < len(expected) < total.size  # some pairs in reach, not all
    for a, b in ((0, 1), (1, 0)):  # either argument order
        ends = [(h_node, h_off), (c_node, c_off)]
        found = pairs_within(
            net, a_node=ends[a][0], a_offset_m=ends[a][1], b_node=ends[b][0],
            b_offset_m=ends[b][1], limit_m=LIMIT_M,
        )  # fmt: skip
        hi, ci, metres = found if a == 0 else (found[1], found[0], found[2])
        got = dict(zip(zip(hi.tolist(), ci.tolist(), strict=True), metres, strict=True))
        assert got.keys() == expected.keys()
        for key, value in got.items():
            assert value == pytest.approx(expected[key], abs=1e-6)
    near = within(
        net, seed_node=h_node, seed_offset_m=h_off, node=c_node, offset_m=c_off, limit_m=LIMIT_M
    )
    np.testing.assert_array_equal(near, (total <= LIMIT_M).any(axis=0))


@pytest.mark.parametrize("seed", range(8))
def test_dropping_dominated_candidates_keeps_the_optimum(seed):
    # residents on a line, candidates reaching intervals of it: many nested reaches
    rng = np.random.default_rng(seed)
    m, n = 30, 40
    where = np.sort(rng.random(m)) * 1000.0
    site = rng.random(n) * 1000.0
    reach = rng.choice([60.0, 120.0, 200.0], n)
    rows, cols = np.nonzero(np.abs(where[:, None] - site[None, :]) <= reach[None, :])
    metres = np.full(rows.size, 10.0)
    weights = rng.integers(1, 30, m).astype(float)
    for k, capacity in ((2, None), (3, None), (2, 60.0), (3, 45.0)):
        kept = undominated(rows, cols, n, copies=1 if capacity is None else k)
        assert kept.size < n
        new = np.full(n, -1)
        new[kept] = np.arange(kept.size)
        use = new[cols] >= 0
        small = (rows[use], new[cols[use]], metres[use])
        common = {"limit_m": 50.0, "k": k, "weights": weights, "capacity": capacity}
        full = MCLP.from_pairs(m, n, rows, cols, metres, **common).solve(milp_solver())
        part = MCLP.from_pairs(m, kept.size, *small, **common).solve(milp_solver())
        assert part.objective == pytest.approx(full.objective)
    kept = undominated(rows, cols, n, copies=1)
    new = np.full(n, -1)
    new[kept] = np.arange(kept.size)
    use = new[cols] >= 0
    full = LSCP.from_pairs(m, n, rows, cols, metres, limit_m=50.0, weights=weights, share=0.9)
    part = LSCP.from_pairs(
        m, kept.size, rows[use], new[cols[use]], metres[use], limit_m=50.0, weights=weights,
        share=0.9,
    )  # fmt: skip
    assert part.solve(milp_solver()).objective == full.solve(milp_solver()).objective


def test_undominated_keeps_copies_of_the_same_reach():
    # candidates 0, 1, 2 reach the same residents, 3 a superset, 4 nobody
    rows = np.array([0, 1, 0, 1, 0, 1, 0, 1, 2])
    cols = np.array([0, 0, 1, 1, 2, 2, 3, 3, 3])
    np.testing.assert_array_equal(undominated(rows, cols, 5, copies=1), [3])
    np.testing.assert_array_equal(undominated(rows, cols, 5, copies=2), [0, 3])
    np.testing.assert_array_equal(undominated(rows, cols, 5, copies=3), [0, 1, 3])


# --- refusals ----------------------------------------------------------------------------------


def test_unknown_category_and_community(data):
    with pytest.raises(ValidationError, match=r"unknown category 'laundromat': .* laundry"):
        plan(data, PlanParams(categories=("laundry", "laundromat")))
    with pytest.raises(NotFoundError, match=r"no community 'nowhere'; its 30 community codes"):
        plan(data, PlanParams(categories=("laundry",), community="nowhere"))
    name = data.units.names[0]
    with pytest.raises(NotFoundError, match=f"the code of '{name}' is '{data.units.codes[0]}'"):
        plan(data, PlanParams(categories=("laundry",), community=name))


def test_community_without_residents(data):
    empty = [c for k, c in enumerate(data.units.codes) if not (data.homes.zone == k).any()]
    if not empty:
        pytest.skip("every synthetic unit has residents")
    with pytest.raises(DataError, match="has no residents"):
        plan(data, PlanParams(categories=("laundry",), community=empty[0]))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"categories": ()}, "at least one category"),
        ({"mode": "best"}, "mode 'best' is not one of cover, max"),
        ({"mode": "max"}, "max mode needs k"),
        ({"mode": "max", "k": 0}, "max mode needs k"),
        ({"mode": "max", "k": 2, "share": 0.5}, "share applies to cover mode only"),
        ({"k": 2}, "k applies to max mode only"),
        ({"capacity": 10.0}, "capacity applies to max mode only"),
        ({"share": 0.0}, r"share 0.0 is outside \(0, 1\]"),
        ({"minutes": 0.0}, "minutes 0.0"),
        ({"spacing_m": 0.5}, "spacing_m 0.5"),
        ({"speed_kmh": 100.0}, "walking speed 100.0 km/h"),
        ({"time_limit_s": -1.0}, "time_limit_s -1.0"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_params_validation(kwargs, message):
    with pytest.raises(ValidationError, match=message):
        PlanParams(**({"categories": ("laundry",)} | kwargs))


def test_progress_reports_each_step(data):
    steps: list[str] = []
    plan(
        data, PlanParams(categories=("laundry", "pharmacy"), mode="max", k=1), progress=steps.append
    )
    assert steps[0] == "attaching residents to the streets"
    assert "laundry: choosing the sites" in steps
    assert "pharmacy: walks from the candidates" in steps
    assert steps[-1] == "the plan document"


# --- stored ------------------------------------------------------------------------------------


def test_stored_round_trip(engine: Engine, tmp_path: Path):
    name = make_futian_city(engine, tmp_path)
    params = PlanParams(categories=("pharmacy",), mode="max", k=2)
    steps: list[str] = []
    first = run_plan(engine=engine, name=name, params=params, progress=steps.append)
    assert steps[0] == "loading the city"
    assert steps[-1] == "saving the plan"
    assert isinstance(first["plan"]["id"], int)
    assert stored_plan(engine=engine, name=name) == first
    second = run_plan(engine=engine, name=name, params=params)
    assert second["plan"]["id"] > first["plan"]["id"]
    assert stored_plan(engine=engine, name=name, plan_id=first["plan"]["id"]) == first
    assert stored_plan(engine=engine, name=name)["plan"]["id"] == second["plan"]["id"]
    unsaved = run_plan(engine=engine, name=name, params=params, save=False)
    assert unsaved["plan"]["id"] is None
    assert unsaved["sites"] == first["sites"]
    with pytest.raises(NotFoundError, match="no city named 'atlantis'"):
        run_plan(engine=engine, name="atlantis", params=params)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_near_demand_keeps_every_candidate_within_reach(data, seed):
    """The catchment prefilter is a superset of the exact within-limit candidates."""
    rng = np.random.default_rng(seed)
    pick = rng.choice(data.homes.lon.size, size=25, replace=False)
    homes = snap_points(data.net, data.homes.lon[pick], data.homes.lat[pick])
    cands = network_candidates(data.net, spacing_m=80.0)
    limit = 600.0
    graph = insert_points(data.net, Snapped.concat([homes, cands.snapped]))
    n = len(homes)
    exact = within(
        graph.net,
        seed_node=graph.node[:n].astype(np.int64),
        seed_offset_m=graph.offset_m[:n],
        node=graph.node[n:].astype(np.int64),
        offset_m=graph.offset_m[n:],
        limit_m=limit,
    )
    kept = set(near_demand(data.net, cands, homes, limit).ids)
    must = {cands.ids[i] for i in np.flatnonzero(exact)}
    assert must <= kept
    assert len(kept) < len(cands)  # and it does filter
