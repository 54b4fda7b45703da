"""The report's complaints section: present when given, per 1,000 residents, both languages."""

from __future__ import annotations

import re

from lifecircle.report import render_report

COMPLAINTS = {
    "since": "2025-12-04",
    "until": "2026-12-04",
    "total": 3,
    "rows": [
        {"code": "440304001001", "name": "福田社区", "population": 5200.0, "complaints": 0,
         "upheld": 0, "per_1000": "0.00"},
        {"code": "440304001002", "name": "岗厦社区", "population": 4100.0, "complaints": 2,
         "upheld": 1, "per_1000": "0.49"},
        {"code": None, "name": None, "population": None, "complaints": 1, "upheld": 0,
         "per_1000": None},
    ],
}  # fmt: skip


def _rows(html: str) -> list[list[str]]:
    table = re.search(r'<table class="complaints">(.*?)</table>', html, re.DOTALL)
    assert table is not None
    body = table.group(1).split("<tbody>")[1]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", tr)]
        for tr in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)
    ]


def test_the_section_lists_complaints_per_thousand(assessment, geometries, plan, assets):
    html = render_report(
        assessment, geometries=geometries, plan=plan, assets=assets, complaints=COMPLAINTS
    )
    assert '<a href="#complaints">消费投诉（诚信）</a>' in html
    assert "2025-12-04 至 2026-12-04" in html
    rows = _rows(html)
    assert rows[0] == ["岗厦社区", "440304001002", "4,100", "2", "1", "0.49"]
    assert rows[1][0] == "不在任何社区边界内"
    assert rows[2][-1] == "0.00"
    english = render_report(
        assessment, geometries=geometries, plan=plan, assets=assets, complaints=COMPLAINTS,
        lang="en",
    )  # fmt: skip
    assert "Per 1,000 residents" in english
    assert "消费投诉" not in english


def test_without_complaints_no_section_and_none_recorded(assessment, geometries, plan, assets):
    html = render_report(assessment, geometries=geometries, plan=plan, assets=assets)
    assert 'id="complaints"' not in html
    empty = COMPLAINTS | {"total": 0, "rows": []}
    html = render_report(
        assessment, geometries=geometries, plan=plan, assets=assets, complaints=empty
    )
    assert "本期无投诉记录。" in html
    assert '<table class="complaints">' not in html
