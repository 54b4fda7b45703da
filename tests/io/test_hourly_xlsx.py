"""The workbook's sheets of coverage by time of day, read back with openpyxl.

The run is a real ``--by-hour`` assessment of the hand-made city of
``tests/services/test_hours.py``: breakfast at B 06:00-09:00 every day and at D
10:00-14:00 on weekdays; residents of c1 beside B, those of c2 beyond everything.
"""

from __future__ import annotations

from typing import Any

import pytest
from openpyxl import load_workbook

from lifecircle.io.export.xlsx import write_assessment_xlsx
from lifecircle.services.hours import TimeOptions, assess_in_time
from tests.services.test_hours import _city


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    doc = assess_in_time(_city(), options=TimeOptions(by_hour=True))
    doc["run"] |= {"id": 5, "created_at": "2026-03-02T08:00:00+00:00"}
    return doc


def _rows(ws: Any) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def test_hourly_sheet_in_chinese(tmp_path, document) -> None:
    path = tmp_path / "run.xlsx"
    sheets = write_assessment_xlsx(document, path, lang="zh")
    assert sheets[-3:] == ("分时覆盖", "需要时可达", "参数")
    wb = load_workbook(path)
    rows = _rows(wb["分时覆盖"])
    assert rows[0][:5] == ("层级", "社区编码", "名称", "日期", "业态")
    assert rows[0][5] == "00:00"
    assert rows[0][-1] == "23:00"
    cats = len(document["by_hour"]["categories"])
    # the city and two communities, two days each, a row per basic category
    assert len(rows) == 1 + 3 * 2 * cats
    by_key = {(r[0], r[1], r[3], r[4]): r[5:] for r in rows[1:]}
    city_mon = by_key[("城市", None, "工作日（周一）", "早餐店")]
    assert city_mon[7] == 0.5  # 07:00: c1 reaches B's breakfast
    assert city_mon[9] == 0.0  # 09:00: B has closed, D not yet open
    assert city_mon[11] == 0.5  # 11:00: D, weekdays only
    assert by_key[("城市", None, "休息日（周六）", "早餐店")][11] == 0.0
    assert by_key[("社区", "c2", "工作日（周一）", "早餐店")][7] == 0.0
    assert by_key[("社区", "c1", "工作日（周一）", "早餐店")][7] == 1.0
    assert wb["分时覆盖"]["F2"].number_format == "0.0%"


def test_served_sheet_in_english(tmp_path, document) -> None:
    path = tmp_path / "run.xlsx"
    write_assessment_xlsx(document, path, lang="en")
    wb = load_workbook(path)
    assert "By hour" in wb.sheetnames
    rows = _rows(wb["Served when needed"])
    header = rows[0]
    assert header[:5] == ("Level", "Code", "Name", "Residents", "Served in every category")
    col = header.index("Breakfast shop 06:30-09:00")
    city, c1, c2 = rows[1], rows[2], rows[3]
    assert city[0] == "City"
    assert (c1[1], c2[1]) == ("c1", "c2")
    assert (city[col], c1[col], c2[col]) == (0.5, 1.0, 0.0)
    assert city[3] == 200
    # under it: hours of need and the share of places of unknown hours
    tail = rows[rows.index((None,) * len(header)) + 1 :]
    assert tail[0][:3] == ("Category", "Hours of need", "Places of unknown hours")
    pharmacy = next(r for r in tail if r[0] == "Pharmacy")
    assert pharmacy[1:3] == ("08:00-22:00", 1.0)  # the one pharmacy's hours are unknown


def test_no_hourly_sheets_without_by_hour(tmp_path) -> None:
    doc = assess_in_time(_city())
    doc["run"] |= {"id": 6, "created_at": "2026-03-02T08:00:00+00:00"}
    sheets = write_assessment_xlsx(doc, tmp_path / "run.xlsx", lang="en")
    assert "By hour" not in sheets
    assert "Served when needed" not in sheets
