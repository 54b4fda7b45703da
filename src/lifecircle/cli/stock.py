"""``lifecircle stock``: near-expiry stock for the operator (the daily warnings run)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.console import Console

from lifecircle.cli.city import open_database_cli
from lifecircle.cli.output import emit_json
from lifecircle.cli.progress import step_progress
from lifecircle.errors import ValidationError

stock_app = typer.Typer(
    help="Near-expiry stock (临期): send the daily expiry warnings.", no_args_is_help=True
)

out = Console()
err = Console(stderr=True)


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"--date: {text!r} is not a date YYYY-MM-DD", field="date") from None


@stock_app.command("warn")
def warn_cmd(
    city: Annotated[str | None, typer.Option(help="Only this city's shops (default: all).")] = None,
    day: Annotated[
        str | None,
        typer.Option("--date", help="The local date (Asia/Shanghai) to warn for, YYYY-MM-DD."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Notify shop owners of batches near expiry or expired (idempotent: run it daily)."""
    from lifecircle.services.stock import send_expiry_warnings  # noqa: PLC0415

    today = _day(day)
    with open_database_cli() as (engine, _), step_progress(err, "expiry warnings") as step:

        def progress(n: int, total: int) -> None:
            step(f"{n}/{total} batches")  # one step a chunk of batches

        run = send_expiry_warnings(engine=engine, today=today, city=city, progress=progress)
    if as_json:
        emit_json({"date": run.day.isoformat(), "checked": run.checked, "sent": run.sent})
        return
    out.print(
        f"{run.sent} expiry warnings sent ({run.checked} batches near expiry or expired "
        f"on {run.day})"
    )
