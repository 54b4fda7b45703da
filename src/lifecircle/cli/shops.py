"""``lifecircle shops``: the operator decides merchants' shop applications.

The operator acts as the system: decisions are in the audit log with actor role
``system`` and no account, and the merchant is notified as for an official's decision.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lifecircle.cli.city import open_database_cli
from lifecircle.cli.output import emit_json

shops_app = typer.Typer(
    help="Merchants' shop applications: list the pending ones, approve, reject.",
    no_args_is_help=True,
)

out = Console()

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _row(app: object) -> dict[str, object]:
    fields = ("id", "kind", "status", "applicant_id", "place_id", "name", "community_code")
    return {f: getattr(app, f) for f in fields} | {"reason": getattr(app, "reason", None)}


@shops_app.command("pending")
def pending_cmd(
    city: Annotated[str, typer.Option(help="The city.")], as_json: JsonOpt = False
) -> None:
    """List a city's pending shop applications, newest first."""
    from lifecircle.services.shops import pending_applications  # noqa: PLC0415

    with open_database_cli() as (engine, _):
        found = pending_applications(engine=engine, city=city)
    if as_json:
        emit_json([_row(a) for a in found])
        return
    table = Table("id", "kind", "name", "community", "applicant", "created")
    for a in found:
        table.add_row(
            str(a.id),
            a.kind,
            escape(a.name or ""),
            a.community_code or "-",
            str(a.applicant_id),
            a.created_at.isoformat(timespec="minutes"),
        )
    out.print(table)


@shops_app.command("approve")
def approve_cmd(
    application_id: Annotated[int, typer.Argument(help="The application's id.")],
    as_json: JsonOpt = False,
) -> None:
    """Approve an application (a new shop becomes a place; a claim gives the owner)."""
    from lifecircle.services.shops import approve  # noqa: PLC0415

    with open_database_cli() as (engine, _):
        decided = approve(engine=engine, account=None, application_id=application_id)
    if as_json:
        emit_json(_row(decided))
        return
    out.print(f"approved shop application {decided.id}: place {decided.place_id}")


@shops_app.command("reject")
def reject_cmd(
    application_id: Annotated[int, typer.Argument(help="The application's id.")],
    reason: Annotated[str, typer.Option(help="Why (the merchant is told).")],
    as_json: JsonOpt = False,
) -> None:
    """Reject an application with a reason."""
    from lifecircle.services.shops import reject  # noqa: PLC0415

    with open_database_cli() as (engine, _):
        decided = reject(engine=engine, account=None, application_id=application_id, reason=reason)
    if as_json:
        emit_json(_row(decided))
        return
    out.print(f"rejected shop application {decided.id}")
