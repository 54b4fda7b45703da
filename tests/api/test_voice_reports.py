"""Missing-service reports, complaints and the integrity view over HTTP (SQLite, PostgreSQL).

Also the privacy rules of docs/residents.md: officials never see who reported, voted or
complained; deleting an account keeps its stances, comments and complaints anonymised
and removes its reports.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
import shapely
from sqlalchemy import func, select

from lifecircle.services.accounts import delete_account
from lifecircle.services.integrity import report_complaints
from lifecircle.store.audit import changes_of
from lifecircle.store.cities import get_city
from lifecircle.store.complaints import Complaint
from lifecircle.store.consultations import ConsultationComment, ConsultationStance
from lifecircle.store.db import session_scope
from lifecircle.store.feedback import ServiceReport
from lifecircle.store.models import utc_now
from lifecircle.store.prices import add_item
from lifecircle.store.runs import save_assessment
from lifecircle.store.stock import add_batch
from tests.api.rules_voice import VOICE_UID, voice_place
from tests.api.voice_world import (
    API,
    BOXES,
    INSIDE,
    NANTOUCHENG,
    NANYUAN_C,
    SHAPUTOU,
    Voice,
    draw_communities,
)
from tests.api.world import CITY, FUTIAN

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.api.world import Principal, World


@pytest.fixture
def voice(world: World, client: TestClient) -> Voice:
    draw_communities(world)
    return Voice(world, client)


def _report(voice: Voice, who: Principal, category: str, community: str) -> dict:
    lon, lat = INSIDE[community]
    answer = voice.client.post(
        f"{API}/cities/{CITY}/feedback",
        json={"category": category, "lon": lon + 0.001, "lat": lat, "note": "SYNTHETIC"},
        headers=who.headers,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def _assess_with_gaps(world: World) -> None:
    """A newer SYNTHETIC assessment in which 沙埔头 misses breakfast and is weak in pharmacy."""
    records = {
        SHAPUTOU: (8000.0, ["breakfast"], ["pharmacy"], {"breakfast": 0.1, "pharmacy": 0.6}),
        NANYUAN_C: (6000.0, [], [], {"breakfast": 0.9}),
        NANTOUCHENG: (5000.0, ["laundry"], [], {}),
    }
    with session_scope(world.engine) as session:
        save_assessment(
            session,
            city_id=get_city(session, name=CITY).id,
            document={
                "run": {"parameters": {"minutes": 15}},
                "city": {"communities": 3},
                "communities": [
                    {
                        "code": code,
                        "name": f"SYNTHETIC {code}",
                        "population": pop,
                        "missing": missing,
                        "weak": weak,
                        "coverage": coverage,
                    }
                    for code, (pop, missing, weak, coverage) in records.items()
                ],
            },
        )


def test_reports_are_counted_beside_the_computed_gaps(voice: Voice) -> None:
    _assess_with_gaps(voice.world)
    alice, bob = voice.resident(), voice.resident()
    filed = _report(voice, alice, "breakfast", SHAPUTOU)
    assert filed["community_code"] == SHAPUTOU
    _report(voice, alice, "breakfast", SHAPUTOU)  # the same resident again: 2 reports, 1 resident
    _report(voice, bob, "breakfast", SHAPUTOU)
    _report(voice, bob, "laundry", NANYUAN_C)
    _report(voice, bob, "laundry", NANTOUCHENG)  # in 南山区
    summary = voice.client.get(
        f"{API}/cities/{CITY}/feedback/summary",
        params={"area": FUTIAN},
        headers=voice.as_("official_in"),
    )
    assert summary.status_code == 200, summary.text
    cells = {(c["community_code"], c["category"]): c for c in summary.json()["cells"]}
    assert set(cells) == {
        (SHAPUTOU, "breakfast"),
        (SHAPUTOU, "pharmacy"),  # a computed gap nobody reported
        (NANYUAN_C, "laundry"),
    }
    breakfast = cells[(SHAPUTOU, "breakfast")]
    assert (breakfast["reports"], breakfast["residents"]) == (3, 2)
    assert (breakfast["missing"], breakfast["gap"], breakfast["coverage"]) == (True, True, 0.1)
    pharmacy = cells[(SHAPUTOU, "pharmacy")]
    assert (pharmacy["reports"], pharmacy["weak"], pharmacy["gap"]) == (0, True, True)
    laundry = cells[(NANYUAN_C, "laundry")]
    assert (laundry["reports"], laundry["gap"], laundry["coverage"]) == (1, False, None)
    assert summary.json()["reports"] == 4
    # the map: one feature per community, at a point inside its outline, never a report's
    geo = voice.client.get(f"{API}/cities/{CITY}/feedback/map", headers=voice.as_("admin")).json()
    features = {f["properties"]["community_code"]: f for f in geo["features"]}
    assert set(features) == {SHAPUTOU, NANYUAN_C, NANTOUCHENG}
    assert features[SHAPUTOU]["properties"]["categories"] == {"breakfast": 3}
    for code, feature in features.items():
        point = shapely.Point(feature["geometry"]["coordinates"])
        assert shapely.box(*BOXES[code]).contains(point)
        assert point.x != pytest.approx(INSIDE[code][0] + 0.001)
    for text in (summary.text, str(geo)):
        assert alice.account.username not in text
        assert "user_id" not in text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category": "caviar", "lon": 114.09, "lat": 22.54}, "body.category"),
        ({"category": "breakfast", "lon": 114.09, "lat": 95}, "body.lat"),
        ({"category": "breakfast", "lon": 114.09, "lat": 22.54, "crs": "x"}, "body.crs"),
    ],
)
def test_a_bad_report_names_the_field(voice: Voice, body: dict, field: str) -> None:
    answer = voice.client.post(
        f"{API}/cities/{CITY}/feedback", json=body, headers=voice.as_("resident")
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == field


def _complain(
    voice: Voice, who: Principal, uid: str = VOICE_UID, kind: str = "overcharging"
) -> dict:
    answer = voice.client.post(
        f"{API}/cities/{CITY}/places/{uid}/complaints",
        json={"kind": kind, "description": "SYNTHETIC: 标价10元收了12元"},
        headers=who.headers,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def _notices(voice: Voice, who: Principal) -> list[str]:
    found = voice.client.get(f"{API}/users/me/notifications", headers=who.headers).json()
    return [n["title"] for n in found["items"] if n["kind"] == "complaint"]


def test_the_complaint_workflow(voice: Voice) -> None:
    voice_place(voice.world)
    complainant = voice.resident()
    made = _complain(voice, complainant)
    assert (made["status"], made["community_code"]) == ("received", SHAPUTOU)
    cid = made["id"]
    assert _notices(voice, complainant) == ["投诉已受理"]
    officials = voice.client.get(
        f"{API}/cities/{CITY}/complaints",
        params={"area": FUTIAN, "status": "received"},
        headers=voice.as_("official_in"),
    )
    assert [c["id"] for c in officials.json()["items"]] == [cid]
    assert complainant.account.username not in officials.text
    assert "user_id" not in officials.text
    # 南山区's official neither lists nor handles it
    out = voice.client.post(
        f"{API}/complaints/{cid}/assign", json={}, headers=voice.as_("official_out")
    )
    assert out.status_code == 403
    early = voice.client.post(
        f"{API}/complaints/{cid}/resolve", json={"reply": "x"}, headers=voice.as_("official_in")
    )
    assert early.status_code == 409  # assign it first
    bad = voice.client.post(
        f"{API}/complaints/{cid}/assign",
        json={"assignee_id": voice.world.principals["official_out"].account.id},
        headers=voice.as_("official_in"),
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "body.assignee_id"
    assigned = voice.client.post(
        f"{API}/complaints/{cid}/assign", json={}, headers=voice.as_("official_in")
    ).json()
    assert assigned["assignee_id"] == voice.world.principals["official_in"].account.id
    resolved = voice.client.post(
        f"{API}/complaints/{cid}/resolve",
        json={"reply": "SYNTHETIC 已责令退还差价"},
        headers=voice.as_("official_in"),
    ).json()
    assert (resolved["status"], resolved["reply"]) == ("resolved", "SYNTHETIC 已责令退还差价")
    again = voice.client.post(
        f"{API}/complaints/{cid}/reject", json={"reply": "x"}, headers=voice.as_("admin")
    )
    assert again.status_code == 409
    assert _notices(voice, complainant) == ["投诉已办结（成立）", "投诉已分派处理", "投诉已受理"]
    mine = voice.client.get(f"{API}/users/me/complaints", headers=complainant.headers).json()
    assert [(c["id"], c["status"]) for c in mine["items"]] == [(cid, "resolved")]
    other = voice.client.get(f"{API}/users/me/complaints", headers=voice.as_("resident")).json()
    assert cid not in [c["id"] for c in other["items"]]
    # audited: the filing without the complainant, each step with its official
    with session_scope(voice.world.engine) as session:
        log = changes_of(session, entity="complaint", entity_id=cid)
    assert [(c.action, c.actor_id) for c in log] == [
        ("create", None),
        ("assign", voice.world.principals["official_in"].account.id),
        ("resolve", voice.world.principals["official_in"].account.id),
    ]
    assert all(c.community_code == SHAPUTOU and c.place_id == made["place_id"] for c in log)


def test_integrity_view_and_complaints_per_thousand(voice: Voice) -> None:
    place_id = voice_place(voice.world)
    path = f"{API}/cities/{CITY}/places/{VOICE_UID}/integrity"
    clean = voice.client.get(path).json()
    assert (clean["on_platform"], clean["complaints"], clean["publishes_prices"]) == (
        True,
        0,
        False,
    )
    assert (clean["marks"], clean["grade"]) == (1, "B")  # no prices published
    with session_scope(voice.world.engine) as session:
        add_item(
            session, place_id=place_id, name="鸡蛋", spec="斤", category=None, barcode=None,
            price_fen=650, at=utc_now(), by=None,
        )  # fmt: skip
    assert voice.client.get(path).json()["grade"] == "A"
    # two complaints: one upheld, one rejected; and one lapse (a batch that expired in stock)
    upheld, rejected = _complain(voice, voice.resident()), _complain(voice, voice.resident())
    for cid, action in ((upheld["id"], "resolve"), (rejected["id"], "reject")):
        voice.client.post(f"{API}/complaints/{cid}/assign", json={}, headers=voice.as_("admin"))
        voice.client.post(
            f"{API}/complaints/{cid}/{action}",
            json={"reply": "SYNTHETIC"},
            headers=voice.as_("admin"),
        )
    today = utc_now().date()
    with session_scope(voice.world.engine) as session:
        add_batch(
            session,
            at=utc_now() - timedelta(days=10),
            place_id=place_id,
            city_id=get_city(session, name=CITY).id,
            community_code=SHAPUTOU,
            product="SYNTHETIC 牛奶",
            quantity=3,
            expiry_date=today - timedelta(days=5),
            lead_days=2,
            lead_basis="table",
            ladder="dairy",
            warn_from=today - timedelta(days=7),
            expires_at=utc_now() - timedelta(days=4),
        )
    seen = voice.client.get(path).json()
    assert (seen["complaints"], seen["upheld"], seen["lapses"]) == (2, 1, 1)
    assert seen["expired_in_stock"] == 1
    assert (seen["marks"], seen["grade"]) == (2, "B")
    # a place nobody runs on the platform: complaints counted, no grade
    _complain(voice, voice.resident(), uid="osm:node/2", kind="false_advertising")
    free = voice.client.get(f"{API}/cities/{CITY}/places/osm:node/2/integrity").json()
    assert (free["on_platform"], free["complaints"], free["grade"]) == (False, 1, None)
    # per 1,000 residents of the latest assessment (沙埔头: 8,000): osm:node/2 lies in
    # 沙埔头's outline too (not run on the platform, it is filed by its point): 3 complaints
    summary = voice.client.get(
        f"{API}/cities/{CITY}/complaints/summary",
        params={"area": FUTIAN},
        headers=voice.as_("official_in"),
    ).json()
    rows = {c["code"]: c for c in summary["communities"]}
    assert (rows[SHAPUTOU]["complaints"], rows[SHAPUTOU]["upheld"]) == (3, 1)
    assert rows[SHAPUTOU]["per_1000"] == "0.38"  # 0.375, half away from zero
    assert rows[NANYUAN_C]["per_1000"] == "0.00"
    assert NANTOUCHENG not in rows
    assert (summary["complaints"], summary["upheld"]) == (3, 1)
    # the report's section: the same counts against the reported run's populations
    doc = {"communities": [{"code": SHAPUTOU, "name": "沙埔头社区", "population": 8000.0}]}
    section = report_complaints(engine=voice.world.engine, city=CITY, document=doc)
    assert section["total"] == 3
    assert section["rows"] == [
        {"code": SHAPUTOU, "name": "沙埔头社区", "population": 8000.0, "complaints": 3,
         "upheld": 1, "per_1000": "0.38"},
    ]  # fmt: skip


def test_deleting_an_account_keeps_its_voice_anonymised(voice: Voice) -> None:
    voice_place(voice.world)
    lon, lat = INSIDE[SHAPUTOU]
    cid = voice.client.post(
        f"{API}/cities/{CITY}/consultations",
        json={
            "title": "SYNTHETIC",
            "description": "SYNTHETIC",
            "kind": "business_change",
            "lon": lon,
            "lat": lat,
            "closes_at": (utc_now() + timedelta(days=3)).isoformat(),
        },
        headers=voice.as_("admin"),
    ).json()["id"]
    voters = [voice.resident(SHAPUTOU) for _ in range(5)]
    leaving = voters[0]
    for who in voters:
        voice.client.put(
            f"{API}/consultations/{cid}/stance", json={"stance": "support"}, headers=who.headers
        )
    voice.client.post(
        f"{API}/consultations/{cid}/comments", json={"text": "SYNTHETIC"}, headers=leaving.headers
    )
    complaint = _complain(voice, leaving)
    _report(voice, leaving, "breakfast", SHAPUTOU)
    uid = leaving.account.id
    delete_account(engine=voice.world.engine, settings=voice.world.settings, user_id=uid)
    with session_scope(voice.world.engine) as session:

        def count(model: type, *where: object) -> int:
            return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

        assert count(ConsultationStance, ConsultationStance.consultation_id == cid) == 5
        assert count(ConsultationStance, ConsultationStance.user_id == uid) == 0
        assert count(ConsultationComment, ConsultationComment.consultation_id == cid) == 1
        assert count(ConsultationComment, ConsultationComment.user_id == uid) == 0
        assert count(Complaint, Complaint.id == complaint["id"], Complaint.user_id.is_(None)) == 1
        assert count(ServiceReport, ServiceReport.user_id == uid) == 0
    page = voice.client.get(f"{API}/consultations/{cid}").json()
    assert page["tallies"]["total"] == {"support": 5, "oppose": 0, "too_few": False}
    assert page["comments_total"] == 1
    # the complaint goes on without its complainant: handled, nobody notified
    voice.client.post(
        f"{API}/complaints/{complaint['id']}/assign", json={}, headers=voice.as_("admin")
    )
    done = voice.client.post(
        f"{API}/complaints/{complaint['id']}/reject",
        json={"reply": "SYNTHETIC"},
        headers=voice.as_("admin"),
    )
    assert done.status_code == 200
    integrity = voice.client.get(f"{API}/cities/{CITY}/places/{VOICE_UID}/integrity").json()
    assert integrity["complaints"] == 1
