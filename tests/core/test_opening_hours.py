"""Weekly opening hours: the OSM grammar subset, spills past midnight, and a round trip."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifecircle.core.assess.opening_hours import (
    MINUTES_PER_DAY,
    ParsedHours,
    normalize_intervals,
    open_at,
    parse_opening_hours,
    render_opening_hours,
)
from lifecircle.core.assess.opening_hours import is_open_24h as open_24h
from lifecircle.errors import ValidationError

WHOLE_WEEK = tuple((d, 0, MINUTES_PER_DAY) for d in range(7))


def hours(text: str) -> tuple[tuple[int, int, int], ...]:
    parsed = parse_opening_hours(text)
    assert parsed.intervals is not None, parsed.reason
    return parsed.intervals


def hm(clock: str) -> int:
    h, m = clock.split(":")
    return int(h) * 60 + int(m)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24/7", WHOLE_WEEK),
        ("Mo-Su 00:00-24:00", WHOLE_WEEK),
        ("Mo-Fr 08:00-18:00", tuple((d, hm("08:00"), hm("18:00")) for d in range(5))),
        ("Mo-Fr,Su 08:00-12:00,13:00-18:00",
         tuple((d, s, e) for d in (0, 1, 2, 3, 4, 6)
               for s, e in ((480, 720), (780, 1080)))),
        ("Sa-Mo 10:00-12:00", ((0, 600, 720), (5, 600, 720), (6, 600, 720))),
        ("Mo,We 9:00-9:30", ((0, 540, 570), (2, 540, 570))),
        ("Mo-Fr", tuple((d, 0, 1440) for d in range(5))),
        ("08:00-22:00", tuple((d, 480, 1320) for d in range(7))),
        ("off", ()),
        ("closed", ()),
        ("24/7; Su off", WHOLE_WEEK[:6]),
        ("Mo-Sa 08:00-20:00; Sa 10:00-14:00",
         (*((d, 480, 1200) for d in range(5)), (5, 600, 840))),
        ("Mo-Fr 08:00-12:00, Sa 10:00-14:00",
         (*((d, 480, 720) for d in range(5)), (5, 600, 840))),
        ("Mo-Fr 08:00-12:00, We off", tuple((d, 480, 720) for d in (0, 1, 3, 4))),
        ("mo-fr 08:00-18:00;", tuple((d, 480, 1080) for d in range(5))),
        ("Mo-Fr: 08:00-18:00", tuple((d, 480, 1080) for d in range(5))),
        ("Mo 08:00-12:00,10:00-14:00", ((0, 480, 840),)),
        ("０８：００－２２：００", tuple((d, 480, 1320) for d in range(7))),
    ],
    ids=["24/7", "all-day", "weekdays", "lists", "wrapping-range", "short-hours", "days-only",
         "times-only", "off", "closed", "override-day", "override-times", "additional-rule",
         "additional-off", "lower-case-trailing-semicolon", "colon-slip", "overlap-merged",
         "full-width"],
)  # fmt: skip
def test_weekly_grammar(text: str, expected: tuple[tuple[int, int, int], ...]) -> None:
    assert hours(text) == expected


def test_times_past_midnight_spill_into_the_next_day() -> None:
    assert hours("Fr-Su 18:00-02:00") == (
        (0, 0, 120),  # Sunday's night ends on Monday morning
        (4, 1080, 1440),
        (5, 0, 120),
        (5, 1080, 1440),
        (6, 0, 120),
        (6, 1080, 1440),
    )
    assert hours("Mo 22:00-26:00") == ((0, 1320, 1440), (1, 0, 120))
    assert hours("Mo 08:00-08:00") == ((0, 480, 1440), (1, 0, 480))


def test_a_later_rule_for_the_next_day_replaces_the_spill() -> None:
    # as in opening-hours-rs: Tuesday's own rule decides all of Tuesday
    assert hours("Mo 18:00-02:00; Tu 09:00-17:00") == ((0, 1080, 1440), (1, 540, 1020))
    assert hours("Mo 18:00-02:00; Tu off") == ((0, 1080, 1440),)
    # an additional rule does not replace it
    assert hours("Mo 18:00-02:00, Tu 09:00-17:00") == (
        (0, 1080, 1440),
        (1, 0, 120),
        (1, 540, 1020),
    )


def test_public_holidays_are_ignored_with_a_note() -> None:
    parsed = parse_opening_hours("Mo-Fr 08:00-18:00; PH off")
    assert parsed.intervals == hours("Mo-Fr 08:00-18:00")
    assert parsed.notes == ("PH rules ignored: holidays are not part of a weekly pattern",)
    listed = parse_opening_hours("Mo-Fr,PH 08:00-12:00")
    assert listed.intervals == hours("Mo-Fr 08:00-12:00")
    assert listed.notes == ("PH in a day list ignored",)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Jul-Aug 10:00-22:00", "depend on the date"),
        ("sunrise-sunset", "depend on the date"),
        ("week 1-10 Mo 08:00-12:00", "depend on the date"),
        ("2024 Mo-Fr 08:00-09:00", "years"),
        ("Mo[1] 10:00-12:00", "nth-weekday"),
        ('Mo-Fr 09:00-18:00 "by appointment"', "comments"),
        ("Mo-Fr 10:00+", "open ends"),
        ("Mo-Fr 08:00-18:00 || unknown", "fallback"),
        ("周一至周日 09:00-21:00", "not in the opening_hours grammar"),
        ("Mo-Fr 08:00-19:00 Sa 09:00-19:00", "no ';' between the rules"),
        ("25:00-26:00", "not a valid time"),
        ("Mo-Fr 08:00", "not followed by -HH:MM"),
        ("Mo-Xy 08:00-09:00", "not a weekday"),
        ("Mo-Fr 08:00-18:00 unknown", "unknown word"),
    ],
    ids=["months", "sun", "weeks", "years", "nth-weekday", "comment", "open-end", "fallback",
         "chinese-text", "missing-semicolon", "bad-time", "lone-time", "bad-weekday",
         "unknown-state"],
)  # fmt: skip
def test_outside_the_weekly_grammar_gives_none_and_a_reason(text: str, reason: str) -> None:
    parsed = parse_opening_hours(text)
    assert parsed.intervals is None
    assert reason in parsed.reason


def test_empty_value_is_absent_not_a_problem() -> None:
    assert parse_opening_hours("") == ParsedHours(None)
    assert parse_opening_hours("   ") == ParsedHours(None)


def test_lookups() -> None:
    week = hours("Mo-Fr 08:00-18:00; Sa 22:00-02:00")
    assert open_at(week, 0, hm("08:00"))
    assert not open_at(week, 0, hm("18:00"))  # the end minute is closed
    assert open_at(week, 6, hm("01:59"))  # Saturday night, Sunday morning
    assert not open_at(week, 6, hm("02:00"))
    assert not open_24h(week)
    assert open_24h(hours("24/7"))
    assert open_24h(hours("Mo-Su 00:00-12:00,12:00-24:00"))
    assert not open_24h(())


def test_render() -> None:
    assert render_opening_hours(()) == "off"
    assert render_opening_hours(WHOLE_WEEK) == "24/7"
    week = hours("Mo-Fr 08:00-12:00,13:00-18:00; Sa 09:00-12:00; We 07:00-08:00")
    assert render_opening_hours(week) == (
        "Mo,Tu,Th,Fr 08:00-12:00,13:00-18:00; We 07:00-08:00; Sa 09:00-12:00"
    )


def test_normalize_rejects_bad_intervals() -> None:
    with pytest.raises(ValidationError, match="bad interval"):
        normalize_intervals([(7, 0, 10)])
    with pytest.raises(ValidationError, match="bad interval"):
        normalize_intervals([(0, 10, 10)])
    with pytest.raises(ValidationError, match="bad interval"):
        normalize_intervals([(0, 0, 1441)])
    assert normalize_intervals([(1, 60, 120), (0, 0, 30), (1, 120, 180)]) == (
        (0, 0, 30),
        (1, 60, 180),
    )


@st.composite
def interval_sets(draw: st.DrawFn) -> tuple[tuple[int, int, int], ...]:
    n = draw(st.integers(0, 12))
    found = []
    for _ in range(n):
        day = draw(st.integers(0, 6))
        start = draw(st.integers(0, MINUTES_PER_DAY - 1))
        end = draw(st.integers(start + 1, MINUTES_PER_DAY))
        found.append((day, start, end))
    return normalize_intervals(found)


@given(interval_sets())
def test_parsing_a_rendered_set_gives_it_back(intervals) -> None:
    text = render_opening_hours(intervals)
    parsed = parse_opening_hours(text)
    assert parsed.intervals == intervals, text
    assert parsed.notes == ()


@given(interval_sets(), st.integers(0, 6), st.integers(0, MINUTES_PER_DAY - 1))
def test_open_at_agrees_with_the_rendered_text(intervals, day, minute) -> None:
    assert open_at(intervals, day, minute) == open_at(
        hours(render_opening_hours(intervals)), day, minute
    )
