"""The assessment workbook for officials: one XLSX sheet per level, in Chinese or English."""

from __future__ import annotations

import itertools
import json
import math
import re
import unicodedata
from typing import TYPE_CHECKING, Any

from lifecircle.core.assess.targets import STATUSES
from lifecircle.errors import OptionalDependencyError, ValidationError
from lifecircle.io.export.features import staged_path
from lifecircle.io.export.hourly_xlsx import HOURLY_SHEETS, write_hourly_sheets
from lifecircle.io.export.labels import (
    category_names,
    circle_type_label,
    grade_label,
    group_label,
    joined_names,
    tr,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence
    from pathlib import Path

LANGS = ("zh", "en")
"""Languages of headers and labels."""

PERCENT = "0.0%"
"""Number format of shares (0..1), which are stored as numbers."""

_PEOPLE = "#,##0"
_COUNT = "0"
_ONE = "0.0"
_INDEX = "0.000"
_DEGREES = "0.0000000"

Column = tuple[str, str, str, str | None]
"""A table column: document key, Chinese header, English header, number format."""

_UNITS = {
    "communities": ("个社区", "communities"),
    "pilots": ("个试点", "pilots"),
    "share": ("比例", "share"),
}
_SHARE_UNITS = frozenset({"share", "ratio", "fraction"})
_SHEETS = {
    "city": ("城市", "City"),
    "pilots": ("试点", "Pilots"),
    "communities": ("社区", "Communities"),
    "coverage": ("覆盖", "Coverage"),
    "plan": ("一圈一策", "Plan"),
    "parameters": ("参数", "Parameters"),
    **HOURLY_SHEETS,
}
_MIN_WIDTH, _MAX_WIDTH = 6, 60
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # XML 1.0 cannot hold these

COMMUNITY_COLUMNS: tuple[Column, ...] = (
    ("code", "社区编码", "Code", None),
    ("name", "社区名称", "Community", None),
    ("street", "街道", "Street", None),
    ("district", "区", "District", None),
    ("population", "常住人口", "Residents", _PEOPLE),
    ("is_pilot", "试点", "Pilot", None),
    ("basic_complete", "基本保障类全覆盖", "Basic complete", None),
    ("grade", "等级", "Grade", None),
    ("circle_type", "生活圈类型", "Circle type", None),
    ("missing", "缺失业态", "Missing", None),
    ("weak", "覆盖不足业态", "Weak", None),
    ("quality_present", "品质提升类业态数", "Quality categories present", _COUNT),
    ("places", "商业网点", "Places", _COUNT),
    ("places_per_10k", "每万人网点", "Places per 10k residents", _ONE),
    ("chain_share", "连锁化率", "Chain share", PERCENT),
    ("open_24h", "24 小时营业网点", "Places open 24 h", _COUNT),
    ("f15", "F15", "F15", PERCENT),
    ("gini", "步行时间基尼系数", "Gini of walking time", _INDEX),
    ("known_share", "步行时间已知的居民比例", "Residents with a known walking time", PERCENT),
)
"""Columns of the Communities sheet before the coverage column of each category."""

UNKNOWN = ("未知", "unknown")
"""What a cell says for a figure that is not known (a Gini coefficient of too few known
walking times), where an empty cell could be misread."""

_TARGETS: tuple[Column, ...] = (
    ("label", "目标", "Target", None),
    ("target", "目标值", "Target value", None),
    ("actual", "现状", "Actual", None),
    ("unit", "单位", "Unit", None),
    ("due", "期限", "Due", None),
    ("met", "是否达标", "Met", None),
    ("threshold", "全覆盖阈值（每类基本保障业态）", "Full-coverage threshold", PERCENT),
    ("note", "说明", "Note", None),
    ("source", "依据", "Source", None),
)
_CITY_COVERAGE: tuple[Column, ...] = (
    ("category", "业态", "Category", None),
    ("group", "类别", "Group", None),
    ("coverage", "人口覆盖率", "Residents covered", PERCENT),
    ("minutes_mean", "平均步行分钟", "Mean walk (min)", _ONE),
    ("elderly", "老年人覆盖率", "Elderly covered", PERCENT),
)
_PILOTS: tuple[Column, ...] = (
    ("seq", "序号", "No.", _COUNT),
    ("district", "区", "District", None),
    ("name", "试点名称", "Pilot", None),
    ("street", "街道", "Street", None),
    ("community_code", "社区编码", "Community code", None),
    ("circle_type", "生活圈类型", "Circle type", None),
    ("grade", "等级", "Grade", None),
    ("basic_complete", "基本保障类全覆盖", "Basic complete", None),
    ("coverage_basic_min", "基本保障类最低覆盖率", "Lowest basic coverage", PERCENT),
)
_PILOT_TYPES: tuple[Column, ...] = (
    ("type", "生活圈类型", "Circle type", None),
    ("count", "试点数", "Pilots", _COUNT),
    ("share", "占名单试点比例", "Share of the listed pilots", PERCENT),
    ("minimum", "最低比例", "Minimum share", PERCENT),
    ("met", "是否达标", "Status", None),
)
_COVERAGE: tuple[Column, ...] = (
    ("code", "社区编码", "Code", None),
    ("name", "社区名称", "Community", None),
    ("category", "业态", "Category", None),
    ("group", "类别", "Group", None),
    ("coverage", "人口覆盖率", "Residents covered", PERCENT),
    ("minutes_mean", "平均步行分钟", "Mean walk (min)", _ONE),
    ("minutes_p90", "90% 居民步行分钟", "90th percentile walk (min)", _ONE),
    ("elderly", "老年人覆盖率", "Elderly covered", PERCENT),
)
_PLAN: tuple[Column, ...] = (
    ("code", "社区编码", "Code", None),
    ("name", "社区名称", "Community", None),
    ("population", "常住人口", "Residents", _PEOPLE),
    ("gaps", "缺口业态", "Gaps", None),
    ("site", "建议点位", "Site", None),
    ("category", "业态", "Category", None),
    ("lon", "经度", "Longitude", _DEGREES),
    ("lat", "纬度", "Latitude", _DEGREES),
    ("newly_covered_population", "该点新覆盖居民", "Residents newly covered by the site", _PEOPLE),
    ("before", "该业态覆盖率（规划前）", "Category coverage before", PERCENT),
    ("after", "该业态覆盖率（规划后）", "Category coverage after", PERCENT),
    ("hosts", "该点承载业态（一点多用）", "Categories the unit hosts (joint plan)", None),
)

_FIGURES: tuple[Column, ...] = (
    ("run.city", "城市", "City", None),
    ("run.id", "评估编号", "Run id", None),
    ("run.created_at", "评估时间", "Assessed at", None),
    ("city.population", "常住人口", "Residents", _PEOPLE),
    ("city.communities", "评估社区数", "Communities assessed", _COUNT),
    ("city.communities_with_residents", "有居民的社区", "Communities with residents", _COUNT),
    (
        "city.basic_complete",
        "基本保障类全覆盖的社区",
        "Communities with full basic coverage",
        _COUNT,
    ),
    (
        "city.f15",
        "{limit:g} 分钟内满足全部基本保障类需求的居民比例 (F15)",
        "Residents reaching every basic need within {limit:g} min (F15)",
        PERCENT,
    ),
    ("city.gini", "步行时间基尼系数（时间已知的居民）", "Gini of walking time (known)", _INDEX),
    ("city.known_share", "步行时间已知的居民比例", "Residents with a known time", PERCENT),
    ("city.places", "商业网点", "Places", _COUNT),
    ("city.chain_share", "连锁化率", "Chain share", PERCENT),
    ("city.open_24h", "24 小时营业网点", "Places open 24 h", _COUNT),
    ("city.elderly.speed_kmh", "老年人步速 (km/h)", "Elderly walking speed (km/h)", _ONE),
    (
        "city.elderly.basic_complete",
        "老年人：基本保障类全覆盖的社区",
        "Elderly: communities with full basic coverage",
        _COUNT,
    ),
    ("city.elderly.f15", "老年人：F15", "Elderly: F15", PERCENT),
)
"""Key figures of the City sheet: a dotted path into the document, headers, format."""

_SAY_UNKNOWN = frozenset({"city.f15", "city.gini", "city.known_share", "city.elderly.f15"})
"""Key figures that say :data:`UNKNOWN` when null, not an empty cell."""


def check_lang(lang: str) -> None:
    """Raise :class:`~lifecircle.errors.ValidationError` unless ``lang`` is in :data:`LANGS`."""
    if lang not in LANGS:
        raise ValidationError(f"unknown language {lang!r}: use {' or '.join(LANGS)}")


def flatten(value: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    """Nested mappings and lists as ``("a.b[0].c", value)`` pairs; lists of scalars stay."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        for i, item in enumerate(value):
            yield from flatten(item, f"{prefix}[{i}]")
    else:
        yield prefix, value


def _clean(value: Any) -> Any:
    """A cell value: None and "" stay empty, non-finite floats too, lists are joined."""
    if isinstance(value, str):
        value = _CONTROL.sub("", value)
    if value is None or value == "":
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or None
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def _width(value: Any, number_format: str | None) -> int:
    """Characters a value needs on screen (CJK counts double)."""
    if isinstance(value, bool):
        return 5
    if isinstance(value, int | float):
        text = f"{value:.1%}" if number_format == PERCENT else f"{value:,.3f}".rstrip("0")
    else:
        text = str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class _Sheet:
    """A worksheet written top to bottom, which remembers how wide each column must be."""

    def __init__(self, workbook: Any, key: str, lang: str, bold: Any) -> None:
        self.ws = workbook.create_sheet(tr(_SHEETS[key], lang))
        self.lang = lang
        self.bold = bold
        self.row = 1
        self.widths: dict[int, int] = {}

    def header(self, titles: Iterable[str]) -> None:
        for column, title in enumerate(titles, start=1):
            self.ws.cell(row=self.row, column=column, value=title).font = self.bold
            self._fit(column, title, None)
        self.row += 1

    def add(self, values: Iterable[Any], formats: Iterable[str | None]) -> None:
        for column, (raw, number_format) in enumerate(zip(values, formats, strict=True), 1):
            value = _clean(raw)
            if value is None:
                continue
            cell = self.ws.cell(row=self.row, column=column, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # a name from the data is text, never a formula
            elif number_format is not None and not isinstance(value, bool):
                cell.number_format = number_format
            self._fit(column, value, number_format)
        self.row += 1

    def table(self, columns: Sequence[Column], rows: Iterable[Mapping[str, Any]]) -> None:
        """A header row, then one row per mapping, its values picked by the columns' keys."""
        self.header(c[1] if self.lang == "zh" else c[2] for c in columns)
        formats = [c[3] for c in columns]
        for row in rows:
            self.add([row.get(c[0]) for c in columns], formats)

    def skip(self) -> None:
        self.row += 1

    def finish(self, *, freeze: str = "A2", columns: int = 0, last_row: int | None = None) -> None:
        """Set column widths and the frozen panes; filter buttons on ``columns`` columns."""
        from openpyxl.utils import get_column_letter  # noqa: PLC0415  (optional extra)

        for column, width in self.widths.items():
            letter = get_column_letter(column)
            self.ws.column_dimensions[letter].width = min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH)
        self.ws.freeze_panes = freeze
        last_row = self.row - 1 if last_row is None else last_row
        if columns and last_row >= 2:
            self.ws.auto_filter.ref = f"A1:{get_column_letter(columns)}{last_row}"

    def _fit(self, column: int, value: Any, number_format: str | None) -> None:
        self.widths[column] = max(self.widths.get(column, 0), _width(value, number_format))


def write_assessment_xlsx(
    assessment: Mapping[str, Any],
    path: Path,
    *,
    plan: Mapping[str, Any] | None = None,
    lang: str = "zh",
) -> tuple[str, ...]:
    """Write the assessment workbook, atomically.

    Sheets: 城市/City (key figures, targets, coverage by category, walking times),
    试点/Pilots, 社区/Communities (one row per community, a coverage column per
    category), 覆盖/Coverage (community × category), 一圈一策/Plan (with a plan: one
    row per community and recommended site), with ``--by-hour`` 分时覆盖/By hour and
    需要时可达/Served when needed (:mod:`~lifecircle.io.export.hourly_xlsx`) and 参数/Parameters.
    Shares are numbers shown as percentages; unknown values are empty cells.

    Parameters
    ----------
    assessment
        An assessment document (docs/assessment.md).
    path
        The ``.xlsx`` file; it appears only when complete.
    plan
        A plan document of the same city, or None.
    lang
        ``"zh"`` or ``"en"``: headers, sheet names and labels.

    Returns
    -------
    tuple of str
        The sheet names, in order.

    Raises
    ------
    OptionalDependencyError
        Without openpyxl (the ``xlsx`` extra).
    ValidationError
        For an unknown ``lang``, or a plan community that lists an unknown site.

    """
    check_lang(lang)
    try:
        from openpyxl import Workbook  # noqa: PLC0415  (optional extra, only for workbooks)
        from openpyxl.styles import Font  # noqa: PLC0415
    except ImportError as exc:
        raise OptionalDependencyError("openpyxl", "xlsx") from exc
    workbook = Workbook()
    workbook.remove(workbook.active)
    run = assessment["run"]
    workbook.properties.creator = "lifecircle"
    workbook.properties.title = f"lifecircle {run.get('city')} #{run.get('id')}"
    bold = Font(bold=True)
    _city_sheet(_Sheet(workbook, "city", lang, bold), assessment)
    _pilots_sheet(_Sheet(workbook, "pilots", lang, bold), assessment)
    _communities_sheet(_Sheet(workbook, "communities", lang, bold), assessment)
    _coverage_sheet(_Sheet(workbook, "coverage", lang, bold), assessment)
    if plan is not None:
        _plan_sheet(_Sheet(workbook, "plan", lang, bold), plan, assessment["categories"])
    names = category_names(assessment["categories"], lang)
    write_hourly_sheets(lambda key: _Sheet(workbook, key, lang, bold), assessment, names)
    _parameters_sheet(_Sheet(workbook, "parameters", lang, bold), assessment, plan)
    with staged_path(path) as tmp:
        workbook.save(tmp)
    return tuple(workbook.sheetnames)


def _city_figures(
    assessment: Mapping[str, Any], lang: str
) -> list[tuple[str, str, Any, str | None]]:
    """The City sheet's key figures: Chinese label, English label, value, number format."""
    run, city = assessment["run"], assessment.get("city") or {}
    limit = ((run.get("parameters") or {}).get("limit_minutes") or {}).get("basic", 15.0)
    figures = []
    for path, zh, en, number_format in _FIGURES:
        value: Any = assessment
        for key in path.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        if value is None and path in _SAY_UNKNOWN:
            value = tr(UNKNOWN, lang)
        figures.append((zh.format(limit=limit), en.format(limit=limit), value, number_format))
    for code, count in (city.get("grades") or {}).items():
        zh, en = f"社区等级：{grade_label(code, 'zh')}", f"Grade: {grade_label(code, 'en')}"
        figures.append((zh, en, count, _COUNT))
    for code, count in (city.get("circle_types") or {}).items():
        zh_type, en_type = circle_type_label(code, "zh"), circle_type_label(code, "en")
        figures.append((f"生活圈类型：{zh_type}", f"Circle type: {en_type}", count, _COUNT))
    return figures


def _city_sheet(sheet: _Sheet, assessment: Mapping[str, Any]) -> None:
    lang, city = sheet.lang, assessment.get("city") or {}
    sheet.header([tr(("指标", "Figure"), lang), tr(("数值", "Value"), lang)])
    for zh, en, value, number_format in _city_figures(assessment, lang):
        sheet.add([zh if lang == "zh" else en, value], [None, number_format])

    if targets := city.get("targets") or []:
        sheet.skip()
        sheet.header(c[1] if lang == "zh" else c[2] for c in _TARGETS)
        for t in targets:
            unit = t.get("unit")
            share = PERCENT if unit in _SHARE_UNITS else None
            row = {
                **t,
                "label": t.get(f"label_{lang}") or t.get("code"),
                "note": (t.get("note_zh") if lang == "zh" else None) or t.get("note"),
                "unit": tr(_UNITS[unit], lang) if unit in _UNITS else unit,
                # true and false stay booleans; a target not evaluable says so
                "met": tr(STATUSES[None], lang)
                if t.get("met") is None and t.get("target") is not None
                else t.get("met"),
            }
            formats = [share if c[0] in {"target", "actual"} else c[3] for c in _TARGETS]
            sheet.add([row.get(c[0]) for c in _TARGETS], formats)

    elderly = (city.get("elderly") or {}).get("coverage") or {}
    coverage, minutes = city.get("coverage") or {}, city.get("minutes_mean") or {}
    names = category_names(assessment["categories"], lang)
    sheet.skip()
    sheet.table(
        _CITY_COVERAGE,
        (
            {
                "category": names[c["code"]],
                "group": group_label(c.get("group"), lang),
                "coverage": coverage.get(c["code"]),
                "minutes_mean": minutes.get(c["code"]),
                "elderly": elderly.get(c["code"]),
            }
            for c in assessment["categories"]
        ),
    )

    histogram = city.get("walk_histogram") or {}
    edges, people = histogram.get("edges_minutes") or [], histogram.get("population") or []
    if people:
        sheet.skip()
        sheet.header(
            [
                tr(("满足全部基本需求的步行分钟", "Minutes to every basic need"), lang),
                tr(("居民", "Residents"), lang),
            ]
        )
        for (low, high), count in zip(itertools.pairwise(edges), people, strict=False):
            sheet.add([f"{low:g}–{high:g}", count], [None, _PEOPLE])
        beyond = (f"超过 {edges[-1]:g}", f"over {edges[-1]:g}")
        sheet.add([tr(beyond, lang), histogram.get("beyond")], [None, _PEOPLE])
    sheet.finish()


def _pilots_sheet(sheet: _Sheet, assessment: Mapping[str, Any]) -> None:
    lang = sheet.lang
    pilots = (assessment.get("city") or {}).get("pilots") or {}
    sheet.table(
        _PILOTS,
        (
            {
                **r,
                "circle_type": circle_type_label(r.get("circle_type"), lang),
                "grade": grade_label(r.get("grade"), lang),
            }
            for r in pilots.get("rows") or []
        ),
    )
    last_pilot_row = sheet.row - 1
    minimum = pilots.get("min_type_share")
    counts, met = pilots.get("type_counts") or {}, pilots.get("type_met") or {}
    if shares := pilots.get("type_shares") or {}:
        sheet.skip()
        unknown = ("未知（未匹配或类型待定）", "Unknown (not matched or undetermined)")
        sheet.table(
            _PILOT_TYPES,
            [
                *(
                    {
                        "type": circle_type_label(t, lang),
                        "count": counts.get(t),
                        "share": share,
                        "minimum": minimum,
                        "met": tr(STATUSES[met.get(t)], lang),
                    }
                    for t, share in shares.items()
                ),
                {"type": tr(unknown, lang), "count": pilots.get("unknown")},
            ],
        )
    sheet.skip()
    for label, value in (
        (("名单内试点", "Pilots listed"), pilots.get("listed")),
        (("匹配到社区的试点", "Pilots matched to a community"), pilots.get("matched")),
        (("类型未知的试点", "Pilots of unknown type"), pilots.get("unknown")),
        (("每种类型至少需要", "Pilots each type needs"), pilots.get("needed")),
        (
            ("三种类型均达到最低比例", "Every type at its minimum share"),
            tr(STATUSES[pilots.get("types_met")], lang),
        ),
    ):
        sheet.add([tr(label, lang), value], [None, _COUNT])
    sheet.finish(columns=len(_PILOTS), last_row=last_pilot_row)


def _communities_sheet(sheet: _Sheet, assessment: Mapping[str, Any]) -> None:
    lang, categories = sheet.lang, assessment["categories"]
    names = category_names(categories, lang)
    columns = (*COMMUNITY_COLUMNS, *((f"cov_{k}", n, n, PERCENT) for k, n in names.items()))
    sheet.table(
        columns,
        (
            {
                **c,
                # a Gini coefficient of too few known times: say so, never a blank or 0
                "gini": tr(UNKNOWN, lang)
                if c.get("gini") is None and c.get("population")
                else c.get("gini"),
                "grade": grade_label(c.get("grade"), lang),
                "circle_type": circle_type_label(c.get("circle_type"), lang),
                "missing": joined_names(c.get("missing"), names, lang),
                "weak": joined_names(c.get("weak"), names, lang),
                **{f"cov_{k}": v for k, v in (c.get("coverage") or {}).items()},
            }
            for c in assessment["communities"]
        ),
    )
    sheet.finish(freeze="C2", columns=len(columns))


def _coverage_sheet(sheet: _Sheet, assessment: Mapping[str, Any]) -> None:
    lang, categories = sheet.lang, assessment["categories"]
    names = category_names(categories, lang)
    sheet.table(
        _COVERAGE,
        (
            {
                "code": c.get("code"),
                "name": c.get("name"),
                "category": names[k["code"]],
                "group": group_label(k.get("group"), lang),
                "coverage": (c.get("coverage") or {}).get(k["code"]),
                "minutes_mean": (c.get("minutes_mean") or {}).get(k["code"]),
                "minutes_p90": (c.get("minutes_p90") or {}).get(k["code"]),
                "elderly": ((c.get("elderly") or {}).get("coverage") or {}).get(k["code"]),
            }
            for c in assessment["communities"]
            for k in categories
        ),
    )
    sheet.finish(columns=len(_COVERAGE))


def _plan_sheet(
    sheet: _Sheet, plan: Mapping[str, Any], categories: Sequence[Mapping[str, Any]]
) -> None:
    names = category_names(categories, sheet.lang)
    sites: dict[str, list[Mapping[str, Any]]] = {}
    for s in plan.get("sites") or []:  # a joint unit is one entry per category it hosts
        sites.setdefault(s["id"], []).append(s)
    rows = []
    for c in plan.get("communities") or []:
        for site_id in c.get("sites") or []:
            if site_id not in sites:
                problem = f"community {c.get('code')} lists an unknown site {site_id!r}"
                raise ValidationError(f"plan document: {problem}")
            same = sites[site_id]
            serving = [s for s in same if c.get("code") in (s.get("communities") or ())]
            for site in serving or same[-1:]:
                category = str(site.get("category"))
                rows.append(
                    {
                        **site,
                        "code": c.get("code"),
                        "name": c.get("name"),
                        "population": c.get("population"),
                        "gaps": joined_names(c.get("gaps"), names, sheet.lang),
                        "site": site_id,
                        "category": names.get(category, category),
                        "before": (c.get("before") or {}).get(category),
                        "after": (c.get("after") or {}).get(category),
                        "hosts": joined_names(site.get("hosts"), names, sheet.lang),
                    }
                )
    sheet.table(_PLAN, rows)
    sheet.finish(freeze="C2", columns=len(_PLAN))


def _parameters_sheet(
    sheet: _Sheet, assessment: Mapping[str, Any], plan: Mapping[str, Any] | None
) -> None:
    pairs = list(flatten(dict(assessment["run"]), "run"))
    if plan is not None:
        pairs += flatten(dict(plan.get("plan") or {}), "plan")
    sheet.header([tr(("参数", "Parameter"), sheet.lang), tr(("值", "Value"), sheet.lang)])
    for key, value in pairs:
        sheet.add([key, value], [None, None])
    sheet.finish()
