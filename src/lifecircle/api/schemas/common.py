"""Schemas every router shares: the error body, bounded text, display times, ids."""

from __future__ import annotations

from datetime import datetime
from http import HTTPStatus
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, Field, PlainSerializer

DISPLAY_ZONE = ZoneInfo("Asia/Shanghai")
"""Times in responses are shown in China Standard Time (UTC+8), with their offset."""

NO_CONTROL = r"^[^\x00-\x1f\x7f-\x9f]*$"
"""Text without control characters (C0, DEL, C1: no NUL, which PostgreSQL refuses, no line
breaks); the services refuse the same (:func:`lifecircle.services.accounts.plain_text`)."""

MAX_ID = 2**31 - 1
"""Largest row id (a 32-bit integer column): bigger numbers are refused as invalid."""


def _no_surrogates(text: str) -> str:
    # JSON may carry lone surrogates ("\ud800"); no database can store them
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        raise ValueError("text contains a lone surrogate (not valid Unicode)")
    return text


PlainText = Annotated[str, Field(pattern=NO_CONTROL), AfterValidator(_no_surrogates)]
"""A line of text without control characters or lone surrogates."""

CityName = Annotated[
    str,
    Field(min_length=1, max_length=100, pattern=NO_CONTROL, examples=["helsinki", "深圳"]),
    AfterValidator(_no_surrogates),
]
"""A city's name as ``lifecircle city create`` gave it."""

AreaCode = Annotated[
    str,
    Field(min_length=1, max_length=64, pattern=NO_CONTROL, examples=["440304"]),
    AfterValidator(_no_surrogates),
]
"""A district, 街道 or community code (``440304`` is 福田区)."""

RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
"""A row id: a positive 32-bit integer."""


def _display(value: datetime) -> str:
    return value.astimezone(DISPLAY_ZONE).isoformat()


DisplayTime = Annotated[datetime, PlainSerializer(_display, return_type=str, when_used="json")]
"""A timezone-aware time, serialised as ISO 8601 in Asia/Shanghai time (``+08:00``)."""


class FieldProblem(BaseModel):
    """One problem with a request, and the field it is about (``None``: the whole request)."""

    field: str | None = Field(examples=["body.username", "query.area", "path.city"])
    problem: str
    context: dict[str, float | int | str] | None = Field(
        default=None,
        description="Figures of the problem, e.g. `distance_m` from a point to the nearest street.",
    )


class Problem(BaseModel):
    """The body of every error answer: status, title, a readable message, the problems."""

    status: int = Field(examples=[422])
    title: str = Field(examples=["Unprocessable Content"])
    detail: str
    errors: list[FieldProblem] = Field(default_factory=list)


_DESCRIPTIONS = {
    400: "The body cannot be parsed (not UTF-8 JSON), or the request conflicts with the data.",
    401: "No valid bearer token: log in (`POST /api/v1/auth/login`).",
    403: "The account's role or scope does not allow this.",
    404: "Not found (the message says what).",
    409: "Conflicts with what is stored (a name taken, a place owned).",
    422: "A field is missing or invalid (each named in `errors`).",
    429: "Too many attempts: wait the `Retry-After` seconds.",
    503: "The database cannot be reached.",
}


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for these error statuses, all with a :class:`Problem` body.

    Every route documents what it can answer, so generated clients and the schemathesis
    run know each status; 400 (a body that cannot be parsed) and 422 (an invalid field)
    are always included.
    """
    entries: dict[int | str, dict[str, Any]] = {}
    for code in sorted({*codes, 400, 422}):
        entry: dict[str, Any] = {
            "model": Problem,
            "description": _DESCRIPTIONS.get(code, HTTPStatus(code).phrase),
        }
        if code == 429:
            entry["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait before trying again.",
                    "schema": {"type": "integer", "minimum": 1},
                }
            }
        if code == 401:
            entry["headers"] = {
                "WWW-Authenticate": {
                    "description": "`Bearer`: how to authenticate.",
                    "schema": {"type": "string"},
                }
            }
        entries[code] = entry
    return entries
