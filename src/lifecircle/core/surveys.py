"""Survey questions, answer checking and the figures of results: shares with Wilson intervals.

Pure: questions and answers are plain values, results are frozen dataclasses. A cell (a
community, a pilot, an area) with fewer than :data:`MIN_CELL` answers is *too few*: its
share, interval and distributions are ``None``, never a figure, so a result never
describes fewer than five residents.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from lifecircle.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

MIN_CELL = 5
"""Fewest answers a cell needs before any figure of it is shown."""

Z_95 = 1.959963984540054
"""The standard normal quantile of 0.975: a two-sided 95 % interval."""

SATISFIED_MIN = 4
"""A satisfaction answer of at least this (of 5) counts as satisfied (满意 or 非常满意)."""


class QuestionKind(StrEnum):
    """What a question asks for."""

    SCALE5 = "scale5"  # an integer 1..5
    SINGLE = "single"  # one of the options
    MULTIPLE = "multiple"  # one or more distinct options
    TEXT = "text"  # free text


@dataclass(frozen=True)
class Question:
    """One question: its key, text, kind, options (choice kinds), and whether it is required.

    ``satisfaction`` marks THE satisfaction question of a survey (a ``scale5``): the one
    whose share of 4 and 5 is the plan's satisfaction figure.
    """

    key: str
    text: str
    kind: QuestionKind
    options: tuple[str, ...] = ()
    required: bool = True
    satisfaction: bool = False


def check_questions(questions: Sequence[Question]) -> None:
    """Refuse a set of questions that cannot be answered, naming every problem.

    Raises
    ------
    ValidationError
        Keys repeat, a choice question has fewer than two options or repeated ones,
        another kind has options, or more than one question (or one that is not a
        ``scale5``) is marked as the satisfaction question.

    """
    problems: list[str] = []
    if not questions:
        problems.append("a survey needs at least one question")
    seen: set[str] = set()
    for q in questions:
        if q.key in seen:
            problems.append(f"question {q.key}: the key repeats")
        seen.add(q.key)
        choice = q.kind in {QuestionKind.SINGLE, QuestionKind.MULTIPLE}
        if choice and len(q.options) < 2:
            problems.append(f"question {q.key}: a {q.kind} question needs at least two options")
        if choice and len(set(q.options)) != len(q.options):
            problems.append(f"question {q.key}: options repeat")
        if not choice and q.options:
            problems.append(f"question {q.key}: a {q.kind} question takes no options")
        if q.satisfaction and q.kind != QuestionKind.SCALE5:
            problems.append(f"question {q.key}: the satisfaction question must be a scale5")
    if sum(q.satisfaction for q in questions) > 1:
        problems.append("only one question can be the satisfaction question")
    if problems:
        raise ValidationError("; ".join(problems), field="body.questions")


def check_answers(questions: Sequence[Question], answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers made canonical, or every problem, each naming its question.

    Parameters
    ----------
    questions
        The survey's questions.
    answers
        Question key → value: an int 1..5 (``scale5``), an option (``single``), a list
        of distinct options (``multiple``), a text (``text``). Optional questions may be
        left out (or ``None``).

    Returns
    -------
    dict
        Key → value, in question order, without the unanswered optional questions
        (``multiple`` answers in the options' order).

    Raises
    ------
    ValidationError
        Naming each problem (``question q2: ...``); ``field`` is the first one's
        ``body.answers.<key>``.

    """
    by_key = {q.key: q for q in questions}
    problems = [(k, "no such question in this survey") for k in answers if k not in by_key]
    clean: dict[str, Any] = {}
    for q in questions:
        value = answers.get(q.key)
        if value is None or value in ("", []):
            if q.required:
                problems.append((q.key, "an answer is required"))
            continue
        problem = _problem(q, value)
        if problem is not None:
            problems.append((q.key, problem))
        elif q.kind == QuestionKind.MULTIPLE:
            clean[q.key] = [o for o in q.options if o in value]
        else:
            clean[q.key] = value.strip() if isinstance(value, str) else value
    if problems:
        raise ValidationError(
            "; ".join(f"question {k}: {p}" for k, p in problems),
            field=f"body.answers.{problems[0][0]}",
        )
    return clean


def _problem(q: Question, value: Any) -> str | None:  # noqa: PLR0911 - one per kind and fault
    if q.kind == QuestionKind.SCALE5:
        ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5
        return None if ok else "expected a whole number from 1 to 5"
    if q.kind == QuestionKind.SINGLE:
        if not isinstance(value, str) or value not in q.options:
            return "expected one of the options: " + ", ".join(q.options)
        return None
    if q.kind == QuestionKind.MULTIPLE:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "expected a list of options"
        if len(set(value)) != len(value):
            return "an option is chosen twice"
        unknown = [v for v in value if v not in q.options]
        return f"not an option: {', '.join(unknown)}" if unknown else None
    return None if isinstance(value, str) and value.strip() else "expected a text"


def wilson_interval(successes: int, n: int, *, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95 % by default), without continuity correction.

    Unlike the normal ("Wald") interval it stays inside 0..1 and does not collapse to a
    point at 0 or n successes, which matters for shares near the plan's 95 %.

    >>> [round(v, 4) for v in wilson_interval(8, 10)]
    [0.4902, 0.9433]

    Raises
    ------
    ValueError
        If ``n`` is not positive or ``successes`` lies outside 0..n.

    """
    if n <= 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n and n > 0, got {successes} of {n}")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    # at 0 or n successes the end is exactly 0 or 1 (rounding would leave it a hair off)
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


@dataclass(frozen=True)
class ShareCell:
    """The share satisfied of one cell: answers ``n``, and figures only if ``n >= MIN_CELL``.

    ``too_few`` cells have ``satisfied``, ``share``, ``low`` and ``high`` all ``None``.
    """

    n: int
    satisfied: int | None
    share: float | None
    low: float | None
    high: float | None

    @property
    def too_few(self) -> bool:
        """Whether the cell has fewer answers than :data:`MIN_CELL` (no figure shown)."""
        return self.share is None


def share_cell(satisfied: int, n: int) -> ShareCell:
    """A cell from its counts: suppressed (``too_few``) under :data:`MIN_CELL` answers."""
    if n < MIN_CELL:
        return ShareCell(n=n, satisfied=None, share=None, low=None, high=None)
    low, high = wilson_interval(satisfied, n)
    return ShareCell(n=n, satisfied=satisfied, share=satisfied / n, low=low, high=high)


def satisfied_count(values: Iterable[int]) -> tuple[int, int]:
    """How many of the satisfaction answers are satisfied (4 or 5), and how many there are."""
    values = list(values)
    return sum(v >= SATISFIED_MIN for v in values), len(values)


@dataclass(frozen=True)
class Distribution:
    """How one question was answered in a cell: counts per level or option, or too few.

    ``counts`` is ``None`` when ``n`` (answers to this question) is under :data:`MIN_CELL`;
    ``texts`` (text questions) likewise, and sorted, so their order tells nothing of who
    or when.
    """

    key: str
    n: int
    counts: dict[str, int] | None
    texts: tuple[str, ...] | None


def distribution(question: Question, answers: Sequence[Mapping[str, Any]]) -> Distribution:
    """The distribution of ``question`` over a cell's ``answers`` (suppressed under 5)."""
    values = [a[question.key] for a in answers if question.key in a]
    n = len(values)
    if n < MIN_CELL:
        return Distribution(question.key, n, None, None)
    if question.kind == QuestionKind.TEXT:
        return Distribution(question.key, n, None, tuple(sorted(str(v) for v in values)))
    levels: tuple[str, ...]
    if question.kind == QuestionKind.SCALE5:
        levels = ("1", "2", "3", "4", "5")
        counted = Counter(str(v) for v in values)
    else:
        levels = question.options
        counted = Counter(str(o) for v in values for o in (v if isinstance(v, list) else [v]))
    return Distribution(question.key, n, {level: counted.get(level, 0) for level in levels}, None)
