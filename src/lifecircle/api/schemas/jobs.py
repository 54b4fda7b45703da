"""Background jobs: the body that starts one (Create) and what a client reads back (Public).

A job's options are the CLI's, as :mod:`lifecircle.services.job_options` defines them;
times are shown in Asia/Shanghai (``+08:00``), stored in UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, model_validator

from lifecircle.services.job_options import (
    AssessOptions,
    PlanOptions,
    ReportOptions,
    finite_or_text,
)

DISPLAY_ZONE = ZoneInfo("Asia/Shanghai")
"""Times in responses are China Standard Time (UTC+8), with their offset."""


def _display(value: datetime) -> str:
    return value.astimezone(DISPLAY_ZONE).isoformat()


DisplayTime = Annotated[datetime, PlainSerializer(_display, return_type=str, when_used="json")]
"""A timezone-aware time, serialised as ISO 8601 in Asia/Shanghai time."""

JobStatusName = Literal["queued", "running", "succeeded", "failed", "cancelled"]
JobKindName = Literal["assess", "plan", "report"]


class _Create(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _finite(cls, data: Any) -> Any:
        return finite_or_text(data)


class AssessJobCreate(_Create):
    """Start an assessment (``lifecircle assess``): stored as a dated run."""

    kind: Literal["assess"]
    parameters: AssessOptions = Field(default_factory=AssessOptions)


class PlanJobCreate(_Create):
    """Start a gap-filling plan (``lifecircle plan``): stored as a plan."""

    kind: Literal["plan"]
    parameters: PlanOptions


class ReportJobCreate(_Create):
    """Write reports of a stored run (``lifecircle report``): HTML, XLSX, GIS files."""

    kind: Literal["report"]
    parameters: ReportOptions = Field(default_factory=ReportOptions)


JobCreate = Annotated[
    AssessJobCreate | PlanJobCreate | ReportJobCreate, Field(discriminator="kind")
]
"""The body of ``POST /cities/{city}/jobs``: a kind and its parameters."""


class JobStepPublic(BaseModel):
    """One step a job reported: when it started, the progress then, its name."""

    at: DisplayTime
    progress: float = Field(ge=0, le=1)
    message: str


class JobLinks(BaseModel):
    """Where to read the job, its result (once it has succeeded) and how to cancel it."""

    job: str
    result: str | None = None
    cancel: str | None = None


class JobPublic(BaseModel):
    """A job: what it does, where it stands, who started it, when."""

    id: str = Field(examples=["m3Yq0v4nSx2k1f9ZQ3bW6g"])
    city: str
    kind: JobKindName
    status: JobStatusName
    progress: float = Field(ge=0, le=1, description="Share of its steps done.")
    message: str | None = Field(description="The step under way, or how it ended.")
    steps: list[JobStepPublic]
    parameters: dict[str, Any]
    error: str | None = Field(description="Why it failed.")
    cancel_requested: bool
    user_id: int | None = Field(description="The account that started it.")
    created_at: DisplayTime
    started_at: DisplayTime | None
    finished_at: DisplayTime | None
    links: JobLinks


class JobsPublic(BaseModel):
    """A city's jobs, newest first."""

    data: list[JobPublic]
    count: int


class StoredLink(BaseModel):
    """A stored assessment run or plan, and where to read its document."""

    id: int
    url: str


class FileLink(BaseModel):
    """A file a report job wrote, and where to download it."""

    name: str
    format: Literal["html", "xlsx", "geojson", "gpkg", "csv"]
    media_type: str
    bytes: int
    url: str


class JobResultPublic(BaseModel):
    """What a job that succeeded stored: its run or plan, and the report's files."""

    job_id: str
    kind: JobKindName
    city: str
    run: StoredLink | None = Field(description="The assessment run (assess, report).")
    plan: StoredLink | None = Field(description="The plan (plan; report when one is shown).")
    files: list[FileLink] = Field(description="The report's files (report).")
    summary: dict[str, Any] | None = Field(description="Headline figures of the run or plan.")
