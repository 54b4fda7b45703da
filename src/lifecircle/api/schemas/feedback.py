"""Missing-service reports: what a resident files, what officials read."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lifecircle.api.schemas.common import DisplayTime, PlainText
from lifecircle.api.schemas.residents import Crs


class ReportCreate(BaseModel):
    """A category missing near a point ("no breakfast shop near me")."""

    model_config = ConfigDict(extra="forbid")

    category: Annotated[PlainText, Field(min_length=1, max_length=64, examples=["breakfast"])] = (
        Field(description="A category code of the city's taxonomy.")
    )
    lon: float = Field(ge=-180, le=180, description="Longitude, degrees.")
    lat: float = Field(ge=-90, le=90, description="Latitude, degrees.")
    crs: Crs = Field(default="wgs84", description="`wgs84`, `gcj02` (WeChat, Amap) or `bd09`.")
    note: Annotated[PlainText, Field(max_length=500)] | None = None


class ReportPublic(BaseModel):
    """A filed report: the community it counts in (`null`: in no stored boundary)."""

    id: int
    city: str
    category: str
    community_code: str | None
    community_name: str | None
    created_at: DisplayTime


class FeedbackCellPublic(BaseModel):
    """One community × category: reports beside the latest assessment's verdict."""

    community_code: str | None = Field(description="`null`: reports in no community.")
    community_name: str | None
    category: str
    reports: int
    residents: int = Field(description="Distinct accounts that reported.")
    coverage: float | None = Field(description="Share of residents reaching it (assessment).")
    missing: bool | None
    weak: bool | None
    gap: bool = Field(description="The assessment found it missing or weak there.")


class FeedbackSummaryPublic(BaseModel):
    """Reports per community × category of an official's area, beside the computed gaps."""

    city: str
    area: str | None
    run_id: int | None = Field(description="The assessment run the gaps come from.")
    assessed_at: DisplayTime | None
    reports: int
    cells: list[FeedbackCellPublic]


class FeedbackFeature(BaseModel):
    """One community's reports at its representative point (never a resident's)."""

    type: Literal["Feature"]
    geometry: dict[str, Any] | None
    properties: dict[str, Any]


class FeedbackMap(BaseModel):
    """A GeoJSON FeatureCollection (WGS-84) of the reports per community and category."""

    type: Literal["FeatureCollection"]
    features: list[FeedbackFeature]
