"""Missing-service reports: residents say what is missing, officials see them beside the gaps.

A resident reports a category of the city's taxonomy missing near a point ("no breakfast
shop near me"); the report is filed under the community whose boundary holds the point.
Officials of an area read counts per community and category (reports and distinct
residents) beside what the latest assessment computed for the same community and
category (coverage, missing, weak), and a GeoJSON of the same counts placed at each
community's representative point: never a resident's point.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import shapely

from lifecircle.errors import NotFoundError, ValidationError
from lifecircle.io.places.taxonomy import load_taxonomy
from lifecircle.services.accounts import plain_text
from lifecircle.services.residents.communities import community_at
from lifecircle.services.residents.points import point_in
from lifecircle.store import feedback as store
from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.engine import Engine

    from lifecircle.services.areas import AreaScope

MAX_NOTE = 500
"""Longest note with a report, in characters."""


@dataclass(frozen=True)
class FiledReport:
    """A report as its author sees it back: where it was filed."""

    id: int
    city: str
    category: str
    community_code: str | None
    community_name: str | None
    created_at: datetime


def file_report(
    *,
    engine: Engine,
    user_id: int,
    city: str,
    category: str,
    lon: float,
    lat: float,
    crs: str = "wgs84",
    note: str | None = None,
) -> FiledReport:
    """Report ``category`` missing near a point of ``city``.

    Raises
    ------
    NotFoundError
        If the city does not exist.
    ValidationError
        If the category is not one of the city's taxonomy, or the point or note is bad.

    """
    with session_scope(engine) as session:
        try:
            found = get_city(session, name=city)
        except NotFoundError as exc:
            raise NotFoundError(str(exc), field="city") from None
        city_id, city_name, taxonomy = found.id, found.name, found.taxonomy
    codes = load_taxonomy(taxonomy).codes
    if category not in codes:
        raise ValidationError(
            f"category {category!r} is not one of the {taxonomy} taxonomy: {', '.join(codes)}",
            field="body.category",
        )
    clean_note = None if note is None or not note.strip() else note.strip()
    if clean_note is not None and (len(clean_note) > MAX_NOTE or not plain_text(clean_note)):
        raise ValidationError(
            f"note has at most {MAX_NOTE} characters, none of them a control character",
            field="body.note",
        )
    try:
        w_lon, w_lat = point_in(lon, lat, crs)
    except ValidationError as exc:
        raise ValidationError(str(exc), field="body.lon") from None
    code = community_at(engine=engine, city=city_name, lon=w_lon, lat=w_lat)
    with session_scope(engine) as session:
        report_id, created = store.add_report(
            session,
            city_id=city_id,
            user_id=user_id,
            category=category,
            lon=w_lon,
            lat=w_lat,
            community_code=code,
            note=clean_note,
        )
        names = store.community_shapes(session, city_id=city_id, codes=[code] if code else [])
    return FiledReport(
        id=report_id,
        city=city_name,
        category=category,
        community_code=code,
        community_name=names[code][0] if code in names else None,
        created_at=created,
    )


@dataclass(frozen=True)
class FeedbackCell:
    """One community × category: residents' reports beside the computed gap.

    ``coverage``, ``missing`` and ``weak`` come from the latest assessment's record of
    the community (``None`` when it has no such community or category).
    """

    code: str | None
    name: str | None
    category: str
    reports: int
    residents: int
    coverage: float | None
    missing: bool | None
    weak: bool | None

    @property
    def gap(self) -> bool:
        """Whether the assessment found the category missing or weak there."""
        return bool(self.missing or self.weak)


@dataclass(frozen=True)
class FeedbackSummary:
    """The cells of an official's area: every reported pair and every computed gap."""

    city: str
    area: str | None
    run_id: int | None
    assessed_at: datetime | None
    cells: tuple[FeedbackCell, ...]
    reports: int


def _gap(
    record: dict[str, Any] | None, category: str
) -> tuple[float | None, bool | None, bool | None]:
    if record is None:
        return None, None, None
    coverage = (record.get("coverage") or {}).get(category)
    return (
        None if coverage is None else float(coverage),
        category in (record.get("missing") or []),
        category in (record.get("weak") or []),
    )


def feedback_summary(*, engine: Engine, scope: AreaScope) -> FeedbackSummary:
    """Reports per community × category in ``scope``, beside the latest assessment's gaps.

    Cells are the pairs with reports and the pairs the assessment found missing or weak
    (without reports: ``reports`` 0). Sorted by community code (no community last), then
    category.
    """
    members = None if scope.area is None else scope.area.members
    with session_scope(engine) as session:
        counts = store.report_counts(session, city_id=scope.city_id, communities=members)
        latest = store.latest_records(session, city_id=scope.city_id)
        records = {} if latest is None else latest.records
        in_scope = {c: r for c, r in records.items() if scope.covers(c)}
        pairs: dict[tuple[str | None, str], tuple[int, int]] = {
            (c.code, c.category): (c.reports, c.residents) for c in counts
        }
        for unit, record in in_scope.items():
            for category in {*(record.get("missing") or []), *(record.get("weak") or [])}:
                pairs.setdefault((unit, category), (0, 0))
        codes = {code for code, _ in pairs if code is not None}
        names = {
            k: v[0]
            for k, v in store.community_shapes(session, city_id=scope.city_id, codes=codes).items()
        }
    cells = []
    for (code, category), (reports, residents) in sorted(
        pairs.items(), key=lambda kv: (kv[0][0] is None, kv[0][0] or "", kv[0][1])
    ):
        coverage, missing, weak = _gap(records.get(code) if code else None, category)
        cells.append(
            FeedbackCell(
                code=code,
                name=names.get(code or "") or (records.get(code or "") or {}).get("name"),
                category=category,
                reports=reports,
                residents=residents,
                coverage=coverage,
                missing=missing,
                weak=weak,
            )
        )
    return FeedbackSummary(
        city=scope.city,
        area=None if scope.area is None else scope.area.code,
        run_id=None if latest is None else latest.run_id,
        assessed_at=None if latest is None else latest.created_at,
        cells=tuple(cells),
        reports=sum(c.reports for c in counts),
    )


def feedback_map(*, engine: Engine, scope: AreaScope) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the reports of ``scope``, one feature per community.

    Each feature sits at its community's representative point (a point inside the
    boundary; ``null`` geometry when the community has none) with the counts per
    category as properties. Reports in no community are left out: there is no point
    to put them at that would not be a resident's own.
    """
    members = None if scope.area is None else scope.area.members
    with session_scope(engine) as session:
        counts = store.report_counts(session, city_id=scope.city_id, communities=members)
        codes = {c.code for c in counts if c.code is not None}
        shapes = store.community_shapes(session, city_id=scope.city_id, codes=codes)
    per: dict[str, dict[str, int]] = {}
    for c in counts:
        if c.code is not None:
            per.setdefault(c.code, {})[c.category] = c.reports
    features = []
    for code in sorted(per):
        name, wkb = shapes.get(code, (None, None))
        geometry = None
        if wkb is not None:
            point = shapely.point_on_surface(shapely.from_wkb(wkb))
            geometry = {"type": "Point", "coordinates": [round(point.x, 6), round(point.y, 6)]}
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "community_code": code,
                    "community_name": name,
                    "reports": sum(per[code].values()),
                    "categories": dict(sorted(per[code].items())),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
