"""``create_app(settings)``: the FastAPI application of the service platform.

Nothing is built at import: the settings are validated when the app is made, and the
database engine is made when the app starts (its lifespan) and disposed of when it
stops, so tests build as many apps as they like, each on its own database, and uvicorn
workers each make their own (``lifecircle serve`` uses :func:`app_from_environment` as
the factory).
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware

from lifecircle import __version__
from lifecircle.api.docs import install_docs
from lifecircle.api.errors import install_error_handlers
from lifecircle.api.routers import (
    auth,
    campaigns,
    cities,
    complaints,
    consultations,
    coupons,
    feedback,
    health,
    homes,
    hours,
    indicators,
    jobs,
    layers,
    planning,
    platform,
    prices,
    reports,
    residents,
    shops,
    stock,
    surveys,
    users,
    web_config,
)
from lifecircle.api.web import install_web
from lifecircle.config import Settings, get_settings, production_problems
from lifecircle.errors import AuthenticationError, ValidationError
from lifecircle.services.accounts import account_for_token
from lifecircle.services.security import warm_up
from lifecircle.store.db import make_engine
from lifecircle.store.migrate import check_current

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

API_PREFIX = "/api/v1"
OPENAPI_URL = f"{API_PREFIX}/openapi.json"

ROUTERS = (
    health.router,
    auth.router,
    users.router,
    homes.router,
    cities.router,
    residents.router,
    jobs.router,
    platform.router,
    shops.router,
    stock.router,
    prices.router,
    coupons.router,
    indicators.router,
    campaigns.router,
    reports.router,
    consultations.router,
    feedback.router,
    complaints.router,
    surveys.router,
    layers.router,
    web_config.router,
    planning.router,
    hours.router,
    shops.place_router,  # last: its {uid:path} would swallow /places/{uid}/offers
)
"""Every router of the API, included under :data:`API_PREFIX` in this order."""

logger = logging.getLogger("lifecircle.api")

DESCRIPTION = """
The service platform of the quarter-hour convenient living circle (一刻钟便民生活圈):
accounts and roles, cities, and (as they are added) residents' nearby search, merchants'
shops and officials' assessments.

Authenticate with `POST /api/v1/auth/login` (OAuth2 password form) and send the token as
`Authorization: Bearer <token>`. Every error answers a JSON body with `status`, `title`,
`detail` and `errors` (each `field` and its `problem`).
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API application.

    Parameters
    ----------
    settings
        Validated settings; by default read from the ``LIFECIRCLE_*`` environment.

    Returns
    -------
    FastAPI
        Routes under ``/api/v1``, OpenAPI at ``/api/v1/openapi.json``, docs at ``/docs``.
        When it starts it connects to the settings' database and refuses to run unless
        the schema is current (``lifecircle db upgrade``).

    Raises
    ------
    ValidationError
        If the settings are unsafe for production (no secret key of its own, debug on).

    """
    settings = get_settings() if settings is None else settings
    problems = production_problems(settings)
    if problems:  # Settings refuse these already; a model built another way must not pass
        raise ValidationError("production settings refused: " + "; ".join(problems))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings)
        try:
            check_current(engine)
            warm_up()
            app.state.engine = engine
            jobs.open_jobs(app)  # ends the jobs a dead server left, runs new ones
            logger.info("lifecircle API on %s", settings.safe_database_url())
            yield
        finally:
            jobs.close_jobs(app)
            engine.dispose()

    app = FastAPI(
        title="lifecircle",
        version=__version__,
        description=DESCRIPTION,
        debug=settings.debug,
        openapi_url=OPENAPI_URL,
        docs_url=None,  # served from npm, not a CDN: api/docs.py
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.authenticate = authenticate
    install_error_handlers(app, debug=settings.debug)
    install_docs(
        app, openapi_url=OPENAPI_URL, title="lifecircle API", assets_dir=settings.assets_dir
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=["Retry-After"],
            allow_credentials=False,  # bearer tokens, never cookies
        )
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    install_web(app, web_dir=settings.web_dir)  # last: `/` and `/app/...`
    return app


def authenticate(request: Request) -> tuple[int, str, str | None, str | None]:
    """The caller of a request by its bearer token: id, role, city, area (401 without one).

    The jobs router asks this through ``app.state.authenticate`` (see
    :mod:`lifecircle.api.routers.jobs`); the other routers take ``CurrentUser``.
    """
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("this needs a bearer token: log in first")
    account = account_for_token(engine=request.app.state.engine, token=token.strip())
    return account.id, account.role.value, account.city, account.area_code


def app_from_environment() -> FastAPI:
    """The app with settings from the environment: the factory uvicorn workers call."""
    return create_app(get_settings())
