"""``lifecircle batch assess|plan MANIFEST``: many cities in one run, on Dask or in-process."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lifecircle.cli.city import open_database_cli
from lifecircle.cli.output import emit_json
from lifecircle.cli.progress import count_progress

if TYPE_CHECKING:
    from lifecircle.scale.batch import BatchResult

FAILED_BASE = 100
"""Exit status of a batch in which cities failed: 100 + their number (at most 255)."""

batch_app = typer.Typer(
    help="Many cities at once from a manifest: in-process, or on a Dask cluster.",
    no_args_is_help=True,
)
out = Console()
err = Console(stderr=True)

ManifestArg = Annotated[
    Path,
    typer.Argument(
        metavar="MANIFEST",
        help=r"TOML (a \[\[city]] table per city) or CSV (a row per city): the cities and files.",
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler", help="Run on an existing Dask cluster: its scheduler, tcp://HOST:PORT."
    ),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers",
        min=1,
        max=512,
        help="Start a local Dask cluster of N worker processes (default: run in-process).",
    ),
]
SummaryOpt = Annotated[
    Path | None,
    typer.Option(
        "--summary-dir",
        help="Write the national summary here: national_MODE.xlsx (one row per city) and "
        "national_MODE.parquet (GeoParquet, one row per community).",
    ),
]
RetriesOpt = Annotated[
    int, typer.Option("--retries", min=0, max=10, help="Times Dask re-runs a task that failed.")
]
TilesOpt = Annotated[
    int | None,
    typer.Option(
        "--tile-nodes",
        min=1000,
        help="Search a city's network of more nodes than this in tiles with a halo of the "
        "walking limit, each tile a task of its own (exact; for a province-size network).",
    ),
]
LangOpt = Annotated[str, typer.Option("--lang", help="Language of the workbook: zh or en.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


@batch_app.command("assess")
def batch_assess_cmd(
    manifest: ManifestArg,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    summary_dir: SummaryOpt = None,
    retries: RetriesOpt = 2,
    tile_nodes: TilesOpt = None,
    lang: LangOpt = "zh",
    as_json: JsonOpt = False,
) -> None:
    """Import (or load) and assess every city of MANIFEST, storing each run.

    The manifest is checked whole before anything runs. A city whose inputs are bad is
    reported with its error and the others go on; the exit status is then 100 plus the
    number of cities that failed.
    """
    _batch("assess", manifest, scheduler, workers, summary_dir, retries, tile_nodes, lang, as_json)


@batch_app.command("plan")
def batch_plan_cmd(
    manifest: ManifestArg,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    summary_dir: SummaryOpt = None,
    retries: RetriesOpt = 2,
    tile_nodes: TilesOpt = None,
    lang: LangOpt = "zh",
    as_json: JsonOpt = False,
) -> None:
    """Import (or load), assess and plan the gaps of every city of MANIFEST.

    Each basic category is planned with the plan command's defaults (fewest new places
    along the streets, 15 minutes); the assessment and the plan are both stored.
    """
    _batch("plan", manifest, scheduler, workers, summary_dir, retries, tile_nodes, lang, as_json)


def _batch(
    mode: str,
    manifest: Path,
    scheduler: str | None,
    workers: int | None,
    summary_dir: Path | None,
    retries: int,
    tile_nodes: int | None,
    lang: str,
    as_json: bool,
) -> None:
    from lifecircle.io.export.xlsx import check_lang  # noqa: PLC0415
    from lifecircle.scale.batch import run_batch, write_summary  # noqa: PLC0415
    from lifecircle.scale.cluster import open_runner  # noqa: PLC0415
    from lifecircle.scale.manifest import load_manifest  # noqa: PLC0415

    check_lang(lang)
    cities = load_manifest(manifest).cities
    with (
        open_database_cli() as (_, settings),
        open_runner(scheduler=scheduler, workers=workers) as runner,
    ):
        if not as_json:
            err.print(f"{len(cities)} cities, {escape(runner.where)}")
            if runner.dashboard:
                err.print(f"Dask dashboard: {runner.dashboard}")
            if scheduler is not None and settings.is_sqlite:
                err.print(
                    "[yellow]note:[/] the database is a SQLite file: workers on other "
                    "machines cannot reach it (set LIFECIRCLE_DATABASE_URL to PostgreSQL)"
                )
        with count_progress(err, f"batch {mode}", total=len(cities), enabled=not as_json) as done:
            result = run_batch(
                cities,
                runner=runner,
                settings=settings,
                mode=mode,
                retries=retries,
                tile_nodes=tile_nodes,
                on_done=lambda o: done(o.name),
            )
    written = (
        () if summary_dir is None else write_summary(result, summary_dir, mode=mode, lang=lang)
    )
    if as_json:
        emit_json(_json(result, written))
    else:
        out.print(_table(result, mode))
        _errors(result)
        for path in written:
            out.print(f"wrote {path}")
    if result.failed:
        raise typer.Exit(code=FAILED_BASE + min(len(result.failed), 255 - FAILED_BASE))


def _json(result: BatchResult, written: tuple[Path, ...]) -> dict[str, Any]:
    return {
        "where": result.where,
        "elapsed_s": result.elapsed_s,
        "failed": len(result.failed),
        "cities": [{**o.row, "city": o.name, "error": o.error} for o in result.outcomes],
        "summary": [str(p) for p in written],
    }


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _table(result: BatchResult, mode: str) -> Table:
    table = Table(
        title=f"batch {mode}: {len(result.outcomes) - len(result.failed)} done, "
        f"{len(result.failed)} failed in {result.elapsed_s:,.1f} s ({result.where})",
        title_justify="left",
    )
    for col in ("city", "communities", "basic complete", "residents covered", "run", "s"):
        table.add_column(col, justify="left" if col == "city" else "right")
    if mode == "plan":
        table.add_column("new sites", justify="right")
    table.add_column("status")
    for o in result.outcomes:
        r = o.row
        cells = [
            escape(o.name),
            str(r.get("communities", "-")),
            _pct(r.get("basic_complete_share")),
            _pct(r.get("population_covered_share")),
            str(r.get("run_id", "-")),
            "-" if o.error else f"{r['elapsed_s']:.1f}",
        ]
        if mode == "plan":
            cells.append(str(r.get("new_sites", "-")))
        cells.append("done" if o.error is None else "[red]failed[/]")
        table.add_row(*cells)
    return table


def _errors(result: BatchResult) -> None:
    for o in result.failed:
        err.print(
            f"[bold red]{escape(o.name)}:[/] {escape(o.error or '')}",
            highlight=False,
            soft_wrap=True,
        )
