"""``lifecircle places extract`` and ``lifecircle categories``: OSM places by category."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lifecircle.cli.output import emit_json
from lifecircle.cli.progress import stages

if TYPE_CHECKING:
    from lifecircle.core.assess.categories import Taxonomy

PLACES_HEADER = ("id", "lon", "lat", "category", "name", "brand", "opening_hours", "rule")
HOMES_HEADER = ("id", "lon", "lat", "area_m2", "levels")

places_app = typer.Typer(
    help="Places (shops, services) and homes from OpenStreetMap.", no_args_is_help=True
)

out = Console()
err = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
TaxonomyOpt = Annotated[
    str,
    typer.Option("--taxonomy", help="Category profile: shenzhen, mofcom, or a taxonomy CSV file."),
]


@places_app.command("extract")
def extract_cmd(
    source: Annotated[
        Path, typer.Argument(metavar="INPUT", help="OpenStreetMap .osm.pbf or .osm file.")
    ],
    places: Annotated[
        Path, typer.Option("--places", help="CSV to write: one row per place and category.")
    ],
    homes: Annotated[
        Path | None, typer.Option("--homes", help="CSV of residential buildings to write.")
    ] = None,
    taxonomy: TaxonomyOpt = "shenzhen",
    as_json: JsonOpt = False,
) -> None:
    """Classify the shops and services of an OSM file and write them (and homes) as CSV.

    The places file has the columns id, lon, lat, category, name, brand, opening_hours,
    rule and one row per (place, category), ids ``n123:pharmacy``; it is ready for
    ``lifecircle access --places``. The homes file (id, lon, lat, area_m2, levels) is
    ready for ``--origins``.
    """
    from lifecircle.io.export.output import write_csv  # noqa: PLC0415
    from lifecircle.io.places.osm import (  # noqa: PLC0415
        OSM_REPORT_KEYS,
        homes_from_osm,
        places_from_osm,
    )
    from lifecircle.io.places.taxonomy import load_taxonomy  # noqa: PLC0415

    tax = load_taxonomy(taxonomy)
    names = ["reading places"] + (["reading homes"] if homes is not None else [])
    with stages(err, names, enabled=not as_json):
        # an extract to look at, not an import: bad objects are left out and counted
        table = places_from_osm(source, taxonomy=tax, skip_bad=True)
        home_table = homes_from_osm(source) if homes is not None else None
        rows = list(table.rows())
        write_csv(places, PLACES_HEADER, rows)
        if homes is not None and home_table is not None:
            write_csv(homes, HOMES_HEADER, home_table.rows())

    counts = table.counts()
    rep = table.report
    info: dict[str, Any] = {
        "input": str(source),
        "source": table.source,
        "taxonomy": tax.name,
        "places": {
            "path": str(places),
            "rows": len(rows),
            "places": len(table),
            **{key: rep[key] for key in OSM_REPORT_KEYS},
            "categories": [
                {
                    "group": c.group,
                    "code": c.code,
                    "name_zh": c.name_zh,
                    "name_en": c.name_en,
                    "count": counts.get(c.code, 0),
                }
                for c in tax.categories
            ],
        },
        "homes": None,
    }
    if home_table is not None:
        hr = home_table.report
        info["homes"] = {
            "path": str(homes),
            "rows": len(home_table),
            "buildings_seen": hr.buildings_seen,
            "residential": hr.residential,
            "fallback": hr.fallback,
            "building_nodes": hr.building_nodes,
            "broken_areas": hr.broken_areas,
        }
    if as_json:
        emit_json(info)
        return
    _print_counts(tax, counts, title=f"Places in {table.source} ({tax.name} taxonomy)")
    out.print(
        f"wrote {len(rows):,} rows ({len(table):,} places: {rep['nodes_kept']:,} nodes, "
        f"{rep['areas_kept']:,} areas) to {escape(str(places))}"
    )
    for note in table.notes:
        err.print(f"[yellow]{escape(note)}[/]")
    if rep["opening_hours_unparsed"]:
        err.print(
            f"[yellow]{rep['opening_hours_unparsed']} opening_hours value(s) kept as text only "
            f"(not a weekly pattern), e.g. {escape(str(table.warnings[0]))}[/]"
        )
    if home_table is not None:
        hr = home_table.report
        how = (
            f"fewer than the needed residential-tagged buildings ({hr.residential}), so every "
            "building not obviously non-residential"
            if hr.fallback
            else f"{hr.residential:,} residential-tagged buildings"
        )
        out.print(f"wrote {len(home_table):,} homes ({how}) to {escape(str(homes))}")


def _print_counts(tax: Taxonomy, counts: dict[str, int], *, title: str) -> None:
    table = Table(title=title)
    for col in ("group", "code", "中文", "English", "places"):
        table.add_column(
            col, justify="right" if col == "places" else "left", no_wrap=col != "English"
        )
    for group in ("basic", "quality", "facility"):
        for i, cat in enumerate(tax.in_group(group)):
            n = counts.get(cat.code, 0)
            table.add_row(
                "" if i else group,
                cat.code,
                escape(cat.name_zh),
                escape(cat.name_en),
                f"{n:,}" if n else "[dim]0[/]",
                end_section=i == len(tax.in_group(group)) - 1,
            )
    out.print(table)


def categories_cmd(
    taxonomy: TaxonomyOpt = "shenzhen",
    as_json: JsonOpt = False,
) -> None:
    """List the categories of a taxonomy: group, code, Chinese and English names, OSM rules."""
    from lifecircle.io.places.taxonomy import load_taxonomy  # noqa: PLC0415

    tax = load_taxonomy(taxonomy)
    if as_json:
        emit_json(
            {
                "taxonomy": tax.name,
                "categories": [
                    {
                        "order": c.order,
                        "group": c.group,
                        "code": c.code,
                        "name_zh": c.name_zh,
                        "name_en": c.name_en,
                        "osm_tags": c.osm_text,
                        "amap_typecodes": c.amap.text,
                        "name_kw": "|".join(c.gate.keywords),
                        "name_kw_exclude": "|".join(
                            (*c.gate.exclude, *(f"@{y}" for y in c.gate.yields_to))
                        ),
                        "name_kw_required": c.gate.scope,
                        "confidence": c.confidence,
                    }
                    for c in tax.categories
                ],
            }
        )
        return
    table = Table(title=f"{tax.name} taxonomy: {len(tax.categories)} categories")
    for col in ("group", "code", "中文", "English", "OSM rules", "name gate"):
        # codes and names are what users look up: never wrap them; rule lists fold instead
        table.add_column(col, no_wrap=col in {"group", "code", "中文"}, overflow="fold")
    for group in ("basic", "quality", "facility"):
        cats = tax.in_group(group)
        for i, c in enumerate(cats):
            table.add_row(
                "" if i else group,
                c.code,
                escape(c.name_zh),
                escape(c.name_en),
                escape(c.osm_text.replace(";", "; ")),
                "" if c.gate.scope == "never" else escape(c.gate.scope.replace(";", "; ")),
                end_section=i == len(cats) - 1,
            )
    out.print(table)
