"""Settings: one object, read from ``LIFECIRCLE_*`` variables, validated once and passed in.

Nothing here runs at import time: :func:`get_settings` builds a fresh :class:`Settings`
each call, and whoever needs a database or a data folder takes the object as an argument
(``make_engine(settings)``), so tests build their own without touching the environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Self

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("data")
"""Where the SQLite database (and, by convention, network files) live unless told."""

SQLITE_FILE = "lifecircle.db"
"""Name of the default SQLite database inside :attr:`Settings.data_dir`."""

_SCHEME_ALIASES = {
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
}
"""Bare PostgreSQL schemes (as Heroku-style and libpq URLs write them) mean psycopg 3."""

_SUPPORTED = ("sqlite", "postgresql")


class Settings(BaseSettings):
    """lifecircle's configuration.

    Attributes
    ----------
    data_dir
        Folder for the default SQLite database (``LIFECIRCLE_DATA_DIR``, default
        ``./data``).
    database_url
        SQLAlchemy URL (``LIFECIRCLE_DATABASE_URL``): ``sqlite:///path.db`` or
        ``postgresql+psycopg://user:password@host:5432/name``. ``postgres://`` and
        ``postgresql://`` are read as ``postgresql+psycopg://``. When unset it is the
        SQLite file ``<data_dir>/lifecircle.db`` (made absolute, so the process's working
        directory cannot change which file is used later).
    assets_dir
        The ``node_modules`` folder holding Leaflet and ECharts for the HTML reports
        (``LIFECIRCLE_ASSETS_DIR``); unset, it is looked for from the working directory
        up and beside the source tree (``npm ci`` puts it there).

    """

    model_config = SettingsConfigDict(
        env_prefix="LIFECIRCLE_",
        extra="ignore",
        frozen=True,
        hide_input_in_errors=True,  # a database URL may carry a password
    )

    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = ""
    assets_dir: Path | None = None

    @field_validator("data_dir")
    @classmethod
    def _expand_data_dir(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("database_url")
    @classmethod
    def _normalise_url(cls, value: str) -> str:
        return normalise_database_url(value) if value.strip() else ""

    @model_validator(mode="after")
    def _default_url(self) -> Self:
        if not self.database_url:
            path = (self.data_dir / SQLITE_FILE).resolve()
            # frozen model: set through object.__setattr__ during validation only
            object.__setattr__(self, "database_url", f"sqlite:///{path.as_posix()}")
        return self

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is SQLite (a file, or memory)."""
        return self.database_url.startswith("sqlite")

    def safe_database_url(self) -> str:
        """The database URL with any password replaced by ``***``, for messages and logs."""
        return mask_password(self.database_url)


def get_settings(**overrides: Any) -> Settings:
    """Build and validate the settings from the environment.

    Parameters
    ----------
    **overrides
        Field values that take precedence over ``LIFECIRCLE_*`` variables (the CLI
        passes its ``--database`` option this way).

    Returns
    -------
    Settings
        A new, frozen settings object.

    Raises
    ------
    pydantic.ValidationError
        If a value is malformed, e.g. a database URL of an unsupported kind.

    """
    return Settings(**overrides)


def normalise_database_url(url: str) -> str:
    """A database URL in the form lifecircle connects with.

    Parameters
    ----------
    url
        ``sqlite:///path.db``, ``sqlite://`` (memory), or a PostgreSQL URL with scheme
        ``postgres``, ``postgresql`` or ``postgresql+DRIVER``.

    Returns
    -------
    str
        The URL with a bare PostgreSQL scheme replaced by ``postgresql+psycopg``.

    Raises
    ------
    ValueError
        If the URL has no scheme or names a database other than SQLite and PostgreSQL.

    """
    text = url.strip()
    scheme, sep, rest = text.partition("://")
    if not sep or not scheme:
        raise ValueError(
            f"database URL {mask_password(text)!r} has no scheme: "
            "use sqlite:///path/to/file.db or postgresql+psycopg://user@host/name"
        )
    scheme = _SCHEME_ALIASES.get(scheme.lower(), scheme.lower())
    if scheme.split("+", 1)[0] not in _SUPPORTED:
        raise ValueError(
            f"database URL scheme {scheme!r} is not supported: use sqlite or postgresql"
        )
    return f"{scheme}://{rest}"


def mask_password(url: str) -> str:
    """``url`` with the password of its ``user:password@`` part replaced by ``***``."""
    scheme, sep, rest = url.partition("://")
    netloc, slash, path = rest.partition("/")
    userinfo, at, host = netloc.rpartition("@")
    if not sep or not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}{slash}{path}"
