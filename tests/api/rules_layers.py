"""Authorisation rules of the map layers: free to every caller, like the nearby search."""

from __future__ import annotations

from tests.api.authz import ALL, Rule, row, simple
from tests.api.world import CITY

BOX = {"bbox": "114.0,22.5,114.1,22.6"}

RULES: dict[tuple[str, str], Rule] = {
    # the test city has no walking network: 422 (saying so) to everyone, as /nearby
    ("GET", "/cities/{city}/extent"): Rule(
        simple(f"/cities/{CITY}/extent"), row(422, 422, 422, 422, 422, 422, 422)
    ),
    ("GET", "/cities/{city}/network.geojson"): Rule(
        simple(f"/cities/{CITY}/network.geojson", params=BOX),
        row(422, 422, 422, 422, 422, 422, 422),
    ),
    ("GET", "/cities/{city}/communities.geojson"): Rule(
        simple(f"/cities/{CITY}/communities.geojson", params=BOX), ALL
    ),
}
