"""Survey figures: the Wilson interval against scipy and known values, suppression, answers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binomtest

from lifecircle.core.surveys import (
    MIN_CELL,
    Question,
    QuestionKind,
    check_answers,
    check_questions,
    distribution,
    share_cell,
    wilson_interval,
)
from lifecircle.errors import ValidationError

QUESTIONS = (
    Question("sat", "满意度", QuestionKind.SCALE5, satisfaction=True),
    Question("one", "one", QuestionKind.SINGLE, ("a", "b", "c")),
    Question("many", "many", QuestionKind.MULTIPLE, ("x", "y", "z"), required=False),
    Question("say", "say", QuestionKind.TEXT, required=False),
)


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        # Wilson's values as published by Newcombe (1998), Statistics in Medicine 17, 857-872,
        # Table I (method 3, no continuity correction)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_published_values(k: int, n: int, low: float, high: float) -> None:
    got = wilson_interval(k, n)
    assert got == pytest.approx((low, high), abs=1e-4)


@given(n=st.integers(1, 5000), data=st.data())
def test_wilson_matches_scipy(n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(0, n))
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    low, high = wilson_interval(k, n)
    assert low == pytest.approx(ci.low, abs=1e-9)
    assert high == pytest.approx(ci.high, abs=1e-9)
    assert 0.0 <= low <= k / n <= high <= 1.0


def test_wilson_refuses_impossible_counts() -> None:
    for k, n in ((1, 0), (-1, 5), (6, 5)):
        with pytest.raises(ValueError, match="successes"):
            wilson_interval(k, n)


def test_cells_under_five_show_no_figure() -> None:
    small = share_cell(4, 4)
    assert small.too_few
    assert (small.n, small.satisfied, small.share, small.low, small.high) == (
        4,
        None,
        None,
        None,
        None,
    )
    enough = share_cell(4, MIN_CELL)
    assert not enough.too_few
    assert enough.share == 0.8
    assert (enough.low, enough.high) == pytest.approx(wilson_interval(4, 5))


def test_distributions_are_suppressed_under_five_and_texts_sorted() -> None:
    answers = [{"sat": 5, "one": "a", "many": ["x", "z"], "say": t} for t in "edcb"]
    assert distribution(QUESTIONS[0], answers).counts is None
    answers.append({"sat": 2, "one": "c", "say": "a"})
    sat = distribution(QUESTIONS[0], answers)
    assert sat.counts == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 4}
    assert distribution(QUESTIONS[1], answers).counts == {"a": 4, "b": 0, "c": 1}
    many = distribution(QUESTIONS[2], answers)  # 4 answered it: too few
    assert (many.n, many.counts) == (4, None)
    say = distribution(QUESTIONS[3], answers)
    assert say.texts == ("a", "b", "c", "d", "e")


def test_answers_are_checked_naming_each_question() -> None:
    clean = check_answers(QUESTIONS, {"sat": 4, "one": "b", "many": ["z", "x"], "say": " ok "})
    assert clean == {"sat": 4, "one": "b", "many": ["x", "z"], "say": "ok"}
    assert check_answers(QUESTIONS, {"sat": 1, "one": "a", "many": []}) == {"sat": 1, "one": "a"}
    with pytest.raises(ValidationError) as caught:
        check_answers(QUESTIONS, {"sat": 6, "many": ["x", "x"], "say": "", "other": 1, "one": True})
    text = str(caught.value)
    for part in (
        "question other: no such question",
        "question sat: expected a whole number from 1 to 5",
        "question one: expected one of the options",
        "question many: an option is chosen twice",
    ):
        assert part in text
    assert caught.value.field == "body.answers.other"
    with pytest.raises(ValidationError, match="question sat: an answer is required"):
        check_answers(QUESTIONS, {"one": "a"})
    with pytest.raises(ValidationError, match="not an option: w"):
        check_answers(QUESTIONS, {"sat": True, "one": "a", "many": ["w"]})


def test_bad_question_sets_are_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        check_questions(
            [
                Question("a", "a", QuestionKind.SINGLE, ("x",)),
                Question("a", "b", QuestionKind.TEXT, ("x", "y"), satisfaction=True),
                Question("c", "c", QuestionKind.SCALE5, satisfaction=True),
            ]
        )
    text = str(caught.value)
    assert "question a: a single question needs at least two options" in text
    assert "question a: the key repeats" in text
    assert "question a: the satisfaction question must be a scale5" in text
    assert "only one question can be the satisfaction question" in text
    with pytest.raises(ValidationError, match="at least one question"):
        check_questions([])
