"""The API's one error translation point: every failure becomes a status and a Problem body.

Errors of ours map by class (:data:`STATUS`); request validation errors become 422 with
every bad field named; unknown routes and methods keep their 404/405. Anything else is a
bug: it is logged with its traceback and answered 500 without details (with them when
``debug`` is on, which production refuses).
"""

from __future__ import annotations

import logging
import traceback
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from lifecircle.api.schemas.common import FieldProblem, Problem
from lifecircle.errors import (
    AuthenticationError,
    ConflictError,
    DataError,
    FileAccessError,
    InfeasibleError,
    LifecircleError,
    NotFoundError,
    OptionalDependencyError,
    PermissionDeniedError,
    RateLimitedError,
    ValidationError,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fastapi import FastAPI, Request

logger = logging.getLogger("lifecircle.api")

STATUS: tuple[tuple[type[LifecircleError], int], ...] = (
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (RateLimitedError, 429),
    (ValidationError, 422),
    (InfeasibleError, 422),
    (OptionalDependencyError, 501),
    (FileAccessError, 500),
    (DataError, 400),
)
"""Error class to HTTP status, most specific first; other errors of ours are 400."""


def status_of(exc: LifecircleError) -> int:
    """The HTTP status of one of our errors."""
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 400


def problem_response(
    status: int,
    detail: str,
    errors: Sequence[FieldProblem] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A JSON answer with a :class:`Problem` body."""
    body = Problem(status=status, title=HTTPStatus(status).phrase, detail=detail, errors=[*errors])
    content = body.model_dump(mode="json")
    for error in content["errors"]:  # figures only where a problem has them
        if error.get("context") is None:
            error.pop("context", None)
    return JSONResponse(content, status_code=status, headers=headers)


def _field(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc)


async def _ours(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LifecircleError)
    status = status_of(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, AuthenticationError):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, RateLimitedError):
        headers["Retry-After"] = str(exc.retry_after_s)
    if status >= 500:
        logger.error("%s: %s", type(exc).__name__, exc)
    return problem_response(
        status, str(exc), [FieldProblem(field=exc.field, problem=str(exc))], headers
    )


async def _invalid(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        FieldProblem(field=_field(e.get("loc", ())), problem=str(e.get("msg", "invalid")))
        for e in jsonable_encoder(exc.errors())
    ]
    named = "; ".join(f"{e.field}: {e.problem}" for e in errors)
    return problem_response(422, f"invalid request: {named}", errors)


async def _http(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc.detail, list):  # FastAPI-style details a router raised: loc, msg, ctx
        errors = [
            FieldProblem(
                field=_field(item.get("loc", ())) or None,
                problem=str(item.get("msg", "")),
                context=item.get("ctx"),
            )
            for item in exc.detail
            if isinstance(item, dict)
        ]
        detail = "; ".join(e.problem for e in errors) or HTTPStatus(exc.status_code).phrase
        return problem_response(exc.status_code, detail, errors, dict(exc.headers or {}))
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    # a 400 is FastAPI failing to read the body (not UTF-8, not JSON), a 404/405 an
    # unknown route or method; the residents' and jobs' routers raise 404s and 409s too
    errors = [FieldProblem(field="body", problem=detail)] if exc.status_code == 400 else []
    return problem_response(exc.status_code, detail, errors, dict(exc.headers or {}))


async def _database_down(_request: Request, exc: Exception) -> JSONResponse:
    logger.error("database unavailable: %s", str(exc).splitlines()[0])
    return problem_response(
        503, "the database cannot be reached: try again later", [], {"Retry-After": "5"}
    )


async def _raced(request: Request, exc: Exception) -> JSONResponse:
    # the services check what they write; a constraint the database still refuses means a
    # concurrent change came first (a shop merged away by an import while its merchant
    # edited it): nothing was written, and the client may reload and try again
    logger.warning(
        "write on %s %s refused by the database: %s",
        request.method,
        request.url.path,
        str(getattr(exc, "orig", exc)).splitlines()[0],
    )
    return problem_response(
        409,
        "the data changed while this request was handled (another change came first); "
        "nothing was written: reload and try again",
    )


def _bug_handler(*, debug: bool) -> Any:
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        logger.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        detail = "internal error: the server's log has the details"
        if debug:
            detail = "".join(traceback.format_exception(exc))
        return problem_response(500, detail)

    return _bug


def install_error_handlers(app: FastAPI, *, debug: bool) -> None:
    """Make ``app`` answer every error with a :class:`Problem` body and the right status."""
    app.add_exception_handler(LifecircleError, _ours)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(OperationalError, _database_down)
    app.add_exception_handler(IntegrityError, _raced)
    app.add_exception_handler(Exception, _bug_handler(debug=debug))
