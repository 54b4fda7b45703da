"""Cities stored: create, import (network, places, communities, units, population), export.

Every test runs on a SQLite file and on a real PostgreSQL server (the store fixtures).
Places used with Shenzhen data are SYNTHETIC: made up for these tests, not real shops.
"""

from __future__ import annotations

import csv
import importlib.util
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from lifecircle.config import Settings
from lifecircle.errors import DataError, NotFoundError, ValidationError
from lifecircle.io.coords import to_wgs84
from lifecircle.io.network.lcnet import load_network
from lifecircle.io.places.osm import places_from_osm
from lifecircle.io.places.table import read_rows
from lifecircle.io.places.taxonomy import load_taxonomy
from lifecircle.io.units.assessment_units import h3_units
from lifecircle.services.city.cities import (
    COMMUNITY_FIELDS,
    PLACES_CSV_HEADER,
    assign_city_places,
    city_folder,
    city_info,
    create_city,
    export_communities,
    export_places,
    list_cities,
)
from lifecircle.services.city.imports import (
    CityImportRequest,
    CommunityFields,
    ImportRejectedError,
    import_city,
)
from lifecircle.services.city.places import import_network, import_places
from lifecircle.services.city.units import (
    import_buildings,
    import_communities,
    import_mapping,
    import_population,
    make_units,
    network_area,
)
from lifecircle.store.db import session_scope
from lifecircle.store.places import list_places
from lifecircle.store.summary import city_summary
from tests.conftest import DATA, FUTIAN_GRAPHML, HELSINKI_PBF, SHARED, require
from tests.store import conftest as store_conftest

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

# the store's fixtures: every test here runs on a SQLite file and on PostgreSQL
postgres = store_conftest.postgres
empty_engine = store_conftest.empty_engine
engine = store_conftest.engine

needs_geo = pytest.mark.skipif(
    importlib.util.find_spec("pyogrio") is None or importlib.util.find_spec("h3") is None,
    reason="pyogrio and h3 (geo extra) not installed",
)
CODES = SHARED / "data" / "shenzhen_admin_codes_nbs"
DISTRICTS = SHARED / "data" / "shenzhen_admin_boundaries" / "shenzhen_districts_wgs84.geojson"
AMAP = DATA / "valid" / "amap_pois.csv"
PLACES_CSV = DATA / "valid" / "placescsv_places.csv"

# SYNTHETIC places in Futian (WGS-84), for the Shenzhen boundaries and network
SYNTHETIC_CSV = """id,lon,lat,category,name
syn1,114.0550,22.5400,convenience_store,synthetic shop 1
syn2,114.0600,22.5420,pharmacy,synthetic pharmacy
syn3,113.9300,22.5200,supermarket,synthetic Nanshan supermarket
syn4,114.1700,22.1500,laundry,synthetic laundry at sea
"""
BAD_CSV = """id,lon,lat,category,name
g1,114.0550,22.5400,convenience_store,synthetic good 1
b1,x,22.5400,pharmacy,synthetic bad lon
b2,114.0560,22.5410,pharmacie,synthetic bad category
g2,114.0570,22.5420,laundry,synthetic good 2
b3,114.0580,95.0,pharmacy,synthetic bad lat
"""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url="sqlite://")


@pytest.fixture
def city(engine: Engine) -> str:
    return create_city(engine=engine, name="testcity").name


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def summary(engine: Engine, name: str = "testcity"):
    with session_scope(engine) as session:
        return city_summary(session, name=name)


def places(engine: Engine, name: str = "testcity"):
    with session_scope(engine) as session:
        return list_places(session, city_id=_city_id(session, name))


def _city_id(session, name: str) -> int:
    from lifecircle.store.cities import get_city  # noqa: PLC0415

    return get_city(session, name=name).id


# --- cities ------------------------------------------------------------------------------


def test_create_list_and_describe_a_city(engine: Engine) -> None:
    made = create_city(engine=engine, name="helsinki")
    assert (made.name, made.taxonomy, made.created) == ("helsinki", "shenzhen", True)
    with pytest.raises(ValidationError, match="already exists"):
        create_city(engine=engine, name="helsinki")
    again = create_city(engine=engine, name="helsinki", exist_ok=True)
    assert again.created is False
    with pytest.raises(NotFoundError, match="no-such-profile"):
        create_city(engine=engine, name="other", taxonomy="no-such-profile")
    [overview] = list_cities(engine=engine)
    assert (overview.name, overview.n_places, overview.n_communities) == ("helsinki", 0, 0)

    report = city_info(engine=engine, name="helsinki")
    assert report.summary.n_places == 0
    assert report.network_exists is False
    assert [c.code for c in report.categories] == list(load_taxonomy("shenzhen").codes)
    assert all(c.places == 0 for c in report.categories)
    assert report.units.level == ""
    with pytest.raises(NotFoundError, match="known cities: helsinki"):
        city_info(engine=engine, name="nowhere")


def test_city_folder_is_safe_for_any_name(settings: Settings) -> None:
    assert city_folder(settings, "深圳") == (settings.data_dir / "cities" / "深圳").resolve()
    assert city_folder(settings, "a_b_c").name == "a_b_c"
    # unsafe characters become _, and a digest of the exact name keeps the folder its own
    unsafe = [city_folder(settings, name).name for name in ("a/b:c", "a:b:c", "a?b?c")]
    assert all(re.fullmatch(r"a_b_c~[0-9a-f]{10}", name) for name in unsafe)
    assert len(set(unsafe)) == 3
    assert city_folder(settings, " a/b:c ").name == unsafe[0]  # names are stored stripped
    assert re.fullmatch(r"city~[0-9a-f]{10}", city_folder(settings, "..").name)
    # a safe name that looks like a made one is made one too, so it cannot take another's
    assert city_folder(settings, unsafe[0]).name not in {unsafe[0], "a_b_c"}
    assert len(city_folder(settings, "长" * 100).name.encode()) <= 255


# --- network -----------------------------------------------------------------------------


@pytest.mark.slow
def test_futian_graphml_network_is_built_into_the_city_folder(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    create_city(engine=engine, name="futian")
    outcome = import_network(
        engine=engine, settings=settings, name="futian", path=require(FUTIAN_GRAPHML)
    )
    target = settings.data_dir.resolve() / "cities" / "futian" / "network.lcnet"
    assert outcome.status == "succeeded"
    assert outcome.details["network_path"] == str(target)
    net = load_network(target)
    assert net.n_nodes == outcome.details["nodes"] > 1000
    assert summary(engine, "futian").network_path == str(target)
    assert [p.name for p in target.parent.iterdir()] == ["network.lcnet"]  # no temp left

    again = import_network(
        engine=engine, settings=settings, name="futian", path=require(FUTIAN_GRAPHML)
    )
    assert any("same file as run" in n for n in again.notes)
    assert load_network(target).n_segments == net.n_segments

    # a network already built is copied as it is
    built = tmp_path / "built.lcnet"
    built.write_bytes(target.read_bytes())
    create_city(engine=engine, name="copy")
    copied = import_network(engine=engine, settings=settings, name="copy", path=built)
    assert copied.file_format == "lcnet"
    assert load_network(Path(copied.details["network_path"])).n_nodes == net.n_nodes


def test_a_broken_network_fails_and_keeps_a_failed_run(
    engine: Engine, settings: Settings, city: str
) -> None:
    bad = DATA / "invalid" / "net_truncated.json"
    with pytest.raises(DataError, match=r"net_truncated\.json"):
        import_network(engine=engine, settings=settings, name=city, path=bad)
    [run] = summary(engine).import_runs
    assert (run.kind, run.status) == ("network", "failed")
    assert "net_truncated.json" in (run.message or "")
    assert summary(engine).network_path is None
    assert not (city_folder(settings, city) / "network.lcnet").exists()


# --- places ------------------------------------------------------------------------------


def test_amap_export_in_gcj02_is_stored_in_wgs84(
    engine: Engine, settings: Settings, city: str
) -> None:
    outcome = import_places(
        engine=engine, settings=settings, name=city, path=AMAP, file_format="amap"
    )
    assert (outcome.status, outcome.n_rows, outcome.n_imported) == ("succeeded", 7, 5)
    assert outcome.details["categories"] == {
        "convenience_store": 2,
        "fresh_grocery": 1,
        "pharmacy": 1,
        "elderly_canteen": 1,
        "supermarket": 1,
    }
    table = read_rows(AMAP, kind="Amap")
    raw = {cells[0]: cells[5].split(",") for _, cells in table.rows}
    stored = {p.sources[0][1]: p for p in places(engine)}
    assert set(stored) == {"B0FFG1", "B0FFG3", "B0FFG4", "B0FFG5", "B0FFG6"}
    for source_id, place in stored.items():
        lon, lat = to_wgs84(
            np.array([float(raw[source_id][0])]), np.array([float(raw[source_id][1])]), "gcj02"
        )
        assert (place.lon, place.lat) == pytest.approx((lon[0], lat[0]), abs=1e-9)
        assert place.sources == (("amap_pois", source_id),)  # (issue 15) the file's stem
    assert stored["B0FFG6"].categories == ("convenience_store", "supermarket")
    assert summary(engine).places_per_category == outcome.details["categories"]


def test_places_table_of_taxonomy_codes(engine: Engine, settings: Settings, city: str) -> None:
    outcome = import_places(
        engine=engine, settings=settings, name=city, path=PLACES_CSV, file_format="csv"
    )
    assert outcome.n_imported == 3
    by_id = {p.uid: p for p in places(engine)}  # (issue 15) keyed by the file's stem
    assert by_id["placescsv_places:s9"].categories == ("laundry", "pharmacy")
    assert by_id["placescsv_places:n2"].categories == ("elderly_canteen", "specialty_dining")
    assert by_id["placescsv_places:n1"].name == "7-Eleven"
    with pytest.raises(ValidationError, match="--format amap"):
        import_places(engine=engine, settings=settings, name=city, path=PLACES_CSV)


def test_a_file_with_bad_rows_is_rejected_whole(
    engine: Engine, settings: Settings, city: str, tmp_path: Path
) -> None:
    import_places(engine=engine, settings=settings, name=city, path=PLACES_CSV, file_format="csv")
    before = summary(engine)
    bad = write(tmp_path / "shops.csv", BAD_CSV)
    with pytest.raises(ImportRejectedError) as info:
        import_places(engine=engine, settings=settings, name=city, path=bad, file_format="csv")
    error = info.value
    assert str(error).startswith(f"{bad}: line 3: lon: not a number: 'x' (and 2 more problems)")
    assert error.problems == [
        f"{bad}: line 3: lon: not a number: 'x'",
        f"{bad}: line 4: category: 'pharmacie' is not a code of the shenzhen taxonomy "
        + error.problems[1].split("taxonomy ", 1)[1],
        f"{bad}: line 6: lon,lat: lat 95.0 is outside [-90, 90]",
    ]
    assert "did you mean 'pharmacy'?" in error.problems[1]
    after = summary(engine)
    assert (after.n_places, after.places_per_category) == (
        before.n_places,
        before.places_per_category,
    )
    run = after.import_runs[0]
    assert (run.id, run.status, run.n_imported, run.n_rejected) == (error.run_id, "rejected", 0, 3)
    assert [(r.get("line"), r["column"]) for r in run.rejects] == [
        (3, "lon"),
        (4, "category"),
        (6, "lon,lat"),
    ]
    assert all(r["file"] == str(bad) for r in run.rejects)
    assert not (tmp_path / "shops.rejects.csv").exists()


def test_skip_bad_imports_the_good_rows_and_writes_the_rejects(
    engine: Engine, settings: Settings, city: str, tmp_path: Path
) -> None:
    bad = write(tmp_path / "shops.csv", BAD_CSV)
    outcome = import_places(
        engine=engine, settings=settings, name=city, path=bad, file_format="csv", skip_bad=True
    )
    assert (outcome.status, outcome.n_rows, outcome.n_imported, outcome.n_rejected) == (
        "partial",
        5,
        2,
        3,
    )
    assert sorted(p.uid for p in places(engine)) == ["shops:g1", "shops:g2"]  # (issue 15)
    assert outcome.rejects_file == str(tmp_path / "shops.rejects.csv")
    with Path(outcome.rejects_file).open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["ref", "column", "problem"]
    assert [r[:2] for r in rows[1:]] == [
        ["line 3", "lon"],
        ["line 4", "category"],
        ["line 6", "lon,lat"],
    ]
    run = summary(engine).import_runs[0]
    assert (run.status, run.n_rejected, len(run.rejects)) == ("partial", 3, 3)


def test_rejects_beside_a_read_only_input_go_to_the_city_folder(
    engine: Engine,
    settings: Settings,
    city: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lifecircle.services.city import runs as import_runs  # noqa: PLC0415

    bad = write(tmp_path / "shops.csv", BAD_CSV)
    real = import_runs.write_csv

    def read_only_beside_input(path: Path, header, rows) -> None:
        if path.parent == tmp_path:
            raise PermissionError(13, "Permission denied", str(path))
        real(path, header, rows)

    monkeypatch.setattr(import_runs, "write_csv", read_only_beside_input)
    outcome = import_places(
        engine=engine, settings=settings, name=city, path=bad, file_format="csv", skip_bad=True
    )
    expected = city_folder(settings, city) / "rejects" / "shops.rejects.csv"
    assert outcome.rejects_file == str(expected)
    assert expected.read_text(encoding="utf-8").startswith("ref,column,problem")


def test_reimporting_the_same_files_duplicates_nothing(
    engine: Engine, settings: Settings, city: str
) -> None:
    def both() -> None:
        import_places(engine=engine, settings=settings, name=city, path=AMAP, file_format="amap")
        import_places(
            engine=engine, settings=settings, name=city, path=PLACES_CSV, file_format="csv"
        )

    both()
    first, listed = summary(engine), places(engine)
    both()
    again = import_places(
        engine=engine, settings=settings, name=city, path=AMAP, file_format="amap"
    )
    assert (again.details["inserted"], again.details["updated"]) == (0, 5)
    assert "the same file as run 3: rows updated in place" in again.notes
    last = summary(engine)
    assert (last.n_places, last.places_per_category, last.places_per_source) == (
        first.n_places,
        first.places_per_category,
        first.places_per_source,
    )
    assert places(engine) == listed
    assert len(last.import_runs) == 5


# SYNTHETIC: an OSM node for the Amap fixture's 7-ELEVEn (B0FFG1), ~12 m away in WGS-84,
# and a shop of another name next to it that must stay apart
def _osm_shops(path: Path) -> Path:
    lon, lat = 114.05279233428674 + 0.0001, 22.545826497020524 + 0.00005
    return write(
        path,
        f"""<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="synthetic test data">
  <node id="1" lat="{lat:.7f}" lon="{lon:.7f}" version="1">
    <tag k="shop" v="convenience"/><tag k="name" v="7-Eleven (synthetic)"/>
  </node>
  <node id="2" lat="{lat:.7f}" lon="{lon + 0.0001:.7f}" version="1">
    <tag k="amenity" v="pharmacy"/><tag k="name" v="Synthetic Apteekki"/>
  </node>
</osm>
""",
    )


def test_the_same_shop_from_osm_and_amap_is_merged(
    engine: Engine, settings: Settings, city: str, tmp_path: Path
) -> None:
    osm = _osm_shops(tmp_path / "shops.osm")
    import_places(engine=engine, settings=settings, name=city, path=AMAP, file_format="amap")
    outcome = import_places(engine=engine, settings=settings, name=city, path=osm)
    assert outcome.file_format == "osm"
    [pair] = outcome.details["merged_pairs"]
    # (issue 15) sources are named by the files' stems: amap_pois.csv and shops.osm
    assert (pair["kept"], pair["merged"]) == ("amap_pois:B0FFG1", "shops:n1")
    assert pair["distance_m"] < 30
    merged = {p.uid: p for p in places(engine)}
    assert len(merged) == 5 + 2 - 1
    assert merged["amap_pois:B0FFG1"].sources == (("amap_pois", "B0FFG1"), ("shops", "n1"))
    assert merged["shops:n2"].sources == (("shops", "n2"),)
    assert summary(engine).places_per_source == {"amap_pois": 5, "shops": 2}

    # re-importing either source updates the merged place, never splits or doubles it
    for path, fmt in ((osm, "osm"), (AMAP, "amap"), (osm, "osm")):
        again = import_places(
            engine=engine, settings=settings, name=city, path=path, file_format=fmt
        )
        assert again.details["merged"] == 0
    assert {p.uid: p.sources for p in places(engine)} == {u: p.sources for u, p in merged.items()}
    assert merged["amap_pois:B0FFG1"].categories == ("convenience_store",)


def test_merging_can_be_switched_off(
    engine: Engine, settings: Settings, city: str, tmp_path: Path
) -> None:
    osm = _osm_shops(tmp_path / "shops.osm")
    import_places(engine=engine, settings=settings, name=city, path=AMAP, file_format="amap")
    outcome = import_places(engine=engine, settings=settings, name=city, path=osm, dedupe_m=0)
    assert outcome.details["merged"] == 0
    assert len(places(engine)) == 7


# --- communities, mapping, units, population ---------------------------------------------


@needs_geo
@pytest.mark.slow
def test_shenzhen_districts_nbs_list_and_mapping(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    name = "shenzhen"
    create_city(engine=engine, name=name)
    districts = import_communities(
        engine=engine,
        settings=settings,
        name=name,
        path=require(DISTRICTS),
        fields=CommunityFields(code="qh", level="district"),
    )
    assert (districts.status, districts.n_imported) == ("succeeded", 10)
    assert districts.details["with_boundaries"] == 10
    nbs = import_communities(
        engine=engine,
        settings=settings,
        name=name,
        path=require(CODES / "shenzhen_communities.csv"),
    )
    assert (nbs.n_imported, nbs.details["with_boundaries"]) == (788, 0)
    mapping = import_mapping(engine=engine, name=name, path=DATA / "valid" / "comm_mapping.csv")
    assert (mapping.n_imported, mapping.details["plan_codes"]) == (4, 3)
    assert mapping.notes == ()  # the NBS codes were checked against the stored list

    s = summary(engine, name)
    assert s.communities_per_level == {"community": 788, "district": 10}
    assert s.n_mappings == 4

    # SYNTHETIC places: the finest level with boundaries is the district
    synthetic = write(tmp_path / "synthetic_places.csv", SYNTHETIC_CSV)
    import_places(engine=engine, settings=settings, name=name, path=synthetic, file_format="csv")
    assigned = assign_city_places(engine=engine, name=name)
    assert (assigned.level, assigned.n_units) == ("district", 10)
    assert (assigned.per_unit["福田"], assigned.per_unit["南山"]) == (2, 1)
    assert (assigned.places_inside, assigned.places_outside) == (3, 1)

    people = import_population(
        engine=engine, settings=settings, name=name, path=DATA / "valid" / "pop_points.csv"
    )
    assert people.n_imported == 4
    assert people.details["people"] == pytest.approx(1250.5)
    assert people.notes == ("0 points outside every district unit",)  # 114.2,22.7: 龙岗
    assert summary(engine, name).population_points == {"points": (4, pytest.approx(1250.5))}

    # a mapping naming a 居委会 the city does not have is rejected whole, every row listed
    bad = write(
        tmp_path / "mapping.csv",
        "plan_code,nbs_code,note\nP1,440304001020,ok\nP2,440304999999,unknown\n,44030400102,x\n",
    )
    with pytest.raises(ImportRejectedError) as info:
        import_mapping(engine=engine, name=name, path=bad)
    assert info.value.problems == [
        f"{bad}: line 3: nbs_code: unknown code '440304999999'",
        f"{bad}: line 4: plan_code: empty code",
        f"{bad}: line 4: nbs_code: '44030400102' is not a 12-digit NBS code",
    ]
    assert summary(engine, name).n_mappings == 4

    # communities export: polygons for districts, no geometry for the NBS list
    import pyogrio  # noqa: PLC0415

    for suffix in (".geojson", ".gpkg"):
        written = export_communities(engine=engine, name=name, path=tmp_path / f"c{suffix}")
        assert written.rows == 798
        meta, _, geometry, fields = pyogrio.raw.read(written.path)
        assert meta["crs"] == "EPSG:4326"
        assert list(meta["fields"]) == list(COMMUNITY_FIELDS)
        level = list(fields[list(meta["fields"]).index("level")])
        drawn = [g is not None for g in geometry]
        assert drawn == [lv == "district" for lv in level]
        assert level.count("district") == 10


def test_community_file_with_bad_rows_is_rejected(
    engine: Engine, settings: Settings, city: str
) -> None:
    path = DATA / "invalid" / "comm_bad_rows.csv"
    with pytest.raises(ImportRejectedError) as info:
        import_communities(engine=engine, settings=settings, name=city, path=path)
    assert all(p.startswith(f"{path}: line ") for p in info.value.problems)
    run = summary(engine).import_runs[0]
    assert run.status == "rejected"
    assert len(run.rejects) == len(info.value.problems) >= 2
    assert summary(engine).n_communities == 0


@needs_geo
@pytest.mark.slow
def test_helsinki_city_with_h3_units_and_building_population(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    pbf = require(HELSINKI_PBF)
    create_city(engine=engine, name="helsinki")
    request = CityImportRequest(network=pbf, places=pbf, units="h3:9", buildings=pbf)
    steps: list[str] = []
    outcomes = import_city(
        engine=engine,
        settings=settings,
        name="helsinki",
        request=request,
        on_step=lambda kind, _text: steps.append(kind),
    )
    assert steps == ["network", "units", "places", "buildings"]
    # (issue 15) the areas cut by the extract's edge are warnings: the places succeed
    assert [o.status for o in outcomes] == ["succeeded", "succeeded", "succeeded", "succeeded"]
    assert outcomes[2].details["clipped_areas"] == 6

    expected = places_from_osm(pbf, taxonomy=load_taxonomy("shenzhen"))
    first = summary(engine, "helsinki")
    assert first.places_per_category == dict(sorted(expected.counts().items()))
    assert first.n_places == len(expected.records)
    net = load_network(Path(str(first.network_path)))
    cells = h3_units(network_area(net), resolution=9)
    assert first.communities_per_level == {"community": len(cells)}
    n_points, people = first.population_points["buildings"]
    assert n_points > 0
    assert people > 1000
    assert "35 m² per person" in outcomes[-1].message
    assert outcomes[-1].details["level"] == "community"
    places_run = first.import_runs[1]
    assert places_run.n_rejected == len(expected.rejects)
    assert {r.get("feature") for r in places_run.rejects} == {r.ref for r in expected.rejects}

    # the whole import again: same rows
    import_city(engine=engine, settings=settings, name="helsinki", request=request)
    second = summary(engine, "helsinki")
    for attribute in (
        "n_places",
        "places_per_category",
        "places_per_source",
        "communities_per_level",
        "population_points",
    ):
        assert getattr(second, attribute) == getattr(first, attribute), attribute
    assert len(second.import_runs) == 8

    report = city_info(engine=engine, name="helsinki")
    assert report.units.level == "community"
    assert report.units.places_inside == first.n_places  # H3 cells cover the network hull

    # exports: CSV with the exact columns, GeoJSON and GeoPackage read back
    written = export_places(engine=engine, name="helsinki", path=tmp_path / "places.csv")
    with Path(written.path).open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert (
        tuple(rows[0]) == PLACES_CSV_HEADER == ("id", "name", "lon", "lat", "categories", "source")
    )
    assert len(rows) - 1 == first.n_places
    assert all(r[5].startswith("Helsinki:") and r[0] == r[5] for r in rows[1:])  # (issue 15)
    counted = sum(len(r[4].split("|")) for r in rows[1:])
    assert counted == sum(first.places_per_category.values())

    import pyogrio  # noqa: PLC0415

    for suffix in (".geojson", ".gpkg"):
        out = export_places(engine=engine, name="helsinki", path=tmp_path / f"places{suffix}")
        meta, _, geometry, _ = pyogrio.raw.read(out.path)
        assert len(geometry) == first.n_places
        assert meta["crs"] == "EPSG:4326"
        assert list(meta["fields"]) == [*PLACES_CSV_HEADER]
        assert meta["geometry_type"] == "Point"
        units = export_communities(engine=engine, name="helsinki", path=tmp_path / f"u{suffix}")
        meta, _, geometry, _ = pyogrio.raw.read(units.path)
        assert len(geometry) == len(cells)
        assert meta["geometry_type"] == "MultiPolygon"
    with pytest.raises(ValidationError, match=r"\.csv, \.geojson or \.gpkg"):
        export_places(engine=engine, name="helsinki", path=tmp_path / "places.xlsx")


@needs_geo
def test_units_never_replace_communities_from_a_file(
    engine: Engine, settings: Settings, city: str, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError, match="no walking network"):
        make_units(engine=engine, name=city, spec="h3:9")
    with pytest.raises(ValidationError, match="no units with boundaries"):
        import_buildings(engine=engine, name=city, path=DATA / "valid" / "places_tiny.osm")
    import_network(
        engine=engine, settings=settings, name=city, path=DATA / "valid" / "net_tiny.osm"
    )
    made = make_units(engine=engine, name=city, spec="h3:10")
    assert made.n_imported >= 1
    remade = make_units(engine=engine, name=city, spec="h3:11")
    assert summary(engine).n_communities == remade.n_imported > made.n_imported
    # communities from a file replace generated units, and are never replaced by them
    communities = import_communities(
        engine=engine, settings=settings, name=city, path=DATA / "valid" / "comm_three.geojson"
    )
    assert any("replaced" in n for n in communities.notes)
    assert summary(engine).n_communities == communities.n_imported
    with pytest.raises(ValidationError, match="imported from files"):
        make_units(engine=engine, name=city, spec="h3")
    with pytest.raises(ValidationError, match="--units"):
        make_units(engine=engine, name=city, spec="grid:9")


def test_import_city_checks_every_file_before_starting(
    engine: Engine, settings: Settings, city: str, tmp_path: Path
) -> None:
    request = CityImportRequest(
        places=PLACES_CSV, places_format="csv", buildings=tmp_path / "x.pbf"
    )
    with pytest.raises(NotFoundError, match=r"x\.pbf: no such file \(--buildings\)"):
        import_city(engine=engine, settings=settings, name=city, request=request)
    assert summary(engine).import_runs == ()
    with pytest.raises(ValidationError, match="nothing to import"):
        import_city(engine=engine, settings=settings, name=city, request=CityImportRequest())
    with pytest.raises(ValidationError, match="--units-source"):
        import_city(
            engine=engine,
            settings=settings,
            name=city,
            request=CityImportRequest(units="osm", places=PLACES_CSV, places_format="csv"),
        )
    with pytest.raises(NotFoundError, match="no city named 'elsewhere'"):
        import_city(
            engine=engine,
            settings=settings,
            name="elsewhere",
            request=CityImportRequest(places=PLACES_CSV, places_format="csv"),
        )
