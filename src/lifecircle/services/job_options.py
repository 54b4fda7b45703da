"""The options of background jobs: the CLI's ``assess``, ``plan`` and ``report`` options as data.

Each kind has a pydantic model whose fields are the command's options (same names as
its ``--options``, same defaults and bounds) and which builds the parameter object the
CLI builds (:class:`~lifecircle.services.assess.AssessParams`,
:class:`~lifecircle.services.plan.PlanParams`), so a job and the command validate alike
and compute alike. The API takes these models as request bodies (a bad value answers
422 naming the field) and a job stores them as JSON and rebuilds them when it runs.

Options naming files on the server (``--targets FILE.toml``, ``--candidates FILE``,
``plan --combinations FILE``, ``report -o PATH``) are not offered: a client chooses among
packaged targets, plans on street candidates (a joint plan with the packaged
combinations), and gets its reports written under the city's folder.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from lifecircle.core.assess.circles import CircleRules, GradeRules
from lifecircle.core.assess.hours import day_from_text
from lifecircle.core.assess.need import NeedWindow, window_from_text
from lifecircle.core.walk.impedance import DEFAULT_MINUTES, MAX_SNAP_M, WALK_SPEED_KMH
from lifecircle.errors import ValidationError
from lifecircle.io.targets import PACKAGED
from lifecircle.services.assess import AssessParams
from lifecircle.services.hours import TimeOptions, check_moment_text
from lifecircle.services.plan import PlanParams
from lifecircle.store.models import JobKind

MAX_UNITS_PER_SITE = 50
"""Most units per candidate site a joint plan job may ask for."""

NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"
"""Text without control characters."""

Weekday = Literal["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
"""A day of the week, as ``--weekday`` / ``--weekend`` take it."""

UnknownHours = Literal["open", "closed", "exclude"]
"""What places of unknown opening hours count as (``--unknown-hours``)."""

AtText = Annotated[
    str,
    Field(
        min_length=1,
        max_length=40,
        pattern=NO_CONTROL,
        description="A moment, city time: 'Mon 07:30', or an ISO date-time "
        "('2025-03-03T07:30', with an offset converted to city time).",
        examples=["Mon 07:30"],
    ),
]
"""An ``--at`` value (checked by :func:`~lifecircle.services.hours.check_moment_text`)."""


def checked_at(value: str | None) -> str | None:
    """An ``at`` value as pydantic validators want it: a bad one is a ``ValueError``."""
    if value is not None:
        _checked(lambda: check_moment_text(value))
    return value


Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
"""A category code (``laundry``) or group name (``basic``)."""

MAX_NEEDS = 50
"""Most categories an assess job's ``hours_of_need`` may list."""

NeedText = Annotated[
    str,
    Field(
        min_length=9,
        max_length=20,
        pattern=NO_CONTROL,
        description="A daily window, city time: 'HH:MM-HH:MM' (24:00 allowed as an end).",
        examples=["06:30-09:00"],
    ),
]
"""One category's hours of need, as the hours-of-need file writes them."""

ReportFormat = Literal["html", "xlsx", "geojson", "gpkg", "csv"]
"""What a report job writes: the HTML report, or an export (``lifecircle report -o``)."""

MEDIA_TYPES = {
    "html": "text/html",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "csv": "text/csv",
}
"""The media type each report format is downloaded as."""


class OptionError(ValidationError):
    """An option that does not fit the city (a category its taxonomy lacks, a run it lacks).

    ``field`` names the option, as the request body spells it.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


def finite_or_text(value: Any) -> Any:
    """``value`` with each NaN or infinity (JSON ``NaN``, ``Infinity``) as its text.

    Validation then refuses it as a number like any other text, and the error it
    reports can be written as JSON, which a float NaN in it could not.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: finite_or_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite_or_text(v) for v in value]
    return value


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _finite(cls, data: Any) -> Any:
        return finite_or_text(data)


def _checked(build: Any) -> Any:
    """Run a parameter object's own validation, as pydantic's ``ValueError``."""
    try:
        return build()
    except ValidationError as exc:
        raise ValueError(str(exc)) from None


class AssessOptions(_Options):
    """Options of an assessment job: those of ``lifecircle assess`` (minutes, km/h, shares)."""

    minutes: float = Field(default=15.0, ge=1, le=60, description="Walking limit, minutes.")
    basic_minutes: float | None = Field(
        default=None, ge=1, le=60, description="Limit for the basic categories, minutes."
    )
    quality_minutes: float | None = Field(
        default=None, ge=1, le=60, description="Limit for the quality categories, minutes."
    )
    speed_kmh: float | None = Field(
        default=None, ge=0.5, le=10, description="Walking speed, km/h (default: the profile's)."
    )
    profile: Literal["standard", "elderly"] = Field(
        default="standard", description="Headline profile: standard 4.0 km/h, elderly 3.2."
    )
    basic_share: float = Field(
        default=0.9, ge=0, le=1, description="Share of residents each basic category must reach."
    )
    targets: str = Field(
        default="shenzhen-2023", max_length=64, description="The plan's targets (packaged)."
    )
    cluster_radius_m: float = Field(
        default=150.0, ge=1, le=10_000, description="集聚式: radius of one cluster, metres."
    )
    at: AtText | None = Field(
        default=None, description="Count only places open at this moment (default: any time)."
    )
    unknown_hours: UnknownHours = Field(
        default="open", description="Places of unknown hours count as open, closed or exclude."
    )
    by_hour: bool = Field(
        default=False, description="Coverage of the basic categories at every hour, two days."
    )
    weekday: Weekday = Field(default="Mon", description="The weekday of by_hour.")
    weekend: Weekday = Field(default="Sat", description="The weekend day of by_hour.")
    hours_of_need: dict[Code, NeedText] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_NEEDS,
        description="by_hour: each basic category's daily hours of need, category code -> "
        "'HH:MM-HH:MM' (as `--need FILE`: categories left out get no 'served when needed' "
        "figure); default: the packaged hours of need.",
        examples=[{"breakfast": "06:00-09:30", "convenience_store": "00:00-24:00"}],
    )

    @field_validator("hours_of_need")
    @classmethod
    def _windows(cls, value: dict[str, str] | None, info: ValidationInfo) -> dict[str, str] | None:
        if value is None:
            return None
        if not info.data.get("by_hour", False):
            raise ValueError("hours_of_need applies to by_hour runs only (by_hour: true)")
        windows = [_checked(lambda c=c, t=t: window_from_text(c, t)) for c, t in value.items()]
        return {w.category: w.label for w in windows}

    @field_validator("at")
    @classmethod
    def _moment(cls, value: str | None) -> str | None:
        return checked_at(value)

    @field_validator("targets")
    @classmethod
    def _packaged(cls, value: str) -> str:
        if value not in PACKAGED:
            raise ValueError(f"unknown targets {value!r}: expected one of {', '.join(PACKAGED)}")
        return value

    @model_validator(mode="after")
    def _valid(self) -> AssessOptions:
        _checked(self.params)
        return self

    def params(self) -> AssessParams:
        """The :class:`AssessParams` ``lifecircle assess`` builds from the same options."""
        limits = {
            "basic": self.basic_minutes or self.minutes,
            "quality": self.quality_minutes or self.minutes,
        }
        return AssessParams(
            limit_minutes=limits,
            speed_kmh=self.speed_kmh,
            profile=self.profile,
            basic_share=self.basic_share,
            targets=self.targets,
            circles=CircleRules(cluster_radius_m=self.cluster_radius_m),
            grades=GradeRules(),
        )

    def time_options(self) -> TimeOptions:
        """The :class:`TimeOptions` of ``--at``, ``--unknown-hours`` and ``--by-hour``."""
        return TimeOptions(
            at=self.at,
            unknown=self.unknown_hours,
            by_hour=self.by_hour,
            weekday=day_from_text(self.weekday),
            weekend=day_from_text(self.weekend),
            need="default" if self.hours_of_need is None else self.need_windows(),
        )

    def need_windows(self) -> tuple[NeedWindow, ...]:
        """The ``hours_of_need`` given, as windows (none: empty; the packaged ones apply)."""
        return tuple(window_from_text(c, t) for c, t in (self.hours_of_need or {}).items())


class PlanOptions(_Options):
    """Options of a plan job: those of ``lifecircle plan``, street candidates only."""

    categories: list[Code] = Field(
        min_length=1,
        max_length=200,
        description="Category codes to plan for; a group name (basic, quality) for its members.",
        examples=[["laundry", "pharmacy"]],
    )
    community: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        pattern=NO_CONTROL,
        description="Plan for this community code only (default: every community).",
    )
    mode: Literal["cover", "max"] = Field(
        default="cover", description="cover: fewest places; max: the best k places."
    )
    k: int | None = Field(default=None, ge=1, le=100_000, description="max: places per category.")
    share: float = Field(default=1.0, gt=0, le=1, description="cover: share of residents to reach.")
    capacity: float | None = Field(
        default=None, gt=0, le=1e9, description="max: residents one new place can serve."
    )
    minutes: float = Field(default=DEFAULT_MINUTES, gt=0, le=240, description="Limit, minutes.")
    speed_kmh: float = Field(default=WALK_SPEED_KMH, ge=0.5, le=10, description="km/h.")
    spacing_m: float = Field(
        default=100.0, ge=1, le=100_000, description="Distance between street candidates, m."
    )
    max_snap_m: float = Field(
        default=MAX_SNAP_M, gt=0, le=100_000, description="Leave out points farther from streets."
    )
    time_limit_s: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="Time limit of each category's solve (model, reductions, every part), s.",
    )
    joint: bool = Field(
        default=False,
        description="一点多用: plan the categories with gaps together, units hosting the "
        "packaged combinations of categories (cover mode, share 1: every gap closed).",
    )
    units_per_site: int | None = Field(
        default=None,
        ge=1,
        le=MAX_UNITS_PER_SITE,
        description="joint: most units one candidate site may hold (default: no limit).",
    )

    @field_validator("joint")
    @classmethod
    def _joint_covers(cls, value: bool, info: ValidationInfo) -> bool:
        if value:
            given = info.data
            if given.get("mode", "cover") != "cover":
                raise ValueError("a joint plan closes every gap: mode must be 'cover', not 'max'")
            if given.get("share", 1.0) != 1.0:
                raise ValueError("a joint plan closes every gap: share must be 1")
        return value

    @field_validator("units_per_site")
    @classmethod
    def _joint_only(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and not info.data.get("joint", False):
            raise ValueError("units_per_site applies to joint plans only (joint: true)")
        return value

    @model_validator(mode="after")
    def _valid(self) -> PlanOptions:
        _checked(self.params)
        return self

    def params(self) -> PlanParams:
        """The :class:`PlanParams` ``lifecircle plan`` builds from the same options."""
        return PlanParams(
            categories=tuple(self.categories),
            community=self.community,
            mode=self.mode,
            k=self.k,
            share=self.share,
            capacity=self.capacity,
            minutes=self.minutes,
            speed_kmh=self.speed_kmh,
            spacing_m=self.spacing_m,
            max_snap_m=self.max_snap_m,
            time_limit_s=self.time_limit_s,
            joint=self.joint,
            units_per_site=self.units_per_site,
        )


def _default_formats() -> list[ReportFormat]:
    return ["html", "xlsx"]


class ReportOptions(_Options):
    """Options of a report job: ``lifecircle report`` in one or more formats at once."""

    formats: list[ReportFormat] = Field(
        default_factory=_default_formats,
        min_length=1,
        max_length=5,
        description="Files to write: html (the report), xlsx, geojson, gpkg, csv.",
    )
    run_id: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="Assessment run (default: the latest)."
    )
    plan_id: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="Plan to include (default: the latest)."
    )
    with_plan: bool = Field(default=True, description="Include a plan (false: --no-plan).")
    lang: Literal["zh", "en"] = Field(default="zh", description="Language of the report.")

    @model_validator(mode="after")
    def _valid(self) -> ReportOptions:
        if len(set(self.formats)) != len(self.formats):
            raise ValueError("formats: each format at most once")
        if self.plan_id is not None and not self.with_plan:
            raise ValueError("plan_id names a plan to include, but with_plan is false")
        return self


JobOptions = AssessOptions | PlanOptions | ReportOptions
"""The options of any kind of job."""

OPTIONS: dict[JobKind, type[_Options]] = {
    JobKind.ASSESS: AssessOptions,
    JobKind.PLAN: PlanOptions,
    JobKind.REPORT: ReportOptions,
}
"""The options model of each kind of job."""


def job_options(kind: JobKind | str, options: dict[str, Any] | JobOptions) -> JobOptions:
    """The options of a ``kind`` job, validated (from stored JSON or from a model).

    Raises
    ------
    ValidationError
        For an unknown kind, options of another kind, or an invalid option (naming it).

    """
    try:
        model = OPTIONS[JobKind(kind)]
    except ValueError:
        raise ValidationError(
            f"unknown job kind {kind!r}: expected one of {', '.join(k.value for k in JobKind)}"
        ) from None
    if isinstance(options, BaseModel):
        if not isinstance(options, model):
            raise ValidationError(f"{type(options).__name__} are not the options of {kind} jobs")
        return options
    try:
        checked = model.model_validate(options)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise ValidationError(f"{kind} options: {exc}") from None
    assert isinstance(checked, AssessOptions | PlanOptions | ReportOptions)
    return checked
