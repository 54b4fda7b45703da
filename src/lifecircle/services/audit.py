"""Officials read the audit log of their area: who changed which shop, price, coupon or batch.

The merchants' services write the log (:func:`lifecircle.store.audit.record_change`)
in the transaction of the change itself, so a change and its record land together or
not at all. Reading is for officials: an official of a district sees the changes at
the communities of that district; an administrator or a city-wide official also sees
those at no community (a shop outside every boundary).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lifecircle.store import audit
from lifecircle.store.db import session_scope

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.engine import Engine

    from lifecircle.services.areas import AreaScope
    from lifecircle.store.audit import Change


def audit_log(
    *,
    engine: Engine,
    scope: AreaScope,
    place_id: int | None = None,
    entity: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Change], int]:
    """The changes in ``scope``, newest first, and how many match in all."""
    communities = None if scope.area is None else scope.area.members
    with session_scope(engine) as session:
        return audit.list_changes(
            session,
            city_id=scope.city_id,
            communities=communities,
            place_id=place_id,
            entity=entity,
            since=since,
            until=until,
            limit=limit,
            offset=offset,
        )
