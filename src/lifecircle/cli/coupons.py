"""``lifecircle coupons``: the coupons' scheduled work, for the operator (cron, a timer)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from lifecircle.cli.city import open_database_cli
from lifecircle.cli.output import emit_json

coupons_app = typer.Typer(help="Coupons: scheduled notices.", no_args_is_help=True)

out = Console()


@coupons_app.command("notify")
def notify_cmd(
    hours: Annotated[
        int | None,
        typer.Option(
            help="Tell of coupons expiring within this many hours "
            "(default: the setting coupon_expiry_notice_hours).",
            min=1,
            max=30 * 24,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Tell residents of their unused coupons about to expire (each claim once; safe to repeat)."""
    from lifecircle.services.coupons import send_expiry_notices  # noqa: PLC0415

    with open_database_cli() as (engine, settings):
        within = settings.coupon_expiry_notice_hours if hours is None else hours
        sent = send_expiry_notices(engine=engine, hours=within)
    if as_json:
        emit_json({"sent": sent, "hours": within})
    else:
        out.print(f"{sent} expiry notice(s) sent (coupons expiring within {within} h)")
