"""The circle type of every community of a city: its basic places, footprints and streets.

The assessment's glue around :func:`lifecircle.core.assess.circles.circle_type`: project the
places, find the mall outlines near each community, map each place's snapped segment to
its street (the network's :class:`~lifecircle.core.walk.streets.StreetIndex`: the named
street, or the way) and put the shops and streets into words, so that every verdict
names what an official can find on the map.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shapely

from lifecircle.core.assess.circles import circle_type

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from lifecircle.core.assess.circles import CircleRules, Verdict
    from lifecircle.services.city.data import CityData


def no_street_index(city: str) -> str:
    """Why the 街区式 rule is skipped on a network without streets, and how to fix it."""
    return (
        "the network carries no street index (a version-1 .lcnet file, or a network "
        "built without OSM ways; rebuild it from its OSM, Overpass or GraphML source with "
        f"`lifecircle city import {city} --network FILE`)"
    )


def place_label(name: str, uid: str) -> str:
    """A place as a verdict cites it: ``"7-Eleven 华强店 (osm:n123)"``, or the uid alone."""
    return f"{name} ({uid})" if name.strip() else uid


def circle_types(data: CityData, place_seg: NDArray[np.int64], rules: CircleRules) -> list[Verdict]:
    """The circle type verdict of every unit, from its basic places.

    Parameters
    ----------
    data
        The city (or the part of it a what-if re-scores).
    place_seg
        The network segment each place snapped to (``-1``: none); the street rule counts
        the places per street of the network's street index, not per segment.
    rules
        The thresholds.

    Returns
    -------
    list of Verdict
        One per unit of ``data``.

    """
    basic_cols = np.flatnonzero(np.asarray(data.groups) == "basic")
    is_basic = np.zeros(len(data.places), dtype=bool)
    is_basic[data.places.pair_place[np.isin(data.places.pair_category, basic_cols)]] = True
    proj = data.net.projection()
    x, y = proj.forward(data.places.lon, data.places.lat)
    streets = data.net.streets
    street = None if streets is None else streets.of_segments(place_seg)
    street_names = () if streets is None else streets.labels()
    zone = data.places.zone
    order = np.flatnonzero(is_basic & (zone >= 0))
    order = order[np.argsort(zone[order], kind="stable")]
    bounds = np.searchsorted(zone[order], np.arange(len(data.units) + 1))

    def forward(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.column_stack(proj.forward(xy[:, 0], xy[:, 1]))

    footprints = np.array([shapely.transform(c, forward) for c in data.centres], dtype=object)
    tree = shapely.STRtree(footprints)
    names = data.centre_names if len(data.centre_names) == footprints.size else ()
    verdicts = []
    for k in range(len(data.units)):
        idx = order[bounds[k] : bounds[k + 1]]
        near = np.zeros(0, dtype=np.int64)
        if idx.size and footprints.size:
            box = shapely.box(x[idx].min(), y[idx].min(), x[idx].max(), y[idx].max())
            near = np.sort(tree.query(box))
        verdicts.append(
            circle_type(
                x=x[idx],
                y=y[idx],
                footprints=list(footprints[near]),
                footprint_names=[names[i] for i in near] if names else (),
                street=None if street is None else street[idx],
                street_names=street_names,
                place_labels=[place_label(data.places.name[i], data.places.uid[i]) for i in idx],
                no_street_reason=no_street_index(data.name),
                rules=rules,
            )
        )
    return verdicts
