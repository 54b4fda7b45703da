"""Consultations (听取意见建议): officials ask, residents support, oppose and comment.

An official publishes a proposal tied to a point on the map (a planned site of a plan
run, a business change, a promotion) for an open period. Residents give one stance
each (changeable while it is open) and comment. Everyone reads the tallies per
community (the community of each resident's home, ``unknown`` without one) with small
cells suppressed (:func:`lifecircle.core.integrity.tally`), and the comments without
who wrote them. Before it opens, a consultation is seen only by the officials of its
area.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lifecircle.core.integrity import Tally, tally
from lifecircle.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from lifecircle.services.accounts import plain_text
from lifecircle.services.areas import OFFICIAL_ROLES, AreaScope, area_scope
from lifecircle.services.residents.communities import community_at
from lifecircle.services.residents.points import point_in, points_out
from lifecircle.store import consultations as store
from lifecircle.store.areas import city_area
from lifecircle.store.cities import get_city
from lifecircle.store.consultations import ConsultationKind, ConsultationStatus, Stance
from lifecircle.store.db import session_scope
from lifecircle.store.feedback import community_shapes
from lifecircle.store.homes import get_home
from lifecircle.store.models import City, Role, utc_now
from lifecircle.store.runs import get_plan

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from lifecircle.services.accounts import Account
    from lifecircle.store.consultations import ConsultationRow

MAX_COMMENT = 1000
"""Longest comment, in characters."""
MAX_DESCRIPTION = 5000
"""Longest description, in characters."""
COMMENTS_SHOWN = 100
"""The newest comments a consultation's page shows (``comments_total`` counts all)."""
UNKNOWN = "unknown"
"""The tally row of stances from residents with no home community in the city."""


@dataclass(frozen=True)
class ConsultationDraft:
    """What an official publishes. The point may be left out when a plan site is named."""

    title: str
    description: str
    kind: ConsultationKind
    closes_at: datetime
    opens_at: datetime | None = None
    lon: float | None = None
    lat: float | None = None
    crs: str = "wgs84"
    community: str | None = None
    plan_id: int | None = None
    site_id: str | None = None


@dataclass(frozen=True)
class CommunityTally:
    """One community's stances (``code`` :data:`UNKNOWN`: residents without a home there)."""

    code: str
    name: str | None
    tally: Tally


@dataclass(frozen=True)
class Tallies:
    """Stances per community, and in all; small cells are suppressed.

    ``suppressed`` pools the suppressed cells (shown when they hold
    :data:`~lifecircle.core.integrity.MIN_CELL` or more together); ``total`` is hidden
    when it would give the pooled figure away.
    """

    communities: tuple[CommunityTally, ...]
    suppressed: Tally
    total: Tally


@dataclass(frozen=True)
class CommentView:
    """A comment as everyone sees it: no author, ``mine`` for its own author."""

    id: int
    text: str
    community_code: str | None
    created_at: datetime
    mine: bool


@dataclass(frozen=True)
class ConsultationView:
    """A consultation with its status at the time asked, its point in the CRS asked."""

    id: int
    city: str
    title: str
    description: str
    kind: str
    lon: float
    lat: float
    crs: str
    community_code: str | None
    community_name: str | None
    plan_id: int | None
    site_id: str | None
    opens_at: datetime
    closes_at: datetime
    created_at: datetime
    status: ConsultationStatus


@dataclass(frozen=True)
class ConsultationPage:
    """A consultation with its tallies, comments and the caller's own stance."""

    consultation: ConsultationView
    tallies: Tallies
    comments: tuple[CommentView, ...]
    comments_total: int
    my_stance: str | None


def _city(session: Session, city: str) -> tuple[int, str]:
    try:
        found = get_city(session, name=city)
    except NotFoundError as exc:
        raise NotFoundError(str(exc), field="city") from None
    return found.id, found.name


def _view(row: ConsultationRow, *, city: str, name: str | None, crs: str) -> ConsultationView:
    x, y = points_out([row.lon], [row.lat], crs)
    return ConsultationView(
        id=row.id,
        city=city,
        title=row.title,
        description=row.description,
        kind=row.kind,
        lon=float(x[0]),
        lat=float(y[0]),
        crs=crs,
        community_code=row.community_code,
        community_name=name,
        plan_id=row.plan_id,
        site_id=row.site_id,
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        created_at=row.created_at,
        status=row.status(utc_now()),
    )


def _text(value: str, *, field: str, longest: int) -> str:
    clean = value.strip()
    if not clean:
        raise ValidationError(f"{field} must not be empty", field=field)
    if len(clean) > longest or not plain_text(clean):
        raise ValidationError(
            f"{field} has at most {longest} characters, none of them a control character",
            field=field,
        )
    return clean


def _site(session: Session, draft: ConsultationDraft, city_id: int, city: str) -> Any:
    """The plan site the draft names (its dict), or ``None``."""
    if draft.site_id is not None and draft.plan_id is None:
        raise ValidationError("site_id needs the plan_id it belongs to", field="body.site_id")
    if draft.plan_id is None:
        return None
    try:
        plan = get_plan(session, city_id=city_id, city=city, plan_id=draft.plan_id)
    except NotFoundError as exc:
        raise NotFoundError(str(exc), field="body.plan_id") from None
    if draft.site_id is None:
        return None
    site = next((s for s in plan.get("sites", []) if str(s.get("id")) == draft.site_id), None)
    if site is None:
        raise NotFoundError(
            f"plan {draft.plan_id} has no site {draft.site_id!r}", field="body.site_id"
        )
    return site


def _point(draft: ConsultationDraft, site: Any) -> tuple[float, float]:
    if draft.lon is None and draft.lat is None:
        if site is None:
            raise ValidationError(
                "give the point (lon, lat) or a plan site (plan_id, site_id)", field="body.lon"
            )
        return float(site["lon"]), float(site["lat"])
    if draft.lon is None or draft.lat is None:
        raise ValidationError("give both lon and lat", field="body.lon")
    try:
        return point_in(draft.lon, draft.lat, draft.crs)
    except ValidationError as exc:
        raise ValidationError(str(exc), field="body.lon") from None


def publish(
    *, engine: Engine, account: Account, city: str, draft: ConsultationDraft
) -> ConsultationView:
    """Publish a consultation in ``city`` (an official of the area of its community).

    The community is ``draft.community`` if given, else the one whose boundary holds
    the point.

    Raises
    ------
    PermissionDeniedError
        For a caller who is not an official of the city, or a community outside their
        area (or none, for an official of a district).
    NotFoundError
        If the city, the plan, the site or the community named does not exist.
    ValidationError
        For empty text, a bad point, or times without a zone or out of order.

    """
    scope = area_scope(engine=engine, account=account, city=city, area=None)
    title = _text(draft.title, field="body.title", longest=store.TITLE_LENGTH)
    description = _text(draft.description, field="body.description", longest=MAX_DESCRIPTION)
    now = utc_now()
    opens_at = draft.opens_at or now
    for field, value in (("body.opens_at", opens_at), ("body.closes_at", draft.closes_at)):
        if value.tzinfo is None:
            raise ValidationError(f"{field} needs a time zone (like +08:00)", field=field)
    if draft.closes_at <= opens_at:
        raise ValidationError("closes_at must be after opens_at", field="body.closes_at")
    if draft.closes_at <= now:
        raise ValidationError("closes_at must be in the future", field="body.closes_at")
    with session_scope(engine) as session:
        site = _site(session, draft, scope.city_id, scope.city)
    lon, lat = _point(draft, site)
    if draft.community is not None:
        with session_scope(engine) as session:
            if not city_area(session, city_id=scope.city_id, code=draft.community).known:
                raise NotFoundError(
                    f"city {city!r} has no unit {draft.community!r}", field="body.community"
                )
        code: str | None = draft.community
    else:
        code = community_at(engine=engine, city=scope.city, lon=lon, lat=lat)
    if scope.area is not None and (code is None or not scope.covers(code)):
        raise PermissionDeniedError(
            f"the consultation's community ({code or 'none'}) is outside your area "
            f"{scope.area.code}",
            field="body.community",
        )
    with session_scope(engine) as session:
        row = store.add_consultation(
            session,
            city_id=scope.city_id,
            title=title,
            description=description,
            kind=draft.kind.value,
            lon=lon,
            lat=lat,
            community_code=code,
            plan_id=draft.plan_id,
            site_id=draft.site_id,
            opens_at=opens_at,
            closes_at=draft.closes_at,
            created_by=account.id,
        )
        names = community_shapes(session, city_id=scope.city_id, codes=[code] if code else [])
    return _view(row, city=scope.city, name=names.get(code or "", (None, None))[0], crs=draft.crs)


def _official_scope(engine: Engine, viewer: Account | None, city: str) -> AreaScope | None:
    """The viewer's scope of ``city`` when they are its official or an admin, else ``None``."""
    if viewer is None or viewer.role not in OFFICIAL_ROLES:
        return None
    if viewer.role == Role.OFFICIAL and viewer.city != city.strip():
        return None
    return area_scope(engine=engine, account=viewer, city=city, area=None)


def consultations(
    *,
    engine: Engine,
    city: str,
    viewer: Account | None,
    area: str | None = None,
    status: ConsultationStatus | None = None,
    crs: str = "wgs84",
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[ConsultationView], int]:
    """A city's consultations: open ones for the public, all of their area for officials.

    Raises
    ------
    NotFoundError
        If the city, or the area asked, does not exist.
    PermissionDeniedError
        If the public asks for other than open ones, or an official for an area outside
        their own.

    """
    official = _official_scope(engine, viewer, city)
    with session_scope(engine) as session:
        city_id, city_name = _city(session, city)
    if official is not None:
        scope = area_scope(engine=engine, account=viewer, city=city, area=area)  # type: ignore[arg-type]
        members = None if scope.area is None else scope.area.members
        statuses = None if status is None else [status]
    else:
        if status not in (None, ConsultationStatus.OPEN):
            raise PermissionDeniedError(
                "only the city's officials see consultations that are not open", field="status"
            )
        statuses = [ConsultationStatus.OPEN]
        members = None
        if area is not None:
            with session_scope(engine) as session:
                asked = city_area(session, city_id=city_id, code=area.strip())
            if not asked.known:
                raise NotFoundError(f"city {city!r} has no unit with code {area!r}", field="area")
            members = asked.members
    with session_scope(engine) as session:
        rows, total = store.list_consultations(
            session,
            city_id=city_id,
            at=utc_now(),
            statuses=statuses,
            communities=members,
            limit=limit,
            offset=offset,
        )
        codes = {r.community_code for r in rows if r.community_code}
        names = community_shapes(session, city_id=city_id, codes=codes)
    views = [
        _view(r, city=city_name, name=names.get(r.community_code or "", (None, None))[0], crs=crs)
        for r in rows
    ]
    return views, total


def _visible(engine: Engine, row: ConsultationRow, city: str, viewer: Account | None) -> bool:
    """Open and closed ones to everyone; upcoming ones to the officials of their area."""
    if row.status(utc_now()) != ConsultationStatus.UPCOMING:
        return True
    scope = _official_scope(engine, viewer, city)
    if scope is None:
        return False
    return scope.area is None or (
        row.community_code is not None and scope.covers(row.community_code)
    )


def _find(
    engine: Engine, consultation_id: int, viewer: Account | None
) -> tuple[ConsultationRow, str]:
    with session_scope(engine) as session:
        row = store.get_consultation(session, consultation_id=consultation_id)
        city = None
        if row is not None:
            found = session.get(City, row.city_id)
            city = None if found is None else found.name
    if row is None or city is None or not _visible(engine, row, city, viewer):
        raise NotFoundError(f"no consultation with id {consultation_id}", field="consultation_id")
    return row, city


def tallies_of(counts: dict[str | None, dict[str, int]], names: dict[str, str]) -> Tallies:
    """Per-community tallies of stance counts, small cells suppressed (see :class:`Tallies`)."""
    rows = []
    pooled_s = pooled_o = 0
    for code in sorted(counts, key=lambda c: (c is None, c or "")):
        s = counts[code].get(Stance.SUPPORT.value, 0)
        o = counts[code].get(Stance.OPPOSE.value, 0)
        cell = tally(s, o)
        if cell.too_few:
            pooled_s, pooled_o = pooled_s + s, pooled_o + o
        key = UNKNOWN if code is None else code
        rows.append(CommunityTally(code=key, name=names.get(key), tally=cell))
    suppressed = tally(pooled_s, pooled_o)
    support = sum(c.get(Stance.SUPPORT.value, 0) for c in counts.values())
    oppose = sum(c.get(Stance.OPPOSE.value, 0) for c in counts.values())
    total = tally(support, oppose)
    if suppressed.too_few:  # the total less the shown cells would give the pooled figure
        total = Tally(None, None, too_few=True)
    return Tallies(communities=tuple(rows), suppressed=suppressed, total=total)


def consultation_page(
    *, engine: Engine, consultation_id: int, viewer: Account | None, crs: str = "wgs84"
) -> ConsultationPage:
    """A consultation with its tallies, newest comments and the viewer's stance.

    Raises
    ------
    NotFoundError
        If there is no such consultation, or it is upcoming and the viewer is not one of
        the officials of its area.

    """
    row, city = _find(engine, consultation_id, viewer)
    with session_scope(engine) as session:
        counts = store.stance_counts(session, consultation_id=row.id)
        comments, total = store.list_comments(session, consultation_id=row.id, limit=COMMENTS_SHOWN)
        codes = {c for c in counts if c} | ({row.community_code} if row.community_code else set())
        names = {
            k: v[0] for k, v in community_shapes(session, city_id=row.city_id, codes=codes).items()
        }
        mine = None
        if viewer is not None:
            mine = store.stance_of(session, consultation_id=row.id, user_id=viewer.id)
    return ConsultationPage(
        consultation=_view(row, city=city, name=names.get(row.community_code or ""), crs=crs),
        tallies=tallies_of(counts, names),
        comments=tuple(
            CommentView(
                id=c.id,
                text=c.body,
                community_code=c.community_code,
                created_at=c.created_at,
                mine=viewer is not None and c.user_id == viewer.id,
            )
            for c in comments
        ),
        comments_total=total,
        my_stance=mine,
    )


def _open_for(
    engine: Engine, consultation_id: int, account: Account
) -> tuple[ConsultationRow, str | None]:
    """The consultation, open now, and the community of the account's home in its city."""
    row, _ = _find(engine, consultation_id, account)
    if row.status(utc_now()) != ConsultationStatus.OPEN:
        raise ConflictError(
            f"consultation {consultation_id} closed at {row.closes_at.isoformat()}",
            field="consultation_id",
        )
    with session_scope(engine) as session:
        home = get_home(session, user_id=account.id)
    code = home.community_code if home is not None and home.city_id == row.city_id else None
    return row, code


@dataclass(frozen=True)
class MyStance:
    """One's stance on a consultation and the community it counts in."""

    consultation_id: int
    stance: str
    community_code: str


def take_stance(
    *, engine: Engine, account: Account, consultation_id: int, stance: Stance
) -> MyStance:
    """Support or oppose an open consultation; a second call changes one's stance.

    Raises
    ------
    NotFoundError
        If there is no such consultation (or it is not open yet).
    ConflictError
        If it has closed.

    """
    row, code = _open_for(engine, consultation_id, account)
    with session_scope(engine, write=True) as session:
        store.set_stance(
            session, consultation_id=row.id, user_id=account.id, stance=stance, community_code=code
        )
    return MyStance(consultation_id=row.id, stance=stance.value, community_code=code or UNKNOWN)


def comment(*, engine: Engine, account: Account, consultation_id: int, text: str) -> CommentView:
    """Comment on an open consultation (shown without one's name).

    Raises
    ------
    NotFoundError, ConflictError
        As :func:`take_stance`.
    ValidationError
        If the text is empty or too long.

    """
    body = _text(text, field="body.text", longest=MAX_COMMENT)
    row, code = _open_for(engine, consultation_id, account)
    with session_scope(engine) as session:
        made = store.add_comment(
            session, consultation_id=row.id, user_id=account.id, community_code=code, body=body
        )
    return CommentView(
        id=made.id, text=made.body, community_code=code, created_at=made.created_at, mine=True
    )


def close_consultation(
    *, engine: Engine, account: Account, consultation_id: int, crs: str = "wgs84"
) -> ConsultationView:
    """End an open consultation now (an official of its community's area, an admin).

    Its stances and comments stay, as they are at closing; it takes no more.

    Raises
    ------
    NotFoundError
        If there is no such consultation (or the caller may not see it).
    PermissionDeniedError
        If the caller is not an official of its area.
    ConflictError
        If it is not open: not open yet, or closed already.

    """
    row, city = _find(engine, consultation_id, account)
    scope = _official_scope(engine, account, city)
    if scope is None or (
        scope.area is not None
        and (row.community_code is None or not scope.covers(row.community_code))
    ):
        raise PermissionDeniedError(
            "only the officials of the consultation's area close it", field="consultation_id"
        )
    now = utc_now()
    with session_scope(engine, write=True) as session:
        if not store.close_consultation(session, consultation_id=row.id, at=now):
            state = row.status(now).value
            raise ConflictError(
                f"consultation {consultation_id} is {state}: only an open one can be closed",
                field="consultation_id",
            )
        closed = store.get_consultation(session, consultation_id=row.id)
        assert closed is not None
        code = closed.community_code
        names = community_shapes(session, city_id=closed.city_id, codes=[code] if code else [])
    return _view(closed, city=city, name=names.get(code or "", (None, None))[0], crs=crs)
