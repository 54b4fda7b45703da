"""The web application served by the API process: ``/``, deep links, assets, and unbuilt."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi.testclient import TestClient

from lifecircle.api.app import create_app
from lifecircle.api.web import WEB_DIST, web_folder
from lifecircle.config import Settings

if TYPE_CHECKING:
    from pathlib import Path

INDEX = '<!doctype html><div id="app"></div><script type="module" src="/assets/main-abc.js">'


def _app(tmp_path: Path, web_dir: Path) -> TestClient:
    return TestClient(
        create_app(
            Settings(
                database_url=f"sqlite:///{tmp_path / 'x.db'}", data_dir=tmp_path, web_dir=web_dir
            )
        )
    )


def _built(folder: Path) -> Path:
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text(INDEX, encoding="utf-8")
    (folder / "assets" / "main-abc.js").write_text("console.log(1)", encoding="utf-8")
    (folder / "favicon.svg").write_text("<svg/>", encoding="utf-8")
    return folder


def test_index_deep_links_and_assets(tmp_path: Path) -> None:
    client = _app(tmp_path, _built(tmp_path / "dist"))  # not started: no database needed
    for path in ("/", "/app/near", "/app/cities/helsinki/places/osm:node/1", "/app/"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer.text == INDEX
        assert answer.headers["content-type"].startswith("text/html")
        assert answer.headers["cache-control"] == "no-cache"
    asset = client.get("/assets/main-abc.js")
    assert asset.status_code == 200
    assert asset.text == "console.log(1)"
    assert "immutable" in asset.headers["cache-control"]
    assert client.get("/assets/missing.js").status_code == 404
    assert client.get("/favicon.svg").text == "<svg/>"
    # the API and its documentation stay where they were
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "lifecircle"
    assert client.get("/docs").status_code in {200, 503}
    assert client.get("/api/v1/no-such-route").status_code == 404


def test_unbuilt_application_says_how_to_build_it(tmp_path: Path) -> None:
    client = _app(tmp_path, tmp_path / "nothing-here")
    for path in ("/", "/app/near"):
        answer = client.get(path)
        assert answer.status_code == 503
        assert "npm ci" in answer.text
        assert "npm run build" in answer.text
        assert str(tmp_path / "nothing-here") in answer.text
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_default_folder_is_web_dist_beside_src() -> None:
    assert web_folder() == WEB_DIST
    assert WEB_DIST.parent.name == "web"
    assert (WEB_DIST.parents[1] / "src" / "lifecircle").is_dir()
    assert (WEB_DIST.parent / "package.json").is_file()
