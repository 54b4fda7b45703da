"""The gap-filling plan (缺什么补什么, 一圈一策): where to open new places, per category.

For each category asked, the residents of the planned area (one community, or every
community of the city) who reach no existing place of it within the walking limit are
the demand; candidate sites are points along the streets within their reach or a
user's list of shop units (:mod:`lifecircle.services.candidates`). The walks between
them come from bounded network searches, and ``core.plan`` chooses the sites:

* ``cover`` (LSCP): the fewest new places so that every resident a candidate can reach
  (``share = 1``), or a share of all the area's residents, existing places counted,
  reaches one within the limit;
* ``max`` (MCLP): the ``k`` new places reaching the most residents not yet covered,
  optionally at most ``capacity`` residents each.

:func:`plan` is pure computation over a :class:`~lifecircle.services.city.data.CityData`
and returns the plan document of docs/assessment.md; :func:`run_plan` loads the city,
plans and stores the document.
"""

from lifecircle.services.plan.document import plan, run_plan, stored_plan
from lifecircle.services.plan.joint import joint_plan
from lifecircle.services.plan.params import MODES, SOLVER_NAMES, PlanParams
from lifecircle.services.plan.prepare import expand_codes, expand_groups

__all__ = [
    "MODES",
    "SOLVER_NAMES",
    "PlanParams",
    "expand_codes",
    "expand_groups",
    "joint_plan",
    "plan",
    "run_plan",
    "stored_plan",
]
