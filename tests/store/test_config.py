"""Settings: defaults, environment, URL normalisation, no secrets in messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from lifecircle.config import Settings, get_settings, mask_password, normalise_database_url


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIFECIRCLE_DATABASE_URL", raising=False)
    monkeypatch.delenv("LIFECIRCLE_DATA_DIR", raising=False)


def test_default_is_sqlite_in_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = get_settings()
    assert settings.data_dir == Path("data")
    assert settings.database_url == f"sqlite:///{(tmp_path / 'data' / 'lifecircle.db').resolve()}"
    assert settings.is_sqlite


def test_data_dir_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIFECIRCLE_DATA_DIR", str(tmp_path / "store"))
    assert get_settings().database_url == f"sqlite:///{tmp_path / 'store' / 'lifecircle.db'}"


def test_database_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIFECIRCLE_DATABASE_URL", "sqlite:///elsewhere.db")
    assert get_settings().database_url == "sqlite:///elsewhere.db"
    monkeypatch.setenv("LIFECIRCLE_DATABASE_URL", "postgres://lc:pw@db:5432/lifecircle")
    settings = get_settings()
    assert settings.database_url == "postgresql+psycopg://lc:pw@db:5432/lifecircle"
    assert not settings.is_sqlite
    assert settings.safe_database_url() == "postgresql+psycopg://lc:***@db:5432/lifecircle"


def test_overrides_beat_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIFECIRCLE_DATABASE_URL", "sqlite:///env.db")
    assert get_settings(database_url="sqlite:///arg.db").database_url == "sqlite:///arg.db"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("POSTGRES://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg2://u@h/d", "postgresql+psycopg2://u@h/d"),
        (" sqlite:///a.db ", "sqlite:///a.db"),
        ("sqlite://", "sqlite://"),
    ],
    ids=["postgresql", "upper-case", "psycopg", "other-driver", "spaces", "memory"],
)
def test_normalise(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


@pytest.mark.parametrize("bad", ["mysql://u:pw@h/d", "lifecircle.db", "://x"])
def test_unsupported_urls_are_refused_without_the_password(bad: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(database_url=bad)
    assert "pw" not in str(caught.value)


def test_mask_password() -> None:
    assert (
        mask_password("postgresql+psycopg://u:s3cr@t@h:5/d") == "postgresql+psycopg://u:***@h:5/d"
    )
    assert mask_password("postgresql+psycopg://u@h/d") == "postgresql+psycopg://u@h/d"
    assert mask_password("sqlite:///a@b:c.db") == "sqlite:///a@b:c.db"


def test_settings_are_frozen() -> None:
    settings = get_settings(database_url="sqlite://")
    with pytest.raises(ValidationError):
        settings.database_url = "sqlite:///x.db"
