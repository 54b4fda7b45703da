"""The assessment counts merchants' shops: a community's gap closes when a new shop opens.

On the real Futian network with SYNTHETIC places and residents
(``tests/services/residents_city.py``), H3 units as communities, on SQLite and PostgreSQL:
a merchant registers a shop of a category missing in the community where many residents
live, an administrator approves it, and the next assessment no longer lists the gap and
counts the place, of source ``merchant``.
"""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING

from lifecircle.config import Settings
from lifecircle.io.places.taxonomy import load_taxonomy
from lifecircle.services import shops
from lifecircle.services.accounts import create_account
from lifecircle.services.assess import run_assessment
from lifecircle.services.city.units import import_population, make_units
from lifecircle.services.residents.communities import community_at
from lifecircle.services.shops import NewShop
from lifecircle.store.db import session_scope
from lifecircle.store.models import Place
from tests.services.residents_city import make_residents_city, write_population
from tests.store import conftest as store_conftest

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Engine

postgres = store_conftest.postgres
empty_engine = store_conftest.empty_engine
engine = store_conftest.engine


def _community(doc: dict, code: str) -> dict:
    return next(c for c in doc["communities"] if c["code"] == code)


def test_an_approved_shop_closes_the_gap(engine: Engine, tmp_path: Path) -> None:
    city = make_residents_city(engine, tmp_path, assess=False)
    settings = Settings(data_dir=tmp_path)
    make_units(engine=engine, name=city.name, spec="h3:8")
    folder = tmp_path / f"{city.name}-files"
    net_path = next((tmp_path / "cities").glob("*/network.lcnet"))
    population = write_population(folder, net_path)
    import_population(engine=engine, settings=settings, name=city.name, path=population)
    before = run_assessment(engine=engine, name=city.name)

    # the most populated point of the residents' file, and the community holding it
    with population.open(encoding="utf-8") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: -int(r["population"]))
    basic = {c.code for c in load_taxonomy("shenzhen").categories if c.group == "basic"}
    for row in rows:
        lon, lat = float(row["lon"]), float(row["lat"])
        code = community_at(engine=engine, city=city.name, lon=lon, lat=lat)
        if code is None:
            continue
        gaps = [c for c in _community(before, code)["missing"] if c in basic]
        if gaps:
            break
    else:  # pragma: no cover - the SYNTHETIC city has gaps (300 places, ~40 categories)
        raise AssertionError("no community with a missing basic category")
    category = gaps[0]

    merchant = create_account(
        engine=engine, username="gap-merchant", password="a synthetic pw 1", role="merchant"
    )
    applied = shops.apply_for_shop(
        engine=engine,
        account=merchant,
        city=city.name,
        shop=NewShop(name="SYNTHETIC 社区新店", categories=[category], lon=lon, lat=lat),
    )
    assert applied.community_code == code
    unchanged = run_assessment(engine=engine, name=city.name)  # pending: not counted yet
    assert category in _community(unchanged, code)["missing"]
    approved = shops.approve(engine=engine, account=None, application_id=applied.id)
    assert approved.kind == "new"
    assert approved.place_id is not None
    with session_scope(engine) as session:
        place = session.get(Place, approved.place_id)
        assert place is not None
        assert place.uid == f"merchant:{applied.id}"

    after = run_assessment(engine=engine, name=city.name)
    was, now = _community(before, code), _community(after, code)
    assert category not in now["missing"]
    assert now["coverage"][category] > 0
    assert now["places"] == was["places"] + 1
    # nothing else changed: every other community's gaps are the same or fewer
    for old in before["communities"]:
        new = _community(after, old["code"])
        assert set(new["missing"]) <= set(old["missing"])
