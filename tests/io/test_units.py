"""Units: codes joined by name, 社区 ↔ 居委会 mappings, OSM neighbourhoods and H3 cells."""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from typing import TYPE_CHECKING

import pytest
import shapely
from shapely.geometry import MultiPolygon, box

from lifecircle.core.assess.zones import geodesic_area_m2
from lifecircle.errors import NotFoundError, ValidationError
from lifecircle.io.units.assessment_units import (
    UnitLink,
    assessment_units,
    assign_places,
    h3_units,
    join_codes,
    mapping_from_csv,
    name_key,
    neighbourhoods_from_osm,
)
from lifecircle.io.units.communities import BadRowsError, CommunityRecord, communities_from_file
from tests.conftest import DATA, HELSINKI_PBF, SHARED, require

if TYPE_CHECKING:
    from pathlib import Path

needs_pyogrio = pytest.mark.skipif(
    importlib.util.find_spec("pyogrio") is None, reason="pyogrio (geo extra) not installed"
)
needs_h3 = pytest.mark.skipif(importlib.util.find_spec("h3") is None, reason="h3 not installed")
CODES = SHARED / "data" / "shenzhen_admin_codes_nbs"
DISTRICTS = SHARED / "data" / "shenzhen_admin_boundaries" / "shenzhen_districts_wgs84.geojson"
HELSINKI_BBOX = (24.9352, 60.1642, 24.9534, 60.1791)


def unit(code: str, name: str, **kwargs: object) -> CommunityRecord:
    record = CommunityRecord(
        code=code,
        name=name,
        street="",
        district="",
        level="community",
        parent_code="",
        population=None,
        geometry=None,
        ref=f"line {code}",
    )
    return replace(record, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("福田区", "福田"),
        ("福田", "福田"),
        ("南园社区居民委员会", "南园"),
        ("南园社区居委会", "南园"),
        (" 南园 社区 ", "南园"),
        ("南园街道", "南园"),
        ("大鹏新区", "大鹏"),
        ("区", "区"),
    ],
)
def test_name_key(name: str, key: str) -> None:
    assert name_key(name) == key


@needs_pyogrio
@pytest.mark.slow
def test_shenzhen_districts_joined_to_codes() -> None:
    districts = communities_from_file(require(DISTRICTS), code_field="qh", level="district")
    table = require(CODES / "shenzhen_districts.csv")
    joined = join_codes(districts.records, table)
    coded = {r.name: r.code for r in joined.records}
    assert len(joined.records) == 10
    assert coded["福田区"] == "440304"
    assert coded["光明区"] == "440311"
    assert sum(code.isdigit() for code in coded.values()) == 9
    # 大鹏 is not in the NBS district list: reported, kept under its name
    assert coded["大鹏"] == "大鹏"
    assert [(r.ref, r.column) for r in joined.unmatched] == [("feature 8", "name")]
    assert "no entry named '大鹏'" in joined.unmatched[0].problem

    # mapped to 龙岗区 as NBS does, it is merged into 440307
    merged = join_codes(districts.records, table, aliases={"大鹏": "龙岗区"})
    assert merged.unmatched == ()
    assert len(merged.records) == 9
    longgang = {r.code: r for r in merged.records}["440307"]
    assert longgang.name == "龙岗区"
    assert longgang.ref == "feature 8+feature 9"
    assert isinstance(longgang.geometry, MultiPolygon)
    assert geodesic_area_m2(longgang.geometry) / 1e6 == pytest.approx(391.8 + 388.2, abs=0.5)
    assert any("merged" in n for n in merged.notes)


@pytest.mark.slow
def test_names_repeating_across_streets_need_street_and_name() -> None:
    nbs = communities_from_file(require(CODES / "shenzhen_communities.csv")).records
    wanted = [r for r in nbs if r.name == "海滨社区居委会"]
    assert len(wanted) == 3
    plan = [unit(f"P{i}", "海滨社区", street=r.street) for i, r in enumerate(wanted)]
    by_name = join_codes(plan, nbs)
    assert len(by_name.unmatched) == 3
    assert "3 entries named '海滨社区'" in by_name.unmatched[0].problem
    assert "join on street+name" in by_name.unmatched[0].problem
    by_street = join_codes(plan, nbs, on="street+name")
    assert by_street.unmatched == ()
    assert [r.code for r in by_street.records] == [r.code for r in wanted]
    assert all(r.parent_code == r.code[:9] for r in by_street.records)


def test_join_codes_merges_populations_and_keeps_empty_input() -> None:
    table = [unit("440307", "龙岗区", level="district")]
    records = [
        unit("a", "龙岗", population=10.0, geometry=box(0, 0, 1, 1)),
        unit("b", "大鹏", population=5.0, geometry=box(1, 0, 2, 1)),
    ]
    joined = join_codes(records, table, aliases={"大鹏新区": "龙岗"})
    assert len(joined.records) == 1
    assert joined.records[0].population == 15.0
    assert joined.records[0].geometry is not None
    assert joined.records[0].geometry.equals(box(0, 0, 2, 1))
    assert join_codes([], table).records == ()


def test_mapping_table() -> None:
    links = mapping_from_csv(DATA / "valid" / "comm_mapping.csv")
    assert links[0] == UnitLink("FT-NY-01", "440304001020", "南园社区 = 南园社区居委会")
    # one plan community holding two residents' committees
    assert [link.nbs_code for link in links if link.plan_code == "FT-NY-02"] == [
        "440304001023",
        "440304001025",
    ]


@pytest.mark.slow
def test_mapping_codes_exist_in_the_nbs_list() -> None:
    nbs = {
        r.code for r in communities_from_file(require(CODES / "shenzhen_communities.csv")).records
    }
    links = mapping_from_csv(DATA / "valid" / "comm_mapping.csv", nbs_codes=nbs)
    assert len(links) == 4
    with pytest.raises(BadRowsError, match="unknown code 'FT-NY-01'"):
        mapping_from_csv(DATA / "valid" / "comm_mapping.csv", plan_codes={"FT-NY-02"})


def test_bad_mapping_table_lists_every_problem(tmp_path: Path) -> None:
    path = DATA / "invalid" / "comm_mapping_bad.csv"
    with pytest.raises(BadRowsError) as info:
        mapping_from_csv(path)
    assert info.value.problems == [
        f"{path}: line 3: plan_code: empty code",
        f"{path}: line 4: nbs_code: '4403040010' is not a 12-digit NBS code",
        f"{path}: line 5: duplicate of line 2",
    ]
    missing = tmp_path / "m.csv"
    missing.write_text("plan,nbs\nA,440304001020\n", encoding="utf-8")
    with pytest.raises(BadRowsError, match="missing column plan_code, nbs_code"):
        mapping_from_csv(missing)
    with pytest.raises(NotFoundError):
        mapping_from_csv(tmp_path / "nowhere.csv")


@needs_h3
@pytest.mark.parametrize("resolution", [8, 9])
def test_h3_cells_cover_the_area(resolution: int) -> None:
    import h3  # noqa: PLC0415

    cells = h3_units(HELSINKI_BBOX, resolution=resolution)
    assert cells
    assert all(h3.get_resolution(c.code) == resolution for c in cells)
    assert all(c.name == f"H3 {c.code}" and c.level == "community" for c in cells)
    assert [c.code for c in cells] == sorted(c.code for c in cells)
    union = shapely.union_all([c.geometry for c in cells])
    assert union.covers(box(*HELSINKI_BBOX))
    cell = cells[0].geometry
    assert cell is not None
    # h3 measures on a sphere, geodesic_area_m2 on the WGS-84 ellipsoid: 0.6% apart at 60 N
    assert geodesic_area_m2(cell) == pytest.approx(h3.cell_area(cells[0].code, "m^2"), rel=1e-2)


@needs_h3
def test_h3_small_area_and_bad_resolution() -> None:
    tiny = box(24.94, 60.17, 24.9401, 60.1701)
    assert len(h3_units(tiny, resolution=8)) == 1
    with pytest.raises(ValidationError, match="resolution"):
        h3_units(HELSINKI_BBOX, resolution=16)
    with pytest.raises(ValidationError, match="empty area"):
        h3_units((1.0, 1.0, 1.0, 1.0))


@pytest.mark.slow
def test_helsinki_extract_has_only_incomplete_neighbourhood_boundaries() -> None:
    result = neighbourhoods_from_osm(require(HELSINKI_PBF))
    assert result.records == ()
    names = {r.problem.split("'")[1] for r in result.rejects}
    assert {"Kamppi", "Kluuvi", "Kaartinkaupunki", "Punavuori"} <= names
    assert all("incomplete" in r.problem for r in result.rejects)
    assert "admin_level=10: 0 complete, 6 incomplete" in result.notes
    assert result.notes[-1] == "no complete neighbourhood polygon"


@needs_h3
@pytest.mark.slow
def test_helsinki_assessment_units_fall_back_to_h3() -> None:
    units = assessment_units(require(HELSINKI_PBF), area=HELSINKI_BBOX, resolution=9)
    assert len(units) > 20
    assert units.notes[-1].endswith("H3 cells at resolution 9 (no neighbourhood polygons)")


NEIGHBOURHOOD_OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <node id="1" lat="22.530" lon="114.050" version="1"/>
  <node id="2" lat="22.530" lon="114.060" version="1"/>
  <node id="3" lat="22.540" lon="114.060" version="1"/>
  <node id="4" lat="22.540" lon="114.050" version="1"/>
  <node id="5" lat="22.530" lon="114.070" version="1"/>
  <node id="6" lat="22.540" lon="114.070" version="1"/>
  <way id="10" version="1">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="place" v="neighbourhood"/><tag k="name" v="West"/><tag k="population" v="1200"/>
  </way>
  <way id="11" version="1"><nd ref="2"/><nd ref="5"/><nd ref="6"/><nd ref="3"/></way>
  <way id="12" version="1"><nd ref="3"/><nd ref="2"/></way>
  <way id="13" version="1"><nd ref="6"/><nd ref="99"/></way>
  <relation id="20" version="1">
    <member type="way" ref="11" role="outer"/><member type="way" ref="12" role="outer"/>
    <tag k="type" v="boundary"/><tag k="boundary" v="administrative"/>
    <tag k="admin_level" v="10"/><tag k="name" v="East"/>
  </relation>
  <relation id="21" version="1">
    <member type="way" ref="13" role="outer"/><member type="way" ref="404" role="outer"/>
    <tag k="type" v="boundary"/><tag k="boundary" v="administrative"/>
    <tag k="admin_level" v="10"/><tag k="name" v="Clipped"/>
  </relation>
</osm>
"""


def test_complete_neighbourhoods_are_read(tmp_path: Path) -> None:
    path = tmp_path / "hood.osm"
    path.write_text(NEIGHBOURHOOD_OSM, encoding="utf-8")
    admin = neighbourhoods_from_osm(path)
    assert [(r.code, r.name) for r in admin.records] == [("r20", "East")]
    assert [r.ref for r in admin.rejects] == ["r21"]
    east = admin.records[0].geometry
    assert east is not None
    assert east.equals(box(114.06, 22.53, 114.07, 22.54))
    # without admin levels, the place area is used, with its population tag
    places = neighbourhoods_from_osm(path, admin_levels=())
    assert [(r.code, r.name, r.population) for r in places.records] == [("w10", "West", 1200.0)]
    assert places.notes[-1] == "used place=neighbourhood"


@needs_pyogrio
@pytest.mark.slow
def test_places_go_to_the_level_that_has_boundaries() -> None:
    nbs = communities_from_file(require(CODES / "shenzhen_communities.csv")).records
    districts = communities_from_file(require(DISTRICTS), code_field="qh", level="district")
    coded = join_codes(districts.records, require(CODES / "shenzhen_districts.csv")).records
    # Futian civic centre, Nanshan (Shekou), the sea south of Hong Kong
    lon, lat = [114.0595, 113.9150, 114.1700], [22.5431, 22.4880, 22.1500]
    assignment = assign_places(lon, lat, [*nbs, *coded])
    assert assignment.level == "district"
    assert assignment.codes == ("440304", "440305", "")
    futian = [r for r in nbs if r.parent_code.startswith(assignment.codes[0])]
    assert len(futian) == 93
    assert assign_places(lon, lat, nbs).codes == ("", "", "")
