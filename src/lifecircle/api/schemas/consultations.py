"""Consultations: what officials publish, residents' stances and comments, the tallies."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from lifecircle.api.schemas.common import AreaCode, DisplayTime, PlainText, RowId
from lifecircle.api.schemas.residents import Crs
from lifecircle.store.consultations import ConsultationKind, ConsultationStatus, Stance

Title = Annotated[PlainText, Field(min_length=1, max_length=200, examples=["新建社区菜市场"])]
Description = Annotated[PlainText, Field(min_length=1, max_length=5000)]
CommentText = Annotated[PlainText, Field(min_length=1, max_length=1000)]


class ConsultationCreate(BaseModel):
    """A proposal at a point: give `lon`/`lat` (in `crs`) or a plan site (`plan_id`, `site_id`)."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    description: Description
    kind: ConsultationKind = Field(
        description="`site` (a planned facility), `business_change`, `promotion` or `other`."
    )
    lon: float | None = Field(default=None, ge=-180, le=180, description="Longitude, degrees.")
    lat: float | None = Field(default=None, ge=-90, le=90, description="Latitude, degrees.")
    crs: Crs = Field(default="wgs84", description="`wgs84`, `gcj02` (WeChat, Amap) or `bd09`.")
    community: AreaCode | None = Field(
        default=None,
        description="The community it concerns (default: the one whose boundary holds the point).",
    )
    plan_id: RowId | None = Field(default=None, description="A plan run of the city.")
    site_id: Annotated[PlainText, Field(min_length=1, max_length=64)] | None = Field(
        default=None, description="A planned site of that plan (its point is the default)."
    )
    opens_at: AwareDatetime | None = Field(default=None, description="Default: now.")
    closes_at: AwareDatetime


class ConsultationPublic(BaseModel):
    """A consultation, its point in the CRS asked, and its status now."""

    id: int
    city: str
    title: str
    description: str
    kind: str
    lon: float
    lat: float
    crs: str
    community_code: str | None
    community_name: str | None
    plan_id: int | None
    site_id: str | None
    opens_at: DisplayTime
    closes_at: DisplayTime
    created_at: DisplayTime
    status: ConsultationStatus


class ConsultationList(BaseModel):
    """A page of consultations and how many match in all."""

    total: int
    items: list[ConsultationPublic]


class TallyPublic(BaseModel):
    """Support and oppose counts; `null` both with `too_few` when under 5 stances."""

    support: int | None
    oppose: int | None
    too_few: bool


class CommunityTallyPublic(TallyPublic):
    """One community's stances (`code` `unknown`: residents without a home community)."""

    code: str
    name: str | None


class TalliesPublic(BaseModel):
    """Stances per community; `suppressed` pools the cells shown as too few."""

    communities: list[CommunityTallyPublic]
    suppressed: TallyPublic
    total: TallyPublic = Field(description="Hidden (`too_few`) when it would reveal `suppressed`.")


class CommentPublic(BaseModel):
    """A comment, without who wrote it (`mine`: the caller did)."""

    id: int
    text: str
    community_code: str | None
    created_at: DisplayTime
    mine: bool


class ConsultationPage(BaseModel):
    """A consultation with its tallies, newest comments and the caller's stance."""

    consultation: ConsultationPublic
    tallies: TalliesPublic
    comments: list[CommentPublic] = Field(description="The newest 100.")
    comments_total: int
    my_stance: str | None


class StanceSet(BaseModel):
    """One's stance: `support` or `oppose` (a second call changes it)."""

    model_config = ConfigDict(extra="forbid")

    stance: Stance


class StancePublic(BaseModel):
    """One's stance and the community it counts in (`unknown`: no home community there)."""

    consultation_id: int
    stance: str
    community_code: str


class CommentCreate(BaseModel):
    """A comment (shown without one's name)."""

    model_config = ConfigDict(extra="forbid")

    text: CommentText
