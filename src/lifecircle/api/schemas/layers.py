"""Response models of the map layers: street network and community outlines as GeoJSON."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from lifecircle.api.schemas.residents import AreaGeometry, Crs


class ExtentPublic(BaseModel):
    """Where a city's walking network lies (a map opens there)."""

    city: str
    crs: Crs
    bbox: tuple[float, float, float, float] = Field(description="west, south, east, north")
    centre: tuple[float, float] = Field(description="A street node near the middle: lon, lat")


class MultiLineString(BaseModel):
    """Street segments, each ``[[lon, lat], [lon, lat]]``."""

    type: Literal["MultiLineString"] = "MultiLineString"
    coordinates: list[list[tuple[float, float]]]


class StreetProperties(BaseModel):
    """What the street layer holds."""

    city: str
    crs: Crs
    segments: int = Field(description="Segments in the answer")
    truncated: bool = Field(description="More segments touch the box: ask for a smaller one")


class StreetFeature(BaseModel):
    """The walking network within a box, as one GeoJSON Feature."""

    type: Literal["Feature"] = "Feature"
    geometry: MultiLineString
    properties: StreetProperties


class StreetCollection(BaseModel):
    """A GeoJSON FeatureCollection of one street Feature."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[StreetFeature]


class OutlineProperties(BaseModel):
    """A community's names and level."""

    code: str
    name: str
    street: str
    district: str
    level: str


class OutlineFeature(BaseModel):
    """One community outline."""

    type: Literal["Feature"] = "Feature"
    geometry: AreaGeometry
    properties: OutlineProperties


class OutlineCollection(BaseModel):
    """Community outlines meeting a box, as a GeoJSON FeatureCollection."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    crs_name: Crs = Field(description="Coordinate system of the coordinates")
    truncated: bool = Field(description="More communities meet the box than were sent")
    features: list[OutlineFeature]


def geometry_of(mapping: dict[str, Any]) -> dict[str, Any]:
    """A shapely mapping with lists for tuples (the schema's JSON shape)."""
    return {"type": mapping["type"], "coordinates": _lists(mapping["coordinates"])}


def _lists(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_lists(v) for v in value]
    return value
