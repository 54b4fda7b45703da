"""What lies within a walking limit of one point: places, routes and the isochrone polygon."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely

from lifecircle.core.walk.access import Router
from lifecircle.core.walk.insert import insert_points
from lifecircle.core.walk.snap import Snapped
from lifecircle.errors import ValidationError

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from lifecircle.core.walk.network import WalkNetwork

ISOCHRONE_BUFFER_M = 25.0
"""Half-width of the walked corridor drawn around reached streets (a pavement and frontage)."""


@dataclass(frozen=True)
class ReachResult:
    """Places within the limit of one origin, nearest first.

    Attributes
    ----------
    place
        Index (into the caller's places) of each reached place, nearest first.
    metres
        Walking metres to each, from the origin point itself.
    routes
        Per reached place, the route as an ``(k, 2)`` array of lon/lat from the origin
        point to the place, through the network.
    limit_m
        The limit used.
    origin_offset_m
        Metres from the origin to its street.

    """

    place: NDArray[np.int64]
    metres: NDArray[np.float64]
    routes: tuple[NDArray[np.float64], ...]
    limit_m: float
    origin_offset_m: float
    isochrone: shapely.Geometry | None


def reach(
    net: WalkNetwork,
    *,
    origin_lon: float,
    origin_lat: float,
    origin: Snapped,
    places: Snapped,
    place_lon: NDArray[np.float64],
    place_lat: NDArray[np.float64],
    limit_m: float,
    with_isochrone: bool = False,
    buffer_m: float = ISOCHRONE_BUFFER_M,
) -> ReachResult:
    """Every place within ``limit_m`` of one origin, with routes and optionally the isochrone.

    Parameters
    ----------
    net
        The network.
    origin_lon, origin_lat
        The origin point (WGS-84 degrees), the start of every route.
    origin
        The origin, snapped (one point).
    places
        The places, snapped.
    place_lon, place_lat
        The places' own coordinates, the end of every route.
    limit_m
        Walking limit in metres.
    with_isochrone
        Also build the reachable-area polygon.
    buffer_m
        Half-width of the corridor around reached streets in the polygon, metres.

    Returns
    -------
    ReachResult

    Raises
    ------
    ValidationError
        When the origin is not on the network.

    """
    if len(origin) != 1 or not bool(origin.ok[0]):
        raise ValidationError("the origin is farther from every street than the snap limit")
    graph = insert_points(net, Snapped.concat([origin, places]))
    o_node, o_off = int(graph.node[0]), float(graph.offset_m[0])
    router = Router(graph.net, place_node=graph.node[1:], place_offset_m=graph.offset_m[1:])
    place, metres = router.places_within(o_node, o_off, limit_m)
    big = graph.net
    routes = []
    for p in place:
        nodes = router.path_to(int(graph.node[1 + p]))
        coords = np.empty((nodes.size + 2, 2))
        coords[0] = (origin_lon, origin_lat)
        coords[1:-1, 0] = big.lon[nodes]
        coords[1:-1, 1] = big.lat[nodes]
        coords[-1] = (place_lon[p], place_lat[p])
        routes.append(coords)
    polygon = None
    if with_isochrone:
        nodes, dist = router.search(o_node, o_off, limit_m)
        polygon = isochrone_polygon(
            big, reached=nodes, metres=dist, limit_m=limit_m, buffer_m=buffer_m
        )
    return ReachResult(
        place=place.astype(np.int64),
        metres=metres,
        routes=tuple(routes),
        limit_m=float(limit_m),
        origin_offset_m=o_off,
        isochrone=polygon,
    )


def isochrone_polygon(
    net: WalkNetwork,
    *,
    reached: NDArray[np.int32],
    metres: NDArray[np.float64],
    limit_m: float,
    buffer_m: float = ISOCHRONE_BUFFER_M,
) -> shapely.Geometry:
    """The area reachable within ``limit_m``, built from the walked streets (not a circle).

    Each segment contributes the part a walker covers: all of it when the two ends'
    remaining budgets add up to its length, otherwise the stretch from each reached end
    that the remaining metres allow. The lines are buffered by ``buffer_m`` in the metric
    projection and merged; the result is in WGS-84 degrees.
    """
    if buffer_m <= 0:
        raise ValidationError("isochrone buffer must be positive metres")
    n = net.n_nodes
    d = np.full(n, np.inf)
    d[reached] = metres
    left_u = limit_m - d[net.seg_u]
    left_v = limit_m - d[net.seg_v]
    length = net.seg_len
    x, y = net.projected_xy()
    ax, ay, bx, by = x[net.seg_u], y[net.seg_u], x[net.seg_v], y[net.seg_v]
    safe = np.where(length > 0, length, 1.0)
    full = (left_u >= 0) & (left_v >= 0) & (left_u + left_v >= length)
    part_u = ~full & (left_u > 0)
    part_v = ~full & (left_v > 0)
    fu = np.clip(left_u / safe, 0, 1)
    fv = np.clip(left_v / safe, 0, 1)
    starts = np.concatenate(
        [np.stack([ax, ay], 1)[full], np.stack([ax, ay], 1)[part_u], np.stack([bx, by], 1)[part_v]]
    )
    ends = np.concatenate(
        [
            np.stack([bx, by], 1)[full],
            np.stack([ax + fu * (bx - ax), ay + fu * (by - ay)], 1)[part_u],
            np.stack([bx + fv * (ax - bx), by + fv * (ay - by)], 1)[part_v],
        ]
    )
    if starts.shape[0] == 0:
        if reached.size == 0:
            return shapely.Polygon()
        pts = shapely.points(x[reached], y[reached])
        area = shapely.union_all(shapely.buffer(pts, buffer_m))
    else:
        lines = shapely.linestrings(np.stack([starts, ends], axis=1))
        area = shapely.buffer(shapely.multilinestrings(lines), buffer_m, quad_segs=4)
    proj = net.projection()
    return shapely.transform(area, lambda xy: np.stack(proj.inverse(xy[:, 0], xy[:, 1]), 1))
