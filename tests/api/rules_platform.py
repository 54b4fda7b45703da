"""Authorisation rules of the platform's shared routes: the audit log and notifications."""

from __future__ import annotations

from tests.api.authz import OFFICIALS_IN_AREA, SIGNED_IN, Rule, simple
from tests.api.world import CITY, FUTIAN

RULES: dict[tuple[str, str], Rule] = {
    # an official reads their own area's changes; the out-of-area official is refused
    ("GET", "/cities/{city}/audit"): Rule(
        simple(f"/cities/{CITY}/audit", params={"area": FUTIAN}), OFFICIALS_IN_AREA
    ),
    ("GET", "/users/me/notifications"): Rule(simple("/users/me/notifications"), SIGNED_IN),
    ("POST", "/users/me/notifications/read"): Rule(
        simple("/users/me/notifications/read", json={}), SIGNED_IN
    ),
}
