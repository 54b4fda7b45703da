"""The indicators' arithmetic: outermost totals, floor shares, cells withheld under 5."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifecircle.core.assess import indicators
from lifecircle.core.assess.indicators import MIN_EVENTS, floor_share, outermost, shown_share


def test_doctests() -> None:
    assert doctest.testmod(indicators).failed == 0


def test_outermost_keeps_districts_and_lone_communities() -> None:
    inside = lambda a, b: a.startswith(b)  # noqa: E731 - the administrative prefix rule
    codes = ["440304", "440304001", "440304001019", "440305001001", "440306"]
    assert outermost(codes, inside=inside) == ["440304", "440305001001", "440306"]


@pytest.mark.parametrize(("events", "within"), [(0, 0), (1, 1), (4, 0), (4, 4)])
def test_small_cells_show_nothing(events: int, within: int) -> None:
    assert shown_share(events, within) is None


@given(st.integers(MIN_EVENTS, 10_000), st.data())
def test_shown_cells_are_the_exact_share(events: int, data: st.DataObject) -> None:
    within = data.draw(st.integers(0, events))
    assert shown_share(events, within) == within / events


def test_floor_share_needs_a_total() -> None:
    assert floor_share(1000, 10_000) == 0.1
    assert floor_share(0, 10_000) == 0.0
    assert floor_share(1000, None) is None
    assert floor_share(None, 10_000) is None
