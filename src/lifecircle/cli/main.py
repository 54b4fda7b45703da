"""The ``lifecircle`` command line: noun-verb groups over the services, one error exit point."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lifecircle import __version__
from lifecircle.cli.assess import assess_cmd, compare_cmd, report_cmd, runs_cmd, whatif_cmd
from lifecircle.cli.batch import batch_app
from lifecircle.cli.city import city_app
from lifecircle.cli.coupons import coupons_app
from lifecircle.cli.indicators import stats_cmd, usage_cmd
from lifecircle.cli.output import emit_json
from lifecircle.cli.places import categories_cmd, places_app
from lifecircle.cli.plan import plan_cmd
from lifecircle.cli.progress import stages
from lifecircle.cli.serve import db_app, serve_cmd
from lifecircle.cli.shops import shops_app
from lifecircle.cli.stock import stock_app
from lifecircle.cli.user import user_app
from lifecircle.core.walk.impedance import DEFAULT_MINUTES, MAX_SNAP_M, PROFILES, WALK_SPEED_KMH
from lifecircle.errors import (
    BusyError,
    ConflictError,
    DataError,
    FileAccessError,
    InfeasibleError,
    LifecircleError,
    NotFoundError,
    OptionalDependencyError,
    ValidationError,
)

app = typer.Typer(
    name="lifecircle",
    help="一刻钟便民生活圈 / quarter-hour living circles: walking access on real street networks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
network_app = typer.Typer(help="Build and inspect walking networks.", no_args_is_help=True)
app.add_typer(network_app, name="network")
app.add_typer(places_app, name="places", help="Extract places and homes from OSM files.")
app.add_typer(city_app, name="city", help="Cities in the database: create, import, info, export.")
app.command("categories")(categories_cmd)
app.command("plan")(plan_cmd)
app.command("assess")(assess_cmd)
app.command("runs")(runs_cmd)
app.command("compare")(compare_cmd)
app.command("whatif")(whatif_cmd)
app.command("report")(report_cmd)
app.add_typer(batch_app, name="batch")
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(shops_app, name="shops")
app.add_typer(stock_app, name="stock")
app.add_typer(coupons_app, name="coupons")
app.command("stats")(stats_cmd)
app.command("usage")(usage_cmd)
app.command("serve")(serve_cmd)

out = Console()
err = Console(stderr=True)


class ExitStatus(enum.IntEnum):
    """Process exit codes (documented in the README)."""

    OK = 0
    ERROR = 1
    USAGE = 2
    DATA = 3
    NOT_FOUND = 4
    INVALID = 5
    INFEASIBLE = 6
    MISSING_DEPENDENCY = 7
    FILE = 8
    BUSY = 9


def _status(exc: LifecircleError) -> ExitStatus:
    for cls, status in (
        (OptionalDependencyError, ExitStatus.MISSING_DEPENDENCY),
        (FileAccessError, ExitStatus.FILE),
        (NotFoundError, ExitStatus.NOT_FOUND),
        (DataError, ExitStatus.DATA),
        (ValidationError, ExitStatus.INVALID),
        (BusyError, ExitStatus.BUSY),
        (ConflictError, ExitStatus.INVALID),
        (InfeasibleError, ExitStatus.INFEASIBLE),
    ):
        if isinstance(exc, cls):
            return status
    return ExitStatus.ERROR


def _parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if text is None:
        return None
    try:
        a, b, c, d = (float(v) for v in text.split(","))
    except ValueError:
        raise ValidationError(
            f"--bbox {text!r}: expected minlon,minlat,maxlon,maxlat in degrees"
        ) from None
    if not (a < c and b < d and a >= -180 and c <= 180 and b >= -90 and d <= 90):
        raise ValidationError(f"--bbox {text!r}: expected minlon,minlat,maxlon,maxlat")
    return (a, b, c, d)


def _parse_point(text: str) -> tuple[float, float]:
    try:
        lon, lat = (float(v) for v in text.split(","))
    except ValueError:
        raise ValidationError(f"--at {text!r}: expected LON,LAT in degrees") from None
    return lon, lat


def _parse_minutes_for(items: list[str] | None) -> dict[str, float]:
    result: dict[str, float] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        try:
            result[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not name.strip():
            raise ValidationError(f"--minutes-for {item!r}: expected CATEGORY=MINUTES")
    return result


def _category_names() -> dict[str, str]:
    """Chinese name of each code of the default taxonomy, for readable tables."""
    from lifecircle.io.places.taxonomy import load_taxonomy  # noqa: PLC0415

    return {c.code: c.name_zh for c in load_taxonomy("shenzhen").categories}


def _speed(speed_kmh: float | None, profile: str) -> float:
    if profile not in PROFILES:
        raise ValidationError(f"--profile {profile!r}: expected one of {', '.join(PROFILES)}")
    return PROFILES[profile].speed_kmh if speed_kmh is None else speed_kmh


JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
MinutesOpt = Annotated[
    float, typer.Option("--minutes", help="Walking time limit in minutes.", min=0, max=240)
]
SpeedOpt = Annotated[
    float | None,
    typer.Option(
        "--speed-kmh", help=f"Walking speed in km/h (default {WALK_SPEED_KMH}, or the profile's)."
    ),
]
ProfileOpt = Annotated[
    str, typer.Option("--profile", help="Walking profile: adult (4.0 km/h) or elderly (3.2).")
]
CrsOpt = Annotated[
    str, typer.Option("--crs", help="Coordinate system of the input files: wgs84, gcj02 or bd09.")
]
SnapOpt = Annotated[
    float,
    typer.Option("--max-snap-m", help="Leave out points farther than this from every street."),
]


@network_app.command("build")
def network_build(
    source: Annotated[Path, typer.Argument(help="OSM .osm.pbf/.osm, Overpass .json or .graphml")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Network file to write.")],
    bbox: Annotated[
        str | None, typer.Option(help="Clip to minlon,minlat,maxlon,maxlat (degrees).")
    ] = None,
    boundary: Annotated[
        Path | None, typer.Option(help="Clip to the polygons of a GeoJSON file.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Build a walking network file from a street network source."""
    from lifecircle.io.network.osm import boundary_from_geojson  # noqa: PLC0415 - needs shapely only
    from lifecircle.services.networks import build_network_file  # noqa: PLC0415

    box = _parse_bbox(bbox)
    shape = boundary_from_geojson(boundary) if boundary is not None else None
    with stages(err, ["reading and building"], enabled=not as_json):
        outcome = build_network_file(source, output, bbox=box, boundary=shape)
    net, rep, tab = outcome.net, outcome.report, outcome.tables
    info = {
        "output": str(output),
        "source": net.source,
        "nodes": net.n_nodes,
        "segments": net.n_segments,
        "total_length_km": round(net.total_length_m / 1000.0, 3),
        "ways_kept": tab.ways_kept,
        "ways_dropped": tab.ways_dropped,
        "components": rep.components,
        "dropped_nodes": rep.dropped_nodes,
        "dropped_segments": rep.dropped_segments,
        "dropped_length_km": round(rep.dropped_length_m / 1000.0, 3),
        "notes": list(tab.notes),
    }
    if as_json:
        emit_json(info)
        return
    out.print(
        f"[bold]{output}[/]: {net.n_nodes:,} nodes, {net.n_segments:,} segments, "
        f"{net.total_length_m / 1000:,.1f} km of walkable street from {net.source}"
    )
    out.print(
        f"ways kept {tab.ways_kept:,}, not walkable {tab.ways_dropped:,}; "
        f"{rep.components} connected component(s): kept the largest, dropped "
        f"{rep.dropped_nodes:,} nodes / {rep.dropped_segments:,} segments "
        f"({rep.dropped_length_m / 1000:,.2f} km)"
    )
    for note in tab.notes:
        out.print(f"note: {note}")


@network_app.command("info")
def network_info_cmd(
    network: Annotated[Path, typer.Argument(help="A network file written by `network build`.")],
    as_json: JsonOpt = False,
) -> None:
    """Print nodes, segments, total length, bounding box and source of a network file."""
    from lifecircle.services.networks import network_info  # noqa: PLC0415

    info = network_info(network)
    if as_json:
        emit_json(info)
        return
    table = Table(show_header=False, box=None)
    for key in (
        "path",
        "source",
        "created",
        "nodes",
        "segments",
        "total_length_km",
        "bbox",
        "epsg",
    ):
        value = info[key]
        table.add_row(key, f"{value:,}" if isinstance(value, int) else str(value))
    out.print(table)


@app.command("access")
def access_cmd(
    network: Annotated[Path, typer.Option(help="Network file.")],
    origins: Annotated[Path, typer.Option(help="CSV with id,lon,lat.")],
    places: Annotated[Path, typer.Option(help="CSV with id,lon,lat,category.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV to write.")],
    minutes: MinutesOpt = DEFAULT_MINUTES,
    speed_kmh: SpeedOpt = None,
    profile: ProfileOpt = "adult",
    minutes_for: Annotated[
        list[str] | None,
        typer.Option("--minutes-for", help="Per-category limit, CATEGORY=MINUTES (repeatable)."),
    ] = None,
    crs: CrsOpt = "wgs84",
    max_snap_m: SnapOpt = MAX_SNAP_M,
    as_json: JsonOpt = False,
) -> None:
    """Walking minutes to the nearest place of each category, and counts, for every origin."""
    from lifecircle.services.access import (  # noqa: PLC0415
        access_summary,
        run_access,
        write_access_csv,
    )

    speed = _speed(speed_kmh, profile)
    with stages(err, ["computing"], enabled=not as_json):
        run = run_access(
            network=network,
            origins=origins,
            places=places,
            minutes=minutes,
            speed_kmh=speed,
            crs=crs,
            max_snap_m=max_snap_m,
            minutes_for=_parse_minutes_for(minutes_for),
        )
        n_rows = write_access_csv(run, output)
    summary = access_summary(run)
    left_out = [{"kind": u.kind, "id": u.id, "line": u.line} for u in run.unsnapped]
    if as_json:
        emit_json(
            {
                "output": str(output),
                "rows": n_rows,
                "speed_kmh": speed,
                "categories": summary,
                "left_out": left_out,
            }
        )
        return
    table = Table(
        title=f"步行可达 Walking access ({speed:g} km/h) — {len(run.origins.ids):,} origins"
    )
    for col in ("类别 category", "places", "limit min", "reached", "median min", "mean count"):
        table.add_column(col, justify="left" if col.startswith("类别") else "right")
    names = _category_names()
    for row in summary:
        table.add_row(
            names.get(row["category"], row["category"]),
            f"{row['places']:,}",
            f"{row['minutes_limit']:g}",
            f"{row['share_reached']:.1%}",
            "-" if row["median_minutes"] is None else f"{row['median_minutes']:.1f}",
            f"{row['mean_count']:.1f}",
        )
    out.print(table)
    if left_out:
        err.print(
            f"[yellow]left out {len(left_out)} point(s) farther than {max_snap_m:g} m from "
            "every street:[/] "
            + ", ".join(f"{u['kind']} {u['id']} (line {u['line']})" for u in left_out[:10])
            + (" …" if len(left_out) > 10 else "")
        )
    out.print(f"wrote {n_rows:,} rows to {output}")


@app.command("reach")
def reach_cmd(
    network: Annotated[Path, typer.Option(help="Network file.")],
    places: Annotated[Path, typer.Option(help="CSV with id,lon,lat,category.")],
    at: Annotated[str, typer.Option("--at", help="Start point LON,LAT.")],
    minutes: MinutesOpt = DEFAULT_MINUTES,
    speed_kmh: SpeedOpt = None,
    profile: ProfileOpt = "adult",
    crs: CrsOpt = "wgs84",
    max_snap_m: SnapOpt = MAX_SNAP_M,
    isochrone: Annotated[
        bool, typer.Option("--isochrone", help="Also compute the reachable-area polygon.")
    ] = False,
    route_to: Annotated[
        str | None, typer.Option("--route-to", help="Only the route to this place id.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="GeoJSON of places, routes, isochrone.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Every place within a walking time of one point, nearest first, with routes."""
    from lifecircle.services.access import (  # noqa: PLC0415
        reach_geojson,
        reach_records,
        run_reach,
        write_geojson,
    )

    lon, lat = _parse_point(at)
    speed = _speed(speed_kmh, profile)
    run = run_reach(
        network=network,
        lon=lon,
        lat=lat,
        places=places,
        minutes=minutes,
        speed_kmh=speed,
        crs=crs,
        max_snap_m=max_snap_m,
        isochrone=isochrone or output is not None,
    )
    geo = reach_geojson(run, route_to=route_to)
    if output is not None:
        write_geojson(geo, output)
    records = reach_records(run)
    if as_json:
        iso = run.result.isochrone
        emit_json(
            {
                "origin": [lon, lat],
                "minutes": minutes,
                "speed_kmh": speed,
                "places": records,
                "isochrone_area_m2": None if iso is None else _area_m2(iso),
                "routes": [
                    f["geometry"]["coordinates"]
                    for f in geo["features"]
                    if f["properties"]["kind"] == "route"
                ],
            }
        )
        return
    table = Table(title=f"Within {minutes:g} min of {lon:.6f},{lat:.6f} ({speed:g} km/h)")
    for col in ("#", "id", "category", "metres", "minutes"):
        table.add_column(col, justify="right" if col in {"#", "metres", "minutes"} else "left")
    for i, rec in enumerate(records, 1):
        table.add_row(
            str(i), rec["id"], rec["category"], f"{rec['metres']:,.0f}", f"{rec['minutes']:.1f}"
        )
    out.print(table)
    if output is not None:
        out.print(f"wrote {output}")


def _area_m2(geom: Any) -> float:
    from lifecircle.core.walk.geodesy import WGS84_GEOD  # noqa: PLC0415

    area, _ = WGS84_GEOD.geometry_area_perimeter(geom)
    return round(abs(float(area)), 1)


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False,
) -> None:
    if version:
        out.print(f"lifecircle {__version__}")
        raise typer.Exit


def _os_problem(exc: OSError) -> str:
    """An OS error as ``path: problem`` (both paths of a failed rename)."""
    problem = exc.strerror or str(exc)
    names = [str(n) for n in (exc.filename, exc.filename2) if n is not None]
    return f"{' -> '.join(names)}: {problem}" if names else problem


def _fail(message: str, status: ExitStatus) -> int:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return int(status)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and translate every error into one line and an exit status.

    Typer reports usage errors itself (exit 2); errors of ours, and every OS error (a
    file that cannot be read or written: permission denied, disk full...), become one
    red line on standard error, with no traceback, and the status of :class:`ExitStatus`.
    """
    try:
        app(args=argv, prog_name="lifecircle")
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else int(ExitStatus.ERROR))
    except LifecircleError as exc:
        return _fail(str(exc), _status(exc))
    except OSError as exc:
        return _fail(_os_problem(exc), ExitStatus.FILE)
    return int(ExitStatus.OK)


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
