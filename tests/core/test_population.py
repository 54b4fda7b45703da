"""Population spread over buildings and networks: hand-checked shares and total invariants."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lifecircle.core.assess.population import (
    FLOOR_M2_PER_PERSON,
    Buildings,
    NetworkPoints,
    population_from_buildings,
    population_from_points,
    segment_midpoints,
    spread_population,
)
from lifecircle.errors import ValidationError

if TYPE_CHECKING:
    from lifecircle.core.walk.network import WalkNetwork

NAN = math.nan


def buildings(area: list[float], levels: list[float], zone: list[int]) -> Buildings:
    n = len(area)
    return Buildings(
        lon=114.0 + np.arange(n) * 1e-4,
        lat=np.full(n, 22.5),
        area_m2=np.array(area, dtype=np.float64),
        levels=np.array(levels, dtype=np.float64),
        zone=np.array(zone, dtype=np.int64),
    )


def network(weight: list[float], zone: list[int]) -> NetworkPoints:
    n = len(weight)
    return NetworkPoints(
        lon=114.1 + np.arange(n) * 1e-4,
        lat=np.full(n, 22.5),
        weight=np.array(weight, dtype=np.float64),
        zone=np.array(zone, dtype=np.int64),
    )


def test_spread_by_floor_area_then_network_then_none() -> None:
    # zone 0: 100 m² x 2 storeys and 300 m² with unknown storeys (1) -> 200 : 300
    # zone 1: no building -> network points 30 m : 10 m; zone 2: nothing; zone 3: unknown
    b = buildings([100.0, 300.0, 50.0], [2.0, NAN, 1.0], [0, 0, -1])
    n = network([30.0, 10.0, 99.0], [1, 1, 0])
    result = spread_population([1000.0, 400.0, 50.0, NAN], buildings=b, network=n)
    assert result.method == ("buildings", "network", "none", "none")
    assert result.population.tolist() == pytest.approx([400.0, 600.0, 300.0, 100.0])
    assert result.zone.tolist() == [0, 0, 1, 1]
    assert result.unplaced.tolist() == [0.0, 0.0, 50.0, 0.0]
    assert result.zone_totals().tolist() == pytest.approx([1000.0, 400.0, 0.0, 0.0])
    assert "floor area" in result.basis


def test_default_levels_is_configurable() -> None:
    b = buildings([100.0, 100.0], [3.0, NAN], [0, 0])
    result = spread_population([400.0], buildings=b, default_levels=1.0)
    assert result.population.tolist() == pytest.approx([300.0, 100.0])
    result = spread_population([400.0], buildings=b, default_levels=3.0)
    assert result.population.tolist() == pytest.approx([200.0, 200.0])


def test_buildings_without_area_share_equally() -> None:
    b = buildings([0.0, NAN], [NAN, NAN], [0, 0])
    result = spread_population([10.0], buildings=b)
    assert result.population.tolist() == [5.0, 5.0]


def test_whole_persons_uses_largest_remainder() -> None:
    b = buildings([1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [0, 0, 0])
    result = spread_population([10.0], buildings=b, whole_persons=True)
    assert sorted(result.population.tolist()) == [3.0, 3.0, 4.0]
    with pytest.raises(ValidationError, match="whole-number"):
        spread_population([10.5], buildings=b, whole_persons=True)


@pytest.mark.parametrize(
    ("totals", "zone", "message"),
    [
        ([-1.0], [0], "non-negative"),
        ([math.inf], [0], "finite"),
        ([1.0], [1], "zone indices"),
        ([1.0], [-2], "zone indices"),
    ],
    ids=["negative", "infinite", "zone-too-big", "zone-below-minus-one"],
)
def test_spread_rejects_bad_input(totals: list[float], zone: list[int], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        spread_population(totals, buildings=buildings([1.0], [1.0], zone))


def test_spread_rejects_ragged_columns() -> None:
    b = Buildings(
        lon=np.zeros(2), lat=np.zeros(1), area_m2=np.zeros(2), levels=np.zeros(2),
        zone=np.zeros(2, dtype=np.int64),
    )  # fmt: skip
    with pytest.raises(ValidationError, match="equal length"):
        spread_population([1.0], buildings=b)


@st.composite
def spread_cases(draw: st.DrawFn) -> tuple[list[float], Buildings, NetworkPoints]:
    n_zones = draw(st.integers(1, 6))
    totals = draw(
        st.lists(
            st.one_of(st.floats(0.0, 1e6), st.integers(0, 10**6).map(float)),
            min_size=n_zones,
            max_size=n_zones,
        )
    )
    n_b = draw(st.integers(0, 30))
    area = draw(st.lists(st.floats(0.0, 5e3), min_size=n_b, max_size=n_b))
    levels = draw(
        st.lists(st.one_of(st.just(NAN), st.floats(0.0, 60.0)), min_size=n_b, max_size=n_b)
    )
    zone = draw(st.lists(st.integers(-1, n_zones - 1), min_size=n_b, max_size=n_b))
    n_n = draw(st.integers(0, 30))
    weight = draw(st.lists(st.floats(0.0, 500.0), min_size=n_n, max_size=n_n))
    net_zone = draw(st.lists(st.integers(-1, n_zones - 1), min_size=n_n, max_size=n_n))
    return totals, buildings(area, levels, zone), network(weight, net_zone)


@settings(max_examples=200, deadline=None)
@given(spread_cases())
def test_spread_preserves_every_zone_total(
    case: tuple[list[float], Buildings, NetworkPoints],
) -> None:
    totals, b, n = case
    result = spread_population(totals, buildings=b, network=n)
    placed = result.zone_totals()
    for z, total in enumerate(totals):
        if result.method[z] == "none":
            assert placed[z] == 0.0
            assert result.unplaced[z] == total
        else:
            assert math.isclose(placed[z], total, rel_tol=1e-12, abs_tol=1e-9)
            assert result.unplaced[z] == 0.0
    assert (result.population >= -1e-9 * max(totals)).all()


@settings(max_examples=200, deadline=None)
@given(spread_cases())
def test_whole_persons_preserve_totals_exactly(
    case: tuple[list[float], Buildings, NetworkPoints],
) -> None:
    totals, b, n = case
    whole = [float(math.floor(t)) for t in totals]
    result = spread_population(whole, buildings=b, network=n, whole_persons=True)
    assert (result.population >= 0).all()
    assert (result.population == np.round(result.population)).all()
    placed = result.zone_totals()
    for z, total in enumerate(whole):
        assert placed[z] == (0.0 if result.method[z] == "none" else total)


def test_population_from_buildings_uses_floor_area_per_person() -> None:
    b = buildings([700.0, 350.0, 100.0], [2.0, NAN, 1.0], [0, 0, -1])
    result = population_from_buildings(b, n_zones=2)
    assert FLOOR_M2_PER_PERSON == 35.0
    assert result.population.tolist() == pytest.approx([40.0, 10.0])  # zone -1 left out
    assert result.method == ("floor_area", "none")
    assert "35 m² per person" in result.basis
    assert "assumption" in result.basis
    other = population_from_buildings(b, n_zones=2, floor_m2_per_person=50.0)
    assert other.population.tolist() == pytest.approx([28.0, 7.0])
    with pytest.raises(ValidationError, match="floor_m2_per_person"):
        population_from_buildings(b, n_zones=2, floor_m2_per_person=0.0)


def test_population_from_points_keeps_points_in_zones() -> None:
    result = population_from_points(
        [1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [5.0, 6.0, 7.0], [0, -1, 0], n_zones=2
    )
    assert result.population.tolist() == [5.0, 7.0]
    assert result.method == ("points", "none")
    assert result.zone_totals().tolist() == [12.0, 0.0]


def test_segment_midpoints(loop_network: tuple[WalkNetwork, dict[str, int]]) -> None:
    net, index = loop_network
    lon, lat, length = segment_midpoints(net)
    assert length.sum() == pytest.approx(750.0)
    i = int(np.flatnonzero(length == 50.0)[0])  # C-E
    c, e = index["C"], index["E"]
    assert lon[i] == pytest.approx((net.lon[c] + net.lon[e]) / 2)
    assert lat[i] == pytest.approx((net.lat[c] + net.lat[e]) / 2)
