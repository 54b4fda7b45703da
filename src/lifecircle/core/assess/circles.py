"""Circle type (集聚式 / 街区式 / 分布式) and grade (基础型 / 提升型 / 品质型) of a community.

The Shenzhen plan (深商务建设字〔2023〕240号) pilots three types of living circle, each at
least 20 % of the pilots, but gives no rule for telling them apart. This module decides
the type from where a community's basic places lie, by the following rule, whose
thresholds are the fields of :class:`CircleRules` (defaults in brackets):

0. With fewer than ``min_places`` (3) basic places (with coordinates) the type is
   ``undetermined``: a pattern needs points.
1. **集聚式 (clustered)** when at least ``cluster_share`` (60 %) of the basic places lie
   inside one mall or centre footprint (boundary included), or within
   ``cluster_radius_m`` (150 m) of one basic place: the densest disc centred on a place,
   found with a k-d tree. (A disc centred elsewhere might hold a few more; centring on
   places keeps the rule exact and explainable: "within 150 m of 7-Eleven 华强店
   (osm:n123)", the place named by the label the caller gives, else "place #4".)
2. **街区式 (street-block)** when at least ``street_share`` (60 %) of them lie on the
   ``max_streets`` (2) streets holding the most places. A street is what the caller
   says it is; the assessment uses the network's street index
   (:mod:`lifecircle.core.walk.streets`: a named street merged across the touching ways
   that carry its name, or one unnamed way), not the segment a place snapped to. The
   verdict names the fewest of those streets that suffice, by the names the caller
   gives ("lie on 华强北路"). Places without a street count as on none.
3. **分布式 (distributed)** otherwise.

The checks run in this order, so a mall on a shopping street is clustered. Shares are of
all basic places given. Every :class:`Verdict` records the rule that fired, with its
numbers, and the evidence the rule looked at.

Grades follow :class:`GradeRules`: 基础型 when basic coverage is complete; 提升型 when
in addition at least ``enhanced_min_quality`` (4) quality categories are present; 品质型
with at least ``premium_min_quality`` (6) and a chain share of at least
``premium_min_chain_share`` (30 %) or at least ``premium_min_24h`` (1) 24-hour places.
These defaults are illustrative: the plan sets no numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np
import shapely
from scipy.spatial import cKDTree

from lifecircle.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from numpy.typing import ArrayLike
    from shapely.geometry.base import BaseGeometry

EvidenceValue = float | int | bool | str | tuple[int, ...] | tuple[str, ...]

CIRCLE_TYPES = MappingProxyType(
    {"clustered": "集聚式", "street": "街区式", "distributed": "分布式", "undetermined": "待定"}
)
"""Circle type codes and the plan's names."""

GRADES = MappingProxyType(
    {"below_basic": "未达基础型", "basic": "基础型", "enhanced": "提升型", "premium": "品质型"}
)
"""Grade codes and their names."""

PILOT_MIN_SHARE = 0.2
"""The plan: each of the three types is at least 20 % of the pilot circles."""


@dataclass(frozen=True)
class Verdict:
    """A classification and why.

    Attributes
    ----------
    value
        The code (a key of :data:`CIRCLE_TYPES` or :data:`GRADES`).
    label
        Its Chinese name.
    rule
        The rule that fired, in words with its numbers.
    evidence
        The quantities the rule looked at.

    """

    value: str
    label: str
    rule: str
    evidence: Mapping[str, EvidenceValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "evidence", MappingProxyType(dict(self.evidence)))


def _share_problems(**shares: float | None) -> list[str]:
    return [
        f"{k} {v} is outside 0..1" for k, v in shares.items() if v is not None and not 0 <= v <= 1
    ]


@dataclass(frozen=True)
class CircleRules:
    """Thresholds of the circle-type rule (see the module docstring).

    Attributes
    ----------
    cluster_radius_m
        Radius of a cluster around one place, metres (> 0).
    cluster_share
        Share (0..1) of basic places in one footprint or cluster for 集聚式.
    street_share
        Share (0..1) of basic places on the top ``max_streets`` streets for 街区式.
    max_streets
        How many streets may share the places for 街区式 (≥ 1).
    min_places
        Fewest basic places for a type (≥ 1).

    """

    cluster_radius_m: float = 150.0
    cluster_share: float = 0.6
    street_share: float = 0.6
    max_streets: int = 2
    min_places: int = 3

    def __post_init__(self) -> None:
        problems = _share_problems(cluster_share=self.cluster_share, street_share=self.street_share)
        if not (np.isfinite(self.cluster_radius_m) and self.cluster_radius_m > 0):
            problems.append(f"cluster_radius_m {self.cluster_radius_m} must be positive")
        if self.max_streets < 1:
            problems.append(f"max_streets {self.max_streets} must be at least 1")
        if self.min_places < 1:
            problems.append(f"min_places {self.min_places} must be at least 1")
        if problems:
            raise ValidationError("circle rules: " + "; ".join(problems))


def _pct(share: float) -> str:
    """A share as a percentage with up to three significant digits: 0.595 → '59.5%'."""
    return f"{100 * share:.3g}%"


def _reaches(count: float, total: float, share: float) -> bool:
    """Whether ``count / total >= share``, tolerant of rounding (0.7 * 10 > 7 in floats)."""
    return count >= share * total - 1e-9 * max(total, 1.0)


def _verdict(value: str, rule: str, evidence: dict[str, EvidenceValue]) -> Verdict:
    return Verdict(value=value, label=CIRCLE_TYPES[value], rule=rule, evidence=evidence)


def _words(items: Sequence[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return " and ".join([", ".join(items[:-1]), items[-1]] if len(items) > 2 else items)


def circle_type(
    *,
    x: ArrayLike,
    y: ArrayLike,
    footprints: Sequence[BaseGeometry] = (),
    footprint_names: Sequence[str] = (),
    street: ArrayLike | None = None,
    street_names: Sequence[str] = (),
    place_labels: Sequence[str] = (),
    no_street_reason: str = "no street ids",
    rules: CircleRules | None = None,
) -> Verdict:
    """The circle type of one community from the positions of its basic places.

    Parameters
    ----------
    x, y
        Projected coordinates of the community's basic places, metres (a metric CRS).
        Places with a non-finite coordinate are left out.
    footprints
        Mall or centre polygons in the same CRS.
    footprint_names
        Their names, for the rule text (default ``#index``).
    street
        Street id per place (the street of the segment it snapped to); negative for
        none. Without it the street rule is skipped.
    street_names
        The street ids in words, indexed by id (``"华强北路"``, ``"an unnamed way (OSM
        way 123)"``), for the rule text and the ``street_names`` evidence; without them
        streets are cited by id.
    place_labels
        Each place in words (``"7-Eleven 华强店 (osm:n123)"``), one per place given, for
        the rule text and the ``cluster_centre_label`` evidence; without them places are
        cited by index (``"place #4"``).
    no_street_reason
        Why ``street`` is ``None``, for the rule text (``"... , so the street rule was
        skipped"``).
    rules
        Thresholds (default :class:`CircleRules`).

    Returns
    -------
    Verdict
        ``value`` one of ``clustered``, ``street``, ``distributed``, ``undetermined``.

    """
    rules = CircleRules() if rules is None else rules
    px, py = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    sid = None if street is None else np.asarray(street, dtype=np.int64)
    if px.shape != py.shape or px.ndim != 1 or (sid is not None and sid.shape != px.shape):
        raise ValidationError("x, y (and street) must be 1-d with one value per place")
    if place_labels and len(place_labels) != px.size:
        raise ValidationError(f"{len(place_labels)} place labels for {px.size} places")
    if street_names and sid is not None and sid.size and int(sid.max()) >= len(street_names):
        raise ValidationError(f"street id {int(sid.max())} has no name ({len(street_names)} given)")
    ok = np.isfinite(px) & np.isfinite(py)
    px, py = px[ok], py[ok]
    n = int(px.size)
    evidence: dict[str, EvidenceValue] = {"places": n}
    if n < rules.min_places:
        rule = f"only {n} basic places with coordinates (< min_places {rules.min_places})"
        return _verdict("undetermined", rule, evidence)

    inside = [int(shapely.intersects_xy(fp, px, py).sum()) for fp in footprints]
    why: list[str] = []
    if inside:
        best = int(np.argmax(inside))
        held = inside[best]
        evidence |= {"footprint": best, "footprint_places": held}
        label = footprint_names[best] if best < len(footprint_names) else ""
        where = f"footprint {label}" if label else f"footprint #{best}"
        text = f"{held} of {n} basic places ({_pct(held / n)}) lie inside {where}"
        if _reaches(held, n, rules.cluster_share):
            return _verdict("clustered", f"{text} (≥ {_pct(rules.cluster_share)})", evidence)
        why.append(f"{text} (< {_pct(rules.cluster_share)})")

    tree = cKDTree(np.column_stack([px, py]))
    near = np.asarray(tree.query_ball_point(tree.data, rules.cluster_radius_m, return_length=True))
    centre = int(np.flatnonzero(ok)[np.argmax(near)])  # index into the places given
    cluster = int(near.max())
    evidence |= {"cluster_centre": centre, "cluster_places": cluster}
    where = f"place #{centre}"
    if place_labels:
        where = evidence["cluster_centre_label"] = place_labels[centre]
    text = (
        f"{cluster} of {n} basic places ({_pct(cluster / n)}) lie within "
        f"{rules.cluster_radius_m:g} m of {where}"
    )
    if _reaches(cluster, n, rules.cluster_share):
        return _verdict("clustered", f"{text} (≥ {_pct(rules.cluster_share)})", evidence)
    why.append(f"at most {text} (< {_pct(rules.cluster_share)})")

    if sid is None:
        why.append(f"{no_street_reason}, so the street rule was skipped")
    else:
        ids, counts = np.unique(sid[ok][sid[ok] >= 0], return_counts=True)
        order = np.argsort(-counts, kind="stable")[: rules.max_streets]
        held_by = np.cumsum(counts[order])  # places on the top 1, 2, ... streets
        # the fewest streets that reach the share, else all max_streets of them
        k = next((i + 1 for i, h in enumerate(held_by) if _reaches(h, n, rules.street_share)), 0)
        top = order[: k or order.size]
        on_top = int(counts[top].sum())
        streets = tuple(int(i) for i in ids[top])
        evidence |= {"streets": streets, "street_places": on_top}
        if street_names:
            named = tuple(street_names[i] for i in streets)
            evidence["street_names"] = named
            where = _words(named) if named else "no known street"
        else:
            where = f"street(s) {', '.join(map(str, streets)) or '(none known)'}"
        text = f"{on_top} of {n} basic places ({_pct(on_top / n)}) lie on {where}"
        if k:
            rule = f"{text} (≥ {_pct(rules.street_share)} on at most {rules.max_streets})"
            return _verdict("street", rule, evidence)
        why.append(f"{text}, the {rules.max_streets} holding most (< {_pct(rules.street_share)})")
    return _verdict("distributed", "not clustered, not along streets: " + "; ".join(why), evidence)


@dataclass(frozen=True)
class GradeRules:
    """Thresholds of the grades (see the module docstring).

    Attributes
    ----------
    enhanced_min_quality
        Quality categories present for 提升型.
    premium_min_quality
        Quality categories present for 品质型 (≥ ``enhanced_min_quality``).
    premium_min_chain_share
        Chain share (0..1) that qualifies for 品质型; ``None``: not a way to qualify.
    premium_min_24h
        24-hour places that qualify for 品质型; ``None``: not a way to qualify. With both
        ``None``, the quality count alone decides.

    """

    enhanced_min_quality: int = 4
    premium_min_quality: int = 6
    premium_min_chain_share: float | None = 0.3
    premium_min_24h: int | None = 1

    def __post_init__(self) -> None:
        problems = _share_problems(premium_min_chain_share=self.premium_min_chain_share)
        if not 0 <= self.enhanced_min_quality <= self.premium_min_quality:
            problems.append("need 0 <= enhanced_min_quality <= premium_min_quality")
        if self.premium_min_24h is not None and self.premium_min_24h < 0:
            problems.append(f"premium_min_24h {self.premium_min_24h} is negative")
        if problems:
            raise ValidationError("grade rules: " + "; ".join(problems))

    def extra_text(self) -> str:
        """The 品质型 condition beyond the quality count, in words."""
        ways = []
        if self.premium_min_chain_share is not None:
            ways.append(f"chain share ≥ {_pct(self.premium_min_chain_share)}")
        if self.premium_min_24h is not None:
            ways.append(f"≥ {self.premium_min_24h} 24-hour places")
        return " or ".join(ways)


def grade(
    *,
    basic_complete: bool,
    quality_present: int,
    chain_share: float,
    open_24h: int,
    rules: GradeRules | None = None,
) -> Verdict:
    """The grade of one community.

    Parameters
    ----------
    basic_complete
        Whether basic coverage is complete
        (:class:`~lifecircle.core.assess.coverage.CoverageResult`).
    quality_present
        Quality categories present.
    chain_share
        Share of the community's places that are chains (``nan``: no places, never qualifies).
    open_24h
        24-hour places in the community.
    rules
        Thresholds (default :class:`GradeRules`).

    Returns
    -------
    Verdict
        ``value`` one of ``below_basic``, ``basic``, ``enhanced``, ``premium``.

    """
    rules = GradeRules() if rules is None else rules
    evidence: dict[str, EvidenceValue] = {
        "basic_complete": bool(basic_complete),
        "quality_present": int(quality_present),
        "chain_share": float(chain_share),
        "open_24h": int(open_24h),
    }
    q = int(quality_present)
    if not basic_complete:
        return _grade("below_basic", "basic coverage is not complete (基础型 needs it)", evidence)
    passes = []
    chain_min, h24_min = rules.premium_min_chain_share, rules.premium_min_24h
    if chain_min is not None and chain_share >= chain_min:
        passes.append(f"chain share {_pct(chain_share)} ≥ {_pct(chain_min)}")
    if h24_min is not None and open_24h >= h24_min:
        passes.append(f"{open_24h} 24-hour places ≥ {h24_min}")
    extra = rules.extra_text()
    if q >= rules.premium_min_quality and (passes or not extra):
        rule = f"basic complete, {q} quality categories ≥ {rules.premium_min_quality}"
        return _grade("premium", rule + "".join(f", {p}" for p in passes), evidence)
    if q >= rules.enhanced_min_quality:
        rule = (
            f"basic complete, {q} quality categories ≥ {rules.enhanced_min_quality} "
            f"(品质型 needs ≥ {rules.premium_min_quality}" + (f" and {extra})" if extra else ")")
        )
        return _grade("enhanced", rule, evidence)
    rule = (
        f"basic complete, {q} quality categories < {rules.enhanced_min_quality} (提升型 needs it)"
    )
    return _grade("basic", rule, evidence)


def _grade(value: str, rule: str, evidence: dict[str, EvidenceValue]) -> Verdict:
    return Verdict(value=value, label=GRADES[value], rule=rule, evidence=evidence)


@dataclass(frozen=True)
class PilotMix:
    """How the plan's pilot circles divide over the three types, as far as is known.

    The denominator is every pilot of the plan (``pilots``), matched or not. A pilot is
    *unknown* when it was not matched to an assessed community, or was matched but its
    type is ``undetermined``: it may be of any type. Per type the status is ``True``
    (met) when the known pilots of that type alone reach ``needed``; ``False`` (not met)
    when even with every unknown pilot of that type it cannot; ``None`` (not evaluable)
    otherwise, until enough pilots are known.

    Attributes
    ----------
    pilots
        The plan's pilots (the denominator).
    matched
        Pilots matched to an assessed community (``undetermined`` ones included).
    counts
        Matched pilots per type code of :data:`CIRCLE_TYPES`.
    unknown
        Pilots of unknown type: not matched, or ``undetermined``.
    shares
        ``counts / pilots`` per type code: the known share, a lower bound.
    needed
        Pilots each type needs: ``min_share`` of ``pilots``, rounded up.
    meets
        Per type among 集聚式, 街区式 and 分布式: ``True``, ``False`` or ``None`` as above.
    all_met
        ``True`` when all three are met; ``False`` when one cannot be met, or the unknown
        pilots are too few to make up every type's shortfall at once; ``None`` otherwise.
    min_share
        The required share (0..1).

    """

    pilots: int
    matched: int
    counts: Mapping[str, int]
    unknown: int
    shares: Mapping[str, float]
    needed: int
    meets: Mapping[str, bool | None]
    all_met: bool | None
    min_share: float

    def shortfall(self, code: str) -> int:
        """Pilots of type ``code`` still missing to reach :attr:`needed` (0 when met)."""
        return max(0, self.needed - self.counts[code])


PILOT_TYPES = ("clustered", "street", "distributed")
"""The three types the plan asks each to reach the minimum share of the pilots."""


def _pilot_status(known: int, unknown: int, needed: int) -> bool | None:
    """Met by the known pilots alone, missed even with every unknown one, or not evaluable."""
    if known >= needed:
        return True
    if known + unknown < needed:
        return False
    return None


def pilot_type_shares(
    types: Sequence[str], *, pilots: int, min_share: float = PILOT_MIN_SHARE
) -> PilotMix:
    """Shares of the plan's pilots per circle type, and whether each type reaches ``min_share``.

    Parameters
    ----------
    types
        The circle type of every *matched* pilot: a code or Chinese name of
        :data:`CIRCLE_TYPES` (``undetermined`` for one whose type is not known).
    pilots
        The number of pilots of the plan (30 in Shenzhen's), matched or not: the
        denominator of every share.
    min_share
        The share (0..1) each of the three types must reach (the plan: 20 %).

    Returns
    -------
    PilotMix

    Raises
    ------
    ValidationError
        For an unknown type, a share outside 0..1, fewer than one pilot, or more types
        than pilots.

    Examples
    --------
    Three matched pilots of three types out of 30 settle nothing yet:

    >>> mix = pilot_type_shares(["clustered", "street", "distributed"], pilots=30)
    >>> mix.unknown, mix.needed, mix.all_met
    (27, 6, None)

    """
    if problems := _share_problems(min_share=min_share):
        raise ValidationError("; ".join(problems))
    by_name = {**{v: k for k, v in CIRCLE_TYPES.items()}, **{k: k for k in CIRCLE_TYPES}}
    if unknown_types := sorted({t for t in types if t not in by_name}):
        raise ValidationError(f"unknown circle types {unknown_types}")
    if pilots < 1:
        raise ValidationError(f"the plan must list at least one pilot, not {pilots}")
    if len(types) > pilots:
        raise ValidationError(f"{len(types)} matched pilots but the plan lists only {pilots}")
    codes = [by_name[t] for t in types]
    counts = {k: codes.count(k) for k in CIRCLE_TYPES}
    unknown = pilots - len(codes) + counts["undetermined"]
    # 0.2 * 30 is 6.000000000000001 in floating point: the tolerance keeps it 6
    needed = int(np.ceil(min_share * pilots - 1e-9))
    meets = {k: _pilot_status(counts[k], unknown, needed) for k in PILOT_TYPES}
    # the unknown pilots are shared: together they must make up every type's shortfall
    short = sum(max(0, needed - counts[k]) for k in PILOT_TYPES)
    statuses = set(meets.values())
    all_met: bool | None = None
    if statuses == {True}:
        all_met = True
    elif False in statuses or short > unknown:
        all_met = False
    return PilotMix(
        pilots=pilots,
        matched=len(codes),
        counts=MappingProxyType(counts),
        unknown=unknown,
        shares=MappingProxyType({k: c / pilots for k, c in counts.items()}),
        needed=needed,
        meets=MappingProxyType(meets),
        all_met=all_met,
        min_share=min_share,
    )
