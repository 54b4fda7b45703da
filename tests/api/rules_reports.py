"""Authorisation rules of the reports: a shop's redemptions, the price summary as XLSX.

The redemptions of a shop are its owner's only: another merchant gets 404 (as for a shop
that does not exist), other roles 403. The XLSX summary follows its JSON form exactly.
"""

from __future__ import annotations

from tests.api.authz import OFFICIALS_IN_AREA, Rule, simple
from tests.api.rules_coupons import MERCHANT_OWN, _shop_path
from tests.api.world import CITY, FUTIAN

RULES = {
    ("GET", "/shops/{place_id}/redemptions"): Rule(_shop_path("/redemptions"), MERCHANT_OWN),
    ("GET", "/cities/{city}/prices/summary.xlsx"): Rule(
        simple(f"/cities/{CITY}/prices/summary.xlsx", params={"area": FUTIAN}), OFFICIALS_IN_AREA
    ),
}
