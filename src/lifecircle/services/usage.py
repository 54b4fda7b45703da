"""The 15-minute usage: how often residents use shops within a walk of home.

A monthly batch (:func:`compute_usage`): every coupon redemption of the month (not
undone) by a resident who set a home point in the city is walked, on the city's network,
from the home to the shop (:func:`~lifecircle.core.walk.pairs.pair_metres`); it counts
in the cell of the home's community × each category of the shop, and as *within* when
the walk is at most the limit (15 minutes at the standard speed). Only the counts are
stored (``usage_cells``): never the home, the walk or the resident. Months are calendar
months in China Standard Time. The home used is the resident's home when the batch runs.

Readers (:func:`read_usage`) get each cell's count and share; a cell of fewer than
:data:`~lifecircle.core.assess.indicators.MIN_EVENTS` events shows no share and no
count, only that it is too small.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np

from lifecircle.core.assess.indicators import MIN_EVENTS, shown_share
from lifecircle.core.walk.impedance import WALK_SPEED_KMH, metres_from_minutes
from lifecircle.core.walk.pairs import pair_metres
from lifecircle.core.walk.snap import snap_points
from lifecircle.errors import DataError, NotFoundError
from lifecircle.io.network.lcnet import load_network
from lifecircle.services.indicators import check_period
from lifecircle.store import indicators as store
from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sqlalchemy.engine import Engine

    from lifecircle.core.walk.network import WalkNetwork
    from lifecircle.services.areas import AreaScope

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
"""Months are counted in China Standard Time."""

LIMIT_MINUTES = 15
"""The walk a shop must lie within, minutes at :data:`WALK_SPEED_KMH`."""

NO_CATEGORY = "uncategorised"
"""The category cell of a shop with no category."""


def month_bounds(month: str, *, field: str = "month") -> tuple[datetime, datetime]:
    """The UTC start and end (excluded) of a calendar month in China Standard Time."""
    check_period(month, field=field)
    year, mon = int(month[:4]), int(month[5:])
    start = datetime(year, mon, 1, tzinfo=LOCAL_ZONE)
    end = datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=LOCAL_ZONE)
    return start.astimezone(UTC), end.astimezone(UTC)


@dataclass(frozen=True)
class UsageRun:
    """What a batch counted: redemptions, those with a home, those walked, cells stored."""

    city: str
    month: str
    redemptions: int
    with_home: int
    walked: int
    within: int
    cells: int


def usage_cells(
    net: WalkNetwork,
    events: list[store.UsageEvent],
    categories: dict[int, tuple[str, ...]],
    *,
    limit_minutes: float = LIMIT_MINUTES,
) -> tuple[dict[tuple[str, str], tuple[int, int]], int]:
    """Walk each event with a home and count it per home community × shop category.

    Returns the cells ``(community, category) -> (events, within)`` and how many events
    were walked (both points on the network).
    """
    homed = [e for e in events if e.home_lon is not None and e.home_lat is not None]
    if not homed:
        return {}, 0
    homes = snap_points(
        net, np.array([e.home_lon for e in homed]), np.array([e.home_lat for e in homed])
    )
    shops = snap_points(
        net, np.array([e.place_lon for e in homed]), np.array([e.place_lat for e in homed])
    )
    limit_m = metres_from_minutes(limit_minutes, speed_kmh=WALK_SPEED_KMH)
    index = np.arange(len(homed))
    metres = pair_metres(
        net,
        origins=homes,
        places=shops,
        origin_of_pair=index,
        place_of_pair=index,
        limit_m=limit_m,
    )
    walked = homes.ok & shops.ok
    events_n: Counter[tuple[str, str]] = Counter()
    within_n: Counter[tuple[str, str]] = Counter()
    for k, event in enumerate(homed):
        if not walked[k]:
            continue
        near = bool(np.isfinite(metres[k]) and metres[k] <= limit_m)
        for category in categories.get(event.place_id) or (NO_CATEGORY,):
            key = (event.home_community or "", category)
            events_n[key] += 1
            within_n[key] += near
    return {k: (events_n[k], within_n[k]) for k in events_n}, int(walked.sum())


def compute_usage(*, engine: Engine, city: str, month: str) -> UsageRun:
    """Run the month's batch for a city and store its cells (replacing a previous run).

    Raises
    ------
    NotFoundError
        If there is no such city.
    DataError
        If the city has no walking network.
    ValidationError
        For a month that is not ``YYYY-MM``.

    """
    since, until = month_bounds(month)
    with session_scope(engine) as session:
        found = get_city(session, name=city)
        city_id, network_path = found.id, found.network_path
        events = store.usage_events(session, city_id=city_id, since=since, until=until)
        categories = store.categories_of(session, place_ids=sorted({e.place_id for e in events}))
    if network_path is None or not Path(network_path).is_file():
        raise DataError(
            f"city {city!r} has no walking network: import one with "
            "`lifecircle city import NAME --network FILE`",
            field="city",
        )
    cells, walked = usage_cells(load_network(Path(network_path)), events, categories)
    with_home = sum(e.home_lon is not None for e in events)
    with session_scope(engine, write=True) as session:
        store.save_usage(
            session,
            city_id=city_id,
            month=month,
            limit_minutes=LIMIT_MINUTES,
            redemptions=len(events),
            with_home=with_home,
            walked=walked,
            cells=cells,
        )
    return UsageRun(
        city=city,
        month=month,
        redemptions=len(events),
        with_home=with_home,
        walked=walked,
        within=sum(w for _, w in cells.values()),
        cells=len(cells),
    )


@dataclass(frozen=True)
class UsageCellView:
    """One community × category cell as officials see it (``None``: too few events)."""

    community_code: str | None
    category: str
    events: int | None
    within_share: float | None


@dataclass(frozen=True)
class UsageView:
    """A month's usage in a scope: its cells and the totals of the scope."""

    city: str
    area: str | None
    month: str
    computed_at: datetime
    limit_minutes: int
    min_events: int
    events: int | None
    within_share: float | None
    cells: tuple[UsageCellView, ...]
    community_totals: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    """Per home community: (events, within) over its cells, for the community figures
    (:func:`community_usage`), which withhold the small ones."""


def view_of(batch: store.UsageBatch, *, city: str, scope: AreaScope | None) -> UsageView:
    """The cells of a batch inside ``scope`` (all when ``None``), small ones withheld."""
    kept = [
        c
        for c in batch.cells
        if scope is None or (scope.area is None or (c[0] and scope.covers(c[0])))
    ]
    cells = tuple(
        UsageCellView(
            community_code=c[0] or None,
            category=c[1],
            events=c[2] if c[2] >= MIN_EVENTS else None,
            within_share=shown_share(c[2], c[3]),
        )
        for c in kept
    )
    # the scope's totals count each event once per category cell it fell in: a
    # redemption at a shop of two categories counts twice, as in the cells
    events, within = sum(c[2] for c in kept), sum(c[3] for c in kept)
    totals: dict[str, tuple[int, int]] = {}
    for c in kept:
        e, w = totals.get(c[0], (0, 0))
        totals[c[0]] = (e + c[2], w + c[3])
    return UsageView(
        city=city,
        area=None if scope is None or scope.area is None else scope.area.code,
        month=batch.month,
        computed_at=batch.computed_at,
        limit_minutes=batch.limit_minutes,
        min_events=MIN_EVENTS,
        events=events if events >= MIN_EVENTS else None,
        within_share=shown_share(events, within),
        cells=cells,
        community_totals=totals,
    )


def read_usage(*, engine: Engine, scope: AreaScope, month: str) -> UsageView:
    """A computed month's usage in an official's scope.

    Raises
    ------
    NotFoundError
        If the batch has not been run for that month.

    """
    check_period(month, field="query.month")
    with session_scope(engine) as session:
        batch = store.get_usage(session, city_id=scope.city_id, month=month)
    if batch is None:
        raise NotFoundError(
            f"no usage computed for {scope.city!r} in {month}: run "
            f"`lifecircle usage --city {scope.city} --month {month}`",
            field="month",
        )
    return view_of(batch, city=scope.city, scope=scope)


def latest_usage(*, engine: Engine, city_id: int, city: str) -> UsageView | None:
    """The latest computed month's usage of a whole city, or ``None``."""
    with session_scope(engine) as session:
        batch = store.get_usage(session, city_id=city_id)
    return None if batch is None else view_of(batch, city=city, scope=None)


def usage_record(view: UsageView | None) -> dict[str, Any] | None:
    """The ``city.usage`` member of an assessment document (``None``: never computed).

    The month, the limit, the city's events and share, and every cell (small ones with
    ``events`` and ``within_share`` ``None``).
    """
    if view is None:
        return None
    return {
        "month": view.month,
        "limit_minutes": view.limit_minutes,
        "min_events": view.min_events,
        "events": view.events,
        "within_share": view.within_share,
        "cells": [
            {
                "community": c.community_code,
                "category": c.category,
                "events": c.events,
                "within_share": c.within_share,
            }
            for c in view.cells
        ],
    }


def community_usage(view: UsageView, code: str) -> dict[str, Any]:
    """A community's usage of the month over all categories, withheld under the minimum."""
    events, within = view.community_totals.get(code, (0, 0))
    return {
        "month": view.month,
        "events": events if events >= MIN_EVENTS else None,
        "within_share": shown_share(events, within),
    }
