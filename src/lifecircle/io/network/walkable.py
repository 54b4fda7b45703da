"""The pedestrian rule: which OpenStreetMap highway ways a person may walk along.

Every reader applies this one rule, so a network built from a PBF extract, an Overpass
response or an OSMnx graph of the same area keeps the same ways. The rule is also
written out as a table in ``docs/walkable.md``; keep the two in step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

WALKABLE_HIGHWAYS: frozenset[str] = frozenset(
    {
        # built for people on foot
        "footway",
        "pedestrian",
        "path",
        "steps",
        "corridor",  # indoor passages (malls, stations)
        "crossing",  # rare as a way; normally footway=crossing
        "elevator",
        "platform",  # public-transport platforms are walked on and connect to footways
        "bus_stop",  # a stop drawn as a way is a waiting area on the pavement
        "trail",  # not an OSM value, but common in extracts (159 ways in Helsinki) for path
        # shared with vehicles; streets without a separate sidewalk way still carry walkers
        "living_street",
        "residential",
        "service",
        "unclassified",
        "road",
        "track",
        "tertiary",
        "tertiary_link",
        "secondary",
        "secondary_link",
        "primary",
        "primary_link",
        "trunk",
        "trunk_link",
        # shared with cycles or horses; pedestrians are allowed unless foot=no says so
        "cycleway",
        "bridleway",
    }
)
"""``highway=*`` values kept when no other tag forbids walking."""

EXCLUDED_HIGHWAYS: frozenset[str] = frozenset(
    {"motorway", "motorway_link", "raceway", "bus_guideway", "busway", "escape"}
)
"""Built classes closed to pedestrians; an explicit ``foot=yes`` still opens them."""

LIFECYCLE_HIGHWAYS: frozenset[str] = frozenset(
    {
        "construction",
        "proposed",
        "planned",
        "abandoned",
        "razed",
        "disused",
        "demolished",
        "removed",
        "no",
    }
)
"""Ways that are not (or not yet, or no longer) there; nothing opens them."""

NOT_WALKABLE_HIGHWAYS: frozenset[str] = EXCLUDED_HIGHWAYS | LIFECYCLE_HIGHWAYS
"""Classes that are obviously not walkable (used where input was filtered already)."""

FOOT_ALLOWED: frozenset[str] = frozenset({"yes", "designated", "permissive"})
"""``foot=*`` values that open a way whatever its access or class (lifecycle aside)."""

FOOT_DENIED: frozenset[str] = frozenset({"no", "private"})
"""``foot=*`` values that close a way to pedestrians."""

ACCESS_DENIED: frozenset[str] = frozenset({"no", "private"})
"""``access=*`` values that close a way unless ``foot=*`` opens it."""

SERVICE_DENIED: frozenset[str] = frozenset({"private"})
"""``service=*`` values that close a service road unless ``foot=*`` opens it."""


def is_walkable(tags: Mapping[str, str]) -> bool:
    """Whether a pedestrian may walk along an OpenStreetMap way with these tags.

    The rule, in order:

    1. No ``highway`` tag: not part of the street network (``False``).
    2. ``highway`` is a lifecycle state (construction, proposed, planned, abandoned,
       razed, disused, demolished, removed, no): ``False``; ``foot=*`` cannot open a
       street that does not exist.
    3. ``foot`` is yes, designated or permissive: ``True``; this overrides every
       other exclusion (motorway class, ``access``, ``service=private``).
    4. ``foot`` is no or private: ``False``.
    5. ``highway`` is motorway, motorway_link, raceway, bus_guideway, busway or escape:
       ``False``.
    6. ``access`` is no or private, or ``service=private``: ``False``.
    7. ``highway`` is one of :data:`WALKABLE_HIGHWAYS` (footways and streets from
       trunk down, cycleways, bridleways, platforms...): ``True``; any other value
       (``highway=yes``, typos, rest_area...) is ``False``.

    ``area=yes`` does not matter: a walkable square's outline is walked like a way, and
    a non-walkable class stays excluded by the steps above. ``oneway`` never matters: a
    kept way is walkable in both directions. ``foot=use_sidepath`` keeps the street
    (a separately drawn sidewalk may not connect at every crossing).

    Parameters
    ----------
    tags
        The way's tags (key to value).

    Returns
    -------
    bool
        ``True`` when the way belongs to the walking network.

    Examples
    --------
    >>> is_walkable({"highway": "residential", "oneway": "yes"})
    True
    >>> is_walkable({"highway": "service", "access": "private", "foot": "yes"})
    True
    >>> is_walkable({"highway": "motorway"})
    False
    >>> is_walkable({"highway": "construction", "foot": "designated"})
    False

    """
    highway = tags.get("highway")
    if highway is None or highway in LIFECYCLE_HIGHWAYS:
        return False
    foot = tags.get("foot")
    if foot in FOOT_ALLOWED:
        return True
    if foot in FOOT_DENIED or highway in EXCLUDED_HIGHWAYS:
        return False
    if tags.get("access") in ACCESS_DENIED or tags.get("service") in SERVICE_DENIED:
        return False
    return highway in WALKABLE_HIGHWAYS
