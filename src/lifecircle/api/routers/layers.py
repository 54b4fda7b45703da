"""Map layers for the residents' map: the walking network and community outlines in a box.

Free, like the nearby search: the web application draws them as vector layers so a map
reads offline, without a tile server (:mod:`lifecircle.services.residents.layers`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from lifecircle.api.deps import EngineDep
from lifecircle.api.routers.residents import LiveDep
from lifecircle.api.schemas.common import CityName, problems
from lifecircle.api.schemas.layers import (
    ExtentPublic,
    OutlineCollection,
    OutlineFeature,
    StreetCollection,
    geometry_of,
)
from lifecircle.api.schemas.residents import Crs
from lifecircle.errors import DataError, ValidationError
from lifecircle.services.residents.layers import (
    community_layer,
    network_extent,
    parse_bbox,
    street_layer,
)

router = APIRouter(tags=["residents"])

CityPath = Annotated[CityName, Path(description="City name.")]
BBoxQuery = Annotated[
    str,
    Query(
        min_length=7,
        max_length=120,
        description="west,south,east,north in degrees of `crs` (at most 1 degree each way)",
        examples=["24.93,60.165,24.95,60.175"],
    ),
]
CrsQuery = Annotated[Crs, Query(description="Coordinate system of the box and the answer")]


@router.get("/cities/{city}/extent", responses=problems(404))
def read_extent(live: LiveDep, city: CityPath, crs: CrsQuery = "wgs84") -> ExtentPublic:
    """Where the city's walking network lies: its box and a street near its middle."""
    try:
        extent = network_extent(live, city=city, crs=crs)
    except DataError as exc:
        raise ValidationError(str(exc), field="path.city") from exc
    return ExtentPublic.model_validate(extent, from_attributes=True)


@router.get(
    "/cities/{city}/network.geojson",
    response_model=StreetCollection,
    responses=problems(404),
)
def read_network(
    live: LiveDep, city: CityPath, bbox: BBoxQuery, crs: CrsQuery = "wgs84"
) -> Response:
    """The walking network's segments within a box, capped (GeoJSON; free, no account)."""
    box = parse_bbox(bbox, crs=crs)
    try:
        layer = street_layer(live, city=city, bbox=box, crs=crs)
    except DataError as exc:  # no network imported: a problem of the request, as /nearby
        raise ValidationError(str(exc), field="path.city") from exc
    body = StreetCollection.model_validate(
        {
            "features": [
                {
                    "geometry": {"coordinates": layer.lines},
                    "properties": {
                        "city": layer.city,
                        "crs": layer.crs,
                        "segments": layer.segments,
                        "truncated": layer.truncated,
                    },
                }
            ]
        }
    )
    return Response(
        body.model_dump_json(),
        media_type="application/geo+json",
        headers={"Cache-Control": "public, max-age=300"},
    )


@router.get(
    "/cities/{city}/communities.geojson",
    response_model=OutlineCollection,
    responses=problems(404),
)
def read_community_outlines(
    engine: EngineDep, city: CityPath, bbox: BBoxQuery, crs: CrsQuery = "wgs84"
) -> OutlineCollection:
    """The outlines of the communities meeting a box (GeoJSON; free, no account)."""
    box = parse_bbox(bbox, crs=crs)
    layer = community_layer(engine=engine, city=city, bbox=box, crs=crs)
    return OutlineCollection(
        crs_name=layer.crs,  # type: ignore[arg-type]
        truncated=layer.truncated,
        features=[
            OutlineFeature.model_validate(
                {
                    "geometry": geometry_of(c.geometry),
                    "properties": {
                        "code": c.code,
                        "name": c.name,
                        "street": c.street,
                        "district": c.district,
                        "level": c.level,
                    },
                }
            )
            for c in layer.communities
        ],
    )
