"""The report's interface strings in Chinese and English."""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from lifecircle.core.assess.circles import CIRCLE_TYPES, GRADES
from lifecircle.core.assess.targets import STATUSES
from lifecircle.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Mapping

LANGS = ("zh", "en")
"""Accepted report languages."""

HTML_LANG = MappingProxyType({"zh": "zh-CN", "en": "en"})
"""The ``<html lang>`` value of each report language."""

_ZH: dict[str, str] = {
    "title": "{city} 一刻钟便民生活圈评估报告",
    "run": "评估编号",
    "run_unsaved": "未保存",
    "date": "评估时间",
    "version": "lifecircle 版本",
    "elapsed": "计算用时",
    "seconds": "{s} 秒",
    "toc": "目录",
    "sec_summary": "城市概况",
    "sec_parameters": "参数与数据",
    "sec_targets": "规划目标完成情况",
    "sec_pilots": "试点社区",
    "sec_elderly": "老年人步行（慢速）",
    "sec_map": "社区覆盖地图",
    "sec_charts": "图表",
    "sec_plan": "补点规划",
    "sec_communities": "社区一览（一圈一策）",
    "population": "常住人口",
    "communities": "评估社区",
    "with_residents": "其中有居民 {n} 个",
    "basic_complete": "基本保障类全覆盖社区",
    "basic_complete_of": "{n} / {of}",
    "basic_complete_col": "基本保障类全覆盖",
    "f15": "15 分钟内可达全部基本保障类的居民比例",
    "f15_short": "F15",
    "gini": "步行时间基尼系数",
    "gini_short": "基尼系数",
    "places": "商业网点",
    "chain_share": "连锁品牌占比",
    "open_24h": "24 小时营业网点",
    "grades": "社区等级",
    "circle_types": "生活圈类型",
    "count": "数量",
    "profile": "步行人群",
    "profile_standard": "标准",
    "profile_elderly": "老年人",
    "speed": "步行速度",
    "elderly_speed": "老年人步行速度",
    "kmh": "{v} 公里/小时",
    "limits": "步行时间上限",
    "minutes_value": "{v} 分钟",
    "thresholds": "覆盖阈值",
    "thresholds_value": "基本 {b}，薄弱 {w}，品质 {q}",
    "max_snap": "最大接入距离",
    "metres_value": "{v} 米",
    "taxonomy": "业态分类",
    "targets_file": "目标文件",
    "data": "数据",
    "network": "步行路网",
    "network_value": "{nodes} 个节点",
    "population_points": "人口点",
    "unit_level": "评估单元",
    "unsnapped": "未接入路网",
    "unsnapped_value": "人口点 {p}，网点 {q}",
    "imports": "导入记录",
    "by_category": "分业态覆盖率（全市，按人口加权）",
    "category": "业态",
    "group": "类别",
    "group_basic": "基本保障类",
    "group_quality": "品质提升类",
    "group_facility": "配套设施",
    "coverage": "覆盖率",
    "elderly_coverage": "老年人覆盖率",
    "minutes_mean": "平均步行（分钟）",
    "minutes_p90": "P90 步行（分钟）",
    "target": "目标",
    "target_value": "目标值",
    "actual": "现状",
    "due": "期限",
    "met": "达成",
    "note": "说明",
    "source": "依据",
    "no_targets": "未提供规划目标。",
    "usage_line": (
        "15分钟使用率（{month}）：有住址居民的优惠券核销中，"
        "{share} 在住址{m}分钟步行范围内（核销 {events} 次）。"
    ),
    "usage_few": "少于{n}",
    "pilots_listed": "名单试点",
    "pilots_matched": "已匹配社区",
    "type_share": "类型占比",
    "types_met": "三类试点均达到要求",
    "pilot_types_of": "占名单 {n} 个试点；每类至少 {k} 个，即 {v}",
    "pilot_count": "试点数",
    "pilot_unknown": "未知（未匹配 {a} 个，类型待定 {b} 个）",
    "target_met": STATUSES[True][0],
    "target_not_met": STATUSES[False][0],
    "target_na": STATUSES[None][0],
    "threshold_note": "全覆盖：每类基本保障业态在 {m} 分钟内覆盖 ≥ {v} 的居民",
    "known_share": "步行时间已知的居民",
    "gini_known": "按步行时间已知的 {v} 居民计算",
    "gini_unknown": "未知：仅 {v} 居民的步行时间已知（需 ≥ {least}）",
    "known_short": "时间已知 {v}",
    "unknown": "未知",
    "seq": "序号",
    "district": "区",
    "street": "街道",
    "name": "名称",
    "code": "代码",
    "circle_type": "类型",
    "grade": "等级",
    "coverage_basic_min": "基本保障类最低覆盖率",
    "no_pilots": "本市没有匹配到试点社区。",
    "elderly_note": "按 {v} 公里/小时步行计算。",
    "map_legend": "已达标的基本保障类业态占比",
    "legend_complete": "全覆盖",
    "legend_none": "无居民",
    "map_none": "没有社区边界，无法绘制地图。",
    "plan_sites_legend": "规划新增网点",
    "chart_coverage": "分业态覆盖率",
    "chart_walk": "到达全部基本保障类所需步行时间",
    "chart_pilots": "试点社区进展",
    "target_line": "目标 {v}",
    "residents": "居民",
    "minutes_axis": "分钟",
    "beyond": "超出范围",
    "card_street": "街道 / 区",
    "status_complete": "基本保障类全覆盖",
    "status_gap": "有缺口",
    "status_empty": "无居民",
    "pilot_badge": "试点",
    "rule": "判定依据",
    "no_boundary": "无边界",
    "no_residents": "本社区无常住人口，覆盖率无法计算。",
    "missing": "缺失业态",
    "weak": "薄弱业态",
    "gaps_title": "缺什么补什么",
    "none": "无",
    "quality_present": "品质提升类业态数",
    "places_per_10k": "每万人网点数",
    "elderly_summary": "老年人步行",
    "plan_sheet": "一圈一策",
    "no_plan": "未计算补点规划。",
    "plan_gaps": "需补业态",
    "plan_before_after": "覆盖率：规划前 → 规划后",
    "plan_sites": "建议新增网点",
    "plan_site_id": "编号",
    "lonlat": "经度, 纬度",
    "newly_covered": "新增覆盖居民",
    "plan_no_sites": "无新增网点。",
    "plan_mode": "规划方式",
    "plan_covered": "覆盖居民（业态×人口）",
    "plan_optimal": "最优解",
    "plan_gap": "最优性差距",
    "plan_sites_count": "网点数",
    "plan_before": "规划前覆盖",
    "plan_note": "说明",
    "yes": "是",
    "no": "否",
    "no_data": "无数据",
    "credit": "地图数据 © OpenStreetMap contributors，ODbL 许可",
    "credit_url": "https://www.openstreetmap.org/copyright",
    "footer": "由 lifecircle {v} 生成。",
    "unit_communities": "个社区",
    "unit_share": "",
    "unit_people": "人",
    "unit_places": "个",
}

_EN: dict[str, str] = {
    "title": "15-minute living circle assessment: {city}",
    "run": "Run",
    "run_unsaved": "not stored",
    "date": "Assessed",
    "version": "lifecircle version",
    "elapsed": "Computed in",
    "seconds": "{s} s",
    "toc": "Contents",
    "sec_summary": "City summary",
    "sec_parameters": "Parameters",
    "sec_targets": "Plan targets",
    "sec_pilots": "Pilot communities",
    "sec_elderly": "Elderly walkers (slower pace)",
    "sec_map": "Coverage map",
    "sec_charts": "Charts",
    "sec_plan": "Gap-filling plan",
    "sec_communities": "Communities",
    "population": "Residents",
    "communities": "Communities assessed",
    "with_residents": "{n} with residents",
    "basic_complete": "Communities with full basic coverage",
    "basic_complete_of": "{n} of {of}",
    "basic_complete_col": "Full basic coverage",
    "f15": "share of residents reaching every basic category within 15 min",
    "f15_short": "F15",
    "gini": "Gini coefficient of walking time",
    "gini_short": "Gini (walking time)",
    "places": "Shops and services",
    "chain_share": "Chain share",
    "open_24h": "Open 24 hours",
    "grades": "Grades",
    "circle_types": "Circle types",
    "count": "Count",
    "profile": "Walker profile",
    "profile_standard": "standard",
    "profile_elderly": "elderly",
    "speed": "Walking speed",
    "elderly_speed": "Elderly walking speed",
    "kmh": "{v} km/h",
    "limits": "Time limits",
    "minutes_value": "{v} min",
    "thresholds": "Coverage thresholds",
    "thresholds_value": "basic {b}, weak {w}, quality {q}",
    "max_snap": "Snap limit",
    "metres_value": "{v} m",
    "taxonomy": "Taxonomy",
    "targets_file": "Targets file",
    "data": "Data",
    "network": "Walking network",
    "network_value": "{nodes} nodes",
    "population_points": "Population points",
    "unit_level": "Assessment unit",
    "unsnapped": "Not snapped to a street",
    "unsnapped_value": "{p} population points, {q} places",
    "imports": "Imports",
    "by_category": "Coverage by category (city, population-weighted)",
    "category": "Category",
    "group": "Group",
    "group_basic": "Basic",
    "group_quality": "Quality",
    "group_facility": "Facility",
    "coverage": "Coverage",
    "elderly_coverage": "Elderly coverage",
    "minutes_mean": "Mean walk (min)",
    "minutes_p90": "P90 walk (min)",
    "target": "Target",
    "target_value": "Target value",
    "actual": "Actual",
    "due": "Due",
    "met": "Met",
    "note": "Note",
    "source": "Source",
    "no_targets": "No plan targets given.",
    "usage_line": (
        "15-minute usage ({month}): {share} of coupon redemptions by residents with a home "
        "were within a {m}-minute walk of it ({events} redemptions)."
    ),
    "usage_few": "fewer than {n}",
    "pilots_listed": "Pilots listed",
    "pilots_matched": "Matched to a community",
    "type_share": "Share",
    "types_met": "Every type reaches its share",
    "pilot_types_of": "of the {n} listed pilots; each type needs at least {k}, i.e. {v}",
    "pilot_count": "Pilots",
    "pilot_unknown": "unknown ({a} not matched, {b} type undetermined)",
    "target_met": STATUSES[True][1],
    "target_not_met": STATUSES[False][1],
    "target_na": STATUSES[None][1],
    "threshold_note": "full coverage: every basic category reaches ≥ {v} of residents in {m} min",
    "known_share": "Residents with a known walking time",
    "gini_known": "over the {v} of residents with a known walking time",
    "gini_unknown": "unknown: walking time known for only {v} of residents (needs ≥ {least})",
    "known_short": "time known for {v}",
    "unknown": "unknown",
    "seq": "No.",
    "district": "District",
    "street": "Street",
    "name": "Name",
    "code": "Code",
    "circle_type": "Type",
    "grade": "Grade",
    "coverage_basic_min": "Lowest basic coverage",
    "no_pilots": "No pilot matched in this city.",
    "elderly_note": "Walking at {v} km/h.",
    "map_legend": "Share of basic categories reached",
    "legend_complete": "complete",
    "legend_none": "no residents",
    "map_none": "No community boundaries: nothing to map.",
    "plan_sites_legend": "planned new sites",
    "chart_coverage": "Coverage by category",
    "chart_walk": "Walking time to reach every basic category",
    "chart_pilots": "Pilot progress",
    "target_line": "target {v}",
    "residents": "residents",
    "minutes_axis": "minutes",
    "beyond": "beyond limit",
    "card_street": "Street / district",
    "status_complete": "full basic coverage",
    "status_gap": "gaps",
    "status_empty": "no residents",
    "pilot_badge": "pilot",
    "rule": "Rule",
    "no_boundary": "no boundary",
    "no_residents": "No residents: coverage cannot be computed.",
    "missing": "Missing",
    "weak": "Weak",
    "gaps_title": "What is missing",
    "none": "none",
    "quality_present": "Quality categories present",
    "places_per_10k": "Places per 10,000 residents",
    "elderly_summary": "Elderly walkers",
    "plan_sheet": "One circle, one plan",
    "no_plan": "No plan computed.",
    "plan_gaps": "Categories to add",
    "plan_before_after": "Coverage: before → after",
    "plan_sites": "Recommended new sites",
    "plan_site_id": "Site",
    "lonlat": "Lon, lat",
    "newly_covered": "Newly covered residents",
    "plan_no_sites": "No new site.",
    "plan_mode": "Mode",
    "plan_covered": "Covered (residents × categories)",
    "plan_optimal": "Optimal",
    "plan_gap": "Optimality gap",
    "plan_sites_count": "Sites",
    "plan_before": "Covered before",
    "plan_note": "Note",
    "yes": "yes",
    "no": "no",
    "no_data": "no data",
    "credit": "Map data © OpenStreetMap contributors, ODbL",
    "credit_url": "https://www.openstreetmap.org/copyright",
    "footer": "Made by lifecircle {v}.",
    "unit_communities": "communities",
    "unit_share": "",
    "unit_people": "residents",
    "unit_places": "places",
}

_EN_CIRCLE_TYPES = {
    "clustered": "clustered",
    "street": "street-block",
    "distributed": "distributed",
    "undetermined": "undetermined",
}
_EN_GRADES = {
    "below_basic": "below basic",
    "basic": "basic",
    "enhanced": "enhanced",
    "premium": "premium",
}


def _with_labels(
    base: dict[str, str], circles: Mapping[str, str], grades: Mapping[str, str]
) -> Mapping[str, str]:
    out = dict(base)
    out.update({f"circle_{k}": v for k, v in circles.items()})
    out.update({f"grade_{k}": v for k, v in grades.items()})
    return MappingProxyType(out)


STRINGS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "zh": _with_labels(_ZH, CIRCLE_TYPES, GRADES),
        "en": _with_labels(_EN, _EN_CIRCLE_TYPES, _EN_GRADES),
    }
)
"""Per language: the interface strings, with ``circle_<type>`` and ``grade_<grade>`` labels."""


def strings(lang: str) -> Mapping[str, str]:
    """The interface strings of one language.

    Parameters
    ----------
    lang
        ``"zh"`` (Simplified Chinese) or ``"en"``.

    Returns
    -------
    Mapping
        Key → text; texts with ``{name}`` fields are filled with :meth:`str.format`.

    Raises
    ------
    ValidationError
        For any other language, naming the accepted ones.

    """
    try:
        return STRINGS[lang]
    except KeyError:
        raise ValidationError(
            f"report language {lang!r} is not supported: use one of {', '.join(LANGS)}"
        ) from None
