"""The assessment use case: a city's data in, the assessment document out (docs/assessment.md).

One network pass finds, for every population point, the walk to the nearest place of
every category (``core.access``); the cores then score each community (coverage,
equity, places, circle type, grade) for the headline walking speed and for the elderly
one, and the city against the plan's targets. :func:`assess` is pure computation over a
:class:`~lifecircle.services.city.data.CityData`; :func:`run_assessment` loads it from
the database and stores the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from lifecircle import __version__
from lifecircle.core.assess.circles import (
    CIRCLE_TYPES,
    CircleRules,
    GradeRules,
    Verdict,
    grade,
)
from lifecircle.core.assess.coverage import (
    CoverageResult,
    CoverageRules,
    PlaceStats,
    community_coverage,
    place_stats,
)
from lifecircle.core.assess.equity import (
    MIN_KNOWN_SHARE,
    EquityResult,
    basic_minutes,
    community_equity,
)
from lifecircle.core.assess.targets import CityFigures, PlanTargets, evaluate_targets
from lifecircle.core.walk.access import AccessResult, accessibility
from lifecircle.core.walk.impedance import (
    ELDERLY_SPEED_KMH,
    MAX_SNAP_M,
    WALK_SPEED_KMH,
    metres_from_minutes,
)
from lifecircle.core.walk.snap import snap_points
from lifecircle.errors import ValidationError
from lifecircle.io.targets import load_targets
from lifecircle.services.circle_types import circle_types
from lifecircle.services.city.data import CityData, load_compute_store
from lifecircle.services.pilots import match_pilots, mix_record, pilot_mix, pilot_rows
from lifecircle.services.survey_results import latest_satisfaction, satisfaction_figures
from lifecircle.services.usage import community_usage, usage_record
from lifecircle.store import cities as city_store
from lifecircle.store.db import session_scope
from lifecircle.store.runs import get_assessment, list_assessments, save_assessment

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from numpy.typing import NDArray
    from sqlalchemy.engine import Engine

    from lifecircle.core.walk.snap import Snapped
    from lifecircle.services.survey_results import SatisfactionCounts

PROFILES = MappingProxyType({"standard": WALK_SPEED_KMH, "elderly": ELDERLY_SPEED_KMH})
"""Headline walking profiles and their speeds, km/h."""

HISTOGRAM_STEP_MINUTES = 1.0
"""Bin width of the city's walking-time histogram."""

AccessFn = Callable[..., AccessResult]
"""A network search with :func:`~lifecircle.core.walk.access.accessibility`'s signature."""


@dataclass(frozen=True)
class AssessParams:
    """Parameters of an assessment.

    Attributes
    ----------
    limit_minutes
        Walking limit per category group (basic, quality), minutes.
    speed_kmh
        Headline walking speed; ``None`` takes the profile's.
    profile
        ``standard`` (4.0 km/h) or ``elderly`` (3.2 km/h) for the headline figures; the
        document always carries the elderly figures too.
    coverage, circles, grades
        Verdict thresholds.
    targets
        The plan's targets (name of a packaged profile or a TOML path).
    max_snap_m
        Points farther than this from any street are left out (and counted).
    workers
        Threads for the network search (default: all).

    """

    limit_minutes: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType({"basic": 15.0, "quality": 15.0})
    )
    speed_kmh: float | None = None
    profile: str = "standard"
    basic_share: float = 0.9
    weak_share: float | None = None
    quality_share: float = 0.5
    circles: CircleRules = field(default_factory=CircleRules)
    grades: GradeRules = field(default_factory=GradeRules)
    targets: str = "shenzhen-2023"
    max_snap_m: float = MAX_SNAP_M
    workers: int | None = None

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ValidationError(
                f"unknown profile {self.profile!r}: expected one of {', '.join(PROFILES)}"
            )
        object.__setattr__(self, "limit_minutes", MappingProxyType(dict(self.limit_minutes)))
        self.rules()  # validates shares and limits
        metres_from_minutes(1.0, speed_kmh=self.speed)

    @property
    def speed(self) -> float:
        """The headline walking speed, km/h."""
        return PROFILES[self.profile] if self.speed_kmh is None else float(self.speed_kmh)

    def rules(self) -> CoverageRules:
        """The coverage rules these parameters set."""
        return CoverageRules(
            basic_share=self.basic_share,
            weak_share=self.weak_share,
            quality_share=self.quality_share,
            limit_minutes=self.limit_minutes,
        )

    def as_dict(self, targets: PlanTargets) -> dict[str, Any]:
        """The ``run.parameters`` member of the document."""
        rules = self.rules()
        return {
            "profile": self.profile,
            "speed_kmh": self.speed,
            "elderly_speed_kmh": ELDERLY_SPEED_KMH,
            "limit_minutes": dict(self.limit_minutes),
            "basic_share": rules.basic_share,
            "weak_share": rules.weak_below,
            "quality_share": rules.quality_share,
            "max_snap_m": self.max_snap_m,
            "min_known_share": MIN_KNOWN_SHARE,
            "circle_rules": asdict(self.circles),
            "grade_rules": asdict(self.grades),
            "targets": targets.name,
        }


# --- small helpers -----------------------------------------------------------------------


def num(value: Any, digits: int = 4) -> float | None:
    """A JSON number: ``None`` for nan/inf, rounded to ``digits`` decimals."""
    v = float(value)
    return round(v, digits) if np.isfinite(v) else None


def _by_category(cats: Sequence[str], row: NDArray[np.float64], digits: int = 4) -> dict[str, Any]:
    return {c: num(v, digits) for c, v in zip(cats, row, strict=True)}


# --- the computation ---------------------------------------------------------------------


@dataclass(frozen=True)
class Walks:
    """The network pass of an assessment: metres to the nearest place per point and category.

    ``uncertain`` holds the metres to the nearest place of unknown hours where the places
    carry such pairs (``Places.uncertain_place``), else ``None``.
    """

    access: AccessResult
    homes: Snapped
    places: Snapped
    searched_m: float
    uncertain: NDArray[np.float64] | None = None


def walks(data: CityData, params: AssessParams, *, access: AccessFn = accessibility) -> Walks:
    """Snap homes and places and search the network once, to the longest limit needed.

    ``access`` is the search (:func:`~lifecircle.core.walk.access.accessibility`'s
    signature and result): a tiled search of a network too large for one process
    (``lifecircle.scale``) is passed here.
    """
    rules = params.rules()
    longest = max(rules.minutes_for(g) for g in set(data.groups))
    speed = max(params.speed, ELDERLY_SPEED_KMH, WALK_SPEED_KMH)
    searched = metres_from_minutes(longest, speed_kmh=speed)
    h_snap = snap_points(data.net, data.homes.lon, data.homes.lat, max_snap_m=params.max_snap_m)
    p_snap = snap_points(data.net, data.places.lon, data.places.lat, max_snap_m=params.max_snap_m)
    pl, n_cat = data.places, len(data.categories)
    u_place, u_cat = pl.uncertain_place, pl.uncertain_category
    split = u_place is not None and u_cat is not None
    pairs, codes = pl.pair_place, pl.pair_category
    if u_place is not None and u_cat is not None:
        # uncertain pairs are searched in the same pass, as categories n..2n-1
        pairs, codes = np.concatenate([pairs, u_place]), np.concatenate([codes, u_cat + n_cat])
    result = access(
        data.net,
        origins=h_snap,
        places=p_snap.take(pairs),
        place_category=codes,
        categories=(*data.categories, *(data.categories if split else ())),
        limit_m=searched,
        workers=params.workers,
        with_counts=False,
    )
    uncertain = result.metres[:, n_cat:] if split else None
    if split:
        result = replace(result, metres=result.metres[:, :n_cat], counts=result.counts[:, :n_cat])
    return Walks(result, h_snap, p_snap, searched, uncertain)


def city_shares(cov: CoverageResult) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """City-wide coverage per category and mean minutes of those served, from the units'.

    A unit's share times its residents is the residents it serves, so the city's figures
    are population-weighted sums of the units' and need no second pass over the points.
    """
    pop = np.broadcast_to(cov.population[:, None], cov.covered.shape)
    if cov.counted is not None:  # unknown hours excluded: shares of those counted
        pop = cov.counted
    served = np.where(pop > 0, cov.covered, 0.0) * pop
    total, reached = pop.sum(axis=0), served.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, reached / total, np.nan)
        minutes = np.where(served > 0, cov.mean_minutes * served, 0.0).sum(axis=0) / reached
    return share, np.where(reached > 0, minutes, np.nan)


def _histogram(data: CityData, w: Walks, params: AssessParams) -> dict[str, Any]:
    basic = np.asarray(data.groups) == "basic"
    minutes = basic_minutes(w.access.metres, basic=basic, speed_kmh=params.speed)
    inside = data.homes.zone >= 0
    minutes, weight = minutes[inside], data.homes.weight[inside]
    top = np.ceil(params.rules().minutes_for("basic"))
    edges = np.arange(0.0, top + HISTOGRAM_STEP_MINUTES / 2, HISTOGRAM_STEP_MINUTES)
    within = np.isfinite(minutes) & (minutes <= edges[-1])
    counts, _ = np.histogram(minutes[within], bins=edges, weights=weight[within])
    return {
        "edges_minutes": [float(e) for e in edges],
        "population": [round(float(c), 2) for c in counts],
        "beyond": round(float(weight[~within].sum()), 2),
    }


def _match_pilots(data: CityData, targets: PlanTargets) -> dict[int, int]:
    """Pilot seq → unit index, by name (and 街道 / 区 where both sides give one)."""
    u = data.units
    return match_pilots(targets, u.names, u.streets, u.districts)


@dataclass(frozen=True)
class Scores:
    """Every per-community result of an assessment, before it is turned into JSON."""

    coverage: CoverageResult
    elderly: CoverageResult
    equity: EquityResult
    equity_elderly: EquityResult
    stats: PlaceStats
    types: list[Verdict]
    grades: list[Verdict]


def score(
    data: CityData,
    metres: NDArray[np.float64],
    place_seg: NDArray[np.int64],
    params: AssessParams,
    *,
    searched_m: float,
    uncertain: NDArray[np.float64] | None = None,
) -> Scores:
    """Score every unit of ``data`` from the walks of its residents.

    Parameters
    ----------
    data
        The city (or a part of it: :func:`lifecircle.services.whatif` scores only the
        communities a change can affect).
    metres
        ``(n_homes, n_categories)`` walking metres to the nearest place, ``nan`` beyond
        ``searched_m``.
    place_seg
        Network segment each place snapped to (``-1``: none), for the street rule
        (which counts places per street of the network's street index).
    params
        The assessment's parameters.
    searched_m
        The limit ``metres`` was searched with.
    uncertain
        Metres to the nearest place of unknown hours (:attr:`Walks.uncertain`).

    """
    n_units = len(data.units)
    common: dict[str, Any] = {
        "metres": metres,
        "weights": data.homes.weight,
        "zone": data.homes.zone,
        "n_zones": n_units,
    }
    cov, old = (
        community_coverage(
            **common,
            categories=data.categories,
            groups=data.groups,
            rules=params.rules(),
            speed_kmh=speed,
            searched_m=searched_m,
            with_p90=speed == params.speed,
            uncertain_metres=uncertain,
        )
        for speed in (params.speed, ELDERLY_SPEED_KMH)
    )
    basic_limit = params.rules().minutes_for("basic")
    equity, equity_old = (
        community_equity(
            **common,
            groups=data.groups,
            limit_minutes=basic_limit,
            speed_kmh=speed,
            searched_m=searched_m,
        )
        for speed in (params.speed, ELDERLY_SPEED_KMH)
    )
    stats = place_stats(
        zone_of_place=data.places.zone,
        has_brand=data.places.chain,
        open_24h=data.places.open_24h,
        zone_population=cov.population,
    )
    types = circle_types(data, place_seg, params.circles)
    grades = [
        grade(
            basic_complete=bool(cov.basic_complete[k]),
            quality_present=int(cov.quality_present[k]),
            chain_share=float(stats.chain_share[k]),
            open_24h=int(stats.open_24h[k]),
            rules=params.grades,
        )
        for k in range(n_units)
    ]
    return Scores(cov, old, equity, equity_old, stats, types, grades)


def community_records(
    data: CityData, sc: Scores, *, pilot_units: set[int] | None = None
) -> list[dict[str, Any]]:
    """The ``communities`` member of the document: one object per unit."""
    cats = data.categories
    cov, old, stats, types, grades = sc.coverage, sc.elderly, sc.stats, sc.types, sc.grades
    pilot_units = pilot_units or set()

    def record(k: int) -> dict[str, Any]:
        return {
            "code": data.units.codes[k],
            "name": data.units.names[k],
            "street": data.units.streets[k],
            "district": data.units.districts[k],
            "population": round(float(cov.population[k]), 2),
            "is_pilot": k in pilot_units,
            "coverage": _by_category(cats, cov.covered[k]),
            "minutes_mean": _by_category(cats, cov.mean_minutes[k], 2),
            "minutes_p90": _by_category(cats, cov.p90_minutes[k], 2),
            "basic_complete": bool(cov.basic_complete[k]),
            "missing": list(cov.missing[k]),
            "weak": list(cov.weak[k]),
            "quality_present": int(cov.quality_present[k]),
            "places": int(stats.places[k]),
            "places_per_10k": num(stats.per_10k[k], 2),
            "chain_share": num(stats.chain_share[k]),
            "open_24h": int(stats.open_24h[k]),
            "f15": num(sc.equity.f15[k]),
            "gini": num(sc.equity.gini[k]),
            "known_share": num(sc.equity.known_share[k]),
            "circle_type": types[k].value,
            "circle_type_zh": types[k].label,
            "circle_type_rule": types[k].rule,
            "grade": grades[k].value,
            "grade_zh": grades[k].label,
            "grade_rule": grades[k].rule,
            "elderly": {
                "coverage": _by_category(cats, old.covered[k]),
                "basic_complete": bool(old.basic_complete[k]),
                "missing": list(old.missing[k]),
                "weak": list(old.weak[k]),
                "f15": num(sc.equity_elderly.f15[k]),
            },
        }

    return [record(k) for k in range(len(data.units))]


def assess(
    data: CityData,
    params: AssessParams | None = None,
    *,
    targets: PlanTargets | None = None,
    progress: Callable[[str], None] | None = None,
    satisfaction: SatisfactionCounts | None = None,
    access: AccessFn = accessibility,
) -> dict[str, Any]:
    """Assess a city: the assessment document (docs/assessment.md), not yet stored.

    Parameters
    ----------
    data
        The city's network, units, population and places.
    params
        Limits, speeds and rules (default :class:`AssessParams`).
    targets
        The plan's targets (default: ``params.targets`` loaded).
    progress
        Called with the name of each step as it starts.
    satisfaction
        The latest satisfaction survey's answers per community, for the satisfaction
        targets (``None``: not recorded).
    access
        The network search (:func:`walks`).

    Returns
    -------
    dict
        The document, with ``run.id`` ``None``.

    """
    params = AssessParams() if params is None else params
    targets = load_targets(params.targets) if targets is None else targets
    step = progress or (lambda _: None)
    started = time.perf_counter()
    cats, n_units = data.categories, len(data.units)

    step("walking network search")
    w = walks(data, params, access=access)
    step("coverage and equity")
    sc = score(
        data, w.access.metres, w.places.seg, params, searched_m=w.searched_m, uncertain=w.uncertain
    )
    city_share, city_minutes = city_shares(sc.coverage)
    city_old, _ = city_shares(sc.elderly)
    step("circle types and grades")
    pilots = _match_pilots(data, targets)
    communities = community_records(data, sc, pilot_units=set(pilots.values()))
    if data.usage is not None:  # the demand side beside the supply side's coverage
        for record in communities:
            record["usage"] = community_usage(data.usage, record["code"])
    cov, old, types, grades = sc.coverage, sc.elderly, sc.types, sc.grades
    equity, equity_old = sc.equity, sc.equity_elderly

    step("the plan's targets")
    mix = pilot_mix(targets, pilots, communities)
    figures = CityFigures(
        communities=n_units,
        basic_complete=int(cov.basic_complete.sum()),
        pilots_matched=len(pilots),
        pilots_complete=sum(bool(cov.basic_complete[k]) for k in pilots.values()),
        pilot_mix=mix,
        basic_share=params.rules().basic_share,
        shops=len(data.places),
        **data.recorded,
        **satisfaction_figures(satisfaction, {data.units.codes[k] for k in pilots.values()}),
    )
    target_rows = [asdict(t) for t in evaluate_targets(targets, figures)]
    in_units = data.places.zone >= 0
    city = {
        "population": round(float(cov.population.sum()), 2),
        "communities": n_units,
        "communities_with_residents": int((cov.population > 0).sum()),
        "basic_complete": figures.basic_complete,
        "coverage": _by_category(cats, city_share),
        "minutes_mean": _by_category(cats, city_minutes, 2),
        "f15": num(equity.f15_all),
        "gini": num(equity.gini_all),
        "known_share": num(equity.known_share_all),
        "walk_histogram": _histogram(data, w, params),
        "grades": {
            g: sum(v.value == g for v in grades)
            for g in ("below_basic", "basic", "enhanced", "premium")
        },
        "circle_types": {t: sum(v.value == t for v in types) for t in CIRCLE_TYPES},
        "places": int(in_units.sum()),
        "chain_share": num(data.places.chain[in_units].mean()) if in_units.any() else None,
        "open_24h": int(data.places.open_24h[in_units].sum()),
        "elderly": {
            "speed_kmh": ELDERLY_SPEED_KMH,
            "basic_complete": int(old.basic_complete.sum()),
            "coverage": _by_category(cats, city_old),
            "f15": num(equity_old.f15_all),
        },
        "targets": target_rows,
        "usage": usage_record(data.usage),
        "pilots": {
            "listed": len(targets.pilots),
            "matched": len(pilots),
            "min_type_share": targets.pilot_type_min_share,
            **mix_record(mix),
            "rows": pilot_rows(
                targets,
                pilots,
                communities,
                basic=[c for c, g in zip(cats, data.groups, strict=True) if g == "basic"],
            ),
        },
    }
    data_info = {
        **data.versions,
        "places": len(data.places),
        "population_points": int(data.homes.weight.shape[0]),
        "population_method": data.homes.method,
        "communities": n_units,
        "unit_level": data.units.level,
        "unsnapped_points": int((~w.homes.ok).sum()),
        "unsnapped_places": int((~w.places.ok).sum()),
    }
    data_info.setdefault("network", {})
    data_info["network"] = {**data_info["network"], "nodes": data.net.n_nodes}
    return {
        "run": {
            "id": None,
            "city": data.name,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "elapsed_s": round(time.perf_counter() - started, 3),
            "lifecircle_version": __version__,
            "parameters": params.as_dict(targets),
            "data": data_info,
        },
        "categories": [
            {"code": c.code, "name_zh": c.name_zh, "name_en": c.name_en, "group": c.group}
            for c in data.taxonomy.categories
        ],
        "city": city,
        "communities": communities,
    }


def run_assessment(
    *,
    engine: Engine,
    name: str,
    params: AssessParams | None = None,
    save: bool = True,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Load a city, assess it and (unless ``save`` is false) store the run.

    Returns
    -------
    dict
        The assessment document, ``run.id`` set when stored.

    """
    return load_compute_store(
        engine=engine,
        name=name,
        compute=lambda data: assess(
            data,
            params,
            progress=progress,
            satisfaction=latest_satisfaction(engine=engine, name=name),
        ),
        key="run",
        store=(lambda s, city_id, doc: save_assessment(s, city_id=city_id, document=doc))
        if save
        else None,
        progress=progress,
    )


def stored_assessment(*, engine: Engine, name: str, run_id: int | None = None) -> dict[str, Any]:
    """A stored assessment document (the latest when ``run_id`` is None)."""
    with session_scope(engine) as session:
        city_id = city_store.get_city(session, name=name).id
        return get_assessment(session, city_id=city_id, city=name, run_id=run_id)


def list_runs(*, engine: Engine, name: str) -> list[dict[str, Any]]:
    """The city's stored assessment runs, oldest first, as plain dicts.

    ``imports`` lists every import a run was fed by (``run.data.imports``).
    """
    with session_scope(engine) as session:
        city_id = city_store.get_city(session, name=name).id
        runs = list_assessments(session, city_id=city_id)
    return [
        {
            "id": r.id,
            "created_at": r.created_at.isoformat(timespec="seconds"),
            "communities": r.communities,
            "basic_complete": r.basic_complete,
            "population": r.population,
            "parameters": r.parameters,
            "imports": list(r.data.get("imports", [])),
        }
        for r in runs
    ]
