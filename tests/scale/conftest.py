"""Batch fixtures: synthetic cities as files, and settings on SQLite or a real PostgreSQL."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from lifecircle.config import Settings
from lifecircle.services.city.cities import open_engine
from tests.pg import postgres_fixture
from tests.scale.cities import write_grid_city

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.pg import PostgresServer

postgres = postgres_fixture()


def grid_manifest(folder: Path, cities: dict[str, dict[str, Path]], *, bad: bool = False) -> Path:
    """A TOML manifest of the grid cities (and, with ``bad``, one city whose places are bad)."""
    lines = []
    for name, files in cities.items():
        lines += [
            "[[city]]",
            f'name = "{name}"',
            f'network = "{files["network"].relative_to(folder)}"',
            f'places = ["{files["places"].relative_to(folder)}"]',
            'format = "csv"',
            f'communities = "{files["communities"].relative_to(folder)}"',
            f'population = "{files["population"].relative_to(folder)}"',
            "",
        ]
    if bad:
        first = next(iter(cities.values()))
        lines += [
            "[[city]]",
            'name = "broken"',
            f'network = "{first["network"].relative_to(folder)}"',
            f'places = ["{first["population"].relative_to(folder)}"]',  # not a places file
            'format = "csv"',
            "",
        ]
    path = folder / "manifest.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def grid_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, Path]]]:
    """Two small synthetic cities' files (read only: tests copy nothing into them)."""
    folder = tmp_path_factory.mktemp("grid-cities")
    cities = {
        "合成甲": write_grid_city(folder / "a", n=12, seed=1),
        "synthetic-b": write_grid_city(folder / "b", n=9, lon0=113.9, seed=2),
    }
    return folder, cities


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings on a new, migrated database (a SQLite file, or a PostgreSQL database)."""
    if request.param == "sqlite":
        made = Settings(data_dir=tmp_path / "data")
        open_engine(made).dispose()
        yield made
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    url = server.fresh_database()
    made = Settings(data_dir=tmp_path / "data", database_url=url)
    open_engine(made).dispose()
    try:
        yield made
    finally:
        server.drop_database(url)
