"""Residents' home points: where an account lives, and the community that puts it in.

A home is personal data (PIPL): set by the account itself, never shown to anyone else,
deleted with the account (``ON DELETE CASCADE``) or on request. What other features
keep of it is the community code (a survey answer's community, a consultation vote's)
and, for the 15-minute usage, whether a shop lay within a walk of it: aggregates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime  # noqa: TC003 - SQLAlchemy reads the annotations
from typing import TYPE_CHECKING

from sqlalchemy import Double, ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from lifecircle.store.models import CODE_LENGTH, Base, City, UTCDateTime, utc_now

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class ResidentHome(Base):
    """An account's home point (WGS-84) in a city, and its community when it lies in one."""

    __tablename__ = "resident_homes"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"), index=True)
    lon: Mapped[float] = mapped_column(Double)
    lat: Mapped[float] = mapped_column(Double)
    community_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


@dataclass(frozen=True)
class Home:
    """A home as read back: the city by name, the WGS-84 point, the community code."""

    user_id: int
    city_id: int
    city: str
    lon: float
    lat: float
    community_code: str | None
    updated_at: datetime


def set_home(
    session: Session,
    *,
    user_id: int,
    city_id: int,
    lon: float,
    lat: float,
    community_code: str | None,
) -> None:
    """Set (or replace) an account's home."""
    row = session.get(ResidentHome, user_id)
    if row is None:
        row = ResidentHome(user_id=user_id)
        session.add(row)
    row.city_id, row.lon, row.lat = city_id, lon, lat
    row.community_code = community_code
    row.updated_at = utc_now()
    session.flush()


def get_home(session: Session, *, user_id: int) -> Home | None:
    """An account's home, or ``None``."""
    found = session.execute(
        select(ResidentHome, City.name)
        .join(City, City.id == ResidentHome.city_id)
        .where(ResidentHome.user_id == user_id)
    ).first()
    if found is None:
        return None
    row, city = found
    return Home(
        user_id=row.user_id,
        city_id=row.city_id,
        city=city,
        lon=row.lon,
        lat=row.lat,
        community_code=row.community_code,
        updated_at=row.updated_at,
    )


def delete_home(session: Session, *, user_id: int) -> bool:
    """Forget an account's home; whether it had one."""
    result = session.execute(delete(ResidentHome).where(ResidentHome.user_id == user_id))
    return bool(getattr(result, "rowcount", 0))
