"""A batch: every city of a manifest imported (or loaded), assessed (or planned) and stored.

Each city is one task (:func:`run_city`): it opens its own engine from the settings'
URL (PostgreSQL for a shared deployment), replaces the city from its files, assesses
it exactly as ``lifecircle assess`` does, plans its gaps for ``batch plan``, stores the
runs and returns a small :class:`CityOutcome`. The task's only side effect is that
database write, and importing a city replaces it whole, so Dask's second run of a task
whose worker died stores the same figures. A city whose inputs are bad returns its error
and the other cities go on.
"""

from __future__ import annotations

import contextlib
import functools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import shapely
from pydantic import SecretStr

from lifecircle.core.walk.access import accessibility
from lifecircle.errors import LifecircleError, NotFoundError, ValidationError
from lifecircle.io.export.national import write_national_geoparquet, write_national_xlsx
from lifecircle.scale.tiles import CitySearch
from lifecircle.services.assess import AssessParams, assess
from lifecircle.services.city.cities import create_city
from lifecircle.services.city.data import load_compute_store
from lifecircle.services.city.imports import import_city
from lifecircle.services.city.locking import city_job
from lifecircle.services.plan import PlanParams, run_plan
from lifecircle.services.survey_results import latest_satisfaction
from lifecircle.store import cities as city_store
from lifecircle.store.db import make_engine, session_scope, writing
from lifecircle.store.runs import save_assessment

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from pathlib import Path

    from sqlalchemy.engine import Engine

    from lifecircle.config import Settings
    from lifecircle.scale.cluster import Runner
    from lifecircle.scale.manifest import CityJob
    from lifecircle.services.assess import AccessFn
    from lifecircle.services.city.data import CityData

MODES = ("assess", "plan")
"""What a batch does to each city: assess it, or assess it and plan its gaps."""

PLAN_CATEGORIES = ("basic",)
"""What ``batch plan`` plans: each basic category (the plan service's defaults otherwise)."""


@dataclass(frozen=True)
class CityOutcome:
    """A city's result: the summary row and one row per community, or its error.

    Attributes
    ----------
    name
        The city.
    row
        The national summary's figures of the city (:func:`summary_row`).
    communities
        One mapping per community: its figures and ``geometry`` (WKB, WGS-84, or None).
    categories
        ``(code, name_zh, name_en)`` of the city's categories, in taxonomy order.
    error
        Why the city failed (the file, field and problem), None when it did not.

    """

    name: str
    row: dict[str, Any] = field(default_factory=dict)
    communities: tuple[dict[str, Any], ...] = ()
    categories: tuple[tuple[str, str, str], ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the city was assessed and stored."""
        return self.error is None


def run_city(
    job: CityJob,
    *,
    settings: Settings,
    mode: str = "assess",
    access: AccessFn = accessibility,
    tile_nodes: int | None = None,
) -> CityOutcome:
    """One city's task: (re)import it, assess it (and plan it), store the runs.

    Parameters
    ----------
    job
        The city and its import requests (:mod:`lifecircle.scale.manifest`).
    settings
        Where to store: the database URL and the data folder (shared by every worker).
    mode
        ``"assess"``, or ``"plan"`` to also plan the gaps of each basic category.
    access
        The network search the assessment uses (a tiled one for a very large network).
    tile_nodes
        Search a network of more nodes than this in tiles with a halo
        (:class:`~lifecircle.scale.tiles.CitySearch`: exact; on a cluster the tiles are
        tasks of their own); ``None``: never.

    Returns
    -------
    CityOutcome
        With ``error`` set (and nothing stored after the failing step) when the city's
        inputs are bad.

    """
    if mode not in MODES:
        raise ValidationError(f"batch mode {mode!r}: expected one of {', '.join(MODES)}")
    if tile_nodes is not None:
        access = CitySearch(tile_nodes)
    started = time.perf_counter()
    base = make_engine(settings)
    # several workers write to one database: on SQLite every transaction takes the write
    # lock when it begins, as background jobs do (store.db.writing)
    engine = writing(base)
    try:
        # the city's lock for the whole task: a city busy with another job fails here
        with city_job(engine=engine, settings=settings, name=job.name, kind=f"batch {mode}"):
            if not job.stored:
                _replace_city(engine, settings, job)
            document, units = _assess_city(engine, job.name, access)
            plan = None
            if mode == "plan":
                plan = run_plan(engine=engine, name=job.name, params=PlanParams(PLAN_CATEGORIES))
    except (LifecircleError, OSError) as exc:
        return CityOutcome(job.name, row={"city": job.name}, error=_reason(exc))
    finally:
        base.dispose()
    return CityOutcome(
        job.name,
        row=summary_row(document, plan, elapsed_s=time.perf_counter() - started),
        communities=tuple(community_rows(document, units)),
        categories=tuple((c["code"], c["name_zh"], c["name_en"]) for c in document["categories"]),
    )


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.replace("\n", "; ")


def _replace_city(engine: Engine, settings: Settings, job: CityJob) -> None:
    """The city made again from its files: its old rows (runs included) are deleted first."""
    with session_scope(engine, write=True) as session, contextlib.suppress(NotFoundError):
        city_store.delete_city(session, name=job.name)  # NotFoundError: a new city
    create_city(engine=engine, name=job.name, taxonomy=job.taxonomy)
    for request in job.requests:
        import_city(engine=engine, settings=settings, name=job.name, request=request)


def _assess_city(
    engine: Engine, name: str, access: AccessFn
) -> tuple[dict[str, Any], Sequence[Any]]:
    """:func:`lifecircle.services.assess.run_assessment` with the search given, and the units."""
    seen: dict[str, CityData] = {}

    def compute(data: CityData) -> dict[str, Any]:
        seen["data"] = data
        satisfaction = latest_satisfaction(engine=engine, name=name)
        return assess(data, AssessParams(), satisfaction=satisfaction, access=access)

    document = load_compute_store(
        engine=engine,
        name=name,
        compute=compute,
        key="run",
        store=lambda s, city_id, doc: save_assessment(s, city_id=city_id, document=doc),
    )
    return document, seen["data"].units.geometries


def summary_row(
    document: dict[str, Any], plan: dict[str, Any] | None, *, elapsed_s: float
) -> dict[str, Any]:
    """The national summary's row of one city, from its assessment (and plan) document.

    ``population_covered_share`` is the share of the residents who live in a community
    where every basic category is within reach (``basic_complete``); ``coverage`` holds
    the city's share of residents reaching each category.
    """
    run, city = document["run"], document["city"]
    n = city["communities"]
    population = city["population"]
    complete_pop = sum(c["population"] for c in document["communities"] if c["basic_complete"])
    pilots = city["pilots"]
    return {
        "city": run["city"],
        "communities": n,
        "basic_complete": city["basic_complete"],
        "basic_complete_share": round(city["basic_complete"] / n, 4) if n else None,
        "population": population,
        "population_covered_share": round(complete_pop / population, 4) if population else None,
        "f15": city["f15"],
        "pilots_listed": pilots["listed"],
        "pilots_matched": pilots["matched"],
        "pilots_complete": sum(bool(r.get("basic_complete")) for r in pilots["rows"]),
        "places": city["places"],
        "network_nodes": run["data"]["network"]["nodes"],
        "run_id": run["id"],
        "plan_id": None if plan is None else plan["plan"]["id"],
        "new_sites": None if plan is None else len(plan["sites"]),
        "elapsed_s": round(elapsed_s, 3),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "coverage": dict(city["coverage"]),
    }


def community_rows(document: dict[str, Any], geometries: Sequence[Any]) -> Iterator[dict[str, Any]]:
    """One row per community: its figures and its boundary as WKB (None without one)."""
    city = document["run"]["city"]
    for record, geometry in zip(document["communities"], geometries, strict=True):
        yield {
            "city": city,
            "code": record["code"],
            "name": record["name"],
            "street": record["street"],
            "district": record["district"],
            "population": record["population"],
            "is_pilot": record["is_pilot"],
            "basic_complete": record["basic_complete"],
            "missing": list(record["missing"]),
            "grade": record["grade"],
            "circle_type": record["circle_type"],
            "f15": record["f15"],
            "coverage": dict(record["coverage"]),
            "geometry": None if geometry is None else shapely.to_wkb(geometry),
        }


@dataclass(frozen=True)
class BatchResult:
    """Every city's outcome in manifest order, and where and how long the batch ran."""

    outcomes: tuple[CityOutcome, ...]
    where: str
    elapsed_s: float

    @property
    def failed(self) -> tuple[CityOutcome, ...]:
        """The cities that failed."""
        return tuple(o for o in self.outcomes if not o.ok)


def run_batch(
    jobs: Sequence[CityJob],
    *,
    runner: Runner,
    settings: Settings,
    mode: str = "assess",
    retries: int = 2,
    tile_nodes: int | None = None,
    task: Callable[[CityJob], CityOutcome] | None = None,
    on_done: Callable[[CityOutcome], None] | None = None,
) -> BatchResult:
    """Run every city on ``runner``; a failing city is reported and the others go on.

    Parameters
    ----------
    jobs
        The manifest's cities.
    runner
        In-process or Dask (:func:`lifecircle.scale.cluster.open_runner`).
    settings
        The database and data folder; the database must be migrated already (the
        workers do not migrate it).
    mode
        ``"assess"`` or ``"plan"``.
    retries
        Times Dask runs a task again after it raised.
    tile_nodes
        Networks of more nodes are searched in tiles (:func:`run_city`).
    task
        The per-city function (default :func:`run_city` with ``settings`` and ``mode``).
    on_done
        Called with each outcome as it arrives (a progress bar).

    """
    if mode not in MODES:
        raise ValidationError(f"batch mode {mode!r}: expected one of {', '.join(MODES)}")
    if retries < 0:
        raise ValidationError(f"retries {retries}: expected 0 or more", field="retries")
    # the tasks travel to the workers with their settings: not the deployment's secret
    sent = settings.model_copy(update={"secret_key": SecretStr("")})
    task = task or functools.partial(run_city, settings=sent, mode=mode, tile_nodes=tile_nodes)
    started = time.perf_counter()
    outcomes: dict[int, CityOutcome] = {}
    for finished in runner.run(task, list(jobs), retries=retries):
        job = jobs[finished.index]
        if finished.error is not None:
            reason = f"{type(finished.error).__name__}: {_reason(finished.error)}"
            outcome = CityOutcome(job.name, row={"city": job.name}, error=reason)
        else:
            outcome = finished.result
        outcomes[finished.index] = outcome
        if on_done is not None:
            on_done(outcome)
    ordered = tuple(outcomes[i] for i in range(len(jobs)))
    return BatchResult(ordered, runner.where, round(time.perf_counter() - started, 3))


def summary_categories(result: BatchResult) -> tuple[tuple[str, str, str], ...]:
    """Every category of the batch's cities, in the order they first appear."""
    seen: dict[str, tuple[str, str, str]] = {}
    for outcome in result.outcomes:
        for category in outcome.categories:
            seen.setdefault(category[0], category)
    return tuple(seen.values())


def write_summary(
    result: BatchResult, folder: Path, *, mode: str = "assess", lang: str = "zh"
) -> tuple[Path, Path]:
    """Write the national summary: ``national_MODE.xlsx`` and ``national_MODE.parquet``.

    The workbook has one row per city (failed ones with their error); the GeoParquet
    file one row per community of every city that succeeded.
    """
    categories = summary_categories(result)
    xlsx, parquet = folder / f"national_{mode}.xlsx", folder / f"national_{mode}.parquet"
    rows = [{**o.row, "city": o.name, "error": o.error} for o in result.outcomes]
    write_national_xlsx(rows, xlsx, categories=categories, lang=lang)
    write_national_geoparquet(
        [c for o in result.outcomes for c in o.communities],
        parquet,
        categories=[c[0] for c in categories],
    )
    return xlsx, parquet
