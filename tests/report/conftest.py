"""Report fixtures: a small hand-made assessment and plan document (docs/assessment.md).

Six square communities on a 3 × 2 grid in Futian (about 114.05E 22.54N, 400 m squares):
full coverage, gaps, one without residents (coverage null), one without a boundary, one a
MultiPolygon with a hole. The numbers are invented but consistent (populations add up,
the walking-time histogram sums to the population).
"""

from __future__ import annotations

from typing import Any

import pytest
from shapely.geometry import MultiPolygon, Polygon, box

from lifecircle.report.assets import Assets, load_assets

CATEGORIES = [
    ("convenience_store", "便利店", "Convenience store", "basic"),
    ("fresh_grocery", "生鲜超市（菜店）", "Fresh-food store / greengrocer", "basic"),
    ("breakfast", "早餐店", "Breakfast shop", "basic"),
    ("beauty_hair", "美容美发店", "Hair and beauty salon", "basic"),
    ("laundry", "洗染店", "Laundry / dry cleaner", "basic"),
    ("pharmacy", "药店", "Pharmacy", "basic"),
    ("housekeeping", "家政服务点", "Housekeeping / domestic services", "basic"),
    ("repair", "维修点", "Repair point (small repairs)", "basic"),
    ("specialty_dining", "特色餐饮", "Specialty dining", "quality"),
    ("sports_fitness", "运动健身", "Sports and fitness", "quality"),
    ("bookstore", "新式书店", "New-style bookstore", "quality"),
    ("elderly_care", "老年康护", "Elderly care and rehabilitation", "quality"),
    ("parcel_locker", "智能快件箱", "Smart parcel locker", "facility"),
]
CODES = [c[0] for c in CATEGORIES]
BASIC = [c[0] for c in CATEGORIES if c[3] == "basic"]

LON0, LAT0, SIDE = 114.04, 22.535, 0.004  # degrees; 0.004° ≈ 410 m east, 440 m north

# code, name, street, population, coverage (per category, in CODES order; None: no residents)
COMMUNITIES: list[dict[str, Any]] = [
    {
        "code": "440304001001",
        "name": "福田社区",
        "street": "福田街道",
        "population": 5200.0,
        "coverage": [1, 1, 0.98, 1, 0.95, 1, 0.93, 0.97, 1, 0.8, 0.6, 0.7, 1],
        "grade": "enhanced",
        "circle_type": "street",
        "is_pilot": True,
        "cell": (0, 0),
    },
    {
        "code": "440304001002",
        "name": "岗厦社区",
        "street": "福田街道",
        "population": 4100.0,
        "coverage": [1, 0.92, 0.95, 1, 0.85, 1, 0.91, 0.9, 1, 0.4, 0, 0.3, 0.9],
        "grade": "below_basic",
        "circle_type": "clustered",
        "is_pilot": False,
        "cell": (1, 0),
    },
    {
        "code": "440304002003",
        "name": "沙头社区",
        "street": "沙头街道",
        "population": 8300.0,
        "coverage": [1, 0.9, 0.88, 0.95, 0, 0.6, 0.9, 0, 0.7, 0.5, 0, 0, 0.8],
        "grade": "below_basic",
        "circle_type": "distributed",
        "is_pilot": True,
        "cell": (2, 0),
    },
    {
        "code": "440304002004",
        "name": "新洲社区",
        "street": "沙头街道",
        "population": 0.0,
        "coverage": None,
        "grade": "below_basic",
        "circle_type": "undetermined",
        "is_pilot": False,
        "cell": (0, 1),
    },
    {
        "code": "440304003005",
        "name": "香蜜社区",
        "street": "香蜜湖街道",
        "population": 1500.0,
        "coverage": [1, 1, 0.9, 0.96, 0.92, 1, 0, 0.94, 0.6, 0.3, 0, 0.2, 0.5],
        "grade": "below_basic",
        "circle_type": "undetermined",
        "is_pilot": False,
        "cell": None,  # no boundary
    },
    {
        "code": "440304003006",
        "name": "侨香社区",
        "street": "香蜜湖街道",
        "population": 3000.0,
        "coverage": [1, 1, 1, 1, 0.97, 1, 0.95, 0.99, 1, 1, 0.9, 0.8, 1],
        "grade": "premium",
        "circle_type": "street",
        "is_pilot": True,
        "cell": (2, 1),
    },
]
GRADES_ZH = {
    "below_basic": "未达基础型",
    "basic": "基础型",
    "enhanced": "提升型",
    "premium": "品质型",
}
TYPES_ZH = {
    "clustered": "集聚式",
    "street": "街区式",
    "distributed": "分布式",
    "undetermined": "待定",
}


def cell_geometry(cell: tuple[int, int] | None) -> Polygon | MultiPolygon | None:
    """The boundary of a grid cell; the last cell is two parts, the first with a hole."""
    if cell is None:
        return None
    x, y = LON0 + cell[0] * SIDE, LAT0 + cell[1] * SIDE
    if cell == (2, 1):
        half = SIDE / 2
        hole = box(x + 0.0008, y + 0.0008, x + 0.0016, y + 0.0016).exterior.coords
        return MultiPolygon(
            [
                Polygon(box(x, y, x + SIDE, y + half).exterior.coords, [hole]),
                box(x + 0.0005, y + half + 0.0003, x + SIDE - 0.0005, y + SIDE),
            ]
        )
    return box(x, y, x + SIDE, y + SIDE)


def _community(spec: dict[str, Any]) -> dict[str, Any]:
    cov = spec["coverage"]
    has = cov is not None
    coverage = dict.fromkeys(CODES) if cov is None else dict(zip(CODES, cov, strict=True))
    minutes = {
        c: (
            None
            if not has or coverage[c] == 0
            else round(3.0 + 9.0 * (1 - coverage[c]) + i * 0.3, 1)
        )
        for i, c in enumerate(CODES)
    }
    p90 = {c: None if m is None else round(m * 1.6, 1) for c, m in minutes.items()}
    missing = [c for c in BASIC if has and coverage[c] == 0]
    weak = [c for c in BASIC if has and 0 < coverage[c] < 0.9]
    quality = sum(1 for c in CODES[8:12] if has and coverage[c] > 0)
    complete = has and not missing and not weak
    elderly_cov = {c: (None if v is None else round(v * 0.9, 3)) for c, v in coverage.items()}
    e_missing = [c for c in BASIC if has and elderly_cov[c] == 0]
    e_weak = [c for c in BASIC if has and 0 < elderly_cov[c] < 0.9]
    return {
        "code": spec["code"],
        "name": spec["name"],
        "street": spec["street"],
        "district": "福田区",
        "population": spec["population"],
        "is_pilot": spec["is_pilot"],
        "coverage": coverage,
        "minutes_mean": minutes,
        "minutes_p90": p90,
        "basic_complete": complete,
        "missing": missing,
        "weak": weak,
        "quality_present": quality,
        "places": 0 if not has else 40 + len(spec["name"]) * 7,
        "places_per_10k": None if not has else round(40 * 1e4 / spec["population"], 1),
        "chain_share": None if not has else 0.31,
        "open_24h": 0 if not has else 2,
        "f15": None if not has else (0.93 if complete else 0.12),
        # times are known up to the search limit (20 min, the quality limit); a Gini
        # coefficient needs them for half the residents
        "gini": None if not has or not complete else 0.18,
        "known_share": None if not has else (0.93 if complete else 0.12),
        "circle_type": spec["circle_type"],
        "circle_type_zh": TYPES_ZH[spec["circle_type"]],
        "circle_type_rule": "fewer than 3 basic places (a pattern needs points)"
        if spec["circle_type"] == "undetermined"
        else "64 % of 22 basic places on 2 streets (深南大道, 福华路) ≥ 60 %",
        "grade": spec["grade"],
        "grade_zh": GRADES_ZH[spec["grade"]],
        "grade_rule": "basic coverage is not complete (基础型 needs it)"
        if spec["grade"] == "below_basic"
        else f"basic complete, {quality} quality categories ≥ 4",
        "elderly": {
            "coverage": elderly_cov,
            "basic_complete": has and not e_missing and not e_weak,
            "missing": e_missing,
            "weak": e_weak,
            "f15": None if not has else 0.08,
        },
    }


def assessment_document() -> dict[str, Any]:
    """A complete assessment document (every field of docs/assessment.md)."""
    communities = [_community(s) for s in COMMUNITIES]
    return {
        "run": {
            "id": 7,
            "city": "futian",
            "created_at": "2026-11-27T21:40:00+00:00",
            "elapsed_s": 1.9,
            "lifecircle_version": "0.1.0",
            "parameters": {
                "profile": "standard",
                "speed_kmh": 4.0,
                "elderly_speed_kmh": 3.2,
                "limit_minutes": {"basic": 15.0, "quality": 20.0},
                "basic_share": 0.9,
                "weak_share": 0.9,
                "quality_share": 0.5,
                "max_snap_m": 300.0,
                "min_known_share": 0.5,
                "taxonomy": "shenzhen",
                "circle_rules": {
                    "cluster_radius_m": 150.0,
                    "cluster_share": 0.6,
                    "street_share": 0.6,
                    "max_streets": 2,
                    "min_places": 3,
                },
                "grade_rules": {
                    "enhanced_min_quality": 4,
                    "premium_min_quality": 6,
                    "premium_min_chain_share": 0.3,
                    "premium_min_24h": 1,
                },
                "targets": "shenzhen-2023",
            },
            "data": {
                "network": {"path": "futian.lcnet", "nodes": 12345, "sha256": "ab" * 32},
                "imports": [
                    {
                        "id": 1,
                        "kind": "places",
                        "source": "futian_amap.xlsx",
                        "sha256": "cd" * 32,
                        "finished_at": "2026-11-27T21:30:00+00:00",
                    }
                ],
                "places": 493,
                "population_points": 600,
                "communities": 6,
                "unit_level": "community",
                "unsnapped_points": 0,
                "unsnapped_places": 2,
            },
        },
        "categories": [
            {"code": c, "name_zh": zh, "name_en": en, "group": g} for c, zh, en, g in CATEGORIES
        ],
        "city": {
            "population": 22100.0,
            "communities": 6,
            "communities_with_residents": 5,
            "basic_complete": 2,
            "coverage": dict(
                zip(
                    CODES,
                    [1, 0.94, 0.93, 0.97, 0.6, 0.86, 0.83, 0.57, 0.86, 0.55, 0.2, 0.3, 0.86],
                    strict=True,
                )
            ),
            "minutes_mean": dict(
                zip(
                    CODES,
                    [3.1, 4.2, 4.8, 3.9, 6.4, 5.0, 6.8, 7.7, 4.4, 8.1, 10.9, 9.6, 3.3],
                    strict=True,
                )
            ),
            "f15": 0.41,
            "gini": 0.22,
            "known_share": 0.62,
            "walk_histogram": {
                "edges_minutes": [0, 5, 10, 15],
                "population": [2100.0, 7400.0, 6300.0],
                "beyond": 6300.0,
            },
            "grades": {"below_basic": 4, "basic": 0, "enhanced": 1, "premium": 1},
            "circle_types": {"clustered": 1, "street": 2, "distributed": 1, "undetermined": 2},
            "places": 493,
            "chain_share": 0.31,
            "open_24h": 12,
            "elderly": {
                "speed_kmh": 3.2,
                "basic_complete": 1,
                "coverage": dict(
                    zip(
                        CODES,
                        [0.9, 0.85, 0.8, 0.9, 0.5, 0.77, 0.7, 0.5, 0.8, 0.5, 0.1, 0.2, 0.8],
                        strict=True,
                    )
                ),
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
                    "note": "2 of 6 communities assessed",
                    "source": "深商务建设字〔2023〕240号 二、总体目标",
                    "threshold": 0.9,
                },
                {
                    "code": "pilot_type_share",
                    "label_zh": "每类试点生活圈占比不低于 20%",
                    "label_en": "Each pilot type at least 20 %",
                    "target": 0.2,
                    "actual": 0.3333,
                    "unit": "share",
                    "due": "2025-12-31",
                    "met": True,
                    "note": "",
                    "source": "深商务建设字〔2023〕240号 三、重点任务",
                },
                {
                    "code": "elderly_canteens",
                    "label_zh": "长者饭堂覆盖社区",
                    "label_en": "Communities with an elderly canteen",
                    "target": 100,
                    "actual": None,
                    "unit": "communities",
                    "due": "2025-12-31",
                    "met": None,
                    "note": "no survey yet",
                    "source": "深商务建设字〔2023〕240号 三、重点任务",
                },
            ],
            "pilots": {
                "listed": 30,
                "matched": 3,
                "min_type_share": 0.2,
                "needed": 6,
                "unknown": 27,
                "undetermined": 0,
                "type_counts": {"clustered": 0, "street": 2, "distributed": 1},
                "type_shares": {"clustered": 0.0, "street": 0.0667, "distributed": 0.0333},
                "type_met": {"clustered": None, "street": None, "distributed": None},
                "types_met": None,
                "rows": [
                    {
                        "seq": 1,
                        "district": "福田区",
                        "name": "福田社区",
                        "street": "福田街道",
                        "community_code": "440304001001",
                        "circle_type": "street",
                        "grade": "enhanced",
                        "basic_complete": True,
                        "coverage_basic_min": 0.93,
                    },
                    {
                        "seq": 2,
                        "district": "福田区",
                        "name": "沙头社区",
                        "street": "沙头街道",
                        "community_code": "440304002003",
                        "circle_type": "distributed",
                        "grade": "below_basic",
                        "basic_complete": False,
                        "coverage_basic_min": 0.0,
                    },
                    {
                        "seq": 3,
                        "district": "福田区",
                        "name": "侨香社区",
                        "street": "香蜜湖街道",
                        "community_code": "440304003006",
                        "circle_type": "street",
                        "grade": "premium",
                        "basic_complete": True,
                        "coverage_basic_min": 0.95,
                    },
                ],
            },
        },
        "communities": communities,
    }


def plan_document() -> dict[str, Any]:
    """A plan for laundry, repair and housekeeping: three sites, two community sheets."""
    c3 = LON0 + 2 * SIDE, LAT0
    return {
        "plan": {
            "id": 2,
            "city": "futian",
            "created_at": "2026-11-27T21:45:00+00:00",
            "elapsed_s": 0.8,
            "parameters": {
                "mode": "cover",
                "categories": ["laundry", "repair", "housekeeping"],
                "community": None,
                "k": None,
                "share": 1.0,
                "capacity": None,
                "minutes": 15.0,
                "speed_kmh": 4.0,
                "candidates": "network",
                "spacing_m": 100.0,
            },
        },
        "sites": [
            {
                "id": "n-101",
                "lon": round(c3[0] + 0.0012, 6),
                "lat": round(c3[1] + 0.0021, 6),
                "category": "laundry",
                "newly_covered_population": 8300.0,
                "communities": ["440304002003"],
                "rent": None,
            },
            {
                "id": "n-102",
                "lon": round(c3[0] + 0.0031, 6),
                "lat": round(c3[1] + 0.0009, 6),
                "category": "repair",
                "newly_covered_population": 7900.0,
                "communities": ["440304002003"],
                "rent": None,
            },
            {
                "id": "n-103",
                "lon": 114.0512,
                "lat": 22.5468,
                "category": "housekeeping",
                "newly_covered_population": 1500.0,
                "communities": ["440304003005"],
                "rent": None,
            },
        ],
        "covered_population": 66100.0,
        "total_population": 66300.0,
        "optimal": True,
        "gap": 0.0,
        "categories": [
            {
                "category": c,
                "sites": 1,
                "before_population": before,
                "covered_population": 22100.0 if c != "repair" else 21900.0,
                "total_population": 22100.0,
                "optimal": True,
                "gap": 0.0,
                "solver": "highs",
                "candidates": 812,
                "unreachable_population": 0.0 if c != "repair" else 200.0,
                "note": "" if c != "repair" else "200 residents at 2 points reach no candidate",
            }
            for c, before in (("laundry", 13800.0), ("repair", 13800.0), ("housekeeping", 20600.0))
        ],
        "communities": [
            {
                "code": "440304002003",
                "name": "沙头社区",
                "population": 8300.0,
                "gaps": ["laundry", "repair"],
                "before": {"laundry": 0.0, "repair": 0.0},
                "after": {"laundry": 1.0, "repair": 0.976},
                "sites": ["n-101", "n-102"],
            },
            {
                "code": "440304003005",
                "name": "香蜜社区",
                "population": 1500.0,
                "gaps": ["housekeeping"],
                "before": {"housekeeping": 0.0},
                "after": {"housekeeping": 1.0},
                "sites": ["n-103"],
            },
        ],
    }


def community_geometries() -> dict[str, Polygon | MultiPolygon | None]:
    """Community code → boundary (``None`` for the community without one)."""
    return {s["code"]: cell_geometry(s["cell"]) for s in COMMUNITIES}


@pytest.fixture
def assessment() -> dict[str, Any]:
    return assessment_document()


@pytest.fixture
def plan() -> dict[str, Any]:
    return plan_document()


@pytest.fixture
def geometries() -> dict[str, Polygon | MultiPolygon | None]:
    return community_geometries()


@pytest.fixture(scope="session")
def assets() -> Assets:
    """Leaflet and ECharts from the repository's node_modules (``npm ci``), read once."""
    return load_assets()
