"""``lifecircle shops``: the operator lists, approves and rejects shop applications."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from lifecircle.cli.main import ExitStatus, main
from lifecircle.services import shops
from lifecircle.store.audit import changes_of
from lifecircle.store.db import session_scope
from tests.services.shops_world import CITY, IN_FUTIAN, build_shop_world
from tests.store import conftest as store_conftest

if TYPE_CHECKING:
    from pathlib import Path

    import pytest
    from sqlalchemy.engine import Engine

postgres = store_conftest.postgres
empty_engine = store_conftest.empty_engine
engine = store_conftest.engine


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> object:
    capsys.readouterr()
    assert main([*args, "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_operator_decides(
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LIFECIRCLE_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("LIFECIRCLE_DATA_DIR", str(tmp_path / "data"))
    world = build_shop_world(engine)
    merchant = world.accounts["merchant"]
    shop = shops.NewShop(
        name="SYNTHETIC 新店", categories=["laundry"], lon=IN_FUTIAN[0], lat=IN_FUTIAN[1]
    )
    first = shops.apply_for_shop(engine=engine, account=merchant, city=CITY, shop=shop)
    second = shops.claim_place(engine=engine, account=merchant, city=CITY, uid="osm:node/1")
    listed = _json(capsys, "shops", "pending", "--city", CITY)
    assert [a["id"] for a in listed] == [second.id, first.id]
    approved = _json(capsys, "shops", "approve", str(first.id))
    assert approved["status"] == "approved"
    rejected = _json(capsys, "shops", "reject", str(second.id), "--reason", "SYNTHETIC 重复")
    assert (rejected["status"], rejected["reason"]) == ("rejected", "SYNTHETIC 重复")
    assert _json(capsys, "shops", "pending", "--city", CITY) == []
    capsys.readouterr()
    assert main(["shops", "approve", str(first.id)]) == ExitStatus.INVALID  # decided already
    with session_scope(engine) as session:
        roles = {
            c.actor_role for c in changes_of(session, entity="shop_application", entity_id=first.id)
        }
    assert roles == {"merchant", "system"}
    assert main(["shops", "approve", "999999"]) == ExitStatus.NOT_FOUND
