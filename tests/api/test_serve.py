"""``lifecircle serve`` for real: a subprocess with two workers on a free port, the demo
accounts on the real Helsinki places, one login over HTTP, then stopped."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

import lifecircle
from lifecircle.cli.main import ExitStatus, main
from lifecircle.config import Settings
from lifecircle.services.city.cities import create_city, open_engine
from lifecircle.services.city.places import import_places
from lifecircle.services.demo import DEMO_ACCOUNTS, create_demo_accounts
from lifecircle.services.ownership import my_places
from lifecircle.store.accounts import find_user
from lifecircle.store.db import session_scope
from tests.conftest import HELSINKI_PBF, require
from tests.pg import free_port

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

SOURCE = Path(lifecircle.__file__).resolve().parents[1]
START_TIMEOUT_S = 90


@pytest.fixture
def helsinki(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Settings, Engine]:
    """A SQLite database in ``tmp_path`` with the demo city's real OSM places."""
    for name in ("DATABASE_URL", "ENVIRONMENT", "SECRET_KEY", "DEBUG", "CORS_ORIGINS"):
        monkeypatch.delenv(f"LIFECIRCLE_{name}", raising=False)
    settings = Settings(data_dir=tmp_path / "data")
    engine = open_engine(settings)
    create_city(engine=engine, name="helsinki")
    pbf = require(HELSINKI_PBF)
    import_places(engine=engine, settings=settings, name="helsinki", path=pbf, file_format="osm")
    return settings, engine


def test_demo_accounts_own_a_real_shop_and_are_replaced(
    helsinki: tuple[Settings, Engine],
) -> None:
    _, engine = helsinki
    try:
        first = create_demo_accounts(engine=engine, city="helsinki")
        assert [a.username for a in first] == [name for name, _, _ in DEMO_ACCOUNTS]
        merchant = next(a for a in first if a.role == "merchant")
        assert merchant.place is not None
        with session_scope(engine) as session:
            user = find_user(session, username="demo-merchant")
            assert user is not None
            merchant_id = user.id
        (shop,) = my_places(engine=engine, user_id=merchant_id)
        assert shop.uid.startswith("Helsinki:n")  # the OSM extract's source name and node id
        assert shop.name
        assert "convenience_store" in shop.categories
        again = create_demo_accounts(engine=engine, city="helsinki")
        assert {a.password for a in again}.isdisjoint({a.password for a in first})
        assert len({a.password for a in again}) == 3
    finally:
        engine.dispose()


def test_serve_refuses_unsafe_production_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LIFECIRCLE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LIFECIRCLE_ENVIRONMENT", "production")
    monkeypatch.delenv("LIFECIRCLE_SECRET_KEY", raising=False)
    assert main(["serve", "--port", str(free_port())]) == ExitStatus.INVALID
    assert "LIFECIRCLE_SECRET_KEY" in capsys.readouterr().err
    assert not (tmp_path / "lifecircle.db").exists()  # refused before touching anything


def _wait_for_health(url: str, process: subprocess.Popen[bytes], log: Path) -> httpx.Response:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.3)
    pytest.fail(f"serve did not answer within {START_TIMEOUT_S} s:\n{log.read_text()}")


def test_serve_for_real(helsinki: tuple[Settings, Engine], tmp_path: Path) -> None:
    settings, engine = helsinki
    engine.dispose()
    port = free_port()
    env = os.environ | {
        "LIFECIRCLE_DATA_DIR": str(settings.data_dir),
        "PYTHONPATH": os.pathsep.join([str(SOURCE), os.environ.get("PYTHONPATH", "")]),
    }
    log = tmp_path / "serve.log"
    command = [sys.executable, "-m", "lifecircle", "serve", "--port", str(port), "--workers", "2"]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*command, "--demo"], stdout=sink, stderr=subprocess.STDOUT, env=env
        )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        health = _wait_for_health(f"{base}/health", process, log)
        assert health.status_code == 200
        assert health.json()["status"] == "ok"
        printed = log.read_text()
        found = re.search(r"demo-merchant\s+merchant\s+(\S+)\s+owns (.+) \(Helsinki:n", printed)
        assert found, printed
        token = httpx.post(
            f"{base}/auth/login",
            data={"username": "demo-merchant", "password": found.group(1)},
            timeout=10,
        ).json()["access_token"]
        places = httpx.get(
            f"{base}/users/me/places", headers={"Authorization": f"Bearer {token}"}, timeout=10
        ).json()
        assert [p["name"] for p in places] == [found.group(2)]
        assert "INFO" in printed
        assert "GET /api/v1/health" not in printed  # no access log by default (PIPL)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            status = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            pytest.fail(f"serve did not stop on SIGINT:\n{log.read_text()}")
    assert status == 0, log.read_text()
