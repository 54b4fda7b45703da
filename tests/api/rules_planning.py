"""Authorisation rules of the officials' trend across runs and of the what-if.

The trend is an official's view of their part of the city, like ``/assessment``: asked
about the in-area official's district, the out-of-area official is refused. What-if
re-scores the whole city: both test officials are officials of an area, so only the
administrator gets through, to be told the test city's run cannot be started from (400:
a run stored by hand, without its parameters).
"""

from __future__ import annotations

from tests.api.authz import OFFICIALS_IN_AREA, Rule, admin, simple
from tests.api.world import CITY, FUTIAN

RULES = {
    ("GET", "/cities/{city}/runs"): Rule(
        simple(f"/cities/{CITY}/runs", params={"area": FUTIAN}), OFFICIALS_IN_AREA
    ),
    ("POST", "/cities/{city}/what-if"): Rule(
        simple(f"/cities/{CITY}/what-if", json={"op": "remove", "uid": "osm:node/1"}), admin(400)
    ),
}
