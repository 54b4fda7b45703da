"""``city import``: several files into one city, each its own import run, in a fixed order.

The order is what later steps need: the network first (units cover its area, and
population falls back to it), then communities and the 社区 ↔ 居委会 mapping, generated
units, places, population points and residents from buildings. Each file is one
transaction; when one is rejected the steps before it stay imported and the ones after
it are not run. Every file is checked to exist before the first step starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lifecircle.errors import ValidationError
from lifecircle.services.city.places import (
    DEDUPE_M,
    OSM_SUFFIXES,
    import_network,
    import_places,
    places_format,
    source_name,
)
from lifecircle.services.city.runs import (
    ImportOutcome,
    ImportRejectedError,
    city_row,
    describe_reject,
    require_file,
)
from lifecircle.services.city.units import (
    CommunityFields,
    import_buildings,
    import_communities,
    import_mapping,
    import_population,
    make_units,
    parse_units,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from sqlalchemy.engine import Engine

    from lifecircle.config import Settings

__all__ = [
    "CityImportRequest",
    "CommunityFields",
    "ImportOutcome",
    "ImportRejectedError",
    "describe_reject",
    "import_city",
]


@dataclass(frozen=True)
class CityImportRequest:
    """The files of one ``city import`` and how to read them.

    Attributes
    ----------
    network
        Street network (OSM PBF/XML, Overpass JSON, GraphML) or a built ``.lcnet``.
    places, places_format, crs, source
        Places file, ``osm``/``amap``/``csv`` (``osm`` by name when not given), the CRS
        of an ``amap``/``csv`` file, and the source it is imported as (default: its
        stem; importing a source again replaces it).
    communities, community_fields
        Communities file (boundaries or a code list) and how to read it.
    mapping
        社区 ↔ 居委会 table ``plan_code,nbs_code[,note]``.
    units, units_source
        ``h3[:RES]`` or ``osm[:RES]``; the OSM file for ``osm`` (default: the
        buildings file, else the network or places file if it is OSM).
    population
        Population points ``lon,lat,population`` (WGS-84).
    buildings
        OSM file whose residential buildings give residents per unit.
    skip_bad
        Import the good rows of a file with bad ones, writing the rejects beside it.
    dedupe_m
        Metres within which similarly named places of two sources merge (0: never).

    """

    network: Path | None = None
    places: Path | None = None
    places_format: str | None = None
    crs: str | None = None
    communities: Path | None = None
    community_fields: CommunityFields = field(default_factory=CommunityFields)
    mapping: Path | None = None
    units: str | None = None
    units_source: Path | None = None
    population: Path | None = None
    buildings: Path | None = None
    skip_bad: bool = False
    dedupe_m: float = DEDUPE_M
    source: str | None = None

    def osm_source(self) -> Path | None:
        """The OSM file ``--units osm`` reads neighbourhoods from."""
        if self.units_source is not None:
            return self.units_source
        candidates = [self.buildings, self.network]
        if self.places is not None and places_format(self.places, self.places_format) == "osm":
            candidates.append(self.places)
        return next(
            (p for p in candidates if p is not None and p.name.lower().endswith(OSM_SUFFIXES)),
            None,
        )

    def steps(self) -> list[tuple[str, str]]:
        """``(kind, description)`` of every step, in the order they run."""
        steps = []
        if self.network is not None:
            steps.append(("network", f"building the network from {self.network.name}"))
        if self.communities is not None:
            steps.append(("communities", f"reading communities from {self.communities.name}"))
        if self.mapping is not None:
            steps.append(("mapping", f"reading the 社区 ↔ 居委会 mapping {self.mapping.name}"))
        if self.units is not None:
            steps.append(("units", f"making units ({self.units})"))
        if self.places is not None:
            steps.append(("places", f"reading and classifying places from {self.places.name}"))
        if self.population is not None:
            steps.append(("population", f"reading population points {self.population.name}"))
        if self.buildings is not None:
            steps.append(("buildings", f"estimating residents from {self.buildings.name}"))
        return steps

    def check(self) -> None:
        """Fail before any import if a file is missing or an option is malformed.

        Raises
        ------
        ValidationError
            If nothing is to be imported or an option is malformed.
        NotFoundError
            If a file does not exist.

        """
        if not self.steps():
            raise ValidationError(
                "nothing to import: give --network, --places, --communities, --mapping, "
                "--units, --population or --buildings"
            )
        for path, option in (
            (self.network, "--network"),
            (self.places, "--places"),
            (self.communities, "--communities"),
            (self.mapping, "--mapping"),
            (self.units_source, "--units-source"),
            (self.population, "--population"),
            (self.buildings, "--buildings"),
        ):
            if path is not None:
                require_file(path, option)
        if self.places is not None:
            places_format(self.places, self.places_format)
            source_name(self.places, self.source)
        elif self.places_format is not None or self.crs is not None or self.source is not None:
            raise ValidationError("--format, --crs and --source describe a --places file: give one")
        if self.units is not None:
            kind, _ = parse_units(self.units)
            if kind == "osm" and self.osm_source() is None:
                raise ValidationError(
                    "--units osm reads neighbourhoods from an OpenStreetMap file: "
                    "give --units-source (or --buildings)"
                )
        if not self.dedupe_m >= 0:
            raise ValidationError(f"--dedupe-m must be 0 (off) or metres, got {self.dedupe_m}")


def import_city(
    *,
    engine: Engine,
    settings: Settings,
    name: str,
    request: CityImportRequest,
    on_step: Callable[[str, str], None] | None = None,
    on_done: Callable[[ImportOutcome], None] | None = None,
) -> tuple[ImportOutcome, ...]:
    """Import every file of ``request`` into the city ``name``, in the order of ``steps()``.

    Parameters
    ----------
    engine, settings
        Database, and the settings whose ``data_dir`` holds the city's files.
    name
        City (it must exist: ``city create``).
    request
        The files and options.
    on_step
        Called with ``(kind, description)`` before each step (progress display).
    on_done
        Called with each step's outcome as soon as it is committed.

    Returns
    -------
    tuple of ImportOutcome
        One per step (a step may record more than one run: none does yet).

    Raises
    ------
    ImportRejectedError
        When a file has bad rows (without ``skip_bad``); earlier steps stay imported.
    NotFoundError, ValidationError, DataError
        For a missing city or file, a malformed option, or a file that cannot be read.

    """
    request.check()
    city_row(engine, name)  # an unknown city fails before any work
    outcomes: list[ImportOutcome] = []
    for kind, description in request.steps():
        if on_step is not None:
            on_step(kind, description)
        outcome = _run_step(engine, settings, name, request, kind)
        outcomes.append(outcome)
        if on_done is not None:
            on_done(outcome)
    return tuple(outcomes)


def _run_step(  # noqa: PLR0911 - one return per kind of step
    engine: Engine, settings: Settings, name: str, request: CityImportRequest, kind: str
) -> ImportOutcome:
    r = request
    if kind == "network" and r.network is not None:
        return import_network(engine=engine, settings=settings, name=name, path=r.network)
    if kind == "communities" and r.communities is not None:
        return import_communities(
            engine=engine,
            settings=settings,
            name=name,
            path=r.communities,
            fields=r.community_fields,
            skip_bad=r.skip_bad,
        )
    if kind == "mapping" and r.mapping is not None:
        return import_mapping(engine=engine, name=name, path=r.mapping)
    if kind == "units" and r.units is not None:
        source = r.osm_source() if parse_units(r.units)[0] == "osm" else None
        return make_units(engine=engine, name=name, spec=r.units, source=source)
    if kind == "places" and r.places is not None:
        return import_places(
            engine=engine,
            settings=settings,
            name=name,
            path=r.places,
            file_format=r.places_format,
            crs=r.crs,
            skip_bad=r.skip_bad,
            dedupe_m=r.dedupe_m,
            source=r.source,
        )
    if kind == "population" and r.population is not None:
        return import_population(
            engine=engine, settings=settings, name=name, path=r.population, skip_bad=r.skip_bad
        )
    if kind == "buildings" and r.buildings is not None:
        return import_buildings(engine=engine, name=name, path=r.buildings)
    raise ValidationError(f"unknown import step {kind!r}")  # pragma: no cover - steps() lists
