"""Open now, next opening and closing time from weekly hours, across midnights and weeks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifecircle.core.assess.opening_hours import (
    MINUTES_PER_DAY,
    OpenState,
    open_at,
    open_state,
    parse_opening_hours,
)
from lifecircle.errors import ValidationError

MO, TU, WE, TH, FR, SA, SU = range(7)


def hours(text: str):
    parsed = parse_opening_hours(text)
    assert parsed.intervals is not None, parsed.reason
    return parsed.intervals


def at(clock: str) -> int:
    h, m = clock.split(":")
    return int(h) * 60 + int(m)


@pytest.mark.parametrize(
    ("text", "day", "clock", "expected"),
    [
        # office hours
        ("Mo-Fr 08:00-18:00", MO, "07:59", OpenState(False, 1, None)),
        ("Mo-Fr 08:00-18:00", MO, "08:00", OpenState(True, None, 600)),
        ("Mo-Fr 08:00-18:00", MO, "18:00", OpenState(False, 14 * 60, None)),
        ("Mo-Fr 08:00-18:00", FR, "19:00", OpenState(False, 2 * 1440 + 13 * 60, None)),
        # a lunch break
        ("Mo-Su 08:00-12:00,13:00-20:00", WE, "12:30", OpenState(False, 30, None)),
        # overnight: one opening from Friday 22:00 to Saturday 02:00
        ("Fr 22:00-02:00", FR, "23:00", OpenState(True, None, 180)),
        ("Fr 22:00-02:00", SA, "01:00", OpenState(True, None, 60)),
        ("Fr 22:00-02:00", SA, "02:00", OpenState(False, 6 * 1440 + 20 * 60, None)),
        # Sunday night into Monday morning, across the week's end
        ("Su 20:00-03:00", SU, "23:59", OpenState(True, None, 181)),
        ("Su 20:00-03:00", MO, "02:30", OpenState(True, None, 30)),
        ("Su 20:00-03:00", MO, "03:00", OpenState(False, 6 * 1440 + 17 * 60, None)),
        # every night: each night closes at 02:00, not at midnight
        ("Mo-Su 18:00-02:00", TU, "23:00", OpenState(True, None, 180)),
        ("Mo-Su 18:00-02:00", TU, "12:00", OpenState(False, 360, None)),
        # always and never
        ("24/7", TH, "04:00", OpenState(True, None, None)),
        ("off", TH, "04:00", OpenState(False, None, None)),
    ],
)
def test_open_state(text: str, day: int, clock: str, expected: OpenState) -> None:
    assert open_state(hours(text), day, at(clock)) == expected


def test_a_bad_moment_is_refused() -> None:
    with pytest.raises(ValidationError, match="day 0-6"):
        open_state(hours("24/7"), 7, 0)
    with pytest.raises(ValidationError, match="minute 0-1439"):
        open_state(hours("24/7"), 0, MINUTES_PER_DAY)


spans = st.lists(
    st.tuples(st.integers(0, 6), st.integers(0, 1439), st.integers(1, 1440)).map(
        lambda t: (t[0], min(t[1], t[2] - 1), t[2])
    ),
    max_size=8,
)


@given(spans, st.integers(0, 6), st.integers(0, 1439))
def test_open_state_agrees_with_open_at_and_its_own_times(intervals, day, minute) -> None:
    state = open_state(intervals, day, minute)
    assert state.open_now == open_at(intervals, day, minute)
    now = day * MINUTES_PER_DAY + minute

    def open_after(delta: int) -> bool:
        t = (now + delta) % (7 * MINUTES_PER_DAY)
        return open_at(intervals, t // MINUTES_PER_DAY, t % MINUTES_PER_DAY)

    if state.opens_in_min is not None:
        assert not state.open_now
        assert open_after(state.opens_in_min)
        assert not any(open_after(d) for d in range(state.opens_in_min))
    if state.closes_in_min is not None:
        assert state.open_now
        assert not open_after(state.closes_in_min)
        assert all(open_after(d) for d in range(state.closes_in_min))
    if state.open_now and state.closes_in_min is None:
        assert all(open_after(d) for d in range(7 * MINUTES_PER_DAY))
