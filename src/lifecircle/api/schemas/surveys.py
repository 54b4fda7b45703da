"""Satisfaction surveys: questions, surveys, answers and results (aggregates only)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StrictInt

from lifecircle.api.schemas.common import NO_CONTROL, AreaCode, DisplayTime, PlainText
from lifecircle.api.schemas.coupons import CouponTime
from lifecircle.core.surveys import QuestionKind
from lifecircle.services.surveys import Scope

QuestionKey = Annotated[
    str,
    Field(pattern=r"^[a-z][a-z0-9_]{0,31}$", examples=["satisfaction", "q1"]),
]
"""A question's key: lower-case letters, digits and ``_``, starting with a letter."""

Option = Annotated[PlainText, Field(min_length=1, max_length=200)]
AnswerText = Annotated[str, Field(min_length=1, max_length=2000, pattern=NO_CONTROL)]
SurveyTime = Annotated[
    CouponTime, Field(description="A time with its zone, e.g. `2026-12-01T00:00:00+08:00`.")
]


class QuestionIn(BaseModel):
    """A question: ``scale5`` (1-5), ``single`` or ``multiple`` (with options), ``text``."""

    key: QuestionKey | None = Field(default=None, description="Default: q1, q2, …")
    text: Annotated[PlainText, Field(min_length=1, max_length=500)]
    kind: QuestionKind
    options: list[Option] = Field(default_factory=list, max_length=20)
    required: bool = True
    satisfaction: bool = Field(
        default=False,
        description="THE satisfaction question (a `scale5`): its 4 and 5 are 'satisfied'.",
    )


class QuestionPublic(BaseModel):
    """A question as stored."""

    key: str
    text: str
    kind: QuestionKind
    options: list[str]
    required: bool
    satisfaction: bool


class SurveyCreate(BaseModel):
    """A new survey: the whole city, chosen communities, or chosen pilots of the plan.

    With ``template: "satisfaction"`` the plan's satisfaction question (and three
    optional ones) come first, then ``questions``; ``title`` defaults to the template's.
    """

    title: Annotated[PlainText, Field(min_length=1, max_length=200)] | None = None
    template: Literal["satisfaction"] | None = None
    scope: Scope = Scope.CITY
    communities: list[AreaCode] = Field(
        default_factory=list, max_length=1000, description="Community codes (`communities`)."
    )
    pilots: list[Annotated[int, Field(ge=1, le=10_000)]] = Field(
        default_factory=list, max_length=200, description="The plan's pilot `seq` (`pilots`)."
    )
    questions: list[QuestionIn] = Field(default_factory=list, max_length=50)
    opens_at: SurveyTime
    closes_at: SurveyTime


class SurveyUpdate(BaseModel):
    """Change the title or closing time, open a scheduled one now, or close now."""

    title: Annotated[PlainText, Field(min_length=1, max_length=200)] | None = None
    closes_at: SurveyTime | None = None
    open: bool = Field(default=False, description="Open a scheduled survey now.")
    close: bool = Field(default=False, description="Close an open survey now.")


class PilotPublic(BaseModel):
    """A pilot a survey covers, and its community."""

    seq: int
    community_code: str


class SurveyPublic(BaseModel):
    """A survey; ``answers`` (how many) for officials, ``answered`` (by you) for residents."""

    id: int
    city: str
    title: str
    scope: Scope
    area_code: str | None
    template: str | None
    status: Literal["scheduled", "open", "closed"]
    opens_at: DisplayTime
    closes_at: DisplayTime
    created_at: DisplayTime
    questions: list[QuestionPublic]
    communities: list[str]
    pilots: list[PilotPublic]
    answers: int | None = None
    answered: bool | None = None


class TemplatePublic(BaseModel):
    """A survey template."""

    name: str
    title: str
    questions: list[QuestionPublic]


class AnswerCreate(BaseModel):
    """One's answers: question key → 1..5, an option, a list of options or a text."""

    answers: dict[QuestionKey, StrictInt | AnswerText | list[Option] | None] = Field(
        max_length=50, examples=[{"satisfaction": 4, "wanted": ["早餐店"]}]
    )
    community: AreaCode | None = Field(
        default=None, description="The community the answer counts for (default: your home's)."
    )


class AnswerPublic(BaseModel):
    """The answer stored: the community it counts for (the answers are not shown back)."""

    id: int
    survey_id: int
    community_code: str
    submitted_at: DisplayTime


class ShareCellPublic(BaseModel):
    """The share satisfied (4 or 5 of 5) of a cell; no figure under `min_cell` answers."""

    n: int = Field(description="Answers to the satisfaction question in the cell.")
    too_few: bool
    satisfied: int | None
    share: float | None
    low: float | None = Field(description="95 % Wilson score interval, lower end.")
    high: float | None = Field(description="95 % Wilson score interval, upper end.")


class DistributionPublic(BaseModel):
    """How a question was answered: counts per level or option, or sorted texts (≥ 5 answers)."""

    key: str
    n: int
    too_few: bool
    counts: dict[str, int] | None
    texts: list[str] | None


class CommunityResultPublic(BaseModel):
    """One community's cell."""

    code: str
    name: str
    satisfaction: ShareCellPublic | None
    questions: list[DistributionPublic]


class PilotResultPublic(BaseModel):
    """One pilot's cell."""

    seq: int
    name: str
    street: str
    district: str
    community_code: str
    satisfaction: ShareCellPublic | None


class SurveyResultsPublic(BaseModel):
    """A survey's results within the caller's area: aggregates only."""

    survey_id: int
    city: str
    area: str | None
    status: str
    min_cell: int
    satisfaction_question: str | None
    overall: ShareCellPublic | None
    pilots_overall: ShareCellPublic | None
    questions: list[DistributionPublic]
    communities: list[CommunityResultPublic]
    pilots: list[PilotResultPublic]
