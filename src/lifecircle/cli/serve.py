"""``lifecircle serve`` (the HTTP API under uvicorn) and ``lifecircle db`` (migrations)."""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from lifecircle.cli.city import open_database_cli
from lifecircle.cli.output import emit_json
from lifecircle.errors import DataError, OptionalDependencyError, ValidationError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from lifecircle.config import Settings
    from lifecircle.services.demo import DemoAccount

db_app = typer.Typer(help="The database: upgrade its schema, show its revision.")

out = Console()
err = Console(stderr=True)

APP_FACTORY = "lifecircle.api.app:app_from_environment"
"""What uvicorn imports in every worker (a factory: each builds its app and engine)."""

KEEP_ALIVE_S = 65
"""An idle keep-alive connection's life: uvicorn's 5 s closed connections that clients
(and proxies, whose idle timeout is commonly 60 s) were about to reuse, and a request sent
on a connection as the server closes it is lost to the client (a ``ReadError``)."""

WORKER_HEALTHCHECK_S = 30
"""How long the supervisor waits for a busy worker's health check (uvicorn: 5 s) before it
kills the worker and every request it holds."""


def _settings() -> Settings:
    import pydantic  # noqa: PLC0415

    from lifecircle.config import get_settings  # noqa: PLC0415

    try:
        return get_settings()
    except pydantic.ValidationError as exc:
        problem = "; ".join(str(e["msg"]) for e in exc.errors())
        raise ValidationError(f"settings (LIFECIRCLE_*): {problem}") from None


def _revisions(settings: Settings, engine: Engine) -> dict[str, str | None]:
    from lifecircle.store.migrate import current_revision, head_revision  # noqa: PLC0415

    return {
        "database": settings.safe_database_url(),
        "revision": current_revision(engine),
        "newest": head_revision(),
    }


@db_app.command("upgrade")
def upgrade_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Bring the database's schema up to date (the service refuses an old one)."""
    from lifecircle.services.city.cities import open_engine  # noqa: PLC0415

    settings = _settings()
    engine = open_engine(settings)
    try:
        info = _revisions(settings, engine)
    finally:
        engine.dispose()
    if as_json:
        emit_json(info)
        return
    out.print(f"database {escape(str(info['database']))} is at revision {info['revision']}")


@db_app.command("status")
def status_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Show the database's schema revision and the newest this code knows (no changes)."""
    from sqlalchemy.exc import OperationalError  # noqa: PLC0415

    from lifecircle.store.db import make_engine  # noqa: PLC0415

    settings = _settings()
    engine = make_engine(settings)
    try:
        info = _revisions(settings, engine)
    except OperationalError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise DataError(
            f"cannot open the database {settings.safe_database_url()}: {reason}"
        ) from None
    finally:
        engine.dispose()
    if as_json:
        emit_json(info)
        return
    state = "up to date" if info["revision"] == info["newest"] else "run `lifecircle db upgrade`"
    out.print(
        f"database {escape(str(info['database']))}: revision {info['revision'] or 'none'}, "
        f"newest {info['newest']} ({state})"
    )


def serve_cmd(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    workers: Annotated[
        int, typer.Option(help="Worker processes (each with its own database pool).", min=1)
    ] = 1,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo", help="Create sample accounts on the demo city; passwords printed once."
        ),
    ] = False,
    demo_city: Annotated[str, typer.Option(help="The city of the sample accounts.")] = "helsinki",
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log", help="Log every request with the client's address (off: PIPL)."
        ),
    ] = False,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option(
            help="Proxies whose X-Forwarded-For gives the client's address (comma-separated)."
        ),
    ] = "127.0.0.1",
    keep_alive: Annotated[
        int,
        typer.Option(
            help="Seconds an idle keep-alive connection stays open; longer than a proxy's "
            "idle timeout (nginx and most load balancers: 60).",
            min=1,
        ),
    ] = KEEP_ALIVE_S,
    worker_healthcheck: Annotated[
        int,
        typer.Option(
            help="Seconds a worker may take to answer the supervisor's health check before "
            "it is restarted (with --workers > 1).",
            min=1,
        ),
    ] = WORKER_HEALTHCHECK_S,
) -> None:
    """Serve the HTTP API: routes under /api/v1, interactive documentation at /docs."""
    if importlib.util.find_spec("uvicorn") is None or importlib.util.find_spec("fastapi") is None:
        raise OptionalDependencyError("fastapi and uvicorn", "api")
    import uvicorn  # noqa: PLC0415

    # the settings are validated here (unsafe production settings are refused before any
    # worker starts) and the database migrated, as every command does on first use
    with open_database_cli() as (engine, _):
        if demo:
            from lifecircle.services.demo import create_demo_accounts  # noqa: PLC0415

            _print_demo(create_demo_accounts(engine=engine, city=demo_city))
    where = f"http://{host}:{port}" if ":" not in host else f"http://[{host}]:{port}"
    err.print(f"lifecircle API on {where}/api/v1, documentation at {where}/docs")
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        timeout_keep_alive=keep_alive,
        timeout_worker_healthcheck=worker_healthcheck,
        log_level="info",
    )


def _print_demo(made: list[DemoAccount]) -> None:
    # one plain line per account, never wrapped or cut: the passwords are shown only here
    out.print(
        f"Sample accounts of {escape(made[0].city)} (demo only; passwords are shown this once):",
        soft_wrap=True,
    )
    for account in made:
        shop = f"  owns {escape(account.place)}" if account.place else ""
        out.print(
            f"  {account.username:<14} {account.role.value:<9} {account.password}{shop}",
            soft_wrap=True,
            highlight=False,
        )
