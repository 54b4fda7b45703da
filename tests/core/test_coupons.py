"""Coupon arithmetic: discounts in whole fen under each rule, and the codes' check digit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifecircle.core.coupons import Rule, discount_fen, luhn_digit, luhn_valid, rule_problems
from lifecircle.errors import ValidationError


@pytest.mark.parametrize(
    ("rule", "spent", "off"),
    [
        (Rule("threshold", amount_off_fen=1000, min_spend_fen=5000), 5000, 1000),
        (Rule("threshold", amount_off_fen=1000, min_spend_fen=5000), 12000, 1000),
        (Rule("fixed", amount_off_fen=300), 200, 200),
        (Rule("fixed", amount_off_fen=300), 1000, 300),
        (Rule("percent", percent_off=15), 1999, 299),
        (Rule("percent", percent_off=15, max_discount_fen=500), 100_000, 500),
        (Rule("percent", percent_off=1), 99, 0),
    ],
    ids=["threshold-at", "threshold-above", "fixed-capped", "fixed", "percent-down", "cap", "zero"],
)
def test_discounts(rule: Rule, spent: int, off: int) -> None:
    assert rule_problems(rule) == []
    assert discount_fen(rule, spent) == off


def test_below_the_minimum_spend_names_it() -> None:
    with pytest.raises(ValidationError, match="below the coupon's minimum spend") as info:
        discount_fen(Rule("threshold", amount_off_fen=1000, min_spend_fen=5000), 4999)
    assert info.value.field == "spent_fen"


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        (Rule("bogus"), "kind"),
        (Rule("fixed"), "amount_off_fen"),
        (Rule("threshold", amount_off_fen=1000, min_spend_fen=500), "min_spend_fen"),
        (Rule("percent", percent_off=100), "percent_off"),
        (Rule("percent", percent_off=10, amount_off_fen=5), "amount_off_fen"),
        (Rule("fixed", amount_off_fen=5, percent_off=3), "percent_off"),
    ],
)
def test_bad_rules_name_their_field(rule: Rule, field: str) -> None:
    assert field in [f for f, _ in rule_problems(rule)]


@given(
    kind=st.sampled_from(["fixed", "percent", "threshold"]),
    amount=st.integers(1, 10**6),
    percent=st.integers(1, 99),
    cap=st.none() | st.integers(1, 10**6),
    extra=st.integers(0, 10**8),
)
def test_a_discount_is_never_negative_nor_above_the_spend(
    kind: str, amount: int, percent: int, cap: int | None, extra: int
) -> None:
    if kind == "percent":
        rule = Rule(kind, percent_off=percent, max_discount_fen=cap)
    else:
        rule = Rule(kind, amount_off_fen=amount, min_spend_fen=amount if kind == "threshold" else 0)
    spent = rule.min_spend_fen + extra
    off = discount_fen(rule, spent)
    assert 0 <= off <= spent
    if kind == "percent":
        assert off * 100 <= spent * percent
        assert cap is None or off <= cap


def test_luhn() -> None:
    assert luhn_digit("7992739871") == "3"
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")
    assert not luhn_valid("7")
    assert not luhn_valid("12a4")
