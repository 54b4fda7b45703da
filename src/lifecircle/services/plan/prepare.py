"""A plan's walks, done once: homes on the streets, existing places, candidates, their reach.

The per-category plan (:func:`lifecircle.services.plan.plan`) and the joint plan
(:func:`lifecircle.services.plan.joint_plan`) start from the same :class:`Preparation`
and the same per-category :class:`Reach`: the joint plan's rows are the pairs each
category's own plan solved, so a joint plan walks the network once, not once for the
per-category plans it is compared with and again for itself.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from lifecircle.core.assess.categories import GROUPS
from lifecircle.core.walk.access import accessibility
from lifecircle.core.walk.insert import insert_points
from lifecircle.core.walk.snap import Snapped, snap_points
from lifecircle.errors import DataError, NotFoundError, ValidationError
from lifecircle.services.candidates import (
    Candidates,
    file_candidates,
    near_demand,
    network_candidates,
    pairs_within,
    within,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from numpy.typing import NDArray

    from lifecircle.core.assess.categories import Taxonomy
    from lifecircle.core.walk.network import WalkNetwork
    from lifecircle.services.city.data import CityData
    from lifecircle.services.plan.params import PlanParams


# --- the inputs ----------------------------------------------------------------------------


def expand_groups(data: CityData, codes: tuple[str, ...]) -> tuple[str, ...]:
    """Category codes, with a group name (``basic``, ``quality``) standing for its members."""
    return expand_codes(data.taxonomy, codes)


def expand_codes(taxonomy: Taxonomy, codes: tuple[str, ...]) -> tuple[str, ...]:
    """:func:`expand_groups` in a taxonomy: each group name replaced by its members' codes."""
    out: list[str] = []
    for code in codes:
        members = [c.code for c in taxonomy.in_group(code)] if code in GROUPS else []
        out.extend(members or [code])
    return tuple(dict.fromkeys(out))


def planned_columns(data: CityData, codes: tuple[str, ...]) -> list[int]:
    """Taxonomy columns of the categories asked, refusing unknown codes."""
    unknown = [c for c in codes if c not in data.categories]
    if unknown:
        raise ValidationError(
            f"unknown categor{'ies' if len(unknown) > 1 else 'y'} "
            f"{', '.join(repr(c) for c in unknown)}: taxonomy {data.taxonomy.name!r} has "
            + ", ".join(data.categories)
        )
    return [data.categories.index(c) for c in codes]


def area_homes(data: CityData, community: str | None) -> NDArray[np.int64]:
    """The homes of the planned area (with residents), refusing unknown communities."""
    zone = data.homes.zone
    if community is None:
        inside = zone >= 0
        where = f"city {data.name!r}"
    else:
        codes = data.units.codes
        if community not in codes:
            by_name = [c for c, n in zip(codes, data.units.names, strict=True) if n == community]
            hint = f" (the code of {community!r} is {by_name[0]!r})" if len(by_name) == 1 else ""
            shown = ", ".join(codes[:5]) + (", …" if len(codes) > 5 else "")
            raise NotFoundError(
                f"city {data.name!r} has no community {community!r}{hint}; "
                f"its {len(codes)} {data.units.level or 'unit'} codes include {shown}"
            )
        inside = zone == codes.index(community)
        where = f"community {community!r}"
    homes = np.flatnonzero(inside & (data.homes.weight > 0))
    if homes.size == 0:
        raise DataError(f"{where} has no residents: nothing to plan")
    return homes


def existing_places(
    data: CityData, homes: Snapped, cols: list[int], limit_m: float, max_snap_m: float
) -> NDArray[np.bool_]:
    """Per home and planned category: an existing place lies within the limit."""
    column = np.full(len(data.categories), -1)
    column[cols] = np.arange(len(cols))
    pair = np.flatnonzero(column[data.places.pair_category] >= 0)
    rows = data.places.pair_place[pair]  # only the places of the planned categories
    result = accessibility(
        data.net,
        origins=homes,
        places=snap_points(
            data.net, data.places.lon[rows], data.places.lat[rows], max_snap_m=max_snap_m
        ),
        place_category=column[data.places.pair_category[pair]],
        categories=[data.categories[c] for c in cols],
        limit_m=limit_m,
        with_counts=False,
    )
    return np.isfinite(result.metres)


def planned_candidates(data: CityData, params: PlanParams) -> Candidates:
    """The plan's candidate sites: points along the streets, or the user's file."""
    if params.candidates is None:
        return network_candidates(data.net, spacing_m=params.spacing_m)
    return file_candidates(
        data.net, params.candidates, crs=params.candidates_crs, max_snap_m=params.max_snap_m
    )


# --- the preparation -----------------------------------------------------------------------


@dataclass(frozen=True)
class Preparation:
    """What every category's plan starts from, computed once per plan.

    Attributes
    ----------
    params
        The plan's parameters, group names (``basic``) replaced by their categories.
    homes
        The planned area's homes with residents (indices into ``data.homes``).
    weight, zone
        Their residents and community (index into ``data.units``).
    snapped
        The homes attached to the streets (``ok`` false beyond ``max_snap_m``).
    covered
        Per home and category of ``params``: an existing place lies within the limit.
    cands
        The candidate sites within the limit of a home some category misses.
    net
        The walking network with the homes and candidates inserted as nodes.
    home, cand
        Node and offset (metres) of each home and candidate on ``net``.

    """

    params: PlanParams
    homes: NDArray[np.int64]
    weight: NDArray[np.float64]
    zone: NDArray[np.int64]
    snapped: Snapped
    covered: NDArray[np.bool_]
    cands: Candidates
    net: WalkNetwork
    home: tuple[NDArray[np.int64], NDArray[np.float64]]
    cand: tuple[NDArray[np.int64], NDArray[np.float64]]


def prepare(data: CityData, params: PlanParams, step: Callable[[str], None]) -> Preparation:
    """Snap the area's homes, walk to the existing places, choose and insert the candidates.

    Parameters
    ----------
    data
        The city.
    params
        The plan's parameters (the categories may name groups).
    step
        Called with the name of each step as it starts.

    Raises
    ------
    ValidationError
        For categories not in the city's taxonomy.
    NotFoundError
        For an unknown community code.
    DataError
        For an area without residents.

    """
    params = replace(params, categories=expand_groups(data, params.categories))
    cols = planned_columns(data, params.categories)
    homes = area_homes(data, params.community)
    step("attaching residents to the streets")
    snapped = snap_points(
        data.net, data.homes.lon[homes], data.homes.lat[homes], max_snap_m=params.max_snap_m
    )
    step("walks to the existing places")
    covered = existing_places(data, snapped, cols, params.limit_m, params.max_snap_m)
    step("candidate sites")
    cands = planned_candidates(data, params)
    demand = ~covered.all(axis=1)  # homes some planned category does not reach yet
    cands = near_demand(data.net, cands, snapped.take(np.flatnonzero(demand)), params.limit_m)
    graph = insert_points(data.net, Snapped.concat([snapped, cands.snapped]))
    n = homes.size
    return Preparation(
        params=params,
        homes=homes,
        weight=data.homes.weight[homes],
        zone=data.homes.zone[homes],
        snapped=snapped,
        covered=covered,
        cands=cands,
        net=graph.net,
        home=(graph.node[:n].astype(np.int64), graph.offset_m[:n]),
        cand=(graph.node[n:].astype(np.int64), graph.offset_m[n:]),
    )


@dataclass(frozen=True)
class Reach:
    """One category's walks: its uncovered homes and the candidates within the limit.

    Attributes
    ----------
    need
        The homes no existing place of the category reaches, on a street.
    local
        The candidates within the limit of one of them (indices into the candidates).
    pair_home, pair_cand, metres
        Each (home, candidate) pair within the limit: the home's index into ``need``,
        the candidate's into ``local``, and the walk, metres.

    """

    need: NDArray[np.int64]
    local: NDArray[np.int64]
    pair_home: NDArray[np.int64]
    pair_cand: NDArray[np.int64]
    metres: NDArray[np.float64]

    def pairs(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """The pairs as (home of the area, candidate) indices."""
        return (
            self.need[self.pair_home].astype(np.int64),
            self.local[self.pair_cand].astype(np.int64),
        )


def category_reach(
    prep: Preparation, covered: NDArray[np.bool_], code: str, step: Callable[[str], None]
) -> Reach:
    """The walks from the homes ``covered`` leaves out to the candidates (one category's).

    Two bounded searches: one from all those homes at once marks the candidates within
    the limit of any, then one per home lists its pairs with those candidates.
    """
    (h_node, h_off), (c_node, c_off) = prep.home, prep.cand
    limit = prep.params.limit_m
    need = np.flatnonzero(~covered & (h_node >= 0))
    step(f"{code}: walks from the candidates")
    near = within(
        prep.net, seed_node=h_node[need], seed_offset_m=h_off[need],
        node=c_node, offset_m=c_off, limit_m=limit,
    )  # fmt: skip
    local = np.flatnonzero(near)
    hi, ci, metres = pairs_within(
        prep.net, a_node=h_node[need], a_offset_m=h_off[need],
        b_node=c_node[local], b_offset_m=c_off[local], limit_m=limit,
    )  # fmt: skip
    return Reach(need, local, hi, ci, metres)
