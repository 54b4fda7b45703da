"""Areas of a city: which units lie inside a district or 街道 code (an official's scope).

A unit is inside area ``A`` when it is ``A``, when ``A`` is among its ancestors through
the stored ``parent_code`` links (社区 → 街道 → 区), or, for Chinese administrative codes,
when its code starts with ``A``'s: the NBS codes nest by prefix (district ``440304``,
街道 ``440304001``, 社区 ``440304001001``), so a 社区 list imported without its 街道 rows
is still placed in its district. Codes that are not administrative (H3 cells, a
city's own numbering) use the links only.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from lifecircle.store.models import AssessmentCommunity, AssessmentRun, Community

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session

_ADMIN_CODE = re.compile(r"^\d{6}(\d{3}(\d{3})?)?$")
"""GB/T 2260 and NBS codes: 6 digits (区/县), 9 (街道/乡镇) or 12 (社区/村)."""


def admin_prefix(code: str) -> str | None:
    """The significant prefix of an administrative code, or ``None`` for other codes.

    Twelve-digit codes padded with zeros name the level above: ``440304000000`` is the
    district ``440304`` and ``440304001000`` the 街道 ``440304001``.

    >>> admin_prefix("440304000000"), admin_prefix("440304001"), admin_prefix("8928308280fffff")
    ('440304', '440304001', None)

    """
    if not _ADMIN_CODE.match(code):
        return None
    if len(code) == 12 and code.endswith("000000"):
        return code[:6]
    if len(code) == 12 and code.endswith("000"):
        return code[:9]
    return code


@dataclass(frozen=True)
class Area:
    """A district or 街道 of a city, with the stored units inside it.

    ``members`` are the stored unit codes found inside (the area's own row included when
    stored); :meth:`contains` also places codes that are not stored, such as the units
    of an assessment run, by the prefix rule.
    """

    code: str
    members: frozenset[str]

    @property
    def known(self) -> bool:
        """Whether any stored unit lies in the area (else the code names nothing)."""
        return bool(self.members)

    def contains(self, code: str) -> bool:
        """Whether the unit ``code`` lies inside this area."""
        if code in self.members:
            return True
        outer, inner = admin_prefix(self.code), admin_prefix(code)
        return outer is not None and inner is not None and inner.startswith(outer)


def city_area(session: Session, *, city_id: int, code: str) -> Area:
    """The area ``code`` of a city with every stored unit inside it.

    Parameters
    ----------
    session
        Open session.
    city_id
        The city.
    code
        A district or 街道 code (any unit code works: a 社区 contains itself).

    Returns
    -------
    Area
        Possibly with no members: the caller decides whether an unknown area is an error.

    """
    rows = session.execute(
        select(Community.code, Community.parent_code).where(Community.city_id == city_id)
    ).all()
    children: defaultdict[str, list[str]] = defaultdict(list)
    for unit, parent in rows:
        if parent:
            children[parent].append(unit)
    probe = Area(code=code, members=frozenset())
    found = {unit for unit, _ in rows if unit == code or probe.contains(unit)}
    queue = [code, *found]
    while queue:  # descendants through the parent links, whatever their codes
        for child in children.get(queue.pop(), ()):
            if child not in found:
                found.add(child)
                queue.append(child)
    return Area(code=code, members=frozenset(found))


@dataclass(frozen=True)
class UnitVerdict:
    """One unit's headline result in an assessment run (the run's columns, not its record)."""

    code: str
    name: str
    population: float
    basic_complete: bool
    grade: str
    circle_type: str


@dataclass(frozen=True)
class RunVerdicts:
    """An assessment run's id, time and every unit's headline result, in run order."""

    run_id: int
    created_at: datetime
    units: tuple[UnitVerdict, ...]
    by_hour: bool = False
    """Whether the run was assessed by hour (``assess --by-hour``)."""


def latest_verdicts(session: Session, *, city_id: int) -> RunVerdicts | None:
    """The headline results of a city's latest assessment run, or ``None`` if it has none."""
    run = session.execute(
        select(AssessmentRun.id, AssessmentRun.created_at, AssessmentRun.parameters)
        .where(AssessmentRun.city_id == city_id)
        .order_by(AssessmentRun.created_at.desc(), AssessmentRun.id.desc())
        .limit(1)
    ).first()
    if run is None:
        return None
    rows = session.execute(
        select(
            AssessmentCommunity.code,
            AssessmentCommunity.name,
            AssessmentCommunity.population,
            AssessmentCommunity.basic_complete,
            AssessmentCommunity.grade,
            AssessmentCommunity.circle_type,
        )
        .where(AssessmentCommunity.run_id == run.id)
        .order_by(AssessmentCommunity.position)
    )
    return RunVerdicts(
        run_id=run.id,
        created_at=run.created_at,
        units=tuple(UnitVerdict(*row) for row in rows),
        by_hour=bool(((run.parameters or {}).get("time") or {}).get("by_hour")),
    )
