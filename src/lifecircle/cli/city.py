"""``lifecircle city``: create a city, import its files, describe it, export it.

The database is the one the settings name (``LIFECIRCLE_DATABASE_URL``, by default
``./data/lifecircle.db``), migrated on first use; a city's network file lives in
its folder, ``<data_dir>/cities/<name>/`` (see :func:`lifecircle.services.city.cities.city_folder`).
"""

from __future__ import annotations

import contextlib
import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from lifecircle.cli.output import emit_json
from lifecircle.errors import LifecircleError, ValidationError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.engine import Engine

    from lifecircle.config import Settings
    from lifecircle.services.city.cities import CityReport
    from lifecircle.services.city.runs import ImportOutcome
    from lifecircle.store.summary import ImportRunInfo

city_app = typer.Typer(
    help="Cities: create one, import its network, places, communities and population.",
    no_args_is_help=True,
)

out = Console()
err = Console(stderr=True)

WIDE = 100
"""Terminal columns from which ``city info`` shows the categories' English names."""

LISTED_REJECTS = 10
"""Problems of a run ``city info`` prints (``--json`` gives all)."""

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
NameArg = Annotated[str, typer.Argument(metavar="NAME", help="City name, e.g. helsinki or 深圳.")]


class ExportWhat(enum.StrEnum):
    """What ``city export`` writes."""

    PLACES = "places"
    COMMUNITIES = "communities"


@contextlib.contextmanager
def open_database_cli() -> Iterator[tuple[Engine, Settings]]:
    """The settings' database, migrated, disposed of at the end."""
    import pydantic  # noqa: PLC0415

    from lifecircle.config import get_settings  # noqa: PLC0415
    from lifecircle.services.city.cities import open_engine  # noqa: PLC0415

    try:
        settings = get_settings()
    except pydantic.ValidationError as exc:
        problem = "; ".join(str(e["msg"]) for e in exc.errors())
        raise ValidationError(f"settings (LIFECIRCLE_*): {problem}") from None
    engine = open_engine(settings)
    try:
        yield engine, settings
    finally:
        engine.dispose()


@contextlib.contextmanager
def changing_city(engine: Engine, settings: Settings, name: str, kind: str) -> Iterator[None]:
    """Hold the city's lock for a command that changes it, or fail at once (exit status 9).

    Temporary files a killed job left in the city's folder are removed first, and said
    so on standard error (see :mod:`lifecircle.services.city.locking`).
    """
    from lifecircle.services.city.locking import city_job  # noqa: PLC0415

    with city_job(engine=engine, settings=settings, name=name, kind=kind) as job:
        if job.swept:
            listed = ", ".join(escape(p.name) for p in job.swept)
            err.print(
                f"[yellow]removed {len(job.swept)} temporary file(s) a killed job left in "
                f"{escape(str(job.swept[0].parent))}:[/] {listed}",
                highlight=False,
                soft_wrap=True,
            )
        yield


@city_app.command("create")
def create_cmd(
    name: NameArg,
    taxonomy: Annotated[
        str,
        typer.Option(help="Category profile (shenzhen, mofcom) or a taxonomy CSV file."),
    ] = "shenzhen",
    exist_ok: Annotated[
        bool, typer.Option("--exist-ok", help="Succeed if the city exists already.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Create a city whose places are classified with a taxonomy."""
    from lifecircle.services.city.cities import create_city  # noqa: PLC0415

    with open_database_cli() as (engine, _):
        city = create_city(engine=engine, name=name, taxonomy=taxonomy, exist_ok=exist_ok)
    if as_json:
        emit_json(vars(city))
        return
    verb = "created" if city.created else "exists already:"
    out.print(f"{verb} city [bold]{escape(city.name)}[/] (taxonomy {escape(city.taxonomy)})")


@city_app.command("list")
def list_cmd(as_json: JsonOpt = False) -> None:
    """List the cities with their numbers of places, communities and import runs."""
    from lifecircle.services.city.cities import list_cities  # noqa: PLC0415

    with open_database_cli() as (engine, _):
        cities = list_cities(engine=engine)
    if as_json:
        emit_json([vars(c) for c in cities])
        return
    if not cities:
        out.print("no cities yet: `lifecircle city create NAME`")
        return
    table = Table(title="Cities")
    for col in ("name", "taxonomy", "places", "communities", "import runs", "network"):
        table.add_column(col, justify="right" if col in {"places", "communities"} else "left")
    for c in cities:
        table.add_row(
            escape(c.name),
            escape(c.taxonomy),
            f"{c.n_places:,}",
            f"{c.n_communities:,}",
            f"{c.n_import_runs:,}",
            escape(c.network_path or "-"),
        )
    out.print(table)


@city_app.command("import")
def import_cmd(
    name: NameArg,
    network: Annotated[
        Path | None,
        typer.Option(help="Street network: OSM .pbf/.osm, Overpass .json, .graphml or .lcnet."),
    ] = None,
    places: Annotated[
        Path | None, typer.Option(help="Places: OSM file, Amap export or id,lon,lat,category CSV.")
    ] = None,
    file_format: Annotated[
        str | None,
        typer.Option("--format", help="Places format: osm, amap or csv (osm by file name)."),
    ] = None,
    crs: Annotated[
        str | None,
        typer.Option(help="CRS of amap/csv places: wgs84, gcj02 (amap default) or bd09."),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(
            help="Name the places are kept under (default: the file's stem). Importing a "
            "source again replaces it: places it no longer lists are removed."
        ),
    ] = None,
    communities: Annotated[
        Path | None,
        typer.Option(help="社区/街道/区 boundaries (GeoJSON, GPKG, Shapefile) or a CSV code list."),
    ] = None,
    code_field: Annotated[str | None, typer.Option(help="Column of the unit codes.")] = None,
    name_field: Annotated[str | None, typer.Option(help="Column of the unit names.")] = None,
    street_field: Annotated[str | None, typer.Option(help="Column of the 街道 names.")] = None,
    district_field: Annotated[str | None, typer.Option(help="Column of the 区 names.")] = None,
    population_field: Annotated[str | None, typer.Option(help="Column of residents.")] = None,
    level: Annotated[
        str, typer.Option(help="Level of the communities file: community, street or district.")
    ] = "community",
    communities_crs: Annotated[
        str | None,
        typer.Option(help="CRS of the communities file if it does not say (e.g. EPSG:4547)."),
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option(help="社区 ↔ 居委会 table: plan_code,nbs_code[,note].")
    ] = None,
    units: Annotated[
        str | None,
        typer.Option(
            help="Make units where no communities exist: h3[:RES] over the network's area, "
            "or osm[:RES] (neighbourhoods of --units-source, else H3)."
        ),
    ] = None,
    units_source: Annotated[
        Path | None, typer.Option(help="OSM file for --units osm (default: --buildings).")
    ] = None,
    population: Annotated[
        Path | None, typer.Option(help="Population points: lon,lat,population (WGS-84).")
    ] = None,
    buildings: Annotated[
        Path | None,
        typer.Option(help="OSM file whose residential buildings give residents per unit."),
    ] = None,
    skip_bad: Annotated[
        bool,
        typer.Option(
            "--skip-bad", help="Import the good rows; write the bad ones to STEM.rejects.csv."
        ),
    ] = False,
    dedupe_m: Annotated[
        float,
        typer.Option(
            help="Merge similarly named places of two sources within this many metres (0: never).",
            min=0,
        ),
    ] = 30.0,
    as_json: JsonOpt = False,
) -> None:
    """Import files into a city: each file is one transaction, all rows or none.

    A file with bad rows is rejected whole, with every problem recorded (see `city
    info`), unless --skip-bad is given. Places are kept under a source (--source, by
    default the file's stem): importing it again updates its places, adds new ones and
    removes those it no longer lists. Steps run in this order: network, communities,
    mapping, units, places, population, buildings.
    """
    from lifecircle.io.units.communities import LEVELS  # noqa: PLC0415
    from lifecircle.services.city.imports import (  # noqa: PLC0415
        CityImportRequest,
        CommunityFields,
        ImportRejectedError,
        import_city,
    )

    if level not in LEVELS:
        raise ValidationError(f"--level {level!r}: expected one of {', '.join(LEVELS)}")
    request = CityImportRequest(
        network=network,
        places=places,
        places_format=file_format,
        crs=crs,
        communities=communities,
        community_fields=CommunityFields(
            code=code_field,
            name=name_field,
            street=street_field,
            district=district_field,
            population=population_field,
            level=level,
            crs=communities_crs,
        ),
        mapping=mapping,
        units=units,
        units_source=units_source,
        population=population,
        buildings=buildings,
        skip_bad=skip_bad,
        dedupe_m=dedupe_m,
        source=source,
    )
    done: list[ImportOutcome] = []
    with (
        open_database_cli() as (engine, settings),
        changing_city(engine, settings, name, "import"),
        _progress(len(request.steps()), as_json) as step,
    ):
        try:
            import_city(
                engine=engine,
                settings=settings,
                name=name,
                request=request,
                on_step=step,
                on_done=done.append,
            )
        except LifecircleError as exc:
            # what was imported before the failure is reported; main() reports the error
            if as_json:
                report: dict[str, Any] = {
                    "city": name,
                    "imported": [o.as_dict() for o in done],
                    "error": str(exc),
                }
                if isinstance(exc, ImportRejectedError):
                    report["rejected"] = {
                        "path": exc.path,
                        "run_id": exc.run_id,
                        "problems": list(exc.rejects),
                    }
                emit_json(report)
            else:
                _print_outcomes(done)
            raise
    if as_json:
        emit_json({"city": name, "imported": [o.as_dict() for o in done]})
        return
    _print_outcomes(done)
    out.print(f"see `lifecircle city info {escape(name)}`")


@contextlib.contextmanager
def _progress(total: int, quiet: bool) -> Iterator[Any]:
    """A step counter with the current step's description (nothing when not a terminal)."""
    if quiet or not err.is_terminal:
        yield lambda _kind, _text: None
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} files"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=total)
        started = [False]

        def step(_kind: str, text: str) -> None:
            if started[0]:
                progress.advance(task)
            started[0] = True
            progress.update(task, description=text)

        yield step


def _print_outcomes(outcomes: list[ImportOutcome]) -> None:
    for o in outcomes:
        colour = "green" if o.status == "succeeded" else "yellow"
        out.print(
            f"[{colour}]{o.status}[/] {o.kind} {escape(Path(o.path).name)} "
            f"(run {o.run_id}): {escape(o.message)}"
        )
        for note in o.notes:
            out.print(f"  [dim]{escape(note)}[/]")
        if o.n_rejected:
            where = f"; written to {escape(o.rejects_file)}" if o.rejects_file else ""
            out.print(f"  [yellow]{o.n_rejected:,} row(s) left out{where}[/]")
    places = [o for o in outcomes if o.kind == "places" and "source_name" in o.details]
    if places:
        _print_places_table(places)


def _print_places_table(outcomes: list[ImportOutcome]) -> None:
    """Per places source: what the import added, updated, removed and merged."""
    table = Table(title="Places sources imported")
    columns = ("source", "places", "added", "updated", "removed", "merged", "left out")
    for col in columns:
        table.add_column(col, justify="left" if col == "source" else "right", overflow="fold")
    for o in outcomes:
        d = o.details
        kept = d.get("kept_by_other_sources", 0)
        table.add_row(
            escape(str(d["source_name"])),
            f"{o.n_imported:,}",
            f"{d['inserted']:,}",
            f"{d['updated']:,}",
            f"{d['removed']:,}" + (f" ({kept:,} kept by other sources)" if kept else ""),
            f"{d['merged']:,}",
            f"{o.n_rejected + d.get('clipped_areas', 0):,}",
        )
    out.print(table)


@city_app.command("info")
def info_cmd(name: NameArg, as_json: JsonOpt = False) -> None:
    """Places per category, communities, population, and every import run with its rejects."""
    from lifecircle.services.city.cities import city_info  # noqa: PLC0415

    with open_database_cli() as (engine, _):
        report = city_info(engine=engine, name=name)
    if as_json:
        emit_json(_report_json(report))
        return
    _print_report(report)


def _report_json(report: CityReport) -> dict[str, Any]:
    s = report.summary
    return {
        "name": s.name,
        "taxonomy": s.taxonomy,
        "created_at": s.created_at.isoformat(),
        "network_path": s.network_path,
        "network_exists": report.network_exists,
        "places": s.n_places,
        "uncategorised": s.uncategorised,
        "places_per_source": s.places_per_source,
        "places_per_category": [vars(c) for c in report.categories],
        "communities": s.n_communities,
        "communities_per_level": s.communities_per_level,
        "community_population": s.community_population,
        "units": vars(report.units),
        "mappings": s.n_mappings,
        "population": [
            {"method": method, "points": n, "people": people}
            for method, (n, people) in s.population_points.items()
        ],
        "import_runs": [
            {
                **{k: v for k, v in vars(run).items() if k != "rejects"},
                "started_at": run.started_at.isoformat(),
                "finished_at": None if run.finished_at is None else run.finished_at.isoformat(),
                "rejects": list(run.rejects),
            }
            for run in s.import_runs
        ],
        "taxonomy_problem": report.taxonomy_problem,
    }


def _print_report(report: CityReport) -> None:
    s = report.summary
    out.print(
        f"[bold]{escape(s.name)}[/] — taxonomy {escape(s.taxonomy)}, "
        f"created {s.created_at:%Y-%m-%d %H:%M} UTC"
    )
    network = s.network_path or "none (import one with --network)"
    missing = "" if report.network_exists or s.network_path is None else " [red](missing)[/]"
    out.print(f"network      {escape(network)}{missing}")
    sources = ", ".join(f"{k} {v:,}" for k, v in s.places_per_source.items()) or "none"
    out.print(
        f"places       {s.n_places:,} (source ids: {sources}); {s.uncategorised:,} uncategorised"
    )
    if s.n_places:
        _print_categories(report)
    levels = ", ".join(f"{k} {v:,}" for k, v in s.communities_per_level.items()) or "none"
    people = "" if s.community_population is None else f"; population {s.community_population:,}"
    out.print(f"communities  {s.n_communities:,} ({levels}){people}")
    u = report.units
    if u.level:
        out.print(
            f"units        places assigned by the {u.n_units:,} {u.level} boundaries: "
            f"{u.places_inside:,} inside, {u.places_outside:,} outside"
        )
    else:
        out.print("units        no boundaries: places are not assigned to units")
    out.print(f"mappings     {s.n_mappings:,} 社区 ↔ 居委会 pairs")
    for method, (n, total) in s.population_points.items():
        out.print(f"population   {escape(method)}: {total:,.0f} people at {n:,} points")
    if not s.population_points:
        out.print("population   none")
    if report.taxonomy_problem:
        err.print(f"[yellow]taxonomy: {escape(report.taxonomy_problem)}[/]")
    _print_runs(s.import_runs)


def _print_categories(report: CityReport) -> None:
    table = Table(title="Places per category")
    # English names only where they fit: codes and Chinese names are never cut
    columns: tuple[str, ...] = ("group", "code", "中文", "English", "places")
    if out.width < WIDE:
        columns = ("group", "code", "中文", "places")
    for col in columns:
        table.add_column(
            col, justify="right" if col == "places" else "left", no_wrap=col != "English"
        )
    last = ""
    for c in report.categories:
        cells = {
            "group": "" if c.group == last else c.group,
            "code": c.code,
            "中文": escape(c.name_zh),
            "English": escape(c.name_en),
            "places": f"{c.places:,}" if c.places else "[dim]0[/]",
        }
        table.add_row(*(cells[col] for col in columns))
        last = c.group
    out.print(table)


def _print_runs(runs: tuple[ImportRunInfo, ...]) -> None:
    if not runs:
        out.print("import runs  none")
        return
    table = Table(title="Import runs (newest first)")
    numbers = {"run", "rows", "imported", "rejected"}
    for col in ("run", "kind", "file (format)", "status", "rows", "imported", "rejected"):
        table.add_column(
            col,
            justify="right" if col in numbers else "left",
            no_wrap=col != "file (format)",
            overflow="fold",
            min_width=12 if col == "file (format)" else None,
        )
    colours = {"succeeded": "green", "partial": "yellow", "rejected": "red", "failed": "red"}
    for run in runs:
        colour = colours.get(run.status, "white")
        table.add_row(
            str(run.id),
            run.kind,
            f"{escape(Path(run.source_path).name)} [dim]({escape(run.format)})[/]",
            f"[{colour}]{run.status}[/]",
            f"{run.n_rows:,}",
            f"{run.n_imported:,}",
            f"{run.n_rejected:,}",
        )
    out.print(table)
    for run in runs:
        if run.message:
            out.print(f"run {run.id}: {escape(run.message)}")
    shown: set[tuple[str, str]] = set()
    for run in runs:  # newest first: an older run of the same file is history
        if not run.rejects or (run.kind, run.source_path) in shown:
            continue
        shown.add((run.kind, run.source_path))
        what = "rejected, nothing imported" if run.status == "rejected" else "left out"
        out.print(
            f"run {run.id} {escape(run.source_path)}: {run.n_rejected:,} row(s) {what}, "
            f"{len(run.rejects):,} problem(s):"
        )
        for reject in run.rejects[:LISTED_REJECTS]:
            where = f"line {reject['line']}" if "line" in reject else reject.get("feature", "file")
            column = f"{reject['column']}: " if reject.get("column") else ""
            out.print(f"  {escape(str(where))}: {escape(column + str(reject['problem']))}")
        if len(run.rejects) > LISTED_REJECTS:
            rest = len(run.rejects) - LISTED_REJECTS
            out.print(f"  … and {rest:,} more (`city info --json` lists them all)")


@city_app.command("export")
def export_cmd(
    name: NameArg,
    what: Annotated[ExportWhat, typer.Argument(help="places or communities.")],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="File to write: .csv, .geojson or .gpkg.")
    ],
    as_json: JsonOpt = False,
) -> None:
    """Write a city's places (id,name,lon,lat,categories,source) or communities to a file."""
    from lifecircle.services.city.cities import export_communities, export_places  # noqa: PLC0415

    export = export_places if what is ExportWhat.PLACES else export_communities
    with open_database_cli() as (engine, _):
        result = export(engine=engine, name=name, path=output)
    if as_json:
        emit_json(vars(result))
        return
    out.print(f"wrote {result.rows:,} {what.value} to {escape(result.path)} ({result.format})")
