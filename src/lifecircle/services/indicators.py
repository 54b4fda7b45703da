"""The plan's recorded indicators: officials' figures, merchants' employees, their sums.

Officials record figures per area and month, merchants report their shops' employees,
and both are summed for an area, the city and its targets.

How figures add up (docs/officials.md, "Indicators and usage"):

- investment (fen) and commercial centres are flows: the months' figures are summed;
- floor areas are stocks: each area's latest record counts; total floor areas are added
  for the outermost areas only (a district's total holds its communities');
- employees: each shop's latest report, summed.

``None`` means "not recorded": no record in the scope, never zero.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lifecircle.core.assess.indicators import floor_share, outermost
from lifecircle.errors import ValidationError
from lifecircle.services.areas import AreaScope, area_scope
from lifecircle.store import indicators as store
from lifecircle.store.areas import Area, city_area
from lifecircle.store.audit import Actor, record_change
from lifecircle.store.db import session_scope
from lifecircle.store.owners import require_owned

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from lifecircle.services.accounts import Account

PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
"""A month, ``YYYY-MM``."""

CENTRE_KINDS = ("new", "renovated")
"""Kinds of community commercial centre the plan counts (新建, 改造)."""

MAX_CENTRES = 100
"""Centres one record may list."""

MAX_FLOOR_M2 = 10**12
"""Largest floor area accepted, m² (Shenzhen's whole built floor area is ~10⁹ m²)."""

MAX_INVESTMENT_FEN = 10**15
"""Largest investment accepted, fen (10 trillion yuan)."""

MAX_EMPLOYEES = 1_000_000
"""Largest employee count of one shop."""


def check_period(period: str, *, field: str) -> str:
    """``period`` if it is a month ``YYYY-MM``; else a ValidationError naming ``field``."""
    if not re.match(PERIOD_PATTERN, period):
        raise ValidationError(f"{period!r} is not a month YYYY-MM", field=field)
    return period


@dataclass(frozen=True)
class Centre:
    """A new or renovated community commercial centre: its name and kind."""

    name: str
    kind: str


@dataclass(frozen=True)
class IndicatorDraft:
    """The figures of one record (``None``: not recorded)."""

    investment_fen: int | None = None
    commercial_floor_m2: int | None = None
    total_floor_m2: int | None = None
    centres: tuple[Centre, ...] = ()

    def check(self, *, prefix: str = "body.") -> None:
        """Raise a ValidationError naming every problem's field."""
        problems: list[tuple[str, str]] = []
        for key, top in (
            ("investment_fen", MAX_INVESTMENT_FEN),
            ("commercial_floor_m2", MAX_FLOOR_M2),
            ("total_floor_m2", MAX_FLOOR_M2),
        ):
            value = getattr(self, key)
            if value is not None and not 0 <= value <= top:
                problems.append((key, f"must be between 0 and {top}, not {value}"))
        c, t = self.commercial_floor_m2, self.total_floor_m2
        if c is not None and t is not None and c > t:
            problems.append(("commercial_floor_m2", f"{c} m² exceeds the total floor area {t} m²"))
        names = [x.name.strip() for x in self.centres]
        for i, centre in enumerate(self.centres):
            if not centre.name.strip():
                problems.append((f"centres.{i}.name", "must not be empty"))
            elif names.index(centre.name.strip()) != i:
                problems.append((f"centres.{i}.name", f"{centre.name!r} is listed twice"))
            if centre.kind not in CENTRE_KINDS:
                problems.append((f"centres.{i}.kind", f"must be one of {', '.join(CENTRE_KINDS)}"))
        if len(self.centres) > MAX_CENTRES:
            problems.append(("centres", f"at most {MAX_CENTRES} centres a record"))
        if problems:
            key = problems[0][0]
            raise ValidationError(
                "; ".join(f"{prefix}{k}: {p}" for k, p in problems), field=f"{prefix}{key}"
            )

    def values(self) -> dict[str, Any]:
        """The stored columns."""
        return {
            "investment_fen": self.investment_fen,
            "commercial_floor_m2": self.commercial_floor_m2,
            "total_floor_m2": self.total_floor_m2,
            "centres": [{"name": c.name.strip(), "kind": c.kind} for c in self.centres],
        }


def record_indicator(
    *,
    engine: Engine,
    account: Account,
    city: str,
    code: str,
    period: str,
    draft: IndicatorDraft,
) -> store.Indicator:
    """Create or replace an area's record for a month, audited (entity ``indicator``).

    Raises
    ------
    PermissionDeniedError
        Unless ``account`` is an administrator or an official whose area holds ``code``.
    NotFoundError
        If the city does not exist or has no unit ``code``.
    ValidationError
        For a period that is not ``YYYY-MM`` or figures out of bounds.

    """
    check_period(period, field="path.period")
    draft.check()
    scope = area_scope(engine=engine, account=account, city=city, area=code)
    area = scope.area.code if scope.area is not None else code.strip()
    with session_scope(engine, write=True) as session:
        before, after = store.put_indicator(
            session,
            city_id=scope.city_id,
            area_code=area,
            period=period,
            values=draft.values(),
            user_id=account.id,
        )
        record_change(
            session,
            city_id=scope.city_id,
            actor=Actor(id=account.id, role=account.role.value),
            entity="indicator",
            entity_id=after.id,
            action="create" if before is None else "update",
            before=None if before is None else before.record(),
            after=after.record(),
            community_code=area,
        )
    return after


def list_indicators(
    *, engine: Engine, scope: AreaScope, since: str | None = None, until: str | None = None
) -> list[store.Indicator]:
    """The records of the areas inside ``scope`` with ``since <= period <= until``."""
    if since is not None:
        check_period(since, field="query.from")
    if until is not None:
        check_period(until, field="query.to")
    if since is not None and until is not None and since > until:
        raise ValidationError(f"from {since} is after to {until}", field="query.from")
    with session_scope(engine) as session:
        rows = store.list_indicators(session, city_id=scope.city_id, since=since, until=until)
    return [r for r in rows if scope.covers(r.area_code)]


def report_employees(
    *, engine: Engine, user_id: int, place_id: int, period: str, employees: int
) -> store.EmployeesReport:
    """Set one's shop's employees for a month, audited (entity ``shop_employees``).

    Raises
    ------
    NotFoundError
        If the account owns no such shop (another's shop is not told apart).
    ValidationError
        For a period that is not ``YYYY-MM`` or a count out of bounds.

    """
    check_period(period, field="body.period")
    if not 0 <= employees <= MAX_EMPLOYEES:
        raise ValidationError(
            f"employees must be between 0 and {MAX_EMPLOYEES}", field="body.employees"
        )
    with session_scope(engine, write=True) as session:
        shop = require_owned(session, place_id=place_id, user_id=user_id)
        before, at = store.put_employees(
            session, place_id=place_id, period=period, employees=employees, user_id=user_id
        )
        record_change(
            session,
            city_id=shop.city_id,
            actor=Actor(id=user_id, role="merchant"),
            entity="shop_employees",
            entity_id=f"{place_id}:{period}",
            action="create" if before is None else "update",
            before=None if before is None else {"period": period, "employees": before},
            after={"period": period, "employees": employees},
            place_id=place_id,
            community_code=shop.community_code,
        )
    return store.EmployeesReport(
        place_id=place_id,
        period=period,
        employees=employees,
        reported_at=at,
        community_code=shop.community_code,
    )


# --- summing up --------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """The recorded indicators of an area up to a month (``None``: nothing recorded).

    ``investment_fen`` and ``centres`` sum the months from ``since`` (all when ``None``)
    to ``until``; the floor areas are each area's latest record; ``employees`` sums each
    shop's latest report.
    """

    investment_fen: int | None
    centres: int | None
    centre_names: tuple[str, ...]
    commercial_floor_m2: int | None
    total_floor_m2: int | None
    employees: int | None
    shops_reporting: int

    @property
    def floor_share(self) -> float | None:
        """Commercial floor area as a share of the total."""
        return floor_share(self.commercial_floor_m2, self.total_floor_m2)


def _latest(records: Sequence[store.Indicator], key: str) -> dict[str, int]:
    """Each area's latest non-null ``key`` (records ordered by period)."""
    found: dict[str, int] = {}
    for r in records:
        value = getattr(r, key)
        if value is not None:
            found[r.area_code] = value
    return found


def sum_figures(
    records: Sequence[store.Indicator],
    reports: Sequence[store.EmployeesReport],
    *,
    inside: Callable[[str, str], bool],
    since: str | None = None,
) -> Figures:
    """Sum records (of one scope, periods up to the last month, by period) and reports.

    ``inside(a, b)``: whether area ``a`` lies in area ``b`` (for the outermost totals).
    """
    flows = [r for r in records if since is None or r.period >= since]
    invest = [r.investment_fen for r in flows if r.investment_fen is not None]
    names = tuple(c["name"] for r in flows for c in r.centres)
    commercial = _latest(records, "commercial_floor_m2")
    totals = _latest(records, "total_floor_m2")
    outer = outermost(totals, inside=inside)
    return Figures(
        investment_fen=sum(invest) if invest else None,
        centres=len(names) if flows else None,
        centre_names=names,
        commercial_floor_m2=sum(commercial.values()) if commercial else None,
        total_floor_m2=sum(totals[c] for c in outer) if outer else None,
        employees=sum(r.employees for r in reports) if reports else None,
        shops_reporting=len(reports),
    )


def area_inside(session: Session, *, city_id: int) -> Callable[[str, str], bool]:
    """``inside(a, b)`` for a city's codes: ``a`` lies in area ``b`` (areas cached)."""
    areas: dict[str, Area] = {}

    def inside(a: str, b: str) -> bool:
        if b not in areas:
            areas[b] = city_area(session, city_id=city_id, code=b)
        return areas[b].contains(a)

    return inside


def city_figures(*, engine: Engine, city_id: int, until: str | None = None) -> Figures:
    """The city's recorded indicators up to month ``until`` (all when ``None``)."""
    with session_scope(engine) as session:
        records = store.list_indicators(session, city_id=city_id, until=until)
        reports = store.latest_employees(session, city_id=city_id, until=until)
        return sum_figures(records, reports, inside=area_inside(session, city_id=city_id))


def target_figures(figures: Figures) -> dict[str, Any]:
    """The ``CityFigures`` fields the recorded indicators fill (for the targets table)."""
    return {
        "commercial_floor_share": figures.floor_share,
        "commercial_centres": figures.centres,
        "employees": figures.employees,
        # the targets table shows yuan; fen / 100 is exact to the fen in a float
        "investment_cny": None if figures.investment_fen is None else figures.investment_fen / 100,
    }


def scope_totals(
    *,
    engine: Engine,
    scope: AreaScope,
    records: Sequence[store.Indicator],
    until: str | None = None,
) -> Figures:
    """The sums of ``records`` (of ``scope``) and of the scope's shops' latest reports."""
    with session_scope(engine) as session:
        reports = store.latest_employees(session, city_id=scope.city_id, until=until)
        mine = [r for r in reports if r.community_code and scope.covers(r.community_code)]
        if scope.area is None:
            mine = list(reports)
        return sum_figures(records, mine, inside=area_inside(session, city_id=scope.city_id))
