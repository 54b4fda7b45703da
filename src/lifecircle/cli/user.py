"""``lifecircle user``: accounts of the service platform, for the operator.

The first administrator and the officials are made here (nobody can register as one);
a password is typed twice without echo, read from standard input, or generated and
printed once.
"""

from __future__ import annotations

import secrets
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lifecircle.cli.city import open_database_cli
from lifecircle.cli.output import emit_json
from lifecircle.errors import ValidationError
from lifecircle.store.models import Role

user_app = typer.Typer(
    help="Accounts: add officials and administrators, list, remove, give a shop.",
    no_args_is_help=True,
)

out = Console()
err = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _password(*, generate: bool, from_stdin: bool) -> tuple[str, bool]:
    """The new account's password and whether it was generated (then it is printed)."""
    from lifecircle.services.security import checked_password, new_password  # noqa: PLC0415

    if generate and from_stdin:
        raise ValidationError("give --generate-password or --password-stdin, not both")
    if generate:
        return new_password(), True
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif not sys.stdin.isatty():
        raise ValidationError(
            "no terminal to type the password in: use --generate-password or --password-stdin"
        )
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True, err=True)
    return checked_password(password), False


@user_app.command("add")
def add_cmd(
    role: Annotated[Role, typer.Option(help="resident, merchant, official or admin.")],
    city: Annotated[
        str | None, typer.Option(help="The city an official acts for (others: home city).")
    ] = None,
    area: Annotated[
        str | None, typer.Option(help="An official's district or 街道 code, e.g. 440304.")
    ] = None,
    username: Annotated[
        str | None, typer.Option(help="User name (default: the role and 6 random hex digits).")
    ] = None,
    display_name: Annotated[str | None, typer.Option(help="A name to show.")] = None,
    generate_password: Annotated[
        bool, typer.Option("--generate-password", help="Generate a password and print it once.")
    ] = False,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Create an account of any role (the only way to make officials and the first admin)."""
    from lifecircle.services.accounts import create_account  # noqa: PLC0415

    name = username or f"{role.value}-{secrets.token_hex(3)}"
    password, generated = _password(generate=generate_password, from_stdin=password_stdin)
    with open_database_cli() as (engine, _):
        account = create_account(
            engine=engine,
            username=name,
            password=password,
            role=role,
            city=city,
            area=area,
            display_name=display_name,
        )
    shown = {
        "id": account.id,
        "username": account.username,
        "role": account.role.value,
        "city": account.city,
        "area_code": account.area_code,
    }
    if generated:
        shown["password"] = password
    if as_json:
        emit_json(shown)
        return
    scope = f" for {escape(account.city)}" if account.city else ""
    scope += f", area {escape(account.area_code)}" if account.area_code else ""
    out.print(f"created {account.role.value} [bold]{escape(account.username)}[/]{scope}")
    if generated:
        out.print(f"password (shown once, store it now): [bold]{escape(password)}[/]")


@user_app.command("list")
def list_cmd(
    role: Annotated[Role | None, typer.Option(help="Only accounts of this role.")] = None,
    city: Annotated[str | None, typer.Option(help="Only accounts of this city.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the accounts by user name (never their passwords)."""
    from lifecircle.services.accounts import list_accounts  # noqa: PLC0415

    with open_database_cli() as (engine, _):
        found = list_accounts(engine=engine, role=role, city=city)
    rows = [
        {
            "id": a.id,
            "username": a.username,
            "role": a.role.value,
            "city": a.city,
            "area_code": a.area_code,
            "created_at": a.created_at.isoformat(),
        }
        for a in found
    ]
    if as_json:
        emit_json(rows)
        return
    if not rows:
        out.print("no accounts yet: `lifecircle user add --role admin`")
        return
    table = Table(title="Accounts")
    for col in ("id", "user name", "role", "city", "area", "created (UTC)"):
        table.add_column(col, justify="right" if col == "id" else "left")
    for a in found:
        table.add_row(
            str(a.id),
            escape(a.username),
            a.role.value,
            escape(a.city or "-"),
            escape(a.area_code or "-"),
            a.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    out.print(table)


@user_app.command("remove")
def remove_cmd(
    username: Annotated[str, typer.Argument(help="The account's user name.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Delete an account with its personal data (tokens, shop ownerships)."""
    from lifecircle.services.accounts import delete_account, find_account  # noqa: PLC0415

    with open_database_cli() as (engine, settings):
        account = find_account(engine=engine, username=username)
        if not yes and not typer.confirm(
            f"delete {account.role.value} {account.username} and its personal data?"
        ):
            raise typer.Exit(1)
        delete_account(engine=engine, settings=settings, user_id=account.id)
    if as_json:
        emit_json({"removed": account.username})
        return
    out.print(f"removed {account.role.value} [bold]{escape(account.username)}[/]")


@user_app.command("give-place")
def give_place_cmd(
    username: Annotated[str, typer.Argument(help="A merchant's user name.")],
    city: Annotated[str, typer.Option(help="The place's city.")],
    place: Annotated[str, typer.Option(help="The place's id in the city, e.g. osm:node/123.")],
    as_json: JsonOpt = False,
) -> None:
    """Make a merchant the owner of a place (one owner per place)."""
    from lifecircle.services.ownership import grant_place_by_uid  # noqa: PLC0415

    with open_database_cli() as (engine, _):
        owned = grant_place_by_uid(engine=engine, username=username, city=city, uid=place)
    if as_json:
        emit_json({"username": username, "place_id": owned.id, "uid": owned.uid})
        return
    out.print(f"{escape(username)} owns {escape(owned.name or owned.uid)} ({escape(owned.uid)})")
