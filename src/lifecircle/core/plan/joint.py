r"""Joint multi-category sites (一点多用): the fewest units, each hosting an allowed combination.

Per-category plans open one unit per category; a unit hosting a convenience store, a
parcel point and a print corner closes three gaps at once, which they cannot see. The
joint model takes, per category ``k``, the 0/1 pattern of its demand rows still to serve
against the same candidate sites (``reach[k]``: row ``i`` of category ``k`` reaches
site ``s`` within the walking limit) and the allowed combinations of categories one unit
may host. Every (site, combination) is a column covering, for each category of the
combination, the rows of that category the site reaches; the elements to cover are the
(row, category) pairs:

.. math::

    \begin{array}{lll}
    \textbf{minimise}   & \sum_{s \in J} \sum_{c \in C} f_c\, y_{s,c}                  &  \\
    \textbf{subject to} & \sum_{s \in N_{ik}} \sum_{c \ni k} y_{s,c} \ge 1
                        & \forall k \in K,\ i \in I_k                                      \\
                        & \sum_{c \in C} y_{s,c} \le U  & \forall s \in J  \text{ (optional)} \\
                        & y_{s,c} \in \{0, 1\}          &
    \end{array}

where :math:`I_k` are the rows of category :math:`k` to serve, :math:`N_{ik}` the sites
reaching row :math:`i`, :math:`C` the allowed combinations (closed under subsets: a unit
allowed to host convenience + parcel + print may host convenience + parcel) of cost
:math:`f_c` = site cost + (:math:`|c| - 1`) × cost per added category (1 and 0 by
default, so the objective is the number of units), and :math:`U` the units one site may
hold (``units_per_site``; ``None``, the default, for no limit: then two categories may
still share a point as two units, as per-category plans do, and the joint optimum is
never above the sum of the per-category optima, each of which is a joint solution of
single-category units).

A column is kept only when each of its categories reaches a row at its site, and is
dropped when a no dearer superset combination is kept at the same site (it covers no
more). Instances of at most :data:`MAX_JOINT_PAIRS` nonzeros are solved by HiGHS
(:func:`scipy.optimize.milp`) with a time limit; beyond, the set cover without the
per-site limit goes to :class:`~lifecircle.core.plan.split.SplitSolver` (part by part,
the Lagrangian method on large parts: Beasley 1990; Caprara, Fischetti and Toth 1999),
and with a per-site limit its cover is kept when it keeps the limit, a greedy that
keeps it is used otherwise. Every answer carries a proven lower
bound: HiGHS's dual bound, the Lagrangian or LP bound, or the dual-fitting bound of the
greedy set cover without the per-site limit (a relaxation, so valid with it).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from lifecircle.core.plan.greedy import drop_redundant, greedy_set_cover
from lifecircle.core.plan.solvers import TOL, SetCoverInstance, relative_gap
from lifecircle.core.plan.split import SplitSolver
from lifecircle.errors import InfeasibleError, LifecircleError, ValidationError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import ArrayLike, NDArray

MAX_JOINT_PAIRS = 400_000
"""Largest joint instance (nonzeros of the element x column matrix) given to HiGHS."""

MAX_SUBSET = 6
"""Most categories in one allowed combination (its subsets are enumerated)."""


@dataclass(frozen=True)
class Combination:
    """Categories one unit may host together, and what such a unit costs.

    Attributes
    ----------
    categories
        Indices of the categories (into the model's category list).
    site_cost
        Cost of the unit, positive (1: the objective counts units).
    category_cost
        Cost of each category beyond the first, non-negative.
    name
        Label shown in the plan (``"便利店+快递+文印"``).

    """

    categories: tuple[int, ...]
    site_cost: float = 1.0
    category_cost: float = 0.0
    name: str = ""

    def cost(self, size: int) -> float:
        """Cost of a unit hosting ``size`` of these categories."""
        return self.site_cost + self.category_cost * (size - 1)


@dataclass(frozen=True)
class Offer:
    """One hosting a unit may take: a set of categories, its cost and the name it came from."""

    categories: tuple[int, ...]
    cost: float
    name: str


def closed_offers(
    combinations: Sequence[Combination], n_categories: int, *, single_cost: float = 1.0
) -> tuple[Offer, ...]:
    """Every hosting allowed: each category alone, and each subset of a combination.

    A subset's cost is the least any combination containing it asks; a category alone
    costs ``single_cost`` unless a combination offers it cheaper. Subsets are ordered
    by size, then categories.
    """
    best: dict[tuple[int, ...], tuple[float, str]] = {
        (k,): (single_cost, "") for k in range(n_categories)
    }
    for combo in combinations:
        cats = tuple(sorted(set(combo.categories)))
        for size in range(1, len(cats) + 1):
            for sub in itertools.combinations(cats, size):
                cost = combo.cost(size)
                if sub not in best or cost < best[sub][0]:
                    best[sub] = (cost, combo.name if size > 1 else "")
    return tuple(
        Offer(cats, cost, name)
        for cats, (cost, name) in sorted(best.items(), key=lambda kv: (len(kv[0]), kv[0]))
    )


@dataclass(frozen=True, eq=False)
class JointResult:
    """A joint plan: the units to open, what each hosts and whom it newly serves.

    Attributes
    ----------
    sites
        Candidate site of each unit, most newly served (row, category) pairs first.
    hosts
        Per unit, the categories it hosts (indices), and ``names`` the combination's name.
    costs
        Per unit, its cost.
    flow_unit, flow_category, flow_row
        Every (unit, category, demand row of that category) newly served: each pair is
        credited to the first unit, in plan order, that reaches it.
    objective, bound, gap, optimal, method
        Total cost, proven lower bound, relative gap, whether proven optimal, and
        ``"milp"``, ``"greedy"``, the split's methods, or ``"none"`` when nothing was
        left to serve.
    n_columns
        (Site, combination) columns the solver saw after dropping the dominated ones.

    """

    sites: NDArray[np.int64]
    hosts: tuple[tuple[int, ...], ...]
    names: tuple[str, ...]
    costs: NDArray[np.float64]
    flow_unit: NDArray[np.int64]
    flow_category: NDArray[np.int64]
    flow_row: NDArray[np.int64]
    objective: float
    bound: float | None
    gap: float | None
    optimal: bool
    method: str
    n_columns: int


@dataclass(frozen=True, eq=False)
class JointCover:
    """The joint covering model (formulation in the module docstring).

    Build with :meth:`from_patterns`, solve with :meth:`solve`.
    """

    reach: tuple[sparse.csr_array, ...]
    offers: tuple[Offer, ...]
    units_per_site: int | None

    @property
    def n_candidates(self) -> int:
        """Number of candidate sites (columns of every pattern)."""
        return self.reach[0].shape[1] if self.reach else 0

    @classmethod
    def from_patterns(
        cls,
        reach: Sequence[ArrayLike | sparse.sparray],
        *,
        combinations: Sequence[Combination] = (),
        single_cost: float = 1.0,
        units_per_site: int | None = None,
    ) -> JointCover:
        """The joint model from one reach pattern per category.

        Parameters
        ----------
        reach
            Per category, an ``(m_k, n)`` 0/1 matrix (dense or sparse): row ``i`` of the
            category's demand reaches candidate site ``j``. Every row must reach some
            site (the caller reports the others as unreachable); ``n`` is shared.
        combinations
            The allowed combinations (any subset of one is allowed too, and each
            category alone always is).
        single_cost
            Cost of a unit hosting one category that no combination offers cheaper.
        units_per_site
            Most units one site may hold; ``None`` for no limit.

        Raises
        ------
        ValidationError
            Naming every problem: patterns of differing widths or not 0/1, combination
            indices out of range, costs not positive, a limit below 1.

        """
        problems: list[str] = []
        mats: list[sparse.csr_array] = []
        for k, r in enumerate(reach):
            a = sparse.csr_array(r, dtype=np.float64)
            if a.ndim != 2:
                problems.append(f"reach[{k}] must be 2-D")
                continue
            if a.nnz and not np.all(a.data == 1.0):
                problems.append(f"reach[{k}] must hold only 0 and 1")
            a.sum_duplicates()
            mats.append(a)
        widths = {a.shape[1] for a in mats}
        if len(widths) > 1:
            problems.append(f"reach patterns have differing numbers of sites {sorted(widths)}")
        if not reach:
            problems.append("at least one category is needed")
        n_cat = len(mats)
        for i, combo in enumerate(combinations):
            bad = [k for k in combo.categories if not 0 <= k < n_cat]
            if bad or not combo.categories:
                problems.append(f"combination {i} ({combo.name}) has categories {bad or '[]'}")
            if len(set(combo.categories)) > MAX_SUBSET:
                problems.append(f"combination {i} has more than {MAX_SUBSET} categories")
            if not 0.0 < combo.site_cost < math.inf:
                problems.append(f"combination {i}: site_cost {combo.site_cost} must be positive")
            if not 0.0 <= combo.category_cost < math.inf:
                problems.append(
                    f"combination {i}: category_cost {combo.category_cost} must be >= 0"
                )
        if not 0.0 < single_cost < math.inf:
            problems.append(f"single_cost {single_cost} must be positive")
        if units_per_site is not None and units_per_site < 1:
            problems.append(f"units_per_site {units_per_site} must be at least 1")
        if problems:
            raise ValidationError("joint plan: " + "; ".join(problems))
        offers = closed_offers(combinations, n_cat, single_cost=single_cost)
        return cls(tuple(mats), offers, units_per_site)

    # -- columns -------------------------------------------------------------------------

    def columns(self) -> tuple[sparse.csc_array, NDArray[np.int64], NDArray[np.int64]]:
        """The element x column matrix, and each column's site and offer index.

        Elements are the rows of category 0, then of category 1, ...; a column is a
        (site, offer) where every category of the offer reaches a row at the site and
        no superset offer at most as dear does.
        """
        reaches = np.stack([np.diff(a.tocsc().indptr) > 0 for a in self.reach])  # (K, n)
        valid = np.stack([reaches[list(o.categories)].all(axis=0) for o in self.offers])
        for a, oa in enumerate(self.offers):
            for b, ob in enumerate(self.offers):
                if (
                    a != b
                    and set(oa.categories) < set(ob.categories)
                    and ob.cost <= oa.cost + TOL * max(oa.cost, 1.0)
                ):
                    valid[a] &= ~valid[b]
        blocks, site_of, offer_of = [], [], []
        for o, offer in enumerate(self.offers):
            where = np.flatnonzero(valid[o])
            if where.size == 0:
                continue
            parts = [
                a[:, where] if k in offer.categories else sparse.csr_array((a.shape[0], where.size))
                for k, a in enumerate(self.reach)
            ]
            blocks.append(sparse.vstack(parts, format="csc"))
            site_of.append(where)
            offer_of.append(np.full(where.size, o))
        m = sum(a.shape[0] for a in self.reach)
        if not blocks:
            return sparse.csc_array((m, 0)), np.zeros(0, np.int64), np.zeros(0, np.int64)
        return (
            sparse.hstack(blocks, format="csc"),
            np.concatenate(site_of).astype(np.int64),
            np.concatenate(offer_of).astype(np.int64),
        )

    # -- solving -------------------------------------------------------------------------

    def solve(
        self, *, time_limit_s: float | None = 60.0, max_pairs: int = MAX_JOINT_PAIRS
    ) -> JointResult:
        """The cheapest units closing every category's gap.

        Parameters
        ----------
        time_limit_s
            Wall-clock limit of HiGHS (or of the split's parts), seconds; ``None``: none.
        max_pairs
            Largest instance (matrix nonzeros) given to the MILP.

        Raises
        ------
        InfeasibleError
            When a demand row reaches no site, or the per-site limit leaves a row
            with no unit able to host its category.

        """
        a, site_of, offer_of = self.columns()
        cost = np.array([self.offers[o].cost for o in offer_of], dtype=np.float64)
        m = a.shape[0]
        starts = np.cumsum([0] + [r.shape[0] for r in self.reach])
        lonely = np.flatnonzero(np.diff(a.tocsr().indptr) == 0) if m else np.zeros(0, np.int64)
        if lonely.size:
            k = int(np.searchsorted(starts, lonely[0], side="right") - 1)
            raise InfeasibleError(
                f"joint plan: {lonely.size} demand row(s) reach no candidate site "
                f"(first: row {int(lonely[0] - starts[k])} of category {k})"
            )
        bound: float | None
        if m == 0:
            chosen, bound, optimal, method = np.zeros(0, np.int64), 0.0, True, "none"
        elif a.nnz <= max_pairs:
            chosen, bound, optimal, method = self._milp(a, site_of, cost, time_limit_s)
        else:
            # Without the per-site limit the joint model is a set cover; with it, that set
            # cover is a relaxation whose bound holds, and whose cover may keep the limit.
            instance = SetCoverInstance(sparse.csr_array(a), np.ones(m), cost, None)
            sol = SplitSolver(time_limit_s=time_limit_s).set_cover(instance)
            chosen, bound, optimal, method = sol.sites, sol.bound, sol.optimal, sol.method
            limit = self.units_per_site
            if limit is not None and np.bincount(site_of[chosen]).max(initial=0) > limit:
                g_bound: float | None
                try:
                    chosen, g_bound = _greedy_limited(a, site_of, cost, limit)
                except InfeasibleError:  # the greedy ran into a corner: HiGHS decides
                    chosen, g_bound, optimal, method = self._milp(a, site_of, cost, time_limit_s)
                else:
                    optimal, method = False, "greedy"
                bound = g_bound if sol.bound is None else max(g_bound or 0.0, sol.bound)
        chosen = drop_redundant(sparse.csr_array(a), np.ones(m), cost, None, np.sort(chosen))
        return self._result(a, site_of, offer_of, cost, chosen, bound, optimal, method, starts)

    def _milp(
        self,
        a: sparse.csc_array,
        site_of: NDArray[np.int64],
        cost: NDArray[np.float64],
        time_limit_s: float | None,
    ) -> tuple[NDArray[np.int64], float | None, bool, str]:
        n_col = a.shape[1]
        constraints = [LinearConstraint(sparse.csr_array(a), 1.0, np.inf)]
        if self.units_per_site is not None:
            per_site = sparse.csr_array(
                (np.ones(n_col), (site_of, np.arange(n_col))), shape=(self.n_candidates, n_col)
            )
            constraints.append(LinearConstraint(per_site, 0.0, float(self.units_per_site)))
        options: dict[str, Any] = {"disp": False, "mip_rel_gap": 0.0}
        if time_limit_s is not None:
            options["time_limit"] = time_limit_s
        res = milp(
            cost, integrality=np.ones(n_col), bounds=Bounds(0.0, 1.0),
            constraints=constraints, options=options,
        )  # fmt: skip
        if res.status == 2:
            raise InfeasibleError(
                f"joint plan: no choice of at most {self.units_per_site} unit(s) per site "
                "closes every gap (a row is reached only by sites whose allowed "
                "combinations cannot host all it needs): allow more units per site or "
                "more combinations"
            )
        dual = getattr(res, "mip_dual_bound", None)
        dual = float(dual) if dual is not None and math.isfinite(dual) else None
        if res.status == 0:
            return np.flatnonzero(np.asarray(res.x) > 0.5).astype(np.int64), dual, True, "milp"
        if res.x is None and res.status != 1:
            raise LifecircleError(f"HiGHS failed: {res.message}")
        # time limit: the better of HiGHS's incumbent and the greedy, the tighter bound
        try:
            g_sites, g_bound = _greedy_limited(a, site_of, cost, self.units_per_site)
        except InfeasibleError:
            if res.x is None:
                raise LifecircleError(
                    "joint plan: neither HiGHS within its time limit nor the greedy found "
                    "units keeping the per-site limit: raise the time limit or the limit"
                ) from None
            return np.flatnonzero(np.asarray(res.x) > 0.5).astype(np.int64), dual, False, "milp"
        bound = g_bound if dual is None else max(g_bound, dual)
        if res.x is not None and float(res.fun) <= float(cost[g_sites].sum()):
            return np.flatnonzero(np.asarray(res.x) > 0.5).astype(np.int64), bound, False, "milp"
        return g_sites, bound, False, "greedy"

    def _result(
        self,
        a: sparse.csc_array,
        site_of: NDArray[np.int64],
        offer_of: NDArray[np.int64],
        cost: NDArray[np.float64],
        chosen: NDArray[np.int64],
        bound: float | None,
        optimal: bool,
        method: str,
        starts: NDArray[np.int64],
    ) -> JointResult:
        # Plan order: most newly served pairs first, each pair credited once.
        taken = np.zeros(a.shape[0], dtype=bool)
        left = chosen.tolist()
        order: list[int] = []
        flows: list[NDArray[np.int64]] = []
        while left:
            gains = [int((~taken[a.indices[a.indptr[c] : a.indptr[c + 1]]]).sum()) for c in left]
            c = left.pop(int(np.argmax(gains)))
            rows = a.indices[a.indptr[c] : a.indptr[c + 1]]
            rows = np.sort(rows[~taken[rows]])
            taken[rows] = True
            order.append(c)
            flows.append(rows)
        cols = np.asarray(order, dtype=np.int64)
        unit = np.concatenate(
            [np.full(f.size, u) for u, f in enumerate(flows)] or [np.zeros(0, np.int64)]
        )
        element = np.concatenate(flows or [np.zeros(0, np.int64)])
        category = np.searchsorted(starts, element, side="right") - 1
        # A unit hosts only the categories it is credited with: a part of an allowed
        # hosting is allowed and never dearer, and every pair stays covered.
        by_cats = {o.categories: o for o in self.offers}
        kept = []
        for u, c in enumerate(cols.tolist()):
            used = set(category[unit == u].tolist())
            cats = tuple(k for k in self.offers[offer_of[c]].categories if k in used)
            kept.append(by_cats[cats] if cats else self.offers[offer_of[c]])
        costs = np.array([o.cost for o in kept], dtype=np.float64)
        objective = float(costs.sum())
        if bound is not None:
            whole = bool(np.all(cost == np.round(cost)))
            bound = min(float(math.ceil(bound - 1e-6)) if whole else bound, objective)
        gap = None if bound is None else relative_gap(objective, bound)
        return JointResult(
            sites=site_of[cols],
            hosts=tuple(o.categories for o in kept),
            names=tuple(o.name for o in kept),
            costs=costs,
            flow_unit=unit.astype(np.int64),
            flow_category=category.astype(np.int64),
            flow_row=(element - starts[category]).astype(np.int64),
            objective=objective,
            bound=bound,
            gap=gap,
            optimal=optimal or (gap is not None and gap <= TOL),
            method=method,
            n_columns=int(a.shape[1]),
        )


def _greedy_limited(
    a: sparse.csc_array,
    site_of: NDArray[np.int64],
    cost: NDArray[np.float64],
    units_per_site: int | None,
) -> tuple[NDArray[np.int64], float]:
    """Greedy cover keeping at most ``units_per_site`` units per site, and a lower bound.

    The bound is the greedy set cover's (dual fitting, knapsack) on the instance without
    the per-site limit, a relaxation of the joint model.

    Raises
    ------
    InfeasibleError
        When the limit leaves some pair with no column that can still be opened.

    """
    m = a.shape[0]
    csr = sparse.csr_array(a)
    _, bound = greedy_set_cover(csr, np.ones(m), cost, None)
    uncovered = np.ones(m, dtype=bool)
    gain = np.diff(a.indptr).astype(np.float64)
    units = np.zeros(int(site_of.max(initial=-1)) + 1, dtype=np.int64)
    is_open = np.zeros(a.shape[1], dtype=bool)
    chosen: list[int] = []
    while uncovered.any():
        usable = ~is_open & (gain > 0)
        if units_per_site is not None:
            usable &= units[site_of] < units_per_site
        if not usable.any():
            raise InfeasibleError(
                f"joint plan: the greedy found no unit left to host {int(uncovered.sum())} "
                f"pair(s) under {units_per_site} unit(s) per site"
            )
        ratio = np.where(usable, gain / cost, -1.0)
        c = int(np.argmax(ratio))
        rows = a.indices[a.indptr[c] : a.indptr[c + 1]]
        rows = rows[uncovered[rows]]
        uncovered[rows] = False
        gain -= np.bincount(csr[rows].indices, minlength=a.shape[1])
        is_open[c] = True
        units[site_of[c]] += 1
        chosen.append(c)
    return np.asarray(chosen, dtype=np.int64), bound
