"""The assessment workbook's sheets of coverage by time of day (runs assessed ``--by-hour``).

Two sheets beside those of :mod:`lifecircle.io.export.xlsx`:

* 分时覆盖/By hour: one row per area (the city, then each community), day (the weekday,
  the weekend day) and basic category, one column per hour (the share at HH:00);
* 需要时可达/Served when needed: one row per area, the share of residents served in
  every category, then a column per category with hours of need (the window in the
  header); under it, per category, its hours of need and the share of its places whose
  opening hours are unknown.

The sheets are written through the workbook module's sheet writer, which this module
knows only by the :class:`SheetWriter` protocol (so that neither module imports the other's
internals).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

HOURLY_SHEETS = {
    "hours": ("分时覆盖", "By hour"),
    "served": ("需要时可达", "Served when needed"),
}
"""Sheet key → (Chinese, English) name, for the workbook module's sheet names."""

PERCENT = "0.0%"
_PEOPLE = "#,##0"
_DAYS = {
    "Mon": ("周一", "Mon"),
    "Tue": ("周二", "Tue"),
    "Wed": ("周三", "Wed"),
    "Thu": ("周四", "Thu"),
    "Fri": ("周五", "Fri"),
    "Sat": ("周六", "Sat"),
    "Sun": ("周日", "Sun"),
}


class SheetWriter(Protocol):
    """What these sheets need of a worksheet writer (``xlsx._Sheet``)."""

    lang: str

    def header(self, titles: Iterable[str]) -> None:
        """A bold header row."""

    def add(self, values: Iterable[Any], formats: Iterable[str | None]) -> None:
        """A row of values with their number formats."""

    def skip(self) -> None:
        """An empty row."""

    def finish(self, *, freeze: str = "A2", columns: int = 0, last_row: int | None = None) -> None:
        """Column widths, frozen panes and filter buttons."""


def _tr(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh" else pair[1]


def _areas(assessment: Mapping[str, Any], lang: str) -> list[tuple[str, str | None, str, Any]]:
    """(level, code, name, document entry) of the city, then of each community."""
    run = assessment.get("run") or {}
    city = (_tr(("城市", "City"), lang), None, str(run.get("city") or ""), assessment["city"])
    return [
        city,
        *(
            (_tr(("社区", "Community"), lang), c.get("code"), c.get("name"), c)
            for c in assessment.get("communities") or []
        ),
    ]


def write_hourly_sheets(
    make_sheet: Callable[[str], SheetWriter],
    assessment: Mapping[str, Any],
    names: Mapping[str, str],
) -> bool:
    """Write the two sheets when the run has ``by_hour``; whether it had.

    Parameters
    ----------
    make_sheet
        Sheet key (of :data:`HOURLY_SHEETS`) → a new sheet writer in the workbook.
    assessment
        The assessment document (docs/assessment.md, "Coverage by time of day").
    names
        Category code → its name in the workbook's language.

    """
    section = assessment.get("by_hour")
    if not section:
        return False
    _hours_sheet(make_sheet("hours"), assessment, section, names)
    _served_sheet(make_sheet("served"), assessment, section, names)
    return True


def _hours_sheet(
    sheet: SheetWriter, assessment: Mapping[str, Any], section: Any, names: Mapping[str, str]
) -> None:
    lang = sheet.lang
    time = ((assessment.get("run") or {}).get("parameters") or {}).get("time") or {}
    days = {
        half: _tr(label, lang).format(d=_tr(_DAYS.get(str(time.get(half)), (day, day)), lang))
        for half, label, day in (
            ("weekday", ("工作日（{d}）", "Weekday ({d})"), str(time.get("weekday"))),
            ("weekend", ("休息日（{d}）", "Weekend day ({d})"), str(time.get("weekend"))),
        )
    }
    categories = list(section.get("categories") or [])
    hours = [f"{h:02d}:00" for h in section.get("hours") or range(24)]
    sheet.header(
        [
            _tr(("层级", "Level"), lang),
            _tr(("社区编码", "Code"), lang),
            _tr(("名称", "Name"), lang),
            _tr(("日期", "Day"), lang),
            _tr(("业态", "Category"), lang),
            *hours,
        ]
    )
    formats = [None] * 5 + [PERCENT] * len(hours)
    per_code = section.get("communities") or {}
    for level, code, name, _ in _areas(assessment, lang):
        curves = section.get("city") if code is None else per_code.get(code)
        if not curves:
            continue
        for half in ("weekday", "weekend"):
            for cat in categories:
                shares = (curves.get(half) or {}).get(cat) or [None] * len(hours)
                sheet.add([level, code, name, days[half], names.get(cat, cat), *shares], formats)
    sheet.finish(freeze="F2", columns=5 + len(hours))


def _served_sheet(
    sheet: SheetWriter, assessment: Mapping[str, Any], section: Any, names: Mapping[str, str]
) -> None:
    lang = sheet.lang
    time = ((assessment.get("run") or {}).get("parameters") or {}).get("time") or {}
    needs: dict[str, str] = dict(time.get("hours_of_need") or {})
    categories = [c for c in section.get("categories") or [] if c in needs]
    sheet.header(
        [
            _tr(("层级", "Level"), lang),
            _tr(("社区编码", "Code"), lang),
            _tr(("名称", "Name"), lang),
            _tr(("常住人口", "Residents"), lang),
            _tr(("全部业态需要时可达", "Served in every category"), lang),
            *(f"{names.get(c, c)} {needs[c]}" for c in categories),
        ]
    )
    formats = [None, None, None, _PEOPLE, PERCENT] + [PERCENT] * len(categories)
    rows = 0
    for level, code, name, entry in _areas(assessment, lang):
        served = entry.get("served_when_needed") or {}
        shares = served.get("categories") or {}
        sheet.add(
            [
                level,
                code,
                name,
                entry.get("population"),
                served.get("all"),
                *(shares.get(c) for c in categories),
            ],
            formats,
        )
        rows += 1
    sheet.skip()
    unknown = (assessment.get("city") or {}).get("hours_unknown") or {}
    sheet.header(
        [
            _tr(("业态", "Category"), lang),
            _tr(("需求时段", "Hours of need"), lang),
            _tr(("营业时间未知的网点比例", "Places of unknown hours"), lang),
        ]
    )
    for c in categories:
        sheet.add([names.get(c, c), needs[c], unknown.get(c)], [None, None, PERCENT])
    sheet.finish(freeze="D2", columns=5 + len(categories), last_row=rows + 1)
