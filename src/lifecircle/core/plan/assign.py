"""Assigning residents to the chosen sites: nearest open site, or capacitated LPs.

Once sites are chosen, each demand point goes to its nearest open site or, under a
capacity per site, residents are split by two HiGHS transportation LPs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from lifecircle.core.plan.solvers import TOL

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from lifecircle.core.plan.pairs import ReachPairs

# --------------------------------------------------------------------------- assignment


@dataclass(frozen=True, eq=False)
class Assignment:
    """Whom the open sites serve: per point, per site and per (point, site) flow.

    Attributes
    ----------
    site
        Per demand point, the site serving it (under capacity, serving most of it),
        ``-1`` for none.
    served
        Per demand point, the residents served.
    by_site
        Per candidate, the residents it serves.
    flow_point, flow_site, flow_residents
        Every positive (point, site) flow: without capacity one per served point (all
        its residents), under capacity a point's residents may split between sites.

    """

    site: NDArray[np.int64]
    served: NDArray[np.float64]
    by_site: NDArray[np.float64]
    flow_point: NDArray[np.int64]
    flow_site: NDArray[np.int64]
    flow_residents: NDArray[np.float64]


def open_pairs(
    pairs: ReachPairs, rows: NDArray[np.int64], sites: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """Point, site and metres of the pairs within the limit from ``rows`` to ``sites``."""
    todo = np.zeros(pairs.n_demand, dtype=bool)
    todo[rows] = True
    is_open = np.zeros(pairs.n_candidates, dtype=bool)
    is_open[sites] = True
    keep = todo[pairs.row] & is_open[pairs.col]
    return pairs.row[keep], pairs.col[keep], pairs.metres[keep]


def nearest_assignment(
    pairs: ReachPairs,
    rows: NDArray[np.int64],
    weights: NDArray[np.float64],
    sites: NDArray[np.int64],
) -> Assignment:
    """Each point of ``rows`` goes to its nearest open site (ties: lower index)."""
    r, c, d = open_pairs(pairs, rows, sites)
    order = np.lexsort((c, d, r))
    r, c = r[order], c[order]
    first = np.ones(r.size, dtype=bool)
    first[1:] = r[1:] != r[:-1]
    r, c = r[first], c[first]
    assignment = np.full(pairs.n_demand, -1, dtype=np.int64)
    assignment[r] = c
    served = np.zeros(pairs.n_demand)
    served[r] = weights[r]
    by_site = np.bincount(c, weights=weights[r], minlength=pairs.n_candidates)
    return Assignment(assignment, served, by_site.astype(np.float64), r, c, weights[r])


def capacitated_assignment(
    pairs: ReachPairs,
    rows: NDArray[np.int64],
    weights: NDArray[np.float64],
    sites: NDArray[np.int64],
    capacity: NDArray[np.float64],
) -> Assignment:
    """Residents to open sites under capacity: the most served, then the shortest walks.

    Two transportation LPs (HiGHS): the first maximises the residents served, the second
    keeps that number and minimises the resident-metres walked.
    """
    r, c, d = open_pairs(pairs, rows, sites)
    if r.size == 0:  # nobody to serve: nothing to split
        return nearest_assignment(pairs, rows, weights, sites)
    ur, ri = np.unique(r, return_inverse=True)
    uc, ci = np.unique(c, return_inverse=True)
    e = np.arange(r.size)
    a_ub = sparse.vstack(
        [
            sparse.csr_array((np.ones(r.size), (ri, e)), shape=(ur.size, r.size)),
            sparse.csr_array((np.ones(r.size), (ci, e)), shape=(uc.size, r.size)),
        ],
        format="csr",
    )
    b_ub = np.concatenate([weights[ur], capacity[uc]])
    most = linprog(-np.ones(r.size), A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
    floor = -float(most.fun)
    a_ub = sparse.vstack([a_ub, sparse.csr_array(-np.ones((1, r.size)))], format="csr")
    near = linprog(d, A_ub=a_ub, b_ub=np.append(b_ub, -floor), bounds=(0, None), method="highs")
    z = np.asarray(near.x if near.status == 0 else most.x, dtype=np.float64)
    z[z < TOL * max(float(weights.max(initial=0.0)), 1.0)] = 0.0
    served = np.bincount(r, weights=z, minlength=pairs.n_demand).astype(np.float64)
    order = np.lexsort((c, -z, r))
    first = np.ones(r.size, dtype=bool)
    first[1:] = r[order][1:] != r[order][:-1]
    top = order[first & (z[order] > 0)]
    assignment = np.full(pairs.n_demand, -1, dtype=np.int64)
    assignment[r[top]] = c[top]
    by_site = np.bincount(c, weights=z, minlength=pairs.n_candidates).astype(np.float64)
    flows = z > 0
    return Assignment(assignment, served, by_site, r[flows], c[flows], z[flows])
