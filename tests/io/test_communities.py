"""Communities from GeoJSON, Shapefile, GeoPackage and CSV lists, valid and broken."""

from __future__ import annotations

import importlib.util
import json
from typing import TYPE_CHECKING

import numpy as np
import pytest
import shapely
import shapely.geometry
from shapely.geometry import MultiPolygon, box

from lifecircle.core.assess.zones import geodesic_area_m2
from lifecircle.errors import NotFoundError, ValidationError
from lifecircle.io.units.communities import (
    BadRowsError,
    CommunityImport,
    Reject,
    communities_from_file,
    lonlat_converter,
)
from tests.conftest import DATA, SHARED, require

if TYPE_CHECKING:
    from pathlib import Path

needs_pyogrio = pytest.mark.skipif(
    importlib.util.find_spec("pyogrio") is None, reason="pyogrio (geo extra) not installed"
)
VALID = DATA / "valid"
INVALID = DATA / "invalid"
DISTRICTS = SHARED / "data" / "shenzhen_admin_boundaries" / "shenzhen_districts_wgs84.geojson"
NBS = SHARED / "data" / "shenzhen_admin_codes_nbs" / "shenzhen_communities.csv"
X0, Y0 = 114.05, 22.53


def expected_three() -> list[shapely.Geometry]:
    return [
        box(X0 + 0.01 * i, Y0 + 0.01 * j, X0 + 0.01 * (i + 1), Y0 + 0.01 * (j + 1))
        for i, j in ((0, 0), (1, 0), (0, 1))
    ]


def assert_three(result: CommunityImport, *, tolerance: float) -> None:
    assert [r.code for r in result.records] == ["440304001020", "440304001023", "440304001025"]
    first = result.records[0]
    assert (first.name, first.street, first.district) == ("南园社区", "南园街道", "福田区")
    assert [r.population for r in result.records] == [12000.0, 8000.0, None]
    assert [r.ref for r in result.records] == ["feature 0", "feature 1", "feature 2"]
    for record, want in zip(result.records, expected_three(), strict=True):
        assert record.level == "community"
        assert record.geometry is not None
        assert shapely.hausdorff_distance(record.geometry, want) < tolerance
    assert result.overlaps == ()
    assert result.gaps_m2 == 0.0
    assert result.rejects == ()


@needs_pyogrio
def test_geojson_with_chinese_headers() -> None:
    result = communities_from_file(VALID / "comm_three.geojson")
    assert_three(result, tolerance=1e-12)
    assert result.crs == "EPSG:4326"
    assert any("社区代码" in n and "人口" in n for n in result.notes)


@needs_pyogrio
def test_cgcs2000_is_read_from_the_file_and_converted_with_pyproj() -> None:
    result = communities_from_file(VALID / "comm_cgcs2000.geojson")
    assert result.crs == "EPSG:4490"
    assert_three(result, tolerance=1e-7)
    assert any("CGCS2000" in n for n in result.notes)


@needs_pyogrio
def test_projected_crs_from_the_file_is_transformed_to_wgs84() -> None:
    result = communities_from_file(VALID / "comm_projected_4547.geojson")
    assert result.crs == "EPSG:4547"
    assert_three(result, tolerance=1e-7)  # the fixture rounds metres to millimetres


@needs_pyogrio
def test_metres_without_crs_are_refused_until_the_crs_is_given() -> None:
    path = INVALID / "comm_metres_no_crs.geojson"
    with pytest.raises(BadRowsError, match="coordinates are not degrees: declare the CRS") as info:
        communities_from_file(path)
    assert info.value.problems[0].startswith(f"{path}: file: geometry:")
    result = communities_from_file(path, crs="EPSG:4547")
    assert_three(result, tolerance=1e-7)
    assert any("declares EPSG:4326; EPSG:4547 used" in n for n in result.notes)


@needs_pyogrio
def test_degrees_declared_as_projected_are_refused() -> None:
    with pytest.raises(BadRowsError, match="look like degrees but EPSG:4547 is projected"):
        communities_from_file(INVALID / "comm_degrees_declared_projected.geojson")


@needs_pyogrio
def test_crs_option_overrides_the_file_and_accepts_gcj02() -> None:
    result = communities_from_file(VALID / "comm_three.geojson", crs="gcj02")
    assert result.crs == "GCJ-02"
    shifted = result.records[0].geometry
    assert shifted is not None
    dx = shifted.bounds[0] - X0
    assert -0.006 < dx < -0.004  # GCJ-02 lies about 500 m east of WGS-84 in Futian


def test_unknown_crs_or_level_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="unknown CRS"):
        communities_from_file(VALID / "comm_list_gbk.csv", crs="EPSG:999999")
    with pytest.raises(ValidationError, match="unknown level"):
        communities_from_file(VALID / "comm_list_gbk.csv", level="city")  # type: ignore[arg-type]


def test_lonlat_converter_labels() -> None:
    assert lonlat_converter("WGS84")[0:2] == ("EPSG:4326", None)
    assert lonlat_converter("bd09")[0] == "BD-09"
    label, convert, degrees = lonlat_converter("EPSG:4547")
    assert (label, degrees) == ("EPSG:4547", False)
    assert convert is not None


@needs_pyogrio
def test_bow_tie_is_repaired_and_a_line_is_rejected() -> None:
    path = INVALID / "comm_broken_geometry.geojson"
    with pytest.raises(BadRowsError) as info:
        communities_from_file(path)
    assert info.value.problems == [
        f"{path}: feature 2: geometry: LineString is not a Polygon or MultiPolygon"
    ]
    result = communities_from_file(path, skip_bad=True)
    assert [r.code for r in result.records] == ["A", "B"]
    assert result.repaired == ("feature 1",)
    bow_tie = result.records[1].geometry
    assert isinstance(bow_tie, MultiPolygon)
    assert bow_tie.is_valid
    assert result.rejects == (
        Reject("feature 2", "geometry", "LineString is not a Polygon or MultiPolygon"),
    )


@needs_pyogrio
def test_every_row_problem_is_listed_with_feature_and_column() -> None:
    path = INVALID / "comm_duplicate_code.geojson"
    with pytest.raises(BadRowsError) as info:
        communities_from_file(path)
    assert info.value.problems == [
        f"{path}: feature 1: population: must be >= 0, got -5",
        f"{path}: feature 2: code: duplicate code 'A' (feature 0)",
        f"{path}: feature 2: population: not a number: 'many'",
        f"{path}: feature 3: code: empty code",
    ]
    assert "(and 3 more problems)" in str(info.value)
    result = communities_from_file(path, skip_bad=True)
    assert [r.code for r in result.records] == ["A"]
    assert len(result.rejects) == 4


@needs_pyogrio
def test_overlaps_and_gaps_are_reported_not_fatal() -> None:
    result = communities_from_file(VALID / "comm_overlap_gap.geojson")
    assert len(result) == 9
    pairs = {(a, b) for a, b, _ in result.overlaps}
    assert pairs == {("G4", "OV"), ("G7", "OV")}
    quarter = geodesic_area_m2(box(X0 + 0.015, Y0 + 0.025, X0 + 0.02, Y0 + 0.03))
    for _, _, area in result.overlaps:
        assert area == pytest.approx(quarter, rel=1e-6)
    hole = geodesic_area_m2(box(X0 + 0.01, Y0 + 0.01, X0 + 0.02, Y0 + 0.02))
    assert result.gaps_m2 == pytest.approx(hole, rel=1e-6)


@needs_pyogrio
def test_empty_feature_collection() -> None:
    with pytest.raises(BadRowsError, match="no features or data rows"):
        communities_from_file(INVALID / "comm_empty.geojson")


@needs_pyogrio
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(BadRowsError, match="cannot read it"):
        communities_from_file(path)


def test_missing_file() -> None:
    with pytest.raises(NotFoundError):
        communities_from_file(VALID / "comm_nowhere.geojson")


def test_gbk_list_without_geometry() -> None:
    result = communities_from_file(VALID / "comm_list_gbk.csv")
    assert [r.name for r in result.records] == ["南园社区", "南华社区", "滨河社区"]
    assert [r.population for r in result.records] == [12000.0, 8500.0, None]
    assert all(r.geometry is None and r.street == "南园街道" for r in result.records)
    assert result.records[0].ref == "line 2"
    assert result.crs == "none"


def test_csv_rows_problems_are_gathered() -> None:
    path = INVALID / "comm_bad_rows.csv"
    with pytest.raises(BadRowsError) as info:
        communities_from_file(path)
    assert info.value.problems == [
        f"{path}: line 3: code: empty code",
        f"{path}: line 4: code: duplicate code '440304001020' (line 2)",
        f"{path}: line 5: population: must be >= 0, got -3",
        f"{path}: line 6: population: not a number: 'lots'",
    ]
    result = communities_from_file(path, skip_bad=True)
    assert [r.code for r in result.records] == ["440304001020"]


def test_missing_code_column_and_unknown_field() -> None:
    path = INVALID / "comm_missing_code.csv"
    with pytest.raises(BadRowsError, match="no code column: tried community_code") as info:
        communities_from_file(path)
    assert "code_field" in str(info.value)
    assert "'name', 'population'" in str(info.value)
    with pytest.raises(BadRowsError, match="no column 'bianma'"):
        communities_from_file(path, code_field="bianma")
    # naming the column makes the same file usable
    result = communities_from_file(path, code_field="name")
    assert result.records[0].code == "南园社区"
    assert result.records[0].population == 100.0


def test_empty_csv() -> None:
    with pytest.raises(BadRowsError, match="no features or data rows"):
        communities_from_file(INVALID / "comm_empty.csv")


# --- Shapefile and GeoPackage, written at test time ---------------------------------


def write_layer(
    path: Path, *, crs: str | None, driver: str, layer: str | None = None, wgs84: bool = False
) -> None:
    """The three communities of the fixture as a GDAL file, in EPSG:4547 metres or degrees."""
    import pyogrio.raw  # noqa: PLC0415  (only where the geo extra is installed)

    # the fixture's features with their EPSG:4547 coordinates as they are in the file
    data = json.loads((VALID / "comm_projected_4547.geojson").read_text(encoding="utf-8"))
    geoms = [shapely.geometry.shape(f["geometry"]) for f in data["features"]]
    records = communities_from_file(VALID / "comm_three.geojson").records
    if wgs84:
        geoms = [r.geometry for r in records]
    people = np.array([r.population or 0.0 for r in records])
    pyogrio.raw.write(
        path,
        np.array([shapely.to_wkb(g) for g in geoms], dtype=object),
        [
            np.array([r.code for r in records], dtype=object),
            np.array([r.name for r in records], dtype=object),
            np.array([r.street for r in records], dtype=object),
            np.array([r.district for r in records], dtype=object),
            people,
        ],
        ["sqdm", "sqmc", "jiedao", "qu", "pop"],
        field_mask=[None, None, None, None, np.array([r.population is None for r in records])],
        driver=driver,
        geometry_type="Polygon",
        crs=crs,
        layer=layer,
        encoding="UTF-8",
        append=layer is not None and path.exists(),
    )


@needs_pyogrio
def test_projected_shapefile_with_and_without_prj(tmp_path: Path) -> None:
    path = tmp_path / "communities.shp"
    write_layer(path, crs="EPSG:4547", driver="ESRI Shapefile")
    result = communities_from_file(path, code_field="sqdm", name_field="sqmc")
    assert result.crs == "EPSG:4547"
    assert_three(result, tolerance=1e-7)

    path.with_suffix(".prj").unlink()
    with pytest.raises(BadRowsError, match="coordinates are not degrees"):
        communities_from_file(path, code_field="sqdm")
    degrees = tmp_path / "degrees.shp"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        write_layer(degrees, crs=None, driver="ESRI Shapefile", wgs84=True)
    result = communities_from_file(degrees, code_field="sqdm", name_field="sqmc")
    assert "the file declares no CRS: taken as WGS-84 (EPSG:4326)" in result.notes
    assert_three(result, tolerance=1e-12)
    result = communities_from_file(path, code_field="SQDM", name_field="sqmc", crs="EPSG:4547")
    assert_three(result, tolerance=1e-7)


@needs_pyogrio
def test_shapefile_without_its_index_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "a.shp"
    write_layer(path, crs="EPSG:4547", driver="ESRI Shapefile")
    path.with_suffix(".shx").unlink()
    with pytest.raises(BadRowsError, match="cannot read it"):
        communities_from_file(path, code_field="sqdm")


@needs_pyogrio
def test_geopackage_layers(tmp_path: Path) -> None:
    path = tmp_path / "units.gpkg"
    write_layer(path, crs="EPSG:4547", driver="GPKG", layer="communities")
    write_layer(path, crs="EPSG:4547", driver="GPKG", layer="copy")
    result = communities_from_file(path, code_field="sqdm", name_field="sqmc")
    assert any("first of 2 layers" in n for n in result.notes)
    assert_three(result, tolerance=1e-7)
    other = communities_from_file(path, code_field="sqdm", layer="copy")
    assert [r.code for r in other.records] == [r.code for r in result.records]


# --- the real Shenzhen files -----------------------------------------------------------


@needs_pyogrio
@pytest.mark.slow
def test_shenzhen_district_boundaries() -> None:
    result = communities_from_file(require(DISTRICTS), code_field="qh", level="district")
    names = [r.name for r in result.records]
    assert names == ["罗湖", "福田", "盐田", "宝安", "光明", "坪山", "龙华", "南山", "大鹏", "龙岗"]
    assert result.crs == "EPSG:4326"
    assert result.repaired == ()
    assert result.overlaps == ()  # no overlap above 1 m²
    assert result.gaps_m2 < 1e6  # slivers between districts total well under 1 km²
    futian = result.by_code()["福田"]
    assert futian.district == "福田"
    assert futian.geometry is not None
    assert geodesic_area_m2(futian.geometry) / 1e6 == pytest.approx(79.8, abs=0.1)
    total = sum(geodesic_area_m2(r.geometry) for r in result.records if r.geometry)
    assert total / 1e6 == pytest.approx(2135.9, abs=0.5)


@pytest.mark.slow
def test_nbs_community_list() -> None:
    result = communities_from_file(require(NBS))
    assert len(result) == 788
    assert all(len(r.code) == 12 and r.code.isdigit() for r in result.records)
    assert all(r.geometry is None and r.population is None for r in result.records)
    assert all(r.code.startswith(r.parent_code) and len(r.parent_code) == 9 for r in result.records)
    assert len({r.district for r in result.records}) == 9
    assert {r.street for r in result.records if r.district == "福田区"} >= {"南园街道", "园岭街道"}
