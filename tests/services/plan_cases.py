"""Plan documents on three cities, reduced to what a refactoring must not change.

Shared by ``test_plan_prepare.py`` (which compares them with the saved documents of
``tests/data/valid/plan_documents/``) and by the command that saved those documents::

    PYTHONPATH=src python -m tests.services.plan_cases tests/data/valid/plan_documents

The cities: the SYNTHETIC Futian city of the tests, the benchmarks' tiny SYNTHETIC city
(seed 7) and the demo city (Helsinki from the shared PBF, H3 res-9 units, residents from
buildings, as ``make demo-city`` imports it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lifecircle.config import Settings
from lifecircle.services.city.cities import create_city
from lifecircle.services.city.data import CityData, load_city_data
from lifecircle.services.city.imports import CityImportRequest, import_city
from lifecircle.services.plan import PlanParams, joint_plan, plan
from lifecircle.store.migrate import open_database
from tests.conftest import HELSINKI_PBF, ROOT, require
from tests.services.futian import make_futian_city

if TYPE_CHECKING:
    from collections.abc import Callable

BENCHMARKS = ROOT / "benchmarks"
FUTIAN_GAPS = ("laundry", "pharmacy", "photo_print", "housekeeping", "repair", "convenience_store")
HELSINKI_CATEGORIES = ("pharmacy", "laundry", "convenience_store", "repair")
TINY_CATEGORIES = (  # basic ones HiGHS solves (no Lagrangian: its answer depends on the clock)
    "convenience_store", "fresh_grocery", "laundry", "pharmacy", "repair",
    "post_express",
)  # fmt: skip

CASES: dict[str, list[tuple[str, PlanParams]]] = {
    "futian": [
        ("joint", PlanParams(categories=FUTIAN_GAPS, joint=True)),
        ("joint_one_unit", PlanParams(categories=FUTIAN_GAPS[:3], joint=True, units_per_site=1)),
        ("plan", PlanParams(categories=FUTIAN_GAPS)),
        ("plan_max", PlanParams(categories=FUTIAN_GAPS[:2], mode="max", k=3)),
    ],
    "tiny": [
        ("joint", PlanParams(categories=TINY_CATEGORIES, joint=True)),
        ("plan", PlanParams(categories=TINY_CATEGORIES)),
    ],
    "helsinki": [
        ("joint", PlanParams(categories=HELSINKI_CATEGORIES, joint=True)),
        ("plan", PlanParams(categories=HELSINKI_CATEGORIES)),
    ],
}
"""Per city: (name, parameters) of the documents compared."""


def futian_city(folder: Path) -> CityData:
    engine = open_database(f"sqlite:///{folder / 'futian.db'}")
    try:
        return load_city_data(engine=engine, name=make_futian_city(engine, folder))
    finally:
        engine.dispose()


def tiny_city(folder: Path) -> CityData:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from synthetic_city import SIZES, synthetic_city  # noqa: PLC0415
    finally:
        sys.path.remove(str(BENCHMARKS))
    return synthetic_city(SIZES["tiny"], seed=7)


def helsinki_city(folder: Path) -> CityData:
    pbf = require(HELSINKI_PBF)
    engine = open_database(f"sqlite:///{folder / 'helsinki.db'}")
    try:
        create_city(engine=engine, name="helsinki")
        import_city(
            engine=engine,
            settings=Settings(data_dir=folder),
            name="helsinki",
            request=CityImportRequest(network=pbf, places=pbf, units="h3:9", buildings=pbf),
        )
        return load_city_data(engine=engine, name="helsinki")
    finally:
        engine.dispose()


CITIES: dict[str, Callable[[Path], CityData]] = {
    "futian": futian_city,
    "tiny": tiny_city,
    "helsinki": helsinki_city,
}


def reduced(doc: dict[str, Any]) -> dict[str, Any]:
    """The document without what differs from run to run (time, version, file paths)."""
    out = dict(doc)
    head = doc["plan"]
    out["plan"] = {
        "parameters": head["parameters"],
        "data": {k: head["data"][k] for k in ("population_points", "unsnapped_points", "places")},
    }
    return json.loads(json.dumps(out))  # tuples as lists, as in the saved file


def documents(name: str, data: CityData) -> dict[str, dict[str, Any]]:
    """The reduced documents of a city's cases."""
    out = {}
    for case, params in CASES[name]:
        planner = joint_plan if params.joint else plan
        out[case] = reduced(planner(data, params))
    return out


def main(argv: list[str]) -> None:
    """Save every city's documents as ``<folder>/<city>.json``."""
    import tempfile  # noqa: PLC0415

    target = Path(argv[0])
    target.mkdir(parents=True, exist_ok=True)
    names = argv[1:] or list(CITIES)
    for name in names:
        with tempfile.TemporaryDirectory() as folder:
            docs = documents(name, CITIES[name](Path(folder)))
        text = json.dumps(docs, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        (target / f"{name}.json").write_text(text, encoding="utf-8")
        print(name, {k: len(v["sites"]) for k, v in docs.items()}, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
