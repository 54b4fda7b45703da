"""A ``--by-hour`` run keeps its hourly curves in the database (SQLite and PostgreSQL).

The document's ``by_hour`` has no column of its own: it is stored inside the run's
``city`` JSON and put back at the top of the document it came from, so the report and
the workbook of a stored run show the hourly chart and sheets.
"""

from __future__ import annotations

from lifecircle.services.hours import TimeOptions, assess_in_time
from lifecircle.store.db import session_scope
from lifecircle.store.runs import BY_HOUR_KEY, get_assessment, save_assessment
from tests.services.test_hours import _city


def test_by_hour_survives_the_round_trip(engine, city_id) -> None:
    document = assess_in_time(_city(), options=TimeOptions(by_hour=True))
    plain = assess_in_time(_city())
    with session_scope(engine) as session:
        timed = save_assessment(session, city_id=city_id, document=document)
        classic = save_assessment(session, city_id=city_id, document=plain)
    with session_scope(engine) as session:
        back = get_assessment(session, city_id=city_id, city="testville", run_id=timed)
        before = get_assessment(session, city_id=city_id, city="testville", run_id=classic)
    assert back["by_hour"] == document["by_hour"]
    assert BY_HOUR_KEY not in back["city"]
    assert back["city"]["served_when_needed"] == document["city"]["served_when_needed"]
    assert (
        back["communities"][0]["served_when_needed"]
        == (document["communities"][0]["served_when_needed"])
    )
    assert "by_hour" not in before
    assert BY_HOUR_KEY not in before["city"]
