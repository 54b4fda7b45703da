"""Reports of a stored run: the self-contained HTML report, or an export for Excel or GIS."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lifecircle.errors import NotFoundError, ValidationError
from lifecircle.io.export.assessment import FORMATS, write_assessment
from lifecircle.io.export.output import atomic_text
from lifecircle.services.assess import stored_assessment
from lifecircle.services.city.cities import stored_units
from lifecircle.services.integrity import report_complaints
from lifecircle.store import cities as city_store
from lifecircle.store.db import session_scope
from lifecircle.store.runs import get_plan

if TYPE_CHECKING:
    from collections.abc import Callable

    from shapely.geometry.base import BaseGeometry
    from sqlalchemy.engine import Engine

REPORT_SUFFIXES = (".html", *FORMATS)
"""What ``lifecircle report -o`` writes, by the file's suffix."""


@dataclass(frozen=True)
class ReportOutcome:
    """A written report: where, in which format, of which run and plan."""

    path: str
    format: str
    run_id: int
    plan_id: int | None
    communities: int
    bytes: int


def report_inputs(
    *, engine: Engine, name: str, run_id: int | None = None, plan_id: int | None = None,
    with_plan: bool = True,
) -> tuple[dict[str, Any], dict[str, BaseGeometry | None], dict[str, Any] | None]:  # fmt: skip
    """The run's document, its communities' boundaries, and the plan to show (if any).

    Without ``plan_id`` the city's latest plan is shown when there is one.
    """
    document = stored_assessment(engine=engine, name=name, run_id=run_id)
    with session_scope(engine) as session:
        city_id = city_store.get_city(session, name=name).id
        units = {u.code: u.geometry for u in stored_units(session, city_id=city_id)}
        plan = None
        if with_plan:
            try:
                plan = get_plan(session, city_id=city_id, city=name, plan_id=plan_id)
            except NotFoundError:
                if plan_id is not None:
                    raise
    geometries = {c["code"]: units.get(c["code"]) for c in document["communities"]}
    return document, geometries, plan


def default_report_path(name: str, run_id: int, lang: str) -> Path:
    """``out/NAME-run-ID.LANG.html`` under the working directory."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)
    return Path("out") / f"{safe}-run-{run_id}.{lang}.html"


def write_report(
    *,
    engine: Engine,
    name: str,
    path: Path | None = None,
    run_id: int | None = None,
    plan_id: int | None = None,
    with_plan: bool = True,
    lang: str = "zh",
    assets_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> ReportOutcome:
    """Write the report of a stored run (default: the latest) in the format of ``path``.

    ``.html`` is the self-contained report (maps, charts, a card per community);
    ``.xlsx``, ``.geojson``, ``.gpkg`` and ``.csv`` are the exports. ``progress`` is
    called with the name of each of its two steps as it starts (reading, writing).

    Raises
    ------
    NotFoundError
        If the city, the run or the plan asked for does not exist.
    ValidationError
        On an unknown suffix or language.
    DataError
        If the report's JavaScript libraries are not installed (``npm ci``).

    """
    suffix = ".html" if path is None else path.suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise ValidationError(
            f"{path}: unknown report format {suffix!r}; expected {', '.join(REPORT_SUFFIXES)}"
        )
    step = progress or (lambda _: None)
    step("reading the run")
    document, geometries, plan = report_inputs(
        engine=engine, name=name, run_id=run_id, plan_id=plan_id, with_plan=with_plan
    )
    step(f"writing the {suffix.lstrip('.')} report")
    rid = int(document["run"]["id"])
    target = default_report_path(name, rid, lang) if path is None else path
    plan_used = None if plan is None else plan["plan"].get("id")
    if suffix == ".html":
        from lifecircle.report import render_report  # noqa: PLC0415 (jinja2 only here)
        from lifecircle.report.assets import load_assets  # noqa: PLC0415

        html = render_report(
            document,
            geometries=geometries,
            plan=plan,
            lang=lang,
            assets=load_assets(assets_dir),
            complaints=report_complaints(engine=engine, city=name, document=document),
        )
        with atomic_text(target) as fh:
            fh.write(html)
    else:
        write_assessment(document, target, geometries=geometries, plan=plan, lang=lang)
    return ReportOutcome(
        path=str(target),
        format=suffix.lstrip("."),
        run_id=rid,
        plan_id=plan_used,
        communities=len(document["communities"]),
        bytes=target.stat().st_size,
    )
