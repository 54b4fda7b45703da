"""Authorisation rules of the residents' voice: consultations, feedback, complaints, integrity.

Officials publish consultations and read the reports and complaints of their area
(福田区 for ``official_in``; ``official_out`` of 南山区 is refused); residents take
stances, comment, report and complain; anyone reads consultations and a place's
integrity view. Objects are made fresh for each call, in 福田区's 沙埔头社区.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from lifecircle.services import complaints, consultations
from lifecircle.services.ownership import grant_place
from lifecircle.store import owners
from lifecircle.store.cities import get_city
from lifecircle.store.complaints import ComplaintKind
from lifecircle.store.consultations import ConsultationKind
from lifecircle.store.db import session_scope
from lifecircle.store.models import utc_now
from lifecircle.store.places import upsert_places
from tests.api.authz import ALL, OFFICIALS_IN_AREA, SIGNED_IN, Rule, as_caller, row, simple
from tests.api.world import CITY, FUTIAN, World

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.api.authz import Request

COMMUNITY = "440304001019"
"""沙埔头社区, in 福田区."""
RESIDENTS_ONLY = row(401, 200, 403, 403, 403, 403, 403)
"""A route for residents' accounts."""
HANDLERS = row(401, 403, 403, 403, 200, 403, 200)
"""Officials of the object's area (福田区) and administrators."""


def _consultation(world: World) -> int:
    """A new consultation, open for a week, about 沙埔头社区."""
    draft = consultations.ConsultationDraft(
        title="SYNTHETIC 新建菜市场",
        description="SYNTHETIC proposal",
        kind=ConsultationKind.SITE,
        closes_at=utc_now() + timedelta(days=7),
        lon=114.091,
        lat=22.542,
        community=COMMUNITY,
    )
    admin = world.principals["admin"].account
    return consultations.publish(engine=world.engine, account=admin, city=CITY, draft=draft).id


def voice_place(world: World) -> int:
    """A shop of the merchant filed under 沙埔头社区 (made once per world)."""
    if "voice" not in world.place_ids:
        with session_scope(world.engine) as session:
            placed = upsert_places(
                session,
                city_id=get_city(session, name=CITY).id,
                source="test",
                rows=[{"source_id": "voice", "lon": 114.0915, "lat": 22.5421, "name": "S shop"}],
            )
        place_id = placed.place_ids["voice"]
        grant_place(
            engine=world.engine, user_id=world.principals["merchant"].account.id, place_id=place_id
        )
        with session_scope(world.engine) as session:
            owners.set_community(session, place_id=place_id, community_code=COMMUNITY)
        world.place_ids["voice"] = place_id
    return world.place_ids["voice"]


VOICE_UID = "test:voice"


def _complaint(world: World, *, assigned: bool = False) -> int:
    voice_place(world)
    made = complaints.file_complaint(
        engine=world.engine,
        account=world.principals["resident"].account,
        city=CITY,
        uid=VOICE_UID,
        kind=ComplaintKind.OVERCHARGING,
        description="SYNTHETIC: charged 12 yuan for a 10 yuan item",
    )
    if assigned:
        complaints.assign(
            engine=world.engine, account=world.principals["admin"].account, complaint_id=made.id
        )
    return made.id


def _on_consultation(suffix: str, **kwargs: object) -> Callable[[World, str], Request]:
    return lambda w, c: (
        f"/consultations/{_consultation(w)}{suffix}",
        dict(kwargs),
        as_caller(w, c),
    )


def _on_complaint(
    action: str, *, assigned: bool, **kwargs: object
) -> Callable[[World, str], Request]:
    return lambda w, c: (
        f"/complaints/{_complaint(w, assigned=assigned)}/{action}",
        dict(kwargs),
        as_caller(w, c),
    )


def _new_consultation(world: World, caller: str) -> Request:
    body = {
        "title": "SYNTHETIC 促销活动",
        "description": "SYNTHETIC",
        "kind": "promotion",
        "lon": 114.091,
        "lat": 22.542,
        "community": COMMUNITY,
        "closes_at": (utc_now() + timedelta(days=3)).isoformat(),
    }
    return f"/cities/{CITY}/consultations", {"json": body}, as_caller(world, caller)


def _new_complaint(world: World, caller: str) -> Request:
    voice_place(world)
    body = {"kind": "no_price_tags", "description": "SYNTHETIC: no prices shown"}
    path = f"/cities/{CITY}/places/{VOICE_UID}/complaints"
    return path, {"json": body}, as_caller(world, caller)


AREA = {"params": {"area": FUTIAN}}

RULES: dict[tuple[str, str], Rule] = {
    ("POST", "/cities/{city}/consultations"): Rule(
        _new_consultation, row(401, 403, 403, 403, 201, 403, 201)
    ),
    ("GET", "/cities/{city}/consultations"): Rule(simple(f"/cities/{CITY}/consultations"), ALL),
    ("GET", "/consultations/{consultation_id}"): Rule(_on_consultation(""), ALL),
    ("POST", "/consultations/{consultation_id}/close"): Rule(
        _on_consultation("/close"), row(401, 403, 403, 403, 200, 403, 200)
    ),
    ("PUT", "/consultations/{consultation_id}/stance"): Rule(
        _on_consultation("/stance", json={"stance": "support"}), RESIDENTS_ONLY
    ),
    ("POST", "/consultations/{consultation_id}/comments"): Rule(
        _on_consultation("/comments", json={"text": "SYNTHETIC 支持"}),
        RESIDENTS_ONLY | {"resident": 201},
    ),
    ("POST", "/cities/{city}/feedback"): Rule(
        simple(
            f"/cities/{CITY}/feedback",
            json={"category": "convenience_store", "lon": 114.091, "lat": 22.542},
        ),
        RESIDENTS_ONLY | {"resident": 201},
    ),
    ("GET", "/cities/{city}/feedback/summary"): Rule(
        simple(f"/cities/{CITY}/feedback/summary", **AREA), OFFICIALS_IN_AREA
    ),
    ("GET", "/cities/{city}/feedback/map"): Rule(
        simple(f"/cities/{CITY}/feedback/map", **AREA), OFFICIALS_IN_AREA
    ),
    ("POST", "/cities/{city}/places/{uid}/complaints"): Rule(
        _new_complaint, RESIDENTS_ONLY | {"resident": 201}
    ),
    ("GET", "/cities/{city}/places/{uid}/integrity"): Rule(
        simple(f"/cities/{CITY}/places/osm:node/1/integrity"), ALL
    ),
    ("GET", "/cities/{city}/complaints"): Rule(
        simple(f"/cities/{CITY}/complaints", **AREA), OFFICIALS_IN_AREA
    ),
    ("GET", "/cities/{city}/complaints/summary"): Rule(
        simple(f"/cities/{CITY}/complaints/summary", **AREA), OFFICIALS_IN_AREA
    ),
    ("POST", "/complaints/{complaint_id}/assign"): Rule(
        _on_complaint("assign", assigned=False, json={}), HANDLERS
    ),
    ("POST", "/complaints/{complaint_id}/resolve"): Rule(
        _on_complaint("resolve", assigned=True, json={"reply": "SYNTHETIC 已责令退款"}), HANDLERS
    ),
    ("POST", "/complaints/{complaint_id}/reject"): Rule(
        _on_complaint("reject", assigned=True, json={"reply": "SYNTHETIC 查无实据"}), HANDLERS
    ),
    ("GET", "/users/me/complaints"): Rule(simple("/users/me/complaints"), SIGNED_IN),
}
