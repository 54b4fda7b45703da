"""Cities: create, find by name, list, point at a network file, delete with everything in them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from lifecircle.errors import NotFoundError, ValidationError
from lifecircle.store.models import City

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.orm import Session

MAX_NAME_LENGTH = 100
DEFAULT_TAXONOMY = "shenzhen"
"""Taxonomy profile a new city classifies its places with unless told otherwise."""


def _checked_name(name: str) -> str:
    clean = name.strip()
    if not clean:
        raise ValidationError("a city name cannot be empty")
    if len(clean) > MAX_NAME_LENGTH:
        raise ValidationError(f"city name {clean[:20]!r}... is longer than {MAX_NAME_LENGTH}")
    return clean


def create_city(
    session: Session,
    *,
    name: str,
    taxonomy: str = DEFAULT_TAXONOMY,
    network_path: Path | str | None = None,
) -> City:
    """Add a city.

    Parameters
    ----------
    session
        Open session; the city is flushed so its ``id`` is set.
    name
        Unique name (surrounding spaces removed), e.g. ``深圳`` or ``shenzhen``.
    taxonomy
        Taxonomy profile name or file its places are classified with.
    network_path
        The city's ``.lcnet`` walking network file, if it has one yet.

    Returns
    -------
    City

    Raises
    ------
    ValidationError
        If the name is empty, too long or already taken.

    """
    clean = _checked_name(name)
    if session.scalar(select(City.id).where(City.name == clean)) is not None:
        raise ValidationError(f"a city named {clean!r} already exists")
    city = City(
        name=clean,
        taxonomy=taxonomy,
        network_path=None if network_path is None else str(network_path),
    )
    session.add(city)
    session.flush()
    return city


def get_city(session: Session, *, name: str) -> City:
    """The city called ``name``.

    Raises
    ------
    NotFoundError
        If there is none; the message lists the cities there are.

    """
    city = session.scalar(select(City).where(City.name == name.strip()))
    if city is None:
        known = session.scalars(select(City.name).order_by(City.name)).all()
        listed = ", ".join(known) if known else "none yet"
        raise NotFoundError(f"no city named {name!r}; known cities: {listed}")
    return city


def list_cities(session: Session) -> list[City]:
    """Every city, by name."""
    return list(session.scalars(select(City).order_by(City.name)))


def set_network_path(session: Session, *, name: str, network_path: Path | str | None) -> City:
    """Point a city at its walking network file (``None``: forget it)."""
    city = get_city(session, name=name)
    city.network_path = None if network_path is None else str(network_path)
    session.flush()
    return city


def delete_city(session: Session, *, name: str) -> None:
    """Delete a city with its places, communities, population and import runs.

    The database deletes the rows through ``ON DELETE CASCADE`` in one statement
    (nothing is loaded into Python). The network file is left on disk.

    Raises
    ------
    NotFoundError
        If there is no such city.

    """
    city = get_city(session, name=name)
    session.execute(delete(City).where(City.id == city.id))
