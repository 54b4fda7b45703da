"""Merchants' shop applications (new shops and claims) and shop profiles.

A merchant applies for a **new shop** (name, categories, position, hours, services...) or
**claims** a stored place; an official of the area (or an administrator) approves or
rejects the application. ``community_code`` is the community the shop's position lies
in, found when the application is made: the officials of that area see it.

A pending application leaves ``pending`` once, by one conditional ``UPDATE``
(:func:`decide`): two officials deciding at once cannot both win. One merchant has at
most one pending claim of a place (a partial unique index). A shop's extra fields that
places lack (phone, services offered) are its :class:`ShopProfile`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime  # noqa: TC003 - SQLAlchemy reads the annotations
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from lifecircle.errors import ConflictError, NotFoundError
from lifecircle.store.models import CODE_LENGTH, Base, PlaceCategory, UTCDateTime, utc_now

if TYPE_CHECKING:
    from collections.abc import Collection

    from sqlalchemy.orm import Session

PHONE_LENGTH = 32
"""Longest phone number (digits, ``+``, ``-``, spaces, an extension)."""

_JSON = JSON().with_variant(JSONB(), "postgresql")


class ApplicationKind(enum.StrEnum):
    """What a merchant applies for: a new shop, or the ownership of a stored place."""

    NEW = "new"
    CLAIM = "claim"


class ApplicationStatus(enum.StrEnum):
    """Where an application stands; it leaves ``pending`` once."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


_PENDING = text("status = 'pending'")


class ShopApplication(Base):
    """A merchant's application: a new shop (its details) or a claim of ``place_id``.

    ``lon``/``lat`` are WGS-84 degrees. For an approved new shop ``place_id`` is the
    place made for it (uid ``merchant:<id>``). ``categories`` and ``services`` are lists
    of codes; ``opening_hours`` is OSM ``opening_hours`` text.
    """

    __tablename__ = "shop_applications"
    __table_args__ = (
        Index(None, "city_id", "status", "community_code"),
        Index(
            "ux_shop_applications_pending_claim",
            "applicant_id",
            "place_id",
            unique=True,
            sqlite_where=_PENDING,
            postgresql_where=_PENDING,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=ApplicationStatus.PENDING.value)
    applicant_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    place_id: Mapped[int | None] = mapped_column(
        ForeignKey("places.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(PHONE_LENGTH))
    lon: Mapped[float | None] = mapped_column(Double)
    lat: Mapped[float | None] = mapped_column(Double)
    opening_hours: Mapped[str | None] = mapped_column(Text)
    categories: Mapped[list[str]] = mapped_column(_JSON, default=list)
    services: Mapped[list[str]] = mapped_column(_JSON, default=list)
    community_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)


class ShopProfile(Base):
    """What a shop has that a place lacks: its phone and the services it offers."""

    __tablename__ = "shop_profiles"

    place_id: Mapped[int] = mapped_column(
        ForeignKey("places.id", ondelete="CASCADE"), primary_key=True
    )
    phone: Mapped[str | None] = mapped_column(String(PHONE_LENGTH))
    services: Mapped[list[str]] = mapped_column(_JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


@dataclass(frozen=True)
class Application:
    """An application as read back."""

    id: int
    city_id: int
    kind: str
    status: str
    applicant_id: int
    place_id: int | None
    name: str | None
    address: str | None
    phone: str | None
    lon: float | None
    lat: float | None
    opening_hours: str | None
    categories: tuple[str, ...]
    services: tuple[str, ...]
    community_code: str | None
    created_at: datetime
    decided_at: datetime | None
    decided_by: int | None
    reason: str | None

    def record(self) -> dict[str, Any]:
        """The application as the audit log keeps it (JSON-ready, no applicant details)."""
        return {
            "kind": self.kind,
            "status": self.status,
            "place_id": self.place_id,
            "name": self.name,
            "address": self.address,
            "lon": self.lon,
            "lat": self.lat,
            "opening_hours": self.opening_hours,
            "categories": list(self.categories),
            "services": list(self.services),
            "reason": self.reason,
        }


def _application(row: ShopApplication) -> Application:
    return Application(
        id=row.id,
        city_id=row.city_id,
        kind=row.kind,
        status=row.status,
        applicant_id=row.applicant_id,
        place_id=row.place_id,
        name=row.name,
        address=row.address,
        phone=row.phone,
        lon=row.lon,
        lat=row.lat,
        opening_hours=row.opening_hours,
        categories=tuple(row.categories or ()),
        services=tuple(row.services or ()),
        community_code=row.community_code,
        created_at=row.created_at,
        decided_at=row.decided_at,
        decided_by=row.decided_by,
        reason=row.reason,
    )


def add_application(session: Session, **values: Any) -> Application:
    """Store a pending application (columns of :class:`ShopApplication` as keywords).

    Raises
    ------
    ConflictError
        If the applicant already has a pending claim of that place.

    """
    row = ShopApplication(status=ApplicationStatus.PENDING.value, **values)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise ConflictError(
            "you already have a pending claim of this place", field="place"
        ) from None
    return _application(row)


def get_application(session: Session, *, application_id: int) -> Application:
    """One application.

    Raises
    ------
    NotFoundError
        If there is none with that id.

    """
    row = session.get(ShopApplication, application_id)
    if row is None:
        raise NotFoundError(f"no shop application with id {application_id}", field="id")
    session.refresh(row)  # another transaction may have decided it
    return _application(row)


def list_applications(
    session: Session,
    *,
    city_id: int | None = None,
    applicant_id: int | None = None,
    status: str | None = None,
    communities: Collection[str] | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Application], int]:
    """Applications, newest first, and how many match in all.

    ``communities`` keeps those filed under these community codes (an official's area);
    ``None`` keeps them all, including those at no community.
    """
    query = select(ShopApplication)
    if city_id is not None:
        query = query.where(ShopApplication.city_id == city_id)
    if applicant_id is not None:
        query = query.where(ShopApplication.applicant_id == applicant_id)
    if status is not None:
        query = query.where(ShopApplication.status == status)
    if communities is not None:
        query = query.where(ShopApplication.community_code.in_(sorted(communities)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(ShopApplication.created_at.desc(), ShopApplication.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [_application(r) for r in rows], total


def decide(
    session: Session,
    *,
    application_id: int,
    status: ApplicationStatus,
    decided_by: int | None,
    reason: str | None = None,
    place_id: int | None = None,
    kind: ApplicationKind | None = None,
) -> Application:
    """Move a pending application to ``status`` (one conditional ``UPDATE``).

    ``place_id`` and ``kind`` record the place an approval made or claimed.

    Raises
    ------
    ConflictError
        If the application is no longer pending (another decision came first).

    """
    values: dict[str, Any] = {
        "status": status.value,
        "decided_at": utc_now(),
        "decided_by": decided_by,
        "reason": reason,
    }
    if place_id is not None:
        values["place_id"] = place_id
    if kind is not None:
        values["kind"] = kind.value
    result = session.execute(
        update(ShopApplication)
        .where(
            ShopApplication.id == application_id,
            ShopApplication.status == ApplicationStatus.PENDING.value,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if not getattr(result, "rowcount", 0):
        raise ConflictError(
            f"shop application {application_id} has already been decided", field="id"
        )
    return get_application(session, application_id=application_id)


@dataclass(frozen=True)
class Profile:
    """A shop's phone and services (empty for a place no merchant described)."""

    phone: str | None
    services: tuple[str, ...]


def get_profile(session: Session, *, place_id: int) -> Profile:
    """A place's shop profile (an empty one if it has none)."""
    row = session.get(ShopProfile, place_id)
    if row is None:
        return Profile(phone=None, services=())
    return Profile(phone=row.phone, services=tuple(row.services or ()))


def set_profile(
    session: Session, *, place_id: int, phone: str | None, services: Collection[str]
) -> Profile:
    """Create or replace a place's shop profile."""
    row = session.get(ShopProfile, place_id)
    if row is None:
        row = ShopProfile(place_id=place_id)
        session.add(row)
    row.phone = phone
    row.services = list(services)
    row.updated_at = utc_now()
    session.flush()
    return Profile(phone=phone, services=tuple(services))


def place_category_codes(session: Session, *, place_id: int) -> tuple[str, ...]:
    """A place's category codes, sorted, each once (whatever source gave them)."""
    return tuple(
        session.scalars(
            select(PlaceCategory.code)
            .where(PlaceCategory.place_id == place_id)
            .distinct()
            .order_by(PlaceCategory.code)
        )
    )
