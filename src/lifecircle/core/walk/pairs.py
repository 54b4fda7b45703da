"""Walking metres between given origin-place pairs (a home and the shop it used).

Every origin and place is inserted into the network as a node
(:func:`~lifecircle.core.walk.insert.insert_points`), so an origin and a place on one
street meet directly; then one bounded search runs from each origin that has pairs, and
each pair reads its place's metres from it. The cost is one search per distinct origin,
bounded by ``limit_m``: what the monthly usage batch needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from lifecircle.core.walk.access import Router
from lifecircle.core.walk.insert import insert_points
from lifecircle.core.walk.snap import Snapped
from lifecircle.errors import ValidationError

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    from lifecircle.core.walk.network import WalkNetwork


def pair_metres(
    net: WalkNetwork,
    *,
    origins: Snapped,
    places: Snapped,
    origin_of_pair: ArrayLike,
    place_of_pair: ArrayLike,
    limit_m: float,
) -> NDArray[np.float64]:
    """Walking metres of each pair, ``nan`` beyond ``limit_m`` or where a point is off-network.

    Parameters
    ----------
    net
        The walking network.
    origins, places
        The snapped origins (homes) and places (shops).
    origin_of_pair, place_of_pair
        Per pair, an index into ``origins`` and one into ``places``.
    limit_m
        Search limit, metres; the metres include both points' walks to their streets.

    Returns
    -------
    ndarray of float64
        One value per pair.

    Raises
    ------
    ValidationError
        For indices out of range, pairs of unequal length or a bad limit.

    """
    o_of = np.asarray(origin_of_pair, dtype=np.int64)
    p_of = np.asarray(place_of_pair, dtype=np.int64)
    if o_of.shape != p_of.shape or o_of.ndim != 1:
        raise ValidationError("origin_of_pair and place_of_pair must be 1-d and of equal length")
    n_o, n_p = len(origins), len(places)
    if o_of.size and (o_of.min() < 0 or o_of.max() >= n_o or p_of.min() < 0 or p_of.max() >= n_p):
        raise ValidationError("a pair names an origin or place out of range")
    if not (np.isfinite(limit_m) and limit_m >= 0):
        raise ValidationError(f"limit_m must be finite and non-negative, not {limit_m}")
    out = np.full(o_of.size, np.nan)
    if not o_of.size:
        return out
    graph = insert_points(net, Snapped.concat([origins, places]))
    o_node, o_off = graph.node[:n_o], graph.offset_m[:n_o]
    router = Router(graph.net, place_node=graph.node[n_o:], place_offset_m=graph.offset_m[n_o:])
    order = np.argsort(o_of, kind="stable")
    starts = np.flatnonzero(np.r_[True, o_of[order][1:] != o_of[order][:-1]])
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < starts.size else order.size
        origin = int(o_of[order[start]])
        if o_node[origin] < 0:
            continue
        reached, metres = router.places_within(int(o_node[origin]), float(o_off[origin]), limit_m)
        found = dict(zip(reached.tolist(), metres.tolist(), strict=True))
        for pair in order[start:end]:
            out[pair] = found.get(int(p_of[pair]), np.nan)
    return out
