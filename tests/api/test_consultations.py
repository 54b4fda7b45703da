"""Consultations over HTTP on SQLite and PostgreSQL: publish, stances, tallies, comments.

Tallies are checked against counts made here from who voted what, with the rule of
docs/residents.md: a community row with fewer than 5 stances is "too few", the
suppressed rows are pooled, and the total is hidden when it would give the pool away.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from lifecircle.core.integrity import Tally, tally
from lifecircle.services.consultations import take_stance, tallies_of
from lifecircle.store.consultations import Consultation, ConsultationStance, Stance
from lifecircle.store.db import session_scope
from lifecircle.store.models import utc_now
from tests.api.voice_world import (
    API,
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

    from tests.api.world import World


@pytest.fixture
def voice(world: World, client: TestClient) -> Voice:
    draw_communities(world)
    return Voice(world, client)


def _publish(voice: Voice, who: str = "official_in", **changes: object) -> dict:
    lon, lat = INSIDE[SHAPUTOU]
    body = {
        "title": "SYNTHETIC 沙埔头社区新建菜市场",
        "description": "SYNTHETIC: a wet market at the planned site",
        "kind": "site",
        "lon": lon,
        "lat": lat,
        "closes_at": (utc_now() + timedelta(days=14)).isoformat(),
    } | changes
    answer = voice.client.post(
        f"{API}/cities/{CITY}/consultations", json=body, headers=voice.as_(who)
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_a_consultation_is_filed_under_the_community_of_its_point(voice: Voice) -> None:
    made = _publish(voice)
    assert made["community_code"] == SHAPUTOU
    assert made["community_name"] == "沙埔头社区"
    assert made["status"] == "open"
    assert made["opens_at"].endswith("+08:00")
    listed = voice.client.get(f"{API}/cities/{CITY}/consultations").json()
    assert [c["id"] for c in listed["items"]] == [made["id"]]
    # the official of 南山区 may not publish in 福田区
    lon, lat = INSIDE[SHAPUTOU]
    body = {"title": "x", "description": "y", "kind": "other", "lon": lon, "lat": lat}
    body["closes_at"] = (utc_now() + timedelta(days=1)).isoformat()
    refused = voice.client.post(
        f"{API}/cities/{CITY}/consultations", json=body, headers=voice.as_("official_out")
    )
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["field"] == "body.community"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"closes_at": "2020-01-01T00:00:00+08:00"}, "body.closes_at"),
        ({"closes_at": "2030-01-01T00:00:00"}, "body.closes_at"),
        ({"lon": None, "lat": None}, "body.lon"),
        ({"site_id": "s1"}, "body.site_id"),
        ({"plan_id": 999999}, "body.plan_id"),
        ({"community": "999"}, "body.community"),
        ({"crs": "utm"}, "body.crs"),
    ],
)
def test_a_bad_consultation_names_the_field(voice: Voice, changes: dict, field: str) -> None:
    lon, lat = INSIDE[SHAPUTOU]
    body = {"title": "t", "description": "d", "kind": "site", "lon": lon, "lat": lat}
    body |= {"closes_at": (utc_now() + timedelta(days=1)).isoformat()} | changes
    answer = voice.client.post(
        f"{API}/cities/{CITY}/consultations", json=body, headers=voice.as_("admin")
    )
    assert answer.status_code in {404, 422}, answer.text
    assert answer.json()["errors"][0]["field"] == field


def _stance(voice: Voice, cid: int, headers: dict, stance: str) -> dict:
    answer = voice.client.put(
        f"{API}/consultations/{cid}/stance", json={"stance": stance}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def _tallies(voice: Voice, cid: int) -> dict:
    page = voice.client.get(f"{API}/consultations/{cid}").json()
    return {
        "rows": {r["code"]: (r["support"], r["oppose"]) for r in page["tallies"]["communities"]},
        "suppressed": page["tallies"]["suppressed"],
        "total": page["tallies"]["total"],
    }


def test_tallies_per_home_community_suppress_small_cells(voice: Voice) -> None:
    cid = _publish(voice)["id"]
    shaputou = [voice.resident(SHAPUTOU) for _ in range(6)]
    nanyuan = [voice.resident(NANYUAN_C) for _ in range(2)]
    for i, who in enumerate(shaputou):
        mine = _stance(voice, cid, who.headers, "support" if i < 4 else "oppose")
        assert mine["community_code"] == SHAPUTOU
    for who in nanyuan:
        _stance(voice, cid, who.headers, "oppose")
    seen = _tallies(voice, cid)
    assert seen["rows"] == {SHAPUTOU: (4, 2), NANYUAN_C: (None, None)}
    assert seen["suppressed"] == {"support": None, "oppose": None, "too_few": True}
    # 8 stances in all, but 8 − 6 shown would tell 南园's 2: the total is hidden
    assert seen["total"]["too_few"] is True
    # three residents without a home: "unknown", pooled with 南园 to 5, which is shown
    homeless = [voice.resident() for _ in range(3)]
    for who in homeless:
        assert _stance(voice, cid, who.headers, "support")["community_code"] == "unknown"
    seen = _tallies(voice, cid)
    assert seen["rows"][NANYUAN_C] == (None, None)
    assert seen["rows"]["unknown"] == (None, None)
    assert seen["suppressed"] == {"support": 3, "oppose": 2, "too_few": False}
    assert seen["total"] == {"support": 7, "oppose": 4, "too_few": False}
    # changing one's mind moves the count, it does not add one
    _stance(voice, cid, shaputou[0].headers, "oppose")
    _stance(voice, cid, shaputou[0].headers, "oppose")
    seen = _tallies(voice, cid)
    assert seen["rows"][SHAPUTOU] == (3, 3)
    assert seen["total"] == {"support": 6, "oppose": 5, "too_few": False}
    page = voice.client.get(f"{API}/consultations/{cid}", headers=shaputou[0].headers).json()
    assert page["my_stance"] == "oppose"


def test_the_tally_rule_against_brute_force() -> None:
    # every split of 0-5 support and 0-2 oppose stances over two communities and none
    codes = ("a", "b", None)
    for cells in itertools.product(itertools.product(range(6), range(3)), repeat=3):
        counts = {
            code: {"support": s, "oppose": o}
            for code, (s, o) in zip(codes, cells, strict=True)
            if s + o
        }
        found = tallies_of(counts, {})
        rows = {None if r.code == "unknown" else r.code: r.tally for r in found.communities}
        assert set(rows) == set(counts)
        small = {c for c, n in counts.items() if n["support"] + n["oppose"] < 5}
        for code, cell in rows.items():
            assert cell.too_few == (code in small)
            if not cell.too_few:
                assert (cell.support, cell.oppose) == tuple(counts[code].values())
        pooled = sum(counts[c]["support"] + counts[c]["oppose"] for c in small)
        assert found.suppressed.too_few == (0 < pooled < 5)
        if found.suppressed.too_few:
            assert found.total.too_few  # else total − shown rows would give the pool
        else:
            support = sum(n["support"] for n in counts.values())
            assert found.total.support == support
    assert tally(0, 0) == Tally(0, 0, too_few=False)


def test_comments_are_shown_without_identity(voice: Voice) -> None:
    cid = _publish(voice)["id"]
    author = voice.resident(SHAPUTOU)
    made = voice.client.post(
        f"{API}/consultations/{cid}/comments",
        json={"text": "SYNTHETIC 希望早点建"},
        headers=author.headers,
    )
    assert made.status_code == 201, made.text
    for headers in ({}, voice.as_("official_in"), voice.as_("admin")):
        text = voice.client.get(f"{API}/consultations/{cid}", headers=headers).text
        assert author.account.username not in text
        assert "user_id" not in text
        assert '"mine":false' in text.replace(" ", "")
    mine = voice.client.get(f"{API}/consultations/{cid}", headers=author.headers).json()
    assert mine["comments"][0] == made.json() | {"mine": True}
    assert mine["comments_total"] == 1


def test_upcoming_and_closed_consultations(voice: Voice) -> None:
    later = utc_now() + timedelta(days=3)
    upcoming = _publish(
        voice, opens_at=later.isoformat(), closes_at=(later + timedelta(days=3)).isoformat()
    )
    assert upcoming["status"] == "upcoming"
    cid = upcoming["id"]
    assert voice.client.get(f"{API}/consultations/{cid}").status_code == 404
    assert (
        voice.client.get(
            f"{API}/consultations/{cid}", headers=voice.as_("official_out")
        ).status_code
        == 404
    )
    assert (
        voice.client.get(f"{API}/consultations/{cid}", headers=voice.as_("official_in")).status_code
        == 200
    )
    resident = voice.resident(SHAPUTOU)
    stance = voice.client.put(
        f"{API}/consultations/{cid}/stance", json={"stance": "support"}, headers=resident.headers
    )
    assert stance.status_code == 404
    assert voice.client.get(f"{API}/cities/{CITY}/consultations").json()["total"] == 0
    officials = voice.client.get(
        f"{API}/cities/{CITY}/consultations",
        params={"area": FUTIAN},
        headers=voice.as_("official_in"),
    ).json()
    assert [c["id"] for c in officials["items"]] == [cid]
    refused = voice.client.get(f"{API}/cities/{CITY}/consultations", params={"status": "closed"})
    assert refused.status_code == 403
    # closed: readable by all, no more stances
    with session_scope(voice.world.engine) as session:
        row = session.get(Consultation, cid)
        assert row is not None
        row.opens_at, row.closes_at = utc_now() - timedelta(days=2), utc_now() - timedelta(days=1)
    assert (
        voice.client.get(f"{API}/consultations/{cid}").json()["consultation"]["status"] == "closed"
    )
    late = voice.client.put(
        f"{API}/consultations/{cid}/stance", json={"stance": "support"}, headers=resident.headers
    )
    assert late.status_code == 409
    # the public list narrowed to an area: 南山区 has no open consultation
    nanshan = voice.client.get(f"{API}/cities/{CITY}/consultations", params={"area": "440305"})
    assert nanshan.json()["total"] == 0
    _publish(voice, who="admin", lon=INSIDE[NANTOUCHENG][0], lat=INSIDE[NANTOUCHENG][1])
    nanshan = voice.client.get(f"{API}/cities/{CITY}/consultations", params={"area": "440305"})
    assert nanshan.json()["total"] == 1


def test_racing_stances_of_one_account_leave_one_row(voice: Voice) -> None:
    cid = _publish(voice)["id"]
    who = voice.resident(SHAPUTOU)
    stances = [Stance.SUPPORT, Stance.OPPOSE] * 8

    def vote(stance: Stance) -> str:
        return take_stance(
            engine=voice.world.engine, account=who.account, consultation_id=cid, stance=stance
        ).stance

    with ThreadPoolExecutor(max_workers=8) as pool:
        done = list(pool.map(vote, stances))
    assert sorted(done) == sorted(s.value for s in stances)
    with session_scope(voice.world.engine) as session:
        rows = session.scalars(
            select(ConsultationStance).where(ConsultationStance.consultation_id == cid)
        ).all()
    assert len(rows) == 1
    assert rows[0].stance in {"support", "oppose"}


def test_its_officials_close_an_open_consultation_early(voice: Voice) -> None:
    cid = _publish(voice)["id"]
    resident = voice.resident(SHAPUTOU)
    took = voice.client.put(
        f"{API}/consultations/{cid}/stance", json={"stance": "oppose"}, headers=resident.headers
    )
    assert took.status_code == 200, took.text
    url = f"{API}/consultations/{cid}/close"
    assert voice.client.post(url, headers=voice.as_("official_out")).status_code == 403
    assert voice.client.post(url, headers=resident.headers).status_code == 403
    closed = voice.client.post(url, headers=voice.as_("official_in"))
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    assert closed.json()["closes_at"].endswith("+08:00")
    page = voice.client.get(f"{API}/consultations/{cid}").json()
    assert page["consultation"]["status"] == "closed"
    assert page["tallies"]["total"]["too_few"] is True  # kept, one stance: a small cell
    late = voice.client.put(
        f"{API}/consultations/{cid}/stance", json={"stance": "support"}, headers=resident.headers
    )
    assert late.status_code == 409
    again = voice.client.post(url, headers=voice.as_("official_in"))
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "consultation_id"
    # one not open yet cannot be closed (it is withdrawn by never opening: not a close)
    later = utc_now() + timedelta(days=3)
    upcoming = _publish(
        voice, opens_at=later.isoformat(), closes_at=(later + timedelta(days=3)).isoformat()
    )["id"]
    early = voice.client.post(f"{API}/consultations/{upcoming}/close", headers=voice.as_("admin"))
    assert early.status_code == 409
    assert "upcoming" in early.json()["detail"]
