"""Amap business hours (营业时间) read as weekly intervals, with real-looking strings."""

from __future__ import annotations

import pytest

from lifecircle.core.assess.business_hours import parse_business_hours

WEEK = range(7)


def _all(start: int, end: int, days: range | list[int] = WEEK) -> tuple[tuple[int, int, int], ...]:
    return tuple((d, start, end) for d in days)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("07:00-22:00", _all(420, 1320)),
        ("7:00~22:00", _all(420, 1320)),
        ("０７：００－２２：００", _all(420, 1320)),
        ("24小时营业", _all(0, 1440)),
        ("全天", _all(0, 1440)),
        ("全天营业", _all(0, 1440)),
        ("00:00-24:00", _all(0, 1440)),
        ("周一至周五 08:00-20:00", _all(480, 1200, range(5))),
        ("周一至周五:08:00-20:00", _all(480, 1200, range(5))),
        ("星期一到星期五 08:00-20:00", _all(480, 1200, range(5))),
        ("工作日 08:00-20:00", _all(480, 1200, range(5))),
        (
            "周一至周五 08:00-20:00；周六至周日 09:00-18:00",
            _all(480, 1200, range(5)) + _all(540, 1080, [5, 6]),
        ),
        (
            "周一至周五 08:00-20:00;周末 09:00-18:00",
            _all(480, 1200, range(5)) + _all(540, 1080, [5, 6]),
        ),
        (
            "10:00-14:00,17:00-21:00",
            tuple(x for d in WEEK for x in ((d, 600, 840), (d, 1020, 1260))),
        ),
        (
            "10:00-14:00、17:00-21:00",
            tuple(x for d in WEEK for x in ((d, 600, 840), (d, 1020, 1260))),
        ),
        (
            "10:00-14:00 17:00-21:00",
            tuple(x for d in WEEK for x in ((d, 600, 840), (d, 1020, 1260))),
        ),
        (
            "18:00-次日02:00",
            tuple(sorted([(d, 1080, 1440) for d in WEEK] + [(d, 0, 120) for d in WEEK])),
        ),
        (
            "周一至周六 09:00-21:00；周日休息",
            _all(540, 1260, range(6)),
        ),
        ("Mo-Fr 08:00-18:00", _all(480, 1080, range(5))),
    ],
)
def test_forms(text: str, expected: tuple[tuple[int, int, int], ...]) -> None:
    parsed = parse_business_hours(text)
    assert parsed.intervals == expected, parsed.reason


@pytest.mark.parametrize(
    "text", ["节假日不营业", "营业中", "2024年春节 10:00-16:00", "周八 10:00-12:00"]
)
def test_unreadable_forms_say_why(text: str) -> None:
    parsed = parse_business_hours(text)
    assert parsed.intervals is None
    assert parsed.reason


def test_empty_is_unknown() -> None:
    assert parse_business_hours("").intervals is None
