"""Mall and centre outlines of a city: replaced per source, listed for the assessment."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from lifecircle.store.models import Centre

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.orm import Session


def replace_centres(
    session: Session, *, city_id: int, source: str, rows: Sequence[tuple[str, str, str, bytes]]
) -> int:
    """Replace one source's centres of a city with ``(source_id, name, kind, wkb)`` rows."""
    session.execute(delete(Centre).where(Centre.city_id == city_id, Centre.source == source))
    session.add_all(
        Centre(city_id=city_id, source=source, source_id=sid, name=name, kind=kind, geometry=wkb)
        for sid, name, kind, wkb in rows
    )
    session.flush()
    return len(rows)


def list_centres(session: Session, *, city_id: int) -> list[tuple[str, str, bytes]]:
    """``(name, kind, wkb)`` of every centre of a city, by id."""
    query = (
        select(Centre.name, Centre.kind, Centre.geometry)
        .where(Centre.city_id == city_id)
        .order_by(Centre.id)
    )
    return [(r[0], r[1], r[2]) for r in session.execute(query)]
