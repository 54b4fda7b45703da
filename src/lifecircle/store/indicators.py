"""The plan's recorded indicators: officials' figures per area and month, shops' employees.

- :class:`IndicatorRecord`: one area (a 社区, 街道 or 区 code) and one month
  (``YYYY-MM``): investment in construction and renovation (建设改造投资额, integer fen),
  community commercial floor area and the total floor area (whole m²), and the new or
  renovated community commercial centres of that month (names and kinds). ``None`` is
  "not recorded", never zero.
- :class:`ShopEmployees`: a merchant's report of the people working in one shop in a
  month; the city's figure sums each shop's latest report.
- :class:`UsageCell` and :class:`UsageMonth`: the monthly 15-minute usage batch
  (:mod:`lifecircle.services.usage`): counts per home community × shop category, never a
  resident or a home point.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime  # noqa: TC003 - SQLAlchemy reads the annotations
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    delete,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from lifecircle.store.coupons import CouponClaim, CouponRedemption
from lifecircle.store.homes import ResidentHome
from lifecircle.store.models import (
    CODE_LENGTH,
    AssessmentCommunity,
    Base,
    Community,
    CommunityLevel,
    Place,
    PlaceCategory,
    PlaceOwner,
    UTCDateTime,
    utc_now,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.orm import Session

PERIOD_LENGTH = 7
"""A month as ``YYYY-MM``."""

_JSON = JSON().with_variant(JSONB(), "postgresql")


class IndicatorRecord(Base):
    """An area's recorded indicators for one month (``None``: not recorded)."""

    __tablename__ = "indicator_records"
    __table_args__ = (UniqueConstraint("city_id", "area_code", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    area_code: Mapped[str] = mapped_column(String(CODE_LENGTH))
    period: Mapped[str] = mapped_column(String(PERIOD_LENGTH))
    investment_fen: Mapped[int | None] = mapped_column(BigInteger)
    commercial_floor_m2: Mapped[int | None] = mapped_column(BigInteger)
    total_floor_m2: Mapped[int | None] = mapped_column(BigInteger)
    centres: Mapped[list[dict[str, str]]] = mapped_column(_JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ShopEmployees(Base):
    """A shop's reported employees in one month (the latest month counts)."""

    __tablename__ = "shop_employees"

    place_id: Mapped[int] = mapped_column(
        ForeignKey("places.id", ondelete="CASCADE"), primary_key=True
    )
    period: Mapped[str] = mapped_column(String(PERIOD_LENGTH), primary_key=True)
    employees: Mapped[int] = mapped_column(Integer)
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class UsageMonth(Base):
    """One month's usage batch of a city: when it ran and what it could use."""

    __tablename__ = "usage_months"

    city_id: Mapped[int] = mapped_column(
        ForeignKey("cities.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[str] = mapped_column(String(PERIOD_LENGTH), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    limit_minutes: Mapped[int] = mapped_column(Integer)
    redemptions: Mapped[int] = mapped_column(Integer)
    with_home: Mapped[int] = mapped_column(Integer)
    walked: Mapped[int] = mapped_column(Integer)


class UsageCell(Base):
    """Redemptions of one month by residents of one community at shops of one category.

    ``community_code`` is the home's community (``""``: a home in no community);
    ``within`` of the ``events`` were at a shop within the walking limit of the home.
    """

    __tablename__ = "usage_cells"

    city_id: Mapped[int] = mapped_column(
        ForeignKey("cities.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[str] = mapped_column(String(PERIOD_LENGTH), primary_key=True)
    community_code: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)
    category: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)
    events: Mapped[int] = mapped_column(Integer)
    within: Mapped[int] = mapped_column(Integer)


# --- indicator records -------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    """A record as read back."""

    id: int
    city_id: int
    area_code: str
    period: str
    investment_fen: int | None
    commercial_floor_m2: int | None
    total_floor_m2: int | None
    centres: tuple[dict[str, str], ...]
    updated_at: datetime
    updated_by: int | None

    def record(self) -> dict[str, Any]:
        """The JSON-ready figures (for the audit log)."""
        return {
            "area_code": self.area_code,
            "period": self.period,
            "investment_fen": self.investment_fen,
            "commercial_floor_m2": self.commercial_floor_m2,
            "total_floor_m2": self.total_floor_m2,
            "centres": [dict(c) for c in self.centres],
        }


def _indicator(row: IndicatorRecord) -> Indicator:
    return Indicator(
        id=row.id,
        city_id=row.city_id,
        area_code=row.area_code,
        period=row.period,
        investment_fen=row.investment_fen,
        commercial_floor_m2=row.commercial_floor_m2,
        total_floor_m2=row.total_floor_m2,
        centres=tuple(dict(c) for c in row.centres or []),
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


def get_indicator(
    session: Session, *, city_id: int, area_code: str, period: str
) -> Indicator | None:
    """The record of an area and month, or ``None``."""
    row = session.scalar(
        select(IndicatorRecord).where(
            IndicatorRecord.city_id == city_id,
            IndicatorRecord.area_code == area_code,
            IndicatorRecord.period == period,
        )
    )
    return None if row is None else _indicator(row)


def put_indicator(
    session: Session,
    *,
    city_id: int,
    area_code: str,
    period: str,
    values: dict[str, Any],
    user_id: int | None,
) -> tuple[Indicator | None, Indicator]:
    """Create or replace the record of an area and month; returns (before, after).

    The unique ``(city_id, area_code, period)`` decides between concurrent first
    writes: the loser of an ``INSERT`` race updates the winner's row instead.
    """
    query = select(IndicatorRecord).where(
        IndicatorRecord.city_id == city_id,
        IndicatorRecord.area_code == area_code,
        IndicatorRecord.period == period,
    )
    row = session.scalar(query)
    before = None if row is None else _indicator(row)
    if row is None:
        try:
            with session.begin_nested():
                row = IndicatorRecord(city_id=city_id, area_code=area_code, period=period)
                for key, value in values.items():
                    setattr(row, key, value)
                row.updated_by, row.updated_at = user_id, utc_now()
                session.add(row)
                session.flush()
            return None, _indicator(row)
        except IntegrityError:
            row = session.scalar(query)
            if row is None:  # pragma: no cover - the constraint named a row that is gone
                raise
            before = _indicator(row)
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_by, row.updated_at = user_id, utc_now()
    session.flush()
    return before, _indicator(row)


def list_indicators(
    session: Session, *, city_id: int, since: str | None = None, until: str | None = None
) -> list[Indicator]:
    """A city's records with ``since <= period <= until``, by period then area."""
    query = select(IndicatorRecord).where(IndicatorRecord.city_id == city_id)
    if since is not None:
        query = query.where(IndicatorRecord.period >= since)
    if until is not None:
        query = query.where(IndicatorRecord.period <= until)
    rows = session.scalars(query.order_by(IndicatorRecord.period, IndicatorRecord.area_code))
    return [_indicator(r) for r in rows]


# --- shops' employees --------------------------------------------------------------------


@dataclass(frozen=True)
class EmployeesReport:
    """A shop's report as read back, with the shop's community."""

    place_id: int
    period: str
    employees: int
    reported_at: datetime
    community_code: str | None


def put_employees(
    session: Session, *, place_id: int, period: str, employees: int, user_id: int
) -> tuple[int | None, datetime]:
    """Set a shop's employees for a month: the number it replaces (``None``: new), when."""
    row = session.get(ShopEmployees, (place_id, period))
    before = None if row is None else row.employees
    if row is None:
        try:
            with session.begin_nested():
                row = ShopEmployees(place_id=place_id, period=period, employees=employees)
                row.reported_by, row.reported_at = user_id, utc_now()
                session.add(row)
                session.flush()
        except IntegrityError:
            row = session.get(ShopEmployees, (place_id, period), populate_existing=True)
            if row is None:  # pragma: no cover
                raise
            before = row.employees
        else:
            return None, row.reported_at
    row.employees, row.reported_by, row.reported_at = employees, user_id, utc_now()
    session.flush()
    return before, row.reported_at


def latest_employees(
    session: Session, *, city_id: int, until: str | None = None
) -> list[EmployeesReport]:
    """Each shop's latest report of a city (at or before month ``until``), by place id."""
    cond = [Place.city_id == city_id]
    if until is not None:
        cond.append(ShopEmployees.period <= until)
    latest = (
        select(ShopEmployees.place_id, func.max(ShopEmployees.period).label("period"))
        .join(Place, Place.id == ShopEmployees.place_id)
        .where(*cond)
        .group_by(ShopEmployees.place_id)
        .subquery()
    )
    rows = session.execute(
        select(
            ShopEmployees.place_id,
            ShopEmployees.period,
            ShopEmployees.employees,
            ShopEmployees.reported_at,
            PlaceOwner.community_code,
        )
        .join(
            latest,
            (latest.c.place_id == ShopEmployees.place_id)
            & (latest.c.period == ShopEmployees.period),
        )
        .outerjoin(PlaceOwner, PlaceOwner.place_id == ShopEmployees.place_id)
        .order_by(ShopEmployees.place_id)
    ).all()
    return [EmployeesReport(*r) for r in rows]


def owned_shop_communities(session: Session, *, city_id: int) -> list[str | None]:
    """The community of every owned shop of a city (one entry per shop)."""
    rows = session.execute(
        select(PlaceOwner.community_code)
        .join(Place, Place.id == PlaceOwner.place_id)
        .where(Place.city_id == city_id)
    ).all()
    return [r[0] for r in rows]


# --- usage -------------------------------------------------------------------------------


@dataclass(frozen=True)
class UsageBatch:
    """A month's usage batch as read back."""

    month: str
    computed_at: datetime
    limit_minutes: int
    redemptions: int
    with_home: int
    walked: int
    cells: tuple[tuple[str, str, int, int], ...]
    """(community code, category, events, within), by community then category."""


def save_usage(
    session: Session,
    *,
    city_id: int,
    month: str,
    limit_minutes: int,
    redemptions: int,
    with_home: int,
    walked: int,
    cells: dict[tuple[str, str], tuple[int, int]],
) -> None:
    """Replace a month's usage batch (its counts and its cells) in one transaction."""
    session.execute(delete(UsageCell).where(UsageCell.city_id == city_id, UsageCell.month == month))
    session.execute(
        delete(UsageMonth).where(UsageMonth.city_id == city_id, UsageMonth.month == month)
    )
    session.add(
        UsageMonth(
            city_id=city_id,
            month=month,
            computed_at=utc_now(),
            limit_minutes=limit_minutes,
            redemptions=redemptions,
            with_home=with_home,
            walked=walked,
        )
    )
    session.add_all(
        UsageCell(
            city_id=city_id,
            month=month,
            community_code=community,
            category=category,
            events=events,
            within=within,
        )
        for (community, category), (events, within) in sorted(cells.items())
    )
    session.flush()


def get_usage(session: Session, *, city_id: int, month: str | None = None) -> UsageBatch | None:
    """A month's batch (the latest computed month when ``month`` is None), or ``None``."""
    query = select(UsageMonth).where(UsageMonth.city_id == city_id)
    if month is not None:
        query = query.where(UsageMonth.month == month)
    head = session.scalar(query.order_by(UsageMonth.month.desc()).limit(1))
    if head is None:
        return None
    cells = session.execute(
        select(UsageCell.community_code, UsageCell.category, UsageCell.events, UsageCell.within)
        .where(UsageCell.city_id == city_id, UsageCell.month == head.month)
        .order_by(UsageCell.community_code, UsageCell.category)
    ).all()
    return UsageBatch(
        month=head.month,
        computed_at=head.computed_at,
        limit_minutes=head.limit_minutes,
        redemptions=head.redemptions,
        with_home=head.with_home,
        walked=head.walked,
        cells=tuple((c[0], c[1], int(c[2]), int(c[3])) for c in cells),
    )


@dataclass(frozen=True)
class UsageEvent:
    """A live redemption of a month: the shop, and the redeemer's home if they set one.

    The home point is read for the walk and never stored with the event.
    """

    place_id: int
    place_lon: float
    place_lat: float
    home_lon: float | None
    home_lat: float | None
    home_community: str | None


def usage_events(
    session: Session, *, city_id: int, since: datetime, until: datetime
) -> list[UsageEvent]:
    """The city's redemptions in ``[since, until)`` that were not undone, oldest first."""
    rows = session.execute(
        select(
            CouponRedemption.place_id,
            Place.lon,
            Place.lat,
            ResidentHome.lon,
            ResidentHome.lat,
            ResidentHome.community_code,
        )
        .join(Place, Place.id == CouponRedemption.place_id)
        .join(CouponClaim, CouponClaim.id == CouponRedemption.claim_id)
        .outerjoin(
            ResidentHome,
            (ResidentHome.user_id == CouponClaim.user_id) & (ResidentHome.city_id == city_id),
        )
        .where(
            Place.city_id == city_id,
            CouponRedemption.undone_at.is_(None),
            CouponRedemption.redeemed_at >= since,
            CouponRedemption.redeemed_at < until,
        )
        .order_by(CouponRedemption.redeemed_at, CouponRedemption.id)
    ).all()
    return [UsageEvent(*r) for r in rows]


def categories_of(session: Session, *, place_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """The category codes of each place (sorted; ``()`` for a place of none)."""
    found: dict[int, list[str]] = {pid: [] for pid in place_ids}
    if found:
        rows = session.execute(
            select(PlaceCategory.place_id, PlaceCategory.code)
            .where(PlaceCategory.place_id.in_(sorted(found)))
            .order_by(PlaceCategory.place_id, PlaceCategory.code)
        )
        for pid, code in rows:
            if code not in found[pid]:
                found[pid].append(code)
    return {pid: tuple(codes) for pid, codes in found.items()}


def unit_places(session: Session, *, run_id: int) -> dict[str, int]:
    """Places per unit in an assessment run (its records' ``places``)."""
    rows = session.execute(
        select(AssessmentCommunity.code, AssessmentCommunity.record).where(
            AssessmentCommunity.run_id == run_id
        )
    )
    return {code: int((record or {}).get("places") or 0) for code, record in rows}


def district_names(session: Session, *, city_id: int) -> dict[str, str]:
    """A city's districts (区): code -> name, by code."""
    rows = session.execute(
        select(Community.code, Community.name)
        .where(Community.city_id == city_id, Community.level == CommunityLevel.DISTRICT)
        .order_by(Community.code)
    )
    return {str(code): str(name) for code, name in rows.all()}


def unit_name(session: Session, *, city_id: int, code: str) -> str | None:
    """The stored name of a unit code, or ``None``."""
    found = session.scalar(
        select(Community.name).where(Community.city_id == city_id, Community.code == code)
    )
    return None if found is None else str(found)
