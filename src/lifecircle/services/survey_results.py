"""A survey's results for officials, and the latest satisfaction figures for the assessment.

Aggregates only: per community, per pilot and overall, the share satisfied (4 or 5 of 5
on the satisfaction question) with its number of answers and a 95 % Wilson interval,
and each question's distribution; a cell of fewer than five answers is *too few* and
shows no figure (:mod:`lifecircle.core.surveys`). Free texts are shown without any
identity, sorted, and only for the whole area asked when it has five answers or more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime  # noqa: TC003 - a dataclass field's type
from typing import TYPE_CHECKING, Any

from lifecircle.core.surveys import (
    MIN_CELL,
    SATISFIED_MIN,
    Distribution,
    ShareCell,
    distribution,
    satisfied_count,
    share_cell,
)
from lifecircle.errors import PermissionDeniedError
from lifecircle.io.targets import load_targets
from lifecircle.services.areas import area_scope
from lifecircle.services.pilots import match_pilots
from lifecircle.services.surveys import (
    PLAN_TARGETS,
    concerns,
    load_survey,
    questions_of,
    status_of,
    survey_units,
)
from lifecircle.store import surveys as store
from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope
from lifecircle.store.models import utc_now

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.engine import Engine

    from lifecircle.core.surveys import Question
    from lifecircle.services.accounts import Account
    from lifecircle.store.surveys import SurveyRow


@dataclass(frozen=True)
class CommunityResult:
    """One community's cell: satisfaction and each question's distribution."""

    code: str
    name: str
    satisfaction: ShareCell | None
    questions: tuple[Distribution, ...]


@dataclass(frozen=True)
class PilotResult:
    """One pilot of the plan and its community's satisfaction."""

    seq: int
    name: str
    street: str
    district: str
    community_code: str
    satisfaction: ShareCell | None


@dataclass(frozen=True)
class SurveyResults:
    """A survey's results within an area (``area`` ``None``: the whole survey)."""

    survey_id: int
    city: str
    area: str | None
    status: str
    satisfaction_question: str | None
    overall: ShareCell | None
    pilots_overall: ShareCell | None
    questions: tuple[Distribution, ...]
    communities: tuple[CommunityResult, ...]
    pilots: tuple[PilotResult, ...]
    min_cell: int = MIN_CELL


def _satisfaction_key(questions: Sequence[Question]) -> str | None:
    return next((q.key for q in questions if q.satisfaction), None)


def _cell(key: str | None, answers: Sequence[dict[str, Any]]) -> ShareCell | None:
    if key is None:
        return None
    return share_cell(*satisfied_count(a[key] for a in answers if key in a))


def _pilot_codes(survey: SurveyRow, units: Sequence[Any]) -> dict[int, str]:
    """Pilot seq → community code: the survey's own pilots, else the plan's as matched."""
    if survey.pilots:
        return dict(survey.pilots)
    plan = load_targets(PLAN_TARGETS)
    found = match_pilots(
        plan, [u.name for u in units], [u.street for u in units], [u.district for u in units]
    )
    return {seq: units[k].code for seq, k in found.items()}


def survey_results(
    *, engine: Engine, account: Account, survey_id: int, area: str | None = None
) -> SurveyResults:
    """The results of a survey in the caller's area (narrowed to ``area`` when given).

    Raises
    ------
    NotFoundError
        No such survey, or ``area`` names no unit of its city.
    PermissionDeniedError
        Not an official of the survey's city, an area outside one's own, or a survey
        that covers none of one's area.

    """
    with session_scope(engine) as session:
        survey, city = load_survey(session, survey_id)
        if not concerns(session, account, survey, city):
            raise PermissionDeniedError("this survey covers none of your area", field="survey_id")
    scope = area_scope(engine=engine, account=account, city=city, area=area)
    with session_scope(engine) as session:
        units = survey_units(session, city_id=survey.city_id)
        rows = store.answers_of(session, survey_id=survey_id)
    questions = questions_of(survey)
    key = _satisfaction_key(questions)
    names = {u.code: u.name for u in units}
    by_code: dict[str, list[dict[str, Any]]] = {}
    for code in survey.communities:
        if scope.covers(code):
            by_code[code] = []
    for code, answers in rows:
        if scope.covers(code):
            by_code.setdefault(code, []).append(answers)
    every = [a for answers in by_code.values() for a in answers]
    communities = tuple(
        CommunityResult(
            code=code,
            name=names.get(code, ""),
            satisfaction=_cell(key, answers),
            questions=tuple(distribution(q, answers) for q in questions if q.kind != "text"),
        )
        for code, answers in sorted(by_code.items())
    )
    unit_of = {u.code: u for u in units}
    plan = {p.seq: p for p in load_targets(PLAN_TARGETS).pilots}
    pilots: list[PilotResult] = []
    in_pilots: list[dict[str, Any]] = []
    for seq, code in sorted(_pilot_codes(survey, units).items()):
        if not scope.covers(code) or (survey.scope != "city" and code not in survey.communities):
            continue
        cell_answers = by_code.get(code, [])
        in_pilots.extend(cell_answers)
        unit, pilot = unit_of.get(code), plan.get(seq)
        pilots.append(
            PilotResult(
                seq=seq,
                name=pilot.name if pilot else (unit.name if unit else ""),
                street=pilot.street if pilot else "",
                district=pilot.district if pilot else "",
                community_code=code,
                satisfaction=_cell(key, cell_answers),
            )
        )
    return SurveyResults(
        survey_id=survey_id,
        city=city,
        area=None if scope.area is None else scope.area.code,
        status=status_of(survey, utc_now()),
        satisfaction_question=key,
        overall=_cell(key, every),
        pilots_overall=_cell(key, in_pilots) if pilots else None,
        questions=tuple(distribution(q, every) for q in questions),
        communities=communities,
        pilots=tuple(pilots),
    )


@dataclass(frozen=True)
class SatisfactionCounts:
    """The satisfaction answers of one survey per community: (satisfied, answers)."""

    survey_id: int
    title: str
    scope: str
    status: str
    closes_at: datetime
    counts: dict[str, tuple[int, int]]

    def cell(self, codes: set[str] | None = None) -> ShareCell:
        """The share satisfied over these communities (``None``: all of them)."""
        chosen = [v for c, v in self.counts.items() if codes is None or c in codes]
        return share_cell(sum(s for s, _ in chosen), sum(n for _, n in chosen))

    def describe(self) -> str:
        """Which survey the figures come from, for the targets' notes."""
        return f'survey {self.survey_id} "{self.title}" ({self.status}, {self.scope})'


def latest_satisfaction(*, engine: Engine, name: str) -> SatisfactionCounts | None:
    """The satisfaction answers of the city's latest satisfaction survey, or ``None``.

    The latest closed survey with a satisfaction question (final figures), else the one
    open now that opened last; surveys not open yet do not count.
    """
    now = utc_now()
    with session_scope(engine) as session:
        city_id = get_city(session, name=name).id
        surveys = [
            s
            for s in store.list_surveys(session, city_id=city_id)
            if _satisfaction_key(questions_of(s)) is not None and s.opens_at <= now
        ]
        closed = sorted(
            (s for s in surveys if s.closes_at <= now), key=lambda s: (s.closes_at, s.id)
        )
        still_open = sorted(
            (s for s in surveys if s.closes_at > now), key=lambda s: (s.opens_at, s.id)
        )
        chosen = closed[-1] if closed else (still_open[-1] if still_open else None)
        if chosen is None:
            return None
        rows = store.answers_of(session, survey_id=chosen.id)
    key = _satisfaction_key(questions_of(chosen))
    counts: dict[str, tuple[int, int]] = {}
    for code, answers in rows:
        if key in answers:
            s, n = counts.get(code, (0, 0))
            counts[code] = (s + int(answers[key] >= SATISFIED_MIN), n + 1)
    return SatisfactionCounts(
        survey_id=chosen.id,
        title=chosen.title,
        scope=chosen.scope,
        status=status_of(chosen, now),
        closes_at=chosen.closes_at,
        counts=counts,
    )


def satisfaction_figures(
    counts: SatisfactionCounts | None, pilot_codes: set[str]
) -> dict[str, Any]:
    """The satisfaction members of :class:`CityFigures` from a survey's counts.

    The pilots' figure pools the answers filed under the matched pilots' communities;
    the city's is given only by a survey of the whole city (one of chosen communities
    says nothing of the rest).
    """
    if counts is None:
        return {}
    pilots = counts.cell(pilot_codes) if pilot_codes else None
    city = counts.cell() if counts.scope == "city" else None
    return {
        "satisfaction_pilots": None if pilots is None else pilots.share,
        "satisfaction_pilots_cell": pilots,
        "satisfaction_all": None if city is None else city.share,
        "satisfaction_all_cell": city,
        "satisfaction_survey": counts.describe(),
    }
