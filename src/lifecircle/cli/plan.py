"""``lifecircle plan``: where to open new places so residents reach what they lack."""

from __future__ import annotations

import contextlib
import enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lifecircle.cli.city import changing_city, open_database_cli
from lifecircle.cli.output import emit_json
from lifecircle.cli.progress import step_progress
from lifecircle.core.walk.impedance import DEFAULT_MINUTES, MAX_SNAP_M, WALK_SPEED_KMH

out = Console()
err = Console(stderr=True)

SHOWN_COMMUNITIES = 3
"""Communities listed per site in the table (``--json`` gives all)."""


class PlanMode(enum.StrEnum):
    """What ``plan`` optimises."""

    COVER = "cover"
    MAX = "max"


def _codes(values: list[str]) -> tuple[str, ...]:
    """Category codes from repeated and comma-separated ``--category`` values."""
    return tuple(c.strip() for v in values for c in v.split(",") if c.strip())


def plan_cmd(
    name: Annotated[str, typer.Argument(metavar="NAME", help="City name.")],
    category: Annotated[
        list[str],
        typer.Option(
            "--category",
            help="Category code to plan for (repeatable, or comma-separated); a group name "
            "(basic, quality) plans each of its categories. With --joint, default basic.",
        ),
    ] = [],  # noqa: B006 - typer reads the default, never mutates it
    community: Annotated[
        str | None, typer.Option(help="Plan for this community code only (default: all).")
    ] = None,
    candidates: Annotated[
        Path | None,
        typer.Option(help="CSV of available shop units id,lon,lat[,rent] (default: streets)."),
    ] = None,
    mode: Annotated[
        PlanMode, typer.Option(help="cover: fewest places; max: the best --k places.")
    ] = PlanMode.COVER,
    k: Annotated[
        int | None, typer.Option("--k", help="max: places to open per category.", min=1)
    ] = None,
    share: Annotated[
        float,
        typer.Option(help="cover: share of residents to reach, existing places counted."),
    ] = 1.0,
    capacity: Annotated[
        float | None, typer.Option(help="max: residents one new place can serve.")
    ] = None,
    minutes: Annotated[
        float, typer.Option(help="Walking time limit in minutes.", min=0, max=240)
    ] = DEFAULT_MINUTES,
    speed_kmh: Annotated[float, typer.Option(help="Walking speed in km/h.")] = WALK_SPEED_KMH,
    spacing_m: Annotated[
        float, typer.Option(help="Distance between street candidates, metres.")
    ] = 100.0,
    crs: Annotated[
        str, typer.Option(help="CRS of the --candidates file: wgs84, gcj02 or bd09.")
    ] = "wgs84",
    max_snap_m: Annotated[
        float, typer.Option(help="Leave out points farther than this from every street.")
    ] = MAX_SNAP_M,
    time_limit_s: Annotated[
        float,
        typer.Option(
            help="Time limit of each category's solve (model, reductions, every part), seconds."
        ),
    ] = 60.0,
    joint: Annotated[
        bool,
        typer.Option(
            "--joint",
            help="Plan the categories with gaps together (一点多用): units hosting allowed "
            "combinations of categories.",
        ),
    ] = False,
    combinations: Annotated[
        Path | None,
        typer.Option(help="--joint: CSV of allowed combinations (default: the packaged table)."),
    ] = None,
    units_per_site: Annotated[
        int | None,
        typer.Option(help="--joint: most units one candidate site may hold (default: no limit)."),
    ] = None,
    no_save: Annotated[bool, typer.Option("--no-save", help="Do not store the plan.")] = False,
    at: Annotated[
        str | None,
        typer.Option("--at", help="Count only places open then: 'Mon 07:30' or ISO date-time."),
    ] = None,
    unknown_hours: Annotated[
        str, typer.Option("--unknown-hours", help="Places of unknown hours: open or closed.")
    ] = "open",
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Plan new places (一圈一策): the fewest that close the gaps, or the best k.

    Residents already within the walking limit of a place of the category count as
    covered; candidates are points along the streets (or the units of --candidates).
    Solved exactly with HiGHS, or greedily with a proven bound on large instances.
    """
    from lifecircle.services.plan import PlanParams, run_plan  # noqa: PLC0415

    if not category and not joint:
        raise typer.BadParameter("give a category (or plan --joint)", param_hint="--category")
    params = PlanParams(
        categories=_codes(category),
        community=community,
        mode=mode.value,
        k=k,
        share=share,
        capacity=capacity,
        minutes=minutes,
        speed_kmh=speed_kmh,
        spacing_m=spacing_m,
        candidates=candidates,
        candidates_crs=crs,
        max_snap_m=max_snap_m,
        time_limit_s=time_limit_s,
        joint=joint,
        combinations=combinations,
        units_per_site=units_per_site,
    )
    with (
        open_database_cli() as (engine, settings),
        contextlib.nullcontext() if no_save else changing_city(engine, settings, name, "plan"),
        step_progress(err, "planning", enabled=not as_json) as step,
    ):
        document = run_plan(
            engine=engine,
            name=name,
            params=params,
            save=not no_save,
            progress=step,
            at=at,
            unknown=unknown_hours,
        )
    if as_json:
        emit_json(document)
        return
    if "joint" in document:
        _print_joint(document)
        return
    _print_plan(document)


def _print_plan(doc: dict[str, Any]) -> None:
    info, p = doc["plan"], doc["plan"]["parameters"]
    area = f"community {p['community']}" if p["community"] else "every community"
    what = "fewest places" if p["mode"] == "cover" else f"best {p['k']} places"
    out.print(
        f"[bold]{escape(info['city'])}[/]: {what} for {area}, within {p['minutes']:g} min "
        f"at {p['speed_kmh']:g} km/h ({p['limit_m']:,.0f} m); candidates: "
        f"{escape(str(p['candidates']))}"
    )
    names = {row["category"]: row["name_zh"] for row in doc["categories"]}
    sites = Table(title="新增网点 New sites")
    for col in ("#", "category", "id", "lon", "lat", "newly covered", "communities", "rent"):
        sites.add_column(col, justify="right" if col in {"#", "newly covered", "rent"} else "left")
    for s in doc["sites"]:
        shown = s["communities"][:SHOWN_COMMUNITIES]
        more = len(s["communities"]) - len(shown)
        sites.add_row(
            str(s["rank"]),
            escape(names.get(s["category"], s["category"])),
            escape(s["id"]),
            f"{s['lon']:.6f}",
            f"{s['lat']:.6f}",
            f"{s['newly_covered_population']:,.0f}",
            escape(", ".join(shown)) + (f" +{more}" if more else ""),
            "-" if s["rent"] is None else f"{s['rent']:,.0f}",
        )
    if doc["sites"]:
        out.print(sites)
    else:
        out.print("no new site is needed")
    summary = Table(title="按业态 Per category")
    for col in ("category", "sites", "before", "after", "unreachable", "solver", "bound", "gap"):
        summary.add_column(col, justify="left" if col in {"category", "solver"} else "right")
    for row in doc["categories"]:
        total = row["total_population"] or 1.0
        gap = "optimal" if row["optimal"] else ("?" if row["gap"] is None else f"{row['gap']:.1%}")
        summary.add_row(
            escape(f"{row['name_zh']} {row['category']}"),
            f"{row['sites']:,}",
            f"{row['before_population'] / total:.1%}",
            f"{row['covered_population'] / total:.1%}",
            f"{row['unreachable_population']:,.0f}",
            row["solver"],
            "-" if row["bound"] is None else f"{row['bound']:,.4g}",
            gap,
        )
    out.print(summary)
    for row in doc["categories"]:
        if row["note"]:
            err.print(f"[yellow]{escape(row['category'])}: {escape(row['note'])}[/]")
    left_out = doc["candidates"]["left_out"]
    if left_out:
        err.print(
            f"[yellow]left out {len(left_out)} candidate(s):[/] "
            + ", ".join(
                escape(f"{c['id']} (line {c['line']}): {c['problem']}") for c in left_out[:10]
            )
            + (" …" if len(left_out) > 10 else "")
        )
    stored = f"stored as plan {info['id']}" if info["id"] is not None else "not stored"
    out.print(f"{len(doc['communities']):,} communities in the 一圈一策 sheet (--json); {stored}")


def _print_joint(doc: dict[str, Any]) -> None:
    """The joint plan: per unit what it hosts and whose gaps it closes; the comparison."""
    info, p, j = doc["plan"], doc["plan"]["parameters"], doc["joint"]
    area = f"community {p['community']}" if p["community"] else "every community"
    out.print(
        f"[bold]{escape(info['city'])}[/]: joint units (一点多用) for {area}, within "
        f"{p['minutes']:g} min ({p['limit_m']:,.0f} m); combinations: "
        f"{escape(str(j['combinations']))}"
    )
    names = {row["category"]: row["name_zh"] for row in doc["categories"]}
    units = Table(title="新增网点 New units")
    for col in ("#", "id", "lon", "lat", "hosts", "closes gaps of", "cost"):
        units.add_column(col, justify="right" if col in {"#", "cost"} else "left")
    for u in doc["units"]:
        closes = []
        for code in u["hosts"]:
            shown = u["closes"][code][:SHOWN_COMMUNITIES]
            more = len(u["closes"][code]) - len(shown)
            closes.append(
                f"{names.get(code, code)}: {', '.join(shown) or '-'}"
                + (f" +{more}" if more else "")
            )
        units.add_row(
            str(u["rank"]),
            escape(u["id"]),
            f"{u['lon']:.6f}",
            f"{u['lat']:.6f}",
            escape(" + ".join(names.get(c, c) for c in u["hosts"])),
            escape("; ".join(closes)),
            f"{u['cost']:g}",
        )
    if doc["units"]:
        out.print(units)
    else:
        out.print("no new unit is needed")
    gap = "optimal" if j["optimal"] else ("?" if j["gap"] is None else f"{j['gap']:.1%}")
    summary = Table(title="联合 vs 分业态 Joint vs per-category")
    for col in ("category", "per-category sites", "joint units hosting it", "unreachable"):
        summary.add_column(col, justify="left" if col == "category" else "right")
    for row in doc["categories"]:
        summary.add_row(
            escape(f"{row['name_zh']} {row['category']}"),
            f"{row['per_category_sites']:,}",
            f"{row['sites']:,}",
            f"{row['unreachable_population']:,.0f}",
        )
    out.print(summary)
    out.print(
        f"units: {j['units']:,} joint vs {j['per_category_sites']:,} per category "
        f"({j['saved_units']:,} fewer); solver {j['solver']}, bound "
        f"{'-' if j['bound'] is None else format(j['bound'], ',.4g')}, gap {gap}"
    )
    stored = f"stored as plan {info['id']}" if info["id"] is not None else "not stored"
    out.print(f"{len(doc['communities']):,} communities in the 一圈一策 sheet (--json); {stored}")
