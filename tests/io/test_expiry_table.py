"""The near-expiry table's parser: the packaged file, overrides, and errors naming the entry."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from lifecircle.errors import DataError, NotFoundError
from lifecircle.io.expiry import expiry_table_from_toml, load_expiry_table

if TYPE_CHECKING:
    from pathlib import Path

GOOD = """
name = "test"
basis = "a test table"
[ladders.l]
steps = [{ at_lead_pct = 100, discount_pct = 20 }, { at_lead_pct = 0, discount_pct = 60 }]
[[bands]]
shelf_life_min_days = 0
shelf_life_max_days = 29
lead_days_min = 1
lead_days_max = 4
ladder = "l"
[[bands]]
shelf_life_min_days = 30
lead_days_min = 10
lead_days_max = 10
ladder = "l"
[classes.milk]
name_zh = "奶"
name_en = "milk"
lead_days = 2
ladder = "l"
[cities."shenzhen"]
milk = 3
"""


def test_the_packaged_table_loads() -> None:
    table = load_expiry_table()
    assert table.source.endswith("data/expiry/default.toml")
    assert len(table.bands) == 6
    assert table.cities == {}


def test_a_file_of_ones_own_with_a_city_override(tmp_path: Path) -> None:
    path = tmp_path / "leads.toml"
    path.write_text(GOOD, encoding="utf-8")
    table = load_expiry_table(path)
    assert table.lead_for(food_class="milk", shelf_life_days=None).lead_days == 2
    lead = table.lead_for(food_class="milk", shelf_life_days=None, city="shenzhen")
    assert (lead.lead_days, lead.basis) == (3, "city")
    assert table.lead_for(food_class=None, shelf_life_days=45).lead_days == 10


def test_a_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no near-expiry table"):
        load_expiry_table(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("lead_days = 2", "lead_days = -1"), "classes.milk.lead_days: must be a whole number"),
        (('ladder = "l"\n[cities', 'ladder = "q"\n[cities'), "classes.milk.ladder: no ladder 'q'"),
        (("milk = 3", "cheese = 3"), "cities.shenzhen.cheese: no food class 'cheese'"),
        (("shelf_life_min_days = 30", "shelf_life_min_days = 31"), "bands: leave no gap"),
        (("discount_pct = 60", "discount_pct = 10"), "ladders.l.steps[1]: each step must"),
        (("lead_days_max = 4", "lead_days_max = true"), "bands[0].lead_days_max"),
        (('name = "test"', "name = 3"), "name: must be text"),
    ],
)
def test_errors_name_the_file_the_entry_and_the_problem(
    change: tuple[str, str], problem: str
) -> None:
    text = GOOD.replace(*change, 1)
    assert text != GOOD
    with pytest.raises(DataError) as caught:
        expiry_table_from_toml(text, source="my-leads.toml")
    message = str(caught.value)
    assert message.startswith("my-leads.toml: ")
    assert problem in message


def test_not_toml() -> None:
    with pytest.raises(DataError, match=r"x\.toml: not valid TOML"):
        expiry_table_from_toml("name = ", source="x.toml")
