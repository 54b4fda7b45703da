"""``lifecircle assess``, ``runs``, ``compare``, ``whatif`` and ``report``: assess a city."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lifecircle.cli.city import changing_city, open_database_cli
from lifecircle.cli.output import emit_json
from lifecircle.cli.progress import step_progress
from lifecircle.core.assess.circles import CIRCLE_TYPES, CircleRules, GradeRules
from lifecircle.core.assess.targets import STATUSES
from lifecircle.errors import ValidationError

out = Console()
err = Console(stderr=True)

NameArg = Annotated[str, typer.Argument(help="City name, e.g. helsinki or 深圳.", metavar="NAME")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]

ASSESS_STEPS = 7
"""Steps :func:`lifecircle.services.assess.run_assessment` reports, for the progress bar."""


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


STATUS = {k: f"{mark} {STATUSES[k][1]}" for k, mark in ((True, "✓"), (False, "✗"), (None, "—"))}
"""How a target's ``met`` (true, false, null) reads."""


def _gini(city: dict[str, Any], parameters: dict[str, Any]) -> str:
    """The Gini coefficient with the share of residents whose walking time is known."""
    gini, known = city.get("gini"), city.get("known_share")
    value = "unknown" if gini is None else f"{gini:.2f}"
    if known is None:  # a run stored before known shares were recorded
        return f"Gini {value}"
    least = parameters.get("min_known_share")
    under = f", under {_pct(least)}" if gini is None and least is not None else ""
    return f"Gini {value} (time known for {_pct(known)}{under})"


def summary_table(document: dict[str, Any], *, limit: int = 12) -> Table:
    """The city's headline figures and its communities with the most residents."""
    city = document["city"]
    run = document["run"]
    table = Table(
        title=(
            f"{run['city']} · run {run['id'] or '(not saved)'} · "
            f"{city['basic_complete']}/{city['communities']} communities with full basic "
            f"coverage · F15 {_pct(city['f15'])} · {_gini(city, run['parameters'])} · "
            f"{run['elapsed_s']:.2f} s"
        ),
        title_justify="left",
    )
    for col in ("community", "residents", "basic", "missing / weak", "type", "grade"):
        table.add_column(col, justify="right" if col == "residents" else "left")
    zh = {c["code"]: c["name_zh"] for c in document["categories"]}
    ranked = sorted(document["communities"], key=lambda c: -c["population"])
    for c in ranked[:limit]:
        gaps = "、".join(zh[m] for m in c["missing"])
        if c["weak"]:
            gaps += " / " + "、".join(zh[m] for m in c["weak"])
        table.add_row(
            c["code"] if c["code"] in c["name"] else f"{c['name']} {c['code']}",
            f"{c['population']:,.0f}",
            "✓" if c["basic_complete"] else "✗",
            gaps or "—",
            c["circle_type_zh"],
            c["grade_zh"],
        )
    if len(ranked) > limit:
        table.caption = f"{len(ranked) - limit} more communities: --json or `lifecircle report`"
    return table


def targets_table(document: dict[str, Any]) -> Table:
    """The plan's targets and where the city stands."""
    table = Table(title="规划目标 / the plan's targets", title_justify="left")
    for col in ("target", "goal", "threshold", "actual", "due", "met", "note"):
        table.add_column(col, no_wrap=col == "threshold")
    limit = (document["run"]["parameters"].get("limit_minutes") or {}).get("basic", 15)
    table.caption = (
        f"threshold: a community is fully covered when every basic category lies within "
        f"{limit:g} min of at least that share of its residents"
    )
    for t in document["city"]["targets"]:
        share = t["unit"] == "share"
        show = _pct if share else (lambda v: "—" if v is None else f"{v:,.0f}")
        threshold = t.get("threshold")
        table.add_row(
            t["label_zh"],
            show(t["target"]),
            "" if threshold is None else f"≥{_pct(threshold)}",
            show(t["actual"]),
            t["due"] or "",
            "—" if t["target"] is None else STATUS[t["met"]],
            t["note"],
        )
    return table


def pilots_table(document: dict[str, Any]) -> Table | None:
    """The circle types of the plan's pilots: known counts and shares, unknown ones."""
    pilots = document["city"].get("pilots") or {}
    counts = pilots.get("type_counts")
    if not counts:
        return None
    listed, needed = pilots["listed"], pilots["needed"]
    table = Table(
        title=f"试点类型 / circle types of the plan's {listed} pilots (each needs ≥ {needed}, "
        f"{_pct(pilots['min_type_share'])}) · {STATUS[pilots['types_met']]}",
        title_justify="left",
    )
    for col in ("type", "pilots", "share", "status"):
        table.add_column(col, justify="right" if col in {"pilots", "share"} else "left")
    for code, count in counts.items():
        table.add_row(
            f"{CIRCLE_TYPES[code]} {code}",
            f"{count} / {listed}",
            _pct(pilots["type_shares"][code]),
            STATUS[pilots["type_met"][code]],
        )
    table.add_row(
        "未知 unknown",
        f"{pilots['unknown']} / {listed}",
        "",
        f"{listed - pilots['matched']} not matched, {pilots['undetermined']} type undetermined",
    )
    return table


def assess_cmd(
    name: NameArg,
    minutes: Annotated[
        float,
        typer.Option("--minutes", min=1, max=60, help="Walking limit for every group, minutes."),
    ] = 15.0,
    basic_minutes: Annotated[
        float | None,
        typer.Option("--basic-minutes", min=1, max=60, help="Limit for the basic categories."),
    ] = None,
    quality_minutes: Annotated[
        float | None,
        typer.Option("--quality-minutes", min=1, max=60, help="Limit for the quality categories."),
    ] = None,
    speed_kmh: Annotated[
        float | None,
        typer.Option(
            "--speed-kmh", min=0.5, max=10, help="Walking speed (default: the profile's)."
        ),
    ] = None,
    profile: Annotated[
        str,
        typer.Option("--profile", help="Headline profile: standard (4.0 km/h) or elderly (3.2)."),
    ] = "standard",
    basic_share: Annotated[
        float,
        typer.Option(
            "--basic-share", min=0, max=1, help="Share of residents each basic category must reach."
        ),
    ] = 0.9,
    targets: Annotated[
        str,
        typer.Option("--targets", help="Targets: shenzhen-2023 or a TOML file of the same form."),
    ] = "shenzhen-2023",
    cluster_radius_m: Annotated[
        float, typer.Option("--cluster-radius-m", min=1, help="集聚式: radius of one cluster.")
    ] = 150.0,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="Count only places open then: 'Mon 07:30' (city time) or an ISO date-time.",
        ),
    ] = None,
    unknown_hours: Annotated[
        str,
        typer.Option(
            "--unknown-hours", help="Places of unknown hours count as open, closed or exclude."
        ),
    ] = "open",
    by_hour: Annotated[
        bool,
        typer.Option("--by-hour", help="Coverage of the basic categories at every hour."),
    ] = False,
    weekday: Annotated[str, typer.Option("--weekday", help="Weekday of --by-hour.")] = "Mon",
    weekend: Annotated[str, typer.Option("--weekend", help="Weekend day of --by-hour.")] = "Sat",
    need: Annotated[
        str,
        typer.Option("--need", help="Hours of need: default (packaged) or a TOML file."),
    ] = "default",
    save: Annotated[bool, typer.Option("--save/--no-save", help="Store the run.")] = True,
    as_json: JsonOpt = False,
) -> None:
    """Assess every community of a city: 15-minute coverage, gaps, types, grades, targets.

    The run is stored (dated, with its parameters and data versions) unless --no-save;
    `lifecircle report NAME` makes the HTML report of it.
    """
    from lifecircle.core.assess.hours import day_from_text  # noqa: PLC0415
    from lifecircle.services.assess import AssessParams  # noqa: PLC0415
    from lifecircle.services.hours import TimeOptions, run_timed_assessment  # noqa: PLC0415

    limits = {"basic": basic_minutes or minutes, "quality": quality_minutes or minutes}
    params = AssessParams(
        limit_minutes=limits,
        speed_kmh=speed_kmh,
        profile=profile,
        basic_share=basic_share,
        targets=targets,
        circles=CircleRules(cluster_radius_m=cluster_radius_m),
        grades=GradeRules(),
    )
    options = TimeOptions(
        at=at,
        unknown=unknown_hours,
        by_hour=by_hour,
        weekday=day_from_text(weekday),
        weekend=day_from_text(weekend),
        need=need,
    )
    with (
        open_database_cli() as (engine, settings),
        changing_city(engine, settings, name, "assess") if save else contextlib.nullcontext(),
        step_progress(err, f"assess {name}", total=ASSESS_STEPS + by_hour) as step,
    ):
        document = run_timed_assessment(
            engine=engine, name=name, params=params, options=options, save=save, progress=step
        )
    if as_json:
        emit_json(document)
        return
    out.print(summary_table(document))
    if options.active:
        for table in time_tables(document):
            out.print(table)
    out.print(targets_table(document))
    if (types := pilots_table(document)) is not None:
        out.print(types)


def time_tables(document: dict[str, Any]) -> list[Table]:
    """The moment assessed, unknown hours per category, hourly curves and served when needed."""
    time = document["run"]["parameters"]["time"]
    city = document["city"]
    head = (
        (f"at {time['at']}" if time["at"] else "regardless of the hour")
        + f" · places of unknown hours count as {time['unknown_hours']}"
        + (" (the default)" if time["unknown_hours"] == time["unknown_hours_default"] else "")
    )
    table = Table(title=head, title_justify="left")
    for col in ("category", "coverage", "unknown hours"):
        table.add_column(col)
    for c in document["categories"]:
        if c["group"] == "basic":
            code = c["code"]
            table.add_row(
                f"{c['name_zh']} {code}",
                _pct(city["coverage"][code]),
                _pct(city["hours_unknown"][code]),
            )
    tables = [table]
    if (hourly := document.get("by_hour")) is not None:
        curves = Table(
            title=f"coverage by hour ({time['weekday']} / {time['weekend']}), city",
            title_justify="left",
        )
        curves.add_column("category")
        shown = range(0, 24, 3)
        for h in shown:
            curves.add_column(f"{h:02d}h", justify="right")
        curves.add_column("served when needed", justify="right")
        served = city["served_when_needed"]
        for code in hourly["categories"]:
            for half in ("weekday", "weekend"):
                values = hourly["city"][half][code]
                curves.add_row(
                    f"{code} ({time[half]})",
                    *(_pct(values[h]) for h in shown),
                    _pct(served["categories"].get(code)) if half == "weekday" else "",
                )
        tables.append(curves)
        tables.append(
            Table(
                title=f"served when needed, every basic category: {_pct(served['all'])}",
                title_justify="left",
            )
        )
    return tables


def runs_cmd(name: NameArg, as_json: JsonOpt = False) -> None:
    """List a city's stored assessment runs."""
    from lifecircle.services.assess import list_runs  # noqa: PLC0415

    with open_database_cli() as (engine, _):
        runs = list_runs(engine=engine, name=name)
    if as_json:
        emit_json(runs)
        return
    table = Table(title=f"{name}: assessment runs", title_justify="left")
    for col in (
        "run",
        "when (UTC)",
        "communities",
        "basic complete",
        "residents",
        "speed",
        "limits",
    ):
        table.add_column(col)
    for r in runs:
        p = r["parameters"]
        table.add_row(
            str(r["id"]),
            r["created_at"][:19].replace("T", " "),
            str(r["communities"]),
            str(r["basic_complete"]),
            f"{r['population']:,.0f}",
            f"{p.get('speed_kmh', '')} km/h",
            ", ".join(f"{k} {v:g}" for k, v in p.get("limit_minutes", {}).items()),
        )
    out.print(table)
    for r in runs:  # below the table: a line each, readable at any width
        out.print(f"run {r['id']} fed by {escape(data_sources(r['imports']))}", soft_wrap=True)


def data_sources(imports: list[dict[str, Any]]) -> str:
    """Every import of a run by kind: ``places Helsinki, futian_amap; population buildings``."""
    names: dict[str, list[str]] = {}
    for entry in imports:
        kind = str(entry.get("kind", ""))
        name = (
            entry.get("source_name")
            or entry.get("method")
            or (f"units {entry['units']}" if entry.get("units") else None)
            or entry.get("source")
            or "?"
        )
        names.setdefault(kind, []).append(str(name))
    return "; ".join(f"{kind} {', '.join(listed)}" for kind, listed in names.items())


def compare_cmd(
    name: NameArg,
    before: Annotated[int, typer.Argument(help="The earlier run id.")],
    after: Annotated[
        int | None, typer.Argument(help="The later run id (default: the latest).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Compare two runs: parameters, data, headline figures, communities gained or lost."""
    from lifecircle.services.assess import stored_assessment  # noqa: PLC0415
    from lifecircle.services.compare import compare_runs  # noqa: PLC0415

    with open_database_cli() as (engine, _):
        a = stored_assessment(engine=engine, name=name, run_id=before)
        b = stored_assessment(engine=engine, name=name, run_id=after)
    diff = compare_runs(a, b)
    if as_json:
        emit_json(diff)
        return
    runs = diff["runs"]
    out.print(f"[bold]{name}[/]: run {runs['before']['id']} → run {runs['after']['id']}")
    for key, change in diff["parameters"].items():
        out.print(f"  parameters {key}: {change['before']} → {change['after']}")
    for key, change in diff["data"].items():
        was, now = (change[k] or "none" for k in ("before", "after"))
        out.print(f"  data {escape(key)}: {was} → {now}")
    for side in ("before", "after"):
        out.print(f"  {side}: fed by {escape(data_sources(diff['imports'][side]))}")
    table = Table(title="headline", title_justify="left")
    for col in ("figure", "before", "after", "change"):
        table.add_column(col)
    for key, row in diff["headline"].items():
        table.add_row(key, *(str(row[k]) for k in ("before", "after", "change")))
    out.print(table)
    out.print(f"gained full basic coverage: {', '.join(diff['gained']) or '—'}")
    out.print(f"lost full basic coverage: {', '.join(diff['lost']) or '—'}")
    out.print(f"{len(diff['coverage_changes'])} communities changed coverage or grade")


def _at(text: str, option: str) -> tuple[str, float, float]:
    """``WHAT@LON,LAT`` → (what, lon, lat)."""
    what, sep, where = text.partition("@")
    try:
        lon, lat = (float(v) for v in where.split(","))
    except ValueError:
        sep = ""
    if not sep or not what:
        raise ValidationError(f"{option} {text!r}: expected {option[2:].upper()}@LON,LAT")
    return what, lon, lat


def whatif_cmd(
    name: NameArg,
    add: Annotated[
        str | None, typer.Option("--add", help="Add a place: CATEGORY@LON,LAT (WGS-84).")
    ] = None,
    remove: Annotated[str | None, typer.Option("--remove", help="Remove a place: UID.")] = None,
    move: Annotated[str | None, typer.Option("--move", help="Move a place: UID@LON,LAT.")] = None,
    run: Annotated[
        int | None, typer.Option("--run", help="The run to start from (default: the latest).")
    ] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="Count only places open then: 'Mon 07:30' or ISO date-time."),
    ] = None,
    unknown_hours: Annotated[
        str, typer.Option("--unknown-hours", help="Places of unknown hours: open or closed.")
    ] = "open",
    hours: Annotated[
        str | None,
        typer.Option(
            "--hours", help="The added shop's hours, e.g. '07:00-22:00' or 'Mo-Fr 08:00-20:00'."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """What if one place were added, removed or moved: before and after, where it matters.

    Only the communities within the place's reverse catchment are re-scored; the run is
    not changed.
    """
    from lifecircle.services.whatif import Change, what_if  # noqa: PLC0415

    given = [o for o in (add, remove, move) if o is not None]
    if len(given) != 1:
        raise ValidationError("give exactly one of --add, --remove, --move")
    if add is not None:
        category, lon, lat = _at(add, "--add")
        change = Change(op="add", category=category, lon=lon, lat=lat, hours=hours)
    elif remove is not None:
        change = Change(op="remove", uid=remove)
    else:
        assert move is not None
        uid, lon, lat = _at(move, "--move")
        change = Change(op="move", uid=uid, lon=lon, lat=lat)
    with open_database_cli() as (engine, _), step_progress(err, f"what-if {name}", total=3) as step:
        result = what_if(
            engine=engine,
            name=name,
            change=change,
            run_id=run,
            progress=step,
            at=at,
            unknown=unknown_hours,
        )
    if as_json:
        emit_json(result)
        return
    before, after = result["city"]["before"], result["city"]["after"]
    out.print(
        f"[bold]{name}[/] what-if {result['change']} from run {result['run']['id']}: "
        f"{result['affected_points']} resident points, {len(result['communities'])} "
        f"communities re-scored in {result['elapsed_s']:.2f} s"
        + (" [yellow](the data changed since that run)[/]" if result["stale"] else "")
        + (f" at {result['at']} (unknown hours: {result['unknown_hours']})" if result["at"] else "")
    )
    out.print(
        f"communities with full basic coverage: {before['basic_complete']} → "
        f"{after['basic_complete']}; F15 {_pct(before['f15'])} → {_pct(after['f15'])}"
    )
    table = Table(title="re-scored communities", title_justify="left")
    for col in ("community", "residents", "basic", "missing before", "missing after", "grade"):
        table.add_column(col)
    zh = {c: c for c in result["city"]["after"]["coverage"]}
    for c in result["communities"]:
        b, a = c["before"], c["after"]
        table.add_row(
            c["code"],
            f"{a['population']:,.0f}",
            f"{'✓' if b['basic_complete'] else '✗'} → {'✓' if a['basic_complete'] else '✗'}",
            ", ".join(zh[m] for m in b["missing"]) or "—",
            ", ".join(zh[m] for m in a["missing"]) or "—",
            b["grade_zh"] if b["grade"] == a["grade"] else f"{b['grade_zh']} → {a['grade_zh']}",
        )
    out.print(table)


def report_cmd(
    name: NameArg,
    run: Annotated[int | None, typer.Argument(help="Run id (default: the latest).")] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="File to write: .html (report), .xlsx, .geojson, .gpkg or .csv "
            "(default out/NAME-run-ID.LANG.html).",
        ),
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="zh (default) or en.")] = "zh",
    plan: Annotated[
        int | None, typer.Option("--plan", help="Plan to include (default: the latest).")
    ] = None,
    no_plan: Annotated[bool, typer.Option("--no-plan", help="Leave plans out.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Write the report of an assessment run: HTML with maps and charts, or an export.

    The HTML report is one file that opens offline; .xlsx has a sheet per level for
    officials, .geojson/.gpkg open in QGIS or ArcGIS, .csv in any spreadsheet.
    """
    from lifecircle.services.report import write_report  # noqa: PLC0415

    with open_database_cli() as (engine, settings), step_progress(err, f"report {name}") as step:
        done = write_report(
            engine=engine,
            name=name,
            path=output,
            run_id=run,
            plan_id=plan,
            with_plan=not no_plan,
            lang=lang,
            assets_dir=settings.assets_dir,
            progress=step,
        )
    if as_json:
        emit_json(vars(done))
        return
    url = Path(done.path).resolve().as_uri()
    out.print(
        f"{done.format} report of run {done.run_id}"
        + (f" with plan {done.plan_id}" if done.plan_id else "")
        + f", {done.communities} communities, {done.bytes / 1e6:.1f} MB:"
    )
    out.print(url if done.format == "html" else done.path, soft_wrap=True, highlight=False)
