"""Import runs and what ``city info`` reports."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from lifecircle.errors import NotFoundError, ValidationError
from lifecircle.store.communities import replace_population_points, upsert_communities
from lifecircle.store.db import session_scope
from lifecircle.store.imports import (
    finish_import_run,
    latest_import_run,
    list_import_runs,
    start_import_run,
)
from lifecircle.store.models import ImportKind, ImportStatus
from lifecircle.store.places import replace_place_categories, upsert_places
from lifecircle.store.summary import city_summary, places_per_category

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from lifecircle.store.rows import Reject

SHA = "ab" * 32
REJECTS: list[Reject] = [
    {"file": "shops.csv", "line": 3, "column": "lon", "problem": "not a number: 'x'"},
    {"file": "shops.csv", "line": 3, "column": "lat", "problem": "missing"},
    {"file": "shops.csv", "line": 9, "column": "lat", "problem": "missing"},
]


def test_import_run_lifecycle(engine: Engine, city_id: int) -> None:
    with session_scope(engine) as session:
        run = start_import_run(
            session,
            city_id=city_id,
            kind="places",
            source_path="data/shops.csv",
            source_sha256=SHA.upper(),
            file_format="csv",
            options={"skip_bad": True, "crs": "gcj02"},
        )
        assert run.status is ImportStatus.RUNNING
        assert run.finished_at is None
        run_id = run.id
    with session_scope(engine) as session:
        finished = finish_import_run(
            session, run_id=run_id, status="partial", n_rows=10, n_imported=8, rejects=REJECTS
        )
        assert finished.n_rejected == 2  # two rows, three problems
    with session_scope(engine) as session:
        (stored,) = list_import_runs(session, city_id=city_id)
        assert stored.status is ImportStatus.PARTIAL
        assert stored.kind is ImportKind.PLACES
        assert stored.options == {"skip_bad": True, "crs": "gcj02"}
        assert stored.rejects == REJECTS
        assert stored.source_sha256 == SHA
        assert stored.finished_at is not None
        assert stored.finished_at >= stored.started_at
        same = latest_import_run(session, city_id=city_id, kind="places", source_sha256=SHA)
        assert same is not None
        assert same.id == run_id
        assert latest_import_run(session, city_id=city_id, kind="communities") is None


def test_finish_import_run_errors(engine: Engine, city_id: int) -> None:
    with session_scope(engine) as session:
        with pytest.raises(NotFoundError, match="no import run with id 12345"):
            finish_import_run(session, run_id=12345, status="failed", n_rows=0, n_imported=0)
        with pytest.raises(ValidationError, match="running"):
            finish_import_run(session, run_id=1, status="running", n_rows=0, n_imported=0)
        with pytest.raises(ValueError, match="'done'"):
            finish_import_run(session, run_id=1, status="done", n_rows=0, n_imported=0)


def test_rejected_run_survives_the_rolled_back_import(engine: Engine, city_id: int) -> None:
    """The documented pattern: data in one transaction, the run's outcome in another."""
    with session_scope(engine) as session:
        run_id = start_import_run(
            session,
            city_id=city_id,
            kind="places",
            source_path="shops.csv",
            source_sha256=SHA,
            file_format="csv",
        ).id

    def import_with_bad_rows() -> None:
        with session_scope(engine) as session:
            upsert_places(
                session,
                city_id=city_id,
                source="csv",
                rows=[{"source_id": "1", "lon": 114.0, "lat": 22.5}],
                import_run_id=run_id,
            )
            raise ValueError("bad rows")

    with pytest.raises(ValueError, match="bad rows"):
        import_with_bad_rows()
    with session_scope(engine) as session:
        finish_import_run(
            session, run_id=run_id, status="rejected", n_rows=10, n_imported=0, rejects=REJECTS
        )
    with session_scope(engine) as session:
        summary = city_summary(session, name="testville")
    assert summary.n_places == 0
    (run,) = summary.import_runs
    assert (run.status, run.n_rows, run.n_imported, run.n_rejected) == ("rejected", 10, 0, 2)
    assert run.problem_counts() == [("lat", "missing", 2), ("lon", "not a number: 'x'", 1)]


def test_city_summary(engine: Engine, city_id: int) -> None:
    with session_scope(engine) as session:
        run_id = start_import_run(
            session,
            city_id=city_id,
            kind="places",
            source_path="a.osm.pbf",
            source_sha256=SHA,
            file_format="osm.pbf",
        ).id
        osm = upsert_places(
            session,
            city_id=city_id,
            source="osm",
            rows=[{"source_id": f"node/{i}", "lon": 114.0, "lat": 22.5} for i in range(5)],
            import_run_id=run_id,
        ).place_ids
        upsert_places(
            session,
            city_id=city_id,
            source="amap",
            rows=[{"source_id": "B1", "lon": 114.0, "lat": 22.5}],
        )
        replace_place_categories(
            session,
            categories={
                osm["node/0"]: [{"code": "pharmacy"}, {"code": "clinic"}],
                osm["node/1"]: [{"code": "pharmacy"}],
                osm["node/2"]: [{"code": "supermarket"}],
            },
        )
        upsert_communities(
            session,
            city_id=city_id,
            rows=[
                {"code": "s1", "name": "街道", "level": "street", "population": 99999},
                {"code": "c1", "name": "甲", "population": 12000},
                {"code": "c2", "name": "乙", "population": 8000},
                {"code": "c3", "name": "丙"},
            ],
        )
        replace_population_points(
            session,
            city_id=city_id,
            method="buildings",
            rows=[{"lon": 114.0, "lat": 22.5, "population": 10.5}] * 4,
        )
        finish_import_run(session, run_id=run_id, status="succeeded", n_rows=5, n_imported=5)
    with session_scope(engine) as session:
        summary = city_summary(session, name="testville")
        assert places_per_category(session, city_id=city_id) == summary.places_per_category
    assert summary.name == "testville"
    assert summary.n_places == 6
    assert summary.places_per_category == {"clinic": 1, "pharmacy": 2, "supermarket": 1}
    assert summary.uncategorised == 3
    assert summary.places_per_source == {"amap": 1, "osm": 5}
    assert summary.n_communities == 4
    assert summary.communities_per_level == {"community": 3, "street": 1}
    assert summary.community_population == 20000  # streets not double-counted
    assert summary.population_points == {"buildings": (4, 42.0)}
    assert summary.n_mappings == 0
    (run,) = summary.import_runs
    assert (run.kind, run.status, run.n_imported, run.rejects) == ("places", "succeeded", 5, ())


def test_summary_of_unknown_city(engine: Engine, city_id: int) -> None:
    with session_scope(engine) as session, pytest.raises(NotFoundError, match="testville"):
        city_summary(session, name="nowhere")


def test_empty_city_summary(engine: Engine, city_id: int) -> None:
    with session_scope(engine) as session:
        summary = city_summary(session, name="testville")
    assert (summary.n_places, summary.n_communities, summary.community_population) == (0, 0, None)
    assert summary.places_per_category == {}
    assert summary.import_runs == ()
