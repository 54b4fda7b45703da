"""Residents' routes: nearby search, walking routes, isochrones and community cards (free).

Routes are relative: the application mounts this router under ``/api/v1``. Two things
come from the application's state (``request.app.state``):

* ``engine``: the SQLAlchemy engine of the stores (``EngineDep`` of :mod:`lifecircle.api.deps`);
* ``live_index``: this process's :class:`~lifecircle.services.residents.index.LiveIndex`
  (each city's network and places held as arrays), created here on first use and kept
  for the life of the process.

Each route validates its input, calls one service function and returns a ``*Public``
model. The services' errors are answered by :func:`_answering`: an unknown city, place or
community is 404; a bad parameter, or a point off the walking network (with the
distance to the nearest street), is 422 in FastAPI's own error shape.
"""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import AwareDatetime

from lifecircle.api.deps import EngineDep
from lifecircle.api.schemas.common import problems
from lifecircle.api.schemas.residents import (
    CommunityCardPublic,
    CommunityFoundPublic,
    Crs,
    IsochroneFeature,
    NearbyPublic,
    Profile,
    RouteFeature,
)
from lifecircle.errors import DataError, NotFoundError, ValidationError
from lifecircle.services.residents.communities import community_card, community_near
from lifecircle.services.residents.index import LiveIndex, OffNetworkError
from lifecircle.services.residents.keywords import MAX_KEYWORD_LENGTH
from lifecircle.services.residents.nearby import MAX_LIMIT, MAX_MINUTES, nearby
from lifecircle.services.residents.points import parse_lon_lat
from lifecircle.services.residents.walks import isochrone, route

if TYPE_CHECKING:
    from collections.abc import Iterator

router = APIRouter(tags=["residents"])

_NOT_FOUND: dict[int | str, dict[str, Any]] = problems(404)
"""Every route's error answers with the app's problem body (400 and 422 included)."""
_NOT_FOUND[404] = {**_NOT_FOUND[404], "description": "No such city (or place, or community)"}

_LIVE_LOCK = threading.Lock()
_FIELD = re.compile(r"([a-z_]+): ")


async def get_live_index(request: Request, engine: EngineDep) -> LiveIndex:
    """The live index of this process, created on first use (one per app and engine)."""
    state = request.app.state
    live: LiveIndex | None = getattr(state, "live_index", None)
    if live is None or live.engine is not engine:
        with _LIVE_LOCK:
            live = getattr(state, "live_index", None)
            if live is None or live.engine is not engine:
                live = LiveIndex(engine)
                state.live_index = live
    return live


LiveDep = Annotated[LiveIndex, Depends(get_live_index)]
CityPath = Annotated[str, Path(min_length=1, max_length=100, description="City name")]
CrsQuery = Annotated[Crs, Query(description="Coordinate system of the point and the answer")]
ProfileQuery = Annotated[Profile, Query(description="adult 4.0 km/h, elderly 3.2 km/h")]
Lon = Annotated[float, Query(ge=-180, le=180, description="Longitude, degrees")]
Lat = Annotated[float, Query(ge=-90, le=90, description="Latitude, degrees")]
Minutes = Annotated[float, Query(gt=0, le=MAX_MINUTES, description="Walking time, minutes (0-60]")]
LonLatText = Annotated[str, Query(max_length=64, description="lon,lat in degrees")]


@contextmanager
def _answering(point_field: str = "lon") -> Iterator[None]:
    """Turn the services' errors into HTTP answers (404, or 422 naming the field)."""
    try:
        yield
    except OffNetworkError as exc:
        raise HTTPException(
            status_code=422,
            detail=[
                {
                    "loc": ["query", point_field],
                    "msg": str(exc),
                    "type": "off_network",
                    "ctx": {"distance_m": exc.distance_m, "max_snap_m": exc.max_snap_m},
                }
            ],
        ) from exc
    except NotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    except (ValidationError, DataError) as exc:
        found = _FIELD.match(str(exc))
        loc = ["query", found.group(1)] if found else ["query"]
        raise HTTPException(
            status_code=422, detail=[{"loc": loc, "msg": str(exc), "type": "value_error"}]
        ) from exc


@router.get("/cities/{city}/nearby", response_model=NearbyPublic, responses=_NOT_FOUND)
async def get_nearby(
    live: LiveDep,
    city: CityPath,
    lon: Lon,
    lat: Lat,
    crs: CrsQuery = "wgs84",
    minutes: Minutes = 15.0,
    profile: ProfileQuery = "adult",
    category: Annotated[
        list[str] | None,
        Query(description="Category codes or groups (basic, quality, facility); repeat or comma"),
    ] = None,
    q: Annotated[
        str | None,
        Query(max_length=MAX_KEYWORD_LENGTH, description="Keyword: Chinese, English or pinyin"),
    ] = None,
    open_now: Annotated[bool, Query(description="Only places known to be open at `at`")] = False,
    at: Annotated[
        AwareDatetime | None, Query(description="Moment for opening hours (default: now)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Most places listed")] = 50,
) -> Response:
    """Places within a walking time of a point, nearest first (free, no account needed)."""
    search = partial(
        nearby,
        live,
        city=city,
        lon=lon,
        lat=lat,
        crs=crs,
        minutes=minutes,
        profile=profile,
        categories=category or (),
        q=q,
        open_now=open_now,
        at=at,
        limit=limit,
    )
    with _answering():
        # a city this process holds answers in about a millisecond of CPU: run it here
        # rather than hop to the thread pool; the first search of a city loads its
        # network and places (seconds), in the pool so other requests go on meanwhile
        found = search() if live.holds(city) else await run_in_threadpool(search)
    # validated once here and sent as JSON, not validated again against response_model
    return Response(
        NearbyPublic.model_validate(found).model_dump_json(), media_type="application/json"
    )


@router.get("/cities/{city}/route", response_model=RouteFeature, responses=_NOT_FOUND)
def get_route(
    live: LiveDep,
    city: CityPath,
    from_: Annotated[str, Query(alias="from", max_length=64, description="lon,lat, degrees")],
    to: Annotated[str, Query(min_length=1, max_length=200, description="The place's id")],
    crs: CrsQuery = "wgs84",
    profile: ProfileQuery = "adult",
) -> RouteFeature:
    """The walking route from a point to a place: the walk nearby measured, as GeoJSON."""
    with _answering(point_field="from"):
        lon, lat = parse_lon_lat(from_, field="from")
        walk = route(live, city=city, lon=lon, lat=lat, to=to, crs=crs, profile=profile)
    return RouteFeature.model_validate(
        {
            "geometry": walk.geojson(),
            "properties": {
                "to": walk.to,
                "name": walk.name,
                "metres": walk.metres,
                "minutes": walk.minutes,
                "profile": walk.profile,
                "speed_kmh": walk.speed_kmh,
                "crs": walk.crs,
            },
        }
    )


@router.get("/cities/{city}/isochrone", response_model=IsochroneFeature, responses=_NOT_FOUND)
def get_isochrone(
    live: LiveDep,
    city: CityPath,
    lon: Lon,
    lat: Lat,
    minutes: Minutes = 15.0,
    crs: CrsQuery = "wgs84",
    profile: ProfileQuery = "adult",
) -> IsochroneFeature:
    """The area reachable on foot within a walking time, as a GeoJSON Feature."""
    with _answering():
        area = isochrone(
            live, city=city, lon=lon, lat=lat, minutes=minutes, crs=crs, profile=profile
        )
    return IsochroneFeature.model_validate(
        {
            "geometry": area.geometry,
            "properties": {
                "minutes": area.minutes,
                "profile": area.profile,
                "speed_kmh": area.speed_kmh,
                "limit_m": area.limit_m,
                "area_m2": area.area_m2,
                "crs": area.crs,
            },
        }
    )


@router.get(
    "/cities/{city}/communities", response_model=list[CommunityFoundPublic], responses=_NOT_FOUND
)
def find_community(
    engine: EngineDep,
    city: CityPath,
    near: LonLatText,
    crs: CrsQuery = "wgs84",
) -> list[CommunityFoundPublic]:
    """The community a point lies in, or the nearest one (a list of one)."""
    with _answering(point_field="near"):
        lon, lat = parse_lon_lat(near, field="near")
        found = community_near(engine=engine, city=city, lon=lon, lat=lat, crs=crs)
    return [CommunityFoundPublic.model_validate(found)]


@router.get(
    "/cities/{city}/communities/{code}", response_model=CommunityCardPublic, responses=_NOT_FOUND
)
def get_community(
    engine: EngineDep,
    city: CityPath,
    code: Annotated[str, Path(min_length=1, max_length=64, description="Community code")],
    crs: CrsQuery = "wgs84",
) -> CommunityCardPublic:
    """A community's card from the latest assessment: coverage, gaps, type, grade, plan."""
    with _answering():
        card = community_card(engine=engine, city=city, code=code, crs=crs)
    return CommunityCardPublic.model_validate(card)
