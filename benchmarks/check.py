"""Do the tools agree? Every answer is compared with lifecircle's.

Exact tools (C, scipy, networkx) sum the same float64 lengths along the same shortest
paths, so their metres must match to ``1e-6`` m. Where a tool may legitimately differ
(pandana rounds each edge to whole millimetres), it is given a tolerance ``tol``, and
then a count or a place list may differ only through places whose lifecircle distance
lies within ``tol`` of the limit: the check recomputes lifecircle's answer at
``limit - tol`` and ``limit + tol`` and requires the peer's answer to lie between them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from lifecircle.core.walk.access import Router, counts_at_nodes
from workload import LIMIT_M, N_CATEGORIES, Bench, index_of

if TYPE_CHECKING:
    from lifecircle.core.walk.network import WalkNetwork

EXACT_TOL_M = 1e-6


@dataclass
class Reference:
    """lifecircle's network and answers, with lazily computed band answers."""

    bench: Bench
    net: WalkNetwork
    w1: np.ndarray
    w2: np.ndarray
    w3_ptr: np.ndarray
    w3_place: np.ndarray
    limit: float = LIMIT_M
    _cache: dict[tuple[float, int], np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.place_idx = index_of(self.net.node_id, self.bench.place_node_id)
        self.to_canonical = self.bench.canonical_index(self.net.node_id)

    def counts(self, limit: float, places: np.ndarray | None = None) -> np.ndarray:
        """lifecircle's W2 at another limit, or for a subset of the places (canonical)."""
        key = (limit, -1 if places is None else hash(places.tobytes()))
        if key not in self._cache:
            sel = slice(None) if places is None else places
            k = counts_at_nodes(
                self.net,
                source_node=self.place_idx[sel],
                source_category=self.bench.place_category[sel],
                n_categories=N_CATEGORIES,
                limit_m=limit,
            )
            out = np.empty_like(k)
            out[:, self.to_canonical] = k
            self._cache[key] = out
        return self._cache[key]

    def places_within(self, query_id: int, limit: float) -> tuple[np.ndarray, np.ndarray]:
        if "router" not in self.__dict__:
            self.router = Router(self.net, place_node=self.place_idx)
        node = int(index_of(self.net.node_id, np.array([query_id]))[0])
        return self.router.places_within(node, 0.0, limit)


def compare(ref: Reference, result: dict[str, np.ndarray], *, tol: float) -> tuple[bool, str]:
    """Compare one tool's answers with lifecircle's; returns (agrees, summary)."""
    problems, facts = [], []
    limit = ref.limit

    # W1: equal metres where both reach, and "unreached" only near the limit
    a, b = ref.w1, result["w1"]
    fa, fb = np.isfinite(a), np.isfinite(b)
    both = fa & fb
    diff = float(np.max(np.abs(a[both] - b[both]), initial=0.0))
    one_sided = (fa ^ fb) & (np.where(fa, a, b) < limit - tol)
    facts.append(f"W1 max Δ {diff:.1g} m")
    if diff > tol or one_sided.any():
        problems.append(f"W1: max Δ {diff:.3g} m, {int(one_sided.sum())} reach mismatches")

    # W2: equal counts, or inside the band a tolerance allows
    sample = result.get("w2_sample")
    expect = ref.w2 if sample is None else ref.counts(limit, sample)
    got = result["w2"]
    bad = expect != got
    if sample is not None:
        facts.append(f"W2 checked on the {sample.size:,} sampled places")
    if bad.any():
        lo = ref.counts(limit - tol, sample)
        hi = ref.counts(limit + tol, sample)
        outside = bad & ((got < lo) | (got > hi))
        if outside.any():
            problems.append(f"W2: {int(outside.sum()):,} counts differ beyond ±{tol:g} m")
        else:
            facts.append(f"W2 {int(bad.sum())} counts differ within ±{tol:g} m of the limit")
    else:
        facts.append("W2 equal")

    # W3: the same places per query (order aside)
    ptr, place = result["w3_ptr"], result["w3_place"]
    n_q = ptr.size - 1
    band = 0
    for q in range(n_q):
        mine = place[ptr[q] : ptr[q + 1]]
        theirs = ref.w3_place[ref.w3_ptr[q] : ref.w3_ptr[q + 1]]
        if np.unique(mine).size != mine.size:
            problems.append(f"W3: query {q} lists a place twice")
            break
        if np.array_equal(np.sort(mine), np.sort(theirs)):
            continue
        cand, metres = ref.places_within(int(ref.bench.query_node_id[q]), limit + tol)
        must = set(cand[metres <= limit - tol].tolist())
        may = set(cand.tolist())
        got_set = set(mine.tolist())
        if not (must <= got_set <= may):
            problems.append(
                f"W3: query {q} has {len(got_set - may)} extra and "
                f"{len(must - got_set)} missing places"
            )
            break
        band += 1
    facts.append("W3 equal" if band == 0 else f"W3 {band} queries differ within ±{tol:g} m")
    if problems:
        return False, "; ".join(problems)
    return True, "; ".join(facts)
