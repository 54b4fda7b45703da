"""Authorisation rules of the surveys: officials of the survey's area, residents answer.

Each request that needs a survey makes one of 福田区's 沙埔头社区 for that call (by the
in-area official), open now: the out-of-area official gets 403 on it, merchants 403
everywhere, residents read it and answer it (nobody else answers).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from lifecircle.services.surveys import Scope, SurveySpec, create_survey
from tests.api.authz import ALL, OFFICIALS_IN_AREA, Rule, as_caller, row, simple
from tests.api.world import CITY

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.api.authz import Request
    from tests.api.world import World

SHAPUTOU = "440304001019"


def _times() -> dict[str, str]:
    now = datetime.now(UTC)
    return {
        "opens_at": (now - timedelta(hours=1)).isoformat(),
        "closes_at": (now + timedelta(days=1)).isoformat(),
    }


def _survey(world: World) -> int:
    now = datetime.now(UTC)
    spec = SurveySpec(
        title=None,
        scope=Scope.COMMUNITIES,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1),
        communities=(SHAPUTOU,),
        template="satisfaction",
    )
    official = world.principals["official_in"].account
    return create_survey(engine=world.engine, account=official, city=CITY, spec=spec).survey.id


def _on_survey(suffix: str, **kwargs: Any) -> Callable[[World, str], Request]:
    return lambda w, c: (f"/surveys/{_survey(w)}{suffix}", dict(kwargs), as_caller(w, c))


def _create(world: World, caller: str) -> Request:
    body = {
        **_times(),
        "template": "satisfaction",
        "scope": "communities",
        "communities": [SHAPUTOU],
    }
    return f"/cities/{CITY}/surveys", {"json": body}, as_caller(world, caller)


RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/survey-templates"): Rule(simple("/survey-templates"), ALL),
    # officials of the communities' area and admins make them; 南山区's official is refused
    ("POST", "/cities/{city}/surveys"): Rule(_create, row(401, 403, 403, 403, 201, 403, 201)),
    ("GET", "/cities/{city}/surveys"): Rule(
        simple(f"/cities/{CITY}/surveys"),
        row(401, 200, 403, 403, 200, 200, 200),
    ),
    ("GET", "/surveys/{survey_id}"): Rule(_on_survey(""), row(401, 200, 403, 403, 200, 403, 200)),
    ("PATCH", "/surveys/{survey_id}"): Rule(
        _on_survey("", json={"title": "SYNTHETIC 满意度调查"}), OFFICIALS_IN_AREA
    ),
    ("POST", "/surveys/{survey_id}/answers"): Rule(
        _on_survey("/answers", json={"answers": {"satisfaction": 4}, "community": SHAPUTOU}),
        row(401, 201, 403, 403, 403, 403, 403),
    ),
    ("GET", "/surveys/{survey_id}/results"): Rule(_on_survey("/results"), OFFICIALS_IN_AREA),
}
