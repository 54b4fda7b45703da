"""Joint plans (一点多用) as background jobs, on SQLite and on a real PostgreSQL server.

A plan job with ``joint: true`` computes and stores what ``lifecircle plan --joint``
does (the packaged combinations; no file of the server's can be named); its result and
the stored plan carry the units (what each hosts, whose gaps it closes) and the joint
summary (method, bound, gap, the per-category plans' site count). The app and city are
those of ``tests/api/test_jobs.py`` (the synthetic Futian city, real worker processes).
"""

from __future__ import annotations

import itertools

import pytest

from lifecircle.services.job_runner import JOINT_STEPS, PLAN_STEPS, plan_summary
from lifecircle.services.residents.communities import community_card
from tests.api import jobs_app
from tests.api.jobs_app import API, finished, official, problems, run_cli, same_document, start
from tests.store import conftest as store_conftest

postgres = store_conftest.postgres
empty_engine = store_conftest.empty_engine
engine = store_conftest.engine
city = jobs_app.city
app = jobs_app.app
client = jobs_app.client

CATEGORIES = ["convenience_store", "pharmacy", "laundry", "repair", "housekeeping"]
"""Categories of the packaged combinations (药店+便利店, 社区便民服务点)."""


def test_a_joint_plan_job_equals_the_cli_and_shows_its_units(
    client, city, engine, monkeypatch, capsys
):
    settings, name = city
    body = {"kind": "plan", "parameters": {"categories": CATEGORIES, "joint": True}}
    job = start(client, name, body)
    assert job["parameters"]["joint"] is True
    assert job["parameters"]["units_per_site"] is None
    done = finished(client, job["id"], official(name))
    assert done["status"] == "succeeded", done["error"]
    messages = [s["message"] for s in done["steps"]]
    assert "joint: choosing the units" in messages
    assert len(messages) <= PLAN_STEPS + 2 * len(CATEGORIES) + JOINT_STEPS
    progress = [s["progress"] for s in done["steps"]] + [done["progress"]]
    assert all(a < b for a, b in itertools.pairwise(progress))
    assert done["progress"] == 1.0

    links = client.get(f"{API}/jobs/{done['id']}/result", headers=official(name)).json()
    plan = client.get(links["plan"]["url"], headers=official(name)).json()
    assert plan["plan"]["parameters"]["joint"] is True
    assert plan["plan"]["parameters"]["combinations"] == "packaged"
    assert plan["units"], "the synthetic city has gaps: some unit is planned"
    joint = plan["joint"]
    assert joint["units"] == len(plan["units"])
    assert joint["per_category_sites"] >= joint["units"]  # never more units than apart
    assert any(len(u["hosts"]) >= 2 for u in plan["units"])  # some unit hosts a combination
    for unit in plan["units"]:
        assert set(unit["closes"]) == set(unit["hosts"])
    # the job's result: the units and the comparison, as the stored plan says
    summary = links["summary"]
    assert summary == plan_summary(plan)
    assert summary["sites"] == len(plan["sites"])
    assert [u["id"] for u in summary["units"]] == [u["id"] for u in plan["units"]]
    assert summary["units"][0]["closes"] == plan["units"][0]["closes"]
    assert summary["joint"]["units"] == joint["units"]
    assert summary["joint"]["per_category_sites"] == joint["per_category_sites"]
    assert summary["joint"]["solver"] == joint["solver"]
    assert summary["joint"]["gap"] == joint["gap"]
    assert summary["joint"]["bound"] == joint["bound"]
    # what `lifecircle plan --joint` computes and stores
    by_cli = run_cli(settings, monkeypatch, capsys, "plan", name, "--joint",
                     "--category", ",".join(CATEGORIES))  # fmt: skip
    assert by_cli["plan"]["id"] == plan["plan"]["id"] + 1
    same_document(plan, by_cli, "plan")

    # a community's card (the latest plan, this joint one): the units closing its gaps
    run_cli(settings, monkeypatch, capsys, "assess", name)
    unit = plan["units"][0]
    host = unit["hosts"][0]
    code = unit["closes"][host][0]
    card = community_card(engine=engine, city=name, code=code)
    assert card.plan is not None
    assert card.plan.joint is True
    mine = [s for s in card.plan.sites if s.unit == unit["rank"]]
    assert host in {s.category for s in mine}
    assert all(s.hosts == tuple(unit["hosts"]) and s.id == unit["id"] for s in mine)
    # each entry kept serves this community: the categories it closes here, no other
    closing = {c for c, codes in unit["closes"].items() if code in codes}
    assert {s.category for s in mine} == closing


def test_units_per_site_reaches_the_joint_plan(client, city):
    _, name = city
    body = {
        "kind": "plan",
        "parameters": {"categories": CATEGORIES, "joint": True, "units_per_site": 1},
    }
    done = finished(client, start(client, name, body)["id"], official(name))
    assert done["status"] == "succeeded", done["error"]
    links = client.get(f"{API}/jobs/{done['id']}/result", headers=official(name)).json()
    plan = client.get(links["plan"]["url"], headers=official(name)).json()
    assert plan["plan"]["parameters"]["units_per_site"] == 1
    ids = [u["id"] for u in plan["units"]]
    assert ids
    assert len(ids) == len(set(ids))  # one unit per site at most


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"joint": True, "mode": "max", "k": 2}, "joint"),
        ({"joint": True, "share": 0.5}, "joint"),
        ({"units_per_site": 2}, "units_per_site"),
        ({"joint": False, "units_per_site": 2}, "units_per_site"),
        ({"joint": True, "units_per_site": 0}, "units_per_site"),
        ({"joint": True, "units_per_site": 51}, "units_per_site"),
        ({"joint": True, "units_per_site": 2.5}, "units_per_site"),
        ({"joint": True, "units_per_site": "many"}, "units_per_site"),
        ({"joint": "sometimes"}, "joint"),
        ({"joint": True, "combinations": "/etc/passwd"}, "combinations"),
        ({"joint": True, "combinations": "default"}, "combinations"),
    ],
)
def test_bad_joint_options_answer_422_naming_the_field(client, city, parameters, field):
    _, name = city
    body = {"kind": "plan", "parameters": {"categories": ["laundry"], **parameters}}
    answer = client.post(f"{API}/cities/{name}/jobs", json=body, headers=official(name))
    assert answer.status_code == 422, answer.text
    found = problems(answer)
    assert any(field in where.split(".") for where, _ in found), found
    assert client.get(f"{API}/cities/{name}/jobs", headers=official(name)).json()["count"] == 0


def test_a_plan_summary_without_joint_has_no_units():
    document = {"sites": [{"id": "a"}], "optimal": True, "units": [{"id": "ignored"}]}
    assert plan_summary(document) == {"sites": 1, "optimal": True}
