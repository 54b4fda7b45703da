"""Satisfaction surveys over HTTP, on SQLite and PostgreSQL (the API world, SYNTHETIC answers).

Officials make surveys within their area, residents answer once (whatever the
concurrency), results show no figure for fewer than five answers, and a deleted
account leaves its answer anonymised.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from lifecircle.core.surveys import wilson_interval
from lifecircle.errors import ConflictError
from lifecircle.services.surveys import Scope, SurveySpec, answer_survey, create_survey
from lifecircle.store.cities import get_city
from lifecircle.store.communities import upsert_communities
from lifecircle.store.db import session_scope
from lifecircle.store.models import User
from lifecircle.store.surveys import SurveyAnswer
from tests.api.world import CITY

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.api.world import Principal, World

SHAPUTOU, NANYUAN_C, NANTOUCHENG = "440304001019", "440304001020", "440305001001"


def _times(**shift: float) -> dict[str, str]:
    now = datetime.now(UTC)
    return {
        "opens_at": (now - timedelta(hours=1)).isoformat(),
        "closes_at": (now + timedelta(days=7, **shift)).isoformat(),
    }


def _survey(client: TestClient, who: Principal, **body: Any) -> dict[str, Any]:
    answer = client.post(
        f"/api/v1/cities/{CITY}/surveys", json={**_times(), **body}, headers=who.headers
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _resident(world: World) -> Principal:
    return world.add_principal("resident", "resident", None, None)


def _answer(client: TestClient, who: Principal, survey: int, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/surveys/{survey}/answers", json=body, headers=who.headers)


def test_template_survey_answered_and_counted(client: TestClient, world: World) -> None:
    official = world.principals["official_in"]
    templates = client.get("/api/v1/survey-templates").json()
    (sat,) = templates
    assert sat["questions"][0]["text"].startswith("您对本社区一刻钟便民生活圈的总体满意度")
    assert [q["satisfaction"] for q in sat["questions"]] == [True, False, False, False]
    survey = _survey(
        client,
        official,
        template="satisfaction",
        scope="communities",
        communities=[SHAPUTOU, NANYUAN_C],
        questions=[{"text": "您家里有几口人?", "kind": "single", "options": ["1", "2", "3+"]}],
    )
    assert survey["title"] == "一刻钟便民生活圈居民满意度调查"
    assert [q["key"] for q in survey["questions"]][-1] == "q1"
    assert (survey["status"], survey["area_code"], survey["answers"]) == ("open", "440304", 0)

    # residents see it, answer once, for a community it covers
    scores = [5, 4, 4, 2, 5, 3]
    residents = [_resident(world) for _ in scores]
    listed = client.get(f"/api/v1/cities/{CITY}/surveys", headers=residents[0].headers).json()
    assert [s["id"] for s in listed] == [survey["id"]]
    assert listed[0]["answered"] is False
    for who, score in zip(residents, scores, strict=True):
        body = {
            "answers": {"satisfaction": score, "q1": "2", "comments": f"SYNTHETIC 意见 {score}"},
            "community": SHAPUTOU,
        }
        done = _answer(client, who, survey["id"], body)
        assert done.status_code == 201, done.text
        assert done.json()["community_code"] == SHAPUTOU
    again = _answer(
        client,
        residents[0],
        survey["id"],
        {"answers": {"satisfaction": 1, "q1": "1"}, "community": SHAPUTOU},
    )
    assert again.status_code == 409
    listed = client.get(f"/api/v1/cities/{CITY}/surveys", headers=residents[0].headers).json()
    assert listed[0]["answered"] is True

    # one answer in 南园社区: too few there, never a figure
    _answer(
        client,
        _resident(world),
        survey["id"],
        {"answers": {"satisfaction": 5, "q1": "1"}, "community": NANYUAN_C},
    )
    results = client.get(f"/api/v1/surveys/{survey['id']}/results", headers=official.headers)
    assert results.status_code == 200, results.text
    r = results.json()
    cells = {c["code"]: c for c in r["communities"]}
    sha = cells[SHAPUTOU]["satisfaction"]
    low, high = wilson_interval(4, 6)
    assert sha == {
        "n": 6,
        "too_few": False,
        "satisfied": 4,
        "share": round(4 / 6, 4),
        "low": round(low, 4),
        "high": round(high, 4),
    }
    nan = cells[NANYUAN_C]["satisfaction"]
    assert nan == {
        "n": 1,
        "too_few": True,
        "satisfied": None,
        "share": None,
        "low": None,
        "high": None,
    }
    assert all(q["counts"] is None for q in cells[NANYUAN_C]["questions"])
    assert r["overall"]["n"] == 7
    assert r["overall"]["satisfied"] == 5
    by_key = {q["key"]: q for q in r["questions"]}
    assert by_key["satisfaction"]["counts"] == {"1": 0, "2": 1, "3": 1, "4": 2, "5": 3}
    assert by_key["comments"]["texts"] == sorted(f"SYNTHETIC 意见 {s}" for s in scores)
    assert by_key["walk_minutes"]["too_few"]  # nobody answered the optional one
    # the same narrowed to 南园社区: one answer, no figure and no text at all
    narrow = client.get(
        f"/api/v1/surveys/{survey['id']}/results?area={NANYUAN_C}", headers=official.headers
    ).json()
    assert narrow["overall"]["too_few"]
    assert all(q["counts"] is None and q["texts"] is None for q in narrow["questions"])
    # nothing in the results names an account
    names = {p.account.username for p in residents}
    assert not any(n in results.text for n in names)
    assert "respondent" not in results.text


def test_answers_are_validated_naming_the_question(client: TestClient, world: World) -> None:
    survey = _survey(
        client,
        world.principals["official_in"],
        template="satisfaction",
        scope="communities",
        communities=[SHAPUTOU],
    )
    who = _resident(world)
    bad = _answer(
        client,
        who,
        survey["id"],
        {
            "answers": {"satisfaction": 7, "wanted": ["早餐店", "飞机场"], "nope": "x"},
            "community": SHAPUTOU,
        },
    )
    assert bad.status_code == 422
    detail = bad.json()["detail"]
    assert "question satisfaction: expected a whole number from 1 to 5" in detail
    assert "question wanted: not an option: 飞机场" in detail
    assert "question nope: no such question" in detail
    text = _answer(
        client, who, survey["id"], {"answers": {"satisfaction": "5"}, "community": SHAPUTOU}
    )
    assert text.status_code == 422
    assert "question satisfaction" in text.json()["detail"]
    outside = _answer(
        client, who, survey["id"], {"answers": {"satisfaction": 5}, "community": NANTOUCHENG}
    )
    assert outside.status_code == 422
    assert outside.json()["errors"][0]["field"] == "body.community"
    homeless = _answer(client, who, survey["id"], {"answers": {"satisfaction": 5}})
    assert homeless.status_code == 422
    assert "home" in homeless.json()["detail"]
    merchant = _answer(
        client, world.principals["merchant"], survey["id"], {"answers": {"satisfaction": 5}}
    )
    assert merchant.status_code == 403


def test_officials_of_another_area_are_refused(client: TestClient, world: World) -> None:
    inside, outside = world.principals["official_in"], world.principals["official_out"]
    survey = _survey(
        client, inside, template="satisfaction", scope="communities", communities=[SHAPUTOU]
    )
    sid = survey["id"]
    for method, path, kwargs in (
        ("GET", f"/api/v1/surveys/{sid}/results", {}),
        ("GET", f"/api/v1/surveys/{sid}", {}),
        ("PATCH", f"/api/v1/surveys/{sid}", {"json": {"close": True}}),
    ):
        answer = client.request(method, path, headers=outside.headers, **kwargs)
        assert answer.status_code == 403, (method, path, answer.text)
    # neither may they survey 福田区's communities, nor an area official the whole city
    body = {
        **_times(),
        "template": "satisfaction",
        "scope": "communities",
        "communities": [SHAPUTOU],
    }
    made = client.post(f"/api/v1/cities/{CITY}/surveys", json=body, headers=outside.headers)
    assert made.status_code == 403
    assert SHAPUTOU in made.json()["detail"]
    whole = client.post(
        f"/api/v1/cities/{CITY}/surveys",
        json={**_times(), "template": "satisfaction"},
        headers=inside.headers,
    )
    assert whole.status_code == 403
    assert not any(
        s["id"] == sid
        for s in client.get(f"/api/v1/cities/{CITY}/surveys", headers=outside.headers).json()
    )
    # the admin's city-wide survey: each area official sees their own part of it only
    admin = world.principals["admin"]
    city = _survey(client, admin, template="satisfaction")
    for code in (SHAPUTOU, NANTOUCHENG):
        for _ in range(5):
            assert (
                _answer(
                    client,
                    _resident(world),
                    city["id"],
                    {"answers": {"satisfaction": 4}, "community": code},
                ).status_code
                == 201
            )
    mine = client.get(f"/api/v1/surveys/{city['id']}/results", headers=outside.headers).json()
    assert [c["code"] for c in mine["communities"]] == [NANTOUCHENG]
    assert mine["overall"]["n"] == 5
    assert (
        client.get(f"/api/v1/surveys/{city['id']}/results", headers=admin.headers).json()[
            "overall"
        ]["n"]
        == 10
    )
    asked = client.get(f"/api/v1/surveys/{city['id']}/results?area=440304", headers=outside.headers)
    assert asked.status_code == 403
    # closing: the officials of the area; a closed survey takes no answers and no changes
    closed = client.patch(f"/api/v1/surveys/{sid}", json={"close": True}, headers=inside.headers)
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    late = _answer(
        client, _resident(world), sid, {"answers": {"satisfaction": 5}, "community": SHAPUTOU}
    )
    assert late.status_code == 409
    assert (
        client.patch(
            f"/api/v1/surveys/{sid}", json={"title": "x"}, headers=inside.headers
        ).status_code
        == 409
    )


def test_a_survey_of_pilots_covers_their_communities(client: TestClient, world: World) -> None:
    # 巴登社区 (南园街道, 福田区) is pilot 1 of the plan; its code here is SYNTHETIC
    with session_scope(world.engine) as session:
        upsert_communities(
            session,
            city_id=get_city(session, name=CITY).id,
            rows=[
                {
                    "code": "440304001099",
                    "name": "巴登社区",
                    "level": "community",
                    "parent_code": "440304001",
                    "street": "南园街道",
                    "district": "福田区",
                }
            ],
        )
    official = world.principals["official_in"]
    survey = _survey(client, official, template="satisfaction", scope="pilots", pilots=[1])
    assert survey["communities"] == ["440304001099"]
    assert survey["pilots"] == [{"seq": 1, "community_code": "440304001099"}]
    unknown = client.post(
        f"/api/v1/cities/{CITY}/surveys",
        json={**_times(), "template": "satisfaction", "scope": "pilots", "pilots": [2, 99]},
        headers=official.headers,
    )
    assert unknown.status_code == 422
    assert "99" in unknown.json()["detail"]
    for score in (5, 5, 4, 3, 5):
        _answer(
            client,
            _resident(world),
            survey["id"],
            {"answers": {"satisfaction": score}, "community": "440304001099"},
        )
    r = client.get(f"/api/v1/surveys/{survey['id']}/results", headers=official.headers).json()
    (pilot,) = r["pilots"]
    assert (pilot["seq"], pilot["name"], pilot["satisfaction"]["share"]) == (1, "巴登社区", 0.8)
    assert r["pilots_overall"]["n"] == 5


def test_answers_once_whatever_the_concurrency(world: World) -> None:
    client_survey = world.principals["admin"]
    now = datetime.now(UTC)
    view = create_survey(
        engine=world.engine,
        account=client_survey.account,
        city=CITY,
        spec=SurveySpec(
            title=None,
            scope=Scope.CITY,
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=1),
            template="satisfaction",
        ),
    )
    who = _resident(world)
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def one() -> None:
        barrier.wait()
        try:
            answer_survey(
                engine=world.engine,
                account=who.account,
                survey_id=view.survey.id,
                answers={"satisfaction": 5},
                community=SHAPUTOU,
            )
            outcomes.append("stored")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 7 + ["stored"]
    with session_scope(world.engine) as session:
        rows = session.scalars(
            select(SurveyAnswer).where(SurveyAnswer.survey_id == view.survey.id)
        ).all()
    assert len(rows) == 1


def test_deleting_an_account_keeps_its_answer_anonymised(client: TestClient, world: World) -> None:
    """PIPL: the account and its personal data go; the answer stays, without its respondent."""
    admin = world.principals["admin"]
    survey = _survey(client, admin, template="satisfaction")
    who = _resident(world)
    others = [_resident(world) for _ in range(4)]
    for p in (who, *others):
        assert (
            _answer(
                client,
                p,
                survey["id"],
                {"answers": {"satisfaction": 5, "comments": "SYNTHETIC"}, "community": SHAPUTOU},
            ).status_code
            == 201
        )
    gone = client.delete("/api/v1/users/me", headers=who.headers)
    assert gone.status_code == 204
    assert client.get(f"/api/v1/users/{who.account.id}", headers=admin.headers).status_code == 404
    with session_scope(world.engine) as session:
        assert session.get(User, who.account.id) is None
        rows = session.scalars(
            select(SurveyAnswer).where(SurveyAnswer.survey_id == survey["id"])
        ).all()
        assert len(rows) == 5
        respondents = {r.respondent_id for r in rows}
    assert None in respondents
    assert who.account.id not in respondents
    r = client.get(f"/api/v1/surveys/{survey['id']}/results", headers=admin.headers).json()
    assert (r["overall"]["n"], r["overall"]["share"]) == (5, 1.0)


@pytest.mark.parametrize(
    "body",
    [
        {"template": "satisfaction", "opens_at": "2026-01-01T00:00:00"},  # no zone
        {"template": "satisfaction", "scope": "communities", "communities": ["999"]},
        {"questions": [{"text": "x", "kind": "single", "options": ["a"]}], "title": "t"},
        {"questions": [{"text": "x", "kind": "scale5"}]},  # no title, no template
        {"template": "satisfaction", "closes_at": "2001-01-01T00:00:00+08:00"},
    ],
)
def test_bad_surveys_are_422(client: TestClient, world: World, body: dict[str, Any]) -> None:
    answer = client.post(
        f"/api/v1/cities/{CITY}/surveys",
        json={**_times(), **body},
        headers=world.principals["admin"].headers,
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"]


def test_a_scheduled_survey_is_opened_early(client: TestClient, world: World) -> None:
    admin = world.principals["admin"]
    later = datetime.now(UTC) + timedelta(days=2)
    made = _survey(
        client,
        admin,
        template="satisfaction",
        opens_at=later.isoformat(),
        closes_at=(later + timedelta(days=7)).isoformat(),
    )
    assert made["status"] == "scheduled"
    sid = made["id"]
    early = _answer(
        client, _resident(world), sid, {"answers": {"satisfaction": 5}, "community": SHAPUTOU}
    )
    assert early.status_code in {404, 409}  # not open yet
    both = client.patch(
        f"/api/v1/surveys/{sid}", json={"open": True, "close": True}, headers=admin.headers
    )
    assert both.status_code == 422
    assert both.json()["errors"][0]["field"] == "body.open"
    opened = client.patch(f"/api/v1/surveys/{sid}", json={"open": True}, headers=admin.headers)
    assert opened.status_code == 200, opened.text
    assert opened.json()["status"] == "open"
    took = _answer(
        client, _resident(world), sid, {"answers": {"satisfaction": 5}, "community": SHAPUTOU}
    )
    assert took.status_code == 201, took.text
    again = client.patch(f"/api/v1/surveys/{sid}", json={"open": True}, headers=admin.headers)
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "body.open"
