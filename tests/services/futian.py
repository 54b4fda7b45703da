"""A SYNTHETIC city on the real Futian walking network, for assessment and planning tests.

The network is the real OSM walk graph of Shatou and Xiangmihu (../shared/data). The
places and residents are SYNTHETIC: drawn at network nodes by a seeded generator, not
real shops or people. Some categories are left out of the east half on purpose, so that
communities there have gaps to fill; ``skills_training`` (quality) is nowhere and
``housekeeping`` has only six places, all in the west.
"""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING

import numpy as np

from lifecircle.config import Settings
from lifecircle.io.network.lcnet import load_network
from lifecircle.io.places.taxonomy import load_taxonomy
from lifecircle.services.city.cities import create_city
from lifecircle.services.city.places import import_network, import_places
from lifecircle.services.city.units import import_population, make_units
from tests.conftest import FUTIAN_GRAPHML, require

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Engine

NAME = "futian-synthetic"
EAST_GAPS = ("laundry", "pharmacy", "photo_print")
WEST_ONLY_FEW = ("housekeeping",)
NOWHERE = ("skills_training",)


def write_synthetic_files(folder: Path, *, seed: int = 7) -> tuple[Path, Path]:
    """Synthetic places (id,lon,lat,category,name) and population (lon,lat,population)."""
    net = load_network(folder / "network.lcnet")
    rng = np.random.default_rng(seed)
    mid = float(np.median(net.lon))
    taxonomy = load_taxonomy("shenzhen")
    places = folder / "synthetic_places.csv"
    with places.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "lon", "lat", "category", "name", "brand"])
        k = 0
        for cat in taxonomy.categories:
            if cat.code in NOWHERE:
                continue
            pool = np.arange(net.n_nodes)
            if cat.code in EAST_GAPS:
                pool = pool[net.lon[pool] < mid]
            n = 40 if cat.group == "basic" else 8
            if cat.code in WEST_ONLY_FEW:
                pool, n = pool[net.lon[pool] < mid], 6
            for node in rng.choice(pool, size=n, replace=False):
                k += 1
                brand = "SynChain" if k % 3 == 0 else ""
                out.writerow(
                    [
                        f"syn{k}",
                        f"{net.lon[node]:.7f}",
                        f"{net.lat[node] + 0.00005:.7f}",
                        cat.code,
                        f"synthetic {cat.code} {k}",
                        brand,
                    ]
                )
    homes = folder / "synthetic_population.csv"
    with homes.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["lon", "lat", "population"])
        for node in rng.choice(net.n_nodes, size=300, replace=False):
            out.writerow(
                [f"{net.lon[node]:.7f}", f"{net.lat[node]:.7f}", int(rng.integers(20, 400))]
            )
    return places, homes


def make_futian_city(engine: Engine, data_dir: Path, *, name: str = NAME) -> str:
    """Create and import the synthetic Futian city (network, H3 res-8 units, places, people)."""
    settings = Settings(data_dir=data_dir)
    create_city(engine=engine, name=name)
    import_network(engine=engine, settings=settings, name=name, path=require(FUTIAN_GRAPHML))
    folder = data_dir / "futian-files"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "network.lcnet").write_bytes(
        next((data_dir / "cities").glob("*/network.lcnet")).read_bytes()
    )
    make_units(engine=engine, name=name, spec="h3:8")
    places, homes = write_synthetic_files(folder)
    import_places(engine=engine, settings=settings, name=name, path=places, file_format="csv")
    import_population(engine=engine, settings=settings, name=name, path=homes)
    return name


def make_variant_city(engine: Engine, data_dir: Path, *, name: str, places: Path) -> str:
    """Another city made like :func:`make_futian_city`, with another places file.

    Same network (the file ``make_futian_city`` keeps), H3 units and residents, so a
    change to the places can be checked against a city imported with it.
    """
    settings = Settings(data_dir=data_dir)
    folder = data_dir / "futian-files"
    create_city(engine=engine, name=name)
    import_network(engine=engine, settings=settings, name=name, path=folder / "network.lcnet")
    make_units(engine=engine, name=name, spec="h3:8")
    import_places(engine=engine, settings=settings, name=name, path=places, file_format="csv")
    import_population(
        engine=engine, settings=settings, name=name, path=folder / "synthetic_population.csv"
    )
    return name
