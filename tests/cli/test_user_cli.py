"""``lifecircle user`` and ``lifecircle db``: accounts and migrations from the command line.

Every test runs against a SQLite file and a real PostgreSQL server, named to the CLI by
``LIFECIRCLE_DATABASE_URL``.
"""

from __future__ import annotations

import getpass
import io
import json
from typing import TYPE_CHECKING

import pytest

from lifecircle.cli.main import ExitStatus, main
from lifecircle.config import Settings
from lifecircle.errors import AuthenticationError
from lifecircle.services.accounts import login
from lifecircle.store.communities import upsert_communities
from lifecircle.store.db import session_scope
from lifecircle.store.migrate import head_revision
from lifecircle.store.places import upsert_places
from tests.store import conftest as store_conftest

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Engine

postgres = store_conftest.postgres
empty_engine = store_conftest.empty_engine
engine = store_conftest.engine
city_id = store_conftest.city_id  # a city named testville


@pytest.fixture
def database(empty_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The CLI's database is the test's (empty: the commands migrate it)."""
    url = empty_engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("LIFECIRCLE_DATABASE_URL", url)
    monkeypatch.setenv("LIFECIRCLE_DATA_DIR", str(tmp_path / "data"))
    for name in ("ENVIRONMENT", "SECRET_KEY", "DEBUG"):
        monkeypatch.delenv(f"LIFECIRCLE_{name}", raising=False)
    return empty_engine


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> object:
    capsys.readouterr()
    assert main([*args, "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def fails(capsys: pytest.CaptureFixture[str], status: ExitStatus, *args: str) -> str:
    capsys.readouterr()
    assert main(list(args)) == status
    return capsys.readouterr().err


def can_log_in(engine: Engine, username: str, password: str) -> bool:
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False))
    try:
        login(engine=engine, settings=settings, username=username, password=password, client="t")
    except AuthenticationError:
        return False
    return True


class TerminalInput(io.StringIO):
    """Standard input that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_db_status_and_upgrade(database: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    before = run_json(capsys, "db", "status")
    assert before == {
        "database": database.url.render_as_string(hide_password=True),
        "revision": None,
        "newest": head_revision(),
    }
    assert run_json(capsys, "db", "upgrade")["revision"] == head_revision()
    assert run_json(capsys, "db", "status")["revision"] == head_revision()
    capsys.readouterr()
    assert main(["db", "status"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_add_list_and_remove(database: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    made = run_json(
        capsys, "user", "add", "--role", "admin", "--username", "Root", "--generate-password"
    )
    assert (made["username"], made["role"], made["city"]) == ("root", "admin", None)
    assert len(made["password"]) == 20
    assert can_log_in(database, "root", made["password"])

    generated = run_json(capsys, "user", "add", "--role", "resident", "--generate-password")
    assert generated["username"].startswith("resident-")

    listed = run_json(capsys, "user", "list")
    assert [u["username"] for u in listed] == sorted(["root", generated["username"]])
    assert all("password" not in u for u in listed)
    assert [u["username"] for u in run_json(capsys, "user", "list", "--role", "admin")] == ["root"]

    assert run_json(capsys, "user", "remove", "root", "--yes") == {"removed": "root"}
    assert not can_log_in(database, "root", made["password"])
    err = fails(capsys, ExitStatus.NOT_FOUND, "user", "remove", "root", "--yes")
    assert "no user named 'root'" in err


def test_passwords_from_stdin_and_from_a_terminal(
    database: Engine, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a piped password\n"))
    made = run_json(
        capsys, "user", "add", "--role", "merchant", "--username", "shop-1", "--password-stdin"
    )
    assert "password" not in made  # not generated: not printed
    assert can_log_in(database, "shop-1", "a piped password")

    typed = iter(["typed twice here", "typed twice here"])
    monkeypatch.setattr("sys.stdin", TerminalInput())
    monkeypatch.setattr(getpass, "getpass", lambda _prompt="": next(typed))
    run_json(capsys, "user", "add", "--role", "resident", "--username", "typist")
    assert can_log_in(database, "typist", "typed twice here")

    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal, no flag
    err = fails(capsys, ExitStatus.INVALID, "user", "add", "--role", "resident")
    assert "--generate-password or --password-stdin" in err
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    err = fails(capsys, ExitStatus.INVALID, "user", "add", "--role", "resident", "--password-stdin")
    assert "8 to 128 characters" in err


def test_officials_need_a_city_and_a_known_area(
    engine: Engine, city_id: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("LIFECIRCLE_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("LIFECIRCLE_DATA_DIR", str(tmp_path / "data"))
    with session_scope(engine) as session:
        upsert_communities(
            session,
            city_id=city_id,
            rows=[{"code": "440304001019", "name": "沙埔头社区", "parent_code": "440304001"}],
        )
    add = ("user", "add", "--role", "official", "--generate-password")
    err = fails(capsys, ExitStatus.INVALID, *add)
    assert "an official acts for one city" in err
    err = fails(capsys, ExitStatus.NOT_FOUND, *add, "--city", "testville", "--area", "440305")
    assert "no district, 街道 or community with code '440305'" in err
    err = fails(capsys, ExitStatus.NOT_FOUND, *add, "--city", "nowhere")
    assert "no city named 'nowhere'" in err
    made = run_json(capsys, *add, "--city", "testville", "--area", "440304")
    assert (made["city"], made["area_code"]) == ("testville", "440304")
    err = fails(capsys, ExitStatus.INVALID, *add[:2], "--role", "resident", "--area", "440304",
                "--generate-password")  # fmt: skip
    assert "only an official's account has an area" in err


def test_give_a_place_to_a_merchant(
    engine: Engine, city_id: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("LIFECIRCLE_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("LIFECIRCLE_DATA_DIR", str(tmp_path / "data"))
    with session_scope(engine) as session:  # a SYNTHETIC place
        upsert_places(
            session, city_id=city_id, source="osm",
            rows=[{"source_id": "node/7", "lon": 114.05, "lat": 22.54, "name": "SYNTHETIC"}],
        )  # fmt: skip
    run_json(
        capsys,
        "user",
        "add",
        "--role",
        "merchant",
        "--username",
        "shop-owner",
        "--generate-password",
    )
    run_json(
        capsys, "user", "add", "--role", "merchant", "--username", "rival", "--generate-password"
    )
    given = run_json(
        capsys, "user", "give-place", "shop-owner", "--city", "testville", "--place", "osm:node/7"
    )
    assert given["uid"] == "osm:node/7"
    err = fails(
        capsys, ExitStatus.INVALID, "user", "give-place", "rival", "--city", "testville",
        "--place", "osm:node/7",
    )  # fmt: skip
    assert "has another owner" in err
    err = fails(
        capsys, ExitStatus.NOT_FOUND, "user", "give-place", "rival", "--city", "testville",
        "--place", "osm:node/8",
    )  # fmt: skip
    assert "no place 'osm:node/8'" in err
