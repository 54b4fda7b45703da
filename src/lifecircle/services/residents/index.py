"""The live index: per process, each city's network and places held as arrays, kept current.

A :class:`LiveIndex` belongs to one process (one API worker) and holds a
:class:`CityIndex` per city asked about. A city's index loads its ``.lcnet`` network
once and snaps its places once; each request then reads the city's places version (one
small query, :func:`~lifecircle.store.versions.city_places_state`) and, if another
process wrote places since, fetches only the places stamped after the version held:
new places and places that moved are snapped, removed ones dropped, renamed or
re-categorised ones updated in place, and the rest is left alone. A new network file
(a network import) or a city deleted and created again rebuilds the city's index.

The city's time zone, in which opening hours are read, is the IANA zone at the centre
of its network (timezonefinder): Asia/Shanghai for Chinese cities, Europe/Helsinki for
the demo. Where the lookup finds none (open sea), Asia/Shanghai.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np

from lifecircle.core.assess.opening_hours import week_spans
from lifecircle.core.expiry import day_start
from lifecircle.core.walk.geodesy import geodesic_m
from lifecircle.core.walk.impedance import MAX_SNAP_M
from lifecircle.core.walk.live import PlaceIndex, Searcher, index_places
from lifecircle.core.walk.snap import Snapped, snap_points
from lifecircle.errors import DataError, NotFoundError, OptionalDependencyError, ValidationError
from lifecircle.io.network.lcnet import load_network
from lifecircle.io.places.taxonomy import load_taxonomy
from lifecircle.services.residents.keywords import normalise, pinyin_keys
from lifecircle.store.db import session_scope
from lifecircle.store.versions import place_changes, read_places_state

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.engine import Engine

    from lifecircle.core.assess.categories import Taxonomy
    from lifecircle.core.walk.network import WalkNetwork
    from lifecircle.store.shop_facts import ShopFacts
    from lifecircle.store.versions import CityPlacesState, PlaceChanges

DEFAULT_TIMEZONE = "Asia/Shanghai"
"""Where the position gives no zone: the programme's own country."""

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class CategoryRef:
    """A category by code, with its names and group (``""`` when the taxonomy lacks it)."""

    code: str
    name_zh: str
    name_en: str
    group: str


class OffNetworkError(ValidationError):
    """A point farther from every street than the snap limit; says how far the nearest is.

    Attributes
    ----------
    distance_m
        Metres from the point to the nearest street (``None``: no street at all).
    max_snap_m
        The limit, metres.

    """

    def __init__(self, *, distance_m: float | None, max_snap_m: float) -> None:
        self.distance_m = distance_m
        self.max_snap_m = max_snap_m
        far = "no street" if distance_m is None else f"the nearest street is {distance_m:,.0f} m"
        super().__init__(
            f"the point is not on the city's walking network: {far} away "
            f"(a point must lie within {max_snap_m:g} m of a street)"
        )


@lru_cache(maxsize=64)
def city_timezone(lon: float, lat: float) -> ZoneInfo:
    """The IANA time zone at a point (timezonefinder), :data:`DEFAULT_TIMEZONE` at sea."""
    try:
        from timezonefinder import TimezoneFinder  # noqa: PLC0415 - the api extra
    except ImportError:
        raise OptionalDependencyError("timezonefinder", "api") from None
    name = TimezoneFinder(in_memory=False).timezone_at(lng=lon, lat=lat)
    return ZoneInfo(name or DEFAULT_TIMEZONE)


def _weekly(stored: Any) -> tuple[tuple[int, int, int], ...] | None:
    """Stored weekly hours (``{"mon": [[start, end]], ...}``) as intervals; ``None``: unknown."""
    if not stored:
        return None
    return tuple(
        (day, int(start), int(end))
        for day, key in enumerate(WEEKDAYS)
        for start, end in stored.get(key, [])
    )


@lru_cache(maxsize=4096)
def _spans(intervals: tuple[tuple[int, int, int], ...]) -> tuple[tuple[int, int], ...]:
    """Week spans of weekly hours (shops share a few patterns: computed once each)."""
    return week_spans(intervals)


def _file_stamp(path: str | None) -> tuple[int, int] | None:
    if path is None:
        return None
    try:
        stat = Path(path).stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


Windows = tuple[tuple[float, float], ...]
"""Time windows ``[start, end)`` as POSIX seconds (a shop's live offers or coupons)."""


def _windows(pairs: list[tuple[datetime, datetime]]) -> Windows:
    return tuple((start.timestamp(), end.timestamp()) for start, end in pairs)


def _offer_windows(facts: ShopFacts) -> Windows:
    """Offers from 00:00 (Asia/Shanghai) of their warning window until the batch expires."""
    return _windows([(day_start(warn_from), expires) for warn_from, expires in facts.offers])


def count_open(windows: Windows, moment: float) -> int:
    """How many of ``windows`` hold ``moment`` (POSIX seconds)."""
    return sum(1 for start, end in windows if start <= moment < end)


@dataclass
class PlaceColumns:
    """The places of a city by slot (index of every column), and the ids they stand for.

    Beside the places' own data, the merchants': ``verified`` (an owner), ``services``
    (codes), and the time windows of live near-expiry ``offers`` and active ``coupons``.
    """

    n_categories: int
    place_id: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    lon: np.ndarray = field(default_factory=lambda: np.zeros(0))
    lat: np.ndarray = field(default_factory=lambda: np.zeros(0))
    categories: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    uid: list[str] = field(default_factory=list)
    name: list[str | None] = field(default_factory=list)
    brand: list[str | None] = field(default_factory=list)
    hours: list[str | None] = field(default_factory=list)
    spans: list[tuple[tuple[int, int], ...] | None] = field(default_factory=list)
    codes: list[tuple[str, ...]] = field(default_factory=list)
    refs: list[tuple[CategoryRef, ...]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    verified: list[bool] = field(default_factory=list)
    services: list[tuple[str, ...]] = field(default_factory=list)
    offers: list[Windows] = field(default_factory=list)
    coupons: list[Windows] = field(default_factory=list)
    slot_of: dict[int, int] = field(default_factory=dict)
    slot_of_uid: dict[str, int] = field(default_factory=dict)
    free: list[int] = field(default_factory=list)
    pinyin: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.categories = np.zeros((0, self.n_categories), dtype=bool)

    @property
    def capacity(self) -> int:
        """Slots, used or free."""
        return len(self.uid)

    def _grow(self, capacity: int) -> None:
        old = self.capacity
        if capacity <= old:
            return
        extra = capacity - old
        self.place_id = np.concatenate([self.place_id, np.full(extra, -1, dtype=np.int64)])
        self.lon = np.concatenate([self.lon, np.full(extra, np.nan)])
        self.lat = np.concatenate([self.lat, np.full(extra, np.nan)])
        self.categories = np.concatenate(
            [self.categories, np.zeros((extra, self.n_categories), dtype=bool)]
        )
        for column in (self.name, self.brand, self.hours, self.spans):
            column.extend([None] * extra)
        self.uid.extend([""] * extra)
        self.verified.extend([False] * extra)
        for empty in (self.codes, self.services, self.offers, self.coupons):
            empty.extend([()] * extra)
        self.refs.extend([()] * extra)
        self.text.extend([""] * extra)

    def take_slot(self) -> int:
        """A free slot (a removed place's, else a new one)."""
        if self.free:
            return self.free.pop()
        slot = self.capacity
        self._grow(max(slot + 1, 2 * slot, 64))
        self.free.extend(range(self.capacity - 1, slot, -1))
        return slot

    def clear(self, slot: int) -> None:
        """Empty a slot (its place was removed)."""
        self.slot_of.pop(int(self.place_id[slot]), None)
        if self.slot_of_uid.get(self.uid[slot]) == slot:
            del self.slot_of_uid[self.uid[slot]]
        self.place_id[slot] = -1
        self.uid[slot] = ""
        self.name[slot] = self.brand[slot] = self.hours[slot] = self.spans[slot] = None
        self.codes[slot] = self.services[slot] = ()
        self.offers[slot] = self.coupons[slot] = ()
        self.verified[slot] = False
        self.refs[slot] = ()
        self.text[slot] = ""
        self.categories[slot] = False
        self.pinyin.pop(slot, None)
        self.free.append(slot)

    def pinyin_of(self, slot: int) -> str:
        """Pinyin keys of the slot's name and brand (computed once)."""
        keys = self.pinyin.get(slot)
        if keys is None:
            keys = pinyin_keys(f"{self.name[slot] or ''}\n{self.brand[slot] or ''}")
            self.pinyin[slot] = keys
        return keys


class CityIndex:
    """One city, ready to answer: its network, places, taxonomy and time zone.

    Use it under :attr:`lock` (queries share scratch memory; a refresh changes columns).
    """

    def __init__(self, state: CityPlacesState) -> None:
        if state.network_path is None or _file_stamp(state.network_path) is None:
            raise DataError(
                f"city {state.name!r} has no walking network"
                + ("" if state.network_path is None else f" (file {state.network_path} is gone)")
                + ": import one with `lifecircle city import NAME --network FILE`"
            )
        self.city_id = state.id
        self.name = state.name
        self.network_path = state.network_path
        self.network_stamp = _file_stamp(state.network_path)
        self.net: WalkNetwork = load_network(Path(state.network_path))
        self.taxonomy: Taxonomy = load_taxonomy(state.taxonomy)
        self.column = {code: j for j, code in enumerate(self.taxonomy.codes)}
        lo_lon, lo_lat, hi_lon, hi_lat = self.net.bbox
        self.timezone = city_timezone(
            round((lo_lon + hi_lon) / 2, 4), round((lo_lat + hi_lat) / 2, 4)
        )
        self.places = PlaceColumns(n_categories=len(self.taxonomy.codes))
        self.index: PlaceIndex = index_places(self.net, snap_points(self.net, [], []))
        self.searcher = Searcher(self.net)
        self.version: int | None = None
        self.snapped_points = 0
        """Places snapped since the index was built (the first load included)."""
        self.lock = threading.RLock()
        self._category_text: list[str] | None = None
        self._refs: dict[tuple[str, ...], tuple[CategoryRef, ...]] = {}

    def category_refs(self, codes: tuple[str, ...]) -> tuple[CategoryRef, ...]:
        """Codes with their names, in taxonomy order (codes it lacks last, by code)."""
        known_refs = self._refs.get(codes)
        if known_refs is None:
            known_refs = self._refs[codes] = self._category_refs(codes)
        return known_refs

    def _category_refs(self, codes: tuple[str, ...]) -> tuple[CategoryRef, ...]:
        by_code = self.taxonomy.by_code
        known = sorted((c for c in codes if c in by_code), key=lambda c: self.column[c])
        refs = [
            CategoryRef(c, by_code[c].name_zh, by_code[c].name_en, by_code[c].group) for c in known
        ]
        refs += [CategoryRef(c, c, c, "") for c in sorted(set(codes) - set(by_code))]
        return tuple(refs)

    def category_text(self) -> list[str]:
        """Per category column: code, names and pinyin of the Chinese name, normalised."""
        if self._category_text is None:
            self._category_text = [
                "\n".join(
                    (
                        normalise(c.code),
                        normalise(c.name_zh),
                        normalise(c.name_en),
                        pinyin_keys(c.name_zh),
                    )
                )
                for c in self.taxonomy.categories
            ]
        return self._category_text

    def is_current_for(self, state: CityPlacesState) -> bool:
        """Whether this index is of the same city and network file (places aside)."""
        return (
            state.id == self.city_id
            and state.network_path == self.network_path
            and _file_stamp(state.network_path) == self.network_stamp
        )

    def catch_up(self, engine: Engine, version: int) -> None:
        """Apply what changed in the city's places since the version held, if anything."""
        with self.lock:
            if self.version is not None and self.version >= version:
                return
            with session_scope(engine) as session:
                changes = place_changes(session, city_id=self.city_id, since=self.version)
            self._apply(changes)

    def _apply(self, changes: PlaceChanges) -> None:
        cols = self.places
        removed = [cols.slot_of[pid] for pid in changes.removed if pid in cols.slot_of]
        for slot in removed:
            cols.clear(slot)
        moved: list[int] = []
        for pid, uid, name, brand, lon, lat, hours, weekly in changes.rows:
            held = cols.slot_of.get(pid)
            if held is None:
                slot = cols.take_slot()
                cols.slot_of[pid] = slot
                cols.place_id[slot] = pid
                moved.append(slot)
            else:
                slot = held
                if cols.lon[slot] != lon or cols.lat[slot] != lat:
                    moved.append(slot)
            if cols.uid[slot] != uid:
                if cols.slot_of_uid.get(cols.uid[slot]) == slot:
                    del cols.slot_of_uid[cols.uid[slot]]
                cols.uid[slot] = uid
                cols.slot_of_uid[uid] = slot
            cols.lon[slot], cols.lat[slot] = lon, lat
            cols.name[slot], cols.brand[slot], cols.hours[slot] = name, brand, hours
            intervals = _weekly(weekly)
            cols.spans[slot] = None if intervals is None else _spans(intervals)
            codes = tuple(changes.categories.get(pid, ()))
            cols.codes[slot] = codes
            cols.refs[slot] = self.category_refs(codes)
            cols.categories[slot] = False
            cols.categories[slot, [self.column[c] for c in codes if c in self.column]] = True
            cols.text[slot] = normalise(f"{name or ''}\n{brand or ''}")
            cols.pinyin.pop(slot, None)
            shop = changes.shops.get(pid)
            if shop is None:
                cols.verified[slot], cols.services[slot] = False, ()
                cols.offers[slot] = cols.coupons[slot] = ()
            else:
                cols.verified[slot], cols.services[slot] = shop.verified, shop.services
                cols.offers[slot] = _offer_windows(shop)
                cols.coupons[slot] = _windows(shop.coupons)
        slots = np.asarray(moved, dtype=np.int64)
        snapped = snap_points(self.net, cols.lon[slots], cols.lat[slots])
        self.snapped_points += int(slots.size)
        if self.version is None:  # the first load: attach everything at once
            self.index = index_places(self.net, _placed(cols.capacity, slots, snapped))
        else:
            self.index = self.index.changed(
                slot=slots, snapped=snapped, removed=np.asarray(removed, dtype=np.int64)
            )
        self.version = changes.version

    def snap_origin(self, lon: float, lat: float, *, max_snap_m: float = MAX_SNAP_M) -> Snapped:
        """The origin (WGS-84) on the network.

        Raises
        ------
        OffNetworkError
            If it lies farther than ``max_snap_m`` from every street, with the distance.

        """
        origin = snap_points(self.net, [lon], [lat], max_snap_m=max_snap_m)
        if bool(origin.ok[0]):
            return origin
        raise OffNetworkError(distance_m=self.street_distance_m(lon, lat), max_snap_m=max_snap_m)

    def street_distance_m(self, lon: float, lat: float) -> float | None:
        """Metres from a point to the nearest street (the nearest node, for far points)."""
        if self.net.n_nodes == 0:
            return None
        lo_lon, lo_lat, hi_lon, hi_lat = self.net.bbox
        if lo_lon - 3 < lon < hi_lon + 3 and lo_lat - 3 < lat < hi_lat + 3:
            # near enough for the city's projection: the nearest point of any street
            far = snap_points(self.net, [lon], [lat], max_snap_m=1e6)
            if bool(far.ok[0]):
                return float(far.offset_m[0])
        # another UTM zone or hemisphere: the nearest node, on the sphere, is close enough
        phi1, phi2 = np.radians(lat), np.radians(self.net.lat)
        dphi = phi2 - phi1
        dlmb = np.radians(self.net.lon - lon)
        h = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
        k = int(np.argmin(h))
        return float(geodesic_m(lon, lat, self.net.lon[k], self.net.lat[k]))


def _placed(capacity: int, slots: np.ndarray, snapped: Snapped) -> Snapped:
    """``capacity`` slots, ``slots`` holding ``snapped`` and the rest empty."""
    out = Snapped(
        np.full(capacity, -1, dtype=np.int64),
        *(np.full(capacity, np.nan) for _ in range(6)),
    )
    for name in ("seg", "t", "lon", "lat", "offset_m", "to_u_m", "to_v_m"):
        getattr(out, name)[slots] = getattr(snapped, name)
    return out


class LiveIndex:
    """Every city's :class:`CityIndex` in this process, brought up to date on each use.

    Parameters
    ----------
    engine
        The database the cities and their places are read from.

    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._cities: dict[str, CityIndex] = {}
        self._lock = threading.Lock()

    def holds(self, name: str) -> bool:
        """Whether this process has loaded city ``name`` (it may still need to catch up)."""
        return name.strip() in self._cities

    def city(self, name: str) -> CityIndex:
        """The index of city ``name``, current as of this call.

        Raises
        ------
        NotFoundError
            If there is no such city (a cached index of it is dropped).
        DataError
            If it has no walking network.

        """
        try:
            state = read_places_state(self.engine, name=name)
        except NotFoundError:
            with self._lock:
                self._cities.pop(name.strip(), None)
            raise
        city = self._cities.get(state.name)
        if city is None or not city.is_current_for(state):
            with self._lock:
                city = self._cities.get(state.name)
                if city is None or not city.is_current_for(state):
                    city = CityIndex(state)
                    self._cities[state.name] = city
        city.catch_up(self.engine, state.places_version)
        return city
