"""The app itself: settings checked at start, one error shape, CORS, documents, lifespan."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pydantic
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text as sql

from lifecircle.api.app import create_app
from lifecircle.api.docs import install_docs
from lifecircle.config import DEV_SECRET_KEY, Settings, production_problems
from lifecircle.errors import DataError, ValidationError
from lifecircle.store.db import make_engine
from lifecircle.store.migrate import head_revision
from tests.api.conftest import api_settings

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Engine

    from tests.pg import PostgresServer

API = "/api/v1"
GOOD_SECRET = "0123456789abcdef" * 4  # 64 characters, as `openssl rand -hex 32` gives


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENVIRONMENT", "SECRET_KEY", "DEBUG", "CORS_ORIGINS"):
        monkeypatch.delenv(f"LIFECIRCLE_{name}", raising=False)


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({}, "LIFECIRCLE_SECRET_KEY is unset or a known default"),
        ({"secret_key": DEV_SECRET_KEY}, "LIFECIRCLE_SECRET_KEY is unset or a known default"),
        ({"secret_key": "ChangeThis"}, "LIFECIRCLE_SECRET_KEY is unset or a known default"),
        ({"secret_key": "short-but-mine"}, "is 14 characters: use at least 32"),
        ({"secret_key": GOOD_SECRET, "debug": True}, "LIFECIRCLE_DEBUG is on"),
    ],
    ids=["no-key", "dev-key", "known-key", "short-key", "debug"],
)
def test_production_refuses_unsafe_settings(values: dict, named: str) -> None:
    with pytest.raises(pydantic.ValidationError) as caught:
        Settings(environment="production", **values)
    assert named in str(caught.value)
    assert GOOD_SECRET not in str(caught.value)


def test_production_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIFECIRCLE_ENVIRONMENT", "production")
    with pytest.raises(pydantic.ValidationError, match="LIFECIRCLE_SECRET_KEY"):
        Settings()
    monkeypatch.setenv("LIFECIRCLE_SECRET_KEY", GOOD_SECRET)
    settings = Settings()
    assert production_problems(settings) == []
    assert settings.secret_key.get_secret_value() == GOOD_SECRET
    assert GOOD_SECRET not in repr(settings)
    create_app(settings)  # accepted


def test_development_accepts_the_public_key() -> None:
    assert production_problems(Settings(debug=True)) == []


def test_create_app_checks_settings_built_without_validation() -> None:
    unsafe = Settings.model_construct(environment="production", debug=True)
    with pytest.raises(ValidationError, match="production settings refused"):
        create_app(unsafe)


def test_cors_origins_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIFECIRCLE_CORS_ORIGINS", "https://app.example.cn, http://localhost:5173/")
    assert Settings().cors_origins == ("https://app.example.cn", "http://localhost:5173")
    monkeypatch.setenv("LIFECIRCLE_CORS_ORIGINS", "app.example.cn/path")
    with pytest.raises(pydantic.ValidationError, match="scheme://host"):
        Settings()


def test_cors_answers_allowed_origins_only(engine: Engine, tmp_path: Path) -> None:
    settings = api_settings(engine, tmp_path, cors_origins=("https://app.example.cn",))
    with TestClient(create_app(settings)) as client:
        preflight = {"Access-Control-Request-Method": "GET"}
        allowed = client.options(
            f"{API}/cities", headers={"Origin": "https://app.example.cn", **preflight}
        )
        assert allowed.headers["access-control-allow-origin"] == "https://app.example.cn"
        other = client.get(f"{API}/cities", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_documents_are_served(client: TestClient) -> None:
    document = client.get(f"{API}/openapi.json").json()
    assert document["info"]["title"] == "lifecircle"
    assert all(path.startswith(API) for path in document["paths"])
    assert "OAuth2PasswordBearer" in document["components"]["securitySchemes"]
    page = client.get("/docs")
    assert page.status_code == 200
    assert "swagger" in page.text.lower()


def test_the_docs_page_loads_nothing_from_a_cdn(client: TestClient) -> None:
    """Swagger UI comes from npm's swagger-ui-dist, served by the app (no jsdelivr)."""
    page = client.get("/docs").text
    scripts = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert scripts, page
    assert all(s.startswith("/docs/assets/") for s in scripts), scripts
    for asset in scripts:
        answer = client.get(asset)
        assert answer.status_code == 200, asset
        assert len(answer.content) > 0


def test_without_swagger_ui_the_docs_page_says_how_to_get_it(tmp_path: Path) -> None:
    app = FastAPI(docs_url=None)
    assert install_docs(app, openapi_url="/x.json", title="t", assets_dir=tmp_path) is False
    with TestClient(app) as client:
        page = client.get("/docs")
    assert page.status_code == 503
    assert "npm ci" in page.text


def test_health(client: TestClient) -> None:
    body = client.get(f"{API}/health").json()
    assert body == {"status": "ok", "version": "0.1.0", "database_revision": head_revision()}
    assert head_revision() >= "0005"  # the accounts migration at least


JSON = {"Content-Type": "application/json"}
SURROGATE = b'{"username": "fine-name", "password": "12345678", "display_name": "\\ud800"}'


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "field"),
    [
        ("post", "/auth/register", {"content": b"{not json", "headers": JSON}, "body.1"),
        ("post", "/auth/register", {"json": {"username": "ok-name"}}, "body.password"),
        ("post", "/auth/register", {"json": {"username": "a\x00b", "password": "12345678"}},
         "body.username"),
        ("post", "/auth/register", {"content": SURROGATE, "headers": JSON}, "body.display_name"),
        ("post", "/auth/login", {"data": {"username": "x"}}, "body.password"),
        ("get", "/cities/%00", {}, "path.city"),
    ],
    ids=["bad-json", "missing", "nul", "surrogate", "form", "path"],
)  # fmt: skip
def test_malformed_requests_name_the_field(
    client: TestClient, method: str, path: str, kwargs: dict, field: str
) -> None:
    response = getattr(client, method)(API + path, **kwargs)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["status"] == 422
    assert field in [e["field"] for e in body["errors"]]
    assert field in body["detail"]


def test_unknown_routes_and_methods_keep_their_status(client: TestClient) -> None:
    missing = client.get(f"{API}/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["title"] == "Not Found"
    assert client.put(f"{API}/cities").status_code == 405


def test_a_bug_is_logged_and_answered_500(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings)

    def broken() -> None:
        raise RuntimeError("a planted bug")

    app.add_api_route(f"{API}/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get(f"{API}/broken")
    assert response.status_code == 500
    assert response.json()["detail"] == "internal error: the server's log has the details"
    assert "a planted bug" not in response.text
    assert "a planted bug" in caplog.text


def test_a_write_the_database_refuses_answers_409(
    settings: Settings, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """A constraint violation (a concurrent change came first) is a conflict, never a 500."""
    app = create_app(settings)

    def racing() -> None:
        with engine.begin() as conn:
            conn.execute(sql("CREATE TEMPORARY TABLE raced (id INTEGER PRIMARY KEY)"))
            conn.execute(sql("INSERT INTO raced (id) VALUES (1)"))
            conn.execute(sql("INSERT INTO raced (id) VALUES (1)"))  # the other change's row

    app.add_api_route(f"{API}/racing", racing, methods=["POST"])
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post(f"{API}/racing")
    assert response.status_code == 409
    assert response.json()["detail"].startswith("the data changed while this request")
    assert "refused by the database" in caplog.text


def test_debug_shows_the_traceback(engine: Engine, tmp_path: Path) -> None:
    app = create_app(api_settings(engine, tmp_path, debug=True))

    def broken() -> None:
        raise RuntimeError("a planted bug")

    app.add_api_route(f"{API}/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get(f"{API}/broken")
    assert response.status_code == 500
    assert "a planted bug" in response.text


def test_the_app_refuses_an_old_schema(empty_engine: Engine, tmp_path: Path) -> None:
    app = create_app(api_settings(empty_engine, tmp_path))
    with pytest.raises(DataError, match="lifecircle db upgrade"), TestClient(app):
        pass


def test_a_lost_database_answers_503(postgres: PostgresServer, tmp_path: Path) -> None:
    from lifecircle.store.migrate import upgrade_database  # noqa: PLC0415

    url = postgres.fresh_database()
    upgrade_database(url)
    engine = make_engine(url)
    try:
        with TestClient(create_app(api_settings(engine, tmp_path))) as client:
            assert client.get(f"{API}/health").status_code == 200
            postgres.drop_database(url)
            lost = client.get(f"{API}/health")
            assert lost.status_code == 503
            assert lost.headers["Retry-After"] == "5"
            assert "password" not in lost.text
    finally:
        engine.dispose()


def test_a_body_that_is_not_utf8_is_400_naming_the_body(client: TestClient) -> None:
    response = client.post(f"{API}/auth/register", content=b"\xff\xfe{", headers=JSON)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "body", "problem": "There was an error parsing the body"}
    ]


def test_control_characters_are_refused_alike_by_schema_and_service(client: TestClient) -> None:
    for text in ("tab\there", "c1\x85control"):
        body = {"username": "plain-name", "password": "12345678", "display_name": text}
        response = client.post(f"{API}/auth/register", json=body)
        assert response.status_code == 422, text
        assert response.json()["errors"][0]["field"] == "body.display_name"
