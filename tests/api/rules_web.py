"""Authorisation rules of the web application's settings: public, like the map layers."""

from __future__ import annotations

from tests.api.authz import ALL, Rule, simple

RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/web-config"): Rule(simple("/web-config"), ALL),
}
