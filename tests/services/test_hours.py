"""Coverage by time of day on a hand-made city: closed places do not count, unknown-hours
choices, the hourly curve equals separate --at runs, served when needed.

The street (lengths in metres)::

    H1 --200-- B --200-- C --200-- D --1500-- H2

Residents: 100 at H1 (community c1), 100 at H2 (community c2). Places (basic):
breakfast at B 06:00-09:00 every day; breakfast at D 10:00-14:00 (Mon-Fri);
pharmacy at C of unknown hours; convenience at B 24/7.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from lifecircle.core.assess.hours import Moment, moment_from_text
from lifecircle.errors import ValidationError
from lifecircle.io.places.taxonomy import load_taxonomy
from lifecircle.services.assess import AssessParams
from lifecircle.services.city.data import CityData, Homes, Places, Units
from lifecircle.services.hours import TimeOptions, assess_in_time, open_places
from tests.conftest import hand_network

WEEK = tuple(range(7))


def _city() -> CityData:
    net, _ = hand_network(
        {
            "H1": (114.000, 22.5),
            "B": (114.002, 22.5),
            "C": (114.004, 22.5),
            "D": (114.006, 22.5),
            "H2": (114.020, 22.5),
        },
        [("H1", "B", 200.0), ("B", "C", 200.0), ("C", "D", 200.0), ("D", "H2", 1500.0)],
    )
    tax = load_taxonomy("shenzhen")
    col = tax.codes.index
    units = Units(
        codes=("c1", "c2"),
        names=("一", "二"),
        streets=("", ""),
        districts=("", ""),
        geometries=(None, None),
        level="community",
    )
    homes = Homes(
        lon=np.array([114.000, 114.020]),
        lat=np.array([22.5, 22.5]),
        weight=np.array([100.0, 100.0]),
        zone=np.array([0, 1]),
        method="points",
    )
    hours = (
        tuple((d, 360, 540) for d in WEEK),  # breakfast at B
        tuple((d, 600, 840) for d in range(5)),  # breakfast at D
        None,  # pharmacy at C
        tuple((d, 0, 1440) for d in WEEK),  # convenience at B
    )
    places = Places(
        id=np.arange(1, 5),
        uid=("b1", "b2", "p1", "s1"),
        name=("早餐B", "早餐D", "药店C", "便利B"),
        lon=np.array([114.002, 114.006, 114.004, 114.002]),
        lat=np.full(4, 22.5),
        chain=np.zeros(4, dtype=bool),
        open_24h=np.array([False, False, False, True]),
        zone=np.array([0, 0, 0, 0]),
        pair_place=np.arange(4),
        pair_category=np.array(
            [col("breakfast"), col("breakfast"), col("pharmacy"), col("convenience_store")]
        ),
        hours=hours,
    )
    return CityData(name="hand", taxonomy=tax, net=net, units=units, homes=homes, places=places)


@pytest.fixture(scope="module")
def city() -> CityData:
    return _city()


def _cov(doc: dict, code: str, cat: str) -> float | None:
    return next(c for c in doc["communities"] if c["code"] == code)["coverage"][cat]


def test_a_place_closed_at_the_moment_does_not_count(city: CityData) -> None:
    morning = assess_in_time(city, options=TimeOptions(at="Mon 07:30"))
    assert _cov(morning, "c1", "breakfast") == 1.0  # B is open, 200 m away
    night = assess_in_time(city, options=TimeOptions(at="Mon 22:00"))
    assert _cov(night, "c1", "breakfast") == 0.0  # both closed
    assert _cov(night, "c1", "convenience_store") == 1.0  # open 24/7
    noon_sat = assess_in_time(city, options=TimeOptions(at="Sat 11:00"))
    assert _cov(noon_sat, "c1", "breakfast") == 0.0  # D opens on weekdays only
    noon = assess_in_time(city, options=TimeOptions(at="2025-03-03T11:00"))  # a Monday
    assert _cov(noon, "c1", "breakfast") == 1.0  # D, 600 m
    assert noon["run"]["parameters"]["time"]["at_day"] == "Mon"
    plain = assess_in_time(city)
    assert "time" not in plain["run"]["parameters"]
    assert _cov(plain, "c1", "breakfast") == 1.0


def test_unknown_hours_choices(city: CityData) -> None:
    docs = {
        mode: assess_in_time(city, options=TimeOptions(at="Mon 12:00", unknown=mode))
        for mode in ("open", "closed", "exclude")
    }
    assert _cov(docs["open"], "c1", "pharmacy") == 1.0
    assert _cov(docs["closed"], "c1", "pharmacy") == 0.0
    assert _cov(docs["exclude"], "c1", "pharmacy") is None  # nobody's answer is known
    # c2 is beyond 1 km of everything: not served whatever the pharmacy's hours
    assert _cov(docs["exclude"], "c2", "pharmacy") == 0.0
    assert docs["exclude"]["city"]["coverage"]["pharmacy"] == 0.0  # over c2's residents only
    assert docs["open"]["city"]["hours_unknown"]["pharmacy"] == 1.0
    assert docs["open"]["city"]["hours_unknown"]["breakfast"] == 0.0
    assert docs["open"]["run"]["parameters"]["time"]["unknown_hours_default"] == "open"


@pytest.mark.parametrize("mode", ["open", "closed", "exclude"])
def test_the_hourly_curve_equals_separate_at_runs(city: CityData, mode: str) -> None:
    opts = TimeOptions(by_hour=True, unknown=mode, weekday=0, weekend=5)
    doc = assess_in_time(city, options=opts)
    curves = doc["by_hour"]
    for half, day in (("weekday", "Mon"), ("weekend", "Sat")):
        for hour in range(0, 24, 1):
            at = assess_in_time(city, options=TimeOptions(at=f"{day} {hour:02d}:00", unknown=mode))
            for cat in curves["categories"]:
                assert curves["city"][half][cat][hour] == at["city"]["coverage"][cat], (
                    half,
                    hour,
                    cat,
                )
                assert curves["communities"]["c1"][half][cat][hour] == _cov(at, "c1", cat)


def test_served_when_needed(city: CityData) -> None:
    doc = assess_in_time(city, options=TimeOptions(by_hour=True))
    served = {c["code"]: c["served_when_needed"] for c in doc["communities"]}
    # breakfast 06:30-09:00 checked at 06:30, 07:00, 08:00: B is open then
    assert served["c1"]["categories"]["breakfast"] == 1.0
    assert served["c1"]["categories"]["convenience_store"] == 1.0
    assert served["c2"]["categories"]["breakfast"] == 0.0
    assert served["c1"]["all"] == 0.0  # no fresh food, no laundry...
    hours = doc["run"]["parameters"]["time"]["hours_of_need"]
    assert hours["breakfast"] == "06:30-09:00"
    assert doc["city"]["served_when_needed"]["categories"]["breakfast"] == 0.5


def test_a_breakfast_shop_opening_at_nine_serves_no_commuter(city: CityData) -> None:
    late = tuple((d, 540, 840) for d in WEEK)
    hours = (late, *city.places.hours[1:])  # type: ignore[index]
    moved = replace(city, places=replace(city.places, hours=hours))
    doc = assess_in_time(moved, options=TimeOptions(by_hour=True))
    c1 = next(c for c in doc["communities"] if c["code"] == "c1")
    assert c1["served_when_needed"]["categories"]["breakfast"] == 0.0
    assert doc["by_hour"]["city"]["weekday"]["breakfast"][9] == 0.5


def test_open_places_is_the_filtering_step(city: CityData) -> None:
    at = Moment(0, 23 * 60)
    kept = open_places(city, at, "closed")
    assert kept.places.pair_place.tolist() == [3]
    assert open_places(city, at, "open").places.pair_place.tolist() == [2, 3]


@pytest.mark.parametrize("text", ["Mon", "Mon 25:00", "Someday 07:00", "2025-13-01T07:00", ""])
def test_bad_moments_are_refused(city: CityData, text: str) -> None:
    with pytest.raises(ValidationError, match=r"at|moment|weekday|time"):
        assess_in_time(city, options=TimeOptions(at=text))


def test_moment_forms() -> None:
    assert moment_from_text("周六 7:05") == Moment(5, 425)
    assert moment_from_text("sunday 23:59").label == "Sun 23:59"
    with pytest.raises(ValidationError):
        TimeOptions(unknown="maybe")
    assert AssessParams().speed == 4.0


def test_a_new_shop_with_hours_fills_a_gap_only_during_them(city: CityData) -> None:
    from lifecircle.services.whatif import Change, apply_change  # noqa: PLC0415

    shop = Change(op="add", category="laundry", lon=114.0, lat=22.5, hours="周一至周五 10:00-14:00")
    after, _ = apply_change(city, shop)
    noon = assess_in_time(after, options=TimeOptions(at="Mon 11:00"))
    morning = assess_in_time(after, options=TimeOptions(at="Mon 07:30"))
    assert _cov(noon, "c1", "laundry") == 1.0
    assert _cov(morning, "c1", "laundry") == 0.0
    unknown, _ = apply_change(city, replace(shop, hours=None))
    assert unknown.places.hours is not None
    assert unknown.places.hours[-1] is None
    with pytest.raises(ValidationError, match="hours"):
        Change(op="add", category="laundry", lon=114.0, lat=22.5, hours="看心情")
