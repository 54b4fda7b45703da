r"""The set cover's LP relaxation solved beside the Lagrangian search, for its multipliers.

The Lagrangian bound :math:`L(u)` of :mod:`lifecircle.core.plan.lagrangian` is at most
the LP relaxation's optimum, and equals it at the LP's row duals. The volume steps reach
within about 0.8 % of it on the synthetic city's largest cover parts and then crawl,
while HiGHS's interior-point method (through :func:`scipy.optimize.linprog`,
``highs-ipm``; Huangfu and Hall 2018 for HiGHS, Schork and Gondzio 2020 for its IPX
solver) solves that LP outright: 16 s for the largest part (16,759 rows, 45,098 columns,
a million pairs) and 8 s for the second (10,203 rows, 27,339 columns), where its dual
simplex needed 340 s. HiGHS releases Python's global lock while it works, so the LP runs
in a thread on the second core while the volume steps and the covers go on in the first.

The duals are used as any multipliers are: :math:`L(u)` is a lower bound for *every*
:math:`u \ge 0`, so a dual that the interior point leaves a hair infeasible still gives a
valid bound (a little below the LP), and their reduced costs pick the cores of the local
search and of HiGHS's exact solve better than the volume steps' do.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import numpy as np
from scipy.optimize import linprog

if TYPE_CHECKING:
    from numpy.typing import NDArray
    from scipy import sparse

MIN_LP_PAIRS = 20_000
"""Smallest instance (reach pairs) whose LP is solved beside the search: below it the
volume steps close the gap, or HiGHS's core solve proves the cover, in well under a
second."""

MIN_LP_S = 1.0
"""Least time worth starting the LP with, seconds."""


def lp_duals(
    reach: sparse.csr_array, cost: NDArray[np.float64], *, time_limit_s: float
) -> NDArray[np.float64] | None:
    """Row duals ``u ≥ 0`` of ``min c·x s.t. A x ≥ 1, 0 ≤ x ≤ 1``, or None.

    None when HiGHS did not solve the LP within ``time_limit_s`` (or failed): the caller
    then keeps the multipliers it has.
    """
    m = reach.shape[0]
    res = linprog(
        cost,
        A_ub=-reach,
        b_ub=-np.ones(m),
        bounds=(0.0, 1.0),
        method="highs-ipm",
        options={"time_limit": time_limit_s, "disp": False},
    )
    marginals = getattr(getattr(res, "ineqlin", None), "marginals", None)
    if res.status != 0 or marginals is None:
        return None
    return np.maximum(-np.asarray(marginals, dtype=np.float64), 0.0)


class LpDuals:
    """:func:`lp_duals` running in a thread; :meth:`result` once it is done.

    Nothing waits for it: a search that ends first simply leaves the answer (the LP's own
    time limit ends the thread by the search's deadline).
    """

    def __init__(
        self, reach: sparse.csr_array, cost: NDArray[np.float64], *, deadline: float
    ) -> None:
        self._u: NDArray[np.float64] | None = None
        self._done = threading.Event()
        limit = deadline - time.perf_counter()
        self.started = reach.nnz >= MIN_LP_PAIRS and limit >= MIN_LP_S
        if not self.started:
            return

        def solve() -> None:
            try:
                self._u = lp_duals(reach, cost, time_limit_s=limit)
            finally:
                self._done.set()

        threading.Thread(target=solve, name="lifecircle-lp-duals", daemon=True).start()

    def done(self) -> bool:
        """Whether the LP has finished (solved or not)."""
        return self._done.is_set()

    def result(self) -> NDArray[np.float64] | None:
        """The duals once the LP is solved; None before, or when it was not."""
        return self._u if self._done.is_set() else None
