"""Satisfaction surveys: the surveys, the communities they cover, and residents' answers.

A survey belongs to a city and to the area of the official who made it (``area_code``,
``None``: the whole city). Its ``scope`` is the whole city or chosen communities (given
as codes, or as the plan's pilots, whose communities are kept with their ``pilot_seq``).
Questions are JSON (see :mod:`lifecircle.core.surveys`).

An answer keeps the community it counts for and its respondent's id, for one rule only:
once per survey per account, which the unique ``(survey_id, respondent_id)`` decides
whatever the concurrency. Deleting the account sets ``respondent_id`` to ``NULL``
(PIPL): the answer stays, anonymous, in the aggregates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime  # noqa: TC003 - SQLAlchemy reads the annotations
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from lifecircle.store.models import CODE_LENGTH, Base, UTCDateTime, utc_now

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

    from sqlalchemy.orm import Session

TITLE_LENGTH = 200
"""Longest survey title."""

_JSON = JSON().with_variant(JSONB(), "postgresql")


class Survey(Base):
    """One survey of a city."""

    __tablename__ = "surveys"
    __table_args__ = (Index(None, "city_id", "opens_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    scope: Mapped[str] = mapped_column(String(16))
    area_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    template: Mapped[str | None] = mapped_column(String(32))
    questions: Mapped[list[dict[str, Any]]] = mapped_column(_JSON)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class SurveyCommunity(Base):
    """A community a survey covers (surveys of chosen communities or pilots)."""

    __tablename__ = "survey_communities"

    survey_id: Mapped[int] = mapped_column(
        ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True
    )
    community_code: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)
    pilot_seq: Mapped[int | None] = mapped_column(Integer)


class SurveyAnswer(Base):
    """One resident's answers to one survey, and the community they count for."""

    __tablename__ = "survey_answers"
    __table_args__ = (
        UniqueConstraint("survey_id", "respondent_id"),
        Index(None, "survey_id", "community_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    respondent_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    community_code: Mapped[str] = mapped_column(String(CODE_LENGTH))
    answers: Mapped[dict[str, Any]] = mapped_column(_JSON)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


@dataclass(frozen=True)
class SurveyRow:
    """A survey as read back, with its communities (``()`` for a city-wide one)."""

    id: int
    city_id: int
    title: str
    scope: str
    area_code: str | None
    template: str | None
    questions: list[dict[str, Any]]
    opens_at: datetime
    closes_at: datetime
    created_by: int | None
    created_at: datetime
    communities: tuple[str, ...]
    pilots: dict[int, str]
    """Pilot seq → its community code (surveys of pilots)."""


def add_survey(
    session: Session,
    *,
    city_id: int,
    title: str,
    scope: str,
    area_code: str | None,
    template: str | None,
    questions: list[dict[str, Any]],
    opens_at: datetime,
    closes_at: datetime,
    created_by: int | None,
    communities: Sequence[tuple[str, int | None]] = (),
) -> int:
    """Store a survey and the communities it covers (code, pilot seq); its id."""
    row = Survey(
        city_id=city_id,
        title=title,
        scope=scope,
        area_code=area_code,
        template=template,
        questions=questions,
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=created_by,
    )
    session.add(row)
    session.flush()
    session.add_all(
        SurveyCommunity(survey_id=row.id, community_code=code, pilot_seq=seq)
        for code, seq in communities
    )
    session.flush()
    return row.id


def _rows(session: Session, surveys: Sequence[Survey]) -> list[SurveyRow]:
    ids = [s.id for s in surveys]
    covered: dict[int, list[tuple[str, int | None]]] = {i: [] for i in ids}
    if ids:
        for c in session.scalars(
            select(SurveyCommunity)
            .where(SurveyCommunity.survey_id.in_(ids))
            .order_by(SurveyCommunity.community_code)
        ):
            covered[c.survey_id].append((c.community_code, c.pilot_seq))
    return [
        SurveyRow(
            id=s.id,
            city_id=s.city_id,
            title=s.title,
            scope=s.scope,
            area_code=s.area_code,
            template=s.template,
            questions=list(s.questions),
            opens_at=s.opens_at,
            closes_at=s.closes_at,
            created_by=s.created_by,
            created_at=s.created_at,
            communities=tuple(code for code, _ in covered[s.id]),
            pilots={seq: code for code, seq in sorted(covered[s.id]) if seq is not None},
        )
        for s in surveys
    ]


def get_survey(session: Session, *, survey_id: int) -> SurveyRow | None:
    """One survey, or ``None``."""
    row = session.get(Survey, survey_id)
    return None if row is None else _rows(session, [row])[0]


def list_surveys(session: Session, *, city_id: int) -> list[SurveyRow]:
    """Every survey of a city, newest opening first."""
    found = session.scalars(
        select(Survey)
        .where(Survey.city_id == city_id)
        .order_by(Survey.opens_at.desc(), Survey.id.desc())
    ).all()
    return _rows(session, found)


def update_survey(
    session: Session,
    *,
    survey_id: int,
    title: str | None = None,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
) -> None:
    """Change a survey's title, opening or closing time (``None``: unchanged)."""
    row = session.get(Survey, survey_id)
    if row is None:
        return
    if title is not None:
        row.title = title
    if opens_at is not None:
        row.opens_at = opens_at
    if closes_at is not None:
        row.closes_at = closes_at
    session.flush()


def add_answer(
    session: Session,
    *,
    survey_id: int,
    respondent_id: int,
    community_code: str,
    answers: dict[str, Any],
) -> int | None:
    """Store one account's answers; their id, or ``None`` if the account answered already.

    The unique ``(survey_id, respondent_id)`` decides, in a savepoint, so two requests
    at once store one answer and the other gets ``None``.
    """
    row = SurveyAnswer(
        survey_id=survey_id,
        respondent_id=respondent_id,
        community_code=community_code,
        answers=answers,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row.id


def answered(session: Session, *, survey_ids: Collection[int], user_id: int) -> set[int]:
    """Which of these surveys the account has answered."""
    if not survey_ids:
        return set()
    return set(
        session.scalars(
            select(SurveyAnswer.survey_id).where(
                SurveyAnswer.survey_id.in_(sorted(survey_ids)),
                SurveyAnswer.respondent_id == user_id,
            )
        )
    )


def answers_of(
    session: Session, *, survey_id: int, communities: Collection[str] | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """A survey's answers as (community code, answers): no respondent, no time, by id.

    ``communities`` keeps those of these communities only (``None``: all).
    """
    query = select(SurveyAnswer.community_code, SurveyAnswer.answers).where(
        SurveyAnswer.survey_id == survey_id
    )
    if communities is not None:
        query = query.where(SurveyAnswer.community_code.in_(sorted(communities)))
    rows = session.execute(query.order_by(SurveyAnswer.id))
    return [(code, dict(answers)) for code, answers in rows]


def count_answers(session: Session, *, survey_id: int) -> int:
    """How many answers a survey has (anonymised ones included)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(SurveyAnswer)
            .where(SurveyAnswer.survey_id == survey_id)
        )
        or 0
    )
