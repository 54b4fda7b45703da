"""A by-hour run's communities' curves as rows: the answers of the hourly card unchanged.

On the Helsinki demo (real OSM network, places and buildings, H3 units), assessed by
hour once; the document is stored twice on each database: as runs are stored now (each
community's curves a row of ``assessment_hourly``) and as runs were stored before
migration 0019 (every community's curves inside the run's ``city`` JSON). The city's,
an area's and every community's answers are those worked from the whole document, the
way the route read them before (``rounded`` of the stored curves, ``weighted_curves`` of
the area's), and both runs answer alike; the whole document reads back as it was saved.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import delete, func, select

from lifecircle.errors import NotFoundError
from lifecircle.services.areas import AreaScope
from lifecircle.services.coverage_by_hour import hourly_coverage, rounded, weighted_curves
from lifecircle.services.hours import TimeOptions, assess_in_time
from lifecircle.store.areas import Area
from lifecircle.store.db import session_scope
from lifecircle.store.hourly_rows import AssessmentHourly, hourly_curves
from lifecircle.store.models import AssessmentRun
from lifecircle.store.runs import BY_HOUR_KEY, get_assessment, save_assessment
from tests.services.plan_cases import helsinki_city

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo city's document assessed by hour."""
    data = helsinki_city(tmp_path_factory.mktemp("helsinki"))
    return assess_in_time(data, options=TimeOptions(by_hour=True))


def _as_before_0019(engine: Engine, run_id: int, document: dict[str, Any]) -> None:
    """Store the run as runs were stored before: the communities' curves in the JSON."""
    with session_scope(engine, write=True) as session:
        run = session.get(AssessmentRun, run_id)
        assert run is not None
        run.city = {**run.city, BY_HOUR_KEY: document["by_hour"]}
        session.execute(delete(AssessmentHourly).where(AssessmentHourly.run_id == run_id))


def _answers(engine: Engine, scope: AreaScope, run: int, codes: list[str]) -> dict[str, Any]:
    def plain(found: Any) -> dict[str, Any]:
        return {k: v for k, v in asdict(found).items() if k not in {"run_id", "created_at"}}

    return {
        "city": plain(hourly_coverage(engine=engine, scope=scope, run_id=run)),
        **{
            c: plain(hourly_coverage(engine=engine, scope=scope, run_id=run, community=c))
            for c in codes
        },
    }


def test_answers_are_those_of_the_whole_document(engine: Engine, city_id: int, demo) -> None:
    with session_scope(engine, write=True) as session:
        now = save_assessment(session, city_id=city_id, document=demo)
        before = save_assessment(session, city_id=city_id, document=demo)
    _as_before_0019(engine, before, demo)
    stored = demo["by_hour"]["communities"]
    codes = list(stored)
    assert len(codes) == len(demo["communities"]) > 20
    with session_scope(engine) as session:
        assert session.scalar(
            select(func.count()).select_from(AssessmentHourly).where(AssessmentHourly.run_id == now)
        ) == len(codes)
        run = session.get(AssessmentRun, now)
        assert run is not None
        assert "communities" not in run.city[BY_HOUR_KEY]  # the run row stays small
        assert hourly_curves(session, run_id=now, codes=codes[3:5]) == {
            c: stored[c] for c in codes[3:5]
        }
        assert hourly_curves(session, run_id=now, codes=["nowhere"]) == {}
        whole = get_assessment(session, city_id=city_id, city="testville", run_id=now)
        old = get_assessment(session, city_id=city_id, city="testville", run_id=before)
    assert whole["by_hour"] == old["by_hour"] == demo["by_hour"]
    assert list(whole["by_hour"]["communities"]) == codes  # in the run's order
    city = AreaScope(city="testville", city_id=city_id, area=None)
    answers = _answers(engine, city, now, codes)
    assert answers == _answers(engine, city, before, codes)
    population = {c["code"]: float(c["population"]) for c in demo["communities"]}
    for code in codes:
        assert answers[code]["curves"] == rounded(stored[code])
        assert answers[code]["population"] == round(population[code], 2)
    cats = demo["by_hour"]["categories"]
    assert answers["city"]["curves"] == rounded(demo["by_hour"]["city"])
    # an area: every third community, weighted by residents as before
    inside = codes[::3]
    area = AreaScope(
        city="testville", city_id=city_id, area=Area(code="X", members=frozenset(inside))
    )
    for run_id in (now, before):
        found = hourly_coverage(engine=engine, scope=area, run_id=run_id)
        assert found.curves == weighted_curves(
            [stored[c] for c in inside], [population[c] for c in inside], cats
        )
        assert found.communities == len(inside)
    with pytest.raises(NotFoundError, match="no community"):
        hourly_coverage(engine=engine, scope=city, run_id=now, community="nowhere")


def test_deleting_a_run_deletes_its_rows(engine: Engine, city_id: int, demo) -> None:
    with session_scope(engine, write=True) as session:
        run_id = save_assessment(session, city_id=city_id, document=demo)
    with session_scope(engine, write=True) as session:
        session.execute(delete(AssessmentRun).where(AssessmentRun.id == run_id))
    with session_scope(engine) as session:
        assert hourly_curves(session, run_id=run_id) == {}
