"""``GET /web-config`` and the tile settings behind it (``LIFECIRCLE_TILE_*``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from lifecircle.api.app import create_app
from lifecircle.config import Settings, tile_url_problem
from tests.api.conftest import api_settings

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Engine

AMAP = "https://webrd0{s}.is.autonavi.com/appmaptile?style=8&x={x}&y={y}&z={z}"


def test_no_tiles_by_default(client: TestClient) -> None:
    answer = client.get("/api/v1/web-config")
    assert answer.status_code == 200
    assert answer.json() == {"tiles": None}
    assert answer.headers["Cache-Control"] == "public, max-age=300"


def test_configured_tiles_are_served(engine: Engine, tmp_path: Path) -> None:
    settings = api_settings(
        engine, tmp_path, tile_url=f" {AMAP} ", tile_crs="GCJ02", tile_attribution="© 高德地图"
    )
    with TestClient(create_app(settings)) as client:
        answer = client.get("/api/v1/web-config")
    assert answer.status_code == 200
    assert answer.json() == {"tiles": {"url": AMAP, "crs": "gcj02", "attribution": "© 高德地图"}}
    assert "secret" not in answer.text.lower()


def test_tile_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIFECIRCLE_TILE_URL", "http://127.0.0.1:8080/{z}/{x}/{y}.png")
    monkeypatch.setenv("LIFECIRCLE_TILE_ATTRIBUTION", "© local")
    settings = Settings()
    assert settings.tile_url == "http://127.0.0.1:8080/{z}/{x}/{y}.png"
    assert settings.tile_crs == "wgs84"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://tiles.example.cn/{z}/{x}/{y}.png", "http(s)://host"),
        ("tiles.example.cn/{z}/{x}/{y}.png", "http(s)://host"),
        ("https://tiles.example.cn/{z}/{x}.png", "lacks {y}"),
        ("https://tiles.example.cn/tile.png", "lacks {z}, {x}, {y}"),
        ("https://tiles example.cn/{z}/{x}/{y}.png", "http(s)://host"),
        ("javascript:alert(1)//{z}/{x}/{y}", "http(s)://host"),
    ],
    ids=["ftp", "no-scheme", "no-y", "no-placeholders", "space", "javascript"],
)
def test_bad_tile_urls_are_refused(url: str, problem: str) -> None:
    assert problem in (tile_url_problem(url) or "")
    with pytest.raises(ValidationError, match="LIFECIRCLE_TILE_URL") as raised:
        Settings(tile_url=url, tile_attribution="© x")
    assert problem in str(raised.value)


def test_attribution_is_required_with_a_url() -> None:
    with pytest.raises(ValidationError, match="LIFECIRCLE_TILE_ATTRIBUTION is required"):
        Settings(tile_url="https://t.example.cn/{z}/{x}/{y}.png", tile_attribution="  ")
    assert Settings(tile_attribution="© only credit").tile_url == ""  # harmless alone


def test_unknown_crs_is_refused() -> None:
    with pytest.raises(ValidationError, match="tile_crs"):
        Settings(tile_crs="bd09")
    assert tile_url_problem("https://a.example.cn/{z}/{x}/{y}.png") is None
