"""The small XLSX table writer: sheets, text never a formula, times in Asia/Shanghai."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from lifecircle.errors import ValidationError
from lifecircle.io.export.table import Column, Table, xlsx_from_tables


def test_tables_become_sheets() -> None:
    moment = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)  # 00:30 on 2 March in Shanghai
    data = xlsx_from_tables(
        [
            Table(
                "商户 Shops",
                (Column("名称 Name"), Column("分 Fen", "#,##0"), Column("时间"), Column("日")),
                [
                    ("=SUM(A1)", 123456, moment, date(2026, 3, 2)),
                    ("鸡蛋\x07", None, None, None),
                ],
            ),
            Table("空 Empty", (Column("a"),), []),
        ],
        title="t",
    )
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["商户 Shops", "空 Empty"]
    sheet = book["商户 Shops"]
    assert [c.value for c in sheet[1]] == ["名称 Name", "分 Fen", "时间", "日"]
    assert sheet["A1"].font.bold
    assert sheet["A2"].value == "=SUM(A1)"
    assert sheet["A2"].data_type == "s"  # text, not a formula
    assert sheet["B2"].value == 123456
    assert sheet["B2"].number_format == "#,##0"
    assert sheet["C2"].value == datetime(2026, 3, 2, 0, 30)  # noqa: DTZ001 - Excel has no zones
    assert sheet["D2"].value.date() == date(2026, 3, 2)
    assert sheet["A3"].value == "鸡蛋"  # a control character XML cannot hold is dropped
    assert sheet["B3"].value is None
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:D3"
    assert book["空 Empty"].max_row == 1


def test_bad_tables_are_refused_with_every_problem() -> None:
    with pytest.raises(ValidationError) as caught:
        xlsx_from_tables(
            [
                Table("a/b", (Column("x"),), [(1, 2)]),
                Table("x" * 32, (Column("x"),), []),
            ]
        )
    text = str(caught.value)
    assert "'a/b'" in text
    assert "row 1: 2 values for 1 columns" in text
    assert "x" * 32 in text
    with pytest.raises(ValidationError, match="repeat"):
        xlsx_from_tables([Table("a", (), []), Table("a", (), [])])
    with pytest.raises(ValidationError, match="needs a table"):
        xlsx_from_tables([])
    naive = datetime(2026, 1, 1)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValidationError, match="without zone"):
        xlsx_from_tables([Table("a", (Column("t"),), [(naive,)])])
