"""Integrity (诚信): a shop's public record, and complaints per 1,000 residents per community.

The place view is public and made of aggregates: complaints filed and upheld over the
last :data:`WINDOW_DAYS` days, whether the shop publishes prices (明码标价), its stock
lapses (临期 batches that expired still in stock) and the grade of
:mod:`lifecircle.core.integrity`. The officials' summary gives, per community of their
area, the complaints of a period per 1,000 residents of the latest assessment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from lifecircle.core.expiry import local_date
from lifecircle.core.integrity import integrity_grade, integrity_marks
from lifecircle.core.money import percent_text, ratio_hundredths
from lifecircle.errors import NotFoundError, ValidationError
from lifecircle.store import complaints as complaint_store
from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope
from lifecircle.store.feedback import community_shapes, latest_records
from lifecircle.store.integrity import place_record
from lifecircle.store.models import utc_now
from lifecircle.store.prices import place_by_uid

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.engine import Engine

    from lifecircle.services.areas import AreaScope

WINDOW_DAYS = 365
"""The integrity view's period: the last 12 months."""
GRADE_RULE = (
    "marks over the last 12 months: 1 per upheld complaint, 1 per stock lapse, 1 if no "
    "prices are published; A 0, B 1-2, C 3-5, D 6 or more; places not run on the "
    "platform are not graded"
)


@dataclass(frozen=True)
class Integrity:
    """A place's integrity view (aggregates only)."""

    place_id: int
    uid: str
    name: str | None
    since: datetime
    until: datetime
    on_platform: bool
    complaints: int
    upheld: int
    publishes_prices: bool
    live_prices: int
    lapses: int
    expired_in_stock: int
    marks: int | None
    grade: str | None
    rule: str


def place_integrity(
    *, engine: Engine, city: str, uid: str, now: datetime | None = None
) -> Integrity:
    """The integrity view of the place ``uid`` of ``city`` over the 12 months before ``now``.

    Raises
    ------
    NotFoundError
        If the city or the place does not exist.

    """
    until = now or utc_now()
    since = until - timedelta(days=WINDOW_DAYS)
    with session_scope(engine) as session:
        try:
            city_id = get_city(session, name=city).id
        except NotFoundError as exc:
            raise NotFoundError(str(exc), field="city") from None
        place = place_by_uid(session, city_id=city_id, uid=uid)
        if place is None:
            raise NotFoundError(f"city {city!r} has no place {uid!r}", field="uid")
        record = place_record(session, place_id=place[0], since=since, until=until)
    publishes = record.live_prices > 0
    marks = None
    if record.owned:
        marks = integrity_marks(
            upheld=record.upheld, lapses=record.lapses, publishes_prices=publishes
        )
    return Integrity(
        place_id=place[0],
        uid=place[1],
        name=place[2],
        since=since,
        until=until,
        on_platform=record.owned,
        complaints=record.complaints,
        upheld=record.upheld,
        publishes_prices=publishes,
        live_prices=record.live_prices,
        lapses=record.lapses,
        expired_in_stock=record.expired_in_stock,
        marks=marks,
        grade=None if marks is None else integrity_grade(marks),
        rule=GRADE_RULE,
    )


def per_thousand(complaints: int, population: float) -> str | None:
    """Complaints per 1,000 residents as text with two decimals (``None``: no residents).

    Exact on integers: the population is rounded to whole residents first.

    >>> per_thousand(3, 8000.0), per_thousand(1, 0.4)
    ('0.38', None)

    """
    people = round(population)
    if people <= 0:
        return None
    return percent_text(ratio_hundredths(complaints * 10, people))


@dataclass(frozen=True)
class CommunityComplaints:
    """One community's complaints in the period (``code`` ``None``: places in none)."""

    code: str | None
    name: str | None
    population: float | None
    complaints: int
    upheld: int
    per_1000: str | None


@dataclass(frozen=True)
class ComplaintsSummary:
    """Complaints per community of an official's area over a period."""

    city: str
    area: str | None
    since: datetime
    until: datetime
    run_id: int | None
    communities: tuple[CommunityComplaints, ...]
    complaints: int
    upheld: int


def complaints_summary(
    *,
    engine: Engine,
    scope: AreaScope,
    since: datetime | None = None,
    until: datetime | None = None,
) -> ComplaintsSummary:
    """Per community of ``scope``: complaints filed in ``[since, until)``, upheld, per 1,000.

    The communities are those of the latest assessment in scope (their population is
    its population) and any other with complaints. ``until`` defaults to now, ``since``
    to 12 months before it.

    Raises
    ------
    ValidationError
        If a time has no zone, or ``since`` is not before ``until``.

    """
    until = utc_now() if until is None else until
    since = until - timedelta(days=WINDOW_DAYS) if since is None else since
    for field, value in (("since", since), ("until", until)):
        if value.tzinfo is None:
            raise ValidationError(f"{field} needs a time zone (like +08:00)", field=field)
    if since >= until:
        raise ValidationError("since must be before until", field="since")
    members = None if scope.area is None else scope.area.members
    with session_scope(engine) as session:
        counts = complaint_store.counts_by_community(
            session, city_id=scope.city_id, communities=members, since=since, until=until
        )
        latest = latest_records(session, city_id=scope.city_id)
        records = {} if latest is None else latest.records
        assessed = {c: r for c, r in records.items() if scope.covers(c)}
        codes = set(assessed) | {c for c in counts if c is not None}
        names = {
            k: v[0]
            for k, v in community_shapes(session, city_id=scope.city_id, codes=codes).items()
        }
    rows = []
    for code in sorted(codes) + ([None] if None in counts else []):
        n, up = counts.get(code, (0, 0))
        record = assessed.get(code or "")
        population = None if record is None else float(record.get("population") or 0.0)
        rows.append(
            CommunityComplaints(
                code=code,
                name=names.get(code or "") or (None if record is None else record.get("name")),
                population=population,
                complaints=n,
                upheld=up,
                per_1000=None if population is None else per_thousand(n, population),
            )
        )
    return ComplaintsSummary(
        city=scope.city,
        area=None if scope.area is None else scope.area.code,
        since=since,
        until=until,
        run_id=None if latest is None else latest.run_id,
        communities=tuple(rows),
        complaints=sum(r.complaints for r in rows),
        upheld=sum(r.upheld for r in rows),
    )


def report_complaints(
    *, engine: Engine, city: str, document: dict[str, Any], now: datetime | None = None
) -> dict[str, Any]:
    """The report's complaints section: the last 12 months per community of ``document``.

    Populations are the assessment document's own (the run the report shows); complaints
    at places in no community's boundary make a row of code ``None``.
    """
    until = now or utc_now()
    since = until - timedelta(days=WINDOW_DAYS)
    with session_scope(engine) as session:
        city_id = get_city(session, name=city).id
        counts = complaint_store.counts_by_community(
            session, city_id=city_id, communities=None, since=since, until=until
        )
    rows = []
    for com in document.get("communities", []):
        n, up = counts.pop(com["code"], (0, 0))
        population = float(com.get("population") or 0.0)
        rows.append(
            {
                "code": com["code"],
                "name": com.get("name"),
                "population": population,
                "complaints": n,
                "upheld": up,
                "per_1000": per_thousand(n, population),
            }
        )
    for code, (n, up) in sorted(counts.items(), key=lambda kv: (kv[0] is None, kv[0] or "")):
        rows.append(
            {
                "code": code,
                "name": None,
                "population": None,
                "complaints": n,
                "upheld": up,
                "per_1000": None,
            }
        )
    return {
        "since": local_date(since).isoformat(),
        "until": local_date(until).isoformat(),
        "total": sum(r["complaints"] for r in rows),
        "rows": rows,
    }
