"""Response models of the residents' routes: nearby places, routes, isochrones, communities.

They mirror the services' frozen dataclasses (read with ``from_attributes``); units are in
the field names or descriptions, positions in the caller's CRS (``crs`` of the request).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Crs = Literal["wgs84", "gcj02", "bd09"]
"""WGS-84 (GPS, OpenStreetMap), GCJ-02 (Amap, Tencent, WeChat maps) or BD-09 (Baidu)."""
Profile = Literal["adult", "elderly"]
"""Walking speed: adult 4.0 km/h, elderly 3.2 km/h."""


class _Public(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)


class CategoryPublic(_Public):
    """A category of the city's taxonomy (``group`` empty for a code it lacks)."""

    code: str
    name_zh: str
    name_en: str
    group: str


class NearbyPlacePublic(_Public):
    """A place within reach, nearest first."""

    id: str = Field(description="The place's uid, stable across imports (osm:n123, amap:B0...)")
    name: str | None
    brand: str | None
    categories: list[CategoryPublic]
    lon: float = Field(description="Longitude in the request's crs, degrees")
    lat: float = Field(description="Latitude in the request's crs, degrees")
    metres: float = Field(description="Walking metres from the point, along the streets")
    minutes: float = Field(description="Walking minutes at the profile's speed")
    open_now: bool | None = Field(description="Open at `at`; null when the hours are not known")
    next_opening: datetime | None = Field(description="When it next opens, if closed (local)")
    closes_at: datetime | None = Field(description="When it closes, if open (local)")
    opening_hours: str | None = Field(description="The OSM-style opening_hours text")
    verified: bool = Field(
        default=False, description="A merchant owns the place (a shop of the platform)"
    )
    services: list[str] = Field(
        description="Service codes its merchant offers (一店多能: bill_payment, parcel_collection, "
        "home_service, rental, pickup, open_24h)"
    )
    coupons: int = Field(
        description="Active coupons valid there at `at`, with some left to claim", ge=0
    )
    near_expiry: int = Field(description="Live near-expiry (临期) offers there at `at`", ge=0)


class NearbyPublic(_Public):
    """Places within a walking time of a point."""

    city: str
    crs: Crs
    lon: float
    lat: float
    street_m: float = Field(description="Metres from the point to its street (in every walk)")
    minutes: float
    profile: Profile
    speed_kmh: float
    limit_m: float = Field(description="The walking limit, metres")
    at: datetime = Field(description="The moment opening hours are read at, city time")
    timezone: str = Field(description="The city's IANA time zone")
    total: int = Field(description="Places passing the filters within the limit")
    places: list[NearbyPlacePublic]


class LineString(_Public):
    """A GeoJSON LineString in the request's crs."""

    type: Literal["LineString"] = "LineString"
    coordinates: list[tuple[float, float]]


class RouteProperties(_Public):
    """What the route leads to and how long it is."""

    to: str
    name: str | None
    metres: float
    minutes: float
    profile: Profile
    speed_kmh: float
    crs: Crs


class RouteFeature(_Public):
    """The walking route as a GeoJSON Feature: the same walk and metres as nearby."""

    type: Literal["Feature"] = "Feature"
    geometry: LineString
    properties: RouteProperties


class AreaGeometry(_Public):
    """A GeoJSON Polygon or MultiPolygon in the request's crs."""

    type: Literal["Polygon", "MultiPolygon"]
    coordinates: list[Any]


class IsochroneProperties(_Public):
    """The walk the area is drawn for."""

    minutes: float
    profile: Profile
    speed_kmh: float
    limit_m: float
    area_m2: float
    crs: Crs


class IsochroneFeature(_Public):
    """The area reachable on foot as a GeoJSON Feature (streets walked, buffered 25 m)."""

    type: Literal["Feature"] = "Feature"
    geometry: AreaGeometry
    properties: IsochroneProperties


class CommunityFoundPublic(_Public):
    """The community a point lies in (``inside``), else the nearest and its distance."""

    code: str
    name: str
    street: str
    district: str
    level: str
    inside: bool
    distance_m: float


class CategoryCoveragePublic(_Public):
    """A category on the community card (shares 0..1, minutes of those who reach it)."""

    code: str
    name_zh: str
    name_en: str
    group: str
    coverage: float | None
    minutes_mean: float | None
    minutes_p90: float | None
    elderly_coverage: float | None
    missing: bool
    weak: bool


class PlannedSitePublic(_Public):
    """A site the latest plan proposes for this community's gaps."""

    id: str
    category: str
    lon: float
    lat: float
    newly_covered_population: float | None
    unit: int | None = Field(
        default=None, description="A joint plan's (一点多用) unit this category opens in."
    )
    hosts: list[str] = Field(
        default_factory=list, description="A joint plan: every category that unit hosts."
    )


class CommunityPlanPublic(_Public):
    """The community's 一圈一策 sheet of the latest plan."""

    id: int | None
    created_at: str | None
    gaps: list[str]
    before: dict[str, float | None]
    after: dict[str, float | None]
    sites: list[PlannedSitePublic]
    joint: bool = Field(default=False, description="A joint plan (一点多用): units, not sites.")


class CommunityCardPublic(_Public):
    """A community's card from the latest assessment run and the latest plan."""

    city: str
    code: str
    name: str
    street: str
    district: str
    population: float | None
    is_pilot: bool
    run_id: int
    assessed_at: datetime
    categories: list[CategoryCoveragePublic]
    basic_complete: bool
    missing: list[str]
    weak: list[str]
    quality_present: int | None
    places: int | None
    f15: float | None
    circle_type: str
    circle_type_zh: str
    circle_type_rule: str
    grade: str
    grade_zh: str
    grade_rule: str
    plan: CommunityPlanPublic | None
