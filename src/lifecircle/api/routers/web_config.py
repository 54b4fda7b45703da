"""``GET /web-config``: the web application's run-time settings (the basemap tiles).

A deployment sets its tiles with ``LIFECIRCLE_TILE_URL``, ``LIFECIRCLE_TILE_CRS`` and
``LIFECIRCLE_TILE_ATTRIBUTION`` (validated in :class:`lifecircle.config.Settings`) instead
of rebuilding the app; the app reads this once at start and falls back to the values it
was built with (``VITE_TILE_*``) when none are set. Public and cacheable: nothing in it is
secret or differs per caller.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from lifecircle.api.deps import SettingsDep
from lifecircle.api.schemas.common import problems
from lifecircle.api.schemas.web_config import TilesPublic, WebConfigPublic

router = APIRouter(tags=["web"])

CACHE_SECONDS = 300
"""How long browsers and proxies may keep the answer (a changed setting shows within it)."""


@router.get("/web-config", responses=problems())
def read_web_config(settings: SettingsDep, response: Response) -> WebConfigPublic:
    """The web application's settings: the basemap tiles, or null (free, no account)."""
    response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    tiles = (
        TilesPublic(
            url=settings.tile_url, crs=settings.tile_crs, attribution=settings.tile_attribution
        )
        if settings.tile_url
        else None
    )
    return WebConfigPublic(tiles=tiles)
