"""Cities: create, find, list, network path, delete with everything in them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from lifecircle.errors import NotFoundError, ValidationError
from lifecircle.store.cities import (
    create_city,
    delete_city,
    get_city,
    list_cities,
    set_network_path,
)
from lifecircle.store.communities import upsert_communities
from lifecircle.store.db import session_scope
from lifecircle.store.imports import start_import_run
from lifecircle.store.models import ImportRun, Place, PlaceCategory, PlaceSource
from lifecircle.store.places import replace_place_categories, upsert_places

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def test_create_get_list(engine: Engine) -> None:
    with session_scope(engine) as session:
        created = create_city(session, name=" 深圳 ", network_path="data/sz.lcnet")
        create_city(session, name="helsinki", taxonomy="mofcom")
    assert created.id is not None
    assert created.created_at.utcoffset() is not None  # timezone-aware on both databases
    with session_scope(engine) as session:
        city = get_city(session, name="深圳")
        assert city.name == "深圳"
        assert city.taxonomy == "shenzhen"
        assert city.network_path == "data/sz.lcnet"
        assert city.created_at == created.created_at
        assert [c.name for c in list_cities(session)] == ["helsinki", "深圳"]


def test_names_are_unique_and_not_empty(engine: Engine) -> None:
    with session_scope(engine) as session:
        create_city(session, name="a")
        with pytest.raises(ValidationError, match="already exists"):
            create_city(session, name="a ")
        with pytest.raises(ValidationError, match="empty"):
            create_city(session, name="  ")


def test_not_found_lists_known_cities(engine: Engine) -> None:
    with session_scope(engine) as session:
        with pytest.raises(NotFoundError, match="no city named 'x'; known cities: none yet"):
            get_city(session, name="x")
        create_city(session, name="深圳")
        create_city(session, name="广州")
        with pytest.raises(NotFoundError) as caught:
            get_city(session, name="shenzhen")
    assert str(caught.value) == "no city named 'shenzhen'; known cities: 广州, 深圳"


def test_set_network_path(engine: Engine, city_id: int) -> None:
    with session_scope(engine) as session:
        set_network_path(session, name="testville", network_path="/data/t.lcnet")
    with session_scope(engine) as session:
        assert get_city(session, name="testville").network_path == "/data/t.lcnet"


def test_delete_city_cascades_to_every_table(engine: Engine, city_id: int) -> None:
    with session_scope(engine) as session:
        other = create_city(session, name="other").id
        for cid in (city_id, other):
            run = start_import_run(
                session,
                city_id=cid,
                kind="places",
                source_path="p.csv",
                source_sha256="0" * 64,
                file_format="csv",
            )
            result = upsert_places(
                session,
                city_id=cid,
                source="csv",
                rows=[{"source_id": "1", "lon": 114.0, "lat": 22.5}],
                import_run_id=run.id,
            )
            replace_place_categories(
                session, categories={result.place_ids["1"]: [{"code": "pharmacy"}]}
            )
            upsert_communities(session, city_id=cid, rows=[{"code": "c1", "name": "一"}])
    with session_scope(engine) as session:
        delete_city(session, name="testville")
    with session_scope(engine) as session:
        assert [c.name for c in list_cities(session)] == ["other"]
        for model in (Place, PlaceSource, PlaceCategory, ImportRun):
            assert session.scalar(select(func.count()).select_from(model)) == 1
        with pytest.raises(NotFoundError):
            delete_city(session, name="testville")
