"""Satisfaction surveys: officials make them, residents answer once, officials read aggregates.

Officials act within their city and area (a survey of another area is 403); residents
see the open surveys that concern them and answer each once; results are aggregates
with no figure for a cell of fewer than five answers, and never a respondent's identity.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from lifecircle.api.deps import CurrentUser, EngineDep, OfficialUser, require_roles
from lifecircle.api.schemas.common import AreaCode, CityName, RowId, problems
from lifecircle.api.schemas.surveys import (
    AnswerCreate,
    AnswerPublic,
    CommunityResultPublic,
    DistributionPublic,
    PilotPublic,
    PilotResultPublic,
    QuestionPublic,
    ShareCellPublic,
    SurveyCreate,
    SurveyPublic,
    SurveyResultsPublic,
    SurveyUpdate,
    TemplatePublic,
)
from lifecircle.core.surveys import Distribution, Question, QuestionKind, ShareCell
from lifecircle.services import survey_results, surveys
from lifecircle.services.accounts import Account
from lifecircle.store.models import Role

router = APIRouter(tags=["surveys"])

ResidentUser = Annotated[Account, require_roles(Role.RESIDENT)]
SurveyId = Annotated[RowId, Path(description="The survey.")]
City = Annotated[CityName, Path(description="City name.")]


def _question(q: Question) -> QuestionPublic:
    return QuestionPublic(
        key=q.key,
        text=q.text,
        kind=q.kind,
        options=list(q.options),
        required=q.required,
        satisfaction=q.satisfaction,
    )


def _public(view: surveys.SurveyView) -> SurveyPublic:
    s = view.survey
    return SurveyPublic(
        id=s.id,
        city=view.city,
        title=s.title,
        scope=surveys.Scope(s.scope),
        area_code=s.area_code,
        template=s.template,
        status=view.status,  # type: ignore[arg-type]
        opens_at=s.opens_at,
        closes_at=s.closes_at,
        created_at=s.created_at,
        questions=[_question(q) for q in surveys.questions_of(s)],
        communities=list(s.communities),
        pilots=[PilotPublic(seq=k, community_code=v) for k, v in sorted(s.pilots.items())],
        answers=view.answers,
        answered=view.answered,
    )


def _cell(cell: ShareCell | None) -> ShareCellPublic | None:
    if cell is None:
        return None
    return ShareCellPublic(
        n=cell.n,
        too_few=cell.too_few,
        satisfied=cell.satisfied,
        share=None if cell.share is None else round(cell.share, 4),
        low=None if cell.low is None else round(cell.low, 4),
        high=None if cell.high is None else round(cell.high, 4),
    )


def _distribution(d: Distribution) -> DistributionPublic:
    return DistributionPublic(
        key=d.key,
        n=d.n,
        too_few=d.counts is None and d.texts is None,
        counts=d.counts,
        texts=None if d.texts is None else list(d.texts),
    )


@router.get("/survey-templates", responses=problems())
def list_templates() -> list[TemplatePublic]:
    """The ready-made surveys: ``satisfaction`` asks the plan's question (1-5) and more."""
    return [
        TemplatePublic(name=t.name, title=t.title, questions=[_question(q) for q in t.questions])
        for t in surveys.TEMPLATES.values()
    ]


@router.post(
    "/cities/{city}/surveys",
    status_code=status.HTTP_201_CREATED,
    responses=problems(401, 403, 404),
)
def create_survey(
    city: City, body: SurveyCreate, user: OfficialUser, engine: EngineDep
) -> SurveyPublic:
    """Make a survey of the city within one's area (officials, administrators)."""
    spec = surveys.SurveySpec(
        title=body.title,
        scope=body.scope,
        opens_at=body.opens_at,
        closes_at=body.closes_at,
        questions=tuple(
            Question(
                key=q.key or "",
                text=q.text,
                kind=QuestionKind(q.kind),
                options=tuple(q.options),
                required=q.required,
                satisfaction=q.satisfaction,
            )
            for q in body.questions
        ),
        communities=tuple(body.communities),
        pilots=tuple(body.pilots),
        template=body.template,
    )
    return _public(surveys.create_survey(engine=engine, account=user, city=city, spec=spec))


@router.get("/cities/{city}/surveys", responses=problems(401, 403, 404))
def list_surveys(city: City, user: CurrentUser, engine: EngineDep) -> list[SurveyPublic]:
    """Residents: the open surveys that concern them; officials: those of their area."""
    found = surveys.list_city_surveys(engine=engine, account=user, city=city)
    return [_public(v) for v in found]


@router.get("/surveys/{survey_id}", responses=problems(401, 403, 404))
def read_survey(survey_id: SurveyId, user: CurrentUser, engine: EngineDep) -> SurveyPublic:
    """One survey (residents: while open, or once answered)."""
    return _public(surveys.read_survey(engine=engine, account=user, survey_id=survey_id))


@router.patch("/surveys/{survey_id}", responses=problems(401, 403, 404, 409))
def update_survey(
    survey_id: SurveyId, body: SurveyUpdate, user: OfficialUser, engine: EngineDep
) -> SurveyPublic:
    """Change the title or closing time, open a scheduled one or close it now (its officials)."""
    view = surveys.update_survey(
        engine=engine,
        account=user,
        survey_id=survey_id,
        title=body.title,
        closes_at=body.closes_at,
        open_now=body.open,
        close=body.close,
    )
    return _public(view)


@router.post(
    "/surveys/{survey_id}/answers",
    status_code=status.HTTP_201_CREATED,
    responses=problems(401, 403, 404, 409),
)
def answer_survey(
    survey_id: SurveyId, body: AnswerCreate, user: ResidentUser, engine: EngineDep
) -> AnswerPublic:
    """Answer an open survey, once (409 the second time)."""
    receipt = surveys.answer_survey(
        engine=engine,
        account=user,
        survey_id=survey_id,
        answers=body.answers,
        community=body.community,
    )
    return AnswerPublic(
        id=receipt.id,
        survey_id=receipt.survey_id,
        community_code=receipt.community_code,
        submitted_at=receipt.submitted_at,
    )


@router.get("/surveys/{survey_id}/results", responses=problems(401, 403, 404))
def read_results(
    survey_id: SurveyId,
    user: OfficialUser,
    engine: EngineDep,
    area: Annotated[
        AreaCode | None, Query(description="Narrow to this district, 街道 or community code.")
    ] = None,
) -> SurveyResultsPublic:
    """The results in one's area: shares satisfied with 95 % intervals; too few under 5 answers."""
    r = survey_results.survey_results(engine=engine, account=user, survey_id=survey_id, area=area)
    return SurveyResultsPublic(
        survey_id=r.survey_id,
        city=r.city,
        area=r.area,
        status=r.status,
        min_cell=r.min_cell,
        satisfaction_question=r.satisfaction_question,
        overall=_cell(r.overall),
        pilots_overall=_cell(r.pilots_overall),
        questions=[_distribution(d) for d in r.questions],
        communities=[
            CommunityResultPublic(
                code=c.code,
                name=c.name,
                satisfaction=_cell(c.satisfaction),
                questions=[_distribution(d) for d in c.questions],
            )
            for c in r.communities
        ],
        pilots=[
            PilotResultPublic(
                seq=p.seq,
                name=p.name,
                street=p.street,
                district=p.district,
                community_code=p.community_code,
                satisfaction=_cell(p.satisfaction),
            )
            for p in r.pilots
        ],
    )
