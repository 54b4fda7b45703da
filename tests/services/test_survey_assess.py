"""The satisfaction surveys in the assessment: the targets rows carry the survey's figures.

The city is the real Futian walk graph with SYNTHETIC places, residents and answers
(tests/services/futian.py); its units are H3 cells, so the pilots are named by hand.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from lifecircle.core.surveys import wilson_interval
from lifecircle.report import render_report
from lifecircle.services.accounts import create_account, get_account
from lifecircle.services.assess import assess, run_assessment
from lifecircle.services.city.data import load_city_data
from lifecircle.services.survey_results import latest_satisfaction
from lifecircle.services.surveys import (
    Scope,
    SurveySpec,
    answer_survey,
    create_survey,
    update_survey,
)
from lifecircle.store.migrate import open_database
from tests.services.futian import make_futian_city

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from lifecircle.services.accounts import Account

PASSWORD = "a synthetic test password"


@pytest.fixture(scope="module")
def futian(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, str]:
    folder = tmp_path_factory.mktemp("futian-surveys")
    eng = open_database(f"sqlite:///{folder}/t.db")
    return eng, make_futian_city(eng, folder)


def _account(engine: Engine, name: str, role: str) -> Account:
    made = create_account(engine=engine, username=name, password=PASSWORD, role=role)
    return get_account(engine=engine, user_id=made.id)


def _survey(
    engine: Engine, city: str, admin: Account, scores: dict[str, list[int]], tag: str
) -> int:
    now = datetime.now(UTC)
    spec = SurveySpec(
        title=f"SYNTHETIC {tag}",
        scope=Scope.CITY,
        opens_at=now - timedelta(days=2),
        closes_at=now + timedelta(days=2),
        template="satisfaction",
    )
    survey = create_survey(engine=engine, account=admin, city=city, spec=spec).survey.id
    for code, values in scores.items():
        for i, score in enumerate(values):
            who = _account(engine, f"{tag}-{code}-{i}", "resident")
            answer_survey(
                engine=engine,
                account=who,
                survey_id=survey,
                answers={"satisfaction": score},
                community=code,
            )
    update_survey(engine=engine, account=admin, survey_id=survey, close=True)
    return survey


def _rows(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["code"]: t for t in doc["city"]["targets"]}


def test_without_a_survey_satisfaction_is_not_recorded(futian: tuple[Engine, str]) -> None:
    engine, name = futian
    rows = _rows(assess(load_city_data(engine=engine, name=name), satisfaction=None))
    assert rows["satisfaction"]["actual"] is None
    assert rows["satisfaction"]["note"] == "not recorded yet"
    assert rows["satisfaction"]["n"] is None


def test_the_targets_show_the_latest_survey(futian: tuple[Engine, str]) -> None:
    engine, name = futian
    admin = _account(engine, "survey-admin", "admin")
    data = load_city_data(engine=engine, name=name)
    a, b = data.units.codes[:2]
    # 18 of 20 satisfied: 90 %, the national target met, the pilots' 95 % not
    survey = _survey(engine, name, admin, {a: [5] * 12 + [2, 3], b: [4] * 6}, "sat")
    doc = run_assessment(engine=engine, name=name, save=False)
    row = _rows(doc)["satisfaction"]
    low, high = wilson_interval(18, 20)
    assert row["actual"] == pytest.approx(0.9)
    assert (row["n"], row["low"], row["high"]) == (20, pytest.approx(low), pytest.approx(high))
    assert row["met"] is True
    assert f"20 answers, 95 % Wilson interval {100 * low:.1f}–{100 * high:.1f} %" in row["note"]
    assert f"survey {survey}" in row["note"]
    pilot = _rows(doc)["pilot_satisfaction"]
    assert pilot["actual"] is None  # no pilot among H3 cells
    assert pilot["met"] is None

    # name the two cells after pilots 1 and 2: the pilots' figure pools their answers
    names = ("巴登社区", "福山社区", *data.units.names[2:])
    streets = ("南园街道", "福田街道", *data.units.streets[2:])
    units = replace(data.units, names=names, streets=streets)
    counts = latest_satisfaction(engine=engine, name=name)
    assert counts is not None
    assert counts.survey_id == survey
    pilots = _rows(assess(replace(data, units=units), satisfaction=counts))["pilot_satisfaction"]
    assert (pilots["actual"], pilots["n"], pilots["met"]) == (pytest.approx(0.9), 20, False)

    # the report shows the figure with its interval
    html = render_report(doc, geometries={})
    assert f"{100 * low:.1f}–{100 * high:.1f} %" in html


def test_too_few_answers_give_no_figure(futian: tuple[Engine, str]) -> None:
    engine, name = futian
    admin = _account(engine, "survey-admin-2", "admin")
    code = load_city_data(engine=engine, name=name).units.codes[0]
    _survey(engine, name, admin, {code: [5, 5, 5, 5]}, "few")  # the latest closed: 4 answers
    row = _rows(run_assessment(engine=engine, name=name, save=False))["satisfaction"]
    assert row["actual"] is None
    assert row["met"] is None
    assert row["n"] == 4
    assert row["low"] is None
    assert row["note"].startswith("too few answers (4, fewer than 5)")
