"""The shapes repositories take and give: plain dicts for bulk rows, small frozen results.

Bulk functions take lists of dicts (typed here as :class:`~typing.TypedDict`) because
that is what SQLAlchemy's executemany ``insert()`` consumes without building an object
per row; 200,000 places then cost seconds, not minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

if TYPE_CHECKING:
    from lifecircle.store.models import CommunityLevel


class Reject(TypedDict):
    """One problem of one rejected row, as stored in :attr:`ImportRun.rejects`.

    ``line`` (1-based, CSV) or ``feature`` (GeoJSON feature id or index) says which row;
    ``column`` is the field at fault (``""`` for the whole row).
    """

    file: str
    line: NotRequired[int]
    feature: NotRequired[str]
    column: str
    problem: str


class PlaceRow(TypedDict):
    """A place from one source. Optional keys left out are left unchanged on re-import.

    ``uid`` defaults to ``"{source}:{source_id}"`` for a new place; coordinates are
    WGS-84 degrees.
    """

    source_id: str
    lon: float
    lat: float
    uid: NotRequired[str]
    name: NotRequired[str | None]
    brand: NotRequired[str | None]
    operator: NotRequired[str | None]
    address: NotRequired[str | None]
    opening_hours: NotRequired[str | None]
    opening_hours_weekly: NotRequired[dict[str, Any] | None]


class CategoryRow(TypedDict):
    """A place's category: taxonomy ``code``, the ``rule`` that matched, its confidence."""

    code: str
    rule: NotRequired[str]
    confidence: NotRequired[str]


class CommunityRow(TypedDict):
    """A community (or street, district). Optional keys left out are left unchanged.

    ``geometry`` is WKB in WGS-84 (``shapely.to_wkb``); ``area_m2`` square metres.
    """

    code: str
    name: str
    street: NotRequired[str | None]
    district: NotRequired[str | None]
    level: NotRequired[CommunityLevel | str]
    parent_code: NotRequired[str | None]
    population: NotRequired[int | None]
    geometry: NotRequired[bytes | None]
    area_m2: NotRequired[float | None]


class MappingRow(TypedDict):
    """One plan 社区 code against one NBS 居委会 code."""

    plan_code: str
    nbs_code: str
    note: NotRequired[str | None]


class PopulationRow(TypedDict):
    """People at a WGS-84 point, optionally assigned to a community."""

    lon: float
    lat: float
    population: float
    community_code: NotRequired[str | None]


@dataclass(frozen=True)
class UpsertCounts:
    """How many rows an upsert inserted and how many it updated."""

    inserted: int
    updated: int


@dataclass(frozen=True)
class PlaceUpsert(UpsertCounts):
    """An upsert of places, with each source id's place id (to attach categories)."""

    place_ids: dict[str, int]


@dataclass(frozen=True)
class PlaceRemoval:
    """The ids a re-imported source no longer lists, and what became of their places.

    ``removed`` source ids; ``deleted`` places no source lists any more; ``kept``
    places other sources still list; ``removed_ids`` the source ids, sorted;
    ``owned`` places no source lists any more that a merchant owns: kept, as shops.
    """

    removed: int
    deleted: int
    kept: int
    removed_ids: tuple[str, ...]
    owned: int = 0
