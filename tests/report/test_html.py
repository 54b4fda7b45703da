"""The HTML report as text: languages, escaping, cards, nulls, numbers, no network, assets."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import LineString

from lifecircle.errors import DataError, ValidationError
from lifecircle.report import render_report
from lifecircle.report.assets import ASSETS_ENV, Assets, load_assets
from lifecircle.report.i18n import STRINGS, strings
from tests.report.conftest import COMMUNITIES

ROOT = Path(__file__).resolve().parents[2]
NO_RESIDENTS = "440304002004"
NO_BOUNDARY = "440304003005"


def visible(html: str) -> str:
    """The page without its scripts and style sheets (what is not program text)."""
    html = re.sub(r"<script\b.*?</script>", "", html, flags=re.DOTALL)
    return re.sub(r"<style\b.*?</style>", "", html, flags=re.DOTALL)


def page_data(html: str) -> dict[str, Any]:
    found = re.search(
        r'<script type="application/json" id="report-data">(.*?)</script>', html, re.DOTALL
    )
    assert found is not None
    return json.loads(found.group(1))


def card_codes(html: str) -> list[str]:
    return re.findall(r'<article class="card" id="c\d+" data-code="([^"]*)"', html)


@pytest.fixture
def render(assessment, geometries, plan, assets):
    def run(doc: dict[str, Any] | None = None, **kw: Any) -> str:
        args = {"geometries": geometries, "plan": plan, "assets": assets, **kw}
        return render_report(assessment if doc is None else doc, **args)

    return run


def test_chinese_by_default(render):
    html = render()
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN">' in html
    assert "<title>futian 一刻钟便民生活圈评估报告</title>" in html
    for text in ("城市概况", "规划目标完成情况", "一圈一策", "便利店", "街区式", "未达基础型"):
        assert text in html
    assert "City summary" not in html


def test_english(render):
    html = render(lang="en")
    assert '<html lang="en">' in html
    text = visible(html)
    for phrase in (
        "15-minute living circle assessment: futian",
        "City summary",
        "Convenience store",  # the document's name_en
        "street-block",
        "below basic",
        "premium",
        "One circle, one plan",
    ):
        assert phrase in text
    for phrase in ("城市概况", "便利店", "街区式", "未达基础型", "缺什么补什么"):
        assert phrase not in text
    # the English chart labels come from the same strings
    data = page_data(html)
    assert data["charts"]["chart-coverage"]["yAxis"]["data"][0] == "Convenience store"


def test_names_are_escaped(render, assessment):
    evil = "<script>alert(1)</script>"
    assessment["communities"][0]["name"] = evil
    assessment["communities"][1]["street"] = '"><img src=x onerror=alert(2)>'
    assessment["city"]["targets"][0]["note"] = "a < b & c"
    html = render(doc=assessment)
    assert evil not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "a &lt; b &amp; c" in html
    # in the page data, no "<" at all: the name cannot close the script element
    block = re.search(r'id="report-data">(.*?)</script>', html, re.DOTALL)
    assert block is not None
    assert "<" not in block.group(1)
    tips = [f["properties"]["tip"][0] for f in page_data(html)["map"]["communities"]["features"]]
    assert f"{evil} ({COMMUNITIES[0]['code']})" in tips


def test_every_community_has_a_card_gaps_first(render, assessment):
    html = render()
    codes = card_codes(html)
    assert sorted(codes) == sorted(c["code"] for c in assessment["communities"])
    # gaps first, then by population: 沙头 8300, 岗厦 4100, 香蜜 1500 | 福田 5200, 侨香 3000, 新洲 0
    assert codes == [
        "440304002003",
        "440304001002",
        "440304003005",
        "440304001001",
        "440304003006",
        NO_RESIDENTS,
    ]
    for com in assessment["communities"]:
        assert com["name"] in html
        assert com["grade_rule"] in html  # the rule text, in a <details>
    assert html.count("<details>") == len(codes)


def test_cards_have_outlines_and_plan_sites(render):
    html = render()
    assert html.count('<svg class="outline"') == 5
    cards = re.split(r'<article class="card"', html)[1:]
    by_code = {re.search(r'data-code="([^"]*)"', c).group(1): c for c in cards}
    assert by_code["440304002003"].count("<circle") == 2  # n-101, n-102
    assert "无边界" in by_code[NO_BOUNDARY]
    assert "<circle" not in by_code["440304001001"]
    assert "114.049200, 22.537100" in by_code["440304002003"]  # site n-101, 6 decimals
    assert "0% → 97.6%" in by_code["440304002003"]  # repair before → after
    assert "未计算补点规划" in by_code["440304001001"]  # no plan entry


def test_without_plan(render):
    html = render(plan=None)
    assert visible(html).count("未计算补点规划") == 6
    assert 'id="plan"' not in html
    assert page_data(html)["map"]["sites"] == []


def test_nulls_are_shown_as_dash(render, assessment):
    assessment["communities"][0]["gini"] = float("nan")  # NaN is "not known" too
    assessment["city"]["chain_share"] = None
    html = render(doc=assessment)
    text = visible(html)
    assert not re.search(r"\b(None|nan|NaN|null|undefined|inf)\b", text)
    assert "—" in text
    card = text[text.index(f'data-code="{NO_RESIDENTS}"') :]
    assert "本社区无常住人口，覆盖率无法计算。" in card
    data = page_data(html)  # strict JSON: json.loads would have accepted NaN, the test does not
    assert "NaN" not in json.dumps(data)
    en = visible(render(doc=assessment, lang="en"))
    assert "No residents: coverage cannot be computed." in en


def test_document_numbers_appear(render):
    text = visible(render())
    for number in (
        "22,100",  # city population
        "41%",  # F15
        "0.22",  # Gini
        "2 / 6",  # communities with full basic coverage
        "682 个社区",  # target
        "33.3%",  # actual share of a target
        "2025-12-31",
        "深商务建设字〔2023〕240号 二、总体目标",
        "8,300",  # a community's population
        "88%",  # its breakfast coverage
        "12,345 个节点",  # network nodes
        "2026-11-27 21:40 UTC",
        "66,100 / 66,300",  # plan covered / total
    ):
        assert number in text, number
    walk = page_data(render())["charts"]["chart-walk"]
    assert walk["xAxis"]["data"] == ["0–5", "5–10", "10–15", "超出范围"]
    assert walk["series"][0]["data"][:3] == [2100.0, 7400.0, 6300.0]
    assert walk["series"][0]["data"][3]["value"] == 6300.0


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_gini_unknown_is_a_dash_with_the_share_known(render, assessment):
    known = text_of(visible(render()))
    assert "0.22 步行时间基尼系数 按步行时间已知的 62% 居民计算" in known
    assessment["city"].update(gini=None, known_share=0.12)
    text = visible(render(doc=assessment))
    assert "— 步行时间基尼系数 未知：仅 12% 居民的步行时间已知（需 ≥ 50%）" in text_of(text)
    cards = re.findall(r"<dt>基尼系数</dt><dd>(.*?)</dd>", text)
    assert cards.count('0.18 <span class="small">(时间已知 93%)</span>') == 2
    assert cards.count('— <span class="small">(未知, 时间已知 12%)</span>') == 3
    assert "0.00" not in text
    en = text_of(visible(render(doc=assessment, lang="en")))
    assert "— Gini coefficient of walking time unknown: walking time known for only 12%" in en


def test_pilot_type_statuses_in_words(render, assessment):
    table = text_of(visible(render()).split('<table class="pilot-types">')[1].split("</table>")[0])
    assert "街区式 2 / 30 6.7% — 无法判定" in table
    assert "未知（未匹配 27 个，类型待定 0 个） 27 / 30" in table
    assert table.endswith("三类试点均达到要求 — 无法判定 ")
    pilots = assessment["city"]["pilots"]
    pilots.update(
        type_counts={"clustered": 6, "street": 7, "distributed": 1},
        type_met={"clustered": True, "street": True, "distributed": False},
        types_met=False,
    )
    html = render(doc=assessment, lang="en")
    table = text_of(html.split('<table class="pilot-types">')[1].split("</table>")[0])
    assert "clustered 6 / 30" in table
    assert "✓ met" in table
    assert "distributed 1 / 30 3.3% ✗ not met" in table
    assert table.endswith("Every type reaches its share ✗ not met ")


def test_full_coverage_threshold_beside_the_target(render):
    table = visible(render()).split('<table class="targets">')[1].split("</table>")[0]
    assert text_of(table).count("全覆盖：每类基本保障业态在 15 分钟内覆盖 ≥ 90% 的居民") == 1
    en = visible(render(lang="en")).split('<table class="targets">')[1]
    assert "full coverage: every basic category reaches ≥ 90% of residents in 15 min" in en


def test_targets_met_marks(render):
    html = render()
    start = html.index('<table class="targets">')
    table = html[start : html.index("</table>", start)]
    assert table.count('class="mark bad"') == 1
    assert table.count('class="mark ok"') == 1
    assert table.count('class="mark na"') == 1


def test_map_data(render, geometries):
    data = page_data(render())["map"]
    features = data["communities"]["features"]
    assert len(features) == sum(g is not None for g in geometries.values())
    assert {f["geometry"]["type"] for f in features} == {"Polygon", "MultiPolygon"}
    coords = json.dumps([f["geometry"]["coordinates"] for f in features])
    assert not re.search(r"\.\d{7,}", coords)  # 6 decimals at most
    colors = {f["properties"]["tip"][0].split(" ")[0]: f["properties"]["color"] for f in features}
    assert colors["新洲社区"] == "#d9d9d9"  # no residents: grey
    assert colors["福田社区"] == colors["侨香社区"]  # both complete
    assert colors["沙头社区"] != colors["岗厦社区"]  # 3 of 8 vs 7 of 8 basic categories reached
    assert len(data["sites"]) == 3


def test_no_boundaries_at_all(render, geometries):
    html = render(geometries=dict.fromkeys(geometries))
    assert 'id="map"' not in html
    assert "没有社区边界，无法绘制地图。" in html
    assert "无边界" in html
    assert len(card_codes(html)) == len(geometries)
    assert page_data(html)["map"]["communities"]["features"] == []


def test_no_pilot_matched(render, assessment):
    assessment["city"]["pilots"].update(matched=0, rows=[], types_met=None, type_shares={})
    html = render(doc=assessment)
    assert '<div class="chart-empty" id="chart-pilots">本市没有匹配到试点社区。</div>' in html
    assert page_data(html)["charts"]["chart-pilots"] is None
    html_en = render(doc=assessment, lang="en")
    assert "No pilot matched in this city." in html_en


def test_no_external_resources(render):
    html = render()
    page = visible(html)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.IGNORECASE)
    assert "<link" not in page
    assert not re.search(r"<script[^>]*\bsrc=", html)
    assert "url(http" not in html
    assert "@import" not in html
    # the OpenStreetMap credit is text, not a link
    assert "© OpenStreetMap contributors" in page
    assert "https://www.openstreetmap.org/copyright" in page
    # and the libraries are inlined
    assert "L.geoJSON" in html
    assert "echarts.init" in html


def test_style_sheet_is_not_escaped(render):
    html = render()
    own = re.findall(r"<style>(.*?)</style>", html, re.DOTALL)[-1]
    assert '--font: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans CJK SC"' in own
    assert "&#34;" not in own


def test_deterministic(render):
    assert render() == render()


def test_unknown_language(render):
    with pytest.raises(ValidationError, match=r"'fr'.*zh, en"):
        render(lang="fr")
    with pytest.raises(ValidationError):
        strings("zh-TW")


def test_strings_are_complete():
    assert STRINGS["zh"].keys() == STRINGS["en"].keys()
    for key in ("circle_street", "grade_below_basic"):
        assert STRINGS["en"][key] in {"street-block", "below basic"}


def test_boundary_must_be_a_polygon(render, geometries):
    geometries["440304001001"] = LineString([(114.04, 22.535), (114.05, 22.54)])
    with pytest.raises(DataError, match=r"440304001001.*LineString"):
        render(geometries=geometries)


def test_malformed_histogram(render, assessment):
    assessment["city"]["walk_histogram"]["population"].append(1.0)
    with pytest.raises(DataError, match="walk_histogram"):
        render(doc=assessment)


def test_missing_assets(tmp_path, monkeypatch, assessment, geometries):
    with pytest.raises(DataError, match="npm ci") as info:
        load_assets(tmp_path)
    assert str(tmp_path) in str(info.value)
    monkeypatch.setenv(ASSETS_ENV, str(tmp_path / "empty"))
    with pytest.raises(DataError, match=re.escape(str(tmp_path / "empty"))):
        render_report(assessment, geometries=geometries)


def test_assets_are_found(monkeypatch, assets):
    monkeypatch.delenv(ASSETS_ENV, raising=False)
    monkeypatch.chdir(ROOT / "src" / "lifecircle")  # found in a parent of the working directory
    found = load_assets()
    assert found.source == ROOT / "node_modules"
    assert found.echarts_js == assets.echarts_js
    monkeypatch.setenv(ASSETS_ENV, str(ROOT / "node_modules"))
    assert load_assets().leaflet_css.startswith("/* required styles */")
    assert "Assets(source=" in repr(found)
    assert isinstance(found, Assets)


def test_the_usage_beside_the_targets(render, assessment):
    doc = {**assessment, "city": {**assessment["city"]}}
    assert "15分钟使用率" not in visible(render(doc))  # never computed: no line
    doc["city"]["usage"] = {
        "month": "2026-11",
        "limit_minutes": 15,
        "min_events": 5,
        "events": 40,
        "within_share": 0.75,
        "cells": [],
    }
    html = visible(render(doc))
    assert "15分钟使用率（2026-11）" in html
    assert "75" in html.split("15分钟使用率")[1].split("</p>")[0]
    doc["city"]["usage"] |= {"events": None, "within_share": None}
    english = visible(render(doc, lang="en"))
    assert "(fewer than 5 redemptions)" in english


def test_target_notes_in_the_reports_language(render, assessment):
    targets = assessment["city"]["targets"]
    targets[0]["note"], targets[0]["note_zh"] = "not recorded yet", "尚未记录"
    targets[1]["note"] = "a run stored before notes had Chinese"
    targets[1].pop("note_zh", None)

    def table(html: str) -> str:
        return text_of(visible(html).split('<table class="targets">')[1].split("</table>")[0])

    zh, en = table(render()), table(render(lang="en"))
    assert "尚未记录" in zh
    assert "not recorded yet" not in zh
    assert "a run stored before notes had Chinese" in zh  # the English note, not nothing
    assert "not recorded yet" in en
    assert "尚未记录" not in en


def test_joint_plan_section_compares_with_the_per_category_plans(render, plan):
    joint = {
        **plan,
        "units": [
            {
                "rank": 1, "id": "n-101", "lon": 114.0, "lat": 22.5,
                "hosts": ["laundry", "repair", "housekeeping"], "combination": "社区便民服务点",
                "cost": 1.0, "closes": {"laundry": ["440304001001"], "repair": [],
                                        "housekeeping": ["440304001002"]},
            }
        ],
        "joint": {
            "combinations": "default (packaged)", "units": 1, "per_category_sites": 3,
            "saved_units": 2, "solver": "highs", "bound": 1.0, "gap": 0.0, "optimal": True,
        },
    }  # fmt: skip
    html = render(plan=joint)
    section = html[html.index('id="plan"') : html.index('id="communities"')]
    for text in (
        "联合规划（一点多用）",
        "分业态规划网点数（合计）",
        "社区便民服务点",
        "440304001002",
    ):
        assert text in section
    english = render(plan=joint, lang="en")
    assert "Sites of the per-category plans (sum)" in english
    assert "联合规划" not in render()  # a per-category plan has no joint block
