r"""Gap-filling plans from walking metres: the fewest new places, or the best k.

The input is walking metres, never a network: ``cost[i, j]`` is the walk from resident
point ``i`` to candidate site ``j`` (a network point or an available shop unit), for one
missing category at a time, given as a dense matrix (``from_cost_matrix``) or, for a
city, as the pairs a bounded network search finds (``from_pairs``). Point ``i`` is
*reached* by site ``j`` when ``cost[i, j] <= limit_m`` (limit included, as spopt counts).

Metres must be free of NaN and of negative values. In a matrix ``inf`` is accepted, and
only as the explicit marker of an unreachable pair (beyond a Dijkstra cutoff, another
network component); it is never within any limit. A pair list simply leaves such pairs
out, so there ``inf`` is refused too. Points already reached by an existing place
(``already_covered``) need no new site, and points of weight 0 take no part.

:class:`LSCP` (set covering) finds the fewest, or cheapest, new sites so that every
resident point, or a configured share of the residents, is reached; :class:`MCLP`
(maximal covering) finds the ``k`` sites reaching the most residents not yet covered,
optionally with a capacity per site. Both are solved exactly with HiGHS through
:func:`scipy.optimize.milp` (:func:`milp_solver`) or, for instances too large, by greedy
heuristics that report the bound they prove (:func:`greedy_solver`); the solvers live in
:mod:`lifecircle.core.plan.solvers` and every public name is importable from here.
The solver is a parameter: any object with the two methods of :class:`Solver` will do. By
default the MILP takes instances of up to :data:`MAX_MILP_CELLS` cells and the greedy
larger ones; a MILP stopped by its time limit returns the better of its incumbent and
the greedy sites.
A city-wide cover is split into its independent parts (:mod:`~lifecircle.core.plan.split`);
a part too large for HiGHS goes to the Lagrangian method
(:mod:`~lifecircle.core.plan.lagrangian`, after the reductions of
:mod:`~lifecircle.core.plan.reduce`), which proves a lower bound and keeps the best cover
its guided heuristics and HiGHS on a core find. A maximal covering too large for HiGHS
goes to the Lagrangian relaxation of :mod:`~lifecircle.core.plan.max_cover`.
"""

from lifecircle.core.plan.assign import Assignment
from lifecircle.core.plan.lscp import LSCP
from lifecircle.core.plan.mclp import MCLP
from lifecircle.core.plan.pairs import ReachPairs
from lifecircle.core.plan.result import LocateResult
from lifecircle.core.plan.solvers import (
    MAX_MILP_CELLS,
    GreedySolver,
    MaxCoverInstance,
    MilpSolver,
    SetCoverInstance,
    Solution,
    Solver,
    default_solver,
    greedy_solver,
    milp_solver,
)

__all__ = [
    "LSCP",
    "MAX_MILP_CELLS",
    "MCLP",
    "Assignment",
    "GreedySolver",
    "LocateResult",
    "MaxCoverInstance",
    "MilpSolver",
    "ReachPairs",
    "SetCoverInstance",
    "Solution",
    "Solver",
    "default_solver",
    "greedy_solver",
    "milp_solver",
]
