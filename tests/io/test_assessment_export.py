"""Assessment exports (XLSX, GeoJSON, GeoPackage, CSV) read back by their own readers."""

from __future__ import annotations

import csv
import json
import sys
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, box, shape

from lifecircle.errors import OptionalDependencyError, ValidationError
from lifecircle.io.export import assessment as assessment_export
from lifecircle.io.export.assessment import ExportSummary, write_assessment
from lifecircle.io.export.features import multipolygon_wkb, write_features

if TYPE_CHECKING:
    from pathlib import Path

    from shapely.geometry.base import BaseGeometry

X0, Y0, SIDE = 114.05, 22.54, 0.004
CODES = ("440304001001", "440304001002", "440304001003", "440304001004")
CATEGORIES = ("convenience", "laundry", "cafe")
RUN_PARAMETERS = {
    "profile": "standard", "speed_kmh": 4.0, "elderly_speed_kmh": 3.2,
    "limit_minutes": {"basic": 15.0, "quality": 15.0},
    "basic_share": 0.9, "weak_share": 0.9, "quality_share": 0.5, "max_snap_m": 300.0,
    "taxonomy": "shenzhen",
    "circle_rules": {"cluster_radius_m": 150.0, "cluster_share": 0.6, "street_share": 0.6,
                     "max_streets": 2, "min_places": 3},
    "grade_rules": {"enhanced_min_quality": 4, "premium_min_quality": 6,
                    "premium_min_chain_share": 0.3, "premium_min_24h": 1},
    "targets": "shenzhen-2023",
}  # fmt: skip
IMPORT = {"id": 1, "kind": "places", "source": "amap.csv", "sha256": "cd34",
          "finished_at": "2026-11-27T21:00:00+00:00"}  # fmt: skip
PLAN_PARAMETERS = {
    "mode": "cover", "categories": ["laundry"], "community": None, "k": None, "share": 1.0,
    "capacity": None, "minutes": 15.0, "speed_kmh": 4.0, "candidates": "network",
    "spacing_m": 100.0,
}  # fmt: skip
PILOT_RESULTS = ("community_code", "circle_type", "grade", "basic_complete", "coverage_basic_min")


def _community(code: str, name: str, population: float, **over: Any) -> dict[str, Any]:
    """A community of docs/assessment.md with everything in reach unless overridden."""
    row: dict[str, Any] = {
        "code": code,
        "name": name,
        "street": "南园街道",
        "district": "福田区",
        "population": population,
        "is_pilot": False,
        "coverage": {"convenience": 1.0, "laundry": 0.95, "cafe": 0.6},
        "minutes_mean": {"convenience": 3.2, "laundry": 7.5, "cafe": 9.0},
        "minutes_p90": {"convenience": 6.0, "laundry": 12.0, "cafe": 14.0},
        "basic_complete": True,
        "missing": [],
        "weak": [],
        "quality_present": 1,
        "places": 41,
        "places_per_10k": 504.9,
        "chain_share": 0.29,
        "open_24h": 1,
        "f15": 0.8,
        "gini": 0.18,
        "known_share": 0.8,
        "circle_type": "street",
        "circle_type_zh": "街区式",
        "circle_type_rule": "60 % of basic places on 2 streets",
        "grade": "basic",
        "grade_zh": "基础型",
        "grade_rule": "every basic category within 15 min",
        "elderly": {
            "coverage": {"convenience": 0.9, "laundry": 0.8, "cafe": 0.5},
            "basic_complete": False,
            "missing": [],
            "weak": ["laundry"],
            "f15": 0.6,
        },
    }
    row.update(over)
    return row


def assessment_document() -> dict[str, Any]:
    """Four communities: one lacks laundry, one has no residents, one has no boundary."""
    nothing = dict.fromkeys(CATEGORIES)
    return {
        "run": {
            "id": 3,
            "city": "深圳",
            "created_at": "2026-11-27T21:40:00+00:00",
            "elapsed_s": 1.9,
            "lifecircle_version": "0.1.0",
            "parameters": dict(RUN_PARAMETERS),
            "data": {
                "network": {"path": "network.lcnet", "nodes": 12345, "sha256": "ab12"},
                "imports": [IMPORT],
                "places": 90,
                "population_points": 600,
                "communities": 4,
                "unit_level": "community",
                "unsnapped_points": 0,
                "unsnapped_places": 2,
            },
        },
        "categories": [
            {
                "code": "convenience",
                "name_zh": "便利店",
                "name_en": "Convenience",
                "group": "basic",
            },
            {"code": "laundry", "name_zh": "洗衣店", "name_en": "Laundry", "group": "basic"},
            {"code": "cafe", "name_zh": "咖啡馆", "name_en": "Cafe", "group": "quality"},
        ],
        "city": {
            "population": 1612.0,
            "communities": 4,
            "communities_with_residents": 3,
            "basic_complete": 2,
            "coverage": {"convenience": 0.97, "laundry": 0.7, "cafe": 0.55},
            "minutes_mean": {"convenience": 4.1, "laundry": 8.0, "cafe": None},
            "f15": 0.41,
            "gini": 0.22,
            "known_share": 0.62,
            "walk_histogram": {
                "edges_minutes": [0, 5, 10, 15],
                "population": [100.0, 600.0, 400.0],
                "beyond": 512.0,
            },
            "grades": {"below_basic": 1, "basic": 2, "enhanced": 0, "premium": 0},
            "circle_types": {"clustered": 0, "street": 2, "distributed": 0, "undetermined": 2},
            "places": 90,
            "chain_share": 0.31,
            "open_24h": 2,
            "elderly": {
                "speed_kmh": 3.2,
                "basic_complete": 1,
                "coverage": {"convenience": 0.9, "laundry": 0.6, "cafe": 0.4},
                "f15": 0.3,
            },
            "targets": [
                {
                    "code": "basic_full_coverage",
                    "label_zh": "社区基本保障类业态全覆盖",
                    "label_en": "Communities with full basic coverage",
                    "target": 682,
                    "actual": 2,
                    "unit": "communities",
                    "due": "2025-12-31",
                    "met": False,
                    "note": "2 of 4 assessed",
                    "source": "深商务建设字〔2023〕240号 二、总体目标",
                    "threshold": 0.9,
                },
                {
                    "code": "pilot_satisfaction",
                    "label_zh": "试点区域居民满意度",
                    "label_en": "Residents satisfied in pilot areas",
                    "target": 0.95,
                    "actual": None,
                    "unit": "share",
                    "due": None,
                    "met": None,
                    "note": "no survey yet",
                    "source": "二、工作目标",
                },
            ],
            "pilots": {
                "listed": 30,
                "matched": 1,
                "min_type_share": 0.2,
                "needed": 6,
                "unknown": 29,
                "undetermined": 0,
                "type_counts": {"clustered": 0, "street": 1, "distributed": 0},
                "type_shares": {"clustered": 0.0, "street": 0.0333, "distributed": 0.0},
                "type_met": {"clustered": None, "street": None, "distributed": None},
                "types_met": None,
                "rows": [
                    {
                        "seq": 1,
                        "district": "福田区",
                        "name": "巴登社区",
                        "street": "南园街道",
                        "community_code": CODES[0],
                        "circle_type": "street",
                        "grade": "below_basic",
                        "basic_complete": False,
                        "coverage_basic_min": 0.0,
                    },
                    {
                        "seq": 2,
                        "district": "福田区",
                        "name": "福山社区",
                        "street": "福田街道",
                        **dict.fromkeys(PILOT_RESULTS),  # not matched to a community
                    },
                ],
            },
        },
        "communities": [
            _community(
                CODES[0],
                "巴登社区",
                812.0,
                is_pilot=True,
                coverage={"convenience": 1.0, "laundry": 0.0, "cafe": 0.5},
                minutes_mean={"convenience": 3.2, "laundry": None, "cafe": 9.0},
                minutes_p90={"convenience": 6.0, "laundry": None, "cafe": 13.0},
                basic_complete=False,
                missing=["laundry"],
                weak=["convenience"],
                f15=0.0,  # nobody reaches a laundry: nobody's time is known
                gini=None,
                known_share=0.0,
                grade="below_basic",
                grade_zh="未达基础型",
            ),
            _community(CODES[1], "福山社区", 300.0),
            _community(
                CODES[2],
                "海滨社区",
                0.0,
                street="",
                coverage=nothing,
                minutes_mean=nothing,
                minutes_p90=nothing,
                basic_complete=None,
                missing=[],
                weak=[],
                quality_present=0,
                places=0,
                places_per_10k=None,
                chain_share=None,
                open_24h=0,
                f15=None,
                gini=None,
                known_share=None,
                circle_type="undetermined",
                circle_type_zh="待定",
                grade="below_basic",
                grade_zh="未达基础型",
                elderly={"coverage": nothing, "basic_complete": None, "missing": [], "weak": []},
            ),
            _community(
                CODES[3], "华航社区", 500.0, circle_type="distributed", circle_type_zh="分布式"
            ),
        ],
    }


def plan_document() -> dict[str, Any]:
    """Two laundries: one for 巴登 alone, one shared by 巴登 and 福山."""
    return {
        "plan": {
            "id": 2,
            "city": "深圳",
            "created_at": "2026-11-27T22:00:00+00:00",
            "elapsed_s": 0.8,
            "parameters": PLAN_PARAMETERS,
        },
        "sites": [
            {
                "id": "n-1",
                "lon": X0 + 0.00212345678,
                "lat": Y0 + 0.002,
                "category": "laundry",
                "newly_covered_population": 812.0,
                "communities": [CODES[0]],
                "rent": None,
            },
            {
                "id": "n-2",
                "lon": X0 + SIDE,
                "lat": Y0 + 0.002,
                "category": "laundry",
                "newly_covered_population": 15.0,
                "communities": [CODES[0], CODES[1]],
                "rent": 120.5,
            },
        ],
        "covered_population": 1100.0,
        "total_population": 1112.0,
        "optimal": True,
        "gap": 0.0,
        "categories": [
            {
                "category": "laundry",
                "sites": 2,
                "before_population": 285.0,
                "covered_population": 1100.0,
                "total_population": 1112.0,
                "optimal": True,
                "gap": 0.0,
                "solver": "highs",
                "candidates": 40,
                "unreachable_population": 12.0,
                "note": "12 residents reach no candidate within 15 min",
            }
        ],
        "communities": [
            {
                "code": CODES[0],
                "name": "巴登社区",
                "population": 812.0,
                "gaps": ["laundry"],
                "before": {"laundry": 0.0},
                "after": {"laundry": 1.0},
                "sites": ["n-1", "n-2"],
            },
            {
                "code": CODES[1],
                "name": "福山社区",
                "population": 300.0,
                "gaps": [],
                "before": {"laundry": 0.95},
                "after": {"laundry": 1.0},
                "sites": ["n-2"],
            },
        ],
    }


def boundaries() -> dict[str, BaseGeometry | None]:
    """Squares side by side; the first drawn clockwise; the last community has none."""
    squares = [box(X0 + SIDE * i, Y0, X0 + SIDE * (i + 1), Y0 + SIDE) for i in range(3)]
    clockwise = Polygon(list(squares[0].exterior.coords)[::-1])
    assert not clockwise.exterior.is_ccw
    return {CODES[0]: clockwise, CODES[1]: squares[1], CODES[2]: squares[2], CODES[3]: None}


def export(path: Path, *, plan: bool = True, lang: str = "zh") -> ExportSummary:
    return write_assessment(
        assessment_document(),
        path,
        geometries=boundaries(),
        plan=plan_document() if plan else None,
        lang=lang,
    )


def rows_of(sheet: Any) -> list[list[Any]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


# -- XLSX -----------------------------------------------------------------------------


def test_xlsx_has_a_sheet_per_level_with_numbers_and_percentages(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "run.xlsx"
    summary = export(path)
    assert summary == ExportSummary(
        str(path), "xlsx", 4, 2, ("城市", "试点", "社区", "覆盖", "一圈一策", "参数")
    )
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == list(summary.layers)

    communities = book["社区"]
    header = rows_of(communities)[0]
    assert header[:5] == ["社区编码", "社区名称", "街道", "区", "常住人口"]
    assert header[-3:] == ["便利店", "洗衣店", "咖啡馆"]
    assert all(cell.font.b for cell in communities[1])
    assert communities.freeze_panes == "C2"
    assert communities.max_row == 5
    assert communities.column_dimensions["B"].width >= 10
    col = {title: i + 1 for i, title in enumerate(header)}
    laundry = communities.cell(row=2, column=col["洗衣店"])
    assert laundry.value == 0
    assert isinstance(laundry.value, int | float)
    assert laundry.number_format == "0.0%"
    chain = communities.cell(row=2, column=col["连锁化率"])
    assert (chain.value, chain.number_format) == (0.29, "0.0%")
    first = rows_of(communities)[1]
    assert first[col["等级"] - 1] == "未达基础型"
    assert first[col["生活圈类型"] - 1] == "街区式"
    assert first[col["缺失业态"] - 1] == "洗衣店"
    assert first[col["基本保障类全覆盖"] - 1] is False
    assert first[col["常住人口"] - 1] == 812
    no_residents = rows_of(communities)[3]
    assert no_residents[col["街道"] - 1] is None  # "" is an empty cell, not a blank string
    assert no_residents[-3:] == [None, None, None]
    assert no_residents[col["基本保障类全覆盖"] - 1] is None
    assert no_residents[col["F15"] - 1] is None

    coverage = rows_of(book["覆盖"])
    assert coverage[0][:4] == ["社区编码", "社区名称", "业态", "类别"]
    assert len(coverage) == 1 + 4 * 3
    assert coverage[2][:5] == [CODES[0], "巴登社区", "洗衣店", "基本保障类", 0]
    assert coverage[2][5:7] == [None, None]  # nobody reaches a laundry
    assert coverage[3][3] == "品质提升类"

    plan = rows_of(book["一圈一策"])
    assert len(plan) == 1 + 3
    assert [row[4] for row in plan[1:]] == ["n-1", "n-2", "n-2"]
    assert plan[2][5:11] == [
        "洗衣店",
        pytest.approx(X0 + SIDE),
        pytest.approx(Y0 + 0.002),
        15,
        0,
        1,
    ]
    assert plan[2][11] is None  # the categories a joint unit hosts: none in a per-category plan
    assert book["一圈一策"].cell(row=2, column=10).number_format == "0.0%"

    parameters = dict(row[:2] for row in rows_of(book["参数"])[1:])
    assert parameters["run.id"] == 3
    assert parameters["run.parameters.speed_kmh"] == 4
    assert parameters["run.parameters.limit_minutes.basic"] == 15
    assert parameters["run.data.imports[0].source"] == "amap.csv"
    assert parameters["plan.parameters.categories"] == "laundry"
    assert parameters["plan.parameters.k"] is None

    city = rows_of(book["城市"])
    figures = {row[0]: row[1] for row in city if row[0] is not None}
    assert figures["城市"] == "深圳"
    assert figures["常住人口"] == 1612
    assert figures["社区等级：基础型"] == 2
    target = next(row for row in city if row[0] == "社区基本保障类业态全覆盖")
    assert target[1:6] == [682, 2, "个社区", "2025-12-31", False]
    survey = next(row for row in city if row[0] == "试点区域居民满意度")
    assert survey[2] is None
    f15 = next(c for c in book["城市"]["B"] if c.value == 0.41)
    assert f15.number_format == "0.0%"

    pilots = rows_of(book["试点"])
    assert pilots[1][:7] == [1, "福田区", "巴登社区", "南园街道", CODES[0], "街区式", "未达基础型"]
    assert pilots[2][4:] == [None] * 5


def test_xlsx_says_unknown_and_not_evaluable_and_shows_the_threshold(tmp_path: Path) -> None:
    import openpyxl  # noqa: PLC0415  (the xlsx extra, installed for the tests)

    path = tmp_path / "run.xlsx"
    export(path)
    book = openpyxl.load_workbook(path)
    city = rows_of(book["城市"])
    header = next(row for row in city if row[0] == "目标")
    assert header[6] == "全覆盖阈值（每类基本保障业态）"
    target = next(row for row in city if row[0] == "社区基本保障类业态全覆盖")
    assert (target[5], target[6]) == (False, 0.9)
    survey = next(row for row in city if row[0] == "试点区域居民满意度")
    assert (survey[5], survey[6]) == ("无法判定", None)  # not recorded: not evaluable

    communities = rows_of(book["社区"])
    col = communities[0].index("步行时间基尼系数")
    assert communities[0][col + 1] == "步行时间已知的居民比例"
    assert [r[col : col + 2] for r in communities[1:]] == [
        ["未知", 0],  # residents, none with a known time: said, not left blank or 0
        [0.18, 0.8],
        [None, None],  # no residents
        [0.18, 0.8],
    ]

    pilots = rows_of(book["试点"])
    types = pilots[pilots.index(next(r for r in pilots if r[0] == "生活圈类型")) :]
    assert types[0][:5] == ["生活圈类型", "试点数", "占名单试点比例", "最低比例", "是否达标"]
    assert types[2][:5] == ["街区式", 1, 0.0333, 0.2, "无法判定"]
    assert types[4][:2] == ["未知（未匹配或类型待定）", 29]
    summary = {r[0]: r[1] for r in pilots if r[0] and r[1] is not None}
    assert summary["类型未知的试点"] == 29
    assert summary["每种类型至少需要"] == 6
    assert summary["三种类型均达到最低比例"] == "无法判定"

    assessment = assessment_document()
    assessment["city"]["gini"] = None
    write_assessment(assessment, path, geometries={}, lang="en")
    figures = {r[0]: r[1] for r in rows_of(openpyxl.load_workbook(path)["City"]) if r[0]}
    assert figures["Gini of walking time (known)"] == "unknown"
    assert figures["Residents with a known time"] == 0.62


def test_xlsx_in_english_without_plan(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "run.xlsx"
    summary = export(path, plan=False, lang="en")
    assert summary.layers == ("City", "Pilots", "Communities", "Coverage", "Parameters")
    assert summary.sites == 0
    book = openpyxl.load_workbook(path)
    rows = rows_of(book["Communities"])
    assert rows[0][:2] == ["Code", "Community"]
    assert rows[0][-3:] == ["Convenience", "Laundry", "Cafe"]
    assert rows[1][rows[0].index("Grade")] == "Below basic"
    assert rows[1][rows[0].index("Circle type")] == "Street-block"
    assert rows_of(book["City"])[0][:3] == ["Figure", "Value", None]
    assert rows_of(book["Parameters"])[0] == ["Parameter", "Value"]


def test_xlsx_keeps_text_as_text(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    assessment = assessment_document()
    assessment["communities"][0]["name"] = '=HYPERLINK("http://example.com")'
    assessment["communities"][1]["name"] = "福山\x01社区"
    path = tmp_path / "run.xlsx"
    write_assessment(assessment, path, geometries={})
    sheet = openpyxl.load_workbook(path)["社区"]
    assert sheet["B2"].data_type == "s"
    assert sheet["B2"].value == '=HYPERLINK("http://example.com")'
    assert sheet["B3"].value == "福山社区"


def test_xlsx_needs_openpyxl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(OptionalDependencyError, match=r"lifecircle\[xlsx\]"):
        export(tmp_path / "run.xlsx")
    assert list(tmp_path.iterdir()) == []


# -- GeoJSON --------------------------------------------------------------------------


def test_geojson_feature_collection(tmp_path: Path) -> None:
    path = tmp_path / "run.geojson"
    summary = export(path)
    assert (summary.format, summary.rows, summary.sites) == ("geojson", 4, 2)
    text = path.read_text(encoding="utf-8")
    assert "巴登社区" in text  # not ASCII-escaped
    doc = json.loads(text)
    assert doc["type"] == "FeatureCollection"
    assert doc["lifecircle"]["run_id"] == 3
    assert doc["lifecircle"]["city"] == "深圳"
    features = doc["features"]
    assert [f["properties"]["kind"] for f in features] == ["community"] * 4 + ["plan_site"] * 2
    by_code = {f["properties"]["code"]: f for f in features[:4]}
    assert by_code[CODES[3]]["geometry"] is None
    first = by_code[CODES[0]]
    assert first["geometry"]["type"] == "Polygon"
    ring = shape(first["geometry"]).exterior
    assert ring.is_ccw  # RFC 7946 right-hand rule, though drawn clockwise
    props = first["properties"]
    assert props["cov_convenience"] == 1.0
    assert props["cov_laundry"] == 0.0
    assert props["missing"] == "laundry"
    assert props["weak"] == "convenience"
    assert props["grade"] == "below_basic"
    assert props["grade_label"] == "未达基础型"
    assert props["basic_complete"] is False
    assert props["places"] == 41
    empty = by_code[CODES[2]]["properties"]
    assert [empty[f"cov_{c}"] for c in CATEGORIES] == [None, None, None]
    assert empty["missing"] == ""
    assert empty["gini"] is None
    site = features[4]
    assert site["geometry"]["type"] == "Point"
    assert site["geometry"]["coordinates"] == [114.0521235, 22.542]
    assert site["properties"]["site_id"] == "n-1"
    assert site["properties"]["category_name"] == "洗衣店"
    assert features[5]["properties"]["communities"] == f"{CODES[0]},{CODES[1]}"
    for feature in features:
        if feature["geometry"] is not None:
            for x, y in shapely.get_coordinates(shape(feature["geometry"])):
                assert round(x, 7) == x
                assert round(y, 7) == y


# -- GeoPackage -----------------------------------------------------------------------


def test_gpkg_two_layers_with_numeric_fields(tmp_path: Path) -> None:
    pyogrio = pytest.importorskip("pyogrio")
    path = tmp_path / "run.gpkg"
    summary = export(path)
    assert summary.layers == ("communities", "plan_sites")
    assert [list(row) for row in pyogrio.list_layers(path)] == [
        ["communities", "MultiPolygon"],
        ["plan_sites", "Point"],
    ]
    meta, _, wkb, data = pyogrio.raw.read(path, layer="communities")
    fields = list(meta["fields"])
    dtypes = dict(zip(fields, meta["dtypes"], strict=True))
    assert fields[:2] == ["code", "name"]
    assert fields[-3:] == ["cov_convenience", "cov_laundry", "cov_cafe"]
    assert dtypes["population"] == "float64"
    assert dtypes["places"] == "int64"
    assert dtypes["quality_present"] == "int64"
    assert dtypes["basic_complete"] == "bool"
    assert dtypes["cov_laundry"] == "float64"
    assert dtypes["code"] == "object"
    column = {name: data[i] for i, name in enumerate(fields)}
    assert list(column["code"]) == list(CODES)
    assert wkb[3] is None  # no boundary, still a feature
    assert shapely.from_wkb(wkb[0]).geom_type == "MultiPolygon"
    assert shapely.from_wkb(wkb[0]).equals(boundaries()[CODES[0]])
    assert column["cov_laundry"][0] == 0.0
    assert np.isnan(column["cov_laundry"][2])
    assert column["places"][0] == 41
    assert column["missing"][0] == "laundry"

    meta, _, wkb, data = pyogrio.raw.read(path, layer="plan_sites")
    dtypes = dict(zip(meta["fields"], meta["dtypes"], strict=True))
    assert dtypes["lon"] == dtypes["newly_covered_population"] == dtypes["rent"] == "float64"
    assert len(wkb) == 2
    assert shapely.from_wkb(wkb[1]).equals(shapely.Point(X0 + SIDE, Y0 + 0.002))
    rent = data[list(meta["fields"]).index("rent")]
    assert np.isnan(rent[0])
    assert rent[1] == 120.5


def test_gpkg_refuses_a_boundary_that_is_not_a_polygon(tmp_path: Path) -> None:
    pytest.importorskip("pyogrio")
    geometries = {**boundaries(), CODES[1]: shapely.Point(X0, Y0)}
    with pytest.raises(ValidationError, match=f"{CODES[1]}.*Point"):
        write_assessment(assessment_document(), tmp_path / "run.gpkg", geometries=geometries)
    assert list(tmp_path.iterdir()) == []


def test_write_features_adds_a_layer_to_a_geopackage_only(tmp_path: Path) -> None:
    pyogrio = pytest.importorskip("pyogrio")
    path = tmp_path / "a.gpkg"
    counts = np.ma.MaskedArray(np.array([1, 2], dtype=np.int64), mask=[False, True])
    point = shapely.to_wkb(shapely.Point(X0, Y0))
    layer: dict[str, Any] = {"wkb": [point, None], "fields": {"n": counts}, "kind": "Point"}
    with pytest.raises(ValidationError, match="existing GeoPackage"):
        write_features(path, layer="b", append=True, **layer)
    write_features(path, layer="a", **layer)
    write_features(path, layer="b", append=True, **layer)
    assert list(pyogrio.list_layers(path)[:, 0]) == ["a", "b"]
    meta, _, wkb, data = pyogrio.raw.read(path, layer="b")
    assert list(meta["dtypes"]) == ["int64"]
    assert data[0][0] == 1
    assert np.isnan(data[0][1])  # masked: null
    assert wkb[1] is None
    with pytest.raises(ValidationError, match="existing GeoPackage"):
        write_features(tmp_path / "a.geojson", layer="b", append=True, **layer)
    assert multipolygon_wkb(None) is None
    square = shapely.from_wkb(multipolygon_wkb(shapely.to_wkb(box(0, 0, 1, 1))))
    assert square.geom_type == "MultiPolygon"


# -- CSV ------------------------------------------------------------------------------


def test_csv_communities_table_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "run.csv"
    summary = export(path)
    assert (summary.format, summary.rows, summary.sites) == ("csv", 4, 0)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 4
    header = list(rows[0])
    assert header[:4] == ["code", "name", "street", "district"]
    assert header[-3:] == ["cov_convenience", "cov_laundry", "cov_cafe"]
    assert [r["code"] for r in rows] == list(CODES)
    assert rows[0]["name"] == "巴登社区"
    assert rows[0]["basic_complete"] == "false"
    assert rows[0]["grade_label"] == "未达基础型"
    assert float(rows[0]["cov_cafe"]) == 0.5
    assert [rows[2][f"cov_{c}"] for c in CATEGORIES] == ["", "", ""]
    assert rows[2]["basic_complete"] == ""


# -- Errors and atomicity -------------------------------------------------------------


def test_unknown_suffix_names_the_accepted_ones(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"\.xlsx, \.geojson, \.gpkg, \.csv"):
        export(tmp_path / "run.shp")
    assert list(tmp_path.iterdir()) == []


def test_unknown_language_and_a_plan_of_another_city(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="zh or en"):
        export(tmp_path / "run.csv", lang="fr")
    plan = plan_document()
    plan["plan"]["city"] = "helsinki"
    with pytest.raises(ValidationError, match="helsinki"):
        write_assessment(assessment_document(), tmp_path / "run.csv", geometries={}, plan=plan)
    with pytest.raises(ValidationError, match="'communities'"):
        write_assessment({"run": {}, "categories": []}, tmp_path / "run.csv", geometries={})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("suffix", [".xlsx", ".geojson", ".gpkg", ".csv"])
def test_a_folder_that_is_a_file_gives_no_output(tmp_path: Path, suffix: str) -> None:
    if suffix == ".xlsx":
        pytest.importorskip("openpyxl")
    if suffix == ".gpkg":
        pytest.importorskip("pyogrio")
    (tmp_path / "out").write_text("a file, not a folder")
    with pytest.raises(OSError):
        export(tmp_path / "out" / f"run{suffix}")
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def _fail_midway(suffix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the writer of ``suffix`` raise after it has begun writing its file."""
    if suffix == ".xlsx":
        openpyxl = pytest.importorskip("openpyxl")

        def save(self: Any, filename: Any) -> None:
            with open(filename, "wb") as fh:  # noqa: PTH123
                fh.write(b"PK\x03\x04 half a workbook")
            raise RuntimeError("disk full")

        monkeypatch.setattr(openpyxl.Workbook, "save", save)
    elif suffix == ".gpkg":
        pyogrio = pytest.importorskip("pyogrio")
        real = pyogrio.raw.write
        calls: list[str] = []

        def write(path: Any, **kwargs: Any) -> None:
            calls.append(kwargs["layer"])
            if kwargs["layer"] == "plan_sites":  # the communities layer is on disk by now
                raise RuntimeError("disk full")
            real(path, **kwargs)

        monkeypatch.setattr(pyogrio.raw, "write", write)
    elif suffix == ".geojson":
        real_dumps = json.dumps

        def dumps(obj: Any, **kwargs: Any) -> str:
            if obj.get("properties", {}).get("kind") == "plan_site":
                raise RuntimeError("disk full")
            return real_dumps(obj, **kwargs)

        monkeypatch.setattr(assessment_export.json, "dumps", dumps)
    else:
        real_value = assessment_export._csv_value

        def value(v: Any) -> Any:
            if v == CODES[2]:  # the third row, after two have been written
                raise RuntimeError("disk full")
            return real_value(v)

        monkeypatch.setattr(assessment_export, "_csv_value", value)


@pytest.mark.parametrize("previous", [None, b"the previous export"], ids=["new", "replace"])
@pytest.mark.parametrize("suffix", [".xlsx", ".geojson", ".gpkg", ".csv"])
def test_a_failing_write_leaves_no_partial_file(
    tmp_path: Path, suffix: str, previous: bytes | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / f"run{suffix}"
    if previous is not None:
        path.write_bytes(previous)
    _fail_midway(suffix, monkeypatch)
    with pytest.raises(RuntimeError, match="disk full"):
        export(path)
    assert [p.name for p in tmp_path.iterdir()] == ([] if previous is None else [path.name])
    if previous is not None:
        assert path.read_bytes() == previous
