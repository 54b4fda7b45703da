"""Money in integer fen: exact yuan text both ways, percentages rounded half away from zero."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifecircle.core.money import (
    fen_from_yuan,
    percent_text,
    ratio_hundredths,
    rise_hundredths,
    rose_more_than,
    yuan_from_fen,
)
from lifecircle.errors import ValidationError


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("3", 300),
        ("3.5", 350),
        ("3.50", 350),
        ("0.05", 5),
        ("0.1", 10),
        (" 12.34 ", 1234),
        ("999999.99", 99_999_999),
        ("0", 0),
    ],
)
def test_fen_from_yuan_reads_exactly(text: str, fen: int) -> None:
    assert fen_from_yuan(text) == fen


def test_tenths_add_up_exactly() -> None:
    # the float classic: 0.1 + 0.2 != 0.3; in fen it is 10 + 20 == 30
    assert 0.1 + 0.2 != 0.3
    assert fen_from_yuan("0.10") + fen_from_yuan("0.20") == fen_from_yuan("0.30") == 30
    assert yuan_from_fen(fen_from_yuan("0.10") + fen_from_yuan("0.20")) == "0.30"
    assert sum(fen_from_yuan("0.01") for _ in range(100)) == fen_from_yuan("1")


@pytest.mark.parametrize(
    "text", ["", "3.505", "-1", "+1", "1,000", "1e3", "3.", ".5", "¥3", "3.5元", "nan", "٣"]
)
def test_fen_from_yuan_refuses_other_text(text: str) -> None:
    with pytest.raises(ValidationError, match="not an amount in yuan") as caught:
        fen_from_yuan(text, field="body.price_yuan")
    assert caught.value.field == "body.price_yuan"


@given(st.integers(0, 10**11 - 1))
def test_yuan_text_round_trips(fen: int) -> None:
    text = yuan_from_fen(fen)
    assert fen_from_yuan(text) == fen
    assert Fraction(text) == Fraction(fen, 100)


def _oracle(numerator: int, denominator: int) -> int:
    """Half away from zero with fractions: the stated rounding rule, computed another way."""
    exact = Fraction(numerator * 100 * 100, denominator)
    magnitude = abs(exact)
    whole = int(magnitude)
    if magnitude - whole >= Fraction(1, 2):
        whole += 1
    return whole if exact >= 0 else -whole


@given(st.integers(-(10**9), 10**9), st.integers(1, 10**9))
def test_ratio_hundredths_matches_fractions(numerator: int, denominator: int) -> None:
    assert ratio_hundredths(numerator, denominator) == _oracle(numerator, denominator)


@pytest.mark.parametrize(
    ("old", "new", "text"),
    [
        (300, 333, "11.00"),
        (1000, 1125, "12.50"),
        (3, 4, "33.33"),  # 33.333...
        (3, 5, "66.67"),  # 66.666...
        (8, 9, "12.50"),  # exactly half a hundredth up: 12.5 %
        (1600, 1601, "0.06"),  # 0.0625 → half away from zero
        (300, 250, "-16.67"),
        (500, 500, "0.00"),
    ],
)
def test_rise_text(old: int, new: int, text: str) -> None:
    assert percent_text(rise_hundredths(old, new)) == text


@given(st.integers(1, 10**8), st.integers(1, 10**8), st.integers(0, 1000))
def test_rose_more_than_is_exact(old: int, new: int, percent: int) -> None:
    assert rose_more_than(old, new, percent=percent) == (
        Fraction(new - old, old) > Fraction(percent, 100)
    )


def test_rose_more_than_at_the_threshold() -> None:
    assert not rose_more_than(1000, 1100, percent=10)  # exactly 10 %: not more
    assert rose_more_than(10000, 11001, percent=10)  # 10.01 %
    assert rose_more_than(100_000, 110_004, percent=10)  # 10.004 %: shows "10.00", still more


def test_ratio_needs_a_positive_denominator() -> None:
    with pytest.raises(ValueError, match="positive"):
        ratio_hundredths(1, 0)
