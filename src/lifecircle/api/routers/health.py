"""``GET /health``: is the service up and its database reachable."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from lifecircle.api.deps import EngineDep
from lifecircle.api.schemas.common import problems
from lifecircle.services.health import health

router = APIRouter(tags=["health"])


class HealthPublic(BaseModel):
    """The service's state."""

    status: str
    version: str
    database_revision: str | None


@router.get("/health", responses=problems(503))
def get_health(engine: EngineDep) -> HealthPublic:
    """Whether the service answers and its database is reachable (503 if not)."""
    state = health(engine=engine)
    return HealthPublic(
        status="ok" if state.ok else "database schema is not current",
        version=state.version,
        database_revision=state.database_revision,
    )
