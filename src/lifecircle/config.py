"""Settings: one object, read from ``LIFECIRCLE_*`` variables, validated once and passed in.

Nothing here runs at import time: :func:`get_settings` builds a fresh :class:`Settings`
each call, and whoever needs a database or a data folder takes the object as an argument
(``make_engine(settings)``), so tests build their own without touching the environment.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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

DEV_SECRET_KEY = "lifecircle-development-key-NOT-SECRET-do-not-deploy"  # noqa: S105 - public
"""The secret key of development mode: public (it is in this file), refused in production."""

KNOWN_SECRETS = frozenset({DEV_SECRET_KEY, "", "changethis", "changeme", "secret", "dev", "test"})
"""Secret keys that anyone can guess (compared without case); production refuses them."""

MIN_SECRET_LENGTH = 32
"""Shortest secret key production accepts, in characters (``openssl rand -hex 32`` gives 64)."""

_ORIGIN = re.compile(r"^https?://[^/\s?#]+$")


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
    web_dir
        The built web application (``LIFECIRCLE_WEB_DIR``, a folder with ``index.html``);
        unset, ``web/dist`` beside the source tree (``make setup`` builds it there).
        ``lifecircle serve`` serves it at ``/``.
    environment
        ``development`` (default) or ``production`` (``LIFECIRCLE_ENVIRONMENT``). In
        production the settings are refused without a secret key of the deployment's own
        (at least :data:`MIN_SECRET_LENGTH` characters, not a known default) and with
        ``debug`` on.
    debug
        Answer unexpected errors with their traceback (``LIFECIRCLE_DEBUG``); development
        only.
    secret_key
        The deployment's secret (``LIFECIRCLE_SECRET_KEY``): it keys the pseudonyms under
        which login attempts are counted. Development falls back to the public
        :data:`DEV_SECRET_KEY`.
    cors_origins
        Web origins allowed to call the API from a browser (``LIFECIRCLE_CORS_ORIGINS``,
        comma-separated, e.g. ``https://app.example.cn,http://localhost:5173``; ``*``
        for any). None by default: the API is then callable from servers, apps and
        mini-programs but not from other sites' pages.
    token_lifetime_minutes
        How long a login's bearer token lasts, minutes (default 7 days).
    login_max_failures_per_account, login_max_failures_per_address
        Failed logins allowed per user name and per client address within
        ``login_window_seconds``; the next attempt is answered 429 with ``Retry-After``.
    login_window_seconds
        The sliding window of those limits, seconds (default 15 minutes).
    registrations_per_address
        Accounts one client address may register within ``login_window_seconds``.
    redemption_undo_minutes
        How long after a coupon redemption the merchant may undo it, minutes (default 10).
    coupon_expiry_notice_hours
        Residents are told of a claimed, unused coupon this many hours before it expires
        (default 24; :func:`lifecircle.services.coupons.send_expiry_notices`).
    tile_url
        The web map's basemap tiles (``LIFECIRCLE_TILE_URL``): an ``http(s)`` URL template
        with ``{z}``, ``{x}`` and ``{y}`` (``{s}`` for subdomains allowed). Unset: no basemap
        (the map draws streets and communities from the API). Served to the web application
        by ``GET /api/v1/web-config``; it overrides the build's ``VITE_TILE_URL``.
    tile_crs
        The tiles' coordinates (``LIFECIRCLE_TILE_CRS``): ``wgs84`` (default; OSM-style
        tiles) or ``gcj02`` (Amap, Tencent): the web app then asks for shifted data.
    tile_attribution
        The tiles' credit line shown on the map (``LIFECIRCLE_TILE_ATTRIBUTION``); required
        when a tile URL is set (providers' terms ask for it).

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
    web_dir: Path | None = None
    environment: Literal["development", "production"] = "development"
    debug: bool = False
    secret_key: SecretStr = SecretStr(DEV_SECRET_KEY)
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()
    token_lifetime_minutes: int = Field(default=7 * 24 * 60, ge=1, le=366 * 24 * 60)
    login_max_failures_per_account: int = Field(default=5, ge=1, le=1000)
    login_max_failures_per_address: int = Field(default=20, ge=1, le=100_000)
    login_window_seconds: int = Field(default=15 * 60, ge=1, le=7 * 24 * 3600)
    registrations_per_address: int = Field(default=10, ge=1, le=100_000)
    redemption_undo_minutes: int = Field(default=10, ge=0, le=24 * 60)
    coupon_expiry_notice_hours: int = Field(default=24, ge=1, le=30 * 24)
    tile_url: str = Field(default="", max_length=500)
    tile_crs: Literal["wgs84", "gcj02"] = "wgs84"
    tile_attribution: str = Field(default="", max_length=300)

    @field_validator("data_dir")
    @classmethod
    def _expand_data_dir(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("database_url")
    @classmethod
    def _normalise_url(cls, value: str) -> str:
        return normalise_database_url(value) if value.strip() else ""

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("cors_origins")
    @classmethod
    def _check_origins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        origins = tuple(origin.rstrip("/") for origin in value)
        bad = [o for o in origins if o != "*" and not _ORIGIN.match(o)]
        if bad:
            raise ValueError(f"CORS origins {bad}: expected scheme://host[:port] (no path), or *")
        return origins

    @field_validator("tile_url", "tile_attribution")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("tile_url")
    @classmethod
    def _check_tile_url(cls, value: str) -> str:
        if value:
            problem = tile_url_problem(value)
            if problem:
                raise ValueError(f"LIFECIRCLE_TILE_URL {value!r}: {problem}")
        return value

    @field_validator("tile_crs", mode="before")
    @classmethod
    def _lower_crs(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _tiles_credited(self) -> Self:
        if self.tile_url and not self.tile_attribution:
            raise ValueError(
                "LIFECIRCLE_TILE_ATTRIBUTION is required with LIFECIRCLE_TILE_URL: "
                "the tiles' credit line shown on the map (e.g. '© OpenStreetMap contributors')"
            )
        return self

    @model_validator(mode="after")
    def _default_url(self) -> Self:
        if not self.database_url:
            path = (self.data_dir / SQLITE_FILE).resolve()
            # frozen model: set through object.__setattr__ during validation only
            object.__setattr__(self, "database_url", f"sqlite:///{path.as_posix()}")
        return self

    @model_validator(mode="after")
    def _safe_in_production(self) -> Self:
        problems = production_problems(self)
        if problems:
            raise ValueError("production settings refused: " + "; ".join(problems))
        return self

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is SQLite (a file, or memory)."""
        return self.database_url.startswith("sqlite")

    def safe_database_url(self) -> str:
        """The database URL with any password replaced by ``***``, for messages and logs."""
        return mask_password(self.database_url)


def production_problems(settings: Settings) -> list[str]:
    """What makes ``settings`` unsafe to serve in production (empty in development).

    Parameters
    ----------
    settings
        Settings to check (their ``environment`` decides whether anything is checked).

    Returns
    -------
    list of str
        One message per problem, naming the variable to set; never the secret itself.

    """
    if settings.environment != "production":
        return []
    problems = []
    secret = settings.secret_key.get_secret_value()
    if secret.strip().lower() in {known.lower() for known in KNOWN_SECRETS}:
        problems.append(
            "LIFECIRCLE_SECRET_KEY is unset or a known default: set a secret of your own "
            "(e.g. `openssl rand -hex 32`)"
        )
    elif len(secret) < MIN_SECRET_LENGTH:
        problems.append(
            f"LIFECIRCLE_SECRET_KEY is {len(secret)} characters: use at least "
            f"{MIN_SECRET_LENGTH} (e.g. `openssl rand -hex 32`)"
        )
    if settings.debug:
        problems.append("LIFECIRCLE_DEBUG is on: debug answers show tracebacks; turn it off")
    return problems


_TILE_URL = re.compile(r"^https?://[^/\s?#]+/\S*$", re.IGNORECASE)


def tile_url_problem(url: str) -> str | None:
    """What is wrong with a tile URL template (None when it is usable).

    Parameters
    ----------
    url
        A Leaflet tile template such as ``https://tiles.example.cn/{z}/{x}/{y}.png``.

    Returns
    -------
    str or None
        The problem in words: not ``http(s)://host/...``, or a placeholder missing.

    """
    if not _TILE_URL.match(url):
        return "expected an http(s)://host/... URL without spaces"
    missing = [p for p in ("{z}", "{x}", "{y}") if p not in url]
    if missing:
        return f"the template lacks {', '.join(missing)} (e.g. https://host/{{z}}/{{x}}/{{y}}.png)"
    return None


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
