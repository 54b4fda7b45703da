"""A city for the residents' search: the real Futian network, named and SYNTHETIC places.

The network is the real OSM walk graph of Shatou and Xiangmihu (../shared/data). The
places are SYNTHETIC: a few named shops around the network's centre (a 便利店 and a
7-Eleven, 钱大妈, a night stall open past midnight, a parcel locker, an EV charger, a
vending machine) and 300 places of every category at random nodes. They are written as
an Amap-style GCJ-02 table and imported through the real import path (``--format csv
--crs gcj02``), so the positions the search returns in GCJ-02 can be checked against
the file. Residents and H3 units make an assessment and a plan possible.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lifecircle.config import Settings
from lifecircle.io.coords import wgs84_to_gcj02
from lifecircle.io.network.lcnet import load_network
from lifecircle.io.places.taxonomy import load_taxonomy
from lifecircle.services.assess import run_assessment
from lifecircle.services.city.cities import create_city
from lifecircle.services.city.places import import_network, import_places
from lifecircle.services.city.units import import_population, make_units
from lifecircle.services.plan import PlanParams, run_plan
from tests.conftest import FUTIAN_GRAPHML, require

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Engine

NAME = "futian-residents"

NAMED = (
    # id, category, name, brand, opening hours, nodes away from the centre
    ("shop-meiyijia", "convenience_store", "美宜佳便利店", "美宜佳", "Mo-Su 07:00-23:00", 0),
    ("shop-711", "convenience_store", "7-Eleven便利店", "7-Eleven", "24/7", 3),
    ("shop-qiandama", "fresh_grocery", "钱大妈", "钱大妈", "Mo-Su 07:30-22:00", 5),
    ("shop-night", "specialty_dining", "潮汕夜宵大排档", "", "Mo-Su 18:00-02:00", 8),
    ("shop-locker", "parcel_locker", "丰巢快递柜", "丰巢", "24/7", 2),
    ("shop-charger", "ev_charging", "特来电充电站", "特来电", "", 1),
    ("shop-vending", "vending_machine", "友宝自助售卖机", "友宝", "24/7", 4),
)


@dataclass(frozen=True)
class ResidentsCity:
    """The city made: its name, the places file, and the centre (WGS-84 and GCJ-02)."""

    name: str
    places: Path
    centre: tuple[float, float]
    centre_gcj: tuple[float, float]
    gcj_of: dict[str, tuple[float, float]]


def write_places(
    folder: Path, net_path: Path, *, seed: int = 3, n_synthetic: int = 300
) -> tuple[Path, tuple[float, float], dict[str, tuple[float, float]]]:
    """The GCJ-02 places table, the centre node (WGS-84), and each place's GCJ-02 position."""
    net = load_network(net_path)
    rng = np.random.default_rng(seed)
    lo_lon, lo_lat, hi_lon, hi_lat = net.bbox
    mid = np.array([(lo_lon + hi_lon) / 2, (lo_lat + hi_lat) / 2])
    near = np.argsort(np.hypot(net.lon - mid[0], net.lat - mid[1]))
    centre = (float(net.lon[near[0]]), float(net.lat[near[0]]))
    rows: list[tuple[str, float, float, str, str, str, str]] = []
    for pid, code, name, brand, hours, k in NAMED:
        node = near[k * 7]
        rows.append((pid, net.lon[node], net.lat[node] + 0.00004, code, name, brand, hours))
    codes = load_taxonomy("shenzhen").codes
    for k, node in enumerate(rng.choice(net.n_nodes, size=n_synthetic, replace=False)):
        code = codes[k % len(codes)]
        hours = ("Mo-Fr 09:00-18:00", "Mo-Su 10:00-22:00", "")[k % 3]
        rows.append(
            (
                f"syn{k}",
                net.lon[node],
                net.lat[node] + 0.00003,
                code,
                f"synthetic {code} {k}",
                "",
                hours,
            )
        )
    g_lon, g_lat = wgs84_to_gcj02(np.array([r[1] for r in rows]), np.array([r[2] for r in rows]))
    path = folder / "places_gcj02.csv"
    gcj = {}
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "lon", "lat", "category", "name", "brand", "opening_hours"])
        for row, x, y in zip(rows, g_lon.tolist(), g_lat.tolist(), strict=True):
            out.writerow([row[0], f"{x:.9f}", f"{y:.9f}", row[3], row[4], row[5], row[6]])
            gcj[f"csv:{row[0]}"] = (float(f"{x:.9f}"), float(f"{y:.9f}"))
    return path, centre, gcj


def write_population(folder: Path, net_path: Path, *, seed: int = 5) -> Path:
    """SYNTHETIC residents at 300 random nodes (``lon,lat,population``)."""
    net = load_network(net_path)
    rng = np.random.default_rng(seed)
    path = folder / "population.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["lon", "lat", "population"])
        for node in rng.choice(net.n_nodes, size=300, replace=False):
            out.writerow(
                [f"{net.lon[node]:.7f}", f"{net.lat[node]:.7f}", int(rng.integers(20, 400))]
            )
    return path


def make_residents_city(
    engine: Engine, data_dir: Path, *, name: str = NAME, assess: bool = True
) -> ResidentsCity:
    """Create and import the city; with ``assess``, also units, residents, a run and a plan."""
    settings = Settings(data_dir=data_dir)
    create_city(engine=engine, name=name)
    import_network(engine=engine, settings=settings, name=name, path=require(FUTIAN_GRAPHML))
    net_path = next((data_dir / "cities").glob("*/network.lcnet"))
    folder = data_dir / f"{name}-files"
    folder.mkdir(parents=True, exist_ok=True)
    places, centre, gcj = write_places(folder, net_path)
    import_places(  # as `--source csv`: uids are csv:<id>
        engine=engine,
        settings=settings,
        name=name,
        path=places,
        file_format="csv",
        crs="gcj02",
        source="csv",
    )
    if assess:
        make_units(engine=engine, name=name, spec="h3:8")
        import_population(
            engine=engine, settings=settings, name=name, path=write_population(folder, net_path)
        )
        run_assessment(engine=engine, name=name)
        run_plan(engine=engine, name=name, params=PlanParams(categories=("laundry",)))
    g = wgs84_to_gcj02(np.array([centre[0]]), np.array([centre[1]]))
    return ResidentsCity(
        name=name,
        places=places,
        centre=centre,
        centre_gcj=(float(g[0][0]), float(g[1][0])),
        gcj_of=gcj,
    )
