"""An area's hourly curves are weighted as the city's: all communities give the city back.

The hand-made city of ``tests/services/test_hours.py`` (two communities; here 100 and 300
residents, so the weights matter) is assessed ``--by-hour`` by the real code; weighting
every community's curves by its residents gives the city's stored curves, for the
unknown-hours choices that count every resident (``exclude`` weights by the residents
whose answer is known, which the run does not keep per community: documented).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from lifecircle.services.coverage_by_hour import rounded, weighted_curves
from lifecircle.services.hours import TimeOptions, assess_in_time
from tests.services.test_hours import _city


@pytest.mark.parametrize("mode", ["open", "closed"])
def test_all_communities_weighted_give_the_city_curves(mode: str) -> None:
    city = _city()
    city = replace(city, homes=replace(city.homes, weight=np.array([100.0, 300.0])))
    doc = assess_in_time(city, options=TimeOptions(by_hour=True, unknown=mode))
    hours = doc["by_hour"]
    population = {c["code"]: c["population"] for c in doc["communities"]}
    codes = list(hours["communities"])
    curves = [hours["communities"][c] for c in codes]
    mixed = weighted_curves(curves, [population[c] for c in codes], hours["categories"])
    city_curves = rounded(hours["city"])
    assert mixed == city_curves
    # not a tautology: breakfast is served to c1 only, in the morning (a quarter of them)
    assert city_curves["weekday"]["breakfast"][7] == 0.25
    assert city_curves["weekday"]["breakfast"][22] == 0.0


def test_weighting_skips_unknown_shares_and_empty_communities() -> None:
    a = {"weekday": {"x": [0.5, None]}, "weekend": {"x": [1.0, 1.0]}}
    b = {"weekday": {"x": [0.0, 0.2]}, "weekend": {"x": [0.0, 0.0]}}
    empty = {"weekday": {"x": [0.9, 0.9]}, "weekend": {"x": [0.9, 0.9]}}
    got = weighted_curves([a, b, empty], [300.0, 100.0, 0.0], ["x"], hours=2)
    assert got == {"weekday": {"x": [0.375, 0.2]}, "weekend": {"x": [0.75, 0.75]}}
    assert weighted_curves([empty], [0.0], ["x"], hours=2)["weekday"]["x"] == [None, None]
