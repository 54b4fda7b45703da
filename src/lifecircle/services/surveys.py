"""Satisfaction surveys: officials make them for their area, residents answer each once.

Who sees what:

- an official makes surveys of their city within their area (a city-wide survey needs an
  official of the whole city, or an administrator), and reads and changes the surveys
  of their area; they read a survey that covers any community of their area, and its
  results for that part only (:mod:`lifecircle.services.survey_results`);
- a resident sees the open surveys that concern them (city-wide ones, and those of
  their home's community; all open ones if their home has no community), and answers
  each once: for their home's community, or one they choose among those it covers.

The plan's satisfaction question ships as the ``satisfaction`` template
(:data:`TEMPLATES`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime  # noqa: TC003 - a dataclass field's type
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from lifecircle.core.surveys import Question, QuestionKind, check_answers, check_questions
from lifecircle.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from lifecircle.io.targets import load_targets
from lifecircle.services.areas import area_scope
from lifecircle.services.city.cities import drawn_units, stored_units
from lifecircle.services.pilots import match_pilots
from lifecircle.store import surveys as store
from lifecircle.store.areas import city_area
from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope
from lifecircle.store.homes import get_home
from lifecircle.store.models import City, Role, utc_now

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from lifecircle.io.units.communities import CommunityRecord
    from lifecircle.services.accounts import Account
    from lifecircle.store.surveys import SurveyRow

PLAN_TARGETS = "shenzhen-2023"
"""The plan whose pilots a survey of pilots names (by their ``seq``)."""


class Scope(StrEnum):
    """What a survey covers."""

    CITY = "city"
    COMMUNITIES = "communities"
    PILOTS = "pilots"


@dataclass(frozen=True)
class Template:
    """A ready-made survey: a title and its questions."""

    name: str
    title: str
    questions: tuple[Question, ...]


SATISFACTION_QUESTION = "您对本社区一刻钟便民生活圈的总体满意度"
"""The plan's satisfaction question (1 非常不满意 … 5 非常满意)."""

TEMPLATES: Mapping[str, Template] = MappingProxyType(
    {
        "satisfaction": Template(
            name="satisfaction",
            title="一刻钟便民生活圈居民满意度调查",
            questions=(
                Question(
                    key="satisfaction",
                    text=SATISFACTION_QUESTION
                    + " (1 非常不满意, 2 不满意, 3 一般, 4 满意, 5 非常满意)",
                    kind=QuestionKind.SCALE5,
                    satisfaction=True,
                ),
                Question(
                    key="walk_minutes",
                    text="您步行到最近的菜市场或超市通常需要多久?",
                    kind=QuestionKind.SINGLE,
                    options=("5分钟以内", "5-10分钟", "10-15分钟", "15分钟以上"),
                    required=False,
                ),
                Question(
                    key="wanted",
                    text="您希望社区增加哪些便民服务?",
                    kind=QuestionKind.MULTIPLE,
                    options=(
                        "早餐店",
                        "菜市场/生鲜",
                        "便利店",
                        "家政服务",
                        "维修",
                        "养老服务",
                        "托育",
                        "其他",
                    ),
                    required=False,
                ),
                Question(
                    key="comments",
                    text="您对本社区便民生活圈建设的其他意见和建议",
                    kind=QuestionKind.TEXT,
                    required=False,
                ),
            ),
        )
    }
)
"""The survey templates: ``satisfaction`` asks the plan's question and three optional ones."""


@dataclass(frozen=True)
class SurveySpec:
    """What an official asks for: title, scope, questions (after the template's), times."""

    title: str | None
    scope: Scope
    opens_at: datetime
    closes_at: datetime
    questions: tuple[Question, ...] = ()
    communities: tuple[str, ...] = ()
    pilots: tuple[int, ...] = ()
    template: str | None = None


@dataclass(frozen=True)
class SurveyView:
    """A survey as its reader sees it: ``status`` now, ``answers`` (officials) or ``answered``."""

    survey: SurveyRow
    city: str
    status: str
    answers: int | None
    answered: bool | None


def survey_units(session: Session, *, city_id: int) -> list[CommunityRecord]:
    """The units answers are filed under: those the assessment uses (and homes lie in)."""
    records = stored_units(session, city_id=city_id)
    return drawn_units(records) or [r for r in records if r.level == "community"]


def status_of(survey: SurveyRow, now: datetime) -> str:
    """``scheduled`` (not open yet), ``open`` or ``closed``."""
    if now < survey.opens_at:
        return "scheduled"
    return "open" if now < survey.closes_at else "closed"


def _own_area(session: Session, account: Account, city_id: int) -> Any:
    if account.role != Role.OFFICIAL or account.area_code is None:
        return None
    return city_area(session, city_id=city_id, code=account.area_code)


def concerns(session: Session, account: Account, survey: SurveyRow, city: str) -> bool:
    """Whether an official's area meets the survey (administrators: every survey)."""
    if account.role == Role.ADMIN:
        return True
    if account.role != Role.OFFICIAL or account.city != city:
        return False
    own = _own_area(session, account, survey.city_id)
    if own is None or survey.scope == Scope.CITY:
        return True
    if survey.area_code is not None and own.contains(survey.area_code):
        return True
    return any(own.contains(c) for c in survey.communities)


def _manages(session: Session, account: Account, survey: SurveyRow, city: str) -> bool:
    if account.role == Role.ADMIN:
        return True
    if account.role != Role.OFFICIAL or account.city != city:
        return False
    own = _own_area(session, account, survey.city_id)
    return own is None or (survey.area_code is not None and own.contains(survey.area_code))


def _with_keys(questions: Sequence[Question], first: int) -> list[Question]:
    taken = {q.key for q in questions if q.key}
    out, n = [], first
    for q in questions:
        if q.key:
            out.append(q)
            continue
        while f"q{n}" in taken:
            n += 1
        taken.add(f"q{n}")
        out.append(Question(f"q{n}", q.text, q.kind, q.options, q.required, q.satisfaction))
    return out


def question_dict(q: Question) -> dict[str, Any]:
    """A question as stored (JSON)."""
    return {
        "key": q.key,
        "text": q.text,
        "kind": q.kind.value,
        "options": list(q.options),
        "required": q.required,
        "satisfaction": q.satisfaction,
    }


def questions_of(survey: SurveyRow) -> list[Question]:
    """A stored survey's questions."""
    return [
        Question(
            key=q["key"],
            text=q["text"],
            kind=QuestionKind(q["kind"]),
            options=tuple(q.get("options") or ()),
            required=bool(q.get("required", True)),
            satisfaction=bool(q.get("satisfaction", False)),
        )
        for q in survey.questions
    ]


def _covered(spec: SurveySpec, units: list[CommunityRecord]) -> list[tuple[str, int | None]]:
    """The (community, pilot seq) a survey of chosen units covers; 422 naming unknown ones."""
    if spec.scope == Scope.COMMUNITIES:
        known = {u.code for u in units}
        codes = list(dict.fromkeys(c.strip() for c in spec.communities))
        if not codes:
            raise ValidationError("name at least one community", field="body.communities")
        if unknown := [c for c in codes if c not in known]:
            raise ValidationError(
                "no community of this city with code " + ", ".join(unknown),
                field="body.communities",
            )
        return [(c, None) for c in codes]
    if spec.scope == Scope.PILOTS:
        plan = load_targets(PLAN_TARGETS)
        pilots = {p.seq: p for p in plan.pilots}
        seqs = list(dict.fromkeys(spec.pilots))
        if not seqs:
            raise ValidationError("name at least one pilot (its seq)", field="body.pilots")
        if unknown_seq := [s for s in seqs if s not in pilots]:
            raise ValidationError(
                f"the plan {plan.name} has no pilot " + ", ".join(map(str, unknown_seq)),
                field="body.pilots",
            )
        found = match_pilots(
            plan,
            [u.name for u in units],
            [u.street for u in units],
            [u.district for u in units],
        )
        if missing := [s for s in seqs if s not in found]:
            raise ValidationError(
                "pilots not found among the city's communities: "
                + ", ".join(f"{s} {pilots[s].name} ({pilots[s].street})" for s in missing),
                field="body.pilots",
            )
        out: dict[str, int] = {}
        for s in seqs:
            out.setdefault(units[found[s]].code, s)
        return list(out.items())
    return []


def create_survey(*, engine: Engine, account: Account, city: str, spec: SurveySpec) -> SurveyView:
    """Make a survey of ``city`` (officials of its area, administrators).

    Raises
    ------
    PermissionDeniedError
        An official of another city, a city-wide survey by an official of one area, or a
        community outside their area (named).
    NotFoundError
        If the city does not exist.
    ValidationError
        Unknown communities or pilots, bad questions, times out of order (each named).

    """
    scope = area_scope(engine=engine, account=account, city=city, area=None)
    template = None if spec.template is None else TEMPLATES.get(spec.template)
    if spec.template is not None and template is None:
        raise ValidationError(f"no survey template {spec.template!r}", field="body.template")
    base = list(template.questions) if template else []
    questions = base + _with_keys(spec.questions, 1)
    check_questions(questions)
    title = spec.title or (template.title if template else None)
    if not title:
        raise ValidationError("a survey needs a title (or a template)", field="body.title")
    if spec.opens_at.tzinfo is None or spec.closes_at.tzinfo is None:
        raise ValidationError("times must carry their time zone", field="body.opens_at")
    if spec.closes_at <= spec.opens_at:
        raise ValidationError("closes_at must come after opens_at", field="body.closes_at")
    if spec.closes_at <= utc_now():
        raise ValidationError("closes_at is in the past", field="body.closes_at")
    if spec.scope == Scope.CITY and scope.area is not None:
        raise PermissionDeniedError(
            f"your area is {scope.area.code}: a survey of the whole city is for officials "
            "of the whole city; choose communities or pilots of your area",
            field="body.scope",
        )
    with session_scope(engine, write=True) as session:
        units = survey_units(session, city_id=scope.city_id)
        covered = _covered(spec, units)
        if outside := [c for c, _ in covered if not scope.covers(c)]:
            raise PermissionDeniedError(
                "outside your area: " + ", ".join(outside), field="body.communities"
            )
        survey_id = store.add_survey(
            session,
            city_id=scope.city_id,
            title=title,
            scope=spec.scope.value,
            area_code=account.area_code if account.role == Role.OFFICIAL else None,
            template=spec.template,
            questions=[question_dict(q) for q in questions],
            opens_at=spec.opens_at,
            closes_at=spec.closes_at,
            created_by=account.id,
            communities=covered,
        )
        row = store.get_survey(session, survey_id=survey_id)
    assert row is not None  # just written
    return SurveyView(row, scope.city, status_of(row, utc_now()), 0, None)


def load_survey(session: Session, survey_id: int) -> tuple[SurveyRow, str]:
    """A survey and its city's name (404 if there is none)."""
    row = store.get_survey(session, survey_id=survey_id)
    if row is None:
        raise NotFoundError(f"no survey with id {survey_id}", field="survey_id")
    city = session.get(City, row.city_id)
    assert city is not None  # the foreign key
    return row, city.name


def _home_community(session: Session, user_id: int, city_id: int) -> str | None:
    home = get_home(session, user_id=user_id)
    if home is None or home.city_id != city_id:
        return None
    return home.community_code


def _for_resident(survey: SurveyRow, community: str | None) -> bool:
    return survey.scope == Scope.CITY or community is None or community in survey.communities


def list_city_surveys(*, engine: Engine, account: Account, city: str) -> list[SurveyView]:
    """The surveys of ``city`` the caller sees, newest first.

    Residents: the open ones that concern them. Officials: those that meet their area.
    Administrators: all.

    Raises
    ------
    PermissionDeniedError
        Merchants, and officials of another city.
    NotFoundError
        If the city does not exist.

    """
    if account.role == Role.MERCHANT:
        raise PermissionDeniedError("surveys are for residents and officials")
    if account.role == Role.OFFICIAL and account.city != city.strip():
        raise PermissionDeniedError(
            f"your account acts for {account.city or 'no city'}, not {city!r}", field="city"
        )
    now = utc_now()
    with session_scope(engine) as session:
        try:
            city_row = get_city(session, name=city)
        except NotFoundError as exc:
            raise NotFoundError(str(exc), field="city") from None
        surveys = store.list_surveys(session, city_id=city_row.id)
        if account.role == Role.RESIDENT:
            home = _home_community(session, account.id, city_row.id)
            shown = [s for s in surveys if status_of(s, now) == "open" and _for_resident(s, home)]
            done = store.answered(session, survey_ids=[s.id for s in shown], user_id=account.id)
            return [SurveyView(s, city_row.name, "open", None, s.id in done) for s in shown]
        return [
            SurveyView(
                s,
                city_row.name,
                status_of(s, now),
                store.count_answers(session, survey_id=s.id),
                None,
            )
            for s in surveys
            if concerns(session, account, s, city_row.name)
        ]


def read_survey(*, engine: Engine, account: Account, survey_id: int) -> SurveyView:
    """One survey: residents see it while it is open or once they answered it.

    Raises
    ------
    NotFoundError
        No such survey, or (residents) one not open that they did not answer.
    PermissionDeniedError
        Merchants; officials whose area it does not meet.

    """
    if account.role == Role.MERCHANT:
        raise PermissionDeniedError("surveys are for residents and officials")
    now = utc_now()
    with session_scope(engine) as session:
        survey, city = load_survey(session, survey_id)
        status = status_of(survey, now)
        if account.role == Role.RESIDENT:
            done = bool(store.answered(session, survey_ids=[survey_id], user_id=account.id))
            if status != "open" and not done:
                raise NotFoundError(f"no open survey with id {survey_id}", field="survey_id")
            return SurveyView(survey, city, status, None, done)
        if not concerns(session, account, survey, city):
            raise PermissionDeniedError("this survey covers none of your area", field="survey_id")
        return SurveyView(
            survey, city, status, store.count_answers(session, survey_id=survey_id), None
        )


def update_survey(
    *,
    engine: Engine,
    account: Account,
    survey_id: int,
    title: str | None = None,
    closes_at: datetime | None = None,
    open_now: bool = False,
    close: bool = False,
) -> SurveyView:
    """Change a survey's title or closing time, open or close it now (its officials, admins).

    Raises
    ------
    NotFoundError
        No such survey.
    PermissionDeniedError
        Not an official of the survey's area (or an administrator).
    ConflictError
        The survey is closed already (a closed survey's figures stay as they are), or
        ``open_now`` for one that is open already.
    ValidationError
        ``closes_at`` in the past or before it opens; ``open_now`` with ``close``.

    """
    if account.role not in (Role.OFFICIAL, Role.ADMIN):
        raise PermissionDeniedError("this is for officials and administrators")
    if open_now and close:
        raise ValidationError("open and close at once: choose one", field="body.open")
    now = utc_now()
    with session_scope(engine, write=True) as session:
        survey, city = load_survey(session, survey_id)
        if not _manages(session, account, survey, city):
            raise PermissionDeniedError(
                "only the officials of the survey's area change it", field="survey_id"
            )
        if status_of(survey, now) == "closed":
            raise ConflictError("the survey is closed: it cannot change", field="survey_id")
        if open_now and status_of(survey, now) != "scheduled":
            raise ConflictError("the survey is open already", field="body.open")
        opens_at = now if open_now else survey.opens_at
        if closes_at is not None and (closes_at <= now or closes_at <= opens_at):
            raise ValidationError(
                "closes_at must be in the future and after opens_at", field="body.closes_at"
            )
        store.update_survey(
            session,
            survey_id=survey_id,
            title=title,
            opens_at=now if open_now else None,
            closes_at=max(now, survey.opens_at) if close else closes_at,
        )
        survey, _ = load_survey(session, survey_id)
        return SurveyView(
            survey,
            city,
            status_of(survey, utc_now()),
            store.count_answers(session, survey_id=survey_id),
            None,
        )


@dataclass(frozen=True)
class AnswerReceipt:
    """What a resident gets back: the answer's id, the survey and the community it counts for."""

    id: int
    survey_id: int
    community_code: str
    submitted_at: datetime


def answer_survey(
    *,
    engine: Engine,
    account: Account,
    survey_id: int,
    answers: Mapping[str, Any],
    community: str | None = None,
) -> AnswerReceipt:
    """A resident's answers to an open survey: once per account, whatever the concurrency.

    The answer counts for ``community`` when given (one the survey covers), else for
    the resident's home's community.

    Raises
    ------
    PermissionDeniedError
        Not a resident; a survey of other communities than the resident's home's.
    NotFoundError
        No such survey (or not open yet).
    ConflictError
        The survey is closed, or the account answered it already.
    ValidationError
        An answer does not fit its question (each named), an unknown ``community``, or
        none given and no home community.

    """
    if account.role != Role.RESIDENT:
        raise PermissionDeniedError("surveys are answered by residents")
    now = utc_now()
    with session_scope(engine, write=True) as session:
        survey, _city = load_survey(session, survey_id)
        status = status_of(survey, now)
        if status == "scheduled":
            raise NotFoundError(f"no open survey with id {survey_id}", field="survey_id")
        if status == "closed":
            raise ConflictError("the survey is closed", field="survey_id")
        clean = check_answers(questions_of(survey), answers)
        if community is not None:
            code = community.strip()
            covered = (
                {u.code for u in survey_units(session, city_id=survey.city_id)}
                if survey.scope == Scope.CITY
                else set(survey.communities)
            )
            if code not in covered:
                raise ValidationError(
                    f"this survey does not cover a community with code {code!r}",
                    field="body.community",
                )
        else:
            home = _home_community(session, account.id, survey.city_id)
            if home is None:
                raise ValidationError(
                    "give your community, or set your home in this city (PUT /users/me/home)",
                    field="body.community",
                )
            if survey.scope != Scope.CITY and home not in survey.communities:
                raise PermissionDeniedError(
                    "this survey is for residents of the communities "
                    + ", ".join(survey.communities),
                    field="body.community",
                )
            code = home
        answer_id = store.add_answer(
            session,
            survey_id=survey_id,
            respondent_id=account.id,
            community_code=code,
            answers=clean,
        )
        if answer_id is None:
            raise ConflictError("you have answered this survey already", field="survey_id")
    return AnswerReceipt(answer_id, survey_id, code, now)
