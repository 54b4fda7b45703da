"""What is near me: places within a walking time of a point, nearest first, with filters.

One request snaps its point, runs one bounded search over the city's live index
(:mod:`lifecircle.services.residents.index`), filters the places it reached by category,
keyword and opening hours, and returns the nearest. Nothing is read from the database
but the city's places version, and nothing is snapped but the point.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lifecircle.core.assess.categories import GROUPS
from lifecircle.core.walk.impedance import minutes_from_metres
from lifecircle.errors import ValidationError
from lifecircle.services.residents.index import count_open
from lifecircle.services.residents.keywords import is_latin, keyword, normalise
from lifecircle.services.residents.points import (
    local_moment,
    opening,
    point_in,
    points_out,
    walking_profile,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from numpy.typing import NDArray

    from lifecircle.services.residents.index import CategoryRef, CityIndex, LiveIndex

MAX_LIMIT = 200
"""Most places one answer lists."""
MAX_MINUTES = 60.0
"""Longest walk a nearby search covers, minutes."""


@dataclass(frozen=True)
class NearbyPlace:
    """A place reached, as a resident sees it.

    Attributes
    ----------
    id
        The place's uid (``osm:node/123``...), stable across imports.
    lon, lat
        Position in the caller's CRS, degrees.
    metres, minutes
        The walk from the point, along the streets, at the profile's speed.
    open_now, next_opening, closes_at
        From the weekly opening hours, in the city's time zone; ``None``: not known
        (or, for the two times, not applicable).
    verified
        A merchant owns the place (a shop of the platform).
    services, coupons, near_expiry
        What its merchant offers: service codes (一店多能), active coupons valid there
        with some left to claim, and live near-expiry offers, both counted at ``at``.

    """

    id: str
    name: str | None
    brand: str | None
    categories: tuple[CategoryRef, ...]
    lon: float
    lat: float
    metres: float
    minutes: float
    open_now: bool | None
    next_opening: datetime | None
    closes_at: datetime | None
    opening_hours: str | None
    verified: bool = False
    services: tuple[str, ...] = ()
    coupons: int = 0
    near_expiry: int = 0


@dataclass(frozen=True)
class NearbyResult:
    """The answer: the point, what was asked, and the places, nearest first.

    ``total`` counts every place that passed the filters within the limit (``places``
    holds at most ``limit`` of them); ``street_m`` is the walk from the point to its
    street, included in every place's metres.
    """

    city: str
    crs: str
    lon: float
    lat: float
    street_m: float
    minutes: float
    profile: str
    speed_kmh: float
    limit_m: float
    at: datetime
    timezone: str
    total: int
    places: tuple[NearbyPlace, ...]


def category_columns(city: CityIndex, wanted: Sequence[str]) -> NDArray[np.int64] | None:
    """Columns of the categories (codes or group names) asked for; ``None``: no filter.

    Raises
    ------
    ValidationError
        Naming every code that is neither a category of the city's taxonomy nor a group.

    """
    codes = [c.strip() for item in wanted for c in item.split(",") if c.strip()]
    if not codes:
        return None
    unknown = [c for c in codes if c not in city.column and c not in GROUPS]
    if unknown:
        raise ValidationError(
            f"category: unknown {', '.join(map(repr, unknown))}; expected a code of the "
            f"{city.taxonomy.name} taxonomy ({', '.join(city.taxonomy.codes)}) or a group "
            f"({', '.join(GROUPS)})"
        )
    columns = {
        city.column[cat.code]
        for code in codes
        for cat in (
            city.taxonomy.in_group(code) if code in GROUPS else [city.taxonomy.by_code[code]]
        )
    }
    return np.array(sorted(columns), dtype=np.int64)


def keyword_hits(city: CityIndex, slots: NDArray[np.int64], word: str) -> NDArray[np.bool_]:
    """Which of ``slots`` match a normalised keyword (names, categories, pinyin)."""
    cols = city.places
    by_category = np.array([word in text for text in city.category_text()], dtype=bool)
    hit: NDArray[np.bool_] = np.asarray(cols.categories[slots][:, by_category].any(axis=1))
    latin = is_latin(word)
    for i, slot in enumerate(slots.tolist()):
        if hit[i]:
            continue
        if (
            word in cols.text[slot]
            or any(word in normalise(c) for c in cols.codes[slot])
            or (latin and word in cols.pinyin_of(slot))
        ):
            hit[i] = True
    return hit


def nearby(
    live: LiveIndex,
    *,
    city: str,
    lon: float,
    lat: float,
    crs: str = "wgs84",
    minutes: float = 15.0,
    profile: str = "adult",
    categories: Sequence[str] = (),
    q: str | None = None,
    open_now: bool = False,
    at: datetime | None = None,
    limit: int = 50,
) -> NearbyResult:
    """Places within ``minutes`` of walking from a point, nearest first.

    Parameters
    ----------
    live
        This process's live index.
    city
        City name.
    lon, lat, crs
        The point, in ``wgs84``, ``gcj02`` or ``bd09`` degrees; positions in the answer
        are in the same system.
    minutes, profile
        Walking time (0-60 minutes) and speed (``adult`` 4.0 km/h, ``elderly`` 3.2 km/h).
    categories
        Category codes or group names (``basic``, ``quality``, ``facility``), also
        comma-separated; a place of any of them passes. Empty: every place.
    q
        Keyword matched against names and categories in Chinese, English and pinyin.
    open_now
        Keep only places known to be open at ``at`` (unknown hours do not pass).
    at
        The moment for opening hours, time-zone aware (default: now).
    limit
        Most places listed (1-200).

    Returns
    -------
    NearbyResult

    Raises
    ------
    OffNetworkError
        If the point lies farther than 300 m from every street (says how far).
    NotFoundError, DataError, ValidationError
        Unknown city, a city without network, a parameter out of range.

    """
    walker = walking_profile(profile)
    if not 0.0 < minutes <= MAX_MINUTES:
        raise ValidationError(f"minutes: {minutes:g} is outside 0-{MAX_MINUTES:g} minutes")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"limit: {limit} is outside 1-{MAX_LIMIT}")
    word = keyword(q)
    w_lon, w_lat = point_in(lon, lat, crs)
    index = live.city(city)
    moment = local_moment(at, index.timezone)
    stamp = moment.timestamp()
    limit_m = walker.metres(minutes)
    columns = category_columns(index, categories)
    with index.lock:
        origin = index.snap_origin(w_lon, w_lat)
        slots, metres = index.searcher.near(index.index, origin, limit_m)
        cols = index.places
        if columns is not None:
            keep = cols.categories[slots][:, columns].any(axis=1)
            slots, metres = slots[keep], metres[keep]
        if word is not None:
            keep = keyword_hits(index, slots, word)
            slots, metres = slots[keep], metres[keep]
        states = None
        if open_now:
            states = [opening(cols.spans[s], moment) for s in slots.tolist()]
            keep = np.array([bool(st.open_now) for st in states], dtype=bool)
            slots, metres = slots[keep], metres[keep]
            states = [st for st, k in zip(states, keep.tolist(), strict=True) if k]
        total = int(slots.size)
        slots, metres = slots[:limit], metres[:limit]
        if states is None:
            states = [opening(cols.spans[s], moment) for s in slots.tolist()]
        x, y = points_out(cols.lon[slots], cols.lat[slots], crs)
        places = tuple(
            NearbyPlace(
                id=cols.uid[s],
                name=cols.name[s],
                brand=cols.brand[s],
                categories=cols.refs[s],
                lon=float(x[i]),
                lat=float(y[i]),
                metres=float(metres[i]),
                minutes=minutes_from_metres(float(metres[i]), speed_kmh=walker.speed_kmh),
                open_now=states[i].open_now,
                next_opening=states[i].next_opening,
                closes_at=states[i].closes_at,
                opening_hours=cols.hours[s],
                verified=cols.verified[s],
                services=cols.services[s],
                coupons=count_open(cols.coupons[s], stamp),
                near_expiry=count_open(cols.offers[s], stamp),
            )
            for i, s in enumerate(slots.tolist())
        )
        street_m = float(origin.offset_m[0])
    return NearbyResult(
        city=index.name,
        crs=crs.strip().lower(),
        lon=lon,
        lat=lat,
        street_m=street_m,
        minutes=minutes,
        profile=profile,
        speed_kmh=walker.speed_kmh,
        limit_m=limit_m,
        at=moment,
        timezone=str(index.timezone),
        total=total,
        places=places,
    )
