"""Near-expiry rules: the band rule against the reference convention, ladders, dates, barcodes."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifecircle.core.expiry import (
    Ladder,
    Stage,
    Step,
    checked_barcode,
    day_start,
    discounted_fen,
    expires_at,
    expiry_from_production,
    local_date,
    stage_on,
    warn_from,
)
from lifecircle.errors import ValidationError
from lifecircle.io.expiry import load_expiry_table
from tests.conftest import SHARED, require

REFERENCE = SHARED / "reference" / "near_expiry_lead_days.csv"


def _reference_rows() -> list[dict[str, str]]:
    with require(REFERENCE).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("row", _reference_rows(), ids=lambda r: r["shelf_life_min_days"])
def test_band_rule_matches_the_reference_at_each_boundary(row: dict[str, str]) -> None:
    table = load_expiry_table()
    lo = int(row["shelf_life_min_days"])
    hi = int(row["shelf_life_max_days"]) if row["shelf_life_max_days"] else 10 * 365
    lead_lo, lead_hi = int(row["lead_days_min"]), int(row["lead_days_max"])
    for days in (lo, lo + 1, hi - 1, hi):
        if not lo <= days <= hi:
            continue
        lead = table.lead_for(food_class=None, shelf_life_days=days)
        assert lead.basis == "band"
        assert lead_lo <= lead.lead_days <= lead_hi, (days, lead.lead_days)
    if lo > 0:  # the day below the band belongs to the next band down
        below = table.lead_for(food_class=None, shelf_life_days=lo - 1).lead_days
        assert below < lead_lo


def test_short_band_lead_is_a_quarter_of_the_shelf_life_within_1_to_4_days() -> None:
    table = load_expiry_table()
    leads = [table.lead_for(food_class=None, shelf_life_days=d).lead_days for d in range(16)]
    assert leads == [1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]


def test_a_class_wins_over_the_shelf_life_and_a_city_over_the_class() -> None:
    table = load_expiry_table()
    assert table.lead_for(food_class="bread_pastry", shelf_life_days=400).lead_days == 1
    assert table.lead_for(food_class="canned_food", shelf_life_days=None).lead_days == 45
    with pytest.raises(ValidationError, match="food_class: unknown 'caviar'"):
        table.lead_for(food_class="caviar", shelf_life_days=None)
    with pytest.raises(ValidationError, match="give a food class"):
        table.lead_for(food_class=None, shelf_life_days=None)


def test_packaged_classes_cover_the_brief() -> None:
    classes = load_expiry_table().classes
    for code in ("fresh_milk", "yoghurt", "bread_pastry", "cooked_food", "tofu", "eggs"):
        assert code in classes
    for code in ("fresh_meat", "fruit_vegetables", "packaged_snacks", "canned_food"):
        assert code in classes
    assert {"instant_noodles", "drinks"} <= set(classes)
    assert "not a national standard" in load_expiry_table().basis


LADDER = Ladder("t", (Step(100, 30), Step(50, 50), Step(0, 70)))


@pytest.mark.parametrize(
    ("lead", "expected"),
    [
        (1, {2: 0, 1: 30, 0: 70, -1: 0}),
        (3, {4: 0, 3: 30, 2: 30, 1: 50, 0: 70}),
        (5, {5: 30, 3: 30, 2: 50, 1: 50, 0: 70}),
        (0, {1: 0, 0: 70}),
    ],
)
def test_ladder_steps(lead: int, expected: dict[int, int]) -> None:
    got = {d: LADDER.discount_pct(days_left=d, lead_days=lead) for d in expected}
    assert got == expected


@given(st.integers(0, 400), st.integers(0, 400))
def test_ladder_never_shallower_closer_to_expiry(lead: int, left: int) -> None:
    if left >= 1:
        closer = LADDER.discount_pct(days_left=left - 1, lead_days=lead)
        assert closer >= LADDER.discount_pct(days_left=left, lead_days=lead)


def test_dates_of_a_batch() -> None:
    assert expiry_from_production(date(2026, 12, 1), 1) == date(2026, 12, 1)
    assert expiry_from_production(date(2026, 12, 25), 10) == date(2027, 1, 3)
    expiry = date(2026, 12, 10)
    assert warn_from(expiry, 3) == date(2026, 12, 7)
    assert stage_on(expiry=expiry, lead_days=3, today=date(2026, 12, 6)) == Stage.FRESH
    assert stage_on(expiry=expiry, lead_days=3, today=date(2026, 12, 7)) == Stage.NEAR_EXPIRY
    assert stage_on(expiry=expiry, lead_days=3, today=expiry) == Stage.NEAR_EXPIRY
    assert stage_on(expiry=expiry, lead_days=3, today=date(2026, 12, 11)) == Stage.EXPIRED


def test_midnight_in_shanghai_is_16_00_utc_the_day_before() -> None:
    assert day_start(date(2026, 12, 10)) == datetime(2026, 12, 9, 16, 0, tzinfo=UTC)
    assert expires_at(date(2026, 12, 10)) == datetime(2026, 12, 10, 16, 0, tzinfo=UTC)
    just_before = datetime(2026, 12, 10, 15, 59, 59, tzinfo=UTC)
    assert local_date(just_before) == date(2026, 12, 10)
    assert local_date(just_before + timedelta(seconds=1)) == date(2026, 12, 11)
    # 23:30 UTC on the 9th is already the 10th in Shanghai
    assert local_date(datetime(2026, 12, 9, 23, 30, tzinfo=UTC)) == date(2026, 12, 10)
    with pytest.raises(ValidationError, match="naive"):
        local_date(datetime(2026, 12, 9, 23, 30))  # noqa: DTZ001 - the point of the test


def test_money_in_fen() -> None:
    assert discounted_fen(650, 30) == 455
    assert discounted_fen(999, 50) == 500  # 499.5 rounds up
    assert discounted_fen(0, 70) == 0


@pytest.mark.parametrize("code", ["6901234567892", "4006381333931", "96385074", "73513537"])
def test_valid_barcodes(code: str) -> None:
    assert checked_barcode(code) == code


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("6901234567893", "check digit 3 is wrong"),
        ("96385075", "check digit 5 is wrong"),
        ("690123456789", "12 digits"),
        ("69012345678x2", "not all digits"),
        ("٦٩٠١٢٣٤٥", "not all digits"),
    ],
)
def test_invalid_barcodes(code: str, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem) as caught:
        checked_barcode(code)
    assert caught.value.field == "barcode"
