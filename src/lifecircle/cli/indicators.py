"""``lifecircle stats`` and ``lifecircle usage``: the bureau's monthly work."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from lifecircle.cli.city import open_database_cli
from lifecircle.cli.output import emit_json

out = Console()

City = Annotated[str, typer.Option("--city", help="City name.")]
Month = Annotated[str, typer.Option("--month", help="The month, YYYY-MM (China Standard Time).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def stats_cmd(
    city: City,
    month: Month,
    out_path: Annotated[Path, typer.Option("--out", help="The .xlsx file to write.")],
    area: Annotated[
        str | None, typer.Option(help="Only this district, 街道 or community code.")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Write the monthly statistics workbook: every indicator by district."""
    from lifecircle.services.statistics import write_statistics  # noqa: PLC0415

    with open_database_cli() as (engine, _):
        table = write_statistics(engine=engine, city=city, month=month, out=out_path, area=area)
    if as_json:
        emit_json({"out": str(out_path), "rows": len(table.rows), "notes": table.notes})
    else:
        out.print(f"{out_path}: {len(table.rows)} row(s) for {city} {month}")


def usage_cmd(city: City, month: Month, as_json: AsJson = False) -> None:
    """Compute a month's 15-minute usage from the coupon redemptions (replaces a rerun)."""
    from lifecircle.services.usage import compute_usage  # noqa: PLC0415

    with open_database_cli() as (engine, _):
        run = compute_usage(engine=engine, city=city, month=month)
    if as_json:
        emit_json(
            {
                "city": run.city,
                "month": run.month,
                "redemptions": run.redemptions,
                "with_home": run.with_home,
                "walked": run.walked,
                "within": run.within,
                "cells": run.cells,
            }
        )
    else:
        out.print(
            f"{run.city} {run.month}: {run.redemptions} redemption(s), {run.with_home} with "
            f"a home, {run.walked} walked, {run.within} within the walk; {run.cells} cell(s)"
        )
