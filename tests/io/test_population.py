"""Population points from CSV and residents placed in units (Shenzhen-style and Helsinki)."""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING

import numpy as np
import pytest

from lifecircle.errors import NotFoundError, ValidationError
from lifecircle.io.places.osm import HomesReport, HomesTable, homes_from_osm
from lifecircle.io.units.communities import BadRowsError, Reject, communities_from_file
from lifecircle.io.units.population import population_for_units, population_points_from_csv
from tests.conftest import DATA, HELSINKI_PBF, require

if TYPE_CHECKING:
    from pathlib import Path

    from lifecircle.core.walk.network import WalkNetwork

needs_pyogrio = pytest.mark.skipif(
    importlib.util.find_spec("pyogrio") is None, reason="pyogrio (geo extra) not installed"
)
needs_h3 = pytest.mark.skipif(importlib.util.find_spec("h3") is None, reason="h3 not installed")
X0, Y0 = 114.05, 22.53


def test_population_points() -> None:
    table = population_points_from_csv(DATA / "valid" / "pop_points.csv")
    assert len(table) == 4
    assert table.population.tolist() == [120.5, 80.0, 1000.0, 50.0]
    assert table.lon[0] == 114.055
    assert table.refs[0] == "line 2"
    assert table.crs == "EPSG:4326"
    shifted = population_points_from_csv(DATA / "valid" / "pop_points.csv", crs="gcj02")
    assert shifted.crs == "GCJ-02"
    assert -0.006 < shifted.lon[0] - table.lon[0] < -0.004


def test_bad_population_points_are_all_listed() -> None:
    path = DATA / "invalid" / "pop_bad.csv"
    with pytest.raises(BadRowsError) as info:
        population_points_from_csv(path)
    assert info.value.problems == [
        f"{path}: line 3: lat: 95.0 is outside [-90, 90]",
        f"{path}: line 4: population: must be >= 0, got -4.0",
        f"{path}: line 5: lon: not a number: 'abc'",
        f"{path}: line 6: population: empty",
    ]
    table = population_points_from_csv(path, skip_bad=True)
    assert table.refs == ("line 2",)
    assert table.rejects[0] == Reject("line 3", "lat", "95.0 is outside [-90, 90]")


def test_population_file_level_problems(tmp_path: Path) -> None:
    with pytest.raises(BadRowsError, match="missing column population"):
        population_points_from_csv(DATA / "invalid" / "pop_missing_column.csv")
    with pytest.raises(BadRowsError, match="file is empty"):
        population_points_from_csv(DATA / "invalid" / "comm_empty.csv")
    header_only = tmp_path / "header.csv"
    header_only.write_text("lon,lat,population\n", encoding="utf-8")
    with pytest.raises(BadRowsError, match="no data rows"):
        population_points_from_csv(header_only)
    with pytest.raises(NotFoundError):
        population_points_from_csv(DATA / "valid" / "pop_nowhere.csv")
    with pytest.raises(ValidationError, match="unknown CRS"):
        population_points_from_csv(DATA / "valid" / "pop_points.csv", crs="mars")


def homes(lon: list[float], lat: list[float], area: list[float], levels: list[float]) -> HomesTable:
    n = len(lon)
    report = HomesReport(
        buildings_seen=n, residential=n, fallback=False, kept=n, building_nodes=0, broken_areas=0
    )
    return HomesTable(
        ids=tuple(f"w{i}" for i in range(n)),
        lon=np.array(lon),
        lat=np.array(lat),
        area_m2=np.array(area),
        levels=np.array(levels),
        report=report,
        source="synthetic",
    )


@needs_pyogrio
def test_totals_spread_over_buildings_then_network(
    loop_network: tuple[WalkNetwork, dict[str, int]],
) -> None:
    # 南园 (12000): two buildings; 南华 (8000): none, so its network; 滨河: no total
    units = communities_from_file(DATA / "valid" / "comm_three.geojson").records
    houses = homes([X0 + 0.002, X0 + 0.005, X0 + 0.5], [Y0 + 0.002] * 3, [100, 300, 50], [3, 1, 1])
    net, _ = loop_network  # lies at 114.000-114.002, outside every unit
    result = population_for_units(units, homes=houses, network=net)
    assert result.points.method == ("buildings", "none", "none")
    assert result.totals() == pytest.approx(
        {"440304001020": 12000.0, "440304001023": 0.0, "440304001025": 0.0}
    )
    assert result.points.population.tolist() == pytest.approx([6000.0, 6000.0])
    assert result.points.unplaced.tolist() == [0.0, 8000.0, 0.0]
    assert "1 units have no population total" in result.notes
    assert any(n.startswith("2 units with no one placed") for n in result.notes)


@needs_pyogrio
def test_network_fallback_inside_a_unit(loop_network: tuple[WalkNetwork, dict[str, int]]) -> None:
    from dataclasses import replace  # noqa: PLC0415

    units = communities_from_file(DATA / "valid" / "comm_three.geojson").records
    net, _ = loop_network
    moved = replace(net, lon=net.lon + 0.0605, lat=net.lat + 0.03)  # into 南华 (8000)
    result = population_for_units(units, homes=homes([], [], [], []), network=moved)
    assert result.points.method == ("none", "network", "none")
    assert result.totals()["440304001023"] == pytest.approx(8000.0)
    assert result.points.population.sum() == pytest.approx(8000.0)
    assert "street length" in result.points.basis


@needs_pyogrio
def test_population_points_are_grouped_into_units() -> None:
    units = communities_from_file(DATA / "valid" / "comm_three.geojson").records
    points = population_points_from_csv(DATA / "valid" / "pop_points.csv")
    result = population_for_units(units, points=points)
    assert result.totals() == pytest.approx(
        {"440304001020": 120.5, "440304001023": 80.0, "440304001025": 1000.0}
    )
    assert result.points.method == ("points", "points", "points")
    assert "1 population points outside every unit" in result.notes


def test_population_needs_homes_or_points() -> None:
    with pytest.raises(ValidationError, match="homes"):
        population_for_units([])


@needs_h3
@pytest.mark.slow
def test_helsinki_demo_estimates_population_from_buildings() -> None:
    from lifecircle.io.units.assessment_units import assessment_units  # noqa: PLC0415

    pbf = require(HELSINKI_PBF)
    units = assessment_units(pbf, area=(24.9352, 60.1642, 24.9534, 60.1791), resolution=9)
    houses = homes_from_osm(pbf)
    result = population_for_units(units.records, homes=houses)
    assert "35 m² per person" in result.points.basis
    placed = result.points.population.sum()
    expected = np.nansum(houses.area_m2 * np.where(np.isnan(houses.levels), 1, houses.levels))
    assert placed <= expected / 35.0 + 1e-6
    assert placed > 0.9 * expected / 35.0  # nearly every home lies in a cell
    assert "floor_area" in result.points.method
    assert len(result.codes) == len(units)
